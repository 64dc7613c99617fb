#!/usr/bin/env python3
"""Benchmark Fairfund's tally engine against pabutools 1.2.3 on real Pabulib elections.

Usage::

    ./fairfund bench-tally                      # or: .venv/bin/python scripts/bench_tally.py
    .venv/bin/python scripts/bench_tally.py --files Poland_Lodz_2022.pb --runs 5

For every approval and choose-1 file of ``expected.json`` (in ``FAIRFUND_PABULIB_DIR``, default
``../shared/pabulib``) and every rule it records pabutools' winners for (greedy by approvals, the
Method of Equal Shares with cost utilities, MES with the add1 completion), it times:

* ours: the ``fairfund-tally`` command as a whole process (interpreter start-up, imports,
  parsing the file, the rule, the JSON report), best of ``--runs`` in wall-clock seconds (the
  ratio's) and in CPU seconds (user + system, which other work on the machine disturbs less),
  installed from this checkout into a new virtual environment as a user installs it (a wheel,
  its bytecode compiled, with numpy);
* pabutools: ``parse_pabulib`` plus the rule, timed inside a separate process (imports not
  counted), live in the same run when ``expected.json`` records under ``--live-limit`` seconds
  for it (parse + rule); otherwise ``expected.json``'s recorded seconds, marked "recorded".

and prints our seconds, pabutools' seconds and the ratio, then a targets line per file
(greedy >= 50x, MES and MES+add1 >= 100x, Łódź 2022 MES+add1 under 1 s), met or not. Winners are
checked against pabutools' (the live run's, else expected.json's); any difference is printed.

Our greedy runs with ``--min-score 0`` (no META threshold), as pabutools' greedy has none.

Not part of the test suite (it takes minutes); ``tests/tally/test_cli.py`` only runs ``--help``.
Pabulib: Faliszewski et al., "Participatory Budgeting: Data, Tools, and Analysis", IJCAI 2023.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = Path(os.environ.get("FAIRFUND_PABULIB_DIR", ROOT.parent / "shared" / "pabulib"))
RULES = ("greedy", "mes", "mes_add1")
LABELS = {"greedy": "greedy", "mes": "MES", "mes_add1": "MES+add1"}
TARGETS = {"greedy": 50.0, "mes": 100.0, "mes_add1": 100.0}
LODZ = "Poland_Lodz_2022.pb"
LODZ_ADD1_SECONDS = 1.0
OUR_ARGS = {
    "greedy": ["--rule", "greedy", "--min-score", "0"],
    "mes": ["--rule", "mes"],
    "mes_add1": ["--rule", "mes", "--completion", "add1"],
}

# Runs in the installed command's environment: our parse and each rule timed apart, inside
# one process (best of the given runs; GC paused as the command pauses it); one JSON line. The
# rules run as a long-lived process (the worker) runs them: numpy, for MES on all but the
# smallest elections, is imported once, in the first run. MES on ranked ballots is refused
# (null).
OURS_INSIDE_WORKER = """
import gc, json, sys, time
from fractions import Fraction
from backend.tally.engine import tally
from backend.tally.pabulib import read_pabulib
from backend.tally.rules import Rule, RuleError, RuleName
path, runs = sys.argv[1], int(sys.argv[2])
rules = {"greedy": Rule(name=RuleName.GREEDY, min_score=Fraction(0)),
         "mes": Rule(name=RuleName.MES)}
gc.disable()
best = dict.fromkeys(["parse", *rules], float("inf"))
for _ in range(runs):
    start = time.perf_counter()
    profile = read_pabulib(path)
    best["parse"] = min(best["parse"], time.perf_counter() - start)
    for name, rule in rules.items():
        if best[name] is None:
            continue
        start = time.perf_counter()
        try:
            tally(profile, rule)
        except RuleError:
            best[name] = None
            continue
        best[name] = min(best[name], time.perf_counter() - start)
    del profile
print(json.dumps(best))
"""

# Runs in its own process: parse and rule, timed without the imports; prints one JSON line.
PABUTOOLS_WORKER = """
import json, sys, time
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import (
    exhaustion_by_budget_increase, greedy_utilitarian_welfare, method_of_equal_shares,
)
path, rule = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
instance, profile = parse_pabulib(path)
t1 = time.perf_counter()
if rule == "greedy":  # Cost_Sat: satisfaction per unit of cost = approvals
    outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
elif rule == "mes":
    outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
else:  # add1: every voter's share raised by one currency unit per step
    outcome = exhaustion_by_budget_increase(
        instance, profile, method_of_equal_shares, {"sat_class": Cost_Sat},
        budget_step=profile.num_ballots(),
    )
t2 = time.perf_counter()
print(json.dumps({"parse_s": t1 - t0, "rule_s": t2 - t1,
                  "winners": sorted(str(p.name) for p in outcome)}))
"""


@dataclass
class Row:
    file: str
    rule: str
    ours: float
    ours_cpu: float
    theirs: float
    live: bool
    agree: str  # "yes", or what differs

    @property
    def ratio(self) -> float:
        return self.theirs / self.ours if self.ours > 0 else float("inf")


def install_ours(where: Path) -> list[str]:
    """Install this checkout into a new virtual environment, as a user installs it (a wheel,
    bytecode compiled, with numpy at the version the project pins), and return the command.

    The project's own .venv holds an editable install, whose import hook and the development
    tools' .pth files cost every process there about 13 ms before it starts: a deployment has
    none of that, and neither should the figures."""
    from importlib.metadata import version

    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            str(ROOT),
            f"numpy=={version('numpy')}",
        ],
        check=True,
    )
    return [str(venv / "bin" / "fairfund-tally")]


def time_ours(
    command: list[str], path: Path, rule: str, runs: int
) -> tuple[float, float, list[str]]:
    """Best wall-clock seconds of the whole command, best CPU seconds (user + system: less
    disturbed by other work on the machine), and its winners."""
    best = best_cpu = float("inf")
    winners: list[str] = []
    command = [*command, "--format", "json", *OUR_ARGS[rule], str(path)]
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # Run outside the checkout, so that nothing of it is on the command's path.
        done = subprocess.run(command, cwd=path.parent, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        if done.returncode != 0:
            raise SystemExit(
                f"fairfund-tally failed on {path.name} ({rule}):\n{done.stdout}{done.stderr}"
            )
        winners = json.loads(done.stdout)["winners"]
        best = min(best, elapsed)
        best_cpu = min(best_cpu, cpu)
    return best, best_cpu, winners


def time_inside(command: list[str], path: Path, runs: int) -> dict[str, float | None]:
    """Our parse, greedy and MES, each timed inside one process of the installed command's
    environment (best of ``runs``): the target that a rule costs no more than parsing."""
    python = str(Path(command[0]).with_name("python"))
    done = subprocess.run(
        [python, "-c", OURS_INSIDE_WORKER, str(path), str(runs)],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"timing inside failed on {path.name}:\n{done.stderr}")
    return {k: None if v is None else float(v) for k, v in json.loads(done.stdout).items()}


def time_pabutools(path: Path, rule: str, runs: int) -> tuple[float, list[str]]:
    """Best seconds of pabutools' parse + rule (inside its process), and its winners."""
    best = float("inf")
    winners: list[str] = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", PABUTOOLS_WORKER, str(path), rule],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"pabutools failed on {path.name} ({rule}):\n{done.stderr}")
        report = json.loads(done.stdout.strip().splitlines()[-1])
        winners = report["winners"]
        best = min(best, report["parse_s"] + report["rule_s"])
    return best, winners


def _agreement(ours: list[str], theirs: list[str]) -> str:
    if sorted(ours) == sorted(theirs):
        return "yes"
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    return f"NO: only ours {only_ours}, only pabutools {only_theirs}"


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _ratio(value: float) -> str:
    if value < 1:
        return f"{value:.2f}x"
    return f"{value:.1f}x" if value < 100 else f"{value:,.0f}x"


def _targets(file: str, rows: list[Row]) -> str:
    parts = []
    for row in rows:
        target = TARGETS[row.rule]
        met = "met" if row.ratio >= target else "NOT met"
        parts.append(f"{LABELS[row.rule]} >= {target:.0f}x: {met} ({_ratio(row.ratio)})")
        if file == LODZ and row.rule == "mes_add1":
            met = "met" if row.ours < LODZ_ADD1_SECONDS else "NOT met"
            parts.append(f"Łódź MES+add1 < {LODZ_ADD1_SECONDS:.0f} s: {met} ({row.ours:.2f} s)")
    return f"targets for {file}: " + "; ".join(parts)


def _inside_cell(rule: float | None, parse: float | None) -> tuple[str, str]:
    """A rule's milliseconds and whether it took no longer than the parse ('-': refused)."""
    if rule is None or parse is None:
        return "-", "-"
    return f"{rule * 1000:.1f}", "met" if rule <= parse else "NOT met"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not on this platform
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench_tally.py",
        description="Time fairfund-tally (whole processes) against pabutools 1.2.3 on the Pabulib "
        "files of expected.json, and check the speed targets.",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DIR,
        help=f"Pabulib files and expected.json ({DEFAULT_DIR})",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement, best taken (3)")
    parser.add_argument(
        "--live-limit",
        type=float,
        default=60.0,
        help="run pabutools live when expected.json records less than this many seconds (60)",
    )
    parser.add_argument(
        "--pabutools-runs",
        type=int,
        default=None,
        help="live pabutools runs per measurement, best taken (default: --runs when it recorded "
        "under 10 s, else 1)",
    )
    parser.add_argument("--files", nargs="*", help="only these files (names in expected.json)")
    parser.add_argument(
        "--rules", nargs="*", choices=RULES, default=list(RULES), help="only these rules"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    expected_path = args.dir / "expected.json"
    if not expected_path.exists():
        print(f"no {expected_path}: set FAIRFUND_PABULIB_DIR or --dir", file=sys.stderr)
        return 2
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    try:
        import pabutools  # noqa: F401  (only checked here; it runs in its own processes)
    except ImportError:
        print(
            "pabutools is not installed: .venv/bin/pip install -c requirements/constraints.txt "
            "pabutools==1.2.3",
            file=sys.stderr,
        )
        return 2

    print("Installing this checkout into a new virtual environment...", flush=True)
    scratch = tempfile.TemporaryDirectory(prefix="fairfund-bench-")
    ours_command = install_ours(Path(scratch.name))
    start_load = _load()
    print(f"Pabulib files: {args.dir}  (Faliszewski et al., IJCAI 2023)")
    print(
        f"ours: the installed `fairfund-tally` as a whole process, best of "
        f"{args.runs}, wall clock (the ratio's) and CPU; pabutools: parse_pabulib + rule inside "
        "its process (imports not counted)"
    )
    print(
        f"pabutools live where expected.json records < {args.live_limit:g} s, else its recorded "
        "seconds (marked 'recorded')"
    )
    print()
    header = "| file | rule | ours (s) | ours, CPU (s) | pabutools (s) | ratio | same winners |"
    print(header)
    print("|---|---|---:|---:|---:|---:|---|")
    skipped: list[str] = []
    by_file: dict[str, list[Row]] = {}
    for name, info in expected.items():
        if args.files and name not in args.files:
            continue
        if info.get("vote_type") not in ("approval", "choose-1"):
            continue
        path = args.dir / name
        for rule in args.rules:
            if rule not in info:
                skipped.append(f"{name} {LABELS[rule]}")
                continue
            recorded = info["parse_s"] + info[f"{rule}_s"]
            ours, ours_cpu, our_winners = time_ours(ours_command, path, rule, args.runs)
            live = recorded < args.live_limit
            if live:
                runs = args.pabutools_runs or (args.runs if recorded < 10 else 1)
                theirs, their_winners = time_pabutools(path, rule, runs)
            else:
                theirs, their_winners = recorded, info[rule]
            row = Row(
                name, rule, ours, ours_cpu, theirs, live, _agreement(our_winners, their_winners)
            )
            by_file.setdefault(name, []).append(row)
            source = "" if live else " (recorded)"
            print(
                f"| {name} | {LABELS[rule]} | {_seconds(ours)} | {_seconds(ours_cpu)} | "
                f"{_seconds(theirs)}{source} | "
                f"{_ratio(row.ratio)} | {row.agree} |",
                flush=True,
            )
    print()
    for name, rows in by_file.items():
        print(_targets(name, rows))
    print()
    print(
        "Rule against parsing, inside one process (ours, best of "
        f"{max(args.runs, 3)}; milliseconds): the target is that greedy and MES (with its "
        "explanations and hashes) take no longer than reading the file once. Every file of "
        "expected.json, cumulative (points as MES's utilities) and ranked ones too (MES refuses "
        "ranked ballots: '-')."
    )
    print()
    print("| file | ballots | parse | greedy | MES | greedy <= parse | MES <= parse |")
    print("|---|---|---:|---:|---:|---|---|")
    for name, info in expected.items():
        if args.files and name not in args.files:
            continue
        inside = time_inside(ours_command, args.dir / name, max(args.runs, 3))
        cells = [_inside_cell(inside[rule], inside["parse"]) for rule in ("greedy", "mes")]
        parse = inside["parse"] or 0.0
        print(
            f"| {name} | {info.get('vote_type', '?')} | {parse * 1000:.1f} | "
            f"{cells[0][0]} | {cells[1][0]} | {cells[0][1]} | {cells[1][1]} |",
            flush=True,
        )
    if skipped:
        print()
        print(
            "Not timed (expected.json has no pabutools result: it did not finish within a few "
            "minutes): " + ", ".join(skipped)
        )
    if any(r.agree != "yes" for rows in by_file.values() for r in rows):
        print()
        print(
            "Different winners can come from ties: pabutools breaks equal scores by project id, "
            "fairfund-tally funds the cheaper project first (then --tie-order, then ids)."
        )
    print()
    print(
        f"{os.cpu_count()} CPUs; load average {start_load} at the start, "
        f"{_load()} at the end (other processes slow both sides)"
    )
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
