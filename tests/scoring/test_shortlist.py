"""Shortlist proposal: the three rules at their boundaries, the rank's tie-breaks, validation,
and hypothesis properties over random bids (ties on score and cost made common on purpose)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.scoring.shortlist import (
    BudgetMultiple,
    MinScore,
    Reason,
    ShortlistBid,
    ShortlistRule,
    TopN,
    budget_multiple,
    min_score,
    propose,
    top_n,
)

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Rank by hand: score highest first, then cheaper, then lower id.
#   1. bid 2 (80, 300)   2. bid 1 (80, 500)   3. bid 3 (70, 300)   4. bid 4 (70, 300)
#   5. bid 6 (50, 1000)  -- bid 5 is unscored: never shortlisted, no rank.
BIDS = [
    ShortlistBid(id=1, score=Fraction(80), cost_pence=500),
    ShortlistBid(id=2, score=Fraction(80), cost_pence=300),
    ShortlistBid(id=3, score=Fraction(70), cost_pence=300),
    ShortlistBid(id=4, score=Fraction(70), cost_pence=300),
    ShortlistBid(id=5, score=None, cost_pence=100),
    ShortlistBid(id=6, score=Fraction(50), cost_pence=1000),
]
RANKED = (2, 1, 3, 4, 6)


def test_rank_and_tie_breaks() -> None:
    proposal = propose(BIDS, top_n(10), budget_pence=1000)
    assert [d.bid_id for d in proposal.decisions] == [*RANKED, 5]
    assert [d.rank for d in proposal.decisions] == [1, 2, 3, 4, 5, None]
    # Cumulative cost in rank order: 300, 800, 1100, 1400, 2400.
    assert [d.cumulative_cost_pence for d in proposal.decisions] == [
        300,
        800,
        1100,
        1400,
        2400,
        None,
    ]
    unscored = proposal.decision(5)
    assert (unscored.proposed, unscored.reason) == (False, Reason.UNSCORED)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, (2,)),  # 80 vs 80: the cheaper bid 2 wins the tie
        (3, (2, 1, 3)),  # 70, 300 vs 70, 300: the lower id (3) wins the tie; no extra place
        (5, RANKED),
        (6, RANKED),  # more places than scored bids: every scored bid, never bid 5
    ],
)
def test_top_n(n: int, expected: tuple[int, ...]) -> None:
    proposal = propose(BIDS, top_n(n), budget_pence=1000)
    assert proposal.proposed_ids == expected
    for decision in proposal.decisions:
        if decision.bid_id in expected:
            assert decision.reason is Reason.IN_TOP_N
        elif decision.rank is not None:
            assert decision.reason is Reason.OUTSIDE_TOP_N
    assert proposal.target_pence is None


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (Fraction(70), (2, 1, 3, 4)),  # a score equal to the threshold is in
        (Fraction(7001, 100), (2, 1)),  # 70 < 70.01
        (Fraction(0), RANKED),
        (Fraction(100), ()),
    ],
)
def test_min_score(threshold: Fraction, expected: tuple[int, ...]) -> None:
    proposal = propose(BIDS, min_score(threshold), budget_pence=1000)
    assert proposal.proposed_ids == expected
    assert proposal.decision(6).reason is (
        Reason.MEETS_MIN_SCORE if 6 in expected else Reason.BELOW_MIN_SCORE
    )


@pytest.mark.parametrize(
    ("k", "budget", "expected", "target"),
    [
        # Target 2 * 400 = 800: 300, then 800 reaches it exactly -> stop after bid 1.
        (2, 400, (2, 1), 800),
        # Target 2 * 401 = 802: 800 falls short by 2p, so bid 3 is taken (1100).
        (2, 401, (2, 1, 3), 802),
        # Target 2 * 500 = 1000: 300, 800, 1100 -> bid 3 reaches it.
        (2, 500, (2, 1, 3), 1000),
        # Target 3/2 * 200 = 300: bid 2 alone (300) reaches it.
        (Fraction(3, 2), 200, (2,), 300),
        # Target 10 * 1000 = 10000 > 2400, the cost of every scored bid: all are proposed.
        (10, 1000, RANKED, 10000),
    ],
)
def test_budget_multiple(
    k: int | Fraction, budget: int, expected: tuple[int, ...], target: int
) -> None:
    proposal = propose(BIDS, budget_multiple(k), budget_pence=budget)
    assert proposal.proposed_ids == expected
    assert proposal.target_pence == target
    assert proposal.proposed_cost_pence == sum(b.cost_pence for b in BIDS if b.id in expected)
    for decision in proposal.decisions:
        if decision.bid_id in expected:
            assert decision.reason is Reason.WITHIN_BUDGET_MULTIPLE
        elif decision.rank is not None:
            assert decision.reason is Reason.BUDGET_MULTIPLE_REACHED


def test_reasons_are_machine_readable_strings() -> None:
    assert Reason.BUDGET_MULTIPLE_REACHED == "budget_multiple_reached"
    assert {reason.value for reason in Reason} == {
        "in_top_n",
        "outside_top_n",
        "meets_min_score",
        "below_min_score",
        "within_budget_multiple",
        "budget_multiple_reached",
        "unscored",
    }


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: top_n(0), r"number of bids to shortlist must be at least 1 \(got 0\)"),
        (lambda: top_n(-3), "at least 1"),
        (lambda: top_n(True), "whole number"),
        (lambda: min_score(Fraction(101)), r"minimum score must be between 0 and 100 \(got 101\)"),
        (lambda: min_score(-1), "between 0 and 100"),
        (lambda: budget_multiple(0), r"budget multiple must be more than 0 \(got 0\)"),
        (lambda: budget_multiple(Fraction(-1, 2)), "twice the budget"),
    ],
)
def test_rule_parameters_are_validated(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_rule_boundaries_are_accepted() -> None:
    assert top_n(1) == TopN(1)
    assert min_score(0) == MinScore(Fraction(0))
    assert min_score(100) == MinScore(Fraction(100))
    assert budget_multiple(Fraction(1, 100)) == BudgetMultiple(Fraction(1, 100))


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        propose(BIDS, TopN(0), budget_pence=1000)  # a rule built without its helper
    with pytest.raises(ValueError, match="no budget"):
        propose(BIDS, budget_multiple(2), budget_pence=0)
    with pytest.raises(ValueError, match="0 or more"):
        propose(BIDS, top_n(1), budget_pence=-1)
    with pytest.raises(ValueError, match="appears twice"):
        propose([*BIDS, BIDS[0]], top_n(1), budget_pence=1000)
    with pytest.raises(ValueError, match="negative cost"):
        propose([ShortlistBid(id=9, score=Fraction(1), cost_pence=-5)], top_n(1), 1000)


def test_a_zero_budget_is_fine_for_rules_that_ignore_it() -> None:
    assert propose(BIDS, top_n(1), budget_pence=0).proposed_ids == (2,)


def test_no_bids() -> None:
    proposal = propose([], budget_multiple(2), budget_pence=100)
    assert proposal.proposed_ids == ()
    assert proposal.decisions == ()
    assert proposal.proposed_cost_pence == 0


# Properties ---------------------------------------------------------------------------------

scores = st.one_of(
    st.none(),
    st.sampled_from([Fraction(0), Fraction(50), Fraction(70), Fraction(100)]),
    st.integers(min_value=0, max_value=10000).map(lambda hundredths: Fraction(hundredths, 100)),
)
bid_lists = st.lists(
    st.tuples(scores, st.sampled_from([0, 100, 250, 300, 1000])),
    max_size=12,
).map(
    lambda rows: [
        ShortlistBid(id=index + 1, score=score, cost_pence=cost)
        for index, (score, cost) in enumerate(rows)
    ]
)
rules: st.SearchStrategy[ShortlistRule] = st.one_of(
    st.integers(min_value=1, max_value=14).map(top_n),
    st.one_of(st.sampled_from([0, 50, 70, 100]), st.integers(0, 100)).map(min_score),
    st.fractions(min_value=Fraction(1, 4), max_value=5, max_denominator=4).map(budget_multiple),
)


def ranked_before(first: ShortlistBid, second: ShortlistBid) -> bool:
    """The rank order spelt out, independently of the module's sort key."""
    assert first.score is not None
    assert second.score is not None
    if first.score != second.score:
        return first.score > second.score
    if first.cost_pence != second.cost_pence:
        return first.cost_pence < second.cost_pence
    return first.id < second.id


@PROPERTY
@given(bids=bid_lists, rule=rules, budget=st.integers(min_value=1, max_value=2000))
def test_the_proposal_is_a_prefix_of_the_ranking_and_obeys_its_rule(
    bids: list[ShortlistBid], rule: ShortlistRule, budget: int
) -> None:
    proposal = propose(bids, rule, budget_pence=budget)
    by_id = {bid.id: bid for bid in bids}
    scored = [d for d in proposal.decisions if d.rank is not None]
    assert [d.rank for d in scored] == list(range(1, len(scored) + 1))
    for earlier, later in itertools.pairwise(scored):
        assert ranked_before(by_id[earlier.bid_id], by_id[later.bid_id])
    proposed = [d.bid_id for d in scored if d.proposed]
    assert proposal.proposed_ids == tuple(proposed)
    assert proposed == [d.bid_id for d in scored[: len(proposed)]]  # a prefix
    for decision in proposal.decisions:
        if by_id[decision.bid_id].score is None:
            assert (decision.rank, decision.proposed) == (None, False)
            assert decision.reason is Reason.UNSCORED
    costs = [by_id[bid_id].cost_pence for bid_id in proposed]
    assert proposal.proposed_cost_pence == sum(costs)

    if isinstance(rule, TopN):
        assert len(proposed) == min(rule.n, len(scored))
    elif isinstance(rule, MinScore):
        for decision in scored:
            score = by_id[decision.bid_id].score
            assert score is not None
            assert decision.proposed == (score >= rule.threshold)
    else:
        target = rule.k * budget
        assert proposal.target_pence == target
        if len(proposed) < len(scored):  # stopped: reached at the last bid, not before
            assert sum(costs) >= target
            assert sum(costs[:-1]) < target
        else:  # took everything: the target was reached only at the last bid, or never
            assert sum(costs[:-1]) < target or not costs


@PROPERTY
@given(
    bids=bid_lists,
    rule=rules,
    budget=st.integers(min_value=1, max_value=2000),
    seed=st.randoms(use_true_random=False),
)
def test_the_order_of_the_input_does_not_matter(
    bids: list[ShortlistBid], rule: ShortlistRule, budget: int, seed: random.Random
) -> None:
    shuffled = list(bids)
    seed.shuffle(shuffled)
    assert propose(shuffled, rule, budget) == propose(bids, rule, budget)


@PROPERTY
@given(bids=bid_lists, n=st.integers(min_value=1, max_value=14))
def test_one_more_place_adds_exactly_the_next_ranked_bid(bids: list[ShortlistBid], n: int) -> None:
    fewer = propose(bids, top_n(n), 1).proposed_ids
    more = propose(bids, top_n(n + 1), 1).proposed_ids
    assert more[: len(fewer)] == fewer
    assert len(more) - len(fewer) in (0, 1)
