"""A slow, obviously correct tally to check the engine against.

Everything is computed per voter (grouped ballots are expanded first), with exact Fractions and
no cleverness: scores are counted voter by voter, MES recomputes every rho from scratch in every
round, and add1 reruns MES for k = 0, 1, 2, ... The rules implemented here are the ones the tally
issue specifies (see the docstrings); only small profiles are fed to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from backend.tally.profile import BallotKind, Profile
from backend.tally.rules import Completion, Rule, RuleError, RuleName

# One voter: the utility-free content of a ballot, as (project id, points) pairs. Approval and
# choose-1 ballots give every named project 1 point (a set: repeats count once); ordinal ballots
# keep their best-first order and carry no points.
Voter = tuple[tuple[str, int], ...]


@dataclass
class Payment:
    voter: int  # index in the expanded voter list
    budget_before: Fraction
    paid: Fraction


@dataclass
class RefResult:
    winners: list[str]  # in the order funded
    spent: Fraction
    # MES only: who paid what for each funded project, in the outcome taken.
    payments: dict[str, list[Payment]] = field(default_factory=dict)
    add1_steps: int | None = None
    # Per-voter budget of the MES run taken (B/n + add1_steps).
    per_voter_budget: Fraction | None = None


def expand(profile: Profile) -> list[Voter]:
    """One entry per voter, in the order the grouped ballots list them."""
    voters: list[Voter] = []
    for ballot in profile.ballots:
        if profile.kind is BallotKind.CUMULATIVE:
            assert ballot.points is not None
            entry: dict[str, int] = {}
            for project, points in zip(ballot.projects, ballot.points, strict=True):
                entry[project] = entry.get(project, 0) + points
            voter = tuple(entry.items())
        elif profile.kind is BallotKind.ORDINAL:
            voter = tuple((project, 0) for project in ballot.projects)
        else:
            voter = tuple((project, 1) for project in dict.fromkeys(ballot.projects))
        voters.extend([voter] * ballot.count)
    return voters


def borda_length(profile: Profile) -> int:
    """k: the first choice on an ordinal ballot scores k, the next k - 1, ..."""
    return profile.max_length if profile.max_length is not None else len(profile.projects)


def scores(profile: Profile) -> dict[str, Fraction]:
    """Approvals, points or Borda score of every project, counted voter by voter."""
    total = {project: Fraction(0) for project in profile.projects}
    k = borda_length(profile)
    for voter in expand(profile):
        for position, (project, points) in enumerate(voter):
            if profile.kind is BallotKind.ORDINAL:
                total[project] += k - position
            else:
                total[project] += points
    return total


def utility(profile: Profile, voter: Voter, project: str) -> Fraction:
    """MES utilities: cost utilities for approval and choose-1, points for cumulative."""
    for name, points in voter:
        if name == project:
            if profile.kind is BallotKind.CUMULATIVE:
                return Fraction(points)
            return profile.projects[project].cost
    return Fraction(0)


def tie_position(profile: Profile, rule: Rule) -> dict[str, int]:
    """The rule's tie order first (earlier = preferred), then the other ids in string order."""
    given = list(rule.tie_order or ())
    order = given + sorted(p for p in profile.projects if p not in given)
    return {project: order.index(project) for project in profile.projects}


def minimum(profile: Profile, rule: Rule) -> Fraction | None:
    if rule.min_score is not None:
        return Fraction(rule.min_score)
    if rule.min_share is not None:
        return Fraction(rule.min_share) * len(expand(profile))
    return None


def passes_minimum(profile: Profile, rule: Rule) -> set[str]:
    score = scores(profile)
    least = minimum(profile, rule)
    return {p for p in profile.projects if least is None or score[p] >= least}


def group_mates(profile: Profile, rule: Rule, project: str) -> set[str]:
    """Projects that may not be funded once ``project`` is: the rule's exclusive groups and the
    file's (projects sharing an ``exclusive_group``)."""
    mates: set[str] = set()
    for group in rule.exclusive:
        if project in group:
            mates.update(group)
    mine = profile.projects[project].exclusive_group
    if mine:
        mates.update(p for p, item in profile.projects.items() if item.exclusive_group == mine)
    mates.discard(project)
    return mates


def greedy_order(profile: Profile, rule: Rule, projects: set[str]) -> list[str]:
    """Highest score first; then the cheaper; then the tie order."""
    score = scores(profile)
    position = tie_position(profile, rule)
    return sorted(projects, key=lambda p: (-score[p], profile.projects[p].cost, position[p]))


def greedy(
    profile: Profile,
    rule: Rule,
    *,
    budget: Fraction,
    funded: list[str],
    stop_at_first_misfit: bool,
) -> list[str]:
    """Fund the eligible projects not yet funded in greedy order while they fit."""
    left = budget
    chosen: list[str] = []
    excluded: set[str] = set()
    for project in funded:
        excluded |= group_mates(profile, rule, project)
    candidates = passes_minimum(profile, rule) - set(funded)
    for project in greedy_order(profile, rule, candidates):
        if project in excluded:
            continue
        cost = profile.projects[project].cost
        if cost <= left:
            chosen.append(project)
            left -= cost
            excluded |= group_mates(profile, rule, project)
        elif stop_at_first_misfit:
            break
    return chosen


def mes_candidates(profile: Profile, rule: Rule) -> set[str]:
    """Projects MES may fund: some voter gets positive utility, and the minimum if given."""
    voters = expand(profile)
    supported = {p for p in profile.projects if any(utility(profile, v, p) > 0 for v in voters)}
    return supported & passes_minimum(profile, rule)


def smallest_rho(
    cost: Fraction, budgets: list[Fraction], utilities: list[Fraction]
) -> Fraction | None:
    """The smallest rho with sum(min(b_i, rho * u_i)) >= cost, or None if even everything is short.

    f(rho) = sum(min(b_i, rho * u_i)) is continuous and non-decreasing, so the smallest rho has
    f(rho) == cost; at that rho some set P of supporters pays its whole budget (b_i < rho * u_i)
    and the rest pay rho * u_i, so rho = (cost - sum_P b) / sum_rest u. P is a prefix of the
    supporters sorted by b_i / u_i. Trying every prefix gives a finite set holding the answer;
    the answer is its smallest member that satisfies the defining inequality.
    """
    if sum(budgets) < cost:
        return None
    order = sorted(range(len(budgets)), key=lambda i: budgets[i] / utilities[i])
    best: Fraction | None = None
    for size in range(len(order)):
        poor, rich = order[:size], order[size:]
        rho = (cost - sum(budgets[i] for i in poor)) / sum(utilities[i] for i in rich)
        if rho < 0:
            continue
        paid = sum(min(b, rho * u) for b, u in zip(budgets, utilities, strict=True))
        if paid >= cost and (best is None or rho < best):
            best = rho
    assert best is not None
    return best


def mes(
    profile: Profile, rule: Rule, per_voter: Fraction
) -> tuple[list[str], dict[str, list[Payment]]]:
    """The Method of Equal Shares with every voter starting at ``per_voter``."""
    voters = expand(profile)
    budget = [per_voter] * len(voters)
    position = tie_position(profile, rule)
    candidates = mes_candidates(profile, rule)
    funded: list[str] = []
    payments: dict[str, list[Payment]] = {}
    while True:
        best: tuple[Fraction, int, str] | None = None
        for project in candidates:
            supporters = [i for i, v in enumerate(voters) if utility(profile, v, project) > 0]
            rho = smallest_rho(
                profile.projects[project].cost,
                [budget[i] for i in supporters],
                [utility(profile, voters[i], project) for i in supporters],
            )
            if rho is not None and (best is None or (rho, position[project]) < best[:2]):
                best = (rho, position[project], project)
        if best is None:
            return funded, payments
        rho, _, project = best
        paid: list[Payment] = []
        for i, voter in enumerate(voters):
            u = utility(profile, voter, project)
            if u > 0:
                share = min(budget[i], rho * u)
                paid.append(Payment(voter=i, budget_before=budget[i], paid=share))
                budget[i] -= share
        assert sum(p.paid for p in paid) == profile.projects[project].cost
        payments[project] = paid
        funded.append(project)
        candidates.discard(project)
        candidates -= group_mates(profile, rule, project)


def total_cost(profile: Profile, projects: list[str]) -> Fraction:
    return sum((profile.projects[p].cost for p in projects), Fraction(0))


def exhaustive(profile: Profile, rule: Rule, funded: list[str]) -> bool:
    """No MES candidate left out (and not ruled out by its exclusive group) fits in what is left.

    This is add1's stopping rule in pabutools 1.2.3 (``Instance.is_exhaustive`` over the MES
    projects) and on equalshares.net; the engine implements it too.
    """
    left = Fraction(profile.budget) - total_cost(profile, funded)
    out = set(funded)
    for project in funded:
        out |= group_mates(profile, rule, project)
    return all(profile.projects[p].cost > left for p in mes_candidates(profile, rule) - out)


def tally(profile: Profile, rule: Rule) -> RefResult:
    budget = Fraction(profile.budget)
    if rule.name in (RuleName.GREEDY, RuleName.GREEDY_NO_SKIP):
        winners = greedy(
            profile,
            rule,
            budget=budget,
            funded=[],
            stop_at_first_misfit=rule.name is RuleName.GREEDY_NO_SKIP,
        )
        return RefResult(winners=winners, spent=total_cost(profile, winners))

    if profile.kind is BallotKind.ORDINAL:
        raise RuleError("the Method of Equal Shares needs approval, choose-1 or cumulative ballots")
    n = len(expand(profile))
    base = budget / n
    if rule.completion is Completion.NONE:
        winners, payments = mes(profile, rule, base)
        return RefResult(
            winners=winners,
            spent=total_cost(profile, winners),
            payments=payments,
            per_voter_budget=base,
        )

    # add1: per-voter budget B/n + k for k = 0, 1, 2, ...; take the first exhaustive outcome, or
    # the last one within B before the first that overspends.
    k = 0
    taken = mes(profile, rule, base)
    while not exhaustive(profile, rule, taken[0]):
        attempt = mes(profile, rule, base + k + 1)
        if total_cost(profile, attempt[0]) > budget:
            break
        k += 1
        taken = attempt
    winners, payments = taken
    spent = total_cost(profile, winners)
    if rule.completion is Completion.ADD1_GREEDY:
        winners = winners + greedy(
            profile, rule, budget=budget - spent, funded=winners, stop_at_first_misfit=False
        )
    return RefResult(
        winners=winners,
        spent=total_cost(profile, winners),
        payments=payments,
        add1_steps=k,
        per_voter_budget=base + k,
    )
