"""Panel score aggregation: worked examples checked by hand, then hypothesis properties.

The generators keep every criterion score within 0..scale_max, because ``aggregate_scores``
refuses a score outside the scale (tested below): the "add a constant" and "stretch the
deviations" properties draw the changed scorer's scores with enough headroom.

On "a scorer adding a constant changes nothing under calibration": the panel's anchors M and S
are, by design, the mean and spread of all included raw totals, so they move when any scorer's
totals move. What is exactly unchanged is every sheet's standard score z (computed from the exact
fraction (t - m)^2 / v), and so every bid's standing on the panel's scale, (calibrated - M) / S,
which equals the mean z of its sheets when none of its scorers fell back.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Context, Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.scoring.aggregate import (
    CALIBRATION_MIN_SHEETS,
    SQRT_PRECISION,
    Aggregation,
    AggregationSettings,
    BidAggregate,
    Criterion,
    Fallback,
    Sheet,
    aggregate_scores,
    score_text,
    sheet_total,
    sqrt_fraction,
)

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TINY = Fraction(1, 10**30)  # far above the 40-digit square roots' error, far below 0.005


def run(
    criteria: list[Criterion],
    scale_max: int,
    sheets: list[Sheet],
    bid_ids: list[int],
    *,
    calibrate: bool = False,
    threshold: Fraction | int = 20,
    min_scorers: int = 3,
    conflicts: frozenset[tuple[int, int]] = frozenset(),
    moderations: dict[int, tuple[Fraction, str]] | None = None,
) -> Aggregation:
    return aggregate_scores(
        criteria=criteria,
        scale_max=scale_max,
        sheets=sheets,
        conflicts=conflicts,
        bid_ids=bid_ids,
        settings=AggregationSettings(
            calibrate=calibrate, disagreement_threshold=threshold, min_scorers=min_scorers
        ),
        moderations=moderations,
    )


# Worked examples ----------------------------------------------------------------------------

# Two criteria, weights 2 and 1, scale 0..5: a total is 100 * (2*s1 + s2) / (5 * 3).
TWO_CRITERIA = [Criterion(id=1, weight=2), Criterion(id=2, weight=1)]
A, B, C = 11, 12, 13  # scorers


def weighted_example() -> list[Sheet]:
    return [
        # Bid 1. A: 2*4 + 3 = 11 -> 1100/15 = 220/3 (73.33)
        Sheet(scorer_id=A, bid_id=1, scores={1: 4, 2: 3}),
        # B: 2*5 + 5 = 15 -> 1500/15 = 100
        Sheet(scorer_id=B, bid_id=1, scores={1: 5, 2: 5}),
        # C: 2*2 + 1 = 5 -> 500/15 = 100/3 (33.33)
        Sheet(scorer_id=C, bid_id=1, scores={1: 2, 2: 1}),
        # Bid 2. A: 2*3 + 3 = 9 -> 60
        Sheet(scorer_id=A, bid_id=2, scores={1: 3, 2: 3}),
        # B: 2*3 + 4 = 10 -> 200/3 (66.67)
        Sheet(scorer_id=B, bid_id=2, scores={1: 3, 2: 4}),
        # C is conflicted on bid 2: this sheet (total 0) must count nowhere.
        Sheet(scorer_id=C, bid_id=2, scores={1: 0, 2: 0}),
    ]


def test_weighted_totals_means_and_flags_by_hand() -> None:
    result = run(
        TWO_CRITERIA,
        5,
        weighted_example(),
        [1, 2, 3],
        conflicts=frozenset({(C, 2)}),
    )
    bid1, bid2, bid3 = result.bids
    assert [(s.scorer_id, s.raw) for s in bid1.sheets] == [
        (A, Fraction(220, 3)),
        (B, Fraction(100)),
        (C, Fraction(100, 3)),
    ]
    # (220/3 + 300/3 + 100/3) / 3 = 620/9 = 68.888...
    assert bid1.raw_mean == Fraction(620, 9)
    assert score_text(bid1.raw_mean) == "68.89"
    assert bid1.score == bid1.raw_mean  # not calibrating, not moderated
    assert bid1.calibrated_mean is None
    # Range 100 - 100/3 = 200/3 (66.67) > 20.
    assert bid1.range == Fraction(200, 3)
    assert bid1.disagreement
    assert not bid1.too_few_scorers
    assert bid1.flags == ("disagreement",)

    # Bid 2: C's sheet is dropped; (60 + 200/3) / 2 = 190/3 (63.33); range 20/3 <= 20.
    assert [s.scorer_id for s in bid2.sheets] == [A, B]
    assert bid2.conflicted_scorer_ids == (C,)
    assert bid2.raw_mean == Fraction(190, 3)
    assert bid2.range == Fraction(20, 3)
    assert not bid2.disagreement
    assert bid2.too_few_scorers  # 2 < 3
    assert bid2.scorer_count == 2

    # Bid 3: nobody scored it.
    assert bid3.sheets == ()
    assert bid3.raw_mean is bid3.calibrated_mean is bid3.score is bid3.range is None
    assert bid3.too_few_scorers
    assert not bid3.disagreement

    # C's statistics know only C's bid-1 sheet.
    assert result.scorer(C).sheet_count == 1
    assert result.scorer(C).fallback is Fallback.TOO_FEW_SHEETS


def test_moderation_overrides_the_score_and_keeps_the_rest() -> None:
    moderations = {2: (Fraction(65), "Scorer B misread the budget; agreed at panel meeting")}
    plain = run(TWO_CRITERIA, 5, weighted_example(), [1, 2], conflicts=frozenset({(C, 2)}))
    moderated = run(
        TWO_CRITERIA,
        5,
        weighted_example(),
        [1, 2],
        conflicts=frozenset({(C, 2)}),
        moderations=moderations,
    )
    bid2 = moderated.bid(2)
    assert bid2.score == 65
    assert bid2.moderated
    assert bid2.moderated_score == 65
    assert bid2.moderation_reason == moderations[2][1]
    assert bid2.raw_mean == Fraction(190, 3)  # the raw score is still shown
    assert bid2.flags == ("too_few_scorers", "moderated")
    assert moderated.bid(1) == plain.bid(1)


def test_a_moderation_gives_an_unscored_bid_a_score() -> None:
    result = run(TWO_CRITERIA, 5, [], [7], moderations={7: (Fraction(40), "scored at meeting")})
    assert result.bid(7).score == 40
    assert result.bid(7).raw_mean is None
    assert result.bid(7).too_few_scorers


# One criterion, weight 1, scale 0..10: a total is 10 * score.
ONE_CRITERION = [Criterion(id=1, weight=1)]
HARSH, LENIENT, NEWCOMER, FLAT = 1, 2, 3, 4


def sheet(scorer: int, bid: int, score: int) -> Sheet:
    return Sheet(scorer_id=scorer, bid_id=bid, scores={1: score})


def calibration_example() -> list[Sheet]:
    return [
        # Harsh: 20, 40, 60. m = 40, v = (400 + 0 + 400) / 3 = 800/3.
        sheet(HARSH, 1, 2),
        sheet(HARSH, 2, 4),
        sheet(HARSH, 3, 6),
        # Lenient: 50, 60, 70. m = 60, v = (100 + 0 + 100) / 3 = 200/3.
        sheet(LENIENT, 1, 5),
        sheet(LENIENT, 2, 6),
        sheet(LENIENT, 3, 7),
    ]


def test_calibration_by_hand() -> None:
    # Panel: 20 40 60 50 60 70, M = 300/6 = 50; squared deviations 900 100 100 0 100 400,
    # V = 1600/6 = 800/3, S = sqrt(800/3) = 16.3299... (reported, not used as anchors).
    # Harsh on bid 1: z^2 = (20 - 40)^2 / (800/3) = 3/2, z = -1.2247...;
    #   calibrated = 50 - (50/3) * sqrt(3/2) = 50 - sqrt(3/2 * 2500/9) = 50 - 20.4124... = 29.59
    # Lenient on bid 1: z^2 = (50 - 60)^2 / (200/3) = 3/2: the same z, the same 29.59.
    # Bid 2: both z = 0, calibrated 50. Bid 3: both +sqrt(3/2), calibrated 70.41.
    result = run(ONE_CRITERION, 10, calibration_example(), [1, 2, 3], calibrate=True)
    assert result.panel_mean == 50
    assert result.panel_sd is not None
    assert abs(result.panel_sd**2 - Fraction(800, 3)) < TINY
    assert score_text(result.panel_sd) == "16.33"
    assert result.scorer(HARSH).mean == 40
    assert result.scorer(HARSH).variance == Fraction(800, 3)
    assert result.scorer(LENIENT).variance == Fraction(200, 3)

    bid1, bid2, bid3 = result.bids
    harsh, lenient = bid1.sheets
    assert harsh.calibrated == lenient.calibrated
    assert harsh.calibrated is not None
    assert abs((50 - harsh.calibrated) ** 2 - Fraction(3, 2) * Fraction(2500, 9)) < TINY
    assert score_text(harsh.calibrated) == "29.59"
    assert harsh.z == lenient.z
    assert harsh.z is not None
    assert abs(harsh.z**2 - Fraction(3, 2)) < TINY
    assert harsh.z < 0
    assert bid1.raw_mean == 35
    assert bid1.score == bid1.calibrated_mean == harsh.calibrated
    assert (bid2.raw_mean, bid2.calibrated_mean) == (50, 50)
    assert bid3.raw_mean == 65
    assert bid3.calibrated_mean is not None
    assert score_text(bid3.calibrated_mean) == "70.41"
    assert bid1.calibrated_mean is not None
    assert bid1.calibrated_mean + bid3.calibrated_mean == 100
    assert not any(bid.uses_fallback for bid in result.bids)
    assert not result.panel_sd_zero


def test_calibration_fallbacks_by_hand() -> None:
    extra = [
        # Newcomer: two sheets, 80 and 30 -> too few to standardise.
        sheet(NEWCOMER, 1, 8),
        sheet(NEWCOMER, 2, 3),
        # Flat: 50 on three bids -> no variation.
        sheet(FLAT, 1, 5),
        sheet(FLAT, 2, 5),
        sheet(FLAT, 3, 5),
    ]
    result = run(ONE_CRITERION, 10, calibration_example() + extra, [1, 2, 3], calibrate=True)
    assert result.scorer(NEWCOMER).fallback is Fallback.TOO_FEW_SHEETS
    assert result.scorer(NEWCOMER).mean == 55
    assert result.scorer(NEWCOMER).sd == 25  # sqrt((25^2 + 25^2) / 2)
    assert result.scorer(FLAT).fallback is Fallback.NO_VARIATION
    assert result.scorer(FLAT).sd == 0
    assert result.scorer(HARSH).fallback is None
    # Panel: 300 + 80 + 30 + 150 = 560 over 11 sheets.
    assert result.panel_mean == Fraction(560, 11)
    for bid in result.bids:
        assert bid.uses_fallback
        assert "uses_fallback" in bid.flags
        for result_sheet in bid.sheets:
            if result_sheet.scorer_id in (NEWCOMER, FLAT):
                assert result_sheet.calibrated == result_sheet.raw
                assert result_sheet.z is None
            else:
                assert result_sheet.z is not None
    # Bid 3 by hand: harsh and lenient both z = +sqrt(3/2); flat stays at 50.
    bid3 = result.bid(3)
    harsh = bid3.sheets[0]
    assert harsh.calibrated is not None
    assert bid3.calibrated_mean == (2 * harsh.calibrated + 50) / 3


def test_no_variation_anywhere_means_calibrated_equals_raw() -> None:
    sheets = [sheet(scorer, bid, 7) for scorer in (1, 2, 3) for bid in (1, 2, 3)]
    result = run(ONE_CRITERION, 10, sheets, [1, 2, 3], calibrate=True)
    assert result.panel_sd == 0
    assert result.panel_sd_zero
    assert all(stats.fallback is Fallback.NO_VARIATION for stats in result.scorers)
    assert all(bid.calibrated_mean == bid.raw_mean == 70 for bid in result.bids)
    assert all(bid.uses_fallback for bid in result.bids)


def test_not_calibrating_reports_no_fallback_flag() -> None:
    result = run(ONE_CRITERION, 10, calibration_example()[:2], [1])
    assert not result.bid(1).uses_fallback
    assert result.bid(1).sheets[0].fallback is Fallback.TOO_FEW_SHEETS  # what calibration would do


def test_flag_boundaries_by_hand() -> None:
    # Bid 1 totals 20 and 50: range exactly 30.
    sheets = [sheet(1, 1, 2), sheet(2, 1, 5)]
    at = run(ONE_CRITERION, 10, sheets, [1], threshold=30, min_scorers=2)
    assert not at.bid(1).disagreement  # range == threshold is not a disagreement
    assert not at.bid(1).too_few_scorers  # 2 sheets, minimum 2
    over = run(ONE_CRITERION, 10, sheets, [1], threshold=Fraction(2999, 100), min_scorers=3)
    assert over.bid(1).disagreement  # 30 > 29.99
    assert over.bid(1).too_few_scorers  # 2 < 3


def test_default_settings() -> None:
    default = AggregationSettings()
    assert default.min_scorers == 3
    assert default.disagreement_threshold == 20
    assert default.calibrate is False


def test_a_sheet_missing_a_criterion_is_an_error_naming_it() -> None:
    incomplete = Sheet(scorer_id=41, bid_id=42, scores={1: 3})
    with pytest.raises(ValueError, match=r"scorer 41 on bid 42 has no score for criterion 2"):
        run(TWO_CRITERIA, 5, [incomplete], [42])
    with pytest.raises(ValueError, match="criterion 2"):
        sheet_total(incomplete, TWO_CRITERIA, 5)


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ({1: 6, 2: 0}, r"scorer 1 on bid 2 scores criterion 1 6; scores are whole numbers from 0"),
        ({1: -1, 2: 0}, "from 0 to 5"),
        ({1: True, 2: 0}, "whole numbers"),
        ({1: 1, 2: 1, 9: 1}, "criterion 9, which is not in the rubric"),
    ],
)
def test_a_score_off_the_scale_is_an_error(scores: dict[int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run(TWO_CRITERIA, 5, [Sheet(scorer_id=1, bid_id=2, scores=scores)], [2])


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="weight 0"):
        run([Criterion(id=1, weight=0)], 5, [], [1])
    with pytest.raises(ValueError, match="appears twice in the rubric"):
        run([Criterion(id=1, weight=1)] * 2, 5, [], [1])
    with pytest.raises(ValueError, match="top of the scale"):
        run(ONE_CRITERION, 0, [], [1])
    with pytest.raises(ValueError, match="two sheets on bid 1"):
        run(ONE_CRITERION, 10, [sheet(1, 1, 2), sheet(1, 1, 3)], [1])
    with pytest.raises(ValueError, match="twice in the bids"):
        run(ONE_CRITERION, 10, [], [1, 1])
    with pytest.raises(ValueError, match="disagreement threshold"):
        run(ONE_CRITERION, 10, [], [1], threshold=-1)
    with pytest.raises(ValueError, match="minimum number of scorers"):
        run(ONE_CRITERION, 10, [], [1], min_scorers=0)
    with pytest.raises(ValueError, match="from 0 to 100"):
        run(ONE_CRITERION, 10, [], [1], moderations={1: (Fraction(101), "too generous")})
    with pytest.raises(ValueError, match="needs a reason"):
        run(ONE_CRITERION, 10, [], [1], moderations={1: (Fraction(50), "  ")})


def test_square_roots_are_exact_for_squares_and_40_digits_otherwise() -> None:
    assert sqrt_fraction(Fraction(9, 4)) == Fraction(3, 2)
    assert sqrt_fraction(Fraction(400)) == 20
    assert sqrt_fraction(Fraction(0)) == 0
    root_two = sqrt_fraction(Fraction(2))
    assert root_two == Fraction(Decimal(2).sqrt(Context(prec=SQRT_PRECISION)))
    assert abs(root_two**2 - 2) < Fraction(1, 10**38)
    with pytest.raises(ValueError, match="negative"):
        sqrt_fraction(Fraction(-1))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(620, 9), "68.89"),
        (Fraction(2675, 1000), "2.68"),  # a float would say 2.67
        (Fraction(1, 200), "0.01"),
        (Fraction(1, 300), "0.00"),
        (Fraction(-1, 200), "-0.01"),
        (Fraction(-1, 300), "0.00"),
        (Fraction(100), "100.00"),
        (Fraction(0), "0.00"),
        (Fraction(99999, 1000), "100.00"),
    ],
)
def test_score_text_rounds_half_away_from_zero(value: Fraction, text: str) -> None:
    assert score_text(value) == text


def test_score_text_other_places() -> None:
    assert score_text(Fraction(5, 2), places=0) == "3"
    assert score_text(Fraction(1, 3), places=4) == "0.3333"


# Properties ---------------------------------------------------------------------------------


@st.composite
def panels(
    draw: st.DrawFn, *, min_bids: int = 1, full_scorer: bool = False, headroom: int = 0
) -> tuple[list[Criterion], int, list[Sheet], list[int], frozenset[tuple[int, int]]]:
    """A small random panel: rubric, scale, sheets, bids and conflicts.

    Scorer 1 scores every bid when ``full_scorer``, and keeps ``headroom`` below the top of the
    scale (for the "add a constant" property).
    """
    scale_max = draw(st.integers(min_value=max(1, headroom + 1), max_value=6))
    weights = draw(st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=3))
    criteria = [Criterion(id=index + 1, weight=weight) for index, weight in enumerate(weights)]
    bid_ids = list(range(1, draw(st.integers(min_value=min_bids, max_value=5)) + 1))
    scorer_ids = list(range(1, draw(st.integers(min_value=1, max_value=5)) + 1))
    sheets = []
    for scorer_id in scorer_ids:
        for bid_id in bid_ids:
            if not (full_scorer and scorer_id == 1) and not draw(st.booleans()):
                continue
            top = scale_max - headroom if scorer_id == 1 else scale_max
            scores = {
                criterion.id: draw(st.integers(min_value=0, max_value=top))
                for criterion in criteria
            }
            sheets.append(Sheet(scorer_id=scorer_id, bid_id=bid_id, scores=scores))
    pairs = [(scorer_id, bid_id) for scorer_id in scorer_ids for bid_id in bid_ids]
    conflicts = frozenset(
        pair for pair in pairs if (pair[0] != 1 or not full_scorer) and draw(st.booleans())
    )
    return criteria, scale_max, sheets, bid_ids, conflicts


def relabelled(result: BidAggregate, labels: dict[int, int]) -> BidAggregate:
    return replace(
        result,
        sheets=tuple(
            sorted(
                (replace(s, scorer_id=labels[s.scorer_id]) for s in result.sheets),
                key=lambda s: s.scorer_id,
            )
        ),
        conflicted_scorer_ids=tuple(sorted(labels[s] for s in result.conflicted_scorer_ids)),
    )


@PROPERTY
@given(panel=panels(), calibrate=st.booleans(), seed=st.randoms(use_true_random=False))
def test_permuting_sheets_and_relabelling_scorers_changes_nothing(
    panel: tuple[list[Criterion], int, list[Sheet], list[int], frozenset[tuple[int, int]]],
    calibrate: bool,
    seed: random.Random,
) -> None:
    criteria, scale_max, sheets, bid_ids, conflicts = panel
    before = run(criteria, scale_max, sheets, bid_ids, calibrate=calibrate, conflicts=conflicts)
    old = sorted({s.scorer_id for s in sheets} | {pair[0] for pair in conflicts})
    new = seed.sample(range(100, 200), len(old))
    labels = dict(zip(old, new, strict=True))
    shuffled = [replace(s, scorer_id=labels[s.scorer_id]) for s in sheets]
    seed.shuffle(shuffled)
    criteria_shuffled = list(criteria)
    seed.shuffle(criteria_shuffled)
    after = run(
        criteria_shuffled,
        scale_max,
        shuffled,
        bid_ids,
        calibrate=calibrate,
        conflicts=frozenset((labels[scorer], bid) for scorer, bid in conflicts),
    )
    assert [relabelled(bid, labels) for bid in before.bids] == list(after.bids)
    assert (before.panel_mean, before.panel_sd) == (after.panel_mean, after.panel_sd)
    assert {
        labels[s.scorer_id]: replace(s, scorer_id=labels[s.scorer_id]) for s in before.scorers
    } == {s.scorer_id: s for s in after.scorers}


def assert_same_calibration(before: Aggregation, after: Aggregation) -> None:
    """Every sheet's z and calibrated total, and every bid's calibrated score, are identical."""
    for old, new in zip(before.bids, after.bids, strict=True):
        assert [(s.scorer_id, s.z, s.calibrated, s.fallback) for s in old.sheets] == [
            (s.scorer_id, s.z, s.calibrated, s.fallback) for s in new.sheets
        ]
        assert (old.calibrated_mean, old.score) == (new.calibrated_mean, new.score)


@PROPERTY
@given(
    panel=panels(min_bids=3, full_scorer=True, headroom=1),
    data=st.data(),
)
def test_a_scorer_adding_a_constant_changes_nothing_under_calibration(
    panel: tuple[list[Criterion], int, list[Sheet], list[int], frozenset[tuple[int, int]]],
    data: st.DataObject,
) -> None:
    criteria, scale_max, sheets, bid_ids, conflicts = panel
    top = max(score for s in sheets if s.scorer_id == 1 for score in s.scores.values())
    constant = data.draw(st.integers(min_value=1, max_value=scale_max - top), label="constant")
    shifted = [
        replace(s, scores={c: v + constant for c, v in s.scores.items()}) if s.scorer_id == 1 else s
        for s in sheets
    ]
    before = run(criteria, scale_max, sheets, bid_ids, calibrate=True, conflicts=conflicts)
    after = run(criteria, scale_max, shifted, bid_ids, calibrate=True, conflicts=conflicts)
    # Scorer 1's totals all moved by 100 * constant / scale_max; their spread did not.
    moved = Fraction(100 * constant, scale_max)
    assert after.scorer(1).mean == before.scorer(1).mean + moved
    assert after.scorer(1).variance == before.scorer(1).variance
    if before.scorer(1).fallback is not None:
        # A scorer who cannot be standardised counts with their raw totals: those moved.
        assert after.scorer(1).fallback == before.scorer(1).fallback
        return
    assert_same_calibration(before, after)


@PROPERTY
@given(
    scale_max=st.integers(min_value=2, max_value=8),
    factor=st.integers(min_value=2, max_value=8),
    data=st.data(),
)
def test_stretching_a_scorers_deviations_changes_nothing_under_calibration(
    scale_max: int, factor: int, data: st.DataObject
) -> None:
    factor = min(factor, scale_max)
    weights = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3), label="weights")
    criteria = [Criterion(id=index + 1, weight=weight) for index, weight in enumerate(weights)]
    bid_ids = list(range(1, data.draw(st.integers(3, 4), label="bids") + 1))
    base = {c.id: data.draw(st.integers(0, scale_max - factor)) for c in criteria}
    steps = {
        bid: {c.id: data.draw(st.integers(0, 1)) for c in criteria} for bid in bid_ids
    }  # scorer 1's sheets: base + step (narrow) or base + factor * step (wide)
    others = [
        Sheet(
            scorer_id=scorer,
            bid_id=bid,
            scores={c.id: data.draw(st.integers(0, scale_max)) for c in criteria},
        )
        for scorer in (2, 3)
        for bid in bid_ids
        if data.draw(st.booleans())
    ]

    def scorer_one(multiplier: int) -> list[Sheet]:
        return [
            Sheet(
                scorer_id=1,
                bid_id=bid,
                scores={c: base[c] + multiplier * steps[bid][c] for c in base},
            )
            for bid in bid_ids
        ]

    narrow = run(criteria, scale_max, scorer_one(1) + others, bid_ids, calibrate=True)
    wide = run(criteria, scale_max, scorer_one(factor) + others, bid_ids, calibrate=True)
    assert wide.scorer(1).variance == factor**2 * narrow.scorer(1).variance
    if narrow.scorer(1).fallback is not None:
        assert wide.scorer(1).fallback == narrow.scorer(1).fallback  # raw totals, covered below
        return
    assert_same_calibration(narrow, wide)


@PROPERTY
@given(panel=panels())
def test_fallbacks_use_raw_totals_and_are_flagged(
    panel: tuple[list[Criterion], int, list[Sheet], list[int], frozenset[tuple[int, int]]],
) -> None:
    criteria, scale_max, sheets, bid_ids, conflicts = panel
    result = run(criteria, scale_max, sheets, bid_ids, calibrate=True, conflicts=conflicts)
    totals: dict[int, list[Fraction]] = {}
    for s in sheets:
        if (s.scorer_id, s.bid_id) not in conflicts:
            totals.setdefault(s.scorer_id, []).append(sheet_total(s, criteria, scale_max))
    for stats in result.scorers:
        own = totals[stats.scorer_id]
        if len(own) < CALIBRATION_MIN_SHEETS:
            assert stats.fallback is Fallback.TOO_FEW_SHEETS
        elif len(set(own)) == 1:
            assert stats.fallback is Fallback.NO_VARIATION
        else:
            assert stats.fallback is None
    fell_back = {stats.scorer_id for stats in result.scorers if stats.fallback is not None}
    for bid in result.bids:
        assert bid.uses_fallback == any(s.scorer_id in fell_back for s in bid.sheets)
        for s in bid.sheets:
            if s.scorer_id in fell_back:
                assert s.calibrated == s.raw
                assert s.z is None
            else:
                assert s.z is not None
    if result.panel_sd == 0:
        assert fell_back == set(totals)  # S = 0 only when everybody fell back


@PROPERTY
@given(panel=panels(), calibrate=st.booleans())
def test_conflicted_sheets_never_count(
    panel: tuple[list[Criterion], int, list[Sheet], list[int], frozenset[tuple[int, int]]],
    calibrate: bool,
) -> None:
    criteria, scale_max, sheets, bid_ids, conflicts = panel
    passed_in = run(criteria, scale_max, sheets, bid_ids, calibrate=calibrate, conflicts=conflicts)
    left_out = [s for s in sheets if (s.scorer_id, s.bid_id) not in conflicts]
    clean = run(criteria, scale_max, left_out, bid_ids, calibrate=calibrate, conflicts=conflicts)
    assert [replace(bid, conflicted_scorer_ids=()) for bid in passed_in.bids] == list(clean.bids)
    assert passed_in.scorers == clean.scorers
    assert (passed_in.panel_mean, passed_in.panel_sd) == (clean.panel_mean, clean.panel_sd)
    for bid in passed_in.bids:
        assert not any((s.scorer_id, bid.bid_id) in conflicts for s in bid.sheets)
        assert set(bid.conflicted_scorer_ids) == {
            s.scorer_id
            for s in sheets
            if s.bid_id == bid.bid_id and (s.scorer_id, s.bid_id) in conflicts
        }


@PROPERTY
@given(panel=panels(), calibrate=st.booleans(), data=st.data())
def test_disagreement_and_too_few_flags_at_their_boundaries(
    panel: tuple[list[Criterion], int, list[Sheet], list[int], frozenset[tuple[int, int]]],
    calibrate: bool,
    data: st.DataObject,
) -> None:
    criteria, scale_max, sheets, bid_ids, conflicts = panel
    probe = run(criteria, scale_max, sheets, bid_ids, conflicts=conflicts)
    bid = data.draw(st.sampled_from(probe.bids), label="bid")
    count = bid.scorer_count

    def flags_of(threshold: Fraction, min_scorers: int) -> BidAggregate:
        return run(
            criteria,
            scale_max,
            sheets,
            bid_ids,
            calibrate=calibrate,
            threshold=threshold,
            min_scorers=min_scorers,
            conflicts=conflicts,
        ).bid(bid.bid_id)

    if bid.range is None:
        assert not flags_of(Fraction(0), 1).disagreement
    else:
        at = flags_of(bid.range, max(count, 1))
        assert not at.disagreement  # range == threshold: not a disagreement
        if bid.range > 0:
            assert flags_of(bid.range - Fraction(1, 10**6), 1).disagreement
        if raws := [s.raw for s in bid.sheets]:
            assert bid.range == max(raws) - min(raws)
    assert flags_of(Fraction(100), max(count, 1)).too_few_scorers == (count == 0)
    assert flags_of(Fraction(100), count + 1).too_few_scorers


@PROPERTY
@given(
    panel=panels(),
    calibrate=st.booleans(),
    data=st.data(),
    moderated=st.fractions(min_value=0, max_value=100, max_denominator=1000),
)
def test_moderation_overrides_the_score_and_nothing_else(
    panel: tuple[list[Criterion], int, list[Sheet], list[int], frozenset[tuple[int, int]]],
    calibrate: bool,
    data: st.DataObject,
    moderated: Fraction,
) -> None:
    criteria, scale_max, sheets, bid_ids, conflicts = panel
    target = data.draw(st.sampled_from(bid_ids), label="moderated bid")
    plain = run(criteria, scale_max, sheets, bid_ids, calibrate=calibrate, conflicts=conflicts)
    with_moderation = run(
        criteria,
        scale_max,
        sheets,
        bid_ids,
        calibrate=calibrate,
        conflicts=conflicts,
        moderations={target: (moderated, "panel discussion")},
    )
    for old, new in zip(plain.bids, with_moderation.bids, strict=True):
        if new.bid_id != target:
            assert new == old
            continue
        assert new.score == moderated
        assert new.moderated
        assert "moderated" in new.flags
        assert (new.raw_mean, new.calibrated_mean, new.sheets) == (
            old.raw_mean,
            old.calibrated_mean,
            old.sheets,
        )
        assert old.score == (old.calibrated_mean if calibrate else old.raw_mean)
