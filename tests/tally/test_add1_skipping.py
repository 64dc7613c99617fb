"""add1 skips per-voter budgets only where it has proved the outcome cannot change.

Profiles here need many add1 steps (costs large next to each voter's share), so the engine's
skipping (records of two runs compared, see backend.tally.mes.same_outcome_between) is really
exercised; every answer is checked against the reference, which tries every step.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.tally import engine
from backend.tally.profile import Ballot, BallotKind, Profile, Project
from backend.tally.rules import Completion, Rule, RuleName
from tests.tally import reference


@st.composite
def long_add1_profiles(draw: st.DrawFn) -> Profile:
    n_projects = draw(st.integers(2, 6))
    ids = [f"p{i}" for i in range(n_projects)]
    costs = {p: Fraction(draw(st.integers(50, 400))) for p in ids}
    n_groups = draw(st.integers(1, 8))
    ballots = [
        Ballot(
            projects=tuple(
                sorted(draw(st.sets(st.sampled_from(ids), min_size=1, max_size=n_projects)))
            ),
            count=draw(st.integers(1, 4)),
        )
        for _ in range(n_groups)
    ]
    total_cost = sum(costs.values())
    budget = Fraction(draw(st.integers(int(total_cost) // 4, int(total_cost))))
    return Profile(
        kind=BallotKind.APPROVAL,
        budget=budget,
        projects={p: Project(id=p, cost=costs[p]) for p in ids},
        ballots=ballots,
    )


@settings(max_examples=300, deadline=None)
@given(long_add1_profiles(), st.sampled_from([Completion.ADD1, Completion.ADD1_GREEDY]))
def test_add1_with_skipping_equals_trying_every_step(
    profile: Profile, completion: Completion
) -> None:
    rule = Rule(name=RuleName.MES, completion=completion)
    ours = engine.tally(profile, rule)
    theirs = reference.tally(profile, rule)
    assert ours.winners == theirs.winners
    assert ours.add1_steps == theirs.add1_steps


def test_skipping_really_happens_and_agrees() -> None:
    # A hundred voters with 10 each: 99 fund p2 at once; p1's lone supporter needs 490 more.
    profile = Profile(
        kind=BallotKind.APPROVAL,
        budget=Fraction(1000),
        projects={
            "p1": Project(id="p1", cost=Fraction(500)),
            "p2": Project(id="p2", cost=Fraction(400)),
        },
        ballots=[Ballot(projects=("p1",), count=1), Ballot(projects=("p2",), count=99)],
    )
    calls = []
    original = engine.mes_fast_structure

    def counting(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)

    engine.mes_fast_structure = counting
    try:
        ours = engine.tally(profile, Rule(name=RuleName.MES, completion=Completion.ADD1))
    finally:
        engine.mes_fast_structure = original
    theirs = reference.tally(profile, Rule(name=RuleName.MES, completion=Completion.ADD1))
    assert (ours.winners, ours.add1_steps) == (theirs.winners, theirs.add1_steps)
    assert ours.add1_steps is not None
    assert ours.add1_steps == 490
    assert len(calls) < ours.add1_steps / 5  # far fewer runs than steps


@settings(max_examples=300, deadline=None)
@given(
    long_add1_profiles(),
    st.sampled_from([Completion.NONE, Completion.ADD1, Completion.ADD1_GREEDY]),
)
def test_the_lazy_float_engine_alone_equals_the_reference(
    profile: Profile, completion: Completion
) -> None:
    """Small profiles normally go to the float engine on Python lists (MES) or recorded runs
    (add1); force the lazy float engine on numpy arrays that large elections use for add1, and
    check it on them too."""
    saved = engine.EXACT_MAX_ENTRIES, engine.GALLOP_MAX_ENTRIES, engine.PURE_FLOAT
    engine.EXACT_MAX_ENTRIES, engine.GALLOP_MAX_ENTRIES, engine.PURE_FLOAT = -1, -1, False
    try:
        ours = engine.tally(profile, Rule(name=RuleName.MES, completion=completion))
    finally:
        engine.EXACT_MAX_ENTRIES, engine.GALLOP_MAX_ENTRIES, engine.PURE_FLOAT = saved
    theirs = reference.tally(profile, Rule(name=RuleName.MES, completion=completion))
    assert ours.winners == theirs.winners
    assert ours.add1_steps == theirs.add1_steps


@settings(max_examples=300, deadline=None)
@given(long_add1_profiles())
def test_the_pure_float_engine_alone_equals_the_reference(profile: Profile) -> None:
    """The lazy float engine on Python lists (mes_pure), which one MES run uses on every
    profile with any support: checked against the reference on small ones."""
    saved = engine.EXACT_MAX_ENTRIES, engine.PURE_FLOAT
    engine.EXACT_MAX_ENTRIES, engine.PURE_FLOAT = -1, True
    try:
        ours = engine.tally(profile, Rule(name=RuleName.MES))
    finally:
        engine.EXACT_MAX_ENTRIES, engine.PURE_FLOAT = saved
    theirs = reference.tally(profile, Rule(name=RuleName.MES))
    assert ours.winners == theirs.winners
