"""Reads about people, organisations and roles, filtered by what the actor may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from backend.core.errors import NotFound

from .models import ApiToken, Organisation, OrganisationInvitation, Role, RoleGrant, User
from .permissions import Actor, can_read_council, holds


def active_grants_for_user(*, user: User) -> QuerySet[RoleGrant]:
    return (
        RoleGrant.objects.filter(user=user, revoked_at__isnull=True)
        .select_related("council", "panel", "panel__council", "organisation")
        .order_by("role", "granted_at")
    )


def organisations_for_user(*, user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(
        role_grants__user=user,
        role_grants__role=Role.APPLICANT,
        role_grants__revoked_at__isnull=True,
    ).distinct()


def organisation_get(*, actor: Actor, organisation_id: int) -> Organisation:
    """An organisation its members may see; officers and auditors of any council see all."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("No such organisation.")
    if holds(actor.user, Role.APPLICANT, organisation=organisation):
        return organisation
    if organisations_visible_to_council_staff(actor=actor):
        return organisation
    raise NotFound("No such organisation.")


def organisations_visible_to_council_staff(*, actor: Actor) -> bool:
    councils = {g.council for g in active_grants_for_user(user=actor.user) if g.council}
    return any(can_read_council(actor, c) for c in councils)


def organisation_members(*, organisation: Organisation) -> QuerySet[RoleGrant]:
    return (
        RoleGrant.objects.filter(organisation=organisation, revoked_at__isnull=True)
        .select_related("user")
        .order_by("user__email")
    )


def organisation_pending_invitations(
    *, organisation: Organisation
) -> QuerySet[OrganisationInvitation]:
    return organisation.invitations.filter(accepted_at__isnull=True).select_related("invited_by")


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=email.strip().lower()).first()


def grants_in_council(*, council_id: int) -> QuerySet[RoleGrant]:
    """Every active grant over a council or one of its panels."""
    return (
        RoleGrant.objects.filter(
            Q(council_id=council_id) | Q(panel__council_id=council_id), revoked_at__isnull=True
        )
        .select_related("user", "council", "panel")
        .order_by("role", "user__email")
    )
