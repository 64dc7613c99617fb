"""Property tests of the tally engine against the slow reference (tests/tally/reference.py).

Small random profiles of every ballot kind, every rule and completion: the engine's winners, in
funding order, are the reference's; the budget is never exceeded; no MES voter pays more than
they hold; permuting voters changes neither the result nor its hashes; the input hash changes
with the rule and with a ballot. About 2,300 examples in the reference-equality tests.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.tally import engine, mes
from backend.tally.profile import Ballot, BallotKind, Profile, Project, group_ballots
from backend.tally.result import Reason, Result
from backend.tally.rules import Completion, Rule, RuleError, RuleName, fraction_text
from tests.tally import reference
from tests.tally.strategies import profiles, rules, ungrouped

SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
CARDINAL = (BallotKind.APPROVAL, BallotKind.CHOOSE_1, BallotKind.CUMULATIVE)


@contextmanager
def exact_engine() -> Iterator[None]:
    """Run the engine as on a machine without numpy: its exact MES only."""
    if not hasattr(engine, "NUMPY"):
        pytest.skip("the engine no longer has a numpy switch")
    saved = engine.NUMPY, engine.PURE_FLOAT
    engine.NUMPY, engine.PURE_FLOAT = None, False
    try:
        yield
    finally:
        engine.NUMPY, engine.PURE_FLOAT = saved


def check_against_reference(profile: Profile, rule: Rule) -> Result:
    """Everything the engine says that the reference can check."""
    result = engine.tally(profile, rule)
    expected = reference.tally(profile, rule)

    assert result.winners == expected.winners, (rule, profile)
    assert result.spent == expected.spent == reference.total_cost(profile, result.winners)
    # The budget is never exceeded.
    assert result.spent <= profile.budget
    assert result.budget == profile.budget
    assert len(set(result.winners)) == len(result.winners)

    # Outcomes agree with the winners.
    assert set(result.outcomes) == set(profile.projects)
    for project, outcome in result.outcomes.items():
        assert outcome.funded == (project in result.winners), project
        if outcome.funded:
            assert outcome.rank == result.winners.index(project) + 1
            assert outcome.reason in (Reason.FUNDED, Reason.FUNDED_BY_COMPLETION)
        else:
            assert outcome.reason not in (Reason.FUNDED, Reason.FUNDED_BY_COMPLETION)
        assert outcome.cost == profile.projects[project].cost
        assert outcome.score == reference.scores(profile)[project]
        # Supporters: the voters whose ballot names it (counted one way for greedy, another
        # for MES, which needs each project's ballots anyway).
        assert outcome.supporters == sum(b.count for b in profile.ballots if project in b.projects)

    if rule.name is RuleName.MES:
        if rule.completion is Completion.NONE:
            assert result.add1_steps is None
        else:
            assert result.add1_steps == expected.add1_steps
        check_payments(profile, rule, result, expected)
    return result


def check_payments(
    profile: Profile, rule: Rule, result: Result, expected: reference.RefResult
) -> None:
    """No MES voter pays more than they hold, and the engine's max_payment is the reference's."""
    assert expected.per_voter_budget is not None
    paid_by: dict[int, Fraction] = {}
    for project, payments in expected.payments.items():
        for payment in payments:
            assert 0 <= payment.paid <= payment.budget_before
            paid_by[payment.voter] = paid_by.get(payment.voter, Fraction(0)) + payment.paid
        most = max(payment.paid for payment in payments)
        assert result.outcomes[project].max_payment == most, project
        assert most <= expected.per_voter_budget
        assert sum(payment.paid for payment in payments) == profile.projects[project].cost
    assert all(total <= expected.per_voter_budget for total in paid_by.values())
    # Projects the greedy completion adds are paid from what MES left, not by voters.
    for project in result.winners:
        if project not in expected.payments:
            assert rule.completion is Completion.ADD1_GREEDY
            assert result.outcomes[project].reason is Reason.FUNDED_BY_COMPLETION


# --- the engine equals the reference -----------------------------------------------------------


@settings(max_examples=700, **SETTINGS)
@given(st.data())
def test_greedy_matches_the_reference(data: st.DataObject) -> None:
    profile = data.draw(profiles())
    rule = data.draw(rules(profile, names=(RuleName.GREEDY, RuleName.GREEDY_NO_SKIP)))
    check_against_reference(profile, rule)


@settings(max_examples=600, **SETTINGS)
@given(st.data())
def test_mes_matches_the_reference(data: st.DataObject) -> None:
    profile = data.draw(profiles(kinds=CARDINAL))
    rule = data.draw(rules(profile, names=(RuleName.MES,), completions=(Completion.NONE,)))
    check_against_reference(profile, rule)


@settings(max_examples=600, **SETTINGS)
@given(st.data())
def test_mes_with_completions_matches_the_reference(data: st.DataObject) -> None:
    profile = data.draw(profiles(kinds=CARDINAL))
    rule = data.draw(
        rules(profile, names=(RuleName.MES,), completions=(Completion.ADD1, Completion.ADD1_GREEDY))
    )
    check_against_reference(profile, rule)


@settings(max_examples=400, **SETTINGS)
@given(st.data())
def test_exact_mes_without_numpy_matches_the_reference(data: st.DataObject) -> None:
    """Where numpy is installed the engine takes a float path for cost utilities; this is the
    exact path a machine without numpy takes."""
    profile = data.draw(profiles(kinds=(BallotKind.APPROVAL, BallotKind.CHOOSE_1)))
    rule = data.draw(rules(profile, names=(RuleName.MES,)))
    with exact_engine():
        check_against_reference(profile, rule)


@contextmanager
def pure_float_engine() -> Iterator[None]:
    """Force the lazy float engine on Python lists (mes_pure) even on the smallest profiles."""
    saved = engine.EXACT_MAX_ENTRIES, engine.PURE_FLOAT
    engine.EXACT_MAX_ENTRIES, engine.PURE_FLOAT = -1, True
    try:
        yield
    finally:
        engine.EXACT_MAX_ENTRIES, engine.PURE_FLOAT = saved


@settings(max_examples=400, **SETTINGS)
@given(st.data())
def test_pure_float_mes_matches_the_reference(data: st.DataObject) -> None:
    """One MES run on a mid-size or large election takes mes_pure (no numpy import); winners
    and exact payments equal the reference's."""
    profile = data.draw(profiles(kinds=(BallotKind.APPROVAL, BallotKind.CHOOSE_1)))
    rule = data.draw(rules(profile, names=(RuleName.MES,), completions=(Completion.NONE,)))
    with pure_float_engine():
        check_against_reference(profile, rule)


def larger_mes_problem(data: st.DataObject) -> tuple[mes.MesProblem, Fraction]:
    """An approval profile larger than the reference can take, as the MES engines see it, and
    its per-voter budget."""
    profile = data.draw(
        profiles(kinds=(BallotKind.APPROVAL,), max_projects=10, max_voters=60, file_groups=False)
    )
    rule = Rule(name=RuleName.MES)
    ranks = engine.tie_ranks(profile, rule)
    problem = engine.mes_problem(profile, ranks, {}, engine.scores(profile), None)
    return problem, profile.budget / profile.voters


@settings(max_examples=300, **SETTINGS)
@given(st.data())
def test_the_three_mes_engines_give_the_same_outcome(data: st.DataObject) -> None:
    """Larger profiles than the reference can take: exact Fractions, floats on numpy arrays
    and floats on Python lists give the same winners, in order, and the same exact payments."""
    numpy = pytest.importorskip("numpy")
    problem, base = larger_mes_problem(data)
    exact = mes.mes_exact(problem, base)
    for fast in (mes.mes_fast(problem, base, numpy), mes.mes_pure(problem, base)):
        settled = mes.settled(problem, base, fast)
        assert settled.winners == exact.winners
        assert settled.max_payment == exact.max_payment


@settings(max_examples=200, **SETTINGS)
@given(st.data())
def test_the_float_engines_price_every_project_as_exact_arithmetic_does(
    data: st.DataObject,
) -> None:
    """After a run, when the supporters' budgets are most uneven, each float engine's price of
    every project (its water-filling) is the exact price up to rounding, and it finds a project
    unaffordable exactly where exact arithmetic does. Decisions are re-made exactly only near a
    tie, so a price that is wrong by a little would otherwise go unseen on small profiles."""
    numpy = pytest.importorskip("numpy")
    problem, base = larger_mes_problem(data)
    for run in (mes._FastRun(problem, base, numpy), mes._PureRun(problem, base)):
        try:
            run.run()
            for project in sorted(problem.candidates):
                alpha, _classes, _weights = run._alpha(project)
                exact = run._exact_alpha_for(project, *run._classes_of(project), None)
                if exact is None:
                    assert alpha is None, project
                else:
                    assert alpha is not None, project
                    assert abs(alpha - float(exact)) <= 1e-9 * float(exact), project
        except mes._NeedsExact:  # the float run handed over to exact arithmetic: nothing to check
            continue


@settings(max_examples=200, **SETTINGS)
@given(st.data())
def test_both_float_engines_settle_every_payment_as_one_selection_at_a_time_does(
    data: st.DataObject,
) -> None:
    """Both float engines settle all their selections in one pass, in the order funded, from
    each class's record of what its voters paid: every price equals the one worked out
    selection by selection from each class's history, and a float price further from the exact
    one than the tolerance is refused, not trusted (the exact engine then decides)."""
    numpy = pytest.importorskip("numpy")
    problem, base = larger_mes_problem(data)
    for run in (mes._FastRun(problem, base, numpy), mes._PureRun(problem, base)):
        try:
            run.run()
            one_at_a_time = {
                project: run._exact_selection_alpha(i)
                for i, (project, *_rest) in enumerate(run.selections)
            }
        except mes._NeedsExact:  # the float run handed over to exact arithmetic: nothing to check
            continue
        assert run.exact_payments() == one_at_a_time
        if run.selections:
            project, classes, weights, alpha = run.selections[-1]
            run.selections[-1] = (project, classes, weights, alpha * (1 + 1e-6))
            with pytest.raises(mes._NeedsExact):
                run.exact_payments()


@st.composite
def supporters_to_price(
    draw: st.DrawFn,
) -> tuple[dict[tuple[int, Fraction | int], int], list[Fraction], Fraction]:
    """Supporters of one project as the exact engine groups them ((class, utility) -> voters),
    the classes' exact budgets and a cost: budgets often equal or in proportion to their
    utilities (ties in budget per unit of utility), some empty, and costs often exactly what
    the supporters hold, a little less or a little more."""
    n_classes = draw(st.integers(1, 6))
    small = st.fractions(min_value=0, max_value=20, max_denominator=12)
    exact = draw(st.lists(small, min_size=n_classes, max_size=n_classes))
    points = draw(st.booleans())
    utility = st.integers(1, 9) if points else st.just(draw(st.fractions(1, 50, max_denominator=7)))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n_classes - 1), utility), min_size=1, max_size=12, unique=True
        )
    )
    if draw(st.booleans()):  # make several budgets per unit of utility equal
        ratio = draw(st.fractions(0, 3, max_denominator=5))
        for k, u in pairs[: draw(st.integers(1, len(pairs)))]:
            exact[k] = ratio * u
    weight = {pair: draw(st.integers(1, 40)) for pair in pairs}
    total = sum(exact[k] * n for (k, _u), n in weight.items())
    nudge = draw(st.sampled_from([Fraction(0), Fraction(1, 10**12), Fraction(-1, 10**12)]))
    cost = draw(st.one_of(st.just(total + nudge), st.fractions(1, max(total, Fraction(1)) * 2)))
    return weight, exact, max(cost, Fraction(1, 10**6))


@settings(max_examples=1000, **SETTINGS)
@given(supporters_to_price(), st.sampled_from([0.0, 2e-16, -2e-16]))
def test_the_exact_engine_screens_prices_in_floats_without_changing_them(
    case: tuple[dict[tuple[int, Fraction | int], int], list[Fraction], Fraction], off: float
) -> None:
    """The exact engine lets floats sort a project's supporters and place its price, and works
    out exactly only who is near it: the price is always _solve_rho's, with the budgets'
    floats rounded either way."""
    weight, exact, cost = case
    approx = [float(b) * (1 + off) for b in exact]
    keys = list(weight)
    expected = mes._solve_rho(
        [exact[k] for k, _u in keys], list(weight.values()), [u for _k, u in keys], cost
    )
    assert mes._screened_rho(weight, exact, approx, cost) == expected


def test_a_screened_price_that_floats_misplace_is_worked_out_exactly() -> None:
    """One class holds 1 and supports with a huge utility (it clearly pays all it holds); two
    pay the price, 1/10**10, one of them holding only a hair more than it. In floats the price
    is what is left of 1 + 2/10**10 after 1, which rounding puts 8e-8 too high: the second
    class then looks as if it paid all it held. The exact price so found falls outside the
    floats' band, so the supporters are sorted again exactly."""
    price = Fraction(1, 10**10)
    exact = [Fraction(1), Fraction(1), price * (1 + Fraction(1, 10**8))]
    weight: dict[tuple[int, Fraction | int], int] = {(0, 10**12): 1, (1, 1): 1, (2, 1): 1}
    cost = 1 + 2 * price
    assert mes._screened_rho(weight, exact, list(map(float, exact)), cost) == price
    assert mes._solve_rho(exact, [1, 1, 1], [10**12, 1, 1], cost) == price


def test_a_supporter_a_hair_short_of_the_screened_price_pays_all_it_holds() -> None:
    """Three voters share a cost of 3; one holds 1 - 1/10**12, too close to the price of about
    1 for floats to tell, so exact arithmetic finds that it pays all it holds and the other
    two share the rest."""
    hair = Fraction(1, 10**12)
    exact = [1 - hair, Fraction(10)]
    weight: dict[tuple[int, Fraction | int], int] = {(0, 1): 1, (1, 1): 2}
    assert mes._screened_rho(weight, exact, list(map(float, exact)), Fraction(3)) == 1 + hair / 2


def _points_profile(budget: Fraction, costs: dict[str, Fraction], ballots: list) -> Profile:
    """Cumulative ballots given as (projects, points, count)."""
    return Profile(
        kind=BallotKind.CUMULATIVE,
        budget=budget,
        projects={p: Project(id=p, cost=c) for p, c in costs.items()},
        ballots=[Ballot(projects=ps, points=pts, count=n) for ps, pts, n in ballots],
    )


TINY, HUGE = Fraction(3, 10**322), Fraction(10**310)
BEYOND_FLOATS = {
    # Amounts below the floats' normal range (subnormal): their sums lose precision.
    "a budget of 3/10**322": _points_profile(TINY, {"a": TINY}, [(("a",), (1,), 2)]),
    # Amounts beyond it: converting them overflows.
    "a budget of 10**310": _points_profile(HUGE, {"a": HUGE / 10**10}, [(("a",), (1,), 2)]),
    "per-voter budgets of 10**308": _points_profile(
        Fraction(2 * 10**308),
        {"a": Fraction(10**308), "b": Fraction(1)},
        [(("a",), (1,), 1), (("a", "b"), (1, 1), 1)],
    ),
    "points of 10**400": _points_profile(
        Fraction(10), {"a": Fraction(7)}, [(("a",), (10**400,), 1), (("a",), (1,), 1)]
    ),
    "a cost of 10**400": _points_profile(
        Fraction(10), {"a": Fraction(10**400), "b": Fraction(4)}, [(("a", "b"), (1, 2), 2)]
    ),
    # Points 10**20 apart: in floats the smaller supporter's share of the utility vanishes.
    "points 10**20 and 1": _points_profile(
        Fraction(10), {"a": Fraction(7)}, [(("a",), (10**20,), 1), (("a",), (1,), 1)]
    ),
    "approvals and a cost of 10**400": Profile(
        kind=BallotKind.APPROVAL,
        budget=Fraction(10**401),
        projects={"a": Project(id="a", cost=Fraction(10**400)), "b": Project(id="b", cost=TINY)},
        ballots=[Ballot(projects=("a", "b"), count=2), Ballot(projects=("b",), count=1)],
    ),
}


@pytest.mark.parametrize("name", sorted(BEYOND_FLOATS))
@pytest.mark.parametrize(
    "completion", [Completion.NONE, Completion.ADD1, Completion.ADD1_GREEDY], ids=str
)
def test_elections_beyond_the_float_range_are_tallied_exactly(
    name: str, completion: Completion
) -> None:
    """Floats screen MES's decisions only where every amount keeps a float's precision; beyond
    that (amounts past 1e300 or below 1e-300, points far apart) the answer is still the exact
    one, never a crash (each of these crashed or differed while floats screened them)."""
    result = check_against_reference(
        BEYOND_FLOATS[name], Rule(name=RuleName.MES, completion=completion)
    )
    assert result.winners, name


def test_a_ballot_of_no_voters_weighs_nothing() -> None:
    """A group of zero voters (a profile made in code; files never give one) supports with
    weight zero: the exact engine's count of a project's supporters corrects it."""
    profile = _points_profile(
        Fraction(10),
        {"a": Fraction(6), "b": Fraction(5)},
        [(("a",), (1,), 0), (("a", "b"), (1, 2), 1), (("b",), (1,), 1)],
    )
    with exact_engine():
        assert engine.tally(profile, Rule(name=RuleName.MES)).winners == ["b"]


def test_points_that_do_not_match_their_projects_are_refused() -> None:
    profile = _points_profile(Fraction(10), {"a": Fraction(6)}, [(("a",), (1, 2), 1)])
    with pytest.raises(ValueError, match="points"):
        engine.tally(profile, Rule(name=RuleName.MES))


def test_close_calls_in_the_pure_float_engine_are_decided_exactly() -> None:
    """Three voters, 1/3 each: a project costing exactly what they hold together (a float sum
    of thirds is not exactly 1), and two projects whose prices tie exactly, broken by the tie
    order."""
    profile = _profile(
        BallotKind.APPROVAL,
        Fraction(1),
        {"a": 1, "b": 1, "c": 1},
        [("a", "b"), ("a", "b"), ("a", "b", "c")],
    )
    with pure_float_engine():
        result = check_against_reference(profile, Rule(name=RuleName.MES))
    assert result.winners == ["a"]
    assert result.outcomes["a"].max_payment == Fraction(1, 3)


# --- invariance and hashes ---------------------------------------------------------------------


def reshuffled(profile: Profile, seed: int, how: str) -> Profile:
    """The same voters in another order, grouped another way, projects listed in another order."""
    rng = random.Random(seed)
    voters = ungrouped(profile)
    rng.shuffle(voters)
    if how == "grouped":
        ballots = group_ballots(voters)
    elif how == "ungrouped":
        ballots = voters
    else:  # identical ballots split into several groups at random
        ballots = []
        for ballot in group_ballots(voters):
            left = ballot.count
            while left:
                size = rng.randint(1, left)
                ballots.append(replace(ballot, count=size))
                left -= size
        rng.shuffle(ballots)
    ids = list(profile.projects)
    rng.shuffle(ids)
    return replace(
        profile,
        ballots=ballots,
        projects={p: profile.projects[p] for p in ids},
        meta=dict(profile.meta),
    )


@settings(max_examples=250, **SETTINGS)
@given(
    st.data(),
    st.integers(min_value=0, max_value=2**32),
    st.sampled_from(["grouped", "ungrouped", "split"]),
)
def test_permuting_voters_changes_neither_result_nor_hashes(
    data: st.DataObject, seed: int, how: str
) -> None:
    profile = data.draw(profiles())
    rule = data.draw(rules(profile))
    first = engine.tally(profile, rule)
    again = engine.tally(reshuffled(profile, seed, how), rule)
    assert again.winners == first.winners
    assert again.spent == first.spent
    assert again.add1_steps == first.add1_steps
    assert again.outcomes == first.outcomes
    assert again.input_sha256 == first.input_sha256
    assert again.result_sha256 == first.result_sha256
    assert len(first.input_sha256) == len(first.result_sha256) == 64


def other_rules(profile: Profile, rule: Rule) -> list[Rule]:
    """Rules that differ from ``rule`` in one parameter."""
    changed = [
        replace(
            rule, min_score=Fraction(1) if rule.min_score != 1 else Fraction(2), min_share=None
        ),
        replace(
            rule,
            min_share=Fraction(1, 2) if rule.min_share != Fraction(1, 2) else None,
            min_score=None,
        ),
        replace(
            rule,
            tie_order=tuple(reversed(sorted(profile.projects))) if rule.tie_order is None else None,
        ),
    ]
    if rule.name is RuleName.MES:
        changed.append(replace(rule, name=RuleName.GREEDY, completion=Completion.NONE))
        changed += [replace(rule, completion=c) for c in Completion if c is not rule.completion]
    else:
        changed.append(
            replace(
                rule,
                name=RuleName.GREEDY
                if rule.name is RuleName.GREEDY_NO_SKIP
                else RuleName.GREEDY_NO_SKIP,
            )
        )
    if len(profile.projects) >= 2:
        pair = tuple(sorted(profile.projects)[:2])
        changed.append(replace(rule, exclusive=() if rule.exclusive == (pair,) else (pair,)))
    return [r for r in changed if r.describe() != rule.describe()]


def changed_ballot(profile: Profile, data: st.DataObject) -> Profile:
    """One voter's ballot changed (a project added, dropped, or its points or place changed)."""
    voters = ungrouped(profile)
    i = data.draw(st.integers(min_value=0, max_value=len(voters) - 1), label="voter")
    ballot = voters[i]
    ids = sorted(profile.projects)
    missing = [p for p in ids if p not in ballot.projects]
    if profile.kind is BallotKind.CUMULATIVE:
        if ballot.projects:
            assert ballot.points is not None
            points = (ballot.points[0] + 1, *ballot.points[1:])
            new = Ballot(projects=ballot.projects, points=points, count=1)
        else:
            new = Ballot(projects=(ids[0],), points=(1,), count=1)
    elif profile.kind is BallotKind.ORDINAL and len(ballot.projects) >= 2:
        new = Ballot(projects=ballot.projects[::-1], count=1)
    elif profile.kind is BallotKind.CHOOSE_1:
        options = [p for p in ids if (p,) != ballot.projects]
        new = Ballot(projects=(options[0],) if options else (), count=1)
    elif missing and (profile.max_length is None or len(ballot.projects) < profile.max_length):
        new = Ballot(projects=tuple(sorted((*ballot.projects, missing[0]))), count=1)
        if profile.kind is BallotKind.ORDINAL:
            new = Ballot(projects=(*ballot.projects, missing[0]), count=1)
    else:
        new = Ballot(projects=ballot.projects[:-1], count=1)
    assert (new.projects, new.points) != (ballot.projects, ballot.points)
    voters[i] = new
    return replace(profile, ballots=group_ballots(voters))


def canonical_input_sha256(profile: Profile, rule: Rule) -> str:
    """The input hash as json.dumps gives it: the engine writes the ballots' part itself."""
    merged: dict[tuple[tuple[str, ...], tuple[int, ...] | None], int] = {}
    for ballot in profile.ballots:
        key = (ballot.projects, ballot.points)
        merged[key] = merged.get(key, 0) + ballot.count
    body = {
        "rule": rule.describe(),
        "kind": str(profile.kind),
        "budget": fraction_text(profile.budget),
        "max_length": profile.max_length,
        "projects": [
            {
                "id": p.id,
                "cost": fraction_text(p.cost),
                "pot": p.pot,
                "exclusive_group": p.exclusive_group,
                "panel_score": None if p.panel_score is None else fraction_text(p.panel_score),
            }
            for p in sorted(profile.projects.values(), key=lambda p: p.id)
        ],
        "ballots": sorted(
            [list(projects), None if points is None else list(points), count]
            for (projects, points), count in merged.items()
        ),
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# Ids whose JSON needs escapes, or whose characters sort before the quote that ends them or
# the comma that joins them (and some that sort after both).
ODD_IDS = (
    "a",
    "ab",
    "a b",
    "a!",
    "!",
    'a"b',
    "a\\b",
    "é",
    "",
    "a,b",
    "\t",
    "Z",
    "~",
    "a-b",
    "a+b",
    "a.b",
)


@settings(max_examples=400, **SETTINGS)
@given(st.data())
def test_input_hash_is_the_canonical_json_of_the_input(data: st.DataObject) -> None:
    profile = data.draw(profiles())
    if data.draw(st.booleans()):  # ids of every sort, the ballots then in no particular order
        names = data.draw(
            st.lists(
                st.sampled_from(ODD_IDS),
                min_size=len(profile.projects),
                max_size=len(profile.projects),
                unique=True,
            )
        )
        rename = dict(zip(profile.projects, names, strict=True))
        profile = replace(
            profile,
            projects={
                rename[p]: replace(item, id=rename[p]) for p, item in profile.projects.items()
            },
            ballots=[
                replace(b, projects=tuple(rename[p] for p in b.projects)) for b in profile.ballots
            ],
        )
    if data.draw(st.booleans()):  # identical ballots not grouped
        profile = replace(profile, ballots=ungrouped(profile))
    rule = data.draw(rules(profile))
    assert engine.input_sha256(profile, rule) == canonical_input_sha256(profile, rule)


@settings(max_examples=200, **SETTINGS)
@given(st.data())
def test_input_hash_changes_with_the_rule_or_a_ballot(data: st.DataObject) -> None:
    profile = data.draw(profiles())
    rule = data.draw(rules(profile))
    base = engine.tally(profile, rule).input_sha256
    for other in other_rules(profile, rule):
        try:
            result = engine.tally(profile, other)
        except RuleError:  # e.g. MES on ordinal ballots
            continue
        assert result.input_sha256 != base, other
    assert engine.tally(changed_ballot(profile, data), rule).input_sha256 != base
    cheaper = {
        p: replace(item, cost=item.cost + 1) if i == 0 else item
        for i, (p, item) in enumerate(profile.projects.items())
    }
    assert engine.tally(replace(profile, projects=cheaper), rule).input_sha256 != base
    assert engine.tally(replace(profile, budget=profile.budget + 1), rule).input_sha256 != base


# --- examples ----------------------------------------------------------------------------------


def _profile(
    kind: BallotKind, budget: Fraction, costs: dict[str, int], ballots: list[tuple]
) -> Profile:
    return Profile(
        kind=kind,
        budget=budget,
        projects={p: Project(id=p, cost=Fraction(c)) for p, c in costs.items()},
        ballots=group_ballots([Ballot(projects=tuple(b), count=1) for b in ballots]),
    )


def test_borda_scores_stop_at_max_length_for_single_and_grouped_ballots() -> None:
    """With max_length 2 the first choice scores 2, the second 1, and a ballot ranking more
    (kept as published) gives the rest nothing, whether one voter cast it or several."""
    profile = replace(
        _profile(BallotKind.ORDINAL, Fraction(10), {"a": 1, "b": 1, "c": 1}, []),
        ballots=[
            Ballot(projects=("a", "b", "c"), count=1),
            Ballot(projects=("c", "b", "a"), count=2),
            Ballot(projects=("b",), count=1),
        ],
        meta={"max_length": "2"},
    )
    expected = {"a": Fraction(2), "b": Fraction(1 + 2 * 1 + 2), "c": Fraction(2 * 2)}
    assert engine.scores(profile) == reference.scores(profile) == expected


def test_mes_on_ranked_ballots_is_refused() -> None:
    profile = _profile(BallotKind.ORDINAL, Fraction(10), {"a": 4, "b": 5}, [("a", "b"), ("b",)])
    for completion in Completion:
        with pytest.raises(RuleError):
            engine.tally(profile, Rule(name=RuleName.MES, completion=completion))
    # Borda with k = 2 projects: a scores 2, b 1 + 2 = 3.
    assert engine.tally(profile, Rule(name=RuleName.GREEDY)).winners == ["b", "a"]


def test_a_worked_example() -> None:
    """Three voters, budget 9: 3 each. {a, b}, {a}, {c}; a costs 4, b 3, c 3.

    Greedy: a (2 approvals), then b and c tie on 1 approval and 3; the tie goes to "b" by id; c
    no longer fits (9 - 4 - 3 = 2). MES: a costs 4/2 = 2 each from voters 1 and 2 (rho 1/2);
    c is 3 from voter 3 (rho 1); b would cost voter 1 (1 left) 3: unaffordable. add1: k = 0's
    outcome leaves 9 - 7 = 2, less than b's 3, so it is exhaustive and add1 stops there."""
    profile = _profile(
        BallotKind.APPROVAL, Fraction(9), {"a": 4, "b": 3, "c": 3}, [("a", "b"), ("a",), ("c",)]
    )
    assert engine.tally(profile, Rule(name=RuleName.GREEDY)).winners == ["a", "b"]
    mes = engine.tally(profile, Rule(name=RuleName.MES))
    assert mes.winners == ["a", "c"]
    assert mes.outcomes["a"].max_payment == 2
    assert mes.outcomes["c"].max_payment == 3
    add1 = engine.tally(profile, Rule(name=RuleName.MES, completion=Completion.ADD1))
    assert (add1.winners, add1.add1_steps) == (["a", "c"], 0)
    assert reference.tally(profile, Rule(name=RuleName.MES)).winners == ["a", "c"]


def test_a_project_in_a_file_group_and_a_rule_group_obeys_both() -> None:
    profile = _profile(
        BallotKind.APPROVAL, Fraction(10), {"a": 2, "b": 2, "c": 2}, [("a", "b", "c")]
    )
    profile.projects["a"] = replace(profile.projects["a"], exclusive_group="g")
    profile.projects["b"] = replace(profile.projects["b"], exclusive_group="g")
    rule = Rule(name=RuleName.GREEDY, exclusive=(("a", "c"),))
    # "a" is funded first (tie order); its file group rules out "b", its rule group "c".
    assert reference.tally(profile, rule).winners == ["a"]
    assert engine.tally(profile, rule).winners == ["a"]


# A project supported only with zero utility (cost 0 under cost utilities, or 0 points) is no
# MES candidate; it used to get reason BELOW_MINIMUM with no minimum and crash the explanation.


def test_mes_with_a_zero_cost_project_gives_the_reference_winners() -> None:
    """pabutools (cost satisfaction) never funds it either: nobody gains from it under MES."""
    profile = _profile(BallotKind.APPROVAL, Fraction(4), {"a": 0, "b": 3}, [("a", "b"), ()])
    for completion in Completion:
        check_against_reference(profile, Rule(name=RuleName.MES, completion=completion))


def test_mes_with_zero_points_gives_the_reference_winners() -> None:
    profile = Profile(
        kind=BallotKind.CUMULATIVE,
        budget=Fraction(4),
        projects={"a": Project(id="a", cost=Fraction(1)), "b": Project(id="b", cost=Fraction(3))},
        ballots=[
            Ballot(projects=("a", "b"), points=(0, 2), count=1),
            Ballot(projects=(), points=(), count=1),
        ],
    )
    check_against_reference(profile, Rule(name=RuleName.MES))
