"""Sentences a resident can read, one per project, from the numbers of a result."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from .profile import BallotKind, Profile
from .result import ProjectOutcome, Reason, Result
from .rules import RuleName, sortable


def money(amount: Fraction, currency: str) -> str:
    """'PLN 1,603,000' or 'PLN 41.20' (exact amounts shown to the penny, rounded half to even
    from the exact value, however many digits it has)."""
    if amount.denominator == 1:
        text = f"{amount.numerator:,}"
    else:
        pennies = round(amount * 100)  # Fraction.__round__: half to even, exactly
        whole, part = divmod(abs(pennies), 100)
        text = f"{'-' if pennies < 0 else ''}{whole:,}.{part:02d}"
    return f"{currency} {text}".strip()


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _score_words(kind: BallotKind, score: Fraction) -> str:
    value = f"{int(score):,}" if score.denominator == 1 else str(float(score))
    if kind is BallotKind.CUMULATIVE:
        return f"{value} points"
    if kind is BallotKind.ORDINAL:
        return f"a Borda score of {value}"
    return f"{value} vote{'s' if score != 1 else ''}"


def _sentence(profile: Profile, result: Result, o: ProjectOutcome, minimum: Fraction | None) -> str:
    currency = profile.currency
    cost = money(o.cost, currency)
    mes = result.rule.name is RuleName.MES
    if o.reason is Reason.FUNDED and mes:
        assert o.max_payment is not None
        assert o.rank is not None
        return (
            f"funded {ordinal(o.rank)}; {o.supporters:,} supporters paid at most "
            f"{money(o.max_payment, currency)} each towards its cost of {cost}"
        )
    if o.reason is Reason.FUNDED:
        assert o.rank is not None
        assert o.left_when_considered is not None
        return (
            f"funded {ordinal(o.rank)} with {_score_words(profile.kind, o.score)}; costs {cost}, "
            f"{money(o.left_when_considered, currency)} was left before it"
        )
    if o.reason is Reason.FUNDED_BY_COMPLETION:
        assert o.rank is not None
        assert o.left_when_considered is not None
        return (
            f"funded {ordinal(o.rank)} by the greedy completion with {_score_words(profile.kind, o.score)}: "
            f"{money(o.left_when_considered, currency)} was left, it costs {cost}"
        )
    if o.reason is Reason.NOT_ENOUGH_LEFT:
        assert o.left_when_considered is not None
        return (
            f"not funded: {money(o.left_when_considered, currency)} left after higher-ranked "
            f"projects, costs {cost}"
        )
    if o.reason is Reason.STOPPED:
        return (
            "not funded: funding stopped at a higher-ranked project that did not fit (no skipping)"
        )
    if o.reason is Reason.BELOW_MINIMUM:
        assert minimum is not None
        return f"not funded: below the minimum of {_score_words(profile.kind, minimum)}"
    if o.reason is Reason.EXCLUDED:
        return "not funded: another project of its mutually exclusive group was funded"
    if o.reason is Reason.NO_SUPPORT:
        return "not funded: nobody voted for it"
    if o.reason is Reason.NO_COST:
        return "not funded: it costs nothing, and equal shares fund only what supporters pay for"
    return (
        f"not funded: its {o.supporters:,} supporters could not pay its cost of {cost} "
        f"from their equal shares"
    )


def explained(
    profile: Profile, result: Result, outcomes: dict[str, ProjectOutcome]
) -> dict[str, ProjectOutcome]:
    rule = result.rule
    minimum = (
        rule.min_score
        if rule.min_score is not None
        else (None if rule.min_share is None else rule.min_share * profile.voters)
    )
    ordered = sorted(
        outcomes.values(),
        key=lambda o: (
            not o.funded,
            o.rank or 0,
            -sortable(o.score),
            sortable(o.cost),
            o.project_id,
        ),
    )
    return {
        o.project_id: replace(o, explanation=_sentence(profile, result, o, minimum))
        for o in ordered
    }
