"""Panel scoring: conflicts of interest, score sheets, moderation and the shortlist.

A member declares, for each eligible bid of a fund, no conflict or a conflict before seeing any
bid's content; a conflicted member never opens, scores or sees the scores of that bid. Scores
are whole numbers from 0 to the fund's scale_max for each rubric criterion. The confirmed
shortlist is frozen: its entries keep each bid's cost, pot, exclusive group and panel score as
they were, and its hash is in the audit chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.bids.models import Bid
from backend.funds.models import Fund, Pot, RubricCriterion


class Relationship(models.TextChoices):
    EMPLOYEE = "employee", _("I work for the organisation, or did in the last two years")
    TRUSTEE = "trustee", _("I am a trustee, director or committee member of it")
    VOLUNTEER = "volunteer", _("I volunteer for it or use its services")
    FAMILY = "family", _("A family member or partner of mine is involved with it")
    FRIEND = "friend", _("A close friend of mine is involved with it")
    BUSINESS = "business", _("I have a business or financial interest in it or a partner")
    OTHER = "other", _("Another relationship")


class ConflictDeclaration(models.Model):
    """What one panel member declared about one bid: no conflict, or a conflict and why."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="conflict_declarations")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    conflicted = models.BooleanField(_("conflict of interest"))
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=Relationship.choices, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    declared_at = models.DateTimeField()
    # A conflict declared once the member had a sheet for the bid (voided unless the shortlist
    # was already confirmed).
    after_scoring = models.BooleanField(default=False)
    # A conflict declared after the shortlist was confirmed: the result and the sheet stand, and
    # the officers are flagged to review it.
    after_shortlist = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        ordering = ["bid", "member"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "member"], name="conflict_one_per_bid_member"),
            models.CheckConstraint(
                condition=(Q(conflicted=True) & ~Q(relationship=""))
                | (Q(conflicted=False) & Q(relationship="")),
                name="conflict_relationship_iff_conflicted",
            ),
            models.CheckConstraint(
                condition=Q(relationship__in=["", *Relationship.values]),
                name="conflict_relationship_valid",
            ),
            models.CheckConstraint(
                condition=Q(conflicted=True) | Q(after_scoring=False, after_shortlist=False),
                name="conflict_late_flags_only_for_conflicts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} on bid {self.bid_id}: {'conflict' if self.conflicted else 'none'}"


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VOID = "void", _("Void (conflict of interest)")


class ScoreSheet(models.Model):
    """One member's scores for one bid."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="score_sheets")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bid", "member"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "member"], name="sheet_one_per_bid_member"),
            models.CheckConstraint(
                condition=Q(status__in=SheetStatus.values), name="sheet_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=SheetStatus.SUBMITTED) | Q(submitted_at__isnull=False),
                name="sheet_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=SheetStatus.VOID) | Q(voided_at__isnull=False),
                name="sheet_void_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Sheet of {self.member_id} on bid {self.bid_id}"


class Score(models.Model):
    """One criterion's score on a sheet, with the member's comment."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["sheet", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="score_one_per_criterion"),
            models.CheckConstraint(condition=Q(value__lte=10), name="score_within_largest_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"


def default_reminder_hours() -> list[int]:
    """Three days and one day before scoring closes."""
    return [72, 24]


class ScoringSettings(models.Model):
    """How a fund's scores are combined, set by its panel chair."""

    fund = models.OneToOneField(Fund, on_delete=models.CASCADE, related_name="scoring_settings")
    calibrate = models.BooleanField(_("calibrate scorers"), default=False)
    # The largest range of weighted totals (0-100 points) on a bid before it is flagged.
    disagreement_threshold = models.PositiveSmallIntegerField(
        _("disagreement threshold (points out of 100)"), default=20
    )
    min_scorers = models.PositiveSmallIntegerField(_("minimum number of scorers"), default=3)
    # Hours before the scoring deadline (voting opens) at which members with work left are
    # reminded, each once.
    reminder_hours = models.JSONField(
        _("reminders (hours before the deadline)"), default=default_reminder_hours
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "scoring settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(disagreement_threshold__gte=1, disagreement_threshold__lte=100),
                name="scoring_threshold_1_to_100",
            ),
            models.CheckConstraint(
                condition=Q(min_scorers__gte=1, min_scorers__lte=50),
                name="scoring_min_scorers_1_to_50",
            ),
        ]

    def __str__(self) -> str:
        return f"Scoring settings of fund {self.fund_id}"


class Moderation(models.Model):
    """A moderated score for a bid (0-100 points), recorded with a reason; the latest counts."""

    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="moderations")
    score = models.DecimalField(_("moderated score"), max_digits=5, decimal_places=2)
    reason = models.TextField(_("reason"))
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField()

    class Meta:
        ordering = ["bid", "moderated_at", "pk"]
        get_latest_by = ["moderated_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="moderation_score_0_to_100"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="moderation_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Bid {self.bid_id} moderated to {self.score}"


class ShortlistRule(models.TextChoices):
    TOP_N = "top_n", _("The top N bids")
    MIN_SCORE = "min_score", _("Every bid scoring at least a threshold")
    BUDGET_MULTIPLE = "budget_multiple", _("Enough bids to cover a multiple of the budget")


class Shortlist(models.Model):
    """The bids a fund's panel puts to the public vote: proposed by a rule, then confirmed."""

    fund = models.OneToOneField(Fund, on_delete=models.PROTECT, related_name="shortlist")
    rule = models.CharField(max_length=20, choices=ShortlistRule.choices)
    # The rule's parameter as exact decimal text (N, the threshold, or the multiple).
    parameter = models.CharField(max_length=20)
    proposed_at = models.DateTimeField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    snapshot = models.JSONField(null=True, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rule__in=ShortlistRule.values), name="shortlist_rule_valid"
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True)
                | (Q(confirmed_by__isnull=False, snapshot__isnull=False) & ~Q(snapshot_sha256="")),
                name="shortlist_confirmed_is_frozen",
            ),
        ]

    def __str__(self) -> str:
        return f"Shortlist of fund {self.fund_id}"


class ShortlistEntry(models.Model):
    """One eligible bid's place in the proposal, and what was frozen for it on confirmation."""

    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="entries")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="shortlist_entry")
    rank = models.PositiveIntegerField()
    shortlisted = models.BooleanField()
    reason = models.CharField(max_length=40)
    cost_pence = models.BigIntegerField()
    pot = models.ForeignKey(Pot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    exclusive_group = models.CharField(_("exclusive group"), max_length=40, blank=True)
    # The panel score used (0-100, two decimals), or null for an unscored bid.
    panel_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    feedback = models.TextField(_("feedback to the applicant"), blank=True)

    class Meta:
        ordering = ["shortlist", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "rank"], name="shortlist_unique_rank"),
            models.CheckConstraint(condition=Q(cost_pence__gt=0), name="shortlist_cost_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. bid {self.bid_id}"
