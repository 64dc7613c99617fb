"""Writes about people, organisations and roles. Each owns its transaction and checks permission."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.audit.services import AuditActor, audit_record
from backend.core.errors import ApplicationError, PermissionDenied
from backend.funds.models import Council, Panel
from backend.notifications.models import Kind
from backend.notifications.services import notify

from . import orgids
from .models import (
    COUNCIL_ROLES,
    MFA_ROLES,
    ORGANISATION_ROLES,
    PANEL_ROLES,
    ApiToken,
    LegalForm,
    Organisation,
    OrganisationInvitation,
    Role,
    RoleGrant,
    User,
)
from .permissions import Actor, holds, require_officer, require_organisation_member

INVITATION_DAYS = 14


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _by(actor: Actor) -> AuditActor:
    return AuditActor.for_user(actor.user)


def _grant_data(grant: RoleGrant) -> dict[str, object]:
    """What an event says about a grant: ids and dates only."""
    return {
        "user": grant.user_id,
        "role": grant.role,
        "council": grant.council_id,
        "panel": grant.panel_id,
        "organisation": grant.organisation_id,
        "term_starts_on": grant.term_starts_on.isoformat() if grant.term_starts_on else None,
        "term_ends_on": grant.term_ends_on.isoformat() if grant.term_ends_on else None,
    }


def _organisation_data(organisation: Organisation) -> dict[str, object]:
    """The organisation's public identifiers, and a hash of everything else it holds."""
    fields = {f: str(getattr(organisation, f)) for f in _validated_fields()}
    return {
        "legal_form": organisation.legal_form,
        "org_ids": organisation.org_ids,
        "details_sha256": _sha256("\n".join(f"{k}={v}" for k, v in sorted(fields.items()))),
    }


def _validated_fields() -> tuple[str, ...]:
    return (
        "name",
        "legal_form",
        "company_org_id",
        "charity_org_id",
        "society_org_id",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
        "contact_email",
        "contact_phone",
        "website",
    )


# --- organisations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationDetails:
    """What a person enters about an organisation; registration numbers as typed."""

    name: str
    legal_form: str
    address_line_1: str
    town: str
    postcode: str
    contact_email: str
    company_number: str = ""
    charity_number: str = ""
    charity_regulator: str = orgids.CharityRegulator.CCEW
    society_number: str = ""
    address_line_2: str = ""
    contact_phone: str = ""
    website: str = ""


_NEEDS_COMPANY = {LegalForm.CIC, LegalForm.CLG}
_NEEDS_CHARITY = {LegalForm.CHARITY, LegalForm.CIO}
_NEEDS_SOCIETY = {LegalForm.CBS}


def _postcode(raw: str) -> str:
    compact = "".join(raw.split()).upper()
    if not (5 <= len(compact) <= 7) or not compact[0].isalpha() or not compact[-3].isdigit():
        raise orgids.OrgIdError(_("Enter a full UK postcode, like SW1A 1AA."))
    return f"{compact[:-3]} {compact[-3:]}"


def _validated(details: OrganisationDetails) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    name = details.name.strip()
    if not name:
        errors["name"] = [_("Enter the organisation's name.")]
    if details.legal_form not in LegalForm.values:
        errors["legal_form"] = [_("Choose the organisation's legal form.")]
    form = LegalForm(details.legal_form) if details.legal_form in LegalForm.values else None

    def number(field: str, raw: str, convert: object, required: bool, what: str) -> None:
        if not raw.strip():
            if required:
                errors[field] = [
                    _("Enter the %(what)s: a %(form)s must have one.")
                    % {"what": what, "form": form.label if form else ""}
                ]
            values[field] = ""
            return
        try:
            values[field] = convert(raw)  # type: ignore[operator]
        except orgids.OrgIdError as exc:
            errors[field] = [str(exc)]

    number(
        "company_number",
        details.company_number,
        orgids.company_org_id,
        form in _NEEDS_COMPANY,
        _("Companies House number"),
    )
    number(
        "charity_number",
        details.charity_number,
        lambda raw: orgids.charity_org_id(raw, details.charity_regulator),
        form in _NEEDS_CHARITY,
        _("charity number"),
    )
    number(
        "society_number",
        details.society_number,
        orgids.society_org_id,
        form in _NEEDS_SOCIETY,
        _("FCA society number"),
    )
    if form is LegalForm.CIO and values.get("company_number"):
        errors["company_number"] = [_("A CIO is not a company: leave the company number blank.")]
    for field in ("address_line_1", "town", "contact_email"):
        if not getattr(details, field).strip():
            errors[field] = [_("This is required.")]
    try:
        postcode = _postcode(details.postcode)
    except orgids.OrgIdError as exc:
        errors["postcode"] = [str(exc)]
        postcode = ""
    if errors:
        raise ApplicationError(_("Check the organisation's details."), fields=errors)
    return {
        "name": name,
        "legal_form": details.legal_form,
        "company_org_id": values["company_number"],
        "charity_org_id": values["charity_number"],
        "society_org_id": values["society_number"],
        "address_line_1": details.address_line_1.strip(),
        "address_line_2": details.address_line_2.strip(),
        "town": details.town.strip(),
        "postcode": postcode,
        "contact_email": details.contact_email.strip().lower(),
        "contact_phone": details.contact_phone.strip(),
        "website": details.website.strip(),
    }


def _save_organisation(organisation: Organisation) -> None:
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:
        for field, column in (
            ("company_number", "company"),
            ("charity_number", "charity"),
            ("society_number", "society"),
        ):
            if f"org_unique_{column}" in str(exc):
                raise ApplicationError(
                    _("Another organisation is already registered with this number."),
                    fields={
                        field: [_("Another organisation is already registered with this number.")]
                    },
                ) from exc
        raise


@transaction.atomic
def organisation_create(*, actor: Actor, details: OrganisationDetails) -> Organisation:
    """Anyone signed in with a verified email may register an organisation and becomes its applicant."""
    if not EmailAddress.objects.filter(user=actor.user, verified=True).exists():
        raise PermissionDenied(_("Verify your email address before registering an organisation."))
    organisation = Organisation(**_validated(details), created_by=actor.user)
    _save_organisation(organisation)
    grant = RoleGrant.objects.create(
        user=actor.user, role=Role.APPLICANT, organisation=organisation, granted_by=actor.user
    )
    audit_record(
        by=_by(actor),
        action="organisation.created",
        subject=organisation,
        data=_organisation_data(organisation),
    )
    audit_record(by=_by(actor), action="role.granted", subject=grant, data=_grant_data(grant))
    return organisation


@transaction.atomic
def organisation_update(
    *, actor: Actor, organisation: Organisation, details: OrganisationDetails
) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    require_organisation_member(actor, organisation)
    before = _organisation_data(organisation)
    for field, value in _validated(details).items():
        setattr(organisation, field, value)
    _save_organisation(organisation)
    audit_record(
        by=_by(actor),
        action="organisation.updated",
        subject=organisation,
        data={"before": before, "after": _organisation_data(organisation)},
    )
    return organisation


@transaction.atomic
def organisation_invite(
    *, actor: Actor, organisation: Organisation, email: str, accept_url_template: str
) -> OrganisationInvitation:
    """Invite a colleague by email. ``accept_url_template`` has ``{token}`` where the token goes."""
    require_organisation_member(actor, organisation)
    email = email.strip().lower()
    if "@" not in email:
        raise ApplicationError(
            _("Enter an email address."), fields={"email": [_("Enter an email address.")]}
        )
    existing = User.objects.filter(email=email).first()
    if existing and holds(existing, Role.APPLICANT, organisation=organisation):
        raise ApplicationError(
            _("%(email)s is already a member.") % {"email": email},
            fields={"email": [_("This person is already a member.")]},
        )
    token = secrets.token_urlsafe(32)
    invitation = OrganisationInvitation.objects.create(
        organisation=organisation,
        email=email,
        token_sha256=_sha256(token),
        invited_by=actor.user,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    audit_record(
        by=_by(actor),
        action="organisation.invited",
        subject=invitation,
        data={
            "organisation": organisation.pk,
            "email_sha256": _sha256(email),
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    notify(
        kind=Kind.ORGANISATION_INVITATION,
        subject=invitation,
        dedupe_key=f"organisation_invitation:{invitation.pk}",
        email=email,
        language=actor.user.language,
        context={
            "organisation": organisation.name,
            "inviter": actor.user.display_name,
            "days": INVITATION_DAYS,
            "url": accept_url_template.format(token=token),
        },
    )
    return invitation


@transaction.atomic
def organisation_invitation_accept(*, actor: Actor, token: str) -> Organisation:
    invitation = (
        OrganisationInvitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_sha256=_sha256(token))
        .first()
    )
    if invitation is None or invitation.accepted_at is not None:
        raise ApplicationError(_("This invitation link is not valid or has already been used."))
    if invitation.expires_at < timezone.now():
        raise ApplicationError(_("This invitation has expired. Ask for a new one."))
    if invitation.email != actor.user.email:
        raise ApplicationError(
            _(
                "This invitation was sent to another email address. Sign in as that address to accept it."
            )
        )
    invitation.accepted_by = actor.user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    audit_record(
        by=_by(actor),
        action="organisation.invitation_accepted",
        subject=invitation,
        data={"organisation": invitation.organisation_id, "user": actor.user.pk},
    )
    if not holds(actor.user, Role.APPLICANT, organisation=invitation.organisation):
        grant = RoleGrant.objects.create(
            user=actor.user,
            role=Role.APPLICANT,
            organisation=invitation.organisation,
            granted_by=invitation.invited_by,
        )
        audit_record(by=_by(actor), action="role.granted", subject=grant, data=_grant_data(grant))
    return invitation.organisation


@transaction.atomic
def organisation_member_remove(*, actor: Actor, organisation: Organisation, user: User) -> None:
    """A member removes a colleague (or leaves); the last member cannot leave."""
    require_organisation_member(actor, organisation)
    grants = RoleGrant.objects.select_for_update().filter(
        organisation=organisation, role=Role.APPLICANT, revoked_at__isnull=True
    )
    members = list(grants)
    grant = next((g for g in members if g.user_id == user.pk), None)
    if grant is None:
        raise ApplicationError(_("That person is not a member of this organisation."))
    if len(members) == 1:
        raise ApplicationError(_("An organisation needs at least one member."))
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor.user
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(by=_by(actor), action="role.revoked", subject=grant, data=_grant_data(grant))


# --- roles -----------------------------------------------------------------------------------


@transaction.atomic
def role_grant(
    *,
    actor: Actor,
    user: User,
    role: Role,
    council: Council | None = None,
    panel: Panel | None = None,
    term_starts_on: date | None = None,
    term_ends_on: date | None = None,
) -> RoleGrant:
    """An officer grants a council role in their council, or a panel role in one of its panels."""
    role = Role(role)
    if role in COUNCIL_ROLES:
        if council is None or panel is not None:
            raise ApplicationError(
                _("Choose the council for this role."), fields={"council": [_("Required.")]}
            )
        require_officer(actor, council)
    elif role in PANEL_ROLES:
        if panel is None or council is not None:
            raise ApplicationError(
                _("Choose the panel for this role."), fields={"panel": [_("Required.")]}
            )
        require_officer(actor, panel.council)
    elif role in ORGANISATION_ROLES:
        raise ApplicationError(_("Organisation members join by invitation from a colleague."))
    if term_starts_on and term_ends_on and term_ends_on < term_starts_on:
        raise ApplicationError(
            _("The term must end after it starts."),
            fields={"term_ends_on": [_("The term must end after it starts.")]},
        )
    if not user.is_active:
        raise ApplicationError(_("That account is deactivated."))
    existing = RoleGrant.objects.filter(
        user=user, revoked_at__isnull=True, council=council, panel=panel
    )
    if role in COUNCIL_ROLES:
        existing = existing.filter(role=role)
    if existing.exists():
        raise ApplicationError(
            _("%(user)s already holds a role there; revoke it first to change it.")
            % {"user": user.email},
            fields={"email": [_("Already holds a role there.")]},
        )
    grant = RoleGrant.objects.create(
        user=user,
        role=role,
        council=council,
        panel=panel,
        term_starts_on=term_starts_on,
        term_ends_on=term_ends_on,
        granted_by=actor.user,
    )
    audit_record(by=_by(actor), action="role.granted", subject=grant, data=_grant_data(grant))
    notify(
        kind=Kind.ROLE_GRANTED,
        subject=grant,
        dedupe_key=f"role_granted:{grant.pk}",
        user=user,
        context={
            "role": str(grant.get_role_display()),
            "scope": str(grant.scope),
            "needs_mfa": role in MFA_ROLES,
        },
    )
    return grant


@transaction.atomic
def role_revoke(*, actor: Actor, grant: RoleGrant) -> RoleGrant:
    grant = (
        RoleGrant.objects.select_for_update(of=("self",))
        .select_related("panel__council", "council")
        .get(pk=grant.pk)
    )
    if grant.role in ORGANISATION_ROLES:
        raise ApplicationError(_("Organisation members are removed from the organisation's page."))
    council = grant.council or (grant.panel.council if grant.panel else None)
    assert council is not None  # the scope constraint guarantees it
    require_officer(actor, council)
    if grant.revoked_at is not None:
        raise ApplicationError(_("This role was already revoked."))
    if grant.role == Role.COUNCIL_OFFICER:
        officers = RoleGrant.objects.filter(
            council=council, role=Role.COUNCIL_OFFICER, revoked_at__isnull=True
        ).count()
        if officers == 1:
            raise ApplicationError(_("A council needs at least one officer."))
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor.user
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(by=_by(actor), action="role.revoked", subject=grant, data=_grant_data(grant))
    notify(
        kind=Kind.ROLE_REVOKED,
        subject=grant,
        dedupe_key=f"role_revoked:{grant.pk}",
        user=grant.user,
        context={"role": str(grant.get_role_display()), "scope": str(grant.scope)},
    )
    return grant


def _officer_reaches(actor: Actor, user: User) -> bool:
    """Whether the actor is an officer of a council in which ``user`` holds any role."""
    councils: set[Council] = set()
    for grant in RoleGrant.objects.filter(user=user, revoked_at__isnull=True).select_related(
        "council", "panel__council"
    ):
        council = grant.council or (grant.panel.council if grant.panel else None)
        if council is not None:
            councils.add(council)
    for council in councils:
        if holds(actor.user, Role.COUNCIL_OFFICER, council=council):
            require_officer(actor, council)  # refuses an officer who has not passed MFA
            return True
    return False


@transaction.atomic
def mfa_reset(*, actor: Actor, user: User) -> int:
    """An officer removes a member's lost authenticators so they can set up a new one.

    Returns how many authenticators were removed. The member must set up MFA again before
    acting in any role that needs it.
    """
    if user.pk == actor.user.pk:
        raise ApplicationError(_("Ask another officer to reset your own authenticator."))
    if not _officer_reaches(actor, user):
        raise PermissionDenied()
    kinds = sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True)))
    removed, _detail = Authenticator.objects.filter(user=user).delete()
    audit_record(
        by=_by(actor),
        action="mfa.reset",
        subject=user,
        data={"removed": int(removed), "types": kinds},
    )
    notify(
        kind=Kind.MFA_RESET,
        subject=user,
        dedupe_key=f"mfa_reset:{user.pk}:{timezone.now().isoformat()}",
        user=user,
        context={},
    )
    return int(removed)


# --- API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX = "ff_"


@transaction.atomic
def api_token_issue(*, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Issue a token from an MFA-verified session. Returns the row and the token, shown once."""
    if not actor.mfa_verified:
        raise PermissionDenied(
            _("API tokens are issued only after you sign in with two-factor authentication.")
        )
    name = name.strip()
    if not name:
        raise ApplicationError(_("Name the token."), fields={"name": [_("Name the token.")]})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=actor.user,
        name=name[:100],
        prefix=plaintext[:10],
        token_sha256=_sha256(plaintext),
        created_at=now,
        expires_at=now + timedelta(days=settings.FAIRFUND_API_TOKEN_TTL_DAYS),
    )
    audit_record(
        by=_by(actor),
        action="api_token.issued",
        subject=token,
        data={"prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> None:
    if token.user_id != actor.user.pk:
        raise PermissionDenied()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            by=_by(actor), action="api_token.revoked", subject=token, data={"prefix": token.prefix}
        )


def api_token_authenticate(*, plaintext: str) -> ApiToken | None:
    """The live token for ``plaintext``, or None when unknown, revoked or expired."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_sha256=_sha256(plaintext), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# --- installation ----------------------------------------------------------------------------


@transaction.atomic
def user_create_verified(*, email: str, password: str, full_name: str = "") -> User:
    """An account whose email is already verified: for installation commands and the demo.

    An existing account of that email is returned unchanged (so seeding can run twice).
    """
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        audit_record(
            by=AuditActor.system(),
            action="user.created",
            subject=user,
            data={"email_sha256": _sha256(email), "email_verified": True},
        )
    return user


@transaction.atomic
def officer_bootstrap(*, email: str, password: str, council: Council, full_name: str = "") -> User:
    """Create (or promote) the first council officer of an installation, from the command line."""
    user = user_create_verified(email=email, password=password, full_name=full_name)
    if not holds(user, Role.COUNCIL_OFFICER, council=council):
        grant = RoleGrant.objects.create(
            user=user, role=Role.COUNCIL_OFFICER, council=council, granted_by=None
        )
        audit_record(
            by=AuditActor.system(), action="role.granted", subject=grant, data=_grant_data(grant)
        )
    return user


# --- account security events from allauth ------------------------------------------------------

ACCOUNT_ACTIONS = frozenset(
    {
        "user.signed_up",
        "user.email_verified",
        "user.password_changed",
        "user.password_reset",
        "mfa.authenticator_added",
        "mfa.authenticator_removed",
        "mfa.recovery_codes_regenerated",
    }
)


@transaction.atomic
def account_event_record(*, user: User, action: str, data: dict[str, object] | None = None) -> None:
    """Record a change allauth made to an account (sign-up, verification, password, MFA).

    allauth commits its own change just before this runs, so the event follows it in a second
    transaction; the user is the actor, as they made the change themselves.
    """
    if action not in ACCOUNT_ACTIONS:
        raise ValueError(f"not an account action: {action}")
    audit_record(by=AuditActor.for_user(user), action=action, subject=user, data=data or {})
