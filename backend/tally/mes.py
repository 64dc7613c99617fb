"""The Method of Equal Shares, exactly.

Three engines give the same answer:

* ``mes_exact``: exact budgets and prices (Fractions), for every kind of utility. Voters with
  identical ballots always hold identical budgets, so budgets are kept per *class* of voters
  with the same payment history. Floats only screen each price (``_screened_rho``): they sort
  the supporters and settle those clearly away from it, and exact arithmetic settles the rest.
* ``mes_fast`` (cost utilities only: approval and choose-1 ballots): the same algorithm with
  float budgets per class in numpy arrays. Every decision whose float margin is not clearly
  away from a tie is decided again exactly: a class's exact budget is derived lazily from its
  parent class and the exact price of the selection that split it, so exact arithmetic runs
  only where it can change the answer.
* ``mes_pure``: ``mes_fast``'s lazy run on Python lists and floats, sharing its exact
  re-decisions. One MES run takes it (no numpy import, which costs more than the run itself
  on the elections we know); add1's many runs take ``mes_fast``.

Both use the fact that a project's price per unit of utility (rho) only rises during a run
(budgets only fall), so a heap of last-known prices is a valid lower bound and only the project
at its top needs re-evaluating.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

# A float decision closer to a tie than this (relative) is decided again exactly.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Supporters:
    """For one project: which voter groups support it, their sizes and their utilities."""

    groups: Sequence[int]
    counts: Sequence[int]
    # Per group; for cost utilities every entry is the cost, for cumulative ballots the points.
    utilities: Sequence[Fraction | int]


@dataclass
class MesProblem:
    costs: dict[str, Fraction]
    supporters: dict[str, Supporters]
    group_counts: Sequence[int]  # voters per group (identical ballots), every group
    voters: int  # including voters who support nothing
    rank: dict[str, int]  # tie order: lower wins
    candidates: frozenset[str]  # projects that may be funded at all
    exclusive_group: dict[str, frozenset[str]]  # project -> the exclusive groups it is in
    cost_utilities: bool
    # Arrays the fast engine builds once and reuses for every run (add1 runs many).
    arrays: dict[str, Any] = field(default_factory=dict)


@dataclass
class MesOutcome:
    winners: list[str] = field(default_factory=list)
    # The exact price each winner's paying supporters paid at most (cost utilities: alpha;
    # otherwise rho times their utility, the most any one of them paid).
    max_payment: dict[str, Fraction] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)
    unaffordable: set[str] = field(default_factory=set)
    exact_decisions: int = 0
    # The fast engine derives exact payments only for the outcome a caller keeps.
    pending_payments: Callable[[], dict[str, Fraction]] | None = None

    def settle(self) -> None:
        """Fill ``max_payment`` exactly (raises _NeedsExact if the float run is not certified)."""
        if self.pending_payments is not None:
            self.max_payment = self.pending_payments()
            self.pending_payments = None


def _solve_rho(
    budgets: Sequence[Fraction],
    weights: Sequence[int],
    utilities: Sequence[Fraction | int],
    cost: Fraction,
) -> Fraction | None:
    """Smallest rho with sum(w * min(b, rho * u)) >= cost, or None when the budgets cannot pay."""
    total = sum((w * b for b, w in zip(budgets, weights, strict=True)), Fraction(0))
    if total < cost:
        return None
    order = sorted(range(len(budgets)), key=lambda i: budgets[i] / utilities[i])
    remaining_cost = cost
    remaining_utility = sum((w * u for w, u in zip(weights, utilities, strict=True)), Fraction(0))
    for i in order:
        rho = remaining_cost / remaining_utility
        if rho * utilities[i] <= budgets[i]:
            return rho
        remaining_cost -= weights[i] * budgets[i]
        remaining_utility -= weights[i] * utilities[i]
    # Every supporter pays all they have, and that is exactly the cost.
    return max(budgets[i] / utilities[i] for i in order)


# Floats place a price within this much (relative) of the exact one, or _screened_rho does not
# trust their sorting of the supporters (the exact price must lie inside its band).
_BAND_MARGIN = 1e-12

# Floats decide nothing unless every amount of an election (the per-voter budget, the costs,
# the points) lies within about 2**-296 and 2**296 and there are fewer voters than 2**50: then
# every price, budget and sum a decision rests on keeps a float's full precision, never
# overflowing nor reaching the subnormal range, as the tolerance's argument needs. Real
# elections are far inside (amounts of cents to billions, a few points each); anything else
# runs on exact arithmetic alone.
_FLOAT_BITS = 296
_FLOAT_MAX_VOTERS = 2**50


def _fits_floats(amount: Fraction | int) -> bool:
    """Whether a positive amount lies between about 2**-296 and 2**296 (told from the sizes of
    its numerator and denominator: the ratio of numbers of a and b bits lies within a factor
    2 of 2**(a - b))."""
    if isinstance(amount, int):
        return amount.bit_length() < _FLOAT_BITS
    size = amount.numerator.bit_length() - amount.denominator.bit_length()
    return -_FLOAT_BITS < size < _FLOAT_BITS


def floats_fit(problem: MesProblem, per_voter_budget: Fraction) -> bool:
    """Whether floats may screen MES's decisions on ``problem`` (see _FLOAT_BITS)."""
    fits = problem.arrays.get("floats_fit")
    if fits is None:
        amounts: list[Fraction | int] = [c for c in problem.costs.values() if c]
        if not problem.cost_utilities:  # points (cost utilities are the costs)
            points = [s.utilities for s in problem.supporters.values() if s.utilities]
            amounts += [min(map(min, points)), max(map(max, points))] if points else []
        fits = problem.voters < _FLOAT_MAX_VOTERS and all(map(_fits_floats, amounts))
        problem.arrays["floats_fit"] = fits
    return fits and (not per_voter_budget or _fits_floats(per_voter_budget))


def _screened_rho(
    weight: dict[tuple[int, Fraction | int], int],
    exact: Sequence[Fraction],
    approx: Sequence[float],
    cost: Fraction,
) -> Fraction | None:
    """:func:`_solve_rho`'s answer for the supporters ``weight`` ((class, utility) -> voters),
    the classes holding ``exact`` budgets (``approx``: the same as floats).

    Floats sort the supporters by budget per unit of utility and find roughly where the price
    falls; every supporter clearly below it pays all they hold, every one clearly above pays
    the price times their utility, and exact arithmetic orders only the few near it. The exact
    price must then lie in the band the floats drew (else their rounding may have misplaced
    someone, and _solve_rho decides from scratch)."""
    keys = list(weight)
    weights = list(weight.values())
    utilities = [u for _k, u in keys]
    budgets = [approx[k] for k, _u in keys]
    floats = list(map(float, utilities))
    cost_f = float(cost)
    total = math.fsum(map(operator.mul, budgets, weights))
    if total < cost_f * (1 - TOLERANCE):
        return None
    ratios = list(map(operator.truediv, budgets, floats))
    rho_f = None
    if total > cost_f * (1 + TOLERANCE):  # else too close to call: the supporters' all
        left = cost_f
        heads = math.fsum(map(operator.mul, floats, weights))
        for i in sorted(range(len(keys)), key=ratios.__getitem__):
            if not heads > 0:  # lost to cancellation (utilities far apart): decide exactly
                break
            guess = left / heads
            if guess <= ratios[i]:
                rho_f = guess
                break
            left -= weights[i] * budgets[i]
            heads -= weights[i] * floats[i]
    if rho_f is None or not rho_f > 0:
        return _solve_rho([exact[k] for k, _u in keys], weights, utilities, cost)
    low, high = rho_f * (1 - TOLERANCE), rho_f * (1 + TOLERANCE)
    remaining = cost
    heads_exact: Fraction | int = 0
    near: list[tuple[Fraction, int]] = []
    for i, ratio in enumerate(ratios):
        if ratio < low:  # clearly pays all it holds
            remaining -= weights[i] * exact[keys[i][0]]
        else:
            heads_exact += weights[i] * utilities[i]
            if ratio <= high:
                near.append((exact[keys[i][0]] / utilities[i], i))
    near.sort()
    price: Fraction | None = None
    for ratio, i in near:
        rho = remaining / heads_exact
        if rho <= ratio:
            price = rho
            break
        remaining -= weights[i] * exact[keys[i][0]]
        heads_exact -= weights[i] * utilities[i]
    else:
        if heads_exact:
            price = remaining / heads_exact
    if price is None or not (low * (1 + _BAND_MARGIN) <= float(price) <= high * (1 - _BAND_MARGIN)):
        return _solve_rho([exact[k] for k, _u in keys], weights, utilities, cost)
    return price


def _fill(remaining: Fraction, heads: int, near: list[tuple[Fraction, int]]) -> Fraction | None:
    """The exact alpha once the clear cases are settled: ``remaining`` is the cost less what
    the clear full payers hold, ``heads`` the voters who clearly pay alpha, and ``near`` the
    (exact budget, voters) of the classes too close to alpha to tell in floats."""
    near.sort()
    heads += sum(n for _b, n in near)
    for budget, n in near:
        if heads and remaining <= budget * heads:
            return remaining / heads
        remaining -= n * budget
        heads -= n
    if heads:
        return remaining / heads
    # Everyone pays all they have: affordable only if that is exactly the cost.
    return max((b for b, _n in near), default=None) if remaining == 0 else None


def mes_exact(problem: MesProblem, per_voter_budget: Fraction) -> MesOutcome:
    """MES with Fractions; budgets per class of voter groups that share a payment history.
    Floats screen its decisions only where they fit (floats_fit); elsewhere none is used."""
    screened = floats_fit(problem, per_voter_budget)
    group_class = [0] * len(problem.group_counts)
    class_budget: list[Fraction] = [per_voter_budget]
    # The same, rounded: floats screen every price (None: they do not).
    class_float = [float(per_voter_budget)] if screened else None
    outcome = MesOutcome()
    # Supporting groups of one voter count in C (collections.Counter), each once; the others
    # (more voters, or none) are corrected here. Made once for add1's many runs.
    several = problem.arrays.get("several")
    if several is None:
        several = problem.arrays["several"] = {
            p: [
                (g, u, n - 1)
                for g, n, u in zip(s.groups, s.counts, s.utilities, strict=True)
                if n != 1
            ]
            for p, s in problem.supporters.items()
        }
    priced_at: dict[str, int] = {}  # how many projects were funded when each was last priced

    def price(project: str) -> Fraction | None:
        sup = problem.supporters[project]
        classes = map(group_class.__getitem__, sup.groups)
        weight: dict[tuple[int, Fraction | int], int] = collections.Counter(
            zip(classes, sup.utilities, strict=True)
        )
        for g, u, more in several[project]:
            weight[group_class[g], u] += more
        priced_at[project] = len(outcome.winners)
        if class_float is None:
            keys = list(weight)
            budgets = [class_budget[k] for k, _u in keys]
            return _solve_rho(
                budgets, list(weight.values()), [u for _k, u in keys], cost_of(project)
            )
        return _screened_rho(weight, class_budget, class_float, cost_of(project))

    cost_of = problem.costs.__getitem__

    heap: list[tuple[Fraction, int, str]] = []
    for project in problem.candidates:
        rho = price(project)
        if rho is None:
            outcome.unaffordable.add(project)
        else:
            heap.append((rho, problem.rank[project], project))
    heapq.heapify(heap)
    while heap:
        rho, rank, project = heapq.heappop(heap)
        if project in outcome.excluded:
            continue
        if priced_at[project] != len(outcome.winners):  # budgets changed since: price again
            current = price(project)
            if current is None:
                outcome.unaffordable.add(project)
                continue
            if current != rho:
                heapq.heappush(heap, (current, rank, project))
                continue
        _fund_exactly(project, rho, problem, group_class, class_budget, class_float, outcome)
        _exclude_rivals(problem, project, outcome)
    return outcome


def _fund_exactly(
    project: str,
    rho: Fraction,
    problem: MesProblem,
    group_class: list[int],
    class_budget: list[Fraction],
    class_float: list[float] | None,
    outcome: MesOutcome,
) -> None:
    """Each supporter pays min(budget, rho * utility): one child class per (class, utility)
    that pays, holding what is left. Floats tell who clearly pays the price and who clearly
    pays all they hold (exact arithmetic decides the rest); the most anyone paid is compared
    exactly only where floats cannot tell it from the largest."""
    sup = problem.supporters[project]
    children: dict[tuple[int, Fraction | int], int] = {}
    zero = Fraction(0)
    most = zero
    if class_float is None:  # floats do not fit this election: every payment exactly
        for g, u in zip(sup.groups, sup.utilities, strict=True):
            key = (group_class[g], u)
            child = children.get(key)
            if child is None:
                before = class_budget[key[0]]
                payment = min(before, rho * u)
                most = max(most, payment)
                class_budget.append(before - payment)
                child = children[key] = len(class_budget) - 1
            group_class[g] = child
        outcome.winners.append(project)
        outcome.max_payment[project] = most
        return
    rho_f, rho_n, rho_d = float(rho), rho.numerator, rho.denominator
    most_f = 0.0
    for g, u in zip(sup.groups, sup.utilities, strict=True):
        key = (group_class[g], u)
        child = children.get(key)
        if child is None:
            before, before_f = class_budget[key[0]], class_float[key[0]]
            owed_f = rho_f * u
            pay: Fraction | None = None
            if owed_f < before_f * (1 - TOLERANCE) and isinstance(u, int):
                # Pays the price: before - rho * u, as one fraction (and its float, rounded
                # from the exact value as float(after) would be).
                numerator = before.numerator * rho_d - rho_n * u * before.denominator
                denominator = before.denominator * rho_d
                after, after_f = Fraction(numerator, denominator), numerator / denominator
                paid_f = owed_f
            elif owed_f > before_f * (1 + TOLERANCE):
                after, after_f, pay, paid_f = zero, 0.0, before, before_f  # pays all it holds
            else:
                pay = min(before, rho * u)
                after, paid_f = before - pay, float(pay)
                after_f = float(after)
            if paid_f >= most_f * (1 - TOLERANCE):
                most = max(most, rho * u if pay is None else pay)
                most_f = max(most_f, paid_f)
            class_budget.append(after)
            class_float.append(after_f)
            child = children[key] = len(class_budget) - 1
        group_class[g] = child
    outcome.winners.append(project)
    outcome.max_payment[project] = most


def _exclude_rivals(problem: MesProblem, project: str, outcome: MesOutcome) -> None:
    groups = problem.exclusive_group.get(project)
    if not groups:
        return
    for other, other_groups in problem.exclusive_group.items():
        if other != project and other_groups & groups:
            outcome.excluded.add(other)


@dataclass(frozen=True)
class RoundRecord:
    """One round of a recorded run (see _FastRun.run_structure)."""

    selected: str | None
    selected_pattern: tuple[int, ...]  # the classes that paid all they had for it
    selected_rho: float
    patterns: dict[str, tuple[int, ...] | None]  # live candidates; None: unaffordable
    prices: dict[str, tuple[float, float]]  # affordable ones: price, and its slope


@dataclass(frozen=True)
class Structure:
    per_voter_budget: float
    rounds: tuple[RoundRecord, ...]


def same_outcome_between(low: Structure, high: Structure) -> bool:
    """Whether every per-voter budget between two recorded runs gives the same outcome.

    Sufficient conditions, each exact: the same project is funded in each round with the
    same classes paying in full, and the same candidates are affordable. Then every budget
    and the funded project's price are affine in the per-voter budget between the two (an
    affine function with one sign at both ends keeps it in between). A rival's price is a
    convex function of it, so it stays above its tangent at the low end; the rival cannot
    overtake if that tangent stays above the funded price up to the high end (clearly, in
    floats), or if the rival's own full payers are the same at both ends (then its price is
    affine too, and both ends were decided exactly).
    """
    if len(low.rounds) != len(high.rounds):
        return False
    step = high.per_voter_budget - low.per_voter_budget
    for a, b in zip(low.rounds, high.rounds, strict=True):
        if (a.selected, a.selected_pattern) != (b.selected, b.selected_pattern):
            return False
        if a.patterns.keys() != b.patterns.keys() or a.prices.keys() != b.prices.keys():
            return False
        for rival, (rho, slope) in a.prices.items():
            if rival == a.selected or a.patterns[rival] == b.patterns[rival]:
                continue
            tangent = rho + slope * step
            if tangent - b.selected_rho <= TOLERANCE * max(abs(tangent), abs(b.selected_rho)):
                return False
    return True


class _NeedsExact(Exception):
    """The fast engine met a case it does not certify; the caller runs the exact one."""


def mes_fast(problem: MesProblem, per_voter_budget: Fraction, np: Any) -> MesOutcome:
    """MES for cost utilities with float budgets, every close decision re-decided exactly.

    ``np`` is numpy, passed in so that importing this module stays cheap.
    """
    if not problem.cost_utilities:
        raise ValueError("the fast engine handles cost utilities only")
    if not floats_fit(problem, per_voter_budget):
        return mes_exact(problem, per_voter_budget)
    try:
        run = _FastRun(problem, per_voter_budget, np)
        run.run()
    except _NeedsExact:
        return mes_exact(problem, per_voter_budget)
    return run.finish()


def mes_fast_structure(
    problem: MesProblem, per_voter_budget: Fraction, np: Any
) -> tuple[MesOutcome, Structure | None, float]:
    """MES with its structure (see _FastRun.run_structure), for add1 to skip budgets, and an
    estimate of how far the per-voter budget can rise before the structure changes."""
    if not floats_fit(problem, per_voter_budget):
        return mes_exact(problem, per_voter_budget), None, 0.0
    try:
        run = _FastRun(problem, per_voter_budget, np)
        _outcome, structure = run.run_structure()
    except _NeedsExact:
        return mes_exact(problem, per_voter_budget), None, 0.0
    return run.finish(), structure, run.room


def settled(problem: MesProblem, per_voter_budget: Fraction, outcome: MesOutcome) -> MesOutcome:
    """The outcome with exact payments; if the float run cannot be certified, the exact run."""
    try:
        outcome.settle()
    except _NeedsExact:
        return mes_exact(problem, per_voter_budget)
    return outcome


class _FastRun:
    def __init__(self, problem: MesProblem, per_voter_budget: Fraction, np: Any) -> None:
        self.p = problem
        self.np = np
        self.b0 = per_voter_budget
        self.group_class = np.zeros(len(problem.group_counts), dtype=np.int64)
        capacity = 1024
        self.class_budget = np.empty(capacity, dtype=np.float64)
        self.class_budget[0] = float(per_voter_budget)
        # How each class's budget moves with the per-voter budget (for add1's skipping).
        self.class_slope = np.empty(capacity, dtype=np.float64)
        self.class_slope[0] = 1.0
        self.room = float("inf")
        self.track_slopes = False  # only recorded runs (add1's skipping) need slopes
        self.last_alpha: dict[str, float] = {}  # each project's price when last worked out
        self.n_classes = 1
        # Lazy exactness: class -> (parent class, selection index); selection -> (project,
        # classes paying, their voter counts); exact values memoised.
        # Each class's parent class and the selection that split it from its parent.
        self.class_parent = np.full(capacity, -1, dtype=np.int64)
        self.class_selection = np.full(capacity, -1, dtype=np.int64)
        self.exact_budget: dict[int, Fraction] = {0: per_voter_budget}
        self.payment_lanes: dict[int, int | None] = {0: 0}
        self.lane_bits = max(problem.voters, 1).bit_length()
        self.selections: list[tuple[str, Any, Any, float]] = []
        self.exact_alpha: dict[int, Fraction] = {}
        if "index" not in problem.arrays:  # (the pure engine keeps other arrays there)
            self._make_arrays(problem)
        self.index = problem.arrays["index"]
        self.weights = problem.arrays["weights"]
        self.heads = problem.arrays["heads"]
        self.cost_f = problem.arrays["cost_f"]
        self.paired = problem.arrays["paired"]
        self.short_buffer = problem.arrays["short"]
        self.outcome = MesOutcome()

    def _make_arrays(self, problem: MesProblem) -> None:
        """Per project, its supporting groups (``index``), their sizes (``weights``), their
        voters in all (``heads``) and its cost as a float; for _alpha's water-filling, its
        groups' sizes beside room for what each group holds (``paired``), and a buffer for the
        row of who cannot pay. Every project's part is a view of one array made at once."""
        np = self.np
        supporters = problem.supporters
        lengths = [len(s.groups) for s in supporters.values()]
        entries = sum(lengths)
        groups = np.fromiter(
            itertools.chain.from_iterable(s.groups for s in supporters.values()),
            dtype=np.int64,
            count=entries,
        )
        paired = np.zeros((entries, 2), dtype=np.float64)
        paired[:, 0] = np.asarray(problem.group_counts, dtype=np.float64)[groups]
        owner = np.repeat(np.arange(len(lengths)), lengths)
        heads = np.bincount(owner, weights=paired[:, 0], minlength=len(lengths)).tolist()
        index, weights, pairs, start = {}, {}, {}, 0
        for project, length in zip(supporters, lengths, strict=True):
            end = start + length
            index[project], weights[project] = groups[start:end], paired[start:end, 0]
            pairs[project] = paired[start:end]
            start = end
        problem.arrays.update(index=index, weights=weights, paired=pairs)
        problem.arrays["heads"] = dict(zip(supporters, heads, strict=True))
        problem.arrays["cost_f"] = {p: float(c) for p, c in problem.costs.items()}
        problem.arrays["short"] = np.empty(max(lengths, default=0))

    # -- exact values, computed only when a decision needs them --------------------------------

    def _exact_class_budget(self, k: int) -> Fraction:
        chain = []
        while k not in self.exact_budget:
            parent = int(self.class_parent[k])
            chain.append((k, parent, int(self.class_selection[k])))
            k = parent
        for child, parent, selection in reversed(chain):
            before = self.exact_budget[parent]
            self.exact_budget[child] = before - min(before, self._exact_selection_alpha(selection))
        return self.exact_budget[chain[0][0]] if chain else self.exact_budget[k]

    def _payment_lanes(self, k: int) -> int | None:
        """Which selections class k's voters paid in part, one bit each, set in a lane of
        ``lane_bits`` bits per selection (selection s: bit ``s * lane_bits``), so that adding up
        ``voters * lanes`` over many classes counts, in every lane at once, the voters who paid
        each selection in part (no lane can overflow: it counts at most every voter). None: they
        paid all they had at some selection, so class k's budget is exactly zero."""
        lanes_of = self.payment_lanes
        chain = []
        while k not in lanes_of:
            chain.append(k)
            k = int(self.class_parent[k])
        lanes = lanes_of[k]
        for child in reversed(chain):
            if lanes is not None:
                selection = int(self.class_selection[child])
                if self._paid_all(child, selection):
                    lanes = None
                else:
                    lanes += 1 << (selection * self.lane_bits)
            lanes_of[child] = lanes
        return lanes

    def _paid_all(self, child: int, selection: int) -> bool:
        """Whether the parent of ``child`` paid all it had at ``selection`` (exactly)."""
        parent = int(self.class_parent[child])
        alpha = self.selections[selection][3]
        before = float(self.class_budget[parent])
        if abs(before - alpha) > TOLERANCE * alpha:
            return before < alpha
        return self._exact_class_budget(parent) <= self._exact_selection_alpha(selection)

    def _exact_selection_alpha(self, selection: int) -> Fraction:
        if selection not in self.exact_alpha:
            project, classes, weights, alpha_f = self.selections[selection]
            alpha = self._exact_alpha_for(project, classes, weights, alpha_f)
            if alpha is None:  # the float engine funded what exact arithmetic cannot
                raise _NeedsExact
            self.exact_alpha[selection] = alpha
        return self.exact_alpha[selection]

    def _exact_alpha_for(
        self, project: str, classes: Any, weights: Any, alpha_f: float | None
    ) -> Fraction | None:
        """Exact alpha: sum(w * min(b, alpha)) = cost over the paying classes, or None.

        With a float estimate, classes clearly above it pay alpha (their exact budgets do not
        matter) and classes clearly below pay all they have; only the rest are sorted exactly.
        """
        cost = self.p.costs[project]
        class_list, budget_list, counts = self._as_lists(classes, weights)
        if alpha_f is None:
            budgets = [self._exact_class_budget(k) for k in class_list]
            rho = _solve_rho(budgets, counts, [cost] * len(budgets), cost)
            return None if rho is None else rho * cost
        low, high = alpha_f * (1 - TOLERANCE), alpha_f * (1 + TOLERANCE)
        remaining = cost
        heads = 0
        near: list[tuple[Fraction, int]] = []
        # What the clear full payers hold, summed without a Fraction per class: a class's
        # budget is the start budget less the prices it paid in part (its payment lanes, see
        # _payment_lanes), so the voters who paid each earlier selection are counted at once.
        full_voters: list[int] = []
        full_lanes: list[int] = []
        for k, b, n in zip(class_list, budget_list, counts, strict=True):
            if b > high:
                heads += n
            elif b < low:
                lanes = self._payment_lanes(k)
                if lanes is not None:  # (None: paid all it had earlier, holds nothing)
                    full_voters.append(n)
                    full_lanes.append(lanes)
            else:
                near.append((self._exact_class_budget(k), n))
        if full_voters:
            paid = sum(map(operator.mul, full_lanes, full_voters))
            lane_bits, lane = self.lane_bits, (1 << self.lane_bits) - 1
            held = self.b0 * sum(full_voters)
            selection = 0
            while paid:
                voters = paid & lane
                if voters:
                    held -= self._exact_selection_alpha(selection) * voters
                paid >>= lane_bits
                selection += 1
            remaining -= held
        return _fill(remaining, heads, near)

    def _as_lists(self, classes: Any, weights: Any) -> tuple[list[int], list[float], list[int]]:
        """Paying classes, their float budgets and their voter counts, as Python lists."""
        return (
            classes.tolist(),
            self.class_budget[classes].tolist(),
            [round(w) for w in weights.tolist()],
        )

    # -- float evaluation -----------------------------------------------------------------------

    def _classes_of(self, project: str) -> tuple[Any, Any]:
        """The classes of ``project``'s supporters (ascending) and how many voters each has."""
        np = self.np
        groups = self.group_class[self.index[project]]
        if 0 < 8 * len(groups) < self.n_classes:
            # Many classes, few supporters: counting over every class would cost more. Sort
            # the supporters by class and add up each run of one class (np.unique would do
            # the same sort with several more steps around it). The counts are whole numbers
            # well below 2**53, so the order of adding changes nothing.
            order = groups.argsort()
            ordered = groups[order]
            starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
            return ordered[starts], np.add.reduceat(self.weights[project][order], starts)
        totals = np.bincount(groups, weights=self.weights[project], minlength=self.n_classes)
        classes = np.flatnonzero(totals)
        return classes, totals[classes]

    def _alpha(self, project: str) -> tuple[float | None, Any, Any]:
        """Float alpha (None: unaffordable), and the paying classes with their voter counts, or
        None for both when finding alpha did not need them (see :meth:`_paying`).

        Worked out over the project's supporting groups, each at its class's budget: the same
        sums as over the classes (a class's groups share its budget), without grouping them by
        class first, which costs a sort; most evaluations only rank a project (it waits in the
        heap), and the classes are grouped only for the one that is funded."""
        np = self.np
        weights = self.weights[project]
        budgets = self.class_budget[self.group_class[self.index[project]]]
        cost = self.cost_f[project]
        total = float(budgets @ weights)
        if abs(total - cost) <= TOLERANCE * cost:
            classes, class_weights = self._classes_of(project)
            exact = self._exact_alpha_for(project, classes, class_weights, None)
            self.outcome.exact_decisions += 1
            return (None if exact is None else float(exact)), classes, class_weights
        if total < cost:
            return None, None, None
        # Water-filling without sorting: start as if everyone paid alpha; those who cannot pay
        # all of it pay what they have, which raises alpha for the rest; repeat until no one
        # else drops out (alpha only rises, so this ends after a few rounds).
        everyone = float(self.heads[project])
        alpha = cost / everyone
        if float(budgets.min()) >= alpha:  # everyone can pay cost / heads (the usual case)
            return alpha, None, None
        # Each round's two sums in one product: a 0/1 row of the groups that cannot pay alpha
        # times the columns of the groups' sizes and of what each group holds. The sizes are
        # whole numbers (exact in floats), so their sum shows exactly when no one else drops out.
        paired = self.paired[project]
        np.multiply(budgets, weights, out=paired[:, 1])
        short = self.short_buffer[: len(budgets)]
        # Any start at or below the price rises to it; the price found the last time in this
        # run is one (prices only rise; the margin covers its rounding), and it saves rounds.
        alpha = max(alpha, self.last_alpha.get(project, 0.0) * (1 - TOLERANCE))
        dropped = -1.0
        while True:
            np.less(budgets, alpha, out=short)
            short_heads, short_held = (short @ paired).tolist()
            if short_heads == dropped:
                self.last_alpha[project] = alpha
                return alpha, None, None
            dropped = short_heads
            heads = everyone - short_heads
            if heads <= 0:  # everyone pays all they have (total == cost, within the tolerance)
                return float(budgets.max()), None, None
            alpha = (cost - short_held) / heads

    def _paying(self, project: str, classes: Any, weights: Any) -> tuple[Any, Any]:
        """The paying classes and their voter counts, as :meth:`_alpha` gave them or, where it
        did not need them, grouped now."""
        if classes is None:
            return self._classes_of(project)
        return classes, weights

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> MesOutcome:
        # alpha >= cost / supporters always, so 1 / supporters bounds each price from below;
        # the real price is computed when a project reaches the top.
        heap = [(1.0 / self.heads[p], self.p.rank[p], p) for p in self.p.candidates]
        heapq.heapify(heap)
        while heap:
            chosen = self._next(heap)
            if chosen is None:
                break
            self._fund(*chosen)
        return self.outcome

    def run_structure(self) -> tuple[MesOutcome, Structure]:
        """Run without the lazy heap, recording what add1 needs to skip budgets safely.

        Every comparison too close to call in floats is made exactly, so the record is exact
        at this budget; see ``same_outcome_between`` for how two records are compared.
        """
        rounds: list[RoundRecord] = []
        live = set(self.p.candidates)
        self.room = float("inf")
        self.track_slopes = True
        while live:
            patterns: dict[str, tuple[int, ...] | None] = {}
            priced: list[tuple[float, int, str, float, Any, Any]] = []
            for project in sorted(live, key=self.p.rank.__getitem__):
                alpha, classes, weights = self._alpha(project)
                if alpha is None:
                    patterns[project] = None
                    continue
                classes, weights = self._paying(project, classes, weights)
                patterns[project] = self._full_payers(project, alpha, classes, weights)
                rho = alpha / self.cost_f[project]
                priced.append((rho, self.p.rank[project], project, alpha, classes, weights))
            affordable = {project for project, pattern in patterns.items() if pattern is not None}
            self.outcome.unaffordable |= live - affordable
            if not priced:
                rounds.append(RoundRecord(None, (), 0.0, patterns, {}))
                break
            floor = min(entry[0] for entry in priced)
            close = [entry for entry in priced if entry[0] <= floor * (1 + TOLERANCE)]
            if len(close) > 1:
                self.outcome.exact_decisions += 1

                def exact_key(c: tuple[float, int, str, float, Any, Any]) -> tuple[Fraction, int]:
                    alpha = self._exact_alpha_for(c[2], c[4], c[5], c[3])
                    if alpha is None:
                        raise _NeedsExact
                    return alpha / self.p.costs[c[2]], c[1]

                close.sort(key=exact_key)
            else:
                close.sort(key=lambda c: c[1])
            best = close[0]
            prices = self._prices_and_room(patterns, priced, best[2])
            rounds.append(RoundRecord(best[2], patterns[best[2]] or (), best[0], patterns, prices))
            self._fund(best[2], best[3], best[4], best[5])
            live = affordable - {best[2]} - self.outcome.excluded
        return self.outcome, Structure(float(self.b0), tuple(rounds))

    def _prices_and_room(
        self,
        patterns: dict[str, tuple[int, ...] | None],
        priced: list[tuple[float, int, str, float, Any, Any]],
        selected: str,
    ) -> dict[str, tuple[float, float]]:
        """Each affordable candidate's price and how it moves with the per-voter budget, and
        (in ``self.room``) an estimate of how far that budget can rise before this round could
        change: the nearest zero of its affine margins. Only an estimate: add1 checks the
        records at both ends before skipping anything."""

        def until_zero(value: float, slope: float) -> float:
            # A margin now >= 0 and falling, or < 0 and rising, reaches zero after this.
            if value >= 0 > slope or value < 0 < slope:
                return abs(value / slope)
            return float("inf")

        room = self.room
        prices: dict[str, tuple[float, float]] = {}
        for rho, _rank, project, alpha, classes, weights in priced:
            budgets = self.class_budget[classes]
            slopes = self.class_slope[classes]
            slope_alpha = self._alpha_slope(classes, weights, budgets <= alpha)
            cost = self.cost_f[project]
            prices[project] = (rho, slope_alpha / cost)
            room = min(room, until_zero(float(budgets @ weights) - cost, float(slopes @ weights)))
            if project != selected:
                continue
            margin = alpha - budgets  # >= 0: this class pays in full
            margin_slope = slope_alpha - slopes
            falling = (margin >= 0) & (margin_slope < 0)
            rising = (margin < 0) & (margin_slope > 0)
            if falling.any():
                room = min(room, float((margin[falling] / -margin_slope[falling]).min()))
            if rising.any():
                room = min(room, float((-margin[rising] / margin_slope[rising]).min()))
        for project, pattern in patterns.items():
            if pattern is None:  # unaffordable now: when could its supporters afford it?
                classes, weights = self._classes_of(project)
                total = float(self.class_budget[classes] @ weights) - self.cost_f[project]
                room = min(room, until_zero(total, float(self.class_slope[classes] @ weights)))
        rho_s, slope_s = prices[selected]
        for project, (rho, slope) in prices.items():
            if project != selected:
                room = min(room, until_zero(rho - rho_s, slope - slope_s))
        self.room = room
        return prices

    def _full_payers(
        self, project: str, alpha: float, classes: Any, weights: Any
    ) -> tuple[int, ...]:
        """The classes that would pay all they have for ``project`` (budget <= alpha), exactly."""
        budgets = self.class_budget[classes]
        near = self.np.abs(budgets - alpha) <= TOLERANCE * alpha
        full = set(classes[(budgets <= alpha) & ~near].tolist())
        if bool(near.any()):
            exact = self._exact_alpha_for(project, classes, weights, alpha)
            if exact is None:
                raise _NeedsExact
            full |= {k for k in classes[near].tolist() if self._exact_class_budget(k) <= exact}
        return tuple(sorted(full))

    def _pop_live(self, heap: list[tuple[float, int, str]]) -> tuple[float, int, str] | None:
        while heap:
            entry = heapq.heappop(heap)
            if entry[2] not in self.outcome.excluded:
                return entry
        return None

    def _next(self, heap: list[tuple[float, int, str]]) -> tuple[str, float, Any, Any] | None:
        """The project to fund next, with its float alpha and paying classes; None when done."""
        while True:
            top = self._pop_live(heap)
            if top is None:
                return None
            _lower, rank, project = top
            alpha, classes, weights = self._alpha(project)
            if alpha is None:
                self.outcome.unaffordable.add(project)
                continue
            rho = alpha / self.cost_f[project]
            rival = heap[0][0] if heap else None
            if rival is None or rho < rival * (1 - TOLERANCE):
                return (project, alpha, *self._paying(project, classes, weights))
            if rho > rival * (1 + TOLERANCE):
                heapq.heappush(heap, (rho, rank, project))
                continue
            return self._resolve_near_tie(heap, (rho, rank, project, alpha, classes, weights))

    def _resolve_near_tie(
        self, heap: list[tuple[float, int, str]], first: tuple[float, int, str, float, Any, Any]
    ) -> tuple[str, float, Any, Any] | None:
        """Several projects' prices are within the tolerance: compare them exactly."""
        cluster = [first]
        ceiling = first[0] * (1 + TOLERANCE)
        while heap and heap[0][0] <= ceiling:
            entry = self._pop_live(heap)
            if entry is None:
                break
            _lower, rank, project = entry
            alpha, classes, weights = self._alpha(project)
            if alpha is None:
                self.outcome.unaffordable.add(project)
                continue
            rho = alpha / self.cost_f[project]
            if rho > ceiling:
                heapq.heappush(heap, (rho, rank, project))
                continue
            cluster.append((rho, rank, project, alpha, classes, weights))
            ceiling = min(ceiling, rho * (1 + TOLERANCE))
        floor = min(c[0] for c in cluster)
        close = [c for c in cluster if c[0] <= floor * (1 + TOLERANCE)]
        for c in cluster:
            if c not in close:
                heapq.heappush(heap, (c[0], c[1], c[2]))
        self.outcome.exact_decisions += 1

        def exact_key(c: tuple[float, int, str, float, Any, Any]) -> tuple[Fraction, int]:
            alpha = self._exact_alpha_for(c[2], *self._paying(c[2], c[4], c[5]), c[3])
            if alpha is None:
                raise _NeedsExact
            return alpha / self.p.costs[c[2]], c[1]

        close.sort(key=exact_key)
        best = close[0]
        for c in close[1:]:
            heapq.heappush(heap, (c[0], c[1], c[2]))
        return (best[2], best[3], *self._paying(best[2], best[4], best[5]))

    def _fund(self, project: str, alpha: float, classes: Any, weights: Any) -> None:
        np = self.np
        selection = len(self.selections)
        self.selections.append((project, classes, weights, alpha))
        # One child class per paying class: budget - min(budget, alpha).
        needed = self.n_classes + len(classes)
        if needed > len(self.class_budget):
            size = max(needed, 2 * len(self.class_budget))
            grown = np.empty(size, dtype=np.float64)
            grown[: self.n_classes] = self.class_budget[: self.n_classes]
            self.class_budget = grown
            grown_slope = np.empty(size, dtype=np.float64)
            grown_slope[: self.n_classes] = self.class_slope[: self.n_classes]
            self.class_slope = grown_slope
            for name in ("class_parent", "class_selection"):
                grown_link = np.full(size, -1, dtype=np.int64)
                grown_link[: self.n_classes] = getattr(self, name)[: self.n_classes]
                setattr(self, name, grown_link)
        children = np.arange(self.n_classes, needed, dtype=np.int64)
        before = self.class_budget[classes]
        self.class_budget[self.n_classes : needed] = before - np.minimum(before, alpha)
        if self.track_slopes:
            full = before <= alpha
            slope_alpha = self._alpha_slope(classes, weights, full)
            self.class_slope[self.n_classes : needed] = np.where(
                full, 0.0, self.class_slope[classes] - slope_alpha
            )
        remap = np.arange(needed, dtype=np.int64)
        remap[classes] = children
        groups = self.index[project]
        self.group_class[groups] = remap[self.group_class[groups]]
        self.class_parent[self.n_classes : needed] = classes
        self.class_selection[self.n_classes : needed] = selection
        self.n_classes = needed
        self.outcome.winners.append(project)
        _exclude_rivals(self.p, project, self.outcome)

    def _alpha_slope(self, classes: Any, weights: Any, full: Any) -> float:
        """d(alpha)/d(per-voter budget) for a fixed set of full payers."""
        partial_weight = float(weights[~full].sum())
        if partial_weight == 0:
            return 0.0
        return -float((weights[full] * self.class_slope[classes][full]).sum()) / partial_weight

    def finish(self) -> MesOutcome:
        """The outcome, its exact payments pending on this run. The run lets go of the outcome,
        so that the two form no reference cycle (add1 makes many runs; they are freed at once,
        without waiting for the cyclic garbage collector)."""
        outcome, self.outcome = self.outcome, MesOutcome()
        outcome.pending_payments = self.exact_payments
        return outcome

    def exact_payments(self) -> dict[str, Fraction]:
        """Every selection's exact alpha, in the order funded (see :class:`_Settlement`), each
        class's record a 0/1 row of the selections its voters paid in part, so that the voters
        of a selection's clear full payers who paid each earlier one are one matrix product."""
        np = self.np
        # paid[k, s]: class k's voters paid selection s in part; empty[k]: they hold nothing.
        paid = np.zeros((self.n_classes, len(self.selections)), dtype=np.uint8)
        empty = np.zeros(self.n_classes, dtype=bool)
        settlement = _Settlement(self.b0)
        first = 1  # the first class each selection made (class 0 is everyone at the start)
        one = np.ones(1)  # a near class's voters, one at a time

        def held(rows: Any, voters: Any) -> Fraction:
            times = (voters @ rows)[: len(settlement.scaled)].astype(np.int64).tolist()
            return settlement.held(round(float(voters.sum())), times)

        for s, (project, classes, weights, alpha_f) in enumerate(self.selections):
            budgets = self.class_budget[classes]
            gone = empty[classes]
            above = (budgets > alpha_f * (1 + TOLERANCE)) & ~gone
            below = (budgets < alpha_f * (1 - TOLERANCE)) & ~gone
            near_mask = ~(above | below | gone)
            rows = paid[classes]
            near_budgets = [held(rows[i : i + 1], one) for i in np.flatnonzero(near_mask).tolist()]
            alpha = settlement.settle(
                self.p.costs[project] - held(rows[below], weights[below]),
                round(float(weights[above].sum())),
                near_budgets,
                [round(n) for n in weights[near_mask].tolist()],
                alpha_f,
            )
            self.exact_alpha[s] = alpha
            # The classes this selection made, one per paying class in the same order.
            children = slice(first, first + len(classes))
            first += len(classes)
            keeps = above.copy()
            if near_budgets:
                keeps[near_mask] = [b > alpha for b in near_budgets]
            paid[children] = rows
            paid[children, s] = keeps
            empty[children] = ~keeps
        return {project: self.exact_alpha[s] for s, (project, *_r) in enumerate(self.selections)}


class _Settlement:
    """Settling a run's exact payments, a selection at a time in the order funded.

    A class's exact budget is the start budget less the alphas of the selections its voters
    paid in part, or exactly nothing once they have paid all they had; each engine records
    both per class as it goes (a selection's classes hold their parents' record and one step
    more), so each selection needs only the alphas before it. What a selection's clear full
    payers hold is then the start budget less, for each earlier selection, how many of them
    paid it times its alpha: whole numbers over one common denominator here, not Fractions.
    Classes too close to alpha to tell in floats are sorted exactly, as in
    :meth:`_FastRun._exact_alpha_for`.
    """

    def __init__(self, start: Fraction) -> None:
        self.denominator = start.denominator
        self.start = start.numerator  # the start budget in 1/denominator
        self.scaled: list[int] = []  # each settled selection's alpha in 1/denominator

    def held(self, voters: int, times: Sequence[int]) -> Fraction:
        """What ``voters`` voters hold, ``times[s]`` of whom paid selection s in part."""
        paid = sum(map(operator.mul, self.scaled, times))
        return Fraction(self.start * voters - paid, self.denominator)

    def settle(
        self,
        remaining: Fraction,
        heads: int,
        near_budgets: list[Fraction],
        near_voters: list[int],
        alpha_f: float,
    ) -> Fraction:
        """The next selection's exact alpha (see :func:`_fill`), which is then settled."""
        alpha = _fill(remaining, heads, list(zip(near_budgets, near_voters, strict=True)))
        # None: the float run funded what exact arithmetic cannot. Outside the band: the
        # float alpha was further off than the tolerance, so the clear cases may not be.
        if alpha is None or not alpha_f * (1 - TOLERANCE) <= alpha <= alpha_f * (1 + TOLERANCE):
            raise _NeedsExact
        # alpha in whole numbers of a new common denominator, the others rescaled to it.
        common = math.lcm(self.denominator, alpha.denominator)
        if common != self.denominator:
            factor = common // self.denominator
            self.scaled = [a * factor for a in self.scaled]
            self.start *= factor
            self.denominator = common
        self.scaled.append(alpha.numerator * (common // alpha.denominator))
        return alpha


class _PureRun(_FastRun):
    """The lazy float engine (``_FastRun.run``) with Python lists and floats instead of numpy
    arrays: the same decisions, every close one re-decided exactly by the same code. Without
    numpy's import (a tenth of a second) it is the quicker for one MES run on all but the
    largest elections. Not for add1's recorded runs (``run_structure``), which stay on numpy.
    """

    def __init__(self, problem: MesProblem, per_voter_budget: Fraction) -> None:
        self.p = problem
        self.b0 = per_voter_budget
        # Lists where _FastRun has arrays (typed Any there): the shared code only indexes them.
        self.group_class = [0] * len(problem.group_counts)
        self.class_budget = [float(per_voter_budget)]
        self.class_parent = [-1]
        self.class_selection = [-1]
        self.room = float("inf")
        self.track_slopes = False
        self.n_classes = 1
        self.exact_budget = {0: per_voter_budget}
        self.payment_lanes = {0: 0}
        self.lane_bits = max(problem.voters, 1).bit_length()
        self.selections = []
        self.exact_alpha = {}
        if "pure_heads" not in problem.arrays:
            problem.arrays["pure_heads"] = {p: sum(s.counts) for p, s in problem.supporters.items()}
            problem.arrays["pure_cost_f"] = {p: float(c) for p, c in problem.costs.items()}
            # Per project, its groups of one voter apart from the larger ones (with their
            # sizes): the first are counted by class in C (collections.Counter).
            singles: dict[str, list[int]] = {}
            larger: dict[str, tuple[list[int], list[int]]] = {}
            for p, s in problem.supporters.items():
                singles[p] = [g for g, n in zip(s.groups, s.counts, strict=True) if n == 1]
                pairs = [(g, n) for g, n in zip(s.groups, s.counts, strict=True) if n != 1]
                larger[p] = ([g for g, _n in pairs], [n for _g, n in pairs])
            problem.arrays["pure_singles"] = singles
            problem.arrays["pure_larger"] = larger
        self.heads = problem.arrays["pure_heads"]
        self.cost_f = problem.arrays["pure_cost_f"]
        self.singles = problem.arrays["pure_singles"]
        self.larger = problem.arrays["pure_larger"]
        self.outcome = MesOutcome()

    def _as_lists(self, classes: Any, weights: Any) -> tuple[list[int], list[float], list[int]]:
        budget = self.class_budget
        return classes, [budget[k] for k in classes], weights

    def exact_payments(self) -> dict[str, Fraction]:
        """Every selection's exact alpha, in the order funded (see :class:`_Settlement`), each
        class's record its payment lanes (see :meth:`_payment_lanes`; None: it holds nothing),
        so that the voters of a selection's clear full payers who paid each earlier one are
        counted in one sum of big integers."""
        bits = self.lane_bits
        records: list[int | None] = [0]  # per class, in the order made
        settlement = _Settlement(self.b0)
        budget = self.class_budget
        for s, (project, classes, weights, alpha_f) in enumerate(self.selections):
            low, high = alpha_f * (1 - TOLERANCE), alpha_f * (1 + TOLERANCE)
            step = 1 << (s * bits)
            heads = full = paid = 0
            made: list[int | None] = []  # the record of each class this selection makes
            near: list[tuple[int, int]] = []  # (position in made, record)
            near_voters: list[int] = []
            for k, n in zip(classes, weights, strict=True):
                record = records[k]
                if record is None or budget[k] < low:
                    if record is not None:
                        full += n
                        paid += record * n
                    made.append(None)
                elif budget[k] > high:
                    heads += n
                    made.append(record + step)
                else:
                    near.append((len(made), record))
                    near_voters.append(n)
                    made.append(record)
            near_budgets = [settlement.held(1, self._lanes(record, s)) for _i, record in near]
            alpha = settlement.settle(
                self.p.costs[project] - settlement.held(full, self._lanes(paid, s)),
                heads,
                near_budgets,
                near_voters,
                alpha_f,
            )
            self.exact_alpha[s] = alpha
            for (i, record), b in zip(near, near_budgets, strict=True):
                made[i] = record + step if b > alpha else None
            records.extend(made)
        return {project: self.exact_alpha[s] for s, (project, *_r) in enumerate(self.selections)}

    def _lanes(self, total: int, selections: int) -> list[int]:
        """The first ``selections`` lanes of a sum of payment lanes, as numbers."""
        bits, lane = self.lane_bits, (1 << self.lane_bits) - 1
        return [(total >> (s * bits)) & lane for s in range(selections)]

    def _classes_of(self, project: str) -> tuple[Any, Any]:
        """The classes of ``project``'s supporters and how many voters each has (in order of
        first appearance, not sorted: nothing depends on the order of classes)."""
        class_of = self.group_class.__getitem__
        totals = collections.Counter(map(class_of, self.singles[project]))
        groups, sizes = self.larger[project]
        if groups:
            get = totals.get
            for k, n in zip(map(class_of, groups), sizes, strict=True):
                totals[k] = get(k, 0) + n
        return list(totals), list(totals.values())

    def _alpha(self, project: str) -> tuple[float | None, Any, Any]:
        """Float alpha (None: unaffordable), and the paying classes with their voter counts."""
        classes, weights = self._classes_of(project)
        class_budget = self.class_budget
        budgets = [class_budget[k] for k in classes]
        cost = self.cost_f[project]
        total = math.fsum(map(operator.mul, budgets, weights))
        if abs(total - cost) <= TOLERANCE * cost:
            exact = self._exact_alpha_for(project, classes, weights, None)
            self.outcome.exact_decisions += 1
            return (None if exact is None else float(exact)), classes, weights
        if total < cost:
            return None, classes, weights
        if 0.0 not in budgets:
            # Everyone can pay cost / heads (the first round below, the usual case): done.
            alpha = cost / sum(weights)
            if min(budgets) >= alpha:
                return alpha, classes, weights
        # Water-filling as in _FastRun._alpha (the same rounds, so the same float alpha up to
        # the order of summing): those who cannot pay alpha pay what they have, which raises
        # alpha for the rest. With the budgets sorted, the short ones are a growing prefix
        # (the order among equal budgets changes nothing: fsum is exact). Classes that have
        # nothing left (many, late in a run) pay nothing whatever alpha is.
        order = sorted([i for i, b in enumerate(budgets) if b > 0.0], key=budgets.__getitem__)
        heads = sum(map(weights.__getitem__, order))
        alpha = cost / heads
        paid: list[float] = []
        i = 0
        while True:
            j = i
            while j < len(order) and budgets[order[j]] < alpha:
                budget, n = budgets[order[j]], weights[order[j]]
                paid.append(budget * n)
                heads -= n
                j += 1
            if j == i:
                return alpha, classes, weights
            i = j
            if heads <= 0:  # everyone pays all they have (total == cost, within the tolerance)
                return max(budgets), classes, weights
            alpha = (cost - math.fsum(paid)) / heads

    def _fund(self, project: str, alpha: float, classes: Any, weights: Any) -> None:
        selection = len(self.selections)
        self.selections.append((project, classes, weights, alpha))
        class_budget = self.class_budget
        # One child class per paying class, holding budget - min(budget, alpha).
        first = len(class_budget)
        child = dict(zip(classes, range(first, first + len(classes)), strict=True))
        budgets = list(map(class_budget.__getitem__, classes))
        class_budget.extend([b - alpha if b > alpha else 0.0 for b in budgets])
        self.class_parent.extend(classes)
        self.class_selection.extend(itertools.repeat(selection, len(classes)))
        self.n_classes = len(class_budget)
        # Each supporting group moves to its class's child (the stores run in C).
        group_class = self.group_class
        groups = self.p.supporters[project].groups
        moved = map(child.__getitem__, map(group_class.__getitem__, groups))
        collections.deque(map(group_class.__setitem__, groups, moved), maxlen=0)
        self.outcome.winners.append(project)
        _exclude_rivals(self.p, project, self.outcome)


def mes_pure(problem: MesProblem, per_voter_budget: Fraction) -> MesOutcome:
    """MES for cost utilities with Python floats (no numpy), every close decision re-decided
    exactly; the same answer as ``mes_fast`` and ``mes_exact``."""
    if not problem.cost_utilities:
        raise ValueError("the float engine handles cost utilities only")
    if not floats_fit(problem, per_voter_budget):
        return mes_exact(problem, per_voter_budget)
    try:
        run = _PureRun(problem, per_voter_budget)
        run.run()
    except _NeedsExact:
        return mes_exact(problem, per_voter_budget)
    return run.finish()


def run_mes(
    problem: MesProblem, per_voter_budget: Fraction, numpy_loader: Callable[[], Any] | None
) -> MesOutcome:
    """The fast engine where it applies and numpy is available, else the exact one."""
    if problem.cost_utilities and numpy_loader is not None:
        np = numpy_loader()
        if np is not None:
            return mes_fast(problem, per_voter_budget, np)
    return mes_exact(problem, per_voter_budget)
