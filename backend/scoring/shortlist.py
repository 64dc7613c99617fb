"""Shortlist proposal: which scored bids a rule puts forward to the public vote, and why.

Plain Python (standard library only, no Django), exact arithmetic. The chair picks one rule; this
module proposes, the chair confirms (the services freeze and audit the confirmed list).

Rank. Every scored bid gets a distinct rank, 1 first, by: score highest first, then cost lowest
first, then id lowest first. Scores are compared exactly (two bids displayed as 72.50 may differ
further down and are then ranked by score). A bid without a score is never shortlisted and has no
rank; it is reported as ``unscored``.

Rules (bids are taken in rank order; the proposal is always a prefix of the ranking):

* ``top_n(n)`` - the first n ranked bids (all of them when fewer are scored). A tie on score at
  the boundary is settled by the rank's tie-breaks (cheaper, then lower id), not by taking more.
* ``min_score(threshold)`` - every bid whose score is at least ``threshold`` (equal is in).
* ``budget_multiple(k)`` - bids in rank order until their cumulative cost reaches at least
  ``k * budget``; the bid that reaches it is in, and the rule stops there, so the public vote
  has a real choice (k = 2: twice what can be funded). When all scored bids together cost less,
  all of them are proposed.

Each bid's decision carries a machine-readable ``Reason``, for the UI, the API and the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


@dataclass(frozen=True)
class ShortlistBid:
    """A bid as the shortlist sees it: its panel score (``None``: unscored) and cost in pence."""

    id: int
    score: Fraction | None
    cost_pence: int


@dataclass(frozen=True)
class TopN:
    n: int


@dataclass(frozen=True)
class MinScore:
    threshold: Fraction


@dataclass(frozen=True)
class BudgetMultiple:
    k: Fraction


ShortlistRule = TopN | MinScore | BudgetMultiple


def top_n(n: int) -> TopN:
    """The n best-ranked bids (n at least 1)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"The number of bids to shortlist must be a whole number (got {n!r}).")
    if n < 1:
        raise ValueError(f"The number of bids to shortlist must be at least 1 (got {n}).")
    return TopN(n)


def min_score(threshold: Fraction | int) -> MinScore:
    """Every bid scoring at least ``threshold`` (on the 0-100 panel scale)."""
    value = _rational(threshold, "The minimum score")
    if not 0 <= value <= 100:
        raise ValueError(f"The minimum score must be between 0 and 100 (got {threshold}).")
    return MinScore(value)


def budget_multiple(k: Fraction | int) -> BudgetMultiple:
    """Enough bids, best first, to cost at least ``k`` times the budget (k greater than 0)."""
    value = _rational(k, "The budget multiple")
    if value <= 0:
        raise ValueError(
            f"The budget multiple must be more than 0 (got {k}): for example 2 shortlists bids "
            "costing at least twice the budget."
        )
    return BudgetMultiple(value)


def _rational(value: Fraction | int, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValueError(f"{what} must be a number (got {value!r}).")
    return Fraction(value)


class Reason(StrEnum):
    """Why a bid is in or out of the proposal."""

    IN_TOP_N = "in_top_n"
    OUTSIDE_TOP_N = "outside_top_n"
    MEETS_MIN_SCORE = "meets_min_score"
    BELOW_MIN_SCORE = "below_min_score"
    WITHIN_BUDGET_MULTIPLE = "within_budget_multiple"  # taken before the target was reached
    BUDGET_MULTIPLE_REACHED = "budget_multiple_reached"  # the target was already reached
    UNSCORED = "unscored"


@dataclass(frozen=True)
class BidDecision:
    bid_id: int
    rank: int | None  # 1 is best; None when unscored
    proposed: bool
    reason: Reason
    cumulative_cost_pence: int | None  # cost of this bid and all ranked above it; None unscored


@dataclass(frozen=True)
class ShortlistProposal:
    """The proposed ids in rank order, and every bid's decision (ranked first, unscored by id)."""

    proposed_ids: tuple[int, ...]
    decisions: tuple[BidDecision, ...]
    proposed_cost_pence: int
    target_pence: Fraction | None  # k * budget for budget_multiple, else None

    def decision(self, bid_id: int) -> BidDecision:
        for decision in self.decisions:
            if decision.bid_id == bid_id:
                return decision
        raise KeyError(bid_id)


def rank_key(bid: ShortlistBid) -> tuple[Fraction, int, int]:
    """Sort key of a scored bid: score highest first, then cheaper first, then lower id."""
    assert bid.score is not None
    return (-bid.score, bid.cost_pence, bid.id)


def propose(
    bids: Iterable[ShortlistBid], rule: ShortlistRule, budget_pence: int
) -> ShortlistProposal:
    """Apply ``rule`` to ``bids`` (see the module docstring); the input order does not matter.

    Raises ``ValueError`` for a repeated bid id, a negative cost or budget, an invalid rule (build
    rules with ``top_n``, ``min_score`` and ``budget_multiple``), or a budget of 0 with
    ``budget_multiple``.
    """
    _check_rule(rule)
    if isinstance(budget_pence, bool) or not isinstance(budget_pence, int) or budget_pence < 0:
        raise ValueError(f"The budget must be a whole number of pence, 0 or more ({budget_pence}).")
    if isinstance(rule, BudgetMultiple) and budget_pence == 0:
        raise ValueError("The fund has no budget, so a multiple of it cannot choose any bids.")
    listed = list(bids)
    ids = [bid.id for bid in listed]
    if len(set(ids)) != len(ids):
        raise ValueError("A bid appears twice in the list to shortlist from.")
    for bid in listed:
        if isinstance(bid.cost_pence, bool) or not isinstance(bid.cost_pence, int):
            raise ValueError(f"Bid {bid.id} has a cost that is not a whole number of pence.")
        if bid.cost_pence < 0:
            raise ValueError(f"Bid {bid.id} has a negative cost ({bid.cost_pence} pence).")

    ranked = sorted((bid for bid in listed if bid.score is not None), key=rank_key)
    target = rule.k * budget_pence if isinstance(rule, BudgetMultiple) else None
    decisions: list[BidDecision] = []
    cumulative = 0
    proposed_cost = 0
    reached = False
    for rank, bid in enumerate(ranked, start=1):
        assert bid.score is not None
        cumulative += bid.cost_pence
        if isinstance(rule, TopN):
            proposed = rank <= rule.n
            reason = Reason.IN_TOP_N if proposed else Reason.OUTSIDE_TOP_N
        elif isinstance(rule, MinScore):
            proposed = bid.score >= rule.threshold
            reason = Reason.MEETS_MIN_SCORE if proposed else Reason.BELOW_MIN_SCORE
        else:
            assert target is not None
            proposed = not reached
            reason = Reason.WITHIN_BUDGET_MULTIPLE if proposed else Reason.BUDGET_MULTIPLE_REACHED
            reached = reached or cumulative >= target
        if proposed:
            proposed_cost += bid.cost_pence
        decisions.append(
            BidDecision(
                bid_id=bid.id,
                rank=rank,
                proposed=proposed,
                reason=reason,
                cumulative_cost_pence=cumulative,
            )
        )
    for bid in sorted((bid for bid in listed if bid.score is None), key=lambda bid: bid.id):
        decisions.append(
            BidDecision(
                bid_id=bid.id,
                rank=None,
                proposed=False,
                reason=Reason.UNSCORED,
                cumulative_cost_pence=None,
            )
        )
    return ShortlistProposal(
        proposed_ids=tuple(decision.bid_id for decision in decisions if decision.proposed),
        decisions=tuple(decisions),
        proposed_cost_pence=proposed_cost,
        target_pence=target,
    )


def _check_rule(rule: ShortlistRule) -> None:
    # Rules built directly (not through the helpers) are checked here too.
    if isinstance(rule, TopN):
        top_n(rule.n)
    elif isinstance(rule, MinScore):
        min_score(rule.threshold)
    elif isinstance(rule, BudgetMultiple):
        budget_multiple(rule.k)
    else:
        raise ValueError(f"Unknown shortlist rule {rule!r}.")
