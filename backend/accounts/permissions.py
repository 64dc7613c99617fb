"""Who may do what: the acting person, and checks by role and object used by services and selectors.

Views and APIs build an :class:`Actor` from the request; services call the ``require_*``
functions below, so the web UI and the API enforce exactly the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet

from backend.core.errors import MfaRequired, PermissionDenied

from .models import MFA_ROLES, Organisation, Role, RoleGrant, User

if TYPE_CHECKING:
    from backend.funds.models import Council, Panel


@dataclass(frozen=True)
class Actor:
    """The person acting, and whether this session (or token) passed a second factor."""

    user: User
    mfa_verified: bool = False

    @property
    def may_act_with_mfa_role(self) -> bool:
        return self.mfa_verified or not settings.FAIRFUND_REQUIRE_MFA


def _active(user: User) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(user=user, revoked_at__isnull=True)


def holds(
    user: User,
    role: Role,
    *,
    council: Council | None = None,
    panel: Panel | None = None,
    organisation: Organisation | None = None,
) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    grants = _active(user).filter(role=role)
    if council is not None:
        grants = grants.filter(council=council)
    if panel is not None:
        grants = grants.filter(panel=panel)
    if organisation is not None:
        grants = grants.filter(organisation=organisation)
    return grants.exists()


def needs_mfa(user: User) -> bool:
    """Whether the user holds a role that may act only after MFA."""
    return _active(user).filter(role__in=list(MFA_ROLES)).exists()


def _check_mfa(actor: Actor, role: Role) -> None:
    if role in MFA_ROLES and not actor.may_act_with_mfa_role:
        raise MfaRequired()


def require_council_role(actor: Actor, council: Council, *roles: Role) -> Role:
    """The actor holds one of ``roles`` for ``council``; returns the one that allowed it."""
    for role in roles:
        if holds(actor.user, role, council=council):
            _check_mfa(actor, role)
            return role
    raise PermissionDenied()


def require_officer(actor: Actor, council: Council) -> None:
    require_council_role(actor, council, Role.COUNCIL_OFFICER)


def require_panel_role(actor: Actor, panel: Panel, *roles: Role) -> Role:
    for role in roles:
        if holds(actor.user, role, panel=panel):
            _check_mfa(actor, role)
            return role
    raise PermissionDenied()


def require_organisation_member(actor: Actor, organisation: Organisation) -> None:
    if not holds(actor.user, Role.APPLICANT, organisation=organisation):
        raise PermissionDenied("Only members of this organisation can do that.")


def can_read_council(actor: Actor, council: Council) -> bool:
    """Officers and auditors read everything in their council (after MFA)."""
    try:
        require_council_role(actor, council, Role.COUNCIL_OFFICER, Role.AUDITOR)
    except PermissionDenied:
        return False
    return True
