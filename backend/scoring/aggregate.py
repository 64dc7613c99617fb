"""Panel score aggregation: a pure, exact function an auditor can recompute by hand.

Plain Python (standard library only, no Django): the services load the rubric, the submitted
sheets, the conflicts register and the chair's moderations, and pass them here as frozen
dataclasses. Every number is an exact ``Fraction``; the only approximation is a square root (see
*Square roots* below). No floats anywhere.

The formulas, in the order they are applied
-------------------------------------------

Conflicts. A sheet by scorer *r* on bid *b* is dropped before anything else when (*r*, *b*) is in
the conflicts register, even if the caller passed it in. It then counts nowhere: not in the bid's
scores, not in the scorer's calibration statistics, not in the panel's mean and spread.

Weighted total of one sheet, on 0-100 (criterion *c* with weight w_c, score s_c in 0..scale_max)::

    total = 100 * sum(w_c * s_c) / (scale_max * sum(w_c))

A sheet must score every criterion of the rubric and nothing else, with integers in
0..scale_max; anything else raises ``ValueError`` naming the scorer, the bid and the criterion.

Raw bid score: the mean of the totals of the bid's included sheets::

    raw = sum(total_i) / n

Disagreement: ``range = max(total_i) - min(total_i)`` over the bid's raw totals; the bid is flagged
when ``range > disagreement_threshold`` (a range equal to the threshold is not a disagreement).

Too few scorers: flagged when the bid has fewer than ``min_scorers`` included sheets.

Calibration (only when ``settings.calibrate``). Each scorer *r* is described by their own included
sheets, on every bid passed in (not only the bids being reported)::

    m_r = mean of r's totals
    v_r = sum((t - m_r)^2) / n_r               (population variance)
    sd_r = sqrt(v_r)

and the panel by all included sheets of all scorers::

    M = mean of all totals
    V = population variance of all totals,  S = sqrt(V)

A sheet's standard score and calibrated total are::

    z = (t - m_r) / sd_r
    calibrated = CALIBRATED_CENTRE + z * CALIBRATED_SPREAD  =  50 + z * 50/3

so a harsh and a lenient scorer, or a cautious and a bold one, count alike: a scorer's average
sheet scores 50, and each of their own standard deviations above it adds 16.67 points (three
standard deviations span 0-100). The anchors are fixed rather than taken from the panel's M and
S, so that one scorer adding a constant to all their scores, or stretching them, changes nothing
at all: not their calibrated totals, and not anyone else's. (M and S are still reported, to show
how the panel's raw totals spread.) A scorer with fewer than ``CALIBRATION_MIN_SHEETS`` (3)
sheets, or whose totals are all equal (sd_r = 0), is not standardised: their sheets' calibrated
totals are their raw totals, and the scorer carries a ``Fallback`` saying why; S = 0 only when
every total on the panel is equal, and ``panel_sd_zero`` says so. Calibrated totals are not
clipped: beyond three standard deviations they fall outside 0-100.

Calibrated bid score: the mean of the bid's calibrated sheet totals. A bid is flagged
``uses_fallback`` when calibrating and any of its scorers fell back.

Score used: the chair's moderated score when the bid has a moderation; otherwise the calibrated
score when calibrating; otherwise the raw score. A bid with no included sheet has no raw or
calibrated score (``None``) and is flagged too few scorers; a moderation still gives it a score.

Square roots
------------

A square root of an exact fraction p/q (in lowest terms) is computed as ``sqrt(p*q) / q`` where
``sqrt(p*q)`` is ``decimal``'s square root of the integer p*q in a fixed context:
``SQRT_PRECISION`` (40) significant digits, ROUND_HALF_EVEN (correctly rounded, so exact when
p*q is a perfect square), then converted back to a ``Fraction``. Its inputs are exact fractions
that do not depend on the order of the sheets or the scorers, so neither do the results.

To keep to one rounding per number, ``z`` is computed as ``sign(t - m_r) * sqrt((t - m_r)^2 / v_r)``
and ``calibrated`` as ``50 + sign(t - m_r) * sqrt((t - m_r)^2 * (50/3)^2 / v_r)``: the same formulas
rearranged, exact whenever the quantity under the root is the square of a fraction. Because
``(t - m_r)^2 / v_r`` is exactly unchanged when a scorer adds a constant to their totals or
multiplies their deviations by a positive factor, ``z`` and ``calibrated`` are exactly unchanged too.

Display: ``score_text`` rounds a fraction to two decimal places, half away from zero, as text
(``Fraction(2675, 1000)`` gives ``"2.68"``), for the UI and the CSV export.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

SQRT_PRECISION = 40
"""Significant digits of every square root (decimal context, ROUND_HALF_EVEN)."""

CALIBRATION_MIN_SHEETS = 3
"""A scorer with fewer included sheets than this is not standardised."""

DEFAULT_MIN_SCORERS = 3

CALIBRATED_CENTRE = Fraction(50)
"""A calibrated scorer's average sheet, on the 0-100 scale."""

CALIBRATED_SPREAD = Fraction(50, 3)
"""Points per standard deviation of a calibrated scorer: three of them span 0-100."""

DEFAULT_DISAGREEMENT_THRESHOLD = Fraction(20)
"""Points on the 0-100 scale: on a 1-5 scale, one whole level on every criterion."""

_SQRT_CONTEXT = decimal.Context(
    prec=SQRT_PRECISION,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

_HUNDRED = Fraction(100)


# Inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion and its weight (greater than 0)."""

    id: int
    weight: int | Fraction


@dataclass(frozen=True)
class Sheet:
    """One scorer's submitted scores for one bid: ``{criterion id: score in 0..scale_max}``."""

    scorer_id: int
    bid_id: int
    scores: Mapping[int, int]


@dataclass(frozen=True)
class AggregationSettings:
    """The fund's choices: calibrate or not, the disagreement threshold, the minimum scorers."""

    calibrate: bool = False
    disagreement_threshold: int | Fraction = DEFAULT_DISAGREEMENT_THRESHOLD
    min_scorers: int = DEFAULT_MIN_SCORERS


# Outputs ------------------------------------------------------------------------------------


class Fallback(StrEnum):
    """Why a scorer's raw totals stand in for calibrated ones."""

    TOO_FEW_SHEETS = "too_few_sheets"
    NO_VARIATION = "no_variation"


@dataclass(frozen=True)
class ScorerStats:
    """A scorer's own included sheets: how many, their mean and spread, and any fallback.

    ``fallback`` is what calibration would do with this scorer; it is reported even when the fund
    does not calibrate (the dashboard shows harsh and lenient scorers either way).
    """

    scorer_id: int
    sheet_count: int
    mean: Fraction
    variance: Fraction
    sd: Fraction
    fallback: Fallback | None


@dataclass(frozen=True)
class SheetResult:
    """One included sheet on a bid: its raw weighted total and, when calibrating, the rest.

    ``z`` is ``None`` when not calibrating or when the scorer fell back; ``calibrated`` is
    ``None`` only when not calibrating (it equals ``raw`` for a scorer who fell back).
    """

    scorer_id: int
    raw: Fraction
    z: Fraction | None
    calibrated: Fraction | None
    fallback: Fallback | None


@dataclass(frozen=True)
class BidAggregate:
    """Everything the chair, the shortlist and the auditor need about one bid's scores."""

    bid_id: int
    sheets: tuple[SheetResult, ...]  # ordered by scorer id
    raw_mean: Fraction | None
    calibrated_mean: Fraction | None
    moderated_score: Fraction | None
    moderation_reason: str | None
    score: Fraction | None  # moderated, else calibrated when calibrating, else raw
    range: Fraction | None  # max - min of the raw totals
    disagreement: bool
    too_few_scorers: bool
    moderated: bool
    uses_fallback: bool
    conflicted_scorer_ids: tuple[int, ...]  # scorers whose sheet here was dropped, ascending

    @property
    def scorer_count(self) -> int:
        return len(self.sheets)

    @property
    def flags(self) -> tuple[str, ...]:
        """The raised flags' names, in a fixed order, for templates, the API and the CSV."""
        named = (
            ("disagreement", self.disagreement),
            ("too_few_scorers", self.too_few_scorers),
            ("moderated", self.moderated),
            ("uses_fallback", self.uses_fallback),
        )
        return tuple(name for name, raised in named if raised)


@dataclass(frozen=True)
class Aggregation:
    """The bids in the order asked for, the scorers by id, and the panel's anchors M and S."""

    bids: tuple[BidAggregate, ...]
    scorers: tuple[ScorerStats, ...]
    calibrated: bool
    panel_mean: Fraction | None  # M; None when no sheet is included
    panel_sd: Fraction | None  # S
    panel_sd_zero: bool  # every included total is equal: calibrated = raw throughout
    sqrt_precision: int = field(default=SQRT_PRECISION)

    def bid(self, bid_id: int) -> BidAggregate:
        for result in self.bids:
            if result.bid_id == bid_id:
                return result
        raise KeyError(bid_id)

    def scorer(self, scorer_id: int) -> ScorerStats:
        for stats in self.scorers:
            if stats.scorer_id == scorer_id:
                return stats
        raise KeyError(scorer_id)


# Arithmetic ---------------------------------------------------------------------------------


def sqrt_fraction(value: Fraction) -> Fraction:
    """The square root of a non-negative fraction, to ``SQRT_PRECISION`` significant digits.

    sqrt(p/q) = sqrt(p*q) / q, the integer root taken by ``decimal`` (correctly rounded, exact for
    perfect squares) and the division done exactly.
    """
    if value < 0:
        raise ValueError(f"cannot take the square root of a negative number ({value})")
    if value == 0:
        return Fraction(0)
    root = decimal.Decimal(value.numerator * value.denominator).sqrt(_SQRT_CONTEXT)
    return Fraction(root) / value.denominator


def _signed_sqrt(sign_of: Fraction, square: Fraction) -> Fraction:
    root = sqrt_fraction(square)
    return -root if sign_of < 0 else root


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _variance(values: Sequence[Fraction], mean: Fraction) -> Fraction:
    return sum(((value - mean) ** 2 for value in values), Fraction(0)) / len(values)


def sheet_total(sheet: Sheet, criteria: Sequence[Criterion], scale_max: int) -> Fraction:
    """The sheet's weighted total on 0-100: ``100 * sum(w*s) / (scale_max * sum(w))``, exact."""
    _check_rubric(criteria, scale_max)
    return _sheet_total(sheet, criteria, scale_max)


def _sheet_total(sheet: Sheet, criteria: Sequence[Criterion], scale_max: int) -> Fraction:
    known = {criterion.id for criterion in criteria}
    for criterion_id in sheet.scores:
        if criterion_id not in known:
            raise ValueError(
                f"sheet of scorer {sheet.scorer_id} on bid {sheet.bid_id} scores criterion "
                f"{criterion_id}, which is not in the rubric"
            )
    weighted = Fraction(0)
    total_weight = Fraction(0)
    for criterion in criteria:
        if criterion.id not in sheet.scores:
            raise ValueError(
                f"sheet of scorer {sheet.scorer_id} on bid {sheet.bid_id} has no score for "
                f"criterion {criterion.id}"
            )
        score = sheet.scores[criterion.id]
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= scale_max:
            raise ValueError(
                f"sheet of scorer {sheet.scorer_id} on bid {sheet.bid_id} scores criterion "
                f"{criterion.id} {score!r}; scores are whole numbers from 0 to {scale_max}"
            )
        weight = Fraction(criterion.weight)
        weighted += weight * score
        total_weight += weight
    return _HUNDRED * weighted / (scale_max * total_weight)


def _check_rubric(criteria: Sequence[Criterion], scale_max: int) -> None:
    if isinstance(scale_max, bool) or not isinstance(scale_max, int) or scale_max < 1:
        raise ValueError(f"the top of the scale must be a whole number of at least 1 ({scale_max})")
    if not criteria:
        raise ValueError("the rubric has no criteria")
    seen: set[int] = set()
    for criterion in criteria:
        if criterion.id in seen:
            raise ValueError(f"criterion {criterion.id} appears twice in the rubric")
        seen.add(criterion.id)
        if Fraction(criterion.weight) <= 0:
            raise ValueError(f"criterion {criterion.id} has weight {criterion.weight}; must be > 0")


def _check_settings(settings: AggregationSettings) -> None:
    if Fraction(settings.disagreement_threshold) < 0:
        raise ValueError(
            f"the disagreement threshold must be 0 or more ({settings.disagreement_threshold})"
        )
    if isinstance(settings.min_scorers, bool) or settings.min_scorers < 1:
        raise ValueError(
            f"the minimum number of scorers must be at least 1 ({settings.min_scorers})"
        )


# Aggregation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Calibration:
    stats: dict[int, ScorerStats]
    panel_mean: Fraction | None
    panel_variance: Fraction | None


def _scorer_statistics(totals: Mapping[tuple[int, int], Fraction]) -> _Calibration:
    by_scorer: dict[int, list[Fraction]] = defaultdict(list)
    for (scorer_id, _bid_id), total in totals.items():
        by_scorer[scorer_id].append(total)
    stats: dict[int, ScorerStats] = {}
    for scorer_id, values in by_scorer.items():
        mean = _mean(values)
        variance = _variance(values, mean)
        fallback: Fallback | None = None
        if len(values) < CALIBRATION_MIN_SHEETS:
            fallback = Fallback.TOO_FEW_SHEETS
        elif variance == 0:
            fallback = Fallback.NO_VARIATION
        stats[scorer_id] = ScorerStats(
            scorer_id=scorer_id,
            sheet_count=len(values),
            mean=mean,
            variance=variance,
            sd=sqrt_fraction(variance),
            fallback=fallback,
        )
    everything = list(totals.values())
    if not everything:
        return _Calibration(stats=stats, panel_mean=None, panel_variance=None)
    panel_mean = _mean(everything)
    return _Calibration(
        stats=stats, panel_mean=panel_mean, panel_variance=_variance(everything, panel_mean)
    )


def _sheet_result(
    scorer_id: int, raw: Fraction, calibration: _Calibration, *, calibrate: bool
) -> SheetResult:
    stats = calibration.stats[scorer_id]
    if not calibrate:
        return SheetResult(
            scorer_id=scorer_id, raw=raw, z=None, calibrated=None, fallback=stats.fallback
        )
    if stats.fallback is not None:
        return SheetResult(
            scorer_id=scorer_id, raw=raw, z=None, calibrated=raw, fallback=stats.fallback
        )
    deviation = raw - stats.mean
    z_squared = deviation**2 / stats.variance
    z = _signed_sqrt(deviation, z_squared)
    calibrated = CALIBRATED_CENTRE + _signed_sqrt(deviation, z_squared * CALIBRATED_SPREAD**2)
    return SheetResult(scorer_id=scorer_id, raw=raw, z=z, calibrated=calibrated, fallback=None)


def aggregate_scores(
    *,
    criteria: Sequence[Criterion],
    scale_max: int,
    sheets: Iterable[Sheet],
    conflicts: Collection[tuple[int, int]],
    bid_ids: Sequence[int],
    settings: AggregationSettings,
    moderations: Mapping[int, tuple[Fraction, str]] | None = None,
) -> Aggregation:
    """Aggregate the panel's submitted sheets into one result per bid (see the module docstring).

    ``conflicts`` holds (scorer id, bid id) pairs. ``sheets`` may include sheets on bids not in
    ``bid_ids``: they count in their scorer's calibration and the panel's M and S, and are not
    reported. ``moderations`` maps a bid id to (moderated score on 0-100, reason); those of bids not
    reported are ignored. Raises ``ValueError`` on an invalid rubric, sheet, setting or moderation.
    The result does not depend on the order of ``sheets`` or on how scorers are numbered.
    """
    _check_rubric(criteria, scale_max)
    _check_settings(settings)
    moderations = moderations or {}
    if len(set(bid_ids)) != len(bid_ids):
        raise ValueError("a bid appears twice in the bids to report")
    conflicted = {(scorer_id, bid_id) for scorer_id, bid_id in conflicts}

    totals: dict[tuple[int, int], Fraction] = {}
    dropped: dict[int, set[int]] = defaultdict(set)
    seen: set[tuple[int, int]] = set()
    for sheet in sheets:
        key = (sheet.scorer_id, sheet.bid_id)
        if key in seen:
            raise ValueError(f"scorer {sheet.scorer_id} has two sheets on bid {sheet.bid_id}")
        seen.add(key)
        if key in conflicted:
            dropped[sheet.bid_id].add(sheet.scorer_id)
            continue
        totals[key] = _sheet_total(sheet, criteria, scale_max)

    calibration = _scorer_statistics(totals)
    panel_sd = (
        None if calibration.panel_variance is None else sqrt_fraction(calibration.panel_variance)
    )
    by_bid: dict[int, list[tuple[int, Fraction]]] = defaultdict(list)
    for (scorer_id, bid_id), total in totals.items():
        by_bid[bid_id].append((scorer_id, total))

    threshold = Fraction(settings.disagreement_threshold)
    results = []
    for bid_id in bid_ids:
        moderation = moderations.get(bid_id)
        moderated_score: Fraction | None = None
        reason: str | None = None
        if moderation is not None:
            moderated_score, reason = Fraction(moderation[0]), moderation[1]
            if not 0 <= moderated_score <= 100:
                raise ValueError(
                    f"the moderated score of bid {bid_id} must be from 0 to 100 ({moderated_score})"
                )
            if not reason.strip():
                raise ValueError(f"the moderation of bid {bid_id} needs a reason")
        sheet_results = tuple(
            _sheet_result(scorer_id, raw, calibration, calibrate=settings.calibrate)
            for scorer_id, raw in sorted(by_bid.get(bid_id, []))
        )
        raws = [sheet.raw for sheet in sheet_results]
        raw_mean = _mean(raws) if raws else None
        calibrated_mean: Fraction | None = None
        if settings.calibrate and sheet_results:
            calibrated_mean = _mean(
                [sheet.calibrated for sheet in sheet_results if sheet.calibrated is not None]
            )
        spread = max(raws) - min(raws) if raws else None
        score: Fraction | None
        if moderated_score is not None:
            score = moderated_score
        elif settings.calibrate:
            score = calibrated_mean
        else:
            score = raw_mean
        results.append(
            BidAggregate(
                bid_id=bid_id,
                sheets=sheet_results,
                raw_mean=raw_mean,
                calibrated_mean=calibrated_mean,
                moderated_score=moderated_score,
                moderation_reason=reason,
                score=score,
                range=spread,
                disagreement=spread is not None and spread > threshold,
                too_few_scorers=len(sheet_results) < settings.min_scorers,
                moderated=moderated_score is not None,
                uses_fallback=settings.calibrate
                and any(sheet.fallback is not None for sheet in sheet_results),
                conflicted_scorer_ids=tuple(sorted(dropped.get(bid_id, ()))),
            )
        )
    return Aggregation(
        bids=tuple(results),
        scorers=tuple(calibration.stats[key] for key in sorted(calibration.stats)),
        calibrated=settings.calibrate,
        panel_mean=calibration.panel_mean,
        panel_sd=panel_sd,
        panel_sd_zero=panel_sd == 0,
    )


# Display ------------------------------------------------------------------------------------


def score_text(value: Fraction | int, places: int = 2) -> str:
    """``value`` rounded half away from zero to ``places`` decimals, as text: ``"72.50"``.

    Exact (no float): 2.675 gives "2.68", -0.005 gives "-0.01", and a value that rounds to zero
    is "0.00", never "-0.00".
    """
    if places < 0:
        raise ValueError("places must be 0 or more")
    exact = Fraction(value)
    scale = 10**places
    scaled = abs(exact) * scale
    units = int(scaled + Fraction(1, 2))  # floor of a non-negative number: half rounds up
    sign = "-" if exact < 0 and units else ""
    whole, part = divmod(units, scale)
    return f"{sign}{whole}.{part:0{places}d}" if places else f"{sign}{whole}"
