"""Bids from organisations, their budget lines and attachments.

Amounts are integer pence. The amount requested and the cost per beneficiary are derived from
the rows (never stored), so they cannot disagree with the budget lines.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Organisation
from backend.funds.models import EligibilityItem, Fund, Pot

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class Status(models.TextChoices):
    """A bid's status. backend.bids.workflows says which may follow which."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")


class EvidenceLevel(models.IntegerChoices):
    """Nesta's Standards of Evidence."""

    THEORY = 1, _("Level 1: a clear account of what you do and why it should matter")
    DATA = 2, _("Level 2: data showing some change")
    CAUSALITY = 3, _("Level 3: evidence that you are causing the change (a comparison group)")
    INDEPENDENT = 4, _("Level 4: independent replication evaluations")
    SCALE = 5, _("Level 5: manuals and systems so others can deliver it with the same impact")


class AttachmentType(models.TextChoices):
    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG"
    JPEG = "image/jpeg", "JPEG"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"
    ODT = "application/vnd.oasis.opendocument.text", "ODT"


# Statuses a bid reaches only by being submitted.
SUBMITTED_STATUSES = (Status.SUBMITTED, Status.ELIGIBLE, Status.INELIGIBLE)


class Bid(models.Model):
    """An organisation's application to a fund (or one of its pots)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="bids")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    pot = models.ForeignKey(
        Pot, on_delete=models.PROTECT, related_name="bids", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    title = models.CharField(_("title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    need = models.TextField(_("the need"), blank=True)
    population_served = models.TextField(_("the population served"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)
    evidence_level = models.PositiveSmallIntegerField(
        _("evidence of what works"), choices=EvidenceLevel.choices, null=True, blank=True
    )
    evidence_sources = models.TextField(_("evidence sources"), blank=True)
    delivery_plan = models.TextField(_("delivery plan"), blank=True)
    beneficiaries = models.PositiveIntegerField(_("number of beneficiaries"), null=True, blank=True)
    partners = models.TextField(_("partners"), blank=True)
    named_staff = models.TextField(_("named staff"), blank=True)

    # The codes of backend.bids.declarations the applicant has accepted, in their order.
    declarations = models.JSONField(_("declarations"), default=list, blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    submitted_at = models.DateTimeField(null=True, blank=True)
    # What was submitted (backend.bids.selectors.bid_snapshot) and its hash, kept as it was.
    submitted_snapshot = models.JSONField(null=True, blank=True)
    submitted_snapshot_sha256 = models.CharField(max_length=64, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The screening decision (eligible or ineligible): when, by whom, and the officer's reason.
    screened_at = models.DateTimeField(null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    screening_reason = models.TextField(_("reason for the screening decision"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["fund", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="bid_status_valid"),
            models.CheckConstraint(
                condition=Q(evidence_level__isnull=True)
                | Q(evidence_level__gte=1, evidence_level__lte=5),
                name="bid_evidence_level_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(beneficiaries__isnull=True) | Q(beneficiaries__gt=0),
                name="bid_beneficiaries_positive",
            ),
            # A submitted bid carries when it was submitted and the hash of what was submitted.
            models.CheckConstraint(
                condition=~Q(status__in=[str(s) for s in SUBMITTED_STATUSES])
                | (
                    Q(submitted_at__isnull=False, submitted_snapshot__isnull=False)
                    & ~Q(submitted_snapshot_sha256="")
                ),
                name="bid_submitted_has_snapshot",
            ),
            # A screened bid (eligible or ineligible) carries when and by whom it was decided.
            models.CheckConstraint(
                condition=~Q(status__in=[Status.ELIGIBLE.value, Status.INELIGIBLE.value])
                | Q(screened_at__isnull=False, screened_by__isnull=False),
                name="bid_screened_has_decision",
            ),
        ]
        indexes = [models.Index(fields=["fund", "status"])]

    def __str__(self) -> str:
        return self.title or f"Bid {self.pk}"

    @property
    def amount_requested_pence(self) -> int:
        """The sum of the budget lines (uses prefetched lines when there are some)."""
        return sum(line.amount_pence for line in self.budget_lines.all())

    @property
    def cost_per_beneficiary_pence(self) -> int | None:
        """Amount requested / beneficiaries, in whole pence, rounded half up; None without both."""
        if not self.beneficiaries:
            return None
        return (2 * self.amount_requested_pence + self.beneficiaries) // (2 * self.beneficiaries)


class BudgetLine(models.Model):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="budget_lines")
    description = models.CharField(_("description"), max_length=300)
    amount_pence = models.BigIntegerField(_("amount (pence)"))
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["bid", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gt=0), name="budget_line_amount_positive"
            ),
            models.UniqueConstraint(fields=["bid", "position"], name="budget_line_unique_position"),
        ]

    def __str__(self) -> str:
        return self.description


class Attachment(models.Model):
    """A file attached to a bid, checked by content and stored outside the web root."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, choices=AttachmentType.choices)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # Relative to settings.FAIRFUND_UPLOAD_ROOT.
    stored_path = models.CharField(max_length=255, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bid", "uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "sha256"], name="attachment_unique_sha_per_bid"),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=MAX_ATTACHMENT_BYTES),
                name="attachment_size_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=AttachmentType.values),
                name="attachment_content_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="attachment_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class ScreeningOutcome(models.TextChoices):
    """What an officer found for one checklist item of one bid."""

    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ScreeningCheck(models.Model):
    """An officer's outcome and reason for one item of the fund's checklist, for one bid.

    Recording an item again replaces its row (both recordings are in the audit chain).
    """

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="screening_checks")
    item = models.ForeignKey(
        EligibilityItem, on_delete=models.PROTECT, related_name="screening_checks"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ScreeningOutcome.choices)
    reason = models.TextField(_("reason"))
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["bid", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "item"], name="screening_unique_bid_item"),
            models.CheckConstraint(
                condition=Q(outcome__in=ScreeningOutcome.values),
                name="screening_outcome_valid",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="screening_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.bid_id}/{self.item_id}: {self.outcome}"
