"""Read and write Pabulib files (``.pb``): real elections, and the ballot file a fund publishes.

The format (Faliszewski et al., "Participatory Budgeting: Data, Tools, and Analysis", IJCAI 2023;
https://pabulib.org/format) has three sections in this order: ``META`` (``key;value`` lines),
``PROJECTS`` (``project_id;cost;...``) and ``VOTES`` (``voter_id;vote;...``), as ``;``-separated CSV
with ``"`` quoting. A vote is a comma list of project ids: a set for ``approval`` and ``choose-1``
votes, best first for ``ordinal`` ones; ``cumulative`` votes give the points in a parallel
``points`` column.

Reading (:func:`read_pabulib`):

* Numbers are exact: costs, the budget and panel scores become :class:`~fractions.Fraction` from
  their decimal text (``2572946.76``; a decimal comma ``2572946,76`` is read too, but ``1,500`` is
  refused as ambiguous). Points are whole numbers.
* Columns the rules do not use are kept (a project's in :attr:`Project.extra`, a voter's in
  :attr:`Profile.vote_extra`, with the voter ids), so that :func:`write_pabulib` gives them back.
* Ballots are grouped (identical ballots once, with a count), in order of first appearance, as
  :func:`~backend.tally.profile.group_ballots` would: approval and choose-1 ballots as sorted
  tuples of ids, ordinal ballots in rank order, cumulative ballots sorted by project id with their
  points alongside.
* A voter whose vote is empty (approved nothing) is kept, as a ballot with no projects: they are
  voters all the same, and the shares and per-voter budgets of the rules count them.
* Real files are imperfect, and a published ballot is kept as published: a project named twice in
  one ballot counts once (ordinal: at its best rank; cumulative: its points are added); a ballot
  longer than META ``max_length`` (a choose-1 ballot naming more than one project), shorter than
  ``min_length``, costing more than ``max_sum_cost``, or whose points break ``max_sum_points``,
  ``min_sum_points`` or ``max_points`` is counted as cast. Each is reported in
  :attr:`Profile.warnings` as ``"line 1234: voter 17 approves P3 twice; counted once"`` (the first
  20 of each kind, then how many more), as are META counts that disagree with the file.
* Anything that stops the file being read raises :class:`PabulibError` naming the line and the
  fault, never a bare traceback.

Writing (:func:`write_pabulib`) gives a valid Pabulib file that also carries what our rules use, so
that the published file alone reproduces an award: per project the columns ``pot``,
``exclusive_group`` and ``panel_score`` (only when some project has one); in META the tie order
(``fairfund_tie_order``: ids separated by ``,``), the mutually exclusive groups
(``fairfund_exclusive``: groups separated by ``|``, ids within a group by ``,``) and the rule
(``rule``). Reading the written text gives the same profile back.
"""

from __future__ import annotations

import collections
import csv
import io
import itertools
import math
import operator
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TextIO, cast

from .memory import collector_paused
from .profile import BallotKind, Deferred, Profile, Project, make_ballots

__all__ = [
    "META_EXCLUSIVE",
    "META_RULE",
    "META_TIE_ORDER",
    "PabulibError",
    "decimal_text",
    "parse_decimal",
    "profile_exclusive",
    "profile_tie_order",
    "read_pabulib",
    "write_pabulib",
]

SECTIONS = ("META", "PROJECTS", "VOTES")
_SECTION_SET = frozenset(SECTIONS)
META_TIE_ORDER = "fairfund_tie_order"
META_EXCLUSIVE = "fairfund_exclusive"
META_RULE = "rule"
# Project columns that become fields of Project; every other column goes to Project.extra.
_PROJECT_FIELDS = ("project_id", "cost", "name", "pot", "exclusive_group", "panel_score")
_OPTIONAL_PROJECT_FIELDS = ("pot", "exclusive_group", "panel_score")
# Detailed warnings kept per kind of quirk; beyond that, only a count.
WARNINGS_PER_KIND = 20

_DECIMAL = re.compile(r"([+-]?)(\d+)(?:([.,])(\d+))?")
_RATIO = re.compile(r"([+-]?\d+)/(\d+)")
_WHOLE = re.compile(r"\d+")


class PabulibError(ValueError):
    """A file that cannot be read as Pabulib; ``line`` is the (1-based) line of the fault."""

    def __init__(self, message: str, line: int | None = None, *, name: str = "") -> None:
        self.line = line
        self.name = name
        self.reason = message
        where = ", ".join(p for p in (name, "" if line is None else f"line {line}") if p)
        super().__init__(f"{where}: {message}" if where else message)


# --- numbers -----------------------------------------------------------------------------------


def parse_decimal(text: str) -> Fraction:
    """The exact value of decimal text: ``'12'``, ``'2572946.76'``, ``'0,5'`` (decimal comma).

    Raises ValueError for anything else, including ``'1,500'`` (a decimal comma or a thousands
    separator?), exponents and fractions.
    """
    match = _DECIMAL.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a decimal number")
    sign, whole, mark, decimals = match.groups()
    if mark == "," and len(decimals) == 3:
        raise ValueError(
            f"{text.strip()!r} is ambiguous (a decimal comma or a thousands separator?); "
            "write it with a decimal point"
        )
    value = Fraction(int(whole + (decimals or "")), 10 ** len(decimals or ""))
    return -value if sign == "-" else value


def _parse_score(text: str) -> Fraction:
    """Decimal text, or an exact ratio ``'7/3'`` (panel scores may be averages)."""
    match = _RATIO.fullmatch(text.strip())
    if match is None:
        return parse_decimal(text)
    if int(match.group(2)) == 0:
        raise ValueError(f"{text.strip()!r} divides by zero")
    return Fraction(int(match.group(1)), int(match.group(2)))


def decimal_text(value: Fraction) -> str:
    """Exact decimal text of a rational with a terminating decimal: ``'2572946.76'``, ``'12'``.

    Raises ValueError when there is none (a denominator with a prime factor other than 2 and 5).
    """
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise ValueError(f"{value} has no exact decimal text")
    places = max(twos, fives)
    scaled = value.numerator * 10**places // value.denominator  # exact: the division leaves 0
    digits = str(abs(scaled)).rjust(places + 1, "0")
    sign = "-" if scaled < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def _score_text(value: Fraction) -> str:
    try:
        return decimal_text(value)
    except ValueError:
        return f"{value.numerator}/{value.denominator}"


# --- our META keys ---------------------------------------------------------------------------


def _parse_tie_order(text: str, projects: Mapping[str, Project]) -> tuple[str, ...]:
    order = tuple(p.strip() for p in text.split(",")) if text.strip() else ()
    unknown = [p for p in order if p not in projects]
    if unknown:
        raise ValueError(
            f"{META_TIE_ORDER} names unknown projects: {', '.join(map(repr, unknown))}"
        )
    if len(set(order)) != len(order):
        raise ValueError(f"{META_TIE_ORDER} names a project twice")
    return order


def _parse_exclusive(text: str, projects: Mapping[str, Project]) -> tuple[tuple[str, ...], ...]:
    groups: list[tuple[str, ...]] = []
    for part in text.split("|"):
        if not part.strip():
            continue
        group = tuple(p.strip() for p in part.split(","))
        unknown = [p for p in group if p not in projects]
        if unknown:
            raise ValueError(
                f"{META_EXCLUSIVE} names unknown projects: {', '.join(map(repr, unknown))}"
            )
        if len(set(group)) != len(group):
            raise ValueError(f"{META_EXCLUSIVE}: the group {part.strip()!r} names a project twice")
        if len(group) < 2:
            raise ValueError(
                f"{META_EXCLUSIVE}: the group {part.strip()!r} needs at least two projects"
            )
        groups.append(group)
    return tuple(groups)


def profile_tie_order(profile: Profile) -> tuple[str, ...] | None:
    """The tie order the file records (META ``fairfund_tie_order``), or None when it has none."""
    text = profile.meta.get(META_TIE_ORDER)
    return None if text is None else _parse_tie_order(text, profile.projects)


def profile_exclusive(profile: Profile) -> tuple[tuple[str, ...], ...]:
    """The mutually exclusive groups the file records (META ``fairfund_exclusive``), or ()."""
    return _parse_exclusive(profile.meta.get(META_EXCLUSIVE, ""), profile.projects)


# --- reading ---------------------------------------------------------------------------------


def read_pabulib(source: str | os.PathLike[str] | TextIO, *, name: str = "") -> Profile:
    """Read a Pabulib file into a :class:`Profile` (see the module's docstring for the rules).

    ``source`` is a path (``str`` or a path object), the text of a file itself (a ``str`` holding a
    line break, as :func:`write_pabulib` returns) or an open text stream. ``name`` labels error
    messages (a path's file name by default). Raises :class:`PabulibError` (a ValueError) when the
    file cannot be read as Pabulib; a missing file raises OSError as usual.
    """
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return _Reader(io.StringIO(source, newline=""), name, source).read()
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        with open(path, "rb") as stream:
            data = stream.read()
        label = name or os.path.basename(path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise PabulibError(
                f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line, name=label
            ) from None
        return _Reader(io.StringIO(text, newline=""), label, text).read()
    return _Reader(source, name).read()


class _Warnings:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.counts: dict[str, int] = {}

    def add(self, kind: str, line: int, text: str) -> None:
        seen = self.counts[kind] = self.counts.get(kind, 0) + 1
        if seen <= WARNINGS_PER_KIND:
            self.items.append(f"line {line}: {text}")

    def result(self) -> list[str]:
        more = [
            f"... and {n - WARNINGS_PER_KIND:,} more like this ({kind})"
            for kind, n in self.counts.items()
            if n > WARNINGS_PER_KIND
        ]
        return self.items + more


def _marker(row: list[str]) -> str | None:
    """The section a row opens (``META``, ``PROJECTS``, ``VOTES``), or None."""
    if row and row[0].strip() in _SECTION_SET and not any(c.strip() for c in row[1:]):
        return row[0].strip()
    return None


def _many(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def _times(n: int) -> str:
    return "twice" if n == 2 else f"{n} times"


# A parsed vote: its canonical (projects, points), and warnings as (kind, text after "voter X ").
_Note = tuple[str, str]
_Key = tuple[tuple[str, ...], tuple[int, ...] | None]

_VERBS = {
    BallotKind.APPROVAL: "approves",
    BallotKind.CHOOSE_1: "chooses",
    BallotKind.ORDINAL: "ranks",
    BallotKind.CUMULATIVE: "gives points to",
}


class _Limits:
    """The META bounds on a ballot, checked to warn (a published ballot counts as cast)."""

    def __init__(self) -> None:
        self.max_length: int | None = None
        self.min_length: int | None = None
        self.max_sum_cost: Fraction | None = None
        self.max_sum_points: int | None = None
        self.min_sum_points: int | None = None
        self.max_points: int | None = None


class _Reader:
    def __init__(self, lines: Iterable[str], name: str, text: str | None = None) -> None:
        self.name = name
        # The whole text, when ``lines`` is a StringIO over it (newline=""): the VOTES section
        # can then be read in bulk (see _Reader.votes_in_bulk).
        self.text = text if isinstance(lines, io.StringIO) else None
        self.stream = lines if isinstance(lines, io.StringIO) else None
        self.reader = csv.reader(lines, delimiter=";", strict=True)
        self.end = 0  # the last line read so far
        self.line = 0  # the first line of the row last returned
        self.started = False
        self.last: list[str] | None = None  # the row that ended the last section read
        self.warnings = _Warnings()

    def error(self, message: str, line: int | None = None) -> PabulibError:
        return PabulibError(message, self.line if line is None else line, name=self.name)

    def next_row(self) -> list[str] | None:
        """The next non-blank row (``self.line`` its first line), or None at the end."""
        for row in self.reader:
            self.line = self.end + 1
            self.end = self.reader.line_num
            if not self.started and row:
                row[0] = row[0].lstrip("\ufeff")
                self.started = True
            if any(row):
                return row
        self.line = self.end
        return None

    def read(self) -> Profile:
        try:
            with collector_paused():
                return self._read()
        except (csv.Error, UnicodeDecodeError) as exc:
            raise self.broken(exc, self.end + 1) from None

    def broken(self, exc: csv.Error | UnicodeDecodeError, line: int) -> PabulibError:
        """The error for a record the csv module could not split (``line``: where it starts)."""
        if isinstance(exc, UnicodeDecodeError):
            return self.error(f"not UTF-8 text ({exc.reason})", line)
        return self.error(f"malformed CSV ({exc}): check the quotes in the record from here", line)

    def expect(self, row: list[str] | None, section: str) -> int:
        """Check that ``row`` opens ``section``; return its line."""
        if row is None:
            raise self.error(f"the file ends without a {section} section")
        found = _marker(row)
        if found != section:
            what = f"the {found} section" if found else repr(";".join(row)[:60])
            raise self.error(f"expected the {section} section here, found {what}")
        return self.line

    def header(self, section: str, required: tuple[str, ...]) -> list[str]:
        row = self.next_row()
        if row is None or _marker(row):
            raise self.error(f"the {section} section has no header line ({';'.join(required)};...)")
        columns = [c.strip() for c in row]
        while columns and not columns[-1]:
            columns.pop()
        for i, column in enumerate(columns):
            if not column:
                raise self.error(f"column {i + 1} of the {section} header has no name")
            if column in columns[:i]:
                raise self.error(f"the {section} header names the column {column!r} twice")
        for column in required:
            if column not in columns:
                raise self.error(f"the {section} header has no {column} column")
        return columns

    def fit(self, row: list[str], width: int, section: str, line: int) -> list[str]:
        """Pad a short row with empty cells; refuse one with more (non-empty) cells than columns."""
        if len(row) < width:
            return row + [""] * (width - len(row))
        if any(c.strip() for c in row[width:]):
            raise self.error(
                f"{len(row)} fields, but the {section} header names {width} columns", line
            )
        return row[:width]

    # META -------------------------------------------------------------------------------------

    def _read(self) -> Profile:
        row = self.next_row()
        if row is None:
            raise self.error("the file is empty (a Pabulib file begins with META)", 1)
        meta_line = self.expect(row, "META")
        meta, meta_lines = self.read_meta()
        self.expect(self.last, "PROJECTS")
        kind, budget, limits = self.check_meta(meta, meta_lines, meta_line)
        projects = self.read_projects()
        self.check_ours(meta, meta_lines, projects)
        self.expect(self.last, "VOTES")
        profile = self.read_votes(kind, budget, projects, meta, limits)
        for key, actual in (("num_projects", len(projects)), ("num_votes", len(profile.voter_ids))):
            given = meta.get(key, "").strip()
            if given and given != str(actual):
                self.warnings.add(
                    "META counts",
                    meta_lines[key],
                    f"META {key} is {given}, but the file has {actual}",
                )
        profile.warnings = self.warnings.result()
        return profile

    def read_meta(self) -> tuple[dict[str, str], dict[str, int]]:
        meta: dict[str, str] = {}
        lines: dict[str, int] = {}
        first = True
        while True:
            row = self.next_row()
            if row is None or _marker(row):
                self.last = row
                return meta, lines
            if first:
                first = False
                if [c.strip().lower() for c in row] == ["key", "value"]:
                    continue
            key = row[0].strip()
            cells = row[1:]
            while len(cells) > 1 and not cells[-1].strip():
                cells.pop()  # trailing empty cells ("budget;100;;")
            value = ";".join(cells)  # an unquoted ';' inside a value is kept
            if not key:
                self.warnings.add("META", self.line, "a META line without a key; ignored")
                continue
            if key in meta:
                self.warnings.add(
                    "META",
                    self.line,
                    f"META {key} given again (first on line {lines[key]}); the later value kept",
                )
            meta[key] = value
            lines[key] = self.line

    def check_meta(
        self, meta: dict[str, str], lines: dict[str, int], meta_line: int
    ) -> tuple[BallotKind, Fraction, _Limits]:
        if "vote_type" not in meta:
            raise self.error(
                "META has no vote_type (approval, choose-1, cumulative or ordinal)", meta_line
            )
        try:
            kind = BallotKind(meta["vote_type"].strip().lower())
        except ValueError:
            raise self.error(
                f"unknown vote_type {meta['vote_type'].strip()!r} "
                "(this reads approval, choose-1, cumulative and ordinal votes)",
                lines["vote_type"],
            ) from None
        if "budget" not in meta or not meta["budget"].strip():
            raise self.error("META has no budget", lines.get("budget", meta_line))
        try:
            budget = parse_decimal(meta["budget"])
        except ValueError as exc:
            raise self.error(f"bad number in the budget: {exc}", lines["budget"]) from None
        if budget < 0:
            raise self.error(f"the budget is negative ({meta['budget'].strip()})", lines["budget"])
        limits = _Limits()
        for key in ("max_length", "min_length", "max_sum_points", "min_sum_points", "max_points"):
            text = meta.get(key, "").strip()
            if not text:
                continue
            if _WHOLE.fullmatch(text):
                setattr(limits, key, int(text))
            else:
                self.warnings.add(
                    "META",
                    lines[key],
                    f"META {key} {text!r} is not a whole number; ballots not checked against it",
                )
        text = meta.get("max_sum_cost", "").strip()
        if text:
            try:
                limits.max_sum_cost = parse_decimal(text)
            except ValueError as exc:
                self.warnings.add(
                    "META",
                    lines["max_sum_cost"],
                    f"META max_sum_cost: {exc}; ballots not checked against it",
                )
        return kind, budget, limits

    def check_ours(
        self, meta: dict[str, str], lines: dict[str, int], projects: dict[str, Project]
    ) -> None:
        try:
            if META_TIE_ORDER in meta:
                _parse_tie_order(meta[META_TIE_ORDER], projects)
        except ValueError as exc:
            raise self.error(str(exc), lines[META_TIE_ORDER]) from None
        try:
            _parse_exclusive(meta.get(META_EXCLUSIVE, ""), projects)
        except ValueError as exc:
            raise self.error(str(exc), lines[META_EXCLUSIVE]) from None

    # PROJECTS ---------------------------------------------------------------------------------

    def read_projects(self) -> dict[str, Project]:
        columns = self.header("PROJECTS", ("project_id", "cost"))
        width = len(columns)
        at = {c: i for i, c in enumerate(columns)}
        extra = [(c, i) for i, c in enumerate(columns) if c not in _PROJECT_FIELDS]
        projects: dict[str, Project] = {}
        lines: dict[str, int] = {}
        while True:
            row = self.next_row()
            if row is None or _marker(row):
                self.last = row
                return projects
            cells = row if len(row) == width else self.fit(row, width, "PROJECTS", self.line)
            pid = cells[at["project_id"]].strip()
            if not pid:
                raise self.error("a project without a project_id")
            if "," in pid:
                raise self.error(
                    f"the project id {pid!r} holds a comma, which separates the projects of a vote"
                )
            if pid in projects:
                raise self.error(f"duplicate project id {pid!r} (first on line {lines[pid]})")
            cost_text = cells[at["cost"]].strip()
            if not cost_text:
                raise self.error(f"project {pid} has no cost")
            try:
                cost = parse_decimal(cost_text)
            except ValueError as exc:
                raise self.error(f"bad number in the cost of project {pid}: {exc}") from None
            if cost < 0:
                raise self.error(f"project {pid} has a negative cost ({cost_text})")
            panel_score: Fraction | None = None
            if "panel_score" in at and cells[at["panel_score"]].strip():
                try:
                    panel_score = _parse_score(cells[at["panel_score"]])
                except ValueError as exc:
                    raise self.error(
                        f"bad number in the panel_score of project {pid}: {exc}"
                    ) from None
            projects[pid] = Project(
                id=pid,
                cost=cost,
                name=cells[at["name"]] if "name" in at else "",
                pot=(cells[at["pot"]] or None) if "pot" in at else None,
                exclusive_group=(
                    (cells[at["exclusive_group"]] or None) if "exclusive_group" in at else None
                ),
                panel_score=panel_score,
                extra={c: cells[i] for c, i in extra},
            )
            lines[pid] = self.line

    # VOTES ------------------------------------------------------------------------------------

    def read_votes(
        self,
        kind: BallotKind,
        budget: Fraction,
        projects: dict[str, Project],
        meta: dict[str, str],
        limits: _Limits,
    ) -> Profile:
        columns = self.header("VOTES", ("voter_id", "vote"))
        if kind is BallotKind.CUMULATIVE and "points" not in columns:
            raise self.error("cumulative votes need a points column (points parallel to vote)")
        width = len(columns)
        at = {c: i for i, c in enumerate(columns)}
        i_voter, i_vote = at["voter_id"], at["vote"]
        i_points = at["points"] if kind is BallotKind.CUMULATIVE else None
        used = {i_voter, i_vote} | ({i_points} if i_points is not None else set())
        vote_columns = tuple(c for i, c in enumerate(columns) if i not in used)
        extra_at = [at[c] for c in vote_columns]
        getter: Callable[[list[str]], tuple[str, ...]] | None
        if not extra_at:
            getter = None
        elif len(extra_at) == 1:
            only = extra_at[0]

            def getter(row: list[str]) -> tuple[str, ...]:
                return (row[only],)
        else:
            getter = operator.itemgetter(*extra_at)

        bulk = self.votes_in_bulk(
            width, i_voter, i_vote, i_points, extra_at, kind, projects, limits
        )
        if bulk is not None:
            ids, which, extra, keys, counts = bulk
            return Profile(
                kind=kind,
                budget=budget,
                projects=projects,
                ballots=make_ballots(keys, counts),
                meta=meta,
                voter_ids=ids,
                voter_ballots=which,
                vote_columns=vote_columns,
                vote_extra=extra,
            )
        parser = _BallotParser(kind, projects, limits, self)
        cache: dict[str | tuple[str, str], tuple[int, tuple[_Note, ...]]] = {}
        voter_ids: list[str] = []
        voter_ballots: list[int] = []
        vote_extra: list[tuple[str, ...]] = []
        first_line: dict[str, int] = {}
        add_warning = self.warnings.add
        add_id, add_ballot, add_extra = voter_ids.append, voter_ballots.append, vote_extra.append
        seen_voter, cached = first_line.setdefault, cache.get
        cumulative = i_points is not None
        i_pts = i_points or 0
        reader = self.reader
        end = self.end
        try:
            for row in reader:
                line = end + 1
                end = reader.line_num
                if len(row) != width or row[0] in _SECTION_SET:
                    if not any(row):
                        continue
                    found = _marker(row)
                    if found:
                        raise self.error(f"unexpected {found} section after VOTES", line)
                    row = self.fit(row, width, "VOTES", line)
                voter = row[i_voter]
                if seen_voter(voter, line) != line:
                    first = first_line[voter]
                    raise self.error(f"duplicate voter id {voter!r} (first on line {first})", line)
                raw: str | tuple[str, str] = (
                    (row[i_vote], row[i_pts]) if cumulative else row[i_vote]
                )
                if not voter:
                    raise self.error("a voter without a voter_id", line)
                hit = cached(raw)
                if hit is None:
                    hit = cache[raw] = parser.parse(raw, voter, line)
                if hit[1]:
                    for note_kind, text in hit[1]:
                        add_warning(note_kind, line, f"voter {voter} {text}")
                add_ballot(hit[0])
                add_id(voter)
                if getter is not None:
                    add_extra(getter(row))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise self.broken(exc, end + 1) from None
        self.end = end
        cast_by = collections.Counter(voter_ballots)
        return Profile(
            kind=kind,
            budget=budget,
            projects=projects,
            ballots=make_ballots(parser.keys, map(cast_by.__getitem__, range(len(parser.keys)))),
            meta=meta,
            voter_ids=voter_ids,
            voter_ballots=voter_ballots,
            vote_columns=vote_columns,
            vote_extra=vote_extra,
        )

    def votes_in_bulk(
        self,
        width: int,
        i_voter: int,
        i_vote: int,
        i_points: int | None,
        extra_at: list[int],
        kind: BallotKind,
        projects: dict[str, Project],
        limits: _Limits,
    ) -> tuple[list[str], Deferred[int], Sequence[tuple[str, ...]], list[_Key], list[int]] | None:
        """The VOTES rows read at once, where that gives exactly what reading them one by one
        gives: (voter ids, ballot per voter, extra cells per voter, distinct ballots, how many
        voters cast each). The ballot and extra cells per voter are made only if read.

        Only for the usual file: every row on its own line with exactly the header's number of
        cells, no quotes, no blank lines before the last row, no duplicate or empty voter ids and
        no vote that cannot be read. Anything else returns None, and the rows are read one by one
        (which names the line of any fault). Warnings are added here in the same order.
        """
        if self.text is None or self.stream is None:
            return None
        rest = self.text[self.stream.tell() :]
        if '"' in rest or "\x00" in rest:
            return None
        crlf = rest.count("\r\n")
        if rest.count("\r") != crlf or (crlf and rest.count("\n") != crlf):
            return None  # a line break the csv module reads differently, or mixed ones
        body = rest.rstrip("\r\n")  # blank lines at the end are skipped either way
        newline = "\r\n" if crlf else "\n"
        lines = body.split(newline)
        if set(map(str.count, lines, itertools.repeat(";"))) != {width - 1}:
            return None  # a row with another number of cells, a blank line, or no rows
        if max(map(len, lines)) > csv.field_size_limit():
            return None  # the csv module refuses a cell this long
        n = len(lines)
        del lines
        # Every row has exactly ``width`` cells: all cells in one list, a column every width.
        cells = body.replace(newline, ";").split(";")
        voter_ids = cells[i_voter::width]
        distinct_ids = set(voter_ids)
        if len(distinct_ids) != n or "" in distinct_ids:
            return None
        first_cells = distinct_ids if i_voter == 0 else cells[::width]
        if not _SECTION_SET.isdisjoint(first_cells):
            return None
        del distinct_ids, first_cells
        votes: Sequence[str | tuple[str, str]]
        if i_points is None:
            votes = cells[i_vote::width]
        else:
            votes = list(zip(cells[i_vote::width], cells[i_points::width], strict=True))
        extra: Sequence[tuple[str, ...]] = (
            Deferred(lambda: _columns(cells, width, extra_at), n) if extra_at else []
        )
        # Each distinct vote once, in order of appearance, with how many cast it.
        cast_by = collections.Counter(votes)
        distinct = list(cast_by)
        parser = _BallotParser(kind, projects, limits, self)
        at_once = parser.keys_at_once(distinct)
        if at_once is not None:
            index = dict(zip(distinct, at_once, strict=True))
        else:
            index = {}
            noted: dict[str | tuple[str, str], tuple[_Note, ...]] = {}
            quick = parser.quick_key()
            known, keys = parser.index, parser.keys
            try:
                for raw in distinct:
                    key = None if quick is None else quick(raw)
                    if key is None:
                        index[raw], notes = parser.parse(raw, "", 0)
                        if notes:
                            noted[raw] = notes
                        continue
                    at = known.get(key)
                    if at is None:
                        at = known[key] = len(keys)
                        keys.append(key)
                    index[raw] = at
            except PabulibError:
                return None
            if noted:
                first_line = self.end + 1
                add_warning = self.warnings.add
                for i, raw in enumerate(votes):
                    if raw in noted:
                        for note_kind, text in noted[raw]:
                            add_warning(note_kind, first_line + i, f"voter {voter_ids[i]} {text}")
        # Different texts can be the same ballot ("a,b" and "b,a"): their voters add up.
        counts = [0] * len(parser.keys)
        for raw, at in index.items():
            counts[at] += cast_by[raw]
        which = Deferred(lambda: list(map(index.__getitem__, votes)), n)
        self.end += rest.count("\n") + (1 if rest and not rest.endswith("\n") else 0)
        return voter_ids, which, extra, parser.keys, counts


def _columns(cells: list[str], width: int, at: list[int]) -> list[tuple[str, ...]]:
    """Per row, the cells of the columns ``at`` (rows of ``width`` cells, one after another);
    no columns, no rows."""
    return list(zip(*(cells[i::width] for i in at), strict=True)) if at else []


class _BallotParser:
    """Turns each distinct vote text into a canonical ballot (once: the reader caches by text)."""

    def __init__(
        self, kind: BallotKind, projects: dict[str, Project], limits: _Limits, reader: _Reader
    ) -> None:
        self.kind = kind
        self.projects = projects
        self.ids = {p: p for p in projects}  # interning: every ballot shares the dict's strings
        self.limits = limits
        self.reader = reader
        self.verb = _VERBS[kind]
        self.index: dict[_Key, int] = {}
        self.keys: list[_Key] = []
        # max_sum_cost is checked in integers: costs and the cap scaled by a common denominator.
        self.scale = 1
        self.scaled: dict[str, int] = {}
        self.cap: int | None = None
        if limits.max_sum_cost is not None:
            cap = limits.max_sum_cost
            self.scale = math.lcm(cap.denominator, *(p.cost.denominator for p in projects.values()))
            self.scaled = {p: int(project.cost * self.scale) for p, project in projects.items()}
            self.cap = int(cap * self.scale)

    def keys_at_once(self, raws: Sequence[str | tuple[str, str]]) -> list[int] | None:
        """The ballot (index into ``self.keys``) of each of the distinct votes ``raws``, all at
        once, for approval, choose-1 and ordinal votes read before any other; None, adding
        nothing, unless every one is a vote that :meth:`parse` would accept without a note."""
        if self.kind is BallotKind.CUMULATIVE or self.cap is not None or self.keys:
            return None
        texts = cast("Sequence[str]", raws)  # not cumulative: every vote is a str
        if "" in texts:
            return None  # an empty vote: parse() reads it (and checks min_length)
        named = list(map(str.split, texts, itertools.repeat(",")))
        if not self.ids.keys() >= set(itertools.chain.from_iterable(named)):
            return None  # an unknown id, or one with spaces or empty
        lengths = list(map(len, named))
        longest = self.limits.max_length
        if longest is None and self.kind is BallotKind.CHOOSE_1:
            longest = 1
        if longest is not None and max(lengths, default=0) > longest:
            return None
        if min(lengths, default=1) < (self.limits.min_length or 0):
            return None
        if list(map(len, map(set, named))) != lengths:
            return None  # a project named twice
        if self.kind is not BallotKind.ORDINAL:
            named = list(map(sorted, named))
        # Each ballot's canonical text (its ids in canonical order): strings keep their hash, so
        # grouping by them is quicker than by tuples.
        canonical = list(map(",".join, named))
        # Text -> its ballot, in order of first appearance (equal texts give equal tuples).
        unique = dict(zip(canonical, map(tuple, named), strict=True))
        self.keys = list(zip(unique.values(), itertools.repeat(None)))
        # self.index stays empty: the reader parses nothing more with this parser.
        at = dict(zip(unique, range(len(unique)), strict=True))
        return list(map(at.__getitem__, canonical))

    def quick_key(self) -> Callable[[str | tuple[str, str]], _Key | None] | None:
        """For approval, choose-1 and ordinal votes: a function giving the canonical ballot of
        a vote that :meth:`parse` would accept without a note (known ids, each once, within
        the length limits), and None for any other vote, which :meth:`parse` then reads.
        None when a cost limit applies (every ballot's cost would need checking)."""
        if self.kind is BallotKind.CUMULATIVE or self.cap is not None:
            return None
        limits = self.limits
        longest = limits.max_length
        if longest is None and self.kind is BallotKind.CHOOSE_1:
            longest = 1
        shortest = limits.min_length or 0
        named_id = self.ids.__getitem__
        ordinal = self.kind is BallotKind.ORDINAL

        def quick(raw: str | tuple[str, str]) -> _Key | None:
            if not raw or isinstance(raw, tuple):
                return None
            try:
                named = list(map(named_id, raw.split(",")))
            except KeyError:  # an unknown id, or one with spaces or empty: parse() says which
                return None
            n = len(named)
            if n < shortest or (longest is not None and n > longest) or len(set(named)) != n:
                return None
            if not ordinal:
                named.sort()
            return tuple(named), None

        return quick

    def parse(
        self, raw: str | tuple[str, str], voter: str, line: int
    ) -> tuple[int, tuple[_Note, ...]]:
        notes: list[_Note] = []
        if isinstance(raw, tuple):
            key = self.cumulative(raw[0], raw[1], voter, line, notes)
        else:
            key = self.plain(raw, voter, line, notes)
        self.check_limits(key, notes)
        index = self.index.get(key)
        if index is None:
            index = self.index[key] = len(self.keys)
            self.keys.append(key)
        return index, tuple(notes)

    def resolve(self, item: str, voter: str, line: int) -> str | None:
        project = self.ids.get(item)
        if project is not None:
            return project
        stripped = item.strip()
        if not stripped:
            return None
        project = self.ids.get(stripped)
        if project is None:
            raise self.reader.error(f"voter {voter} votes for unknown project {stripped!r}", line)
        return project

    def plain(self, raw: str, voter: str, line: int, notes: list[_Note]) -> _Key:
        if not raw:
            return (), None
        try:  # the common case: known ids, each once
            named = [self.ids[item] for item in raw.split(",")]
        except KeyError:
            pass
        else:
            if len(set(named)) == len(named):
                if self.kind is BallotKind.ORDINAL:
                    return tuple(named), None
                return tuple(sorted(named)), None
        seen: dict[str, int] = {}
        if raw and not raw.isspace():
            for item in raw.split(","):
                project = self.resolve(item, voter, line)
                if project is None:
                    notes.append(
                        ("empty entries", f"has an empty entry in the vote {raw!r}; ignored")
                    )
                    continue
                seen[project] = seen.get(project, 0) + 1
        for project, n in seen.items():
            if n > 1:
                how = (
                    "counted once, at its best rank"
                    if self.kind is BallotKind.ORDINAL
                    else "counted once"
                )
                notes.append(("repeated projects", f"{self.verb} {project} {_times(n)}; {how}"))
        if self.kind is BallotKind.ORDINAL:
            return tuple(seen), None  # dicts keep the first (best) rank
        return tuple(sorted(seen)), None

    def cumulative(
        self, raw: str, raw_points: str, voter: str, line: int, notes: list[_Note]
    ) -> _Key:
        items = raw.split(",") if raw and not raw.isspace() else []
        texts = raw_points.split(",") if raw_points and not raw_points.isspace() else []
        if len(items) != len(texts):
            raise self.reader.error(
                f"voter {voter} names {_many(len(items), 'project')} but gives "
                f"{_many(len(texts), 'number')} of points",
                line,
            )
        points: dict[str, int] = {}
        named: dict[str, int] = {}
        for item, text in zip(items, texts, strict=True):
            project = self.resolve(item, voter, line)
            if project is None and not text.strip():
                notes.append(("empty entries", "has an empty entry in the vote; ignored"))
                continue
            if project is None:
                raise self.reader.error(
                    f"voter {voter} gives points ({text.strip()}) to no project", line
                )
            if not _WHOLE.fullmatch(text.strip()):
                raise self.reader.error(
                    f"bad number in the points of voter {voter}: {text.strip()!r} "
                    "is not a whole number of points",
                    line,
                )
            points[project] = points.get(project, 0) + int(text)
            named[project] = named.get(project, 0) + 1
        for project, n in named.items():
            if n > 1:
                notes.append(
                    (
                        "repeated projects",
                        f"gives points to {project} {_times(n)}; the points are added",
                    )
                )
        ordered = tuple(sorted(points))
        return ordered, tuple(points[p] for p in ordered)

    def check_limits(self, key: _Key, notes: list[_Note]) -> None:
        projects, points = key
        limits, verb, n = self.limits, self.verb, len(projects)
        if limits.max_length is not None and n > limits.max_length:
            notes.append(
                (
                    "over max_length",
                    f"{verb} {_many(n, 'project')}, more than max_length {limits.max_length}; "
                    "kept as published",
                )
            )
        elif limits.max_length is None and self.kind is BallotKind.CHOOSE_1 and n > 1:
            notes.append(
                (
                    "over max_length",
                    f"chooses {_many(n, 'project')} in a choose-1 vote; kept as published",
                )
            )
        if limits.min_length is not None and n < limits.min_length:
            notes.append(
                (
                    "under min_length",
                    f"{verb} {_many(n, 'project')}, fewer than min_length {limits.min_length}; "
                    "kept as published",
                )
            )
        if self.cap is not None:
            total = sum(self.scaled[p] for p in projects)
            if total > self.cap:
                notes.append(
                    (
                        "over max_sum_cost",
                        f"{verb} projects costing {_score_text(Fraction(total, self.scale))} in "
                        f"all, more than max_sum_cost {_score_text(Fraction(self.cap, self.scale))}"
                        "; kept as published",
                    )
                )
        if points is None:
            return
        total_points = sum(points)
        if limits.max_sum_points is not None and total_points > limits.max_sum_points:
            notes.append(
                (
                    "over max_sum_points",
                    f"gives {_many(total_points, 'point')}, more than max_sum_points "
                    f"{limits.max_sum_points}; kept as published",
                )
            )
        if limits.min_sum_points is not None and total_points < limits.min_sum_points:
            notes.append(
                (
                    "under min_sum_points",
                    f"gives {_many(total_points, 'point')}, fewer than min_sum_points "
                    f"{limits.min_sum_points}; kept as published",
                )
            )
        if limits.max_points is not None and points and max(points) > limits.max_points:
            notes.append(
                (
                    "over max_points",
                    f"gives {_many(max(points), 'point')} to one project, more than max_points "
                    f"{limits.max_points}; kept as published",
                )
            )


# --- writing ---------------------------------------------------------------------------------


def write_pabulib(
    profile: Profile,
    *,
    tie_order: Sequence[str] | None = None,
    exclusive: Sequence[Sequence[str]] = (),
    rule_name: str | None = None,
    shuffle_seed: int | None = None,
) -> str:
    """The profile as the text of a Pabulib file (write it with ``newline=""``; lines end CRLF).

    META keeps the profile's keys in their order, with ``budget``, ``vote_type``, ``num_projects``
    and ``num_votes`` set from the data, ``fairfund_tie_order`` and ``fairfund_exclusive`` from
    ``tie_order`` and ``exclusive`` when given (otherwise as the profile's META has them), and
    ``rule`` from ``rule_name`` when given. PROJECTS has ``project_id``, ``cost``, ``name`` (when
    any project has one), the extra columns, then ``pot``, ``exclusive_group`` and
    ``panel_score`` when any project has one. VOTES has one row per voter: the voter ids and extra
    columns the profile kept from its file, in file order, or ids 1..n. With ``shuffle_seed`` the
    rows are shuffled (deterministically) and the voters renumbered 1..n after the shuffle, so that
    neither the order nor the ids give away the order of voting; a voter's extra columns stay with
    their ballot.

    Raises ValueError when the profile cannot be written exactly: a cost or budget without an
    exact decimal text, a ballot naming an unknown project, an id a vote list cannot hold.
    """
    projects = profile.projects
    _check_projects(projects)
    meta = _meta_to_write(profile, tie_order, exclusive, rule_name)

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(meta.items())

    optional = [
        f
        for f in _OPTIONAL_PROJECT_FIELDS
        if any(getattr(p, f) is not None for p in projects.values())
    ]
    extra_columns = list(dict.fromkeys(c for p in projects.values() for c in p.extra))
    clash = [c for c in extra_columns if c in _PROJECT_FIELDS or not c or c != c.strip()]
    if clash:
        raise ValueError(f"extra project columns that cannot be written: {clash}")
    with_name = any(p.name for p in projects.values())
    writer.writerow(["PROJECTS"])
    writer.writerow(
        ["project_id", "cost", *(["name"] if with_name else []), *extra_columns, *optional]
    )
    for pid, project in projects.items():
        try:
            cost = decimal_text(project.cost)
        except ValueError:
            raise ValueError(
                f"the cost of project {pid} ({project.cost}) has no exact decimal text"
            ) from None
        row = [pid, cost]
        if with_name:
            row.append(project.name)
        row.extend(project.extra.get(c, "") for c in extra_columns)
        for field_name in optional:
            value = getattr(project, field_name)
            if value is None:
                row.append("")
            else:
                row.append(_score_text(value) if field_name == "panel_score" else value)
        writer.writerow(row)

    cumulative = profile.kind is BallotKind.CUMULATIVE
    texts = _ballot_texts(profile)
    rows = _voter_rows(profile)
    if shuffle_seed is not None:
        # Reproducible on purpose: the seed (secret until publication) lets the file be rebuilt.
        import random  # only here: writing a shuffled file is rare

        random.Random(shuffle_seed).shuffle(rows)  # noqa: S311
        rows = [(str(n), b, extra) for n, (_, b, extra) in enumerate(rows, start=1)]
    vote_columns = list(profile.vote_columns) if profile.voter_ids else []
    reserved = {"voter_id", "vote"} | ({"points"} if cumulative else set())
    bad = [c for c in vote_columns if c in reserved or not c or c != c.strip()]
    if bad or len(set(vote_columns)) != len(vote_columns):
        raise ValueError(f"extra vote columns that cannot be written: {vote_columns}")
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *(["points"] if cumulative else []), *vote_columns])
    for voter, ballot, extra in rows:
        if cumulative:
            writer.writerow((voter, *texts[ballot], *extra))
        else:
            writer.writerow((voter, texts[ballot][0], *extra))
    return out.getvalue()


def _check_projects(projects: Mapping[str, Project]) -> None:
    for pid, project in projects.items():
        if pid != project.id:
            raise ValueError(f"the project filed under {pid!r} has the id {project.id!r}")
        if not pid or pid != pid.strip() or "," in pid:
            raise ValueError(
                f"the project id {pid!r} cannot be written (empty, spaces around it, or a comma)"
            )
        if project.cost < 0:
            raise ValueError(f"project {pid} has a negative cost")


def _meta_to_write(
    profile: Profile,
    tie_order: Sequence[str] | None,
    exclusive: Sequence[Sequence[str]],
    rule_name: str | None,
) -> dict[str, str]:
    meta = dict(profile.meta)
    try:
        budget = decimal_text(profile.budget)
    except ValueError:
        raise ValueError(f"the budget ({profile.budget}) has no exact decimal text") from None
    meta["num_projects"] = str(len(profile.projects))
    meta["num_votes"] = str(profile.voters)
    meta["budget"] = budget
    meta["vote_type"] = str(profile.kind)
    if rule_name is not None:
        meta[META_RULE] = str(rule_name)
    if tie_order is not None:
        text = ",".join(tie_order)
        if any("," in p for p in tie_order):
            raise ValueError("a project id in the tie order holds a comma")
        _parse_tie_order(text, profile.projects)
        meta[META_TIE_ORDER] = text
    if exclusive:
        if any("," in p or "|" in p for group in exclusive for p in group):
            raise ValueError("a project id in an exclusive group holds ',' or '|'")
        text = "|".join(",".join(group) for group in exclusive)
        _parse_exclusive(text, profile.projects)
        meta[META_EXCLUSIVE] = text
    for key in meta:
        if not key or key != key.strip() or key in _SECTION_SET:
            raise ValueError(f"the META key {key!r} cannot be written")
    return meta


def _ballot_texts(profile: Profile) -> list[tuple[str, ...]]:
    """Per ballot: the vote text (and for cumulative ballots the points text)."""
    texts: list[tuple[str, ...]] = []
    cumulative = profile.kind is BallotKind.CUMULATIVE
    for ballot in profile.ballots:
        unknown = [p for p in ballot.projects if p not in profile.projects]
        if unknown:
            raise ValueError(f"a ballot names unknown projects: {unknown}")
        vote = ",".join(ballot.projects)
        if not cumulative:
            if ballot.points is not None:
                raise ValueError(f"a {profile.kind} ballot carries points")
            texts.append((vote,))
            continue
        if ballot.points is None or len(ballot.points) != len(ballot.projects):
            raise ValueError("a cumulative ballot needs one number of points per project")
        if any(p < 0 for p in ballot.points):
            raise ValueError("a cumulative ballot gives negative points")
        texts.append((vote, ",".join(map(str, ballot.points))))
    return texts


def _voter_rows(profile: Profile) -> list[tuple[str, int, tuple[str, ...]]]:
    """(voter id, ballot index, extra cells) per voter: as kept from the file, or numbered 1..n."""
    if not profile.voter_ids:
        indexes = [i for i, ballot in enumerate(profile.ballots) for _ in range(ballot.count)]
        return [(str(n), index, ()) for n, index in enumerate(indexes, start=1)]
    ids, which = profile.voter_ids, profile.voter_ballots
    n = len(ids)
    extra: Sequence[tuple[str, ...]] = profile.vote_extra if profile.vote_columns else [()] * n
    if len(which) != n or len(extra) != n or n != profile.voters:
        raise ValueError(
            "the profile's voter records do not match its ballots "
            f"({n} voter ids, {len(which)} ballot indexes, {profile.voters} voters)"
        )
    counts = [0] * len(profile.ballots)
    for index in which:
        counts[index] += 1
    if counts != [b.count for b in profile.ballots]:
        raise ValueError("the profile's voter records do not match its ballot counts")
    width = len(profile.vote_columns)
    if any(len(cells) != width for cells in extra):
        raise ValueError("a voter's extra cells do not match the profile's vote columns")
    if len(set(ids)) != n:
        raise ValueError("the profile's voter ids are not unique")
    for voter in ids:
        if not voter or voter.strip() in _SECTION_SET:
            raise ValueError(f"the voter id {voter!r} cannot be written")
    return list(zip(ids, which, extra, strict=True))
