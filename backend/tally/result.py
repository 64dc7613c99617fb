"""What a tally returns: winners, spend, per-project outcomes with explanations, and hashes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from .rules import Rule


class Reason(StrEnum):
    FUNDED = "funded"
    FUNDED_BY_COMPLETION = "funded_by_completion"
    NOT_ENOUGH_LEFT = "not_enough_left"  # greedy: did not fit in what was left
    STOPPED = "stopped"  # greedy-no-skip: a higher-ranked project did not fit
    BELOW_MINIMUM = "below_minimum"
    EXCLUDED = "excluded"  # another project of its exclusive group was funded
    SUPPORTERS_SHORT = "supporters_short"  # MES: its supporters could not pay for it
    NO_SUPPORT = "no_support"
    NO_COST = "no_cost"  # MES: nothing to share, so nobody gains by paying for it


@dataclass(frozen=True, slots=True)
class ProjectOutcome:
    project_id: str
    funded: bool
    reason: Reason
    cost: Fraction
    score: Fraction  # approvals, points or Borda score
    supporters: int
    rank: int | None = None  # 1 = funded first
    # MES: the most any one supporter paid (cost utilities: everyone who paid, paid at most this).
    max_payment: Fraction | None = None
    left_when_considered: Fraction | None = None
    explanation: str = ""


@dataclass
class Result:
    rule: Rule
    budget: Fraction
    winners: list[str]  # in the order funded
    spent: Fraction
    outcomes: dict[str, ProjectOutcome]
    engine_version: str
    input_sha256: str = ""
    result_sha256: str = ""
    warnings: list[str] = field(default_factory=list)
    # For add1: the per-voter budget increase (currency units) of the outcome taken.
    add1_steps: int | None = None
