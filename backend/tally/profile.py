"""What a tally reads: projects with exact costs, grouped ballots of one kind, and the budget.

Everything here is plain Python (no Django): auditors run it without the server.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar, overload

T = TypeVar("T")


class BallotKind(StrEnum):
    APPROVAL = "approval"
    CHOOSE_1 = "choose-1"
    CUMULATIVE = "cumulative"
    ORDINAL = "ordinal"


@dataclass(frozen=True)
class Project:
    id: str
    cost: Fraction
    name: str = ""
    pot: str | None = None
    exclusive_group: str | None = None
    panel_score: Fraction | None = None
    # Columns of the file that our rules do not use, kept so that writing gives them back.
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ballot:
    """Identical ballots grouped: ``count`` voters cast exactly this.

    ``projects`` is a set in a canonical (sorted) order for approval and choose-1 ballots, and
    best-first for ordinal ones. ``points`` runs parallel to ``projects`` for cumulative ballots.
    """

    projects: tuple[str, ...]
    count: int
    points: tuple[int, ...] | None = None


def make_ballots(
    keys: Iterable[tuple[tuple[str, ...], tuple[int, ...] | None]], counts: Iterable[int]
) -> list[Ballot]:
    """``Ballot(projects, count, points)`` for each (projects, points) key and count, made as
    the frozen dataclass' ``__init__`` would make them but without its ``object.__setattr__``
    per field: three times quicker, for the tens of thousands of distinct ballots of a city."""
    new = object.__new__
    ballots = []
    for (projects, points), count in zip(keys, counts, strict=True):
        ballot = new(Ballot)
        ballot.__dict__.update(projects=projects, count=count, points=points)
        ballots.append(ballot)
    return ballots


class Deferred(Sequence[T]):
    """A list made the first time it is read: per-voter records of a file that only writing
    the file back needs, so that a tally does not pay for them. Its length is known at once."""

    __slots__ = ("_items", "_length", "_make")

    def __init__(self, make: Callable[[], list[T]], length: int) -> None:
        self._make: Callable[[], list[T]] | None = make
        self._items: list[T] | None = None
        self._length = length

    def _list(self) -> list[T]:
        if self._items is None:
            assert self._make is not None
            self._items, self._make = self._make(), None
            if len(self._items) != self._length:
                raise AssertionError("a deferred list came out with another length")
        return self._items

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self._list()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Deferred):
            return self._list() == other._list()
        return self._list() == other

    def __repr__(self) -> str:
        return repr(self._list())


@dataclass
class Profile:
    kind: BallotKind
    budget: Fraction
    projects: dict[str, Project]
    ballots: list[Ballot]
    # META as read (strings), kept for writing back and for the rule the file names.
    meta: dict[str, str] = field(default_factory=dict)
    # Voter ids are needed only to write a file back; rules never see them.
    warnings: list[str] = field(default_factory=list)
    # Per voter, in file order, kept only to write a file back (rules never see them): the voter
    # ids, each voter's ballot (an index into ``ballots``) and the VOTES columns beyond voter_id,
    # vote and points (``vote_columns`` names them; ``vote_extra`` holds one tuple per voter).
    # All empty when the profile did not come from a file: the writer then numbers voters 1..n.
    # A file's reader may give the last two as Deferred lists, made only when read.
    voter_ids: Sequence[str] = field(default_factory=list)
    voter_ballots: Sequence[int] = field(default_factory=list)
    vote_columns: tuple[str, ...] = ()
    vote_extra: Sequence[tuple[str, ...]] = field(default_factory=list)

    @property
    def voters(self) -> int:
        return sum(map(_count_of, self.ballots))

    @property
    def currency(self) -> str:
        return self.meta.get("currency", "")

    @property
    def max_length(self) -> int | None:
        raw = self.meta.get("max_length", "")
        return int(raw) if raw.strip().isdigit() else None


_count_of = operator.attrgetter("count")


def group_ballots(ballots: list[Ballot]) -> list[Ballot]:
    """Merge identical ballots, adding their counts; order: first appearance."""
    merged: dict[tuple[tuple[str, ...], tuple[int, ...] | None], int] = {}
    for ballot in ballots:
        key = (ballot.projects, ballot.points)
        merged[key] = merged.get(key, 0) + ballot.count
    return [Ballot(projects=p, points=pts, count=n) for (p, pts), n in merged.items()]
