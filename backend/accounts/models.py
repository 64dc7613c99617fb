"""Users (email is the login), organisations, scoped role grants, invitations and API tokens."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en-gb"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class LegalForm(models.TextChoices):
    CIC = "cic", _("Community interest company (CIC)")
    CHARITY = "charity", _("Registered charity")
    CIO = "cio", _("Charitable incorporated organisation (CIO)")
    CBS = "cbs", _("Community benefit society (CBS)")
    CLG = "clg", _("Company limited by guarantee")
    UNINCORPORATED = "unincorporated", _("Unincorporated group")


class Organisation(models.Model):
    """A social enterprise (or community group) that bids for funds."""

    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=20, choices=LegalForm.choices)
    # org-id.guide identifiers: GB-COH-01234567 (Companies House), GB-CHC-1234567 (Charity
    # Commission for England and Wales), GB-SC-SC012345 (OSCR), GB-NIC-100002 (Northern Ireland),
    # GB-MPR-12345R (FCA mutuals register). Blank only for an unincorporated group.
    company_org_id = models.CharField(_("company org-id"), max_length=40, blank=True)
    charity_org_id = models.CharField(_("charity org-id"), max_length=40, blank=True)
    society_org_id = models.CharField(_("society org-id"), max_length=40, blank=True)
    address_line_1 = models.CharField(_("address line 1"), max_length=200)
    address_line_2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    town = models.CharField(_("town or city"), max_length=100)
    postcode = models.CharField(_("postcode"), max_length=10)
    contact_email = models.EmailField(_("contact email"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company_org_id"],
                condition=~Q(company_org_id=""),
                name="org_unique_company",
            ),
            models.UniqueConstraint(
                fields=["charity_org_id"],
                condition=~Q(charity_org_id=""),
                name="org_unique_charity",
            ),
            models.UniqueConstraint(
                fields=["society_org_id"],
                condition=~Q(society_org_id=""),
                name="org_unique_society",
            ),
            models.CheckConstraint(
                condition=Q(legal_form__in=[c.value for c in LegalForm]),
                name="org_legal_form_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def org_ids(self) -> list[str]:
        return [i for i in (self.company_org_id, self.charity_org_id, self.society_org_id) if i]


class Role(models.TextChoices):
    COUNCIL_OFFICER = "council_officer", _("Council officer")
    AUDITOR = "auditor", _("Auditor")
    PANEL_CHAIR = "panel_chair", _("Panel chair")
    PANEL_MEMBER = "panel_member", _("Panel member")
    APPLICANT = "applicant", _("Applicant")


COUNCIL_ROLES = frozenset({Role.COUNCIL_OFFICER, Role.AUDITOR})
PANEL_ROLES = frozenset({Role.PANEL_CHAIR, Role.PANEL_MEMBER})
ORGANISATION_ROLES = frozenset({Role.APPLICANT})
# Roles whose holders must have signed in with a second factor before they can act.
MFA_ROLES = frozenset({Role.COUNCIL_OFFICER, Role.AUDITOR, Role.PANEL_CHAIR})


class RoleGrant(models.Model):
    """One role held by one user over one object (a council, a panel or an organisation).

    Panel grants carry the member's term. A revoked grant stays as history.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    council = models.ForeignKey(
        "funds.Council", on_delete=models.PROTECT, null=True, blank=True, related_name="role_grants"
    )
    panel = models.ForeignKey(
        "funds.Panel", on_delete=models.PROTECT, null=True, blank=True, related_name="role_grants"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="role_grants"
    )
    term_starts_on = models.DateField(_("term starts"), null=True, blank=True)
    term_ends_on = models.DateField(_("term ends"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["granted_at"]
        constraints = [
            # Exactly the scope each role needs, and no other.
            models.CheckConstraint(
                name="role_grant_scope_matches_role",
                condition=(
                    Q(
                        role__in=sorted(COUNCIL_ROLES),
                        council__isnull=False,
                        panel__isnull=True,
                        organisation__isnull=True,
                    )
                    | Q(
                        role__in=sorted(PANEL_ROLES),
                        council__isnull=True,
                        panel__isnull=False,
                        organisation__isnull=True,
                    )
                    | Q(
                        role__in=sorted(ORGANISATION_ROLES),
                        council__isnull=True,
                        panel__isnull=True,
                        organisation__isnull=False,
                    )
                ),
            ),
            models.CheckConstraint(
                name="role_grant_term_ordered",
                condition=Q(term_ends_on__isnull=True)
                | Q(term_starts_on__isnull=True)
                | Q(term_ends_on__gte=models.F("term_starts_on")),
            ),
            models.CheckConstraint(
                name="role_grant_revocation_complete",
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "council"],
                condition=Q(revoked_at__isnull=True, council__isnull=False),
                name="role_grant_one_active_council",
            ),
            # A person holds one active role on a panel: chair or member, not both.
            models.UniqueConstraint(
                fields=["user", "panel"],
                condition=Q(revoked_at__isnull=True, panel__isnull=False),
                name="role_grant_one_active_panel",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organisation"],
                condition=Q(revoked_at__isnull=True, organisation__isnull=False),
                name="role_grant_one_active_organisation",
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()} of {self.scope}"

    @property
    def scope(self) -> models.Model | None:
        return self.council or self.panel or self.organisation

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OrganisationInvitation(models.Model):
    """An invitation to join an organisation; the emailed token is stored only as its hash."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    token_sha256 = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organisation}"


class ApiToken(models.Model):
    """A bearer token for the API: issued from an MFA-verified session, stored hashed, expiring."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, shown so a person can tell tokens apart.
    prefix = models.CharField(max_length=12)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
