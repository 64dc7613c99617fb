"""The rules a fund can use, with their parameters. A Rule is data: it is hashed into the input."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


class RuleName(StrEnum):
    GREEDY = "greedy"
    GREEDY_NO_SKIP = "greedy-no-skip"
    MES = "mes"


class Completion(StrEnum):
    NONE = "none"
    ADD1 = "add1"
    ADD1_GREEDY = "add1+greedy"


class RuleError(ValueError):
    """A rule or parameter that cannot be applied, said so a person can fix it."""


@dataclass(frozen=True)
class Rule:
    name: RuleName
    completion: Completion = Completion.NONE
    # Keep only projects whose score is at least this many points (approvals, points, Borda)...
    min_score: Fraction | None = None
    # ... or at least this share (0 to 1) of the voters.
    min_share: Fraction | None = None
    # Groups of mutually exclusive projects: at most one of each is funded.
    exclusive: tuple[tuple[str, ...], ...] = ()
    # Order that breaks remaining ties, first = preferred. None: project ids, lexicographically.
    tie_order: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.name is not RuleName.MES and self.completion is not Completion.NONE:
            raise RuleError("completions apply to the Method of Equal Shares only (--rule mes)")
        if self.min_score is not None and self.min_share is not None:
            raise RuleError("give a minimum score or a minimum share, not both")
        if self.min_share is not None and not 0 <= self.min_share <= 1:
            raise RuleError("a minimum share is between 0 and 1")
        if self.min_score is not None and self.min_score < 0:
            raise RuleError("a minimum score cannot be negative")

    def describe(self) -> dict[str, object]:
        """Canonical, hashable description (strings and lists only)."""
        return {
            "name": str(self.name),
            "completion": str(self.completion),
            "min_score": None if self.min_score is None else fraction_text(self.min_score),
            "min_share": None if self.min_share is None else fraction_text(self.min_share),
            "exclusive": sorted(sorted(group) for group in self.exclusive),
            "tie_order": None if self.tie_order is None else list(self.tie_order),
        }


def fraction_text(value: Fraction) -> str:
    """Exact, canonical text of a rational: '12', '-3/4'."""
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def sortable(value: Fraction) -> int | Fraction:
    """The same number, as an int where it is whole: ints compare many times quicker than
    Fractions, and comparing an int with a Fraction is still exact (for sort keys)."""
    return value.numerator if value.denominator == 1 else value
