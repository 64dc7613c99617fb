"""Reads about panel scoring, filtered by who may see what.

A member first sees only each eligible bid's organisation, partners and named staff, to declare
conflicts; a bid's content and scoring sheet only once they have declared on every eligible bid
and are not conflicted on it (backend.bids.selectors.bid_get decides, NotFound otherwise).
Others' scores for a bid stay hidden from a member until they have submitted their own (the
blind rule). The chair, officers and auditors read the register, progress and aggregates.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import QuerySet

from backend.accounts.models import Role, RoleGrant, User
from backend.accounts.permissions import (
    Actor,
    holds,
    require_council_role,
    require_panel_role,
)
from backend.bids.models import Bid
from backend.bids.models import Status as BidStatus
from backend.bids.selectors import bid_get
from backend.core.errors import NotFound, PermissionDenied
from backend.funds.models import Fund, Phase, RubricCriterion

from . import aggregate
from .models import (
    ConflictDeclaration,
    Moderation,
    Relationship,
    Score,
    ScoreSheet,
    ScoringSettings,
    SheetStatus,
    Shortlist,
    ShortlistEntry,
    ShortlistRule,
)

# Phases in which members declare conflicts (late ones included).
DECLARING_PHASES = (Phase.SCORING, Phase.VOTING, Phase.TALLYING, Phase.DECIDED, Phase.PUBLISHED)


def is_conflicted(user_id: int, bid: Bid) -> bool:
    return ConflictDeclaration.objects.filter(bid=bid, member_id=user_id, conflicted=True).exists()


def undeclared_bids(user_id: int, fund: Fund) -> list[Bid]:
    """Eligible bids of the fund on which the member has declared nothing yet."""
    declared = ConflictDeclaration.objects.filter(bid__fund=fund, member_id=user_id).values(
        "bid_id"
    )
    return list(
        Bid.objects.filter(fund=fund, status=BidStatus.ELIGIBLE)
        .exclude(pk__in=declared)
        .order_by("pk")
    )


def settings_for(fund: Fund) -> ScoringSettings:
    """The fund's scoring settings, or the defaults (unsaved) if the chair set none."""
    return ScoringSettings.objects.filter(fund=fund).first() or ScoringSettings(fund=fund)


def work_left(user_id: int, fund: Fund) -> tuple[int, int]:
    """(bids not yet declared on, bids to score whose sheet is not submitted) for a member."""
    eligible = Bid.objects.filter(fund=fund, status=BidStatus.ELIGIBLE)
    declared = ConflictDeclaration.objects.filter(bid__fund=fund, member_id=user_id)
    undeclared = eligible.exclude(pk__in=declared.values("bid_id")).count()
    conflicted = declared.filter(conflicted=True).values("bid_id")
    submitted = ScoreSheet.objects.filter(
        bid__fund=fund, member_id=user_id, status=SheetStatus.SUBMITTED
    ).values("bid_id")
    unscored = eligible.exclude(pk__in=conflicted).exclude(pk__in=submitted).count()
    return undeclared, unscored


def _is_panel(actor: Actor, fund: Fund) -> bool:
    return holds(actor.user, Role.PANEL_CHAIR, panel=fund.panel) or holds(
        actor.user, Role.PANEL_MEMBER, panel=fund.panel
    )


def _require_panel(actor: Actor, fund: Fund) -> None:
    if not _is_panel(actor, fund):
        raise NotFound("No such fund.")
    require_panel_role(actor, fund.panel, Role.PANEL_CHAIR, Role.PANEL_MEMBER)


def _require_overseer(actor: Actor, fund: Fund) -> None:
    """The panel's chair (after MFA), or the council's officers and auditors (after MFA)."""
    if holds(actor.user, Role.COUNCIL_OFFICER, council=fund.council) or holds(
        actor.user, Role.AUDITOR, council=fund.council
    ):
        require_council_role(actor, fund.council, Role.COUNCIL_OFFICER, Role.AUDITOR)
        return
    if holds(actor.user, Role.PANEL_CHAIR, panel=fund.panel):
        require_panel_role(actor, fund.panel, Role.PANEL_CHAIR)
        return
    if holds(actor.user, Role.PANEL_MEMBER, panel=fund.panel):
        raise PermissionDenied("Only the panel chair and the council see this.")
    raise NotFound("No such fund.")


def eligible_bids(fund: Fund) -> QuerySet[Bid]:
    return (
        Bid.objects.filter(fund=fund, status=BidStatus.ELIGIBLE)
        .select_related("organisation", "pot")
        .prefetch_related("budget_lines")
        .order_by("pk")
    )


def _members_with_history(fund: Fund) -> list[User]:
    """The panel now, then anyone who has left it but declared or scored on this fund (their
    submitted sheets still count)."""
    members = panel_members(fund)
    current = {member.pk for member in members}
    former = set(
        ScoreSheet.objects.filter(bid__fund=fund).values_list("member_id", flat=True)
    ) | set(ConflictDeclaration.objects.filter(bid__fund=fund).values_list("member_id", flat=True))
    return members + list(User.objects.filter(pk__in=former - current).order_by("full_name", "pk"))


def panel_members(fund: Fund) -> list[User]:
    """The chairs and members of the fund's panel now, by name."""
    ids = RoleGrant.objects.filter(
        panel=fund.panel_id,
        role__in=[Role.PANEL_CHAIR, Role.PANEL_MEMBER],
        revoked_at__isnull=True,
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("full_name", "pk"))


# --- conflicts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclarationRow:
    """What a member sees of an eligible bid before declaring: who is behind it, no content."""

    bid_id: int
    title: str
    organisation: str
    partners: str
    named_staff: str
    declaration: ConflictDeclaration | None


def declarations_for_member(*, actor: Actor, fund: Fund) -> list[DeclarationRow]:
    """Each eligible bid's organisation, partners and named staff, with the member's declaration."""
    _require_panel(actor, fund)
    if fund.phase not in DECLARING_PHASES:
        return []
    mine = {
        d.bid_id: d for d in ConflictDeclaration.objects.filter(bid__fund=fund, member=actor.user)
    }
    return [
        DeclarationRow(
            bid_id=bid.pk,
            title=bid.title,
            organisation=bid.organisation.name,
            partners=bid.partners,
            named_staff=bid.named_staff,
            declaration=mine.get(bid.pk),
        )
        for bid in eligible_bids(fund)
    ]


def declaration_row(*, actor: Actor, bid_id: int) -> DeclarationRow:
    """One eligible bid's declaration row for a member of its panel (404 otherwise)."""
    bid = (
        Bid.objects.select_related("fund", "fund__panel", "organisation").filter(pk=bid_id).first()
    )
    if bid is None or bid.status != BidStatus.ELIGIBLE:
        raise NotFound("No such bid.")
    for row in declarations_for_member(actor=actor, fund=bid.fund):
        if row.bid_id == bid.pk:
            return row
    raise NotFound("No such bid.")


def relationship_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Relationship.choices]


@dataclass(frozen=True)
class RegisterRow:
    bid_id: int
    bid_title: str
    organisation: str
    member_id: int
    member_name: str
    declaration: ConflictDeclaration | None

    @property
    def relationship_label(self) -> str:
        if self.declaration is None or not self.declaration.relationship:
            return ""
        return str(Relationship(self.declaration.relationship).label)


def conflict_register(*, actor: Actor, fund: Fund) -> list[RegisterRow]:
    """Every member and eligible bid, with what was declared (None: not yet)."""
    _require_overseer(actor, fund)
    declarations = {
        (d.bid_id, d.member_id): d for d in ConflictDeclaration.objects.filter(bid__fund=fund)
    }
    # Former members who declared or scored stay on the register.
    members = _members_with_history(fund)
    return [
        RegisterRow(
            bid_id=bid.pk,
            bid_title=bid.title,
            organisation=bid.organisation.name,
            member_id=member.pk,
            member_name=member.full_name or member.email,
            declaration=declarations.get((bid.pk, member.pk)),
        )
        for bid in eligible_bids(fund)
        for member in members
    ]


def late_conflicts(*, actor: Actor, fund: Fund) -> QuerySet[ConflictDeclaration]:
    """Conflicts declared after the shortlist was confirmed, for the officers to review."""
    _require_overseer(actor, fund)
    return (
        ConflictDeclaration.objects.filter(bid__fund=fund, after_shortlist=True)
        .select_related("bid", "member", "reviewed_by")
        .order_by("declared_at", "pk")
    )


def conflict_get(*, actor: Actor, declaration_id: int) -> ConflictDeclaration:
    declaration = (
        ConflictDeclaration.objects.select_related("bid", "bid__fund", "member")
        .filter(pk=declaration_id)
        .first()
    )
    if declaration is None:
        raise NotFound("No such declaration.")
    _require_overseer(actor, declaration.bid.fund)
    return declaration


# --- a member's scoring page ---------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionView:
    id: int
    name: str
    description: str
    weight: int
    levels: list[tuple[int, str]]
    value: int | None
    comment: str


@dataclass(frozen=True)
class OtherSheet:
    """Another member's submitted sheet, shown without their name."""

    label: str
    total: str
    scores: list[tuple[str, int, str]]


@dataclass(frozen=True)
class ScoringPage:
    bid: Bid
    fund: Fund
    criteria: list[CriterionView]
    sheet: ScoreSheet | None
    cost_per_beneficiary_pence: int | None
    median_cost_per_beneficiary_pence: int | None
    evidence_level: int | None
    median_evidence_level: Decimal | None
    others_visible: bool
    others: list[OtherSheet] = field(default_factory=list)


def _median_int(values: Iterable[int]) -> int | None:
    """The median in whole units, halves rounded up."""
    data = sorted(values)
    if not data:
        return None
    middle = len(data) // 2
    if len(data) % 2:
        return data[middle]
    return (data[middle - 1] + data[middle] + 1) // 2


def _median_decimal(values: Iterable[int]) -> Decimal | None:
    data = sorted(values)
    if not data:
        return None
    return Decimal(str(statistics.median(data))).quantize(Decimal("0.1"))


def _levels(criterion: RubricCriterion, scale_max: int) -> list[tuple[int, str]]:
    texts = list(criterion.level_descriptions or [])
    return [(level, texts[level] if level < len(texts) else "") for level in range(scale_max + 1)]


def _criteria_inputs(criteria: list[RubricCriterion]) -> list[aggregate.Criterion]:
    return [aggregate.Criterion(id=c.pk, weight=c.weight) for c in criteria]


def sheet_total(sheet: ScoreSheet, criteria: list[RubricCriterion], scale_max: int) -> Fraction:
    """A complete sheet's weighted total on 0-100 (see backend.scoring.aggregate)."""
    return aggregate.sheet_total(_sheet_input(sheet), _criteria_inputs(criteria), scale_max)


def _sheet_input(sheet: ScoreSheet) -> aggregate.Sheet:
    return aggregate.Sheet(
        scorer_id=sheet.member_id,
        bid_id=sheet.bid_id,
        scores={s.criterion_id: s.value for s in sheet.scores.all()},
    )


def scoring_page(*, actor: Actor, bid_id: int) -> ScoringPage:
    """A member's page for one bid: the rubric with their sheet, the bid's cost per beneficiary
    and evidence level beside the fund's medians, and others' scores once theirs is submitted.
    NotFound for anyone who may not score it (not on the panel, conflicted, not yet declared)."""
    bid = bid_get(actor=actor, bid_id=bid_id)
    fund = bid.fund
    if not _is_panel(actor, fund) or bid.status != BidStatus.ELIGIBLE:
        raise NotFound("No such bid.")
    if undeclared_bids(actor.user.pk, fund):
        raise NotFound("No such bid.")
    criteria = list(RubricCriterion.objects.filter(fund=fund).order_by("position"))
    sheet = ScoreSheet.objects.filter(bid=bid, member=actor.user).prefetch_related("scores").first()
    if sheet is not None and sheet.status == SheetStatus.VOID:
        raise NotFound("No such bid.")
    scores = {s.criterion_id: s for s in sheet.scores.all()} if sheet else {}
    views = [
        CriterionView(
            id=c.pk,
            name=c.name,
            description=c.description,
            weight=c.weight,
            levels=_levels(c, fund.scale_max),
            value=scores[c.pk].value if c.pk in scores else None,
            comment=scores[c.pk].comment if c.pk in scores else "",
        )
        for c in criteria
    ]
    others_visible = sheet is not None and sheet.status == SheetStatus.SUBMITTED
    others: list[OtherSheet] = []
    if others_visible:
        conflicted = ConflictDeclaration.objects.filter(bid=bid, conflicted=True).values(
            "member_id"
        )
        rest = (
            ScoreSheet.objects.filter(bid=bid, status=SheetStatus.SUBMITTED)
            .exclude(member=actor.user)
            .exclude(member_id__in=conflicted)
            .prefetch_related("scores")
            .order_by("submitted_at", "pk")
        )
        names = {c.pk: c.name for c in criteria}
        order = {c.pk: c.position for c in criteria}
        for number, other in enumerate(rest, start=1):
            others.append(
                OtherSheet(
                    label=f"Scorer {number}",
                    total=aggregate.score_text(sheet_total(other, criteria, fund.scale_max)),
                    scores=[
                        (names[s.criterion_id], s.value, s.comment)
                        for s in sorted(other.scores.all(), key=lambda s: order[s.criterion_id])
                    ],
                )
            )
    peers = list(eligible_bids(fund))
    return ScoringPage(
        bid=bid,
        fund=fund,
        criteria=views,
        sheet=sheet,
        cost_per_beneficiary_pence=bid.cost_per_beneficiary_pence,
        median_cost_per_beneficiary_pence=_median_int(
            cost for b in peers if (cost := b.cost_per_beneficiary_pence) is not None
        ),
        evidence_level=bid.evidence_level,
        median_evidence_level=_median_decimal(
            b.evidence_level for b in peers if b.evidence_level is not None
        ),
        others_visible=others_visible,
        others=others,
    )


def sheet_get(*, actor: Actor, sheet_id: int) -> ScoreSheet:
    """A sheet, for the chair (to reopen it) and the council; 404 otherwise."""
    sheet = (
        ScoreSheet.objects.select_related("bid", "bid__fund", "member").filter(pk=sheet_id).first()
    )
    if sheet is None:
        raise NotFound("No such sheet.")
    _require_overseer(actor, sheet.bid.fund)
    return sheet


# --- aggregates, progress and the export -------------------------------------------------------


def panel_scores(fund: Fund) -> aggregate.Aggregation:
    """Each eligible bid's panel score and flags from the submitted sheets, without an access
    check: for the selectors below and the services that freeze the shortlist."""
    settings: ScoringSettings = settings_for(fund)
    criteria = list(RubricCriterion.objects.filter(fund=fund).order_by("position"))
    conflicts = set(
        ConflictDeclaration.objects.filter(bid__fund=fund, conflicted=True).values_list(
            "member_id", "bid_id"
        )
    )
    sheets = [
        _sheet_input(sheet)
        for sheet in ScoreSheet.objects.filter(
            bid__fund=fund, status=SheetStatus.SUBMITTED
        ).prefetch_related("scores")
    ]
    moderations = {
        bid_id: (Fraction(moderation.score), moderation.reason)
        for bid_id, moderation in latest_moderations(fund).items()
    }
    return aggregate.aggregate_scores(
        criteria=_criteria_inputs(criteria),
        scale_max=fund.scale_max,
        sheets=sheets,
        conflicts=conflicts,
        bid_ids=list(eligible_bids(fund).values_list("pk", flat=True)),
        settings=aggregate.AggregationSettings(
            calibrate=settings.calibrate,
            disagreement_threshold=settings.disagreement_threshold,
            min_scorers=settings.min_scorers,
        ),
        moderations=moderations,
    )


def _hidden_from(actor: Actor, fund: Fund) -> set[int]:
    """The bids whose scores the actor may not see: a chair's conflicted bids (officers and
    auditors have no conflicts to declare, and see everything)."""
    return set(
        ConflictDeclaration.objects.filter(
            bid__fund=fund, member_id=actor.user.pk, conflicted=True
        ).values_list("bid_id", flat=True)
    )


def fund_aggregate(*, actor: Actor, fund: Fund) -> aggregate.Aggregation:
    """Each eligible bid's panel score and flags, for the chair and the council; a chair does
    not see the bids they are conflicted on."""
    _require_overseer(actor, fund)
    result = panel_scores(fund)
    hidden = _hidden_from(actor, fund)
    if not hidden:
        return result
    return dataclasses.replace(
        result, bids=tuple(bid for bid in result.bids if bid.bid_id not in hidden)
    )


@dataclass(frozen=True)
class MemberProgress:
    member: User
    declared: int
    conflicts: int
    submitted: int
    drafts: int
    to_score: int


@dataclass(frozen=True)
class Progress:
    bids: int
    members: list[MemberProgress]
    shortlist: Shortlist | None
    settings: ScoringSettings


def scoring_progress(*, actor: Actor, fund: Fund) -> Progress:
    """Who has declared and scored what, for the chair's dashboard."""
    _require_overseer(actor, fund)
    bids = eligible_bids(fund).count()
    rows = []
    for member in panel_members(fund):
        declarations = ConflictDeclaration.objects.filter(bid__fund=fund, member=member)
        sheets = ScoreSheet.objects.filter(bid__fund=fund, member=member)
        _undeclared, unscored = work_left(member.pk, fund)
        rows.append(
            MemberProgress(
                member=member,
                declared=declarations.count(),
                conflicts=declarations.filter(conflicted=True).count(),
                submitted=sheets.filter(status=SheetStatus.SUBMITTED).count(),
                drafts=sheets.filter(status=SheetStatus.DRAFT).count(),
                to_score=unscored,
            )
        )
    return Progress(
        bids=bids,
        members=rows,
        shortlist=Shortlist.objects.filter(fund=fund).first(),
        settings=settings_for(fund),
    )


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula is prefixed with '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def scoring_matrix_csv(*, actor: Actor, fund: Fund) -> str:
    """The scoring matrix for auditors (and the chair, without the bids they are conflicted on):
    one row per bid, member and criterion, conflicts marked
    (a sheet voided by a late conflict keeps its scores, with status void), with the member's
    comment; every cell safe against spreadsheet formula injection."""
    _require_overseer(actor, fund)
    criteria = list(RubricCriterion.objects.filter(fund=fund).order_by("position"))
    members = _members_with_history(fund)
    conflicts = {
        (d.bid_id, d.member_id): d
        for d in ConflictDeclaration.objects.filter(bid__fund=fund, conflicted=True)
    }
    sheets = {
        (s.bid_id, s.member_id): s
        for s in ScoreSheet.objects.filter(bid__fund=fund).prefetch_related("scores")
    }
    hidden = _hidden_from(actor, fund)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "bid_id",
            "bid_title",
            "organisation",
            "member_id",
            "member",
            "conflict",
            "sheet_status",
            "criterion",
            "weight",
            "score",
            "comment",
        ]
    )
    for bid in eligible_bids(fund).exclude(pk__in=hidden):
        for member in members:
            conflict = conflicts.get((bid.pk, member.pk))
            sheet = sheets.get((bid.pk, member.pk))
            scores = {s.criterion_id: s for s in sheet.scores.all()} if sheet else {}
            for criterion in criteria:
                score = scores.get(criterion.pk)
                writer.writerow(
                    [
                        _cell(bid.pk),
                        _cell(bid.title),
                        _cell(bid.organisation.name),
                        _cell(member.pk),
                        _cell(member.full_name or member.email),
                        _cell(conflict.relationship if conflict else ""),
                        _cell(sheet.status if sheet else "none"),
                        _cell(criterion.name),
                        _cell(criterion.weight),
                        _cell("" if score is None else score.value),
                        _cell("" if score is None else score.comment),
                    ]
                )
    return out.getvalue()


def latest_moderations(fund: Fund) -> dict[int, Moderation]:
    """Each bid's latest moderation, leaving out any by someone who has since declared a
    conflict on that bid before the shortlist (it stops counting, as their sheet does; after
    the shortlist the frozen result stands and the officers review the conflict)."""
    conflicted = set(
        ConflictDeclaration.objects.filter(
            bid__fund=fund, conflicted=True, after_shortlist=False
        ).values_list("bid_id", "member_id")
    )
    result: dict[int, Moderation] = {}
    for moderation in Moderation.objects.filter(bid__fund=fund).order_by("moderated_at", "pk"):
        if (moderation.bid_id, moderation.moderated_by_id) not in conflicted:
            result[moderation.bid_id] = moderation
    return result


def scoring_deadline(fund: Fund) -> datetime | None:
    """Scoring closes when voting opens."""
    return fund.voting_opens_at


def anonymised_comments(*, actor: Actor, bid: Bid) -> list[tuple[str, str]]:
    """The submitted comments on a bid as (criterion, comment), without who wrote them, in a
    fixed order: what the chair compiles the applicant's feedback from."""
    _require_overseer(actor, bid.fund)
    if bid.pk in _hidden_from(actor, bid.fund):
        raise PermissionDenied("You have a conflict of interest on this bid.")
    conflicted = ConflictDeclaration.objects.filter(bid=bid, conflicted=True).values("member_id")
    rows = (
        Score.objects.filter(sheet__bid=bid, sheet__status=SheetStatus.SUBMITTED)
        .exclude(sheet__member_id__in=conflicted)
        .exclude(comment="")
        .select_related("criterion")
        .order_by("criterion__position", "comment")
    )
    return [(row.criterion.name, row.comment) for row in rows]


def shortlist_for_fund(*, actor: Actor, fund: Fund) -> Shortlist | None:
    """The fund's shortlist (proposed or confirmed) with its entries, for the chair and the
    council; the panel's members see it once confirmed."""
    if _is_panel(actor, fund) and not holds(actor.user, Role.PANEL_CHAIR, panel=fund.panel):
        shortlist = Shortlist.objects.filter(fund=fund, confirmed_at__isnull=False).first()
    else:
        _require_overseer(actor, fund)
        shortlist = Shortlist.objects.filter(fund=fund).first()
    return shortlist


def shortlist_entry_for_applicant(*, actor: Actor, bid: Bid) -> ShortlistEntry | None:
    """The bid's place in the confirmed shortlist, with the panel's feedback, for whoever may
    see the bid (its applicants included); None before the shortlist is confirmed."""
    bid = bid_get(actor=actor, bid_id=bid.pk)
    return (
        ShortlistEntry.objects.filter(bid=bid, shortlist__confirmed_at__isnull=False)
        .select_related("shortlist")
        .first()
    )


def shortlist_rule_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in ShortlistRule.choices]
