"""Reads about people, organisations and roles, filtered by what the actor may see."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from backend.core.errors import ApplicationError, NotFound
from backend.funds.models import Council, Panel

from .models import (
    ApiToken,
    LegalForm,
    Organisation,
    OrganisationInvitation,
    Role,
    RoleGrant,
    User,
)
from .orgids import CharityRegulator
from .permissions import (
    Actor,
    can_read_council,
    holds,
    require_officer,
    require_organisation_member,
)
from .services import OrganisationDetails


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


# --- for the web UI's pages (added with the organisation and council pages) -----------------


def legal_form_choices() -> list[tuple[str, str]]:
    """The legal forms an organisation may have, as (value, label) pairs."""
    return [(str(value), str(label)) for value, label in LegalForm.choices]


def grantable_council_roles() -> list[Role]:
    """The roles an officer grants over a council."""
    return [Role.COUNCIL_OFFICER, Role.AUDITOR]


def grantable_panel_roles() -> list[Role]:
    """The roles an officer grants over a panel."""
    return [Role.PANEL_CHAIR, Role.PANEL_MEMBER]


_CHARITY_PREFIXES = (
    ("GB-CHC-", CharityRegulator.CCEW),
    ("GB-SC-", CharityRegulator.OSCR),
    ("GB-NIC-", CharityRegulator.CCNI),
)


def organisation_details(*, organisation: Organisation) -> OrganisationDetails:
    """An organisation as a person would type it again: registration numbers without prefixes."""
    charity_regulator = CharityRegulator.CCEW
    charity_number = organisation.charity_org_id
    for prefix, regulator in _CHARITY_PREFIXES:
        if charity_number.startswith(prefix):
            charity_number = charity_number.removeprefix(prefix)
            charity_regulator = regulator
            break
    return OrganisationDetails(
        name=organisation.name,
        legal_form=organisation.legal_form,
        address_line_1=organisation.address_line_1,
        address_line_2=organisation.address_line_2,
        town=organisation.town,
        postcode=organisation.postcode,
        contact_email=organisation.contact_email,
        contact_phone=organisation.contact_phone,
        website=organisation.website,
        company_number=organisation.company_org_id.removeprefix("GB-COH-"),
        charity_number=charity_number,
        charity_regulator=charity_regulator,
        society_number=organisation.society_org_id.removeprefix("GB-MPR-"),
    )


def organisation_get_for_member(*, actor: Actor, organisation_id: int) -> Organisation:
    """An organisation the actor may change: its members only (council staff only read it)."""
    organisation = organisation_get(actor=actor, organisation_id=organisation_id)
    require_organisation_member(actor, organisation)
    return organisation


def is_organisation_member(*, actor: Actor, organisation: Organisation) -> bool:
    return holds(actor.user, Role.APPLICANT, organisation=organisation)


def organisation_member_get(*, organisation: Organisation, user_id: int) -> User:
    """A current member of the organisation."""
    grant = organisation_members(organisation=organisation).filter(user_id=user_id).first()
    if grant is None:
        raise NotFound("That person is not a member of this organisation.")
    return grant.user


def invitation_by_token(*, token: str) -> OrganisationInvitation | None:
    """The invitation an emailed token stands for (accepted or not), if any."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return (
        OrganisationInvitation.objects.select_related("organisation", "invited_by")
        .filter(token_sha256=digest)
        .first()
    )


def api_token_get(*, actor: Actor, token_id: int) -> ApiToken:
    """One of the actor's own live tokens."""
    token = api_tokens_for_user(user=actor.user).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token


def council_role_holders(*, council_id: int) -> QuerySet[RoleGrant]:
    """Active officers and auditors of a council (not panel members)."""
    return (
        RoleGrant.objects.filter(council_id=council_id, revoked_at__isnull=True)
        .select_related("user")
        .order_by("role", "user__email")
    )


def council_person_get(*, council_id: int, user_id: int) -> User:
    """Someone holding an active role in the council or one of its panels."""
    grant = grants_in_council(council_id=council_id).filter(user_id=user_id).first()
    if grant is None:
        raise NotFound("That person holds no role in this council.")
    return grant.user


def grant_get_for_officer(*, actor: Actor, grant_id: int) -> RoleGrant:
    """An active council or panel role that the actor, as an officer of its council, may revoke.

    Unknown to people who cannot read the council; refused (403) to its auditors; needs MFA.
    """
    grant = (
        RoleGrant.objects.select_related("user", "council", "panel__council")
        .filter(pk=grant_id, revoked_at__isnull=True, organisation__isnull=True)
        .first()
    )
    if grant is None:
        raise NotFound("No such role.")
    council = grant.council or (grant.panel.council if grant.panel else None)
    if council is None:
        raise NotFound("No such role.")
    if not (
        holds(actor.user, Role.COUNCIL_OFFICER, council=council)
        or holds(actor.user, Role.AUDITOR, council=council)
    ):
        raise NotFound("No such role.")
    require_officer(actor, council)
    return grant


# --- for the API -----------------------------------------------------------------------------


def user_get(*, user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such person.")
    return user


@dataclass(frozen=True)
class RoleGrantParties:
    """Who is to get a role, and over what: a council or one of its panels."""

    user: User
    council: Council | None
    panel: Panel | None


def role_grant_parties(
    *, actor: Actor, email: str, council_id: int | None = None, panel_id: int | None = None
) -> RoleGrantParties:
    """The person, council and panel named in an officer's request to grant a role.

    The officer check comes before the email lookup, so only officers of the council learn
    whether an address has an account.
    """
    council: Council | None = None
    panel: Panel | None = None
    if council_id is not None:
        council = Council.objects.filter(pk=council_id).first()
        if council is None:
            raise ApplicationError(
                "There is no such council.", fields={"council": ["No such council."]}
            )
    if panel_id is not None:
        panel = Panel.objects.select_related("council").filter(pk=panel_id).first()
        if panel is None:
            raise ApplicationError("There is no such panel.", fields={"panel": ["No such panel."]})
    scope = council if council is not None else (panel.council if panel is not None else None)
    if scope is None:
        raise ApplicationError(
            "Choose the council or the panel for this role.",
            fields={"council": ["Choose a council or a panel."]},
        )
    require_officer(actor, scope)
    user = user_by_email(email=email)
    if user is None:
        raise ApplicationError(
            "Nobody has an account with that email address. Ask them to sign up first.",
            fields={"email": ["No account uses this email address."]},
        )
    return RoleGrantParties(user=user, council=council, panel=panel)
