"""Reads about councils, localities and panels, filtered by what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from backend.accounts.models import Role, RoleGrant
from backend.accounts.permissions import (
    Actor,
    can_read_council,
    holds,
    require_council_role,
    require_officer,
    require_panel_role,
)
from backend.core.errors import NotFound, PermissionDenied

from .models import TIMELINE_FIELDS, Council, EligibilityItem, Fund, Locality, Need, Panel, Phase
from .workflows import AWARD_ONLY, TRANSITIONS


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


# --- for the web UI's council and panel pages -------------------------------------------------


@dataclass(frozen=True)
class CouncilAccess:
    """A council the actor serves, and the role through which they see it."""

    council: Council
    role: Role

    @property
    def is_officer(self) -> bool:
        return self.role == Role.COUNCIL_OFFICER


def council_access(*, actor: Actor, council_id: int) -> CouncilAccess:
    """A council its officers and auditors read. Unknown to anyone else; needs MFA (403 saying so)."""
    council = Council.objects.filter(pk=council_id).first()
    if council is None or not (
        holds(actor.user, Role.COUNCIL_OFFICER, council=council)
        or holds(actor.user, Role.AUDITOR, council=council)
    ):
        raise NotFound("No such council.")
    role = require_council_role(actor, council, Role.COUNCIL_OFFICER, Role.AUDITOR)
    return CouncilAccess(council=council, role=role)


def council_get_for_officer(*, actor: Actor, council_id: int) -> Council:
    """A council the actor manages as officer; its auditors are refused (403), others see 404."""
    access = council_access(actor=actor, council_id=council_id)
    require_officer(actor, access.council)
    return access.council


def panels_for_council(*, council: Council) -> QuerySet[Panel]:
    return Panel.objects.filter(council=council).prefetch_related("localities").order_by("name")


@dataclass(frozen=True)
class PanelAccess:
    """A panel the actor may see, and what they may change on it."""

    panel: Panel
    role: Role

    @property
    def is_officer(self) -> bool:
        return self.role == Role.COUNCIL_OFFICER

    @property
    def may_edit(self) -> bool:
        """Officers change everything; the chair changes the description."""
        return self.role in (Role.COUNCIL_OFFICER, Role.PANEL_CHAIR)


def panel_access(*, actor: Actor, panel_id: int) -> PanelAccess:
    """A panel seen by its council's officers and auditors (after MFA) or by its chair and members."""
    panel = Panel.objects.select_related("council").filter(pk=panel_id).first()
    if panel is None:
        raise NotFound("No such panel.")
    # The role that lets the actor do the most wins: officer, chair, member, then auditor.
    if holds(actor.user, Role.COUNCIL_OFFICER, council=panel.council):
        require_officer(actor, panel.council)
        return PanelAccess(panel=panel, role=Role.COUNCIL_OFFICER)
    for role in (Role.PANEL_CHAIR, Role.PANEL_MEMBER):
        if holds(actor.user, role, panel=panel):
            return PanelAccess(panel=panel, role=role)
    if holds(actor.user, Role.AUDITOR, council=panel.council):
        require_council_role(actor, panel.council, Role.AUDITOR)
        return PanelAccess(panel=panel, role=Role.AUDITOR)
    raise NotFound("No such panel.")


def panel_get_for_edit(*, actor: Actor, panel_id: int) -> PanelAccess:
    """A panel the actor may change: as officer (anything) or as its chair (after MFA)."""
    access = panel_access(actor=actor, panel_id=panel_id)
    if access.role == Role.PANEL_CHAIR:
        require_panel_role(actor, access.panel, Role.PANEL_CHAIR)
    elif not access.is_officer:
        raise PermissionDenied(_("Only the panel's chair and council officers can change it."))
    return access


def panel_get_for_officer(*, actor: Actor, panel_id: int) -> Panel:
    """A panel whose council the actor manages as officer."""
    access = panel_access(actor=actor, panel_id=panel_id)
    require_officer(actor, access.panel.council)
    return access.panel


# --- funds -------------------------------------------------------------------------------------


def _funds() -> QuerySet[Fund]:
    return Fund.objects.select_related("council", "panel").prefetch_related(
        "localities", "pots", "criteria", "checklist"
    )


def funds_for_actor(*, actor: Actor) -> QuerySet[Fund]:
    """Funds of the panels the actor sits on, and of the councils they serve as officer or auditor."""
    return (
        _funds()
        .filter(
            Q(panel__role_grants__user=actor.user, panel__role_grants__revoked_at__isnull=True)
            | Q(
                council__role_grants__user=actor.user,
                council__role_grants__revoked_at__isnull=True,
                council__role_grants__role__in=[Role.COUNCIL_OFFICER, Role.AUDITOR],
            )
        )
        .distinct()
        .order_by("name", "pk")
    )


def fund_get(*, actor: Actor, fund_id: int) -> Fund:
    """A fund, for its council's officers and auditors (after MFA) and its panel's chair and
    members; unknown (404) to anyone else."""
    fund = _funds().filter(pk=fund_id).first()
    if fund is None:
        raise NotFound("No such fund.")
    if can_read_council(actor, fund.council):
        return fund
    if holds(actor.user, Role.PANEL_CHAIR, panel=fund.panel) or holds(
        actor.user, Role.PANEL_MEMBER, panel=fund.panel
    ):
        return fund
    raise NotFound("No such fund.")


def funds_open_for_bids() -> QuerySet[Fund]:
    """The public list: funds taking bids now, with their populations and budgets."""
    return _funds().filter(phase=Phase.OPEN_FOR_BIDS).order_by("bids_close_at", "name")


@dataclass(frozen=True)
class FundAccess:
    """A fund the actor may see, and the role through which they see it (for the web UI)."""

    fund: Fund
    role: Role

    @property
    def is_officer(self) -> bool:
        return self.role == Role.COUNCIL_OFFICER

    @property
    def is_chair(self) -> bool:
        return self.role == Role.PANEL_CHAIR


def fund_access(*, actor: Actor, fund_id: int) -> FundAccess:
    """As fund_get; the role that lets the actor do the most wins: officer, chair, member, auditor."""
    fund = fund_get(actor=actor, fund_id=fund_id)
    if holds(actor.user, Role.COUNCIL_OFFICER, council=fund.council):
        return FundAccess(fund=fund, role=Role.COUNCIL_OFFICER)
    for role in (Role.PANEL_CHAIR, Role.PANEL_MEMBER):
        if holds(actor.user, role, panel=fund.panel):
            return FundAccess(fund=fund, role=role)
    return FundAccess(fund=fund, role=Role.AUDITOR)


def fund_next_phases(*, fund: Fund) -> list[tuple[str, str]]:
    """The phases an officer may move the fund to by hand, as (value, label)."""
    return [
        (str(phase), str(phase.label))
        for phase in Phase
        if phase in TRANSITIONS[Phase(fund.phase)] and phase not in AWARD_ONLY
    ]


def need_choices() -> list[tuple[str, str]]:
    return [(str(need.value), str(need.label)) for need in Need]


def timeline_fields() -> tuple[str, ...]:
    """The timeline's fields, in order: the date each phase starts."""
    return TIMELINE_FIELDS


def checklist_item_for_fund(*, fund_id: int, item_id: int) -> EligibilityItem:
    """One item of the fund's eligibility checklist; NotFound (404) if the fund has no such item."""
    item = EligibilityItem.objects.filter(fund_id=fund_id, pk=item_id).first()
    if item is None:
        raise NotFound(_("No such checklist item."))
    return item
