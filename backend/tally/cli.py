"""``fairfund-tally``: run a rule on Pabulib files and print the outcome, one report per file.

Usage::

    fairfund-tally FILE.pb... [--rule greedy|greedy-no-skip|mes]
                   [--completion none|add1|add1+greedy] [--min-score N]
                   [--exclusive ID,ID[;ID,ID...]] [--tie-order ID,ID,...] [--format text|json]

Without ``--rule`` each file runs the rule its META names (``greedy``, ``greedy-threshold``,
``greedy-no-skip``, ``equalshares`` and ``equalshares/add1``); any other name is refused for that
file with a message suggesting ``--rule``. The file's META gives the defaults for what the command
line leaves out: ``min_project_score_threshold`` becomes the minimum score of the greedy rules, and
the tie order and exclusive groups our writer records are used.

Every file is processed; the exit status is 1 when any of them failed, 2 for bad arguments.

This module imports only the standard library's argument parsing at start-up: the engine (and
numpy, which the engine imports lazily) loads after the arguments are parsed, so ``--help`` and
argument errors are instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

if TYPE_CHECKING:  # pragma: no cover - typing only
    from fractions import Fraction

    from .profile import Profile
    from .result import Result
    from .rules import Rule

PROG = "fairfund-tally"
RULES = ("greedy", "greedy-no-skip", "mes")
COMPLETIONS = ("none", "add1", "add1+greedy")
# META rule names we can run, as (our rule, completion).
META_RULES = {
    "greedy": ("greedy", "none"),
    "greedy-threshold": ("greedy", "none"),
    "greedy-no-skip": ("greedy-no-skip", "none"),
    "equalshares": ("mes", "none"),
    "equalshares/add1": ("mes", "add1"),
}
META_THRESHOLD = "min_project_score_threshold"
DECIMAL_PLACES = 6  # for amounts whose exact decimal does not terminate

EPILOG = """\
Output (--format json): one JSON object per file, one per line, in the order given, with
file, rule, winners (in funding order), spent, budget, payments (per winner: the most any one
supporter paid under MES; null for projects funded by greedy), input_sha256, result_sha256,
explanations (project id -> sentence) and warnings. Amounts are decimal strings: exact when
the fraction has a terminating decimal, otherwise rounded (half to even) to 6 places. A file
that cannot be tallied gives {"file": ..., "error": ...} instead.

Exit status: 0 when every file was tallied, 1 when any file failed, 2 for bad arguments.
"""


class _Refused(Exception):
    """A file this command will not tally as asked; the message says why and what to do."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line: ``fairfund-tally: error: ... (see --help)``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- arguments ---------------------------------------------------------------------------------


def _score(text: str) -> Fraction:
    """An integer or decimal, at least 0 (``100``, ``12.5``)."""
    from decimal import Decimal, InvalidOperation
    from fractions import Fraction

    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer or decimal number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a minimum score cannot be negative")
    return Fraction(value)


def _ids(text: str) -> tuple[str, ...]:
    ids = tuple(p.strip() for p in text.split(","))
    if not text.strip() or any(not p for p in ids):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of project ids")
    if len(set(ids)) != len(ids):
        raise argparse.ArgumentTypeError(f"{text!r} names a project twice")
    return ids


def _groups(text: str) -> tuple[tuple[str, ...], ...]:
    groups = tuple(_ids(part) for part in text.split(";") if part.strip())
    if not groups:
        raise argparse.ArgumentTypeError(f"{text!r} names no group of projects")
    for group in groups:
        if len(group) < 2:
            raise argparse.ArgumentTypeError(
                f"the exclusive group {','.join(group)!r} needs at least two projects"
            )
    return groups


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Tally participatory-budgeting elections in Pabulib files (.pb) with Fairfund's "
            "exact engine, and explain every project's outcome."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE.pb", help="Pabulib files to tally")
    parser.add_argument(
        "--rule",
        choices=RULES,
        help="the rule to run (default: the rule each file's META names)",
    )
    parser.add_argument(
        "--completion",
        choices=COMPLETIONS,
        help="completion of the Method of Equal Shares (default: none, or add1 for a file whose "
        "META rule is equalshares/add1)",
    )
    parser.add_argument(
        "--min-score",
        type=_score,
        metavar="N",
        help="fund only projects scoring at least N (approvals, points or Borda); default for the "
        f"greedy rules: the file's META {META_THRESHOLD}, if any",
    )
    parser.add_argument(
        "--exclusive",
        type=_groups,
        action="append",
        metavar="ID,ID[;ID,ID...]",
        help="groups of mutually exclusive projects (at most one of each is funded); "
        "may be repeated (default: the groups the file's META records)",
    )
    parser.add_argument(
        "--tie-order",
        type=_ids,
        metavar="ID,ID,...",
        help="order that breaks remaining ties, preferred first (default: the order the file's "
        "META records, else project ids)",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output (default: text)"
    )
    return parser


# --- numbers -----------------------------------------------------------------------------------


def decimal_string(value: Fraction, places: int = DECIMAL_PLACES) -> str:
    """Exact decimal text when the fraction terminates (``'12.5'``), else rounded half to even
    to ``places`` decimals (``'0.333333'``)."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1:
        from .pabulib import decimal_text

        return decimal_text(value)
    scaled = round(value * 10**places)  # Fraction.__round__: half to even
    digits = str(abs(scaled)).rjust(places + 1, "0")
    sign = "-" if scaled < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


# --- one file ----------------------------------------------------------------------------------


def _rule_for(profile: Profile, args: argparse.Namespace) -> tuple[Rule, dict[str, Any]]:
    """The rule to run on this file, and notes on where its parameters came from."""
    from .pabulib import profile_exclusive, profile_tie_order
    from .rules import Completion, Rule, RuleName

    meta_rule = profile.meta.get("rule", "").strip()
    notes: dict[str, Any] = {"meta_rule": meta_rule or None}
    if args.rule is not None:
        name, completion = args.rule, "none"
        notes["rule_from"] = "command line"
    elif meta_rule in META_RULES:
        name, completion = META_RULES[meta_rule]
        notes["rule_from"] = "meta"
    else:
        named = f"names the rule {meta_rule!r}" if meta_rule else "names no rule"
        raise _Refused(
            f"the file's META {named}, which fairfund-tally does not run by itself; "
            f"choose a rule with --rule {{{','.join(RULES)}}}"
        )
    if args.completion is not None:
        completion = args.completion

    min_score = args.min_score
    notes["min_score_from"] = "command line" if min_score is not None else None
    threshold = profile.meta.get(META_THRESHOLD, "").strip()
    if min_score is None and threshold and name != "mes":
        from .pabulib import parse_decimal

        try:
            min_score = parse_decimal(threshold)
        except ValueError as exc:
            raise _Refused(f"META {META_THRESHOLD}: {exc}") from None
        notes["min_score_from"] = "meta"

    try:
        tie_order = args.tie_order if args.tie_order is not None else profile_tie_order(profile)
        exclusive = (
            tuple(g for groups in args.exclusive for g in groups)
            if args.exclusive
            else profile_exclusive(profile)
        )
    except ValueError as exc:
        raise _Refused(f"META: {exc}") from None
    rule = Rule(
        name=RuleName(name),
        completion=Completion(completion),
        min_score=min_score,
        exclusive=exclusive,
        tie_order=tie_order,
    )
    return rule, notes


def _payments(result: Result) -> dict[str, str | None]:
    payments: dict[str, str | None] = {}
    for project in result.winners:
        paid = result.outcomes[project].max_payment
        payments[project] = None if paid is None else decimal_string(paid)
    return payments


def _record(path: str, result: Result, notes: dict[str, Any]) -> dict[str, Any]:
    rule = result.rule
    return {
        "file": path,
        "rule": {
            "name": str(rule.name),
            "completion": str(rule.completion),
            "min_score": None if rule.min_score is None else decimal_string(rule.min_score),
            "min_share": None if rule.min_share is None else decimal_string(rule.min_share),
            "exclusive": [list(group) for group in rule.exclusive],
            "tie_order": None if rule.tie_order is None else list(rule.tie_order),
            **notes,
        },
        "winners": list(result.winners),
        "spent": decimal_string(result.spent),
        "budget": decimal_string(result.budget),
        "payments": _payments(result),
        "input_sha256": result.input_sha256,
        "result_sha256": result.result_sha256,
        "explanations": {p: o.explanation for p, o in result.outcomes.items()},
        "warnings": list(result.warnings),
        "engine": result.engine_version,
    }


def tally_file(path: str, args: argparse.Namespace) -> tuple[Profile, Result, dict[str, Any]]:
    """Read, choose the rule, tally. Raises _Refused, PabulibError, RuleError, OSError."""
    from .engine import tally
    from .pabulib import read_pabulib

    profile = read_pabulib(path)
    rule, notes = _rule_for(profile, args)
    return profile, tally(profile, rule, short_lived=True), notes


def _error_text(exc: BaseException) -> str:
    from .pabulib import PabulibError
    from .rules import RuleError

    if isinstance(exc, PabulibError | _Refused | RuleError):
        return str(exc)
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a Pabulib file"
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError):
        return f"cannot read the file ({exc.strerror or exc})"
    return f"internal error, please report it: {type(exc).__name__}: {exc}"


# --- text report -------------------------------------------------------------------------------


def _text_report(path: str, profile: Profile, result: Result, notes: dict[str, Any]) -> str:
    from fractions import Fraction

    from .explain import money

    currency = profile.currency
    rule = result.rule
    lines = [path]
    described = str(rule.name)
    if rule.completion.value != "none":
        described += f" with the {rule.completion} completion"
    origin = (
        f" (the file's META rule {notes['meta_rule']!r})"
        if notes.get("rule_from") == "meta"
        else ""
    )
    lines.append(f"  rule: {described}{origin}")
    if rule.min_score is not None:
        source = " (the file's META)" if notes.get("min_score_from") == "meta" else ""
        lines.append(f"  minimum score: {decimal_string(rule.min_score)}{source}")
    if rule.exclusive:
        groups = "; ".join(", ".join(group) for group in rule.exclusive)
        lines.append(f"  mutually exclusive: {groups}")
    if rule.tie_order is not None:
        lines.append(f"  tie order: {', '.join(rule.tie_order)}")
    if result.add1_steps is not None:
        lines.append(
            f"  add1: each voter's share raised by {money(Fraction(result.add1_steps), currency)}"
        )
    voters = profile.voters
    lines.append(
        f"  {voters:,} voter{'s' if voters != 1 else ''}, {len(profile.projects)} projects, "
        f"{profile.kind} ballots"
    )
    lines.append(f"  budget: {money(result.budget, currency)}")
    lines.append(f"  spent:  {money(result.spent, currency)}")
    lines.append(f"  winners ({len(result.winners)}), in funding order:")
    for project in result.winners:
        name = profile.projects[project].name
        label = f"{project} {name}".strip() if name else project
        lines.append(f"    {label}: {result.outcomes[project].explanation}")
    if not result.winners:
        lines.append("    none")
    losers = len(profile.projects) - len(result.winners)
    if losers:
        lines.append(
            f"  {losers} project{'s' if losers != 1 else ''} not funded "
            "(--format json explains every project)"
        )
    if result.warnings:
        lines.append(f"  warnings ({len(result.warnings)}):")
        lines.extend(f"    {warning}" for warning in result.warnings)
    lines.append(f"  input sha256:  {result.input_sha256}")
    lines.append(f"  result sha256: {result.result_sha256}")
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------


def run(
    args: argparse.Namespace, out: TextIO, err: TextIO, hold: list[object] | None = None
) -> int:
    """Tally every file and print the reports; the exit status. ``hold``, if given, keeps the
    last file's profile and result (see :func:`command`)."""
    import gc

    # Non-ASCII names go out as they are on a UTF-8 stream, escaped (valid JSON) otherwise.
    encoding = (getattr(out, "encoding", None) or "utf-8").lower().replace("-", "")
    ascii_only = encoding not in ("utf8", "utf8sig")
    failed = 0
    for i, path in enumerate(args.files):
        # One file makes hundreds of thousands of objects that form no reference cycles (the
        # profile, the rule's work): the cyclic collector would only walk them, again and again.
        # Reference counting frees them when the file is done; the collector runs again then.
        collecting = gc.isenabled()
        gc.disable()
        try:
            kept = _report(i, path, args, out, err, ascii_only)
            failed += kept is None
            if hold is not None:
                hold[:] = [] if kept is None else [kept]  # the previous file's are freed here
        finally:
            if collecting:
                gc.enable()
    if failed and args.format == "text":
        print(f"{PROG}: {failed} of {len(args.files)} files failed", file=err)
    return 1 if failed else 0


def _report(
    i: int, path: str, args: argparse.Namespace, out: TextIO, err: TextIO, ascii_only: bool
) -> tuple[Profile, Result] | None:
    """Tally one file and print its report or its error; the profile and result, or None if
    the file could not be tallied."""
    import json

    try:
        profile, result, notes = tally_file(path, args)
    except Exception as exc:  # every file is processed; each failure is reported in place
        message = _error_text(exc)
        if args.format == "json":
            print(json.dumps({"file": path, "error": message}, ensure_ascii=ascii_only), file=out)
        else:
            print(f"{PROG}: {path}: error: {message}", file=err)
        out.flush()
        err.flush()
        return None
    if args.format == "json":
        print(json.dumps(_record(path, result, notes), ensure_ascii=ascii_only), file=out)
    else:
        if i:
            print(file=out)
        print(_text_report(path, profile, result, notes), file=out)
    out.flush()
    return profile, result


def main(argv: Sequence[str] | None = None, hold: list[object] | None = None) -> int:
    """Run the command on ``argv`` (default: the process's arguments); the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.rule is not None:
        # Check the rule's own parameters once, before any file is read.
        from .rules import Completion, Rule, RuleError, RuleName

        try:
            Rule(
                name=RuleName(args.rule),
                completion=Completion(args.completion or "none"),
                min_score=args.min_score,
            )
        except RuleError as exc:
            parser.error(str(exc))
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # a text report never fails on a name it cannot encode
            stream.reconfigure(errors="backslashreplace")
    try:
        return run(args, sys.stdout, sys.stderr, hold)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head
        return 1


def command() -> NoReturn:
    """The ``fairfund-tally`` command: :func:`main`, then the process ends at once.

    A big election leaves hundreds of thousands of objects: freeing them one by one, and the
    interpreter's own clean-up, would take a noticeable share of the whole run, for memory the
    operating system takes back anyway. So the last file's profile and result are held, the
    output is flushed, and the process exits without that clean-up (nothing of ours needs it:
    no files are left open for writing, no exit handlers are registered)."""
    import os

    hold: list[object] = []
    code = main(hold=hold)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # e.g. piped into head
        code = code or 1
    os._exit(code)
