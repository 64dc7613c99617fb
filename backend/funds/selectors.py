"""Reads about councils, localities and panels, filtered by what the actor may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from backend.accounts.models import Role, RoleGrant
from backend.accounts.permissions import Actor, can_read_council, holds
from backend.core.errors import NotFound

from .models import Council, Locality, Panel


def councils_for_actor(*, actor: Actor) -> QuerySet[Council]:
    """Councils where the actor is an officer or auditor (whether or not MFA is done yet)."""
    return Council.objects.filter(
        role_grants__user=actor.user,
        role_grants__revoked_at__isnull=True,
        role_grants__role__in=[Role.COUNCIL_OFFICER, Role.AUDITOR],
    ).distinct()


def council_get(*, actor: Actor, council_id: int) -> Council:
    council = Council.objects.filter(pk=council_id).first()
    if council is None or not can_read_council(actor, council):
        raise NotFound("No such council.")
    return council


def panels_for_actor(*, actor: Actor) -> QuerySet[Panel]:
    """Panels the actor sits on, and every panel of councils they serve as officer or auditor."""
    return (
        Panel.objects.filter(
            Q(role_grants__user=actor.user, role_grants__revoked_at__isnull=True)
            | Q(
                council__role_grants__user=actor.user,
                council__role_grants__revoked_at__isnull=True,
                council__role_grants__role__in=[Role.COUNCIL_OFFICER, Role.AUDITOR],
            )
        )
        .select_related("council")
        .distinct()
    )


def panel_get(*, actor: Actor, panel_id: int) -> Panel:
    panel = Panel.objects.select_related("council").filter(pk=panel_id).first()
    if panel is None:
        raise NotFound("No such panel.")
    if can_read_council(actor, panel.council):
        return panel
    if holds(actor.user, Role.PANEL_CHAIR, panel=panel) or holds(
        actor.user, Role.PANEL_MEMBER, panel=panel
    ):
        return panel
    raise NotFound("No such panel.")


def panel_members(*, panel: Panel) -> QuerySet[RoleGrant]:
    return (
        RoleGrant.objects.filter(panel=panel, revoked_at__isnull=True)
        .select_related("user")
        .order_by("role", "user__email")
    )


def localities_for_council(*, council: Council) -> QuerySet[Locality]:
    return Locality.objects.filter(council=council)


def installation_branding() -> tuple[str, str]:
    """The name and colour the pages carry: the installation's (first) council's, if any."""
    from django.conf import settings

    council = Council.objects.order_by("pk").only("name", "brand_colour").first()
    if council is None:
        return settings.FAIRFUND_COUNCIL_NAME, "#1d4f6e"
    return council.name, council.brand_colour
