"""Run a rule on a profile: winners, spend, per-project outcomes and explanations, and hashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from . import explain
from .mes import (
    MesOutcome,
    MesProblem,
    Structure,
    Supporters,
    mes_fast_structure,
    run_mes,
    same_outcome_between,
    settled,
)
from .profile import BallotKind, Profile
from .result import ProjectOutcome, Reason, Result
from .rules import Completion, Rule, RuleError, RuleName, fraction_text

ENGINE_VERSION = "fairfund-tally/1"


def _load_numpy() -> Any:
    try:
        import numpy
    except ImportError:  # the exact engine alone is enough, only slower
        return None
    return numpy


NUMPY: Callable[[], Any] | None = _load_numpy


def tie_ranks(profile: Profile, rule: Rule) -> dict[str, int]:
    """Position of each project in the tie order: the rule's order first, then ids sorted."""
    ids = sorted(profile.projects)
    given = list(rule.tie_order or ())
    unknown = [p for p in given if p not in profile.projects]
    if unknown:
        raise RuleError(f"the tie order names unknown projects: {', '.join(unknown)}")
    if len(set(given)) != len(given):
        raise RuleError("the tie order names a project twice")
    order = given + [p for p in ids if p not in set(given)]
    return {project: i for i, project in enumerate(order)}


def scores(profile: Profile) -> dict[str, Fraction]:
    """Approvals (choose-1 likewise), sum of points, or Borda for ranked ballots."""
    totals = dict.fromkeys(profile.projects, 0)
    if profile.kind is BallotKind.ORDINAL:
        k = profile.max_length or len(profile.projects)
        for ballot in profile.ballots:
            for position, project in enumerate(ballot.projects):
                totals[project] += max(k - position, 0) * ballot.count
    elif profile.kind is BallotKind.CUMULATIVE:
        for ballot in profile.ballots:
            assert ballot.points is not None
            for project, points in zip(ballot.projects, ballot.points, strict=True):
                totals[project] += points * ballot.count
    else:
        for ballot in profile.ballots:
            for project in ballot.projects:
                totals[project] += ballot.count
    return {project: Fraction(total) for project, total in totals.items()}


def supporter_counts(profile: Profile) -> dict[str, int]:
    counts = dict.fromkeys(profile.projects, 0)
    for ballot in profile.ballots:
        for project in ballot.projects:
            counts[project] += ballot.count
    return counts


def _exclusive_groups(profile: Profile, rule: Rule) -> dict[str, frozenset[str]]:
    """Each project's exclusive groups (from the file's column and the rule); most have none."""
    groups: dict[str, set[str]] = {}
    for project in profile.projects.values():
        if project.exclusive_group:
            groups.setdefault(project.id, set()).add(f"file:{project.exclusive_group}")
    for i, members in enumerate(rule.exclusive):
        unknown = [p for p in members if p not in profile.projects]
        if unknown:
            raise RuleError(f"an exclusive group names unknown projects: {', '.join(unknown)}")
        for member in members:
            groups.setdefault(member, set()).add(f"rule:{i}")
    return {project: frozenset(names) for project, names in groups.items()}


def _minimum(profile: Profile, rule: Rule) -> Fraction | None:
    if rule.min_score is not None:
        return rule.min_score
    if rule.min_share is not None:
        return rule.min_share * profile.voters
    return None


def tally(profile: Profile, rule: Rule) -> Result:
    """Apply ``rule`` to ``profile``."""
    ranks = tie_ranks(profile, rule)
    exclusive = _exclusive_groups(profile, rule)
    score = scores(profile)
    minimum = _minimum(profile, rule)
    if rule.name is RuleName.MES:
        outcomes, winners, add1 = _run_mes(profile, rule, ranks, exclusive, score, minimum)
    else:
        outcomes, winners = _greedy(
            profile, rule, ranks, exclusive, score, minimum, budget=profile.budget, already=()
        )
        add1 = None
    spent = sum((profile.projects[p].cost for p in winners), Fraction(0))
    if spent > profile.budget:  # never: every rule checks; a last guard for auditors
        raise AssertionError("the outcome exceeds the budget")
    result = Result(
        rule=rule,
        budget=profile.budget,
        winners=winners,
        spent=spent,
        outcomes={},
        engine_version=ENGINE_VERSION,
        warnings=list(profile.warnings),
        add1_steps=add1,
    )
    result.outcomes = explain.explained(profile, result, outcomes)
    result.input_sha256 = input_sha256(profile, rule)
    result.result_sha256 = result_sha256(result)
    return result


# --- greedy ------------------------------------------------------------------------------------


def _greedy(
    profile: Profile,
    rule: Rule,
    ranks: dict[str, int],
    exclusive: dict[str, frozenset[str]],
    score: dict[str, Fraction],
    minimum: Fraction | None,
    *,
    budget: Fraction,
    already: tuple[str, ...],
    completion: bool = False,
) -> tuple[dict[str, ProjectOutcome], list[str]]:
    """Greedy by score (cheaper first on equal scores, then the tie order).

    With ``already`` (MES winners), it completes an outcome: those stay funded and their
    exclusive groups stay taken.
    """
    supporters = supporter_counts(profile)
    order = sorted(
        (p for p in profile.projects if p not in already),
        key=lambda p: (-score[p], profile.projects[p].cost, ranks[p]),
    )
    left = budget
    winners: list[str] = []
    taken: set[str] = set().union(*(exclusive.get(p, frozenset()) for p in already))
    outcomes: dict[str, ProjectOutcome] = {}
    stopped = False
    for project in order:
        cost = profile.projects[project].cost

        def outcome(
            reason: Reason,
            rank: int | None = None,
            *,
            p: str = project,
            c: Fraction = cost,
            before: Fraction = left,
        ) -> ProjectOutcome:
            return ProjectOutcome(
                project_id=p,
                funded=rank is not None,
                reason=reason,
                cost=c,
                score=score[p],
                supporters=supporters[p],
                rank=rank,
                left_when_considered=before,
            )

        if minimum is not None and score[project] < minimum:
            outcomes[project] = outcome(Reason.BELOW_MINIMUM)
        elif exclusive.get(project, frozenset()) & taken:
            outcomes[project] = outcome(Reason.EXCLUDED)
        elif stopped:
            outcomes[project] = outcome(Reason.STOPPED)
        elif cost <= left:
            outcomes[project] = outcome(
                Reason.FUNDED_BY_COMPLETION if completion else Reason.FUNDED,
                len(already) + len(winners) + 1,
            )
            left -= cost
            winners.append(project)
            taken |= exclusive.get(project, frozenset())
        else:
            if rule.name is RuleName.GREEDY_NO_SKIP:
                stopped = True
            outcomes[project] = outcome(Reason.NOT_ENOUGH_LEFT)
    return outcomes, winners


# --- Method of Equal Shares -------------------------------------------------------------------


def mes_problem(
    profile: Profile,
    ranks: dict[str, int],
    exclusive: dict[str, frozenset[str]],
    score: dict[str, Fraction],
    minimum: Fraction | None,
) -> MesProblem:
    if profile.kind is BallotKind.ORDINAL:
        raise RuleError("the Method of Equal Shares needs approval, choose-1 or cumulative ballots")
    cost_utilities = profile.kind in (BallotKind.APPROVAL, BallotKind.CHOOSE_1)
    groups: dict[str, list[int]] = {p: [] for p in profile.projects}
    group_counts = [b.count for b in profile.ballots]
    if cost_utilities:
        for g, ballot in enumerate(profile.ballots):
            for project in ballot.projects:
                groups[project].append(g)
        counts = {p: [group_counts[g] for g in gs] for p, gs in groups.items()}
        utilities = {p: [profile.projects[p].cost] * len(gs) for p, gs in groups.items()}
    else:
        counts = {p: [] for p in profile.projects}
        utilities = {p: [] for p in profile.projects}
        for g, ballot in enumerate(profile.ballots):
            assert ballot.points is not None
            for project, points in zip(ballot.projects, ballot.points, strict=True):
                if points > 0:
                    groups[project].append(g)
                    counts[project].append(ballot.count)
                    utilities[project].append(Fraction(points))
    candidates = frozenset(
        p
        for p in profile.projects
        if groups[p] and profile.projects[p].cost > 0 and (minimum is None or score[p] >= minimum)
    )
    return MesProblem(
        costs={p: project.cost for p, project in profile.projects.items()},
        supporters={p: Supporters(groups[p], counts[p], utilities[p]) for p in profile.projects},
        group_counts=group_counts,
        voters=profile.voters,
        rank=ranks,
        candidates=candidates,
        exclusive_group=exclusive,
        cost_utilities=cost_utilities,
    )


def _exhaustive(profile: Profile, problem: MesProblem, outcome: MesOutcome) -> bool:
    """No project left out could still be added within the real budget."""
    spent = sum((problem.costs[p] for p in outcome.winners), Fraction(0))
    funded = set(outcome.winners)
    taken: set[str] = set().union(*(problem.exclusive_group.get(p, frozenset()) for p in funded))
    for project in problem.candidates:
        if project in funded or problem.exclusive_group.get(project, frozenset()) & taken:
            continue
        if spent + problem.costs[project] <= profile.budget:
            return False
    return True


def _run_mes(
    profile: Profile,
    rule: Rule,
    ranks: dict[str, int],
    exclusive: dict[str, frozenset[str]],
    score: dict[str, Fraction],
    minimum: Fraction | None,
) -> tuple[dict[str, ProjectOutcome], list[str], int | None]:
    if profile.voters == 0:
        raise RuleError("the Method of Equal Shares needs at least one voter")
    # A minimum applies to MES only when the rule gives one explicitly.
    problem = mes_problem(profile, ranks, exclusive, score, minimum)
    base = profile.budget / profile.voters
    step: int | None = None
    if rule.completion is Completion.NONE:
        # A small profile is done exactly before numpy would even have been imported.
        small = sum(len(s.groups) for s in problem.supporters.values()) <= EXACT_MAX_ENTRIES
        outcome = settled(problem, base, run_mes(problem, base, None if small else NUMPY))
    else:
        outcome, step = _add1(profile, problem, base)
    winners = list(outcome.winners)
    outcomes = _mes_outcomes(profile, problem, outcome, score)
    if rule.completion is Completion.ADD1_GREEDY:
        spent = sum((profile.projects[p].cost for p in winners), Fraction(0))
        greedy_rule = Rule(name=RuleName.GREEDY, tie_order=rule.tie_order)
        extra_outcomes, extra = _greedy(
            profile,
            greedy_rule,
            ranks,
            exclusive,
            score,
            minimum,
            budget=profile.budget - spent,
            already=tuple(winners),
            completion=True,
        )
        for project in extra:
            outcomes[project] = extra_outcomes[project]
        winners.extend(extra)
    return outcomes, winners, step


# Skip budgets (see mes_fast_structure) only where a run that records its structure is cheap.
GALLOP_MAX_ENTRIES = 20_000
# Below this many (project, voter group) pairs one MES run is quickest with Fractions alone.
EXACT_MAX_ENTRIES = 2_000
GALLOP_TRIAL = 16
GALLOP_MIN_STEPS_PER_RUN = 4


def _add1(profile: Profile, problem: MesProblem, base: Fraction) -> tuple[MesOutcome, int]:
    """Raise every voter's budget by one currency unit at a time; keep the last outcome within
    the budget, stopping at the first that overspends or when nothing more could be added.

    Where runs are cheap they are recorded (mes_fast_structure): the record estimates how far
    the outcome holds, and steps up to there are skipped when the run at the far end proves
    (same_outcome_between) that every step between gives the same outcome; otherwise the jump
    is halved, down to plain stepping. Recording stops when skips stay short.
    """
    np = NUMPY() if NUMPY is not None else None
    entries = sum(len(s.groups) for s in problem.supporters.values())
    gallop = [np is not None and problem.cost_utilities and entries <= GALLOP_MAX_ENTRIES]
    recorded = [0]

    def evaluate(k: int) -> tuple[MesOutcome, Structure | None, float]:
        if gallop[0]:
            recorded[0] += 1
            # A recorded run costs a few plain ones: stop recording when skips stay short.
            if recorded[0] >= GALLOP_TRIAL and k < GALLOP_MIN_STEPS_PER_RUN * recorded[0]:
                gallop[0] = False
            else:
                return mes_fast_structure(problem, base + k, np)
        return run_mes(problem, base + k, NUMPY), None, 0.0

    k = 0
    outcome, structure, room = evaluate(k)
    previous: tuple[MesOutcome, int] | None = None
    while True:
        cost = sum((problem.costs[p] for p in outcome.winners), Fraction(0))
        if cost > profile.budget:
            if previous is None:  # cannot happen: MES never overspends its own budget
                raise AssertionError("MES overspent at the base budget")
            return settled(problem, base + previous[1], previous[0]), previous[1]
        if _exhaustive(profile, problem, outcome):
            return settled(problem, base + k, outcome), k
        if structure is not None:
            # Jump to the last whole step the estimate says keeps this outcome, and skip there
            # only if the two runs prove every step between gives the same outcome.
            jump = int(min(room, 1e15) * (1 - 1e-9))
            while jump >= 2:
                ahead, ahead_structure, _room = evaluate(k + jump)
                if ahead_structure is not None and same_outcome_between(structure, ahead_structure):
                    k, outcome = k + jump, ahead
                    break
                jump //= 2
        previous = (outcome, k)
        k += 1
        outcome, structure, room = evaluate(k)


def _mes_outcomes(
    profile: Profile, problem: MesProblem, outcome: MesOutcome, score: dict[str, Fraction]
) -> dict[str, ProjectOutcome]:
    supporters = supporter_counts(profile)
    funded = {p: i for i, p in enumerate(outcome.winners, start=1)}
    outcomes: dict[str, ProjectOutcome] = {}
    for project, item in profile.projects.items():
        if project in funded:
            reason = Reason.FUNDED
        elif project in outcome.excluded:
            reason = Reason.EXCLUDED
        elif not problem.supporters[project].groups:  # nobody, or only zero points
            reason = Reason.NO_SUPPORT
        elif item.cost == 0:
            reason = Reason.NO_COST
        elif project not in problem.candidates:
            reason = Reason.BELOW_MINIMUM
        else:
            reason = Reason.SUPPORTERS_SHORT
        outcomes[project] = ProjectOutcome(
            project_id=project,
            funded=project in funded,
            reason=reason,
            cost=item.cost,
            score=score[project],
            supporters=supporters[project],
            rank=funded.get(project),
            max_payment=outcome.max_payment.get(project),
        )
    return outcomes


# --- hashes ------------------------------------------------------------------------------------


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def input_sha256(profile: Profile, rule: Rule) -> str:
    """Over the rule, its parameters, the budget, the projects and the multiset of ballots:
    not voter ids, not ballot order."""
    merged: dict[tuple[tuple[str, ...], tuple[int, ...] | None], int] = {}
    for ballot in profile.ballots:
        key = (ballot.projects, ballot.points)
        merged[key] = merged.get(key, 0) + ballot.count
    ballots = sorted(
        [list(projects), None if points is None else list(points), count]
        for (projects, points), count in merged.items()
    )
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
        "ballots": ballots,
    }
    return hashlib.sha256(_canonical(body)).hexdigest()


def result_sha256(result: Result) -> str:
    """Over numbers only: winners, payments, spend, rule, engine version (not the wording)."""
    body = {
        "engine": result.engine_version,
        "rule": result.rule.describe(),
        "winners": result.winners,
        "spent": fraction_text(result.spent),
        "payments": {
            p: fraction_text(o.max_payment)
            for p, o in result.outcomes.items()
            if o.max_payment is not None
        },
    }
    return hashlib.sha256(_canonical(body)).hexdigest()
