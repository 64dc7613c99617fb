"""Councils, the localities they serve, and the community panels that create funds."""

from __future__ import annotations

from itertools import pairwise

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Council(models.Model):
    """The public body that holds the money."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    # The council's own colour for the page header (a #rrggbb hex), not GOV.UK branding.
    brand_colour = models.CharField(_("brand colour"), max_length=7, default="#1d4f6e")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(brand_colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="council_brand_colour_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Locality(models.Model):
    """An area a council serves: named, with ONS ward codes and/or a postcode list."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="localities")
    name = models.CharField(_("name"), max_length=200)
    # ONS ward codes such as E05011234 (9 characters).
    ward_codes = models.JSONField(_("ONS ward codes"), default=list, blank=True)
    # Postcodes or postcode districts/sectors, normalised to upper case with one space.
    postcodes = models.JSONField(_("postcodes"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["council", "name"]
        verbose_name_plural = "localities"
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="locality_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Panel(models.Model):
    """A community panel of residents and professionals, serving some of a council's localities."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="panels")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    localities = models.ManyToManyField(Locality, related_name="panels", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["council", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="panel_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    """A fund's phases, in order. backend.funds.workflows says which may follow which."""

    DRAFT = "draft", _("Draft")
    OPEN_FOR_BIDS = "open_for_bids", _("Open for bids")
    SCREENING = "screening", _("Screening")
    SCORING = "scoring", _("Scoring")
    VOTING = "voting", _("Voting")
    TALLYING = "tallying", _("Tallying")
    DECIDED = "decided", _("Decided")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class Need(models.TextChoices):
    """Needs a fund's population may have (commissioning for a population)."""

    SEN = "sen", _("Special educational needs")
    DISABILITY = "disability", _("Disability")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    CARERS = "carers", _("Young or family carers")
    LOW_INCOME = "low_income", _("Low income")
    ENGLISH_LANGUAGE = "english_language", _("English as an additional language")


# The tally engine's rule names and completions (backend.tally.rules), as stored choices.
RULE_NAMES = [("greedy", "greedy"), ("greedy-no-skip", "greedy-no-skip"), ("mes", "mes")]
RULE_COMPLETIONS = [("none", "none"), ("add1", "add1"), ("add1+greedy", "add1+greedy")]

# The timeline, in order: the date each phase starts.
TIMELINE_FIELDS = (
    "bids_open_at",
    "bids_close_at",
    "scoring_starts_at",
    "voting_opens_at",
    "voting_closes_at",
    "decision_at",
)


def _in_order(earlier: str, later: str) -> Q:
    return (
        Q(**{f"{earlier}__isnull": True})
        | Q(**{f"{later}__isnull": True})
        | Q(**{f"{earlier}__lt": models.F(later)})
    )


class Fund(models.Model):
    """Money a council sets aside for a population, with a timeline, rubric and decision rule."""

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="funds")
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="funds")
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), blank=True)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.DRAFT)

    # Money: integer pence, with its currency.
    budget_pence = models.BigIntegerField(_("budget (pence)"))
    currency = models.CharField(_("currency"), max_length=3, default="GBP")

    # The population served.
    localities = models.ManyToManyField(Locality, related_name="funds", blank=True)
    age_min = models.PositiveSmallIntegerField(_("youngest age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("oldest age"), null=True, blank=True)
    needs = models.JSONField(_("needs"), default=list, blank=True)
    disadvantage_criteria = models.TextField(_("disadvantage criteria"), blank=True)

    # The rubric's scale: each criterion is scored from 0 to scale_max.
    scale_max = models.PositiveSmallIntegerField(_("top of the scoring scale"), default=5)

    # Both parts of the set-up, each marked done by its owner.
    officer_ready_at = models.DateTimeField(null=True, blank=True)
    chair_ready_at = models.DateTimeField(null=True, blank=True)

    # The timeline (aware, stored in UTC): when each phase starts.
    bids_open_at = models.DateTimeField(_("bids open"), null=True, blank=True)
    bids_close_at = models.DateTimeField(_("bids close, screening starts"), null=True, blank=True)
    scoring_starts_at = models.DateTimeField(_("scoring starts"), null=True, blank=True)
    voting_opens_at = models.DateTimeField(_("voting opens"), null=True, blank=True)
    voting_closes_at = models.DateTimeField(_("voting closes"), null=True, blank=True)
    decision_at = models.DateTimeField(_("decision"), null=True, blank=True)

    # The decision rule, as validated values (checked against backend.tally.rules when saved).
    rule_name = models.CharField(_("decision rule"), max_length=20, choices=RULE_NAMES, blank=True)
    rule_completion = models.CharField(
        _("completion"), max_length=20, choices=RULE_COMPLETIONS, default="none"
    )
    # Exact fractions as text ('3', '1/2'); blank when not used.
    rule_min_score = models.CharField(_("minimum score"), max_length=40, blank=True)
    rule_min_share = models.CharField(_("minimum share"), max_length=40, blank=True)

    # Recorded when voting opens: the rule as the tally will apply it, and the tie order.
    frozen_rule = models.JSONField(null=True, blank=True)
    tie_order = models.JSONField(null=True, blank=True)
    tie_seed = models.CharField(max_length=64, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["council", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="fund_unique_name"),
            models.CheckConstraint(condition=Q(budget_pence__gt=0), name="fund_budget_positive"),
            models.CheckConstraint(condition=Q(currency="GBP"), name="fund_currency_gbp"),
            models.CheckConstraint(condition=Q(phase__in=Phase.values), name="fund_phase_valid"),
            models.CheckConstraint(
                condition=Q(scale_max__gte=1, scale_max__lte=10), name="fund_scale_1_to_10"
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_min__lte=models.F("age_max")),
                name="fund_age_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(rule_name="") | Q(rule_name__in=[n for n, _label in RULE_NAMES]),
                name="fund_rule_name_valid",
            ),
            models.CheckConstraint(
                condition=Q(rule_completion__in=[c for c, _label in RULE_COMPLETIONS]),
                name="fund_rule_completion_valid",
            ),
            *[
                models.CheckConstraint(
                    condition=_in_order(earlier, later), name=f"fund_{earlier}_before_{later}"
                )
                for earlier, later in pairwise(TIMELINE_FIELDS)
            ],
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ready(self) -> bool:
        return self.officer_ready_at is not None and self.chair_ready_at is not None

    @property
    def timeline_set(self) -> bool:
        return all(getattr(self, field) is not None for field in TIMELINE_FIELDS)


class Pot(models.Model):
    """A share of a fund reserved for a theme or area."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="pots")
    name = models.CharField(_("name"), max_length=200)
    share_pence = models.BigIntegerField(_("share (pence)"))

    class Meta:
        ordering = ["fund", "name"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "name"], name="pot_unique_name"),
            models.CheckConstraint(condition=Q(share_pence__gt=0), name="pot_share_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class RubricCriterion(models.Model):
    """One weighted criterion of a fund's scoring rubric."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"))
    position = models.PositiveSmallIntegerField(_("position"))
    # What each level of the scale means, from 0 to the fund's scale_max (may be empty).
    level_descriptions = models.JSONField(_("level descriptions"), default=list, blank=True)

    class Meta:
        ordering = ["fund", "position"]
        verbose_name_plural = "rubric criteria"
        constraints = [
            models.UniqueConstraint(fields=["fund", "name"], name="criterion_unique_name"),
            models.UniqueConstraint(fields=["fund", "position"], name="criterion_unique_position"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class EligibilityItem(models.Model):
    """One item of a fund's eligibility checklist, screened for each bid."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="checklist")
    text = models.TextField(_("text"))
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["fund", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "position"], name="eligibility_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]
