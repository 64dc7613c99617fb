"""The engine against pabutools 1.2.3, live, on small hypothesis-generated approval profiles.

pabutools (Faliszewski et al., "Participatory Budgeting: Data, Tools, and Analysis", IJCAI 2023)
is an independent implementation, installed with the ``dev`` extra and never imported by the
engine. It runs here only where it is quick: on profiles of a few projects and voters. On real
elections its recorded winners are compared instead (test_real_elections.py, expected.json).

How our rules map onto its API (read from its source, pabutools/rules/):

* greedy by approvals: ``greedy_utilitarian_welfare`` with ``Cost_Sat`` (it ranks by total
  satisfaction over cost, which with cost satisfaction is the number of approvals). Its default
  tie-breaking is by project name alone; ours gives equal scores to the cheaper project first, then
  the tie order, which is its ``min_cost_tie_breaking`` (a stable sort by cost of the projects
  sorted by name).
* MES: ``method_of_equal_shares`` with ``Cost_Sat`` (cost utilities), lexicographic tie-breaking
  (its default, and our default tie order). Voters with empty ballots count in n, as ours do.
* add1: the same with ``voter_budget_increment=1``: per-voter budget B/n + k, stopping at the
  first outcome that is exhaustive (no unfunded supported project fits in what is left) or at the
  first that overspends (the previous one is taken).
* add1+greedy: ``completion_by_rule_combination`` of that add1 rule and the greedy rule above.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.tally import engine
from backend.tally.profile import Ballot, BallotKind, Profile
from backend.tally.profile import Project as OurProject
from backend.tally.rules import Completion, Rule, RuleName
from tests.tally.strategies import profiles

pabutools = pytest.importorskip("pabutools", reason="pabutools comes with the dev extra")

from pabutools.election import (  # noqa: E402
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    Project,
)
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import lexico_tie_breaking, min_cost_tie_breaking  # noqa: E402

SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
APPROVAL_LIKE = (BallotKind.APPROVAL, BallotKind.CHOOSE_1)


def to_pabutools(profile: Profile) -> tuple[Instance, ApprovalProfile]:
    """One pabutools ballot per voter (empty ballots included: they count in n)."""
    projects = {p: Project(p, item.cost) for p, item in profile.projects.items()}
    instance = Instance(projects.values(), budget_limit=profile.budget)
    ballots = [
        ApprovalBallot([projects[p] for p in ballot.projects])
        for ballot in profile.ballots
        for _ in range(ballot.count)
    ]
    return instance, ApprovalProfile(ballots)


def names(allocation: object) -> list[str]:
    return sorted(project.name for project in allocation)  # type: ignore[attr-defined]


def pabutools_greedy(instance: Instance, profile: ApprovalProfile) -> list[str]:
    return names(
        greedy_utilitarian_welfare(
            instance, profile, sat_class=Cost_Sat, tie_breaking=min_cost_tie_breaking
        )
    )


def pabutools_mes(instance: Instance, profile: ApprovalProfile, add1: bool) -> list[str]:
    return names(
        method_of_equal_shares(
            instance, profile, sat_class=Cost_Sat, voter_budget_increment=1 if add1 else None
        )
    )


def pabutools_add1_greedy(instance: Instance, profile: ApprovalProfile) -> list[str]:
    return names(
        completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [
                {"sat_class": Cost_Sat, "voter_budget_increment": 1},
                {"sat_class": Cost_Sat, "tie_breaking": min_cost_tie_breaking},
            ],
        )
    )


def ours(profile: Profile, name: RuleName, completion: Completion = Completion.NONE) -> list[str]:
    return sorted(engine.tally(profile, Rule(name=name, completion=completion)).winners)


@settings(max_examples=300, **SETTINGS)
@given(profiles(kinds=APPROVAL_LIKE, file_groups=False))
def test_greedy_gives_pabutools_winners(profile: Profile) -> None:
    instance, theirs = to_pabutools(profile)
    assert ours(profile, RuleName.GREEDY) == pabutools_greedy(instance, theirs)


@settings(max_examples=300, **SETTINGS)
@given(profiles(kinds=APPROVAL_LIKE, file_groups=False))
def test_mes_gives_pabutools_winners(profile: Profile) -> None:
    instance, theirs = to_pabutools(profile)
    assert ours(profile, RuleName.MES) == pabutools_mes(instance, theirs, add1=False)


@settings(max_examples=300, **SETTINGS)
@given(profiles(kinds=APPROVAL_LIKE, file_groups=False))
def test_mes_add1_gives_pabutools_winners(profile: Profile) -> None:
    instance, theirs = to_pabutools(profile)
    assert ours(profile, RuleName.MES, Completion.ADD1) == pabutools_mes(
        instance, theirs, add1=True
    )


@settings(max_examples=150, **SETTINGS)
@given(profiles(kinds=APPROVAL_LIKE, file_groups=False))
def test_mes_add1_greedy_gives_pabutools_winners(profile: Profile) -> None:
    instance, theirs = to_pabutools(profile)
    expected = pabutools_add1_greedy(instance, theirs)
    assert ours(profile, RuleName.MES, Completion.ADD1_GREEDY) == expected


@settings(max_examples=100, **SETTINGS)
@given(st.data())
def test_mes_gives_pabutools_winners_on_larger_profiles(data: st.DataObject) -> None:
    """Up to 8 projects and 30 voters: more classes of voters, more rounds, fewer exact ties."""
    profile = data.draw(
        profiles(kinds=(BallotKind.APPROVAL,), max_projects=7, max_voters=30, file_groups=False)
    )
    instance, theirs = to_pabutools(profile)
    assert ours(profile, RuleName.MES) == pabutools_mes(instance, theirs, add1=False)
    assert ours(profile, RuleName.MES, Completion.ADD1) == pabutools_mes(
        instance, theirs, add1=True
    )


def test_pabutools_default_greedy_breaks_ties_by_name_not_cost() -> None:
    """Why the greedy comparison passes min_cost_tie_breaking: with pabutools' default, "a"
    (cost 5) beats "b" (cost 3) on equal approvals; ours, like the Polish cities', funds the
    cheaper first (b, then c fits; a would not)."""
    profile = Profile(
        kind=BallotKind.APPROVAL,
        budget=Fraction(6),
        projects={
            "a": OurProject(id="a", cost=Fraction(5)),
            "b": OurProject(id="b", cost=Fraction(3)),
            "c": OurProject(id="c", cost=Fraction(3)),
        },
        ballots=[Ballot(projects=("a", "b", "c"), count=1)],
    )
    instance, theirs = to_pabutools(profile)
    default = greedy_utilitarian_welfare(
        instance, theirs, sat_class=Cost_Sat, tie_breaking=lexico_tie_breaking
    )
    assert names(default) == ["a"]
    assert pabutools_greedy(instance, theirs) == ["b", "c"]
    assert engine.tally(profile, Rule(name=RuleName.GREEDY)).winners == ["b", "c"]
