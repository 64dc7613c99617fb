"""Hypothesis strategies: small random profiles of every ballot kind, and rules to tally them.

Profiles are small (at most 6 projects, 9 voters) so that the slow reference stays quick, and
built to make ties common: few distinct costs, few voters, project ids whose string order differs
from their numeric order ("10" < "2").
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from backend.tally.profile import Ballot, BallotKind, Profile, Project, group_ballots
from backend.tally.rules import Completion, Rule, RuleName

PROJECT_IDS = ("1", "2", "10", "a", "B", "b", "x-7")

# Positive integers (small ones, to make ties) or 2-decimal values.
costs = st.one_of(
    st.integers(min_value=1, max_value=6).map(Fraction),
    st.integers(min_value=1, max_value=60).map(Fraction),
    st.integers(min_value=100, max_value=6000).map(lambda cents: Fraction(cents, 100)),
)


@st.composite
def budgets(draw: st.DrawFn, total: Fraction) -> Fraction:
    """Exact budgets from a sliver of the total cost to a little over all of it."""
    denominator = draw(st.sampled_from([1, 1, 100, 3, 7]))
    ceiling = int(total * 5 / 4 * denominator) + 1
    return Fraction(draw(st.integers(min_value=1, max_value=ceiling)), denominator)


def _ballot(kind: BallotKind, ids: list[str], max_length: int | None) -> st.SearchStrategy[Ballot]:
    if kind is BallotKind.APPROVAL:
        return st.sets(st.sampled_from(ids)).map(
            lambda chosen: Ballot(projects=tuple(sorted(chosen)), count=1)
        )
    if kind is BallotKind.CHOOSE_1:
        return st.one_of(
            st.sampled_from(ids).map(lambda p: Ballot(projects=(p,), count=1)),
            st.just(Ballot(projects=(), count=1)),
        )
    if kind is BallotKind.CUMULATIVE:
        return st.dictionaries(
            st.sampled_from(ids), st.integers(min_value=1, max_value=5), max_size=len(ids)
        ).map(
            lambda points: Ballot(
                projects=tuple(sorted(points)),
                points=tuple(points[p] for p in sorted(points)),
                count=1,
            )
        )
    longest = len(ids) if max_length is None else max_length
    return st.permutations(ids).flatmap(
        lambda order: st.integers(min_value=0, max_value=longest).map(
            lambda length: Ballot(projects=tuple(order[:length]), count=1)
        )
    )


@st.composite
def profiles(
    draw: st.DrawFn,
    kinds: tuple[BallotKind, ...] = tuple(BallotKind),
    max_projects: int = 6,
    max_voters: int = 9,
    file_groups: bool = True,
) -> Profile:
    kind = draw(st.sampled_from(kinds))
    ids = draw(
        st.lists(st.sampled_from(PROJECT_IDS), min_size=1, max_size=max_projects, unique=True)
    )
    # Now and then the file itself marks exclusive groups (Project.exclusive_group).
    file_groups = file_groups and draw(st.sampled_from([False, False, False, True]))
    projects = {
        p: Project(
            id=p,
            cost=draw(costs),
            exclusive_group=draw(st.sampled_from([None, "g1", "g2"])) if file_groups else None,
        )
        for p in ids
    }
    meta = {"vote_type": str(kind)}
    max_length = None
    if kind is BallotKind.ORDINAL and draw(st.booleans()):
        max_length = draw(st.integers(min_value=1, max_value=len(ids)))
        meta["max_length"] = str(max_length)
    voters = draw(st.lists(_ballot(kind, ids, max_length), min_size=1, max_size=max_voters))
    total = sum((p.cost for p in projects.values()), Fraction(0))
    return Profile(
        kind=kind,
        budget=draw(budgets(total)),
        projects=projects,
        ballots=group_ballots(voters),
        meta=meta,
    )


@st.composite
def exclusive_groups(draw: st.DrawFn, ids: list[str]) -> tuple[tuple[str, ...], ...]:
    """Disjoint groups of at least two projects (often none)."""
    if len(ids) < 2 or draw(st.integers(min_value=0, max_value=2)) == 0:
        return ()
    shuffled = draw(st.permutations(sorted(ids)))
    groups: list[tuple[str, ...]] = []
    start = 0
    while len(shuffled) - start >= 2 and draw(st.booleans()):
        size = draw(st.integers(min_value=2, max_value=len(shuffled) - start))
        groups.append(tuple(shuffled[start : start + size]))
        start += size
    return tuple(groups)


@st.composite
def rules(
    draw: st.DrawFn,
    profile: Profile,
    names: tuple[RuleName, ...] = tuple(RuleName),
    completions: tuple[Completion, ...] = tuple(Completion),
    minimum: bool = True,
    exclusive: bool = True,
    tie_order: bool = True,
) -> Rule:
    """A rule the profile's ballots allow (no MES on ordinal ballots)."""
    allowed = [n for n in names if not (n is RuleName.MES and profile.kind is BallotKind.ORDINAL)]
    name = draw(st.sampled_from(allowed))
    completion = draw(st.sampled_from(completions)) if name is RuleName.MES else Completion.NONE
    min_score = min_share = None
    if minimum:
        which = draw(st.sampled_from(["none", "none", "score", "share"]))
        if which == "score":
            min_score = Fraction(
                draw(st.integers(min_value=0, max_value=12)), draw(st.sampled_from([1, 2]))
            )
        elif which == "share":
            min_share = Fraction(draw(st.integers(min_value=0, max_value=100)), 100)
    ids = sorted(profile.projects)
    # A project may be in a file's group and a rule's group at once: it obeys both.
    groups = draw(exclusive_groups(ids)) if exclusive else ()
    order = None
    if tie_order and draw(st.booleans()):
        # A whole order, or the first few (the rest follow in string order).
        whole = draw(st.permutations(ids))
        order = tuple(whole[: draw(st.integers(min_value=0, max_value=len(whole)))])
    return Rule(
        name=name,
        completion=completion,
        min_score=min_score,
        min_share=min_share,
        exclusive=groups,
        tie_order=order,
    )


def ungrouped(profile: Profile) -> list[Ballot]:
    """One ballot of count 1 per voter."""
    return [
        Ballot(projects=b.projects, points=b.points, count=1)
        for b in profile.ballots
        for _ in range(b.count)
    ]
