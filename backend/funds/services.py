"""Writes about councils, localities and panels."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from itertools import pairwise
from typing import Literal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from backend.accounts.models import Role, RoleGrant
from backend.accounts.permissions import Actor, holds, require_officer, require_panel_role
from backend.audit.services import AuditActor, audit_record
from backend.core.errors import ApplicationError, PermissionDenied
from backend.core.london_time import audit_time, to_london
from backend.notifications.models import Kind
from backend.notifications.services import notify
from backend.tally.rules import Completion, Rule, RuleError, RuleName

from .models import (
    TIMELINE_FIELDS,
    Council,
    EligibilityItem,
    Fund,
    Locality,
    Need,
    Panel,
    Phase,
    Pot,
    RubricCriterion,
)
from .workflows import AWARD_ONLY, SCHEDULED_STARTS, TRANSITIONS

logger = logging.getLogger(__name__)

_WARD_CODE = re.compile(r"^[EWSN]\d{8}$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _text_sha256(text: str) -> str:
    """Free text (names, descriptions) enters the audit chain only as its hash."""
    return hashlib.sha256(text.encode()).hexdigest()


def _panel_data(panel: Panel) -> dict[str, object]:
    return {
        "council": panel.council_id,
        "name_sha256": _text_sha256(panel.name),
        "description_sha256": _text_sha256(panel.description),
        "localities": sorted(panel.localities.values_list("pk", flat=True)),
    }


def _ward_codes(raw: Iterable[str]) -> list[str]:
    codes = sorted({c.strip().upper() for c in raw if c.strip()})
    bad = [c for c in codes if not _WARD_CODE.match(c)]
    if bad:
        raise ApplicationError(
            _("Ward codes are 9 characters, like E05011234."),
            fields={
                "ward_codes": [_("Not an ONS ward code: %(codes)s") % {"codes": ", ".join(bad)}]
            },
        )
    return codes


_OUTWARD = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
_INWARD = re.compile(r"^\d(?:[A-Z]{2})?$")
_FULL_COMPACT = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")


def _postcode_part(item: str) -> str | None:
    """'sw1a 1aa' -> 'SW1A 1AA' (postcode), 'SW1A 1' (sector), 'SW1A' (district); else None.

    Without a space, only a full postcode can be told apart ('NB12' is a district).
    """
    words = item.upper().split()
    if len(words) == 2 and _OUTWARD.match(words[0]) and _INWARD.match(words[1]):
        return f"{words[0]} {words[1]}"
    if len(words) == 1:
        full = _FULL_COMPACT.match(words[0])
        if full:
            return f"{full.group(1)} {full.group(2)}"
        if _OUTWARD.match(words[0]):
            return words[0]
    return None


def _postcodes(raw: Iterable[str]) -> list[str]:
    """Full postcodes, sectors or districts, normalised; every bad one named."""
    items = [item.strip() for item in raw if item.strip()]
    parts = {item: _postcode_part(item) for item in items}
    bad = [item for item, part in parts.items() if part is None]
    if bad:
        raise ApplicationError(
            _(
                "Postcodes must be full postcodes, sectors or districts, like SW1A 1AA, SW1A 1 or SW1A."
            ),
            fields={"postcodes": [_("Not a postcode: %(codes)s") % {"codes": ", ".join(bad)}]},
        )
    return sorted({part for part in parts.values() if part})


@transaction.atomic
def council_create(*, name: str, brand_colour: str = "#1d4f6e") -> Council:
    """A new council. Only installation commands create councils (there is no actor yet)."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("Enter the council's name."), fields={"name": [_("Required.")]})
    if not _HEX.match(brand_colour):
        raise ApplicationError(
            _("The brand colour is a hex colour like #1d4f6e."),
            fields={"brand_colour": [_("Not a hex colour.")]},
        )
    council, created = Council.objects.get_or_create(
        name=name, defaults={"slug": slugify(name)[:60], "brand_colour": brand_colour}
    )
    if created:
        audit_record(
            by=AuditActor.system(),
            action="council.created",
            subject=council,
            data={"slug": council.slug, "name_sha256": _text_sha256(council.name)},
        )
    return council


@transaction.atomic
def locality_create(
    *,
    actor: Actor,
    council: Council,
    name: str,
    ward_codes: Iterable[str] = (),
    postcodes: Iterable[str] = (),
) -> Locality:
    require_officer(actor, council)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Enter the locality's name."), fields={"name": [_("Required.")]})
    wards, codes = _ward_codes(ward_codes), _postcodes(postcodes)
    if not wards and not codes:
        raise ApplicationError(
            _("Give the locality at least one ward code or postcode."),
            fields={"ward_codes": [_("Give at least one ward code or postcode.")]},
        )
    if Locality.objects.filter(council=council, name=name).exists():
        raise ApplicationError(
            _("The council already has a locality of that name."),
            fields={"name": [_("Already used.")]},
        )
    locality = Locality.objects.create(
        council=council, name=name, ward_codes=wards, postcodes=codes
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="locality.created",
        subject=locality,
        data={
            "council": council.pk,
            "name_sha256": _text_sha256(name),
            "ward_codes": wards,
            "postcodes_sha256": _text_sha256("\n".join(codes)),
        },
    )
    return locality


def _localities(council: Council, ids: Iterable[int]) -> list[Locality]:
    wanted = set(ids)
    found = list(Locality.objects.filter(council=council, pk__in=wanted))
    if len(found) != len(wanted):
        raise ApplicationError(
            _("Choose localities of this council."), fields={"localities": [_("Unknown locality.")]}
        )
    return found


@transaction.atomic
def panel_create(
    *,
    actor: Actor,
    council: Council,
    name: str,
    description: str = "",
    locality_ids: Iterable[int] = (),
) -> Panel:
    require_officer(actor, council)
    name = name.strip()
    if not name:
        raise ApplicationError(_("Enter the panel's name."), fields={"name": [_("Required.")]})
    localities = _localities(council, locality_ids)
    try:
        with transaction.atomic():
            panel = Panel.objects.create(
                council=council, name=name, description=description.strip(), created_by=actor.user
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("The council already has a panel of that name."),
            fields={"name": [_("Already used.")]},
        ) from exc
    panel.localities.set(localities)
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="panel.created",
        subject=panel,
        data=_panel_data(panel),
    )
    return panel


@transaction.atomic
def panel_update(
    *,
    actor: Actor,
    panel: Panel,
    description: str,
    name: str | None = None,
    locality_ids: Iterable[int] | None = None,
) -> Panel:
    """Officers change anything; the panel's chair may change its description only."""
    panel = Panel.objects.select_for_update().select_related("council").get(pk=panel.pk)
    if holds(actor.user, Role.COUNCIL_OFFICER, council=panel.council):
        require_officer(actor, panel.council)
    else:
        require_panel_role(actor, panel, Role.PANEL_CHAIR)
        if name is not None or locality_ids is not None:
            raise PermissionDenied(
                _("Only council officers can rename a panel or change its localities.")
            )
    before = _panel_data(panel)
    panel.description = description.strip()
    if name is not None:
        if not name.strip():
            raise ApplicationError(_("Enter the panel's name."), fields={"name": [_("Required.")]})
        panel.name = name.strip()
    try:
        with transaction.atomic():
            panel.save(update_fields=["description", "name"])
    except IntegrityError as exc:
        raise ApplicationError(
            _("The council already has a panel of that name."),
            fields={"name": [_("Already used.")]},
        ) from exc
    if locality_ids is not None:
        panel.localities.set(_localities(panel.council, locality_ids))
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="panel.updated",
        subject=panel,
        data={"before": before, "after": _panel_data(panel)},
    )
    return panel


# --- funds: set-up -----------------------------------------------------------------------------

# The rubric a fund starts from, for this domain (weights: evidence and value for money weigh).
DEFAULT_RUBRIC: tuple[tuple[str, int, str], ...] = (
    ("Community need", 3, "How well the bid shows the need of the population the fund serves."),
    ("Evidence of what works", 3, "The strength of the evidence that the approach works."),
    ("Value for money", 3, "What the money buys: cost per beneficiary and outcomes."),
    ("Community involvement", 2, "How residents and service users shaped and will shape it."),
    ("Sustainability", 1, "Whether the benefit lasts after the funding ends."),
)

ReadyPart = Literal["officer", "chair"]


@dataclass(frozen=True)
class PotInput:
    name: str
    share_pence: int


@dataclass(frozen=True)
class CriterionInput:
    name: str
    weight: int
    description: str = ""
    level_descriptions: Sequence[str] = ()


def _fund_locked(fund: Fund) -> Fund:
    return Fund.objects.select_for_update().select_related("council", "panel").get(pk=fund.pk)


def _draft_locked(fund: Fund) -> Fund:
    locked = _fund_locked(fund)
    if locked.phase != Phase.DRAFT:
        raise ApplicationError(
            _("A fund's set-up can change only while it is a draft."), code="not_draft"
        )
    return locked


def _require_chair(actor: Actor, fund: Fund) -> None:
    require_panel_role(actor, fund.panel, Role.PANEL_CHAIR)


def _positive_pence(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ApplicationError(
            _("Amounts are a whole number of pence, more than zero."),
            fields={field: [_("Enter an amount in pence, more than zero.")]},
        )
    return value


def _required_name(name: str, field: str = "name") -> str:
    name = name.strip()
    if not name:
        raise ApplicationError(_("Enter a name."), fields={field: [_("Required.")]})
    return name


def _budget_data(fund: Fund) -> dict[str, object]:
    return {
        "budget_pence": fund.budget_pence,
        "pots": [
            {"name_sha256": _text_sha256(pot.name), "share_pence": pot.share_pence}
            for pot in fund.pots.order_by("name")
        ],
    }


@transaction.atomic
def fund_create(
    *, actor: Actor, council: Council, panel: Panel, name: str, budget_pence: int
) -> Fund:
    """A council officer starts a fund (a draft) for one of the council's panels."""
    require_officer(actor, council)
    name = _required_name(name)
    budget_pence = _positive_pence(budget_pence, "budget_pence")
    if panel.council_id != council.pk:
        raise ApplicationError(
            _("Choose a panel of this council."), fields={"panel": [_("Unknown panel.")]}
        )
    try:
        with transaction.atomic():
            fund = Fund.objects.create(
                council=council,
                panel=panel,
                name=name,
                budget_pence=budget_pence,
                created_by=actor.user,
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("The council already has a fund of that name."),
            fields={"name": [_("Already used.")]},
        ) from exc
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="fund.created",
        subject=fund,
        data={
            "council": council.pk,
            "panel": panel.pk,
            "name_sha256": _text_sha256(name),
            "budget_pence": budget_pence,
            "currency": fund.currency,
        },
    )
    return fund


@transaction.atomic
def fund_set_budget_and_pots(
    *, actor: Actor, fund: Fund, budget_pence: int, pots: Sequence[PotInput] = ()
) -> Fund:
    """The officer's money: the budget and the pots reserved out of it (shares within budget)."""
    fund = _draft_locked(fund)
    require_officer(actor, fund.council)
    budget_pence = _positive_pence(budget_pence, "budget_pence")
    names = [_required_name(pot.name, "pots") for pot in pots]
    if len(set(names)) != len(names):
        raise ApplicationError(
            _("Give each pot its own name."), fields={"pots": [_("Two pots share a name.")]}
        )
    shares = [_positive_pence(pot.share_pence, "pots") for pot in pots]
    if sum(shares) > budget_pence:
        raise ApplicationError(
            _("The pots' shares add up to more than the budget."),
            fields={
                "pots": [
                    _("The shares total %(total)d pence; the budget is %(budget)d pence.")
                    % {"total": sum(shares), "budget": budget_pence}
                ]
            },
        )
    before = _budget_data(fund)
    fund.budget_pence = budget_pence
    fund.officer_ready_at = None
    fund.save(update_fields=["budget_pence", "officer_ready_at"])
    fund.pots.all().delete()
    Pot.objects.bulk_create(
        [
            Pot(fund=fund, name=name, share_pence=share)
            for name, share in zip(names, shares, strict=True)
        ]
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="fund.budget_set",
        subject=fund,
        data={"before": before, "after": _budget_data(fund)},
    )
    return fund


@transaction.atomic
def fund_set_purpose_and_population(
    *,
    actor: Actor,
    fund: Fund,
    purpose: str,
    locality_ids: Iterable[int] = (),
    age_min: int | None = None,
    age_max: int | None = None,
    needs: Iterable[str] = (),
    disadvantage_criteria: str = "",
) -> Fund:
    """The panel chair says what the fund is for and the population it serves."""
    fund = _draft_locked(fund)
    _require_chair(actor, fund)
    purpose = purpose.strip()
    if not purpose:
        raise ApplicationError(_("Say what the fund is for."), fields={"purpose": [_("Required.")]})
    for field, age in (("age_min", age_min), ("age_max", age_max)):
        if age is not None and not 0 <= age <= 120:
            raise ApplicationError(
                _("Ages are between 0 and 120."), fields={field: [_("Enter an age from 0 to 120.")]}
            )
    if age_min is not None and age_max is not None and age_min > age_max:
        raise ApplicationError(
            _("The youngest age is above the oldest."),
            fields={"age_max": [_("Enter an age at or above the youngest age.")]},
        )
    codes = sorted(set(needs))
    unknown = [code for code in codes if code not in Need.values]
    if unknown:
        raise ApplicationError(
            _("Choose needs from the list."), fields={"needs": [_("Unknown need.")]}
        )
    localities = _localities(fund.council, locality_ids)
    fund.purpose = purpose
    fund.age_min, fund.age_max = age_min, age_max
    fund.needs = codes
    fund.disadvantage_criteria = disadvantage_criteria.strip()
    fund.chair_ready_at = None
    fund.save(
        update_fields=[
            "purpose",
            "age_min",
            "age_max",
            "needs",
            "disadvantage_criteria",
            "chair_ready_at",
        ]
    )
    fund.localities.set(localities)
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="fund.population_set",
        subject=fund,
        data={
            "purpose_sha256": _text_sha256(purpose),
            "localities": sorted(locality.pk for locality in localities),
            "age_min": age_min,
            "age_max": age_max,
            "needs": codes,
            "disadvantage_criteria_sha256": _text_sha256(fund.disadvantage_criteria),
        },
    )
    return fund


@transaction.atomic
def fund_set_checklist(*, actor: Actor, fund: Fund, items: Sequence[str]) -> Fund:
    """The panel chair's eligibility checklist, in order (replaces the list)."""
    fund = _draft_locked(fund)
    _require_chair(actor, fund)
    texts = [item.strip() for item in items if item.strip()]
    if not texts:
        raise ApplicationError(
            _("Give at least one eligibility item."), fields={"items": [_("Required.")]}
        )
    fund.checklist.all().delete()
    EligibilityItem.objects.bulk_create(
        [EligibilityItem(fund=fund, text=text, position=i) for i, text in enumerate(texts, 1)]
    )
    fund.chair_ready_at = None
    fund.save(update_fields=["chair_ready_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="fund.checklist_set",
        subject=fund,
        data={"items_sha256": [_text_sha256(text) for text in texts]},
    )
    return fund


@transaction.atomic
def fund_set_rubric(
    *, actor: Actor, fund: Fund, scale_max: int, criteria: Sequence[CriterionInput]
) -> Fund:
    """The panel chair's rubric: weighted criteria scored from 0 to ``scale_max`` (1 to 10)."""
    fund = _draft_locked(fund)
    _require_chair(actor, fund)
    if isinstance(scale_max, bool) or not 1 <= scale_max <= 10:
        raise ApplicationError(
            _("The scale tops out between 1 and 10."),
            fields={"scale_max": [_("Enter a number from 1 to 10.")]},
        )
    if not criteria:
        raise ApplicationError(
            _("Give the rubric at least one criterion."), fields={"criteria": [_("Required.")]}
        )
    names = [_required_name(criterion.name, "criteria") for criterion in criteria]
    if len(set(names)) != len(names):
        raise ApplicationError(
            _("Give each criterion its own name."),
            fields={"criteria": [_("Two criteria share a name.")]},
        )
    for criterion in criteria:
        if isinstance(criterion.weight, bool) or criterion.weight < 1 or criterion.weight > 100:
            raise ApplicationError(
                _("Weights are whole numbers from 1 to 100."),
                fields={"criteria": [_("Enter a weight from 1 to 100.")]},
            )
        if criterion.level_descriptions and len(criterion.level_descriptions) != scale_max + 1:
            raise ApplicationError(
                _("Describe every level of the scale, from 0 to %(top)d, or none.")
                % {"top": scale_max},
                fields={"criteria": [_("Wrong number of level descriptions.")]},
            )
    fund.criteria.all().delete()
    RubricCriterion.objects.bulk_create(
        [
            RubricCriterion(
                fund=fund,
                name=name,
                weight=criterion.weight,
                description=criterion.description.strip(),
                level_descriptions=[level.strip() for level in criterion.level_descriptions],
                position=position,
            )
            for position, (name, criterion) in enumerate(zip(names, criteria, strict=True), 1)
        ]
    )
    fund.scale_max = scale_max
    fund.chair_ready_at = None
    fund.save(update_fields=["scale_max", "chair_ready_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="fund.rubric_set",
        subject=fund,
        data={
            "scale_max": scale_max,
            "criteria": [
                {
                    "name_sha256": _text_sha256(row.name),
                    "weight": row.weight,
                    "description_sha256": _text_sha256(row.description),
                    "levels_sha256": _text_sha256("\n".join(row.level_descriptions)),
                }
                for row in fund.criteria.order_by("position")
            ],
        },
    )
    return fund


def fund_apply_default_rubric(*, actor: Actor, fund: Fund) -> Fund:
    """The domain's default rubric (community need, evidence of what works, value for money...)."""
    return fund_set_rubric(
        actor=actor,
        fund=fund,
        scale_max=5,
        criteria=[
            CriterionInput(name=_(name), weight=weight, description=_(description))
            for name, weight, description in DEFAULT_RUBRIC
        ],
    )


@transaction.atomic
def fund_set_timeline(
    *,
    actor: Actor,
    fund: Fund,
    bids_open_at: datetime,
    bids_close_at: datetime,
    scoring_starts_at: datetime,
    voting_opens_at: datetime,
    voting_closes_at: datetime,
    decision_at: datetime,
) -> Fund:
    """The officer sets when each phase starts (aware datetimes; every one after the last)."""
    fund = _draft_locked(fund)
    require_officer(actor, fund.council)
    times = dict(
        zip(
            TIMELINE_FIELDS,
            (
                bids_open_at,
                bids_close_at,
                scoring_starts_at,
                voting_opens_at,
                voting_closes_at,
                decision_at,
            ),
            strict=True,
        )
    )
    naive = [field for field, value in times.items() if timezone.is_naive(value)]
    if naive:
        raise ApplicationError(
            _("Times need a time zone."), fields={field: [_("No time zone.")] for field in naive}
        )
    for earlier, later in pairwise(TIMELINE_FIELDS):
        if times[later] <= times[earlier]:
            raise ApplicationError(
                _("Each date in the timeline comes after the one before it."),
                fields={later: [_("Enter a time after the previous phase starts.")]},
            )
    before = {field: audit_time(getattr(fund, field)) for field in TIMELINE_FIELDS}
    for field, value in times.items():
        setattr(fund, field, value)
    fund.officer_ready_at = None
    fund.save(update_fields=[*TIMELINE_FIELDS, "officer_ready_at"])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="fund.timeline_set",
        subject=fund,
        data={"before": before, "after": {f: audit_time(v) for f, v in times.items()}},
    )
    return fund


def _fraction(text: str | None, field: str) -> Fraction | None:
    if text is None or not str(text).strip():
        return None
    try:
        return Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ApplicationError(
            _("Enter a number such as 3, 0.25 or 1/4."),
            fields={field: [_("Not a number.")]},
        ) from exc


def _rule_of(fund: Fund, tie_order: tuple[str, ...] | None = None) -> Rule:
    return Rule(
        name=RuleName(fund.rule_name),
        completion=Completion(fund.rule_completion),
        min_score=_fraction(fund.rule_min_score, "min_score"),
        min_share=_fraction(fund.rule_min_share, "min_share"),
        tie_order=tie_order,
    )


def _rule_error_field(message: str) -> str:
    if "completion" in message:
        return "completion"
    if "share" in message or "not both" in message:
        return "min_share"
    if "score" in message:
        return "min_score"
    return "rule_name"


@transaction.atomic
def fund_set_decision_rule(
    *,
    actor: Actor,
    fund: Fund,
    rule_name: str,
    completion: str = "none",
    min_score: str | None = None,
    min_share: str | None = None,
) -> Fund:
    """The officer chooses one of the tally engine's rules; the engine checks the combination."""
    fund = _draft_locked(fund)
    require_officer(actor, fund.council)
    if rule_name not in RuleName.__members__.values():
        raise ApplicationError(
            _("Choose one of the decision rules."), fields={"rule_name": [_("Unknown rule.")]}
        )
    if completion not in Completion.__members__.values():
        raise ApplicationError(
            _("Choose one of the completions."), fields={"completion": [_("Unknown completion.")]}
        )
    score, share = _fraction(min_score, "min_score"), _fraction(min_share, "min_share")
    try:
        rule = Rule(
            name=RuleName(rule_name),
            completion=Completion(completion),
            min_score=score,
            min_share=share,
        )
    except RuleError as exc:
        raise ApplicationError(
            _("That rule cannot be applied: %(reason)s") % {"reason": exc},
            fields={_rule_error_field(str(exc)): [str(exc)]},
        ) from exc
    described = rule.describe()
    fund.rule_name = str(rule.name)
    fund.rule_completion = str(rule.completion)
    fund.rule_min_score = str(described["min_score"] or "")
    fund.rule_min_share = str(described["min_share"] or "")
    fund.officer_ready_at = None
    fund.save(
        update_fields=[
            "rule_name",
            "rule_completion",
            "rule_min_score",
            "rule_min_share",
            "officer_ready_at",
        ]
    )
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="fund.rule_set",
        subject=fund,
        data={"rule": described},
    )
    return fund


def _missing_parts(fund: Fund, part: ReadyPart) -> list[str]:
    if part == "officer":
        missing = []
        if not fund.timeline_set:
            missing.append(_("the timeline"))
        if not fund.rule_name:
            missing.append(_("the decision rule"))
        return missing
    missing = []
    if not fund.purpose:
        missing.append(_("the purpose and population"))
    if not fund.checklist.exists():
        missing.append(_("the eligibility checklist"))
    if not fund.criteria.exists():
        missing.append(_("the rubric"))
    return missing


@transaction.atomic
def fund_mark_ready(*, actor: Actor, fund: Fund, part: ReadyPart) -> Fund:
    """The officer (budget, timeline, rule) or the chair (purpose, checklist, rubric) is done."""
    fund = _draft_locked(fund)
    if part == "officer":
        require_officer(actor, fund.council)
    elif part == "chair":
        _require_chair(actor, fund)
    else:
        raise ApplicationError(_("Say whose part is done."), fields={"part": [_("Unknown.")]})
    missing = _missing_parts(fund, part)
    if missing:
        raise ApplicationError(
            _("Set %(missing)s first.") % {"missing": ", ".join(missing)},
            fields={"part": [_("Not complete.")]},
            code="incomplete",
        )
    field = f"{part}_ready_at"
    setattr(fund, field, timezone.now())
    fund.save(update_fields=[field])
    audit_record(
        by=AuditActor.for_user(actor.user),
        action="fund.marked_ready",
        subject=fund,
        data={"part": part},
    )
    return fund


# --- funds: phases -----------------------------------------------------------------------------


def _bid_ids(fund: Fund) -> list[str]:
    """The ids, as text, of the fund's bids that go to the vote: those the panel shortlisted."""
    # Bids and scoring depend on funds, not the other way round.
    from backend.scoring.models import ShortlistEntry

    shortlisted = ShortlistEntry.objects.filter(
        shortlist__fund=fund, shortlist__confirmed_at__isnull=False, shortlisted=True
    )
    return [str(pk) for pk in shortlisted.values_list("bid_id", flat=True)]


def _shortlist_confirmed(fund: Fund) -> bool:
    from backend.scoring.models import Shortlist

    return Shortlist.objects.filter(fund=fund, confirmed_at__isnull=False).exists()


def _canonical_sha256(value: object) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def tie_order_from_seed(seed: str, ids: Iterable[str]) -> list[str]:
    """The tie order a seed gives: the ids sorted as text, then shuffled by random.Random(seed).

    Anyone holding the seed from the audit chain can recompute the order.
    """
    order = sorted(ids)
    # Not for secrecy: the seed (from secrets) is published, and the order must be reproducible.
    random.Random(seed).shuffle(order)  # noqa: S311
    return order


def _enter_voting(fund: Fund) -> dict[str, object]:
    seed = secrets.token_hex(32)
    order = tie_order_from_seed(seed, _bid_ids(fund))
    rule = _rule_of(fund, tie_order=tuple(order)).describe()
    fund.tie_seed, fund.tie_order, fund.frozen_rule = seed, order, rule
    return {
        "tie_seed": seed,
        "tie_order_sha256": _canonical_sha256(order),
        "tie_order_length": len(order),
        "rule_sha256": _canonical_sha256(rule),
    }


def _guard(fund: Fund, target: Phase) -> None:
    source = Phase(fund.phase)
    if target not in TRANSITIONS[source]:
        raise ApplicationError(
            _("A fund cannot go from %(source)s to %(target)s.")
            % {"source": source.label, "target": target.label},
            fields={"to_phase": [_("Not allowed from this phase.")]},
            code="transition_refused",
        )
    if target in AWARD_ONLY:
        raise ApplicationError(
            _("Only the tally's award decides a fund."),
            fields={"to_phase": [_("Not allowed by hand.")]},
            code="transition_refused",
        )
    if target == Phase.VOTING and not _shortlist_confirmed(fund):
        raise ApplicationError(
            _("Voting opens once the panel chair has confirmed the shortlist."),
            fields={"to_phase": [_("The shortlist is not confirmed yet.")]},
            code="transition_refused",
        )
    if target == Phase.OPEN_FOR_BIDS:
        missing = []
        if fund.officer_ready_at is None:
            missing.append(_("the council officer's part"))
        if fund.chair_ready_at is None:
            missing.append(_("the panel chair's part"))
        if not fund.timeline_set:
            missing.append(_("the timeline"))
        if not fund.rule_name:
            missing.append(_("the decision rule"))
        if missing:
            raise ApplicationError(
                _("The fund opens for bids once it has %(missing)s.")
                % {"missing": ", ".join(missing)},
                fields={"to_phase": [_("The set-up is not finished.")]},
                code="transition_refused",
            )


def _transition(fund: Fund, target: Phase, by: AuditActor) -> Fund:
    """Move a locked fund to ``target`` (guards first), and record it."""
    _guard(fund, target)
    before = fund.phase
    data: dict[str, object] = {"before": before, "after": str(target)}
    fields = ["phase"]
    if target == Phase.VOTING:
        data.update(_enter_voting(fund))
        fields += ["tie_seed", "tie_order", "frozen_rule"]
    fund.phase = target
    fund.save(update_fields=fields)
    audit_record(by=by, action="fund.phase_changed", subject=fund, data=data)
    if target == Phase.OPEN_FOR_BIDS:
        _notify_panel_of_opening(fund)
    return fund


def _notify_panel_of_opening(fund: Fund) -> None:
    """The panel's chair and members hear that bids are coming in (outbox, same transaction)."""
    closes = to_london(fund.bids_close_at) if fund.bids_close_at else None
    for grant in RoleGrant.objects.filter(
        panel=fund.panel_id, revoked_at__isnull=True, role__in=[Role.PANEL_CHAIR, Role.PANEL_MEMBER]
    ).select_related("user"):
        notify(
            kind=Kind.FUND_OPENED,
            subject=fund,
            dedupe_key=f"fund_opened:{fund.pk}:{grant.user_id}",
            user=grant.user,
            context={
                "fund": fund.name,
                "closes": closes.strftime("%d/%m/%Y %H:%M %Z") if closes else "",
            },
        )


@transaction.atomic
def fund_transition(*, actor: Actor, fund: Fund, to_phase: str) -> Fund:
    """A council officer moves a fund on (or cancels it) ahead of, or instead of, its dates."""
    if to_phase not in Phase.values:
        raise ApplicationError(_("Choose a phase."), fields={"to_phase": [_("Unknown phase.")]})
    fund = _fund_locked(fund)
    require_officer(actor, fund.council)
    return _transition(fund, Phase(to_phase), AuditActor.for_user(actor.user))


def _advance_one(fund_id: int, now: datetime) -> int:
    moved = 0
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=fund_id)
        while (step := SCHEDULED_STARTS.get(Phase(fund.phase))) is not None:
            target, field = step
            starts_at: datetime | None = getattr(fund, field)
            if starts_at is None or starts_at > now:
                break
            try:
                _transition(fund, target, AuditActor.scheduler())
            except ApplicationError as refused:
                logger.info("fund %s stays %s: %s", fund.pk, fund.phase, refused.message)
                break
            moved += 1
    return moved


def funds_advance_due(*, now: datetime | None = None) -> int:
    """The scheduler moves every fund whose next phase has started, phase by phase, as far as
    tallying. Running it again changes nothing. Returns the number of phase changes."""
    now = now or timezone.now()
    due = Q()
    for phase, (_target, field) in SCHEDULED_STARTS.items():
        due |= Q(phase=phase, **{f"{field}__lte": now})
    moved = 0
    for fund_id in Fund.objects.filter(due).order_by("pk").values_list("pk", flat=True):
        moved += _advance_one(fund_id, now)
    return moved
