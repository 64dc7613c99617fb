"""Run a rule on a profile: winners, spend, per-project outcomes and explanations, and hashes."""

from __future__ import annotations

import collections
import functools
import hashlib
import itertools
import json
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import Any

from . import explain
from .memory import collector_paused
from .mes import (
    MesOutcome,
    MesProblem,
    Structure,
    Supporters,
    mes_fast_structure,
    mes_pure,
    run_mes,
    same_outcome_between,
    settled,
)
from .profile import Ballot, BallotKind, Deferred, Profile
from .result import ProjectOutcome, Reason, Result
from .rules import Completion, Rule, RuleError, RuleName, fraction_text, sortable

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


def scores(
    profile: Profile,
    supporters: dict[str, int] | None = None,
    naming: dict[str, list[int]] | None = None,
    points: dict[str, list[int]] | None = None,
) -> dict[str, Fraction]:
    """Approvals (choose-1 likewise), sum of points, or Borda for ranked ballots.

    ``supporters``: the profile's supporter_counts, if already counted (approvals are those);
    ``naming`` and ``points``: its ballots_naming and points_naming, if already made."""
    totals = dict.fromkeys(profile.projects, 0)
    if profile.kind is BallotKind.CUMULATIVE and naming is not None and points is not None:
        # Per project, its points times its ballots' counts, summed in C.
        counts = list(map(_count_of, profile.ballots))
        for project, given in points.items():
            totals[project] = sum(
                map(operator.mul, given, map(counts.__getitem__, naming[project]))
            )
    elif profile.kind is BallotKind.ORDINAL:
        k = profile.max_length or len(profile.projects)
        # Ballots of one voter (most) are counted a position at a time, in C: the column of
        # the projects ranked at that position (None where a ballot is shorter).
        singles = [ballot.projects for ballot in profile.ballots if ballot.count == 1]
        for position, column in enumerate(itertools.zip_longest(*singles)):
            if position >= k:
                break
            for project, n in collections.Counter(column).items():
                if project is not None:
                    totals[project] += (k - position) * n
        for ballot in profile.ballots:
            if ballot.count != 1:
                for position, project in enumerate(ballot.projects[:k]):
                    totals[project] += (k - position) * ballot.count
    elif profile.kind is BallotKind.CUMULATIVE:
        for ballot in profile.ballots:
            assert ballot.points is not None
            for project, amount in zip(ballot.projects, ballot.points, strict=True):
                totals[project] += amount * ballot.count
    else:
        totals = supporter_counts(profile) if supporters is None else supporters
    return {project: Fraction(total) for project, total in totals.items()}


def ballots_naming(profile: Profile) -> dict[str, list[int]]:
    """Per project, the indexes of the ballots that name it, ascending (for cumulative ballots,
    zero points included)."""
    naming: dict[str, list[int]] = {p: [] for p in profile.projects}
    named = list(_projects_of(profile.ballots))
    # The appends run in C: one (list, ballot index) pair per project named, in ballot order.
    owners = itertools.chain.from_iterable(
        map(itertools.repeat, range(len(named)), map(len, named))
    )
    lists = map(naming.__getitem__, itertools.chain.from_iterable(named))
    collections.deque(map(list.append, lists, owners), maxlen=0)
    return naming


def points_naming(profile: Profile) -> dict[str, list[int]]:
    """For cumulative ballots: per project, the points each ballot naming it gives it, in the
    order of ballots_naming (zero points included)."""
    if list(map(len, _projects_of(profile.ballots))) != list(
        map(len, map(_points_of, profile.ballots))
    ):
        raise ValueError("a cumulative ballot gives points to other than its projects")
    given: dict[str, list[int]] = {p: [] for p in profile.projects}
    lists = map(given.__getitem__, itertools.chain.from_iterable(_projects_of(profile.ballots)))
    points = itertools.chain.from_iterable(map(_points_of, profile.ballots))
    collections.deque(map(list.append, lists, points), maxlen=0)
    return given


def supporter_counts(
    profile: Profile, naming: dict[str, list[int]] | None = None
) -> dict[str, int]:
    """Per project, how many voters name it (the sum of the counts of its ballots).

    ``naming``: the profile's ballots_naming, if already made (MES needs it; greedy does not,
    and counting without it is quicker)."""
    if naming is not None:
        # Every ballot naming a project adds one voter (the lists' lengths), and each ballot of
        # several voters the rest of them.
        named = {p: len(gs) for p, gs in naming.items()}
        for ballot in profile.ballots:
            if ballot.count != 1:
                for project in ballot.projects:
                    named[project] += ballot.count - 1
        return named
    totals = dict.fromkeys(profile.projects, 0)
    # Ballots of one voter (most, where identical ballots are grouped) are counted in C.
    singles = [ballot for ballot in profile.ballots if ballot.count == 1]
    named = collections.Counter(itertools.chain.from_iterable(_projects_of(singles)))
    for project, n in named.items():
        totals[project] += n
    if len(singles) != len(profile.ballots):
        for ballot in profile.ballots:
            if ballot.count != 1:
                for project in ballot.projects:
                    totals[project] += ballot.count
    return totals


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


def tally(profile: Profile, rule: Rule, *, short_lived: bool = False) -> Result:
    """Apply ``rule`` to ``profile``.

    ``short_lived``: the calling process runs this tally and exits (the command), so numpy's
    import, a tenth of a second, counts against a single MES run, which then takes Python
    floats up to a far larger election. A long-lived process (the worker) pays that import
    once and gets numpy's speed on every election but the smallest.
    """
    with collector_paused():
        return _tally(profile, rule, short_lived)


def _tally(profile: Profile, rule: Rule, short_lived: bool) -> Result:
    ranks = tie_ranks(profile, rule)
    exclusive = _exclusive_groups(profile, rule)
    naming = ballots_naming(profile) if rule.name is RuleName.MES else None
    points = None
    if naming is not None and profile.kind is BallotKind.CUMULATIVE:
        points = points_naming(profile)
    supporters = supporter_counts(profile, naming)
    score = scores(profile, supporters, naming, points)
    minimum = _minimum(profile, rule)
    if rule.name is RuleName.MES:
        outcomes, winners, add1 = _run_mes(
            profile, rule, ranks, exclusive, score, minimum, supporters, naming, points, short_lived
        )
    else:
        outcomes, winners = _greedy(
            profile,
            rule,
            ranks,
            exclusive,
            score,
            minimum,
            budget=profile.budget,
            already=(),
            supporters=supporters,
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
    supporters: dict[str, int] | None = None,
) -> tuple[dict[str, ProjectOutcome], list[str]]:
    """Greedy by score (cheaper first on equal scores, then the tie order).

    With ``already`` (MES winners), it completes an outcome: those stay funded and their
    exclusive groups stay taken.
    """
    if supporters is None:
        supporters = supporter_counts(profile)
    order = sorted(
        (p for p in profile.projects if p not in already),
        key=lambda p: (-sortable(score[p]), sortable(profile.projects[p].cost), ranks[p]),
    )
    left = budget
    winners: list[str] = []
    taken: set[str] = set().union(*(exclusive.get(p, frozenset()) for p in already))
    outcomes: dict[str, ProjectOutcome] = {}
    stopped = False
    for project in order:
        cost = profile.projects[project].cost
        before = left
        rank: int | None = None
        if minimum is not None and score[project] < minimum:
            reason = Reason.BELOW_MINIMUM
        elif project in exclusive and exclusive[project] & taken:
            reason = Reason.EXCLUDED
        elif stopped:
            reason = Reason.STOPPED
        elif cost <= left:
            reason = Reason.FUNDED_BY_COMPLETION if completion else Reason.FUNDED
            rank = len(already) + len(winners) + 1
            left -= cost
            winners.append(project)
            taken |= exclusive.get(project, frozenset())
        else:
            if rule.name is RuleName.GREEDY_NO_SKIP:
                stopped = True
            reason = Reason.NOT_ENOUGH_LEFT
        outcomes[project] = ProjectOutcome(
            project_id=project,
            funded=rank is not None,
            reason=reason,
            cost=cost,
            score=score[project],
            supporters=supporters[project],
            rank=rank,
            left_when_considered=before,
        )
    return outcomes, winners


# --- Method of Equal Shares -------------------------------------------------------------------


def mes_problem(
    profile: Profile,
    ranks: dict[str, int],
    exclusive: dict[str, frozenset[str]],
    score: dict[str, Fraction],
    minimum: Fraction | None,
    naming: dict[str, list[int]] | None = None,
    points: dict[str, list[int]] | None = None,
) -> MesProblem:
    """``naming`` and ``points``: the profile's ballots_naming and points_naming, if made."""
    if profile.kind is BallotKind.ORDINAL:
        raise RuleError("the Method of Equal Shares needs approval, choose-1 or cumulative ballots")
    cost_utilities = profile.kind in (BallotKind.APPROVAL, BallotKind.CHOOSE_1)
    groups: dict[str, list[int]] = {p: [] for p in profile.projects}
    group_counts = list(map(_count_of, profile.ballots))
    counts: dict[str, Sequence[int]]
    utilities: dict[str, Sequence[Fraction | int]]
    if cost_utilities or (
        naming is not None
        and points is not None
        and all(min(given, default=1) > 0 for given in points.values())
    ):
        groups = ballots_naming(profile) if naming is None else naming
        # Made only if an engine reads them: numpy's takes the sizes from group_counts.
        counts = {
            p: Deferred(functools.partial(list, map(group_counts.__getitem__, gs)), len(gs))
            for p, gs in groups.items()
        }
        if cost_utilities:
            utilities = {p: [profile.projects[p].cost] * len(gs) for p, gs in groups.items()}
        else:  # cumulative ballots, none giving a project zero points: the points as they are
            assert points is not None
            utilities = dict(points)
    else:  # cumulative ballots: a project given zero points is not supported by that ballot
        sizes: dict[str, list[int]] = {p: [] for p in profile.projects}
        given: dict[str, list[int]] = {p: [] for p in profile.projects}
        for g, ballot in enumerate(profile.ballots):
            assert ballot.points is not None
            for project, amount in zip(ballot.projects, ballot.points, strict=True):
                if amount > 0:
                    groups[project].append(g)
                    sizes[project].append(ballot.count)
                    given[project].append(amount)  # whole numbers: quicker than Fractions
        counts = dict(sizes)
        utilities = dict(given)
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


class _Whole:
    """The costs and the budget as whole numbers of a common fraction of the currency unit:
    add1 adds up its outcome's costs at every step, and integers add far quicker than
    Fractions (exactly the same comparisons: every amount is scaled by the same integer)."""

    def __init__(self, profile: Profile, problem: MesProblem) -> None:
        scale = math.lcm(
            profile.budget.denominator, *(c.denominator for c in problem.costs.values())
        )
        self.costs = {p: int(c * scale) for p, c in problem.costs.items()}
        self.budget = int(profile.budget * scale)

    def spent(self, outcome: MesOutcome) -> int:
        return sum(map(self.costs.__getitem__, outcome.winners))


def _exhaustive(problem: MesProblem, outcome: MesOutcome, whole: _Whole) -> bool:
    """No project left out could still be added within the real budget."""
    spent = whole.spent(outcome)
    funded = set(outcome.winners)
    taken: set[str] = set().union(*(problem.exclusive_group.get(p, frozenset()) for p in funded))
    for project in problem.candidates:
        if project in funded or problem.exclusive_group.get(project, frozenset()) & taken:
            continue
        if spent + whole.costs[project] <= whole.budget:
            return False
    return True


def _run_mes(
    profile: Profile,
    rule: Rule,
    ranks: dict[str, int],
    exclusive: dict[str, frozenset[str]],
    score: dict[str, Fraction],
    minimum: Fraction | None,
    supporters: dict[str, int],
    naming: dict[str, list[int]] | None,
    points: dict[str, list[int]] | None,
    short_lived: bool,
) -> tuple[dict[str, ProjectOutcome], list[str], int | None]:
    if profile.voters == 0:
        raise RuleError("the Method of Equal Shares needs at least one voter")
    # A minimum applies to MES only when the rule gives one explicitly.
    problem = mes_problem(profile, ranks, exclusive, score, minimum, naming, points)
    base = profile.budget / profile.voters
    step: int | None = None
    if rule.completion is Completion.NONE:
        entries = sum(len(s.groups) for s in problem.supporters.values())
        if entries <= EXACT_MAX_ENTRIES:
            # Nobody supports anything: nothing for floats to speed up.
            outcome = settled(problem, base, run_mes(problem, base, None))
        elif (
            PURE_FLOAT
            and problem.cost_utilities
            and entries <= (PURE_MAX_ENTRIES_SHORT_LIVED if short_lived else PURE_MAX_ENTRIES)
        ):
            outcome = settled(problem, base, mes_pure(problem, base))
        else:
            outcome = settled(problem, base, run_mes(problem, base, NUMPY))
    else:
        outcome, step = _add1(profile, problem, base)
    winners = list(outcome.winners)
    outcomes = _mes_outcomes(profile, problem, outcome, score, supporters)
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
            supporters=supporters,
        )
        for project in extra:
            outcomes[project] = extra_outcomes[project]
        winners.extend(extra)
    return outcomes, winners, step


# Skip budgets (see mes_fast_structure) only where a run that records its structure is cheap.
GALLOP_MAX_ENTRIES = 20_000
# Up to this many (project, voter group) pairs one MES run uses Fractions alone. The float engine
# on Python lists is quicker even on small elections (Budapest 2022: 13 ms exactly, 2.4 ms with
# floats), and it falls back to the exact engine itself when floats cannot certify a decision.
EXACT_MAX_ENTRIES = 0
# Up to this many, one MES run (no completion) is quickest with Python floats (mes_pure), numpy
# loaded or not (Budapest 2022, 1,556: 1.2 ms against 1.5; Gdynia 2024, 2,198: 1.2 against 0.8).
PURE_MAX_ENTRIES = 2_000
# The same in a short-lived process (see tally), where numpy's import alone takes longer than
# the run on Python floats on every election we know (Ursynów 2019, 95,924 pairs: 88 ms).
PURE_MAX_ENTRIES_SHORT_LIVED = 1_000_000
# False: never Python floats (the tests then check numpy's and the exact engine).
PURE_FLOAT = True
# Recorded runs made before judging whether skipping pays (then kept only while skips average
# GALLOP_MIN_STEPS_PER_RUN steps a run): where it pays it shows at once, and where it does not
# each trial run costs a few plain ones (16 trials made Świecie 2023 a third slower).
GALLOP_TRIAL = 4
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

    whole = _Whole(profile, problem)
    k = 0
    outcome, structure, room = evaluate(k)
    previous: tuple[MesOutcome, int] | None = None
    while True:
        if whole.spent(outcome) > whole.budget:
            if previous is None:  # cannot happen: MES never overspends its own budget
                raise AssertionError("MES overspent at the base budget")
            return settled(problem, base + previous[1], previous[0]), previous[1]
        if _exhaustive(problem, outcome, whole):
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
    profile: Profile,
    problem: MesProblem,
    outcome: MesOutcome,
    score: dict[str, Fraction],
    supporters: dict[str, int],
) -> dict[str, ProjectOutcome]:
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
    }
    # The canonical JSON of the body with "ballots" (its first key in sorted order): the sorted
    # list of [projects, points or null, count], merging identical ballots. Written here
    # directly, the same bytes json.dumps gives (tests/tally check it), because Łódź has tens of
    # thousands of distinct ballots.
    rest = _canonical(body)
    digest = hashlib.sha256(b'{"ballots":')
    digest.update(_ballots_json(profile.ballots, profile.projects).encode())
    digest.update(b"," + rest[1:])
    return digest.hexdigest()


def _ballots_json(ballots: Sequence[Ballot], known: Iterable[str]) -> str:
    """``_canonical`` of the sorted list of [projects, points, count], identical ballots merged
    (as text, not bytes). ``known``: every project id the ballots may name."""
    all_points = set(map(_points_of, ballots))
    plain = {None} >= all_points
    # Every character of every id sorts after the comma (so after the quote too, and none is a
    # control character JSON escapes): the ids joined by '","' sort exactly as the tuples do (a
    # prefix first: the quote sorts before every character of an id), name each tuple
    # uniquely, and are the inside of the JSON list of the ids.
    simple_ids = all(p and min(p) > "," and "\\" not in p for p in known)
    if not plain and None not in all_points and simple_ids:
        return _points_ballots_json(ballots)
    if plain and simple_ids:
        counts = list(map(_count_of, ballots))
        texts = list(map('","'.join, _projects_of(ballots)))
        if len(set(texts)) != len(texts):  # identical ballots not grouped: add their counts
            merged: dict[str, int] = {}
            for text, count in zip(texts, counts, strict=True):
                merged[text] = merged.get(text, 0) + count
            texts, counts = list(merged), list(merged.values())
        # Each ballot as its ids, "\x02" and its count: "\x02" sorts before every character of
        # the ids, so these sort as the texts alone do. Then all at once, "\x01" between
        # ballots: '[["a","b"],null,3],...'.
        lines = sorted(map("\x02".join, zip(texts, map(str, counts), strict=True)))
        empty = bool(lines) and lines[0].startswith("\x02")  # the empty ballot sorts first
        parts = [f"[[],null,{lines.pop(0)[1:]}]"] if empty else []
        if lines:
            body = "\x01".join(lines).replace("\x02", '"],null,').replace("\x01", '],[["')
            parts.append('[["' + body + "]")
        return "[" + ",".join(parts) + "]"
    encode = json.JSONEncoder(ensure_ascii=False).encode
    named = sorted(set(itertools.chain.from_iterable(_projects_of(ballots))))
    ids = {p: encode(p) for p in named}
    if plain and all(min(p, default="#") > '"' and "\\" not in p for p in named):
        # Each id's JSON is the id in quotes, and every character of the ids sorts after the
        # quote: the comma-joined JSON of the ids then sorts exactly as the tuple of ids does (a
        # prefix first), and it names the tuple uniquely, so it serves to merge and to sort.
        texts = list(
            map(",".join, map(map, itertools.repeat(ids.__getitem__), _projects_of(ballots)))
        )
        merged = dict(zip(texts, map(_count_of, ballots), strict=True))
        if len(merged) != len(texts):  # identical ballots not grouped: add their counts
            merged = {}
            for text, count in zip(texts, map(_count_of, ballots), strict=True):
                merged[text] = merged.get(text, 0) + count
        ordered = sorted(merged)  # strings sort far quicker than tuples
        how_many = map(merged.__getitem__, ordered)
        return "[" + ",".join(map("[[{}],null,{}]".format, ordered, how_many)) + "]"
    keys: dict[tuple[tuple[str, ...], tuple[int, ...] | None], int] = {}
    for ballot in ballots:
        key = (ballot.projects, ballot.points)
        keys[key] = keys.get(key, 0) + ballot.count
    # Sorting tuples of ids is slow; one character per id, in the ids' order, gives strings that
    # sort exactly as the tuples do (a prefix first). The keys are distinct, so the counts never
    # decide; points decide only between equal project lists, and compare as the lists would.
    code = {p: chr(i + 1) for i, p in enumerate(named)}
    if all(points is None for _projects, points in keys):
        order = sorted(keys, key=lambda key: "".join([code[p] for p in key[0]]))
    else:
        order = sorted(keys, key=lambda key: ("".join([code[p] for p in key[0]]), key[1]))
    parts = []
    for key in order:
        projects, points = key
        text = ",".join([ids[p] for p in projects])
        marks = "null" if points is None else "[" + ",".join(map(str, points)) + "]"
        parts.append(f"[[{text}],{marks},{keys[key]}]")
    return "[" + ",".join(parts) + "]"


def _points_ballots_json(ballots: Sequence[Ballot]) -> str:
    """_ballots_json for cumulative ballots whose ids need no escaping and sort after the
    comma (see there): each ballot as (its ids joined by '","', its points), which sort as the
    ballots' (projects, points) do; identical ones merged."""
    keys = list(zip(map('","'.join, _projects_of(ballots)), map(_points_of, ballots), strict=True))
    merged_points = dict(zip(keys, map(_count_of, ballots), strict=True))
    if len(merged_points) != len(keys):  # identical ballots not grouped: add their counts
        merged_points = {}
        for key, count in zip(keys, map(_count_of, ballots), strict=True):
            merged_points[key] = merged_points.get(key, 0) + count
    order = sorted(merged_points)
    empty = bool(order) and not order[0][0]  # the empty ballot sorts first
    parts = [f"[[],[],{merged_points[order.pop(0)]}]"] if empty else []
    if order:
        # Each ballot as its ids, "\x02", its points as a tuple's repr, "\x03" and its count,
        # "\x01" between ballots; then made JSON all at once: '[["a","b"],[3,1],2],...'. The
        # ids hold no space, parenthesis or control character (they sort after the comma).
        ids, points = zip(*order, strict=True)
        lines = map(
            "".join,
            zip(
                ids,
                itertools.repeat("\x02"),
                map(repr, points),  # '(3, 1)', or '(3,)' for one
                itertools.repeat("\x03"),
                map(str, map(merged_points.__getitem__, order)),
                strict=False,  # (the repeats are endless)
            ),
        )
        body = "\x01".join(lines).replace(",)", ")").replace(" ", "")
        for marker, text in (
            ("\x02", '"],'),
            ("(", "["),
            (")", "]"),
            ("\x03", ","),
            ("\x01", '],[["'),
        ):
            body = body.replace(marker, text)
        parts.append('[["' + body + "]")
    return "[" + ",".join(parts) + "]"


_projects_of = functools.partial(map, operator.attrgetter("projects"))
_count_of = operator.attrgetter("count")
_points_of = operator.attrgetter("points")


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
