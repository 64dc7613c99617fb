"""The ``fairfund-tally`` command, run as a user runs it: a separate process.

On every real Pabulib file in ``FAIRFUND_PABULIB_DIR`` (default ``../shared/pabulib``; the files
are not in the repository, so these tests skip without them): an answer or a clear refusal; the
published winners for the files whose META names a rule we run; Poznań with ``--rule greedy`` and
Bemowo with its exclusive pair; bad files and bad arguments; the installed console script; a
virtual environment holding nothing but the standard library (no Django, no numpy); start-up
imports; and the benchmark script's ``--help``.

Pabulib: Faliszewski et al., "Participatory Budgeting: Data, Tools, and Analysis", IJCAI 2023.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PABULIB = Path(os.environ.get("FAIRFUND_PABULIB_DIR", ROOT.parent / "shared" / "pabulib"))
EXPECTED_JSON = PABULIB / "expected.json"
CONSOLE_SCRIPT = Path(sys.executable).parent / "fairfund-tally"
RUNNABLE_META_RULES = {"greedy", "greedy-no-skip", "greedy-threshold", "equalshares/add1"}
# The files the command must refuse without --rule, and the META rule each names.
REFUSED = {
    "Hungary_Budapest_2022_VIII_Jozsefvaros.pb": "unknown",
    "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb": "unknown",
    "US_Stanford_Dataset_Merced_Peoples_Budget_Ballot_2019_vote_rankings.pb": "unknown",
    "Worldwide_Mechanical_Turk_Knapsack_7.pb": "unknown",
    "Poland_Poznan_2026_large.pb": "greedy-custom",
    "Poland_Warszawa_2022_Bemowo.pb": "greedy-exclusive",
}
POZNAN = "Poland_Poznan_2026_large.pb"
BEMOWO = "Poland_Warszawa_2022_Bemowo.pb"
ASSEN = "Netherlands_Assen_2024.pb"
PLAC = "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb"
AMSTERDAM = "Netherlands_Amsterdam_643.pb"
LODZ_2025 = "Poland_Lodz_2025_Chojny-Dabrowa.pb"
DECIMAL = re.compile(r"-?\d+(\.\d+)?")
SHA256 = re.compile(r"[0-9a-f]{64}")

needs_pabulib = pytest.mark.skipif(
    not EXPECTED_JSON.is_file(), reason=f"no Pabulib files in {PABULIB} (FAIRFUND_PABULIB_DIR)"
)


def _expected() -> dict[str, Any]:
    if not EXPECTED_JSON.is_file():
        return {}
    result: dict[str, Any] = json.loads(EXPECTED_JSON.read_text(encoding="utf-8"))
    return result


EXPECTED = _expected()
FILES = sorted(PABULIB.glob("*.pb")) if PABULIB.is_dir() else []
PUBLISHED_META_RULE = sorted(
    name
    for name, info in EXPECTED.items()
    if info["rule"] in RUNNABLE_META_RULES and info["published"] is not None
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(extra)
    return env


def tally(
    *args: str | Path, command: list[str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    base = command if command is not None else [sys.executable, "-m", "backend.tally"]
    return subprocess.run(
        [*base, *map(str, args)],
        cwd=kwargs.pop("cwd", ROOT),
        env=kwargs.pop("env", _env()),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=False,
        **kwargs,
    )


def records(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines()]


@cache
def every_file() -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, Any]]]:
    """One run of the command on every file, in JSON (the files' own rules)."""
    done = tally("--format", "json", *FILES)
    return done, {Path(r["file"]).name: r for r in records(done)}


def by_name(name: str) -> dict[str, Any]:
    return every_file()[1][name]


# --- every file --------------------------------------------------------------------------------


@needs_pabulib
def test_every_file_gives_an_answer_or_a_clear_refusal() -> None:
    done, _ = every_file()
    assert "Traceback" not in done.stderr
    lines = records(done)
    assert [r["file"] for r in lines] == [str(f) for f in FILES]  # one per file, in order
    refused = {Path(r["file"]).name: r["error"] for r in lines if "error" in r}
    expected_refusals = {n: rule for n, rule in REFUSED.items() if (PABULIB / n).exists()}
    assert set(refused) == set(expected_refusals)
    for name, message in refused.items():
        assert repr(expected_refusals[name]) in message, message
        assert "--rule" in message, message
    assert done.returncode == (1 if refused else 0)


@needs_pabulib
@pytest.mark.parametrize("name", PUBLISHED_META_RULE)
def test_the_files_own_rule_gives_the_published_winners(name: str) -> None:
    record = by_name(name)
    assert sorted(record["winners"]) == sorted(EXPECTED[name]["published"])
    assert record["rule"]["rule_from"] == "meta"
    assert record["rule"]["meta_rule"] == EXPECTED[name]["rule"]


@needs_pabulib
def test_meta_rules_map_to_our_rules_with_their_thresholds() -> None:
    seen = {}
    for name, info in EXPECTED.items():
        if info["rule"] in RUNNABLE_META_RULES:
            rule = by_name(name)["rule"]
            seen[info["rule"]] = (rule["name"], rule["completion"])
            meta = _meta(PABULIB / name)
            threshold = meta.get("min_project_score_threshold")
            assert rule["min_score"] == threshold, name
    assert seen == {
        "greedy": ("greedy", "none"),
        "greedy-threshold": ("greedy", "none"),
        "greedy-no-skip": ("greedy-no-skip", "none"),
        "equalshares/add1": ("mes", "add1"),
    }


def _meta(path: Path) -> dict[str, str]:
    meta = {}
    for line in path.read_text(encoding="utf-8").splitlines()[2:]:
        if line.strip() == "PROJECTS":
            break
        key, _, value = line.partition(";")
        meta[key] = value
    return meta


@needs_pabulib
def test_json_records_are_complete_and_exact() -> None:
    _, found = every_file()
    answered = [r for r in found.values() if "error" not in r]
    assert answered
    for record in answered:
        name = Path(record["file"]).name
        assert set(record) >= {
            "file",
            "rule",
            "winners",
            "spent",
            "budget",
            "payments",
            "input_sha256",
            "result_sha256",
            "explanations",
            "warnings",
        }
        assert set(record["rule"]) >= {"name", "completion", "min_score", "exclusive", "tie_order"}
        assert DECIMAL.fullmatch(record["spent"])
        assert DECIMAL.fullmatch(record["budget"])
        assert Decimal(record["spent"]) <= Decimal(record["budget"])
        assert list(record["payments"]) == record["winners"]
        for paid in record["payments"].values():
            assert paid is None or DECIMAL.fullmatch(paid)
            # MES payments are given; greedy pays from the common pot.
            assert (paid is None) == (record["rule"]["name"] != "mes")
        assert len(record["explanations"]) == EXPECTED[name]["projects"]
        for rank, project in enumerate(record["winners"], start=1):
            assert record["explanations"][project].startswith("funded "), project
            assert re.match(rf"funded {rank}(st|nd|rd|th)\b", record["explanations"][project])
        for project, sentence in record["explanations"].items():
            if project not in record["winners"]:
                assert sentence.startswith("not funded"), sentence
        assert SHA256.fullmatch(record["input_sha256"])
        assert SHA256.fullmatch(record["result_sha256"])
        assert isinstance(record["warnings"], list)


@needs_pabulib
def test_payments_round_only_when_the_decimal_does_not_terminate() -> None:
    payments = by_name(ASSEN)["payments"]
    assert payments["9"] == "500"  # exact
    assert payments["2"] == "416.666667"  # 10,000 / 24, rounded to 6 places


@needs_pabulib
def test_poznan_with_plain_greedy_gives_the_published_winners() -> None:
    done = tally("--format", "json", "--rule", "greedy", PABULIB / POZNAN)
    assert done.returncode == 0, done.stderr
    (record,) = records(done)
    assert sorted(record["winners"]) == sorted(EXPECTED[POZNAN]["published"])
    assert record["rule"]["rule_from"] == "command line"


@needs_pabulib
def test_bemowo_with_its_exclusive_pair_gives_the_published_winners() -> None:
    done = tally("--format", "json", "--rule", "greedy", "--exclusive", "773,153", PABULIB / BEMOWO)
    assert done.returncode == 0, done.stderr
    (record,) = records(done)
    assert sorted(record["winners"]) == sorted(EXPECTED[BEMOWO]["published"])
    assert record["rule"]["exclusive"] == [["773", "153"]]
    assert not {"773", "153"} <= set(record["winners"])
    # Without the pair, plain greedy funds both (pabutools' greedy winners).
    plain = records(tally("--format", "json", "--rule", "greedy", PABULIB / BEMOWO))[0]
    assert sorted(plain["winners"]) == sorted(EXPECTED[BEMOWO]["greedy"])
    assert {"773", "153"} <= set(plain["winners"])


@needs_pabulib
def test_the_tie_order_and_exclusive_groups_our_writer_records_are_used(tmp_path: Path) -> None:
    from backend.tally.pabulib import read_pabulib, write_pabulib

    profile = read_pabulib(PABULIB / BEMOWO)
    order = tuple(sorted(profile.projects, reverse=True))
    written = tmp_path / "bemowo.pb"
    text = write_pabulib(profile, tie_order=order, exclusive=[("773", "153")], rule_name="greedy")
    written.write_text(text, encoding="utf-8", newline="")
    (record,) = records(tally("--format", "json", written))
    assert record["rule"]["rule_from"] == "meta"
    assert record["rule"]["exclusive"] == [["773", "153"]]
    assert record["rule"]["tie_order"] == list(order)
    assert sorted(record["winners"]) == sorted(EXPECTED[BEMOWO]["published"])
    # The command line wins over the file.
    first = sorted(profile.projects)[:2]
    (given,) = records(
        tally("--format", "json", "--exclusive", ",".join(first), "--tie-order", first[0], written)
    )
    assert given["rule"]["exclusive"] == [first]
    assert given["rule"]["tie_order"] == [first[0]]
    assert {"773", "153"} <= set(given["winners"])


@needs_pabulib
def test_min_score_accepts_a_decimal_and_explains_the_projects_below_it() -> None:
    done = tally("--format", "json", "--rule", "greedy", "--min-score", "12.5", PABULIB / PLAC)
    assert done.returncode == 0, done.stderr
    (record,) = records(done)
    assert record["rule"]["min_score"] == "12.5"
    assert record["rule"]["min_score_from"] == "command line"
    below = [s for s in record["explanations"].values() if "below the minimum" in s]
    assert below
    assert len(record["winners"]) + len(below) <= EXPECTED[PLAC]["projects"]


@needs_pabulib
def test_the_command_line_overrides_the_meta_threshold() -> None:
    (record,) = records(tally("--format", "json", "--min-score", "0", PABULIB / LODZ_2025))
    assert record["rule"]["min_score"] == "0"
    assert record["rule"]["min_score_from"] == "command line"


@needs_pabulib
def test_text_report() -> None:
    done = tally(PABULIB / ASSEN, PABULIB / POZNAN)
    assert done.returncode == 1
    out = done.stdout
    assert "rule: mes with the add1 completion" in out
    assert "budget: EUR 100,000" in out
    assert "spent:  EUR " in out
    for project in EXPECTED[ASSEN]["published"]:
        assert re.search(rf"^    {re.escape(project)} .*: funded \d+", out, re.MULTILINE)
    assert "input sha256:" in out
    assert "result sha256:" in out
    assert f"{POZNAN}: error: the file's META names the rule 'greedy-custom'" in done.stderr
    assert "--rule" in done.stderr
    assert "Traceback" not in done.stderr


# --- failures ------------------------------------------------------------------------------------


@needs_pabulib
def test_a_bad_file_gives_an_error_object_and_the_others_still_print(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
        "a;ten\nVOTES\nvoter_id;vote\n1;a\n",
        encoding="utf-8",
    )
    missing = tmp_path / "missing.pb"
    done = tally("--format", "json", PABULIB / PLAC, bad, missing, PABULIB / AMSTERDAM)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    first, error, gone, last = records(done)
    assert first["file"] == str(PABULIB / PLAC)
    assert first["winners"]
    assert error == {"file": str(bad), "error": error["error"]}
    assert "line 7" in error["error"], error
    assert gone == {"file": str(missing), "error": "no such file"}
    assert last["file"] == str(PABULIB / AMSTERDAM)
    assert last["winners"]
    # The same in text: both reports print, the errors go to stderr, one line each.
    text = tally(PABULIB / PLAC, bad, PABULIB / AMSTERDAM)
    assert text.returncode == 1
    assert text.stdout.count("winners (") == 2
    assert f"{bad}: error: " in text.stderr
    assert "line 7" in text.stderr
    assert "Traceback" not in text.stderr


def test_amounts_beyond_floats_are_tallied_not_reported_as_internal_errors(
    tmp_path: Path,
) -> None:
    """A file's numbers may have any number of digits: a 400-digit cost (MES's float engines
    and the explanations' decimal rounding once failed on it) and 400-digit points."""
    big = "9" * 400
    costly = tmp_path / "costly.pb"
    costly.write_text(
        f"META\nkey;value\nbudget;{big}{big}\nvote_type;approval\nPROJECTS\nproject_id;cost\n"
        f"1;{big}\n2;5\nVOTES\nvoter_id;vote\n1;1,2\n2;1\n3;2\n",
        encoding="utf-8",
    )
    pointed = tmp_path / "pointed.pb"
    pointed.write_text(
        "META\nkey;value\nbudget;100\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n"
        f"1;60\n2;50\nVOTES\nvoter_id;vote;points\n1;1,2;{big},1\n2;1;3\n3;2;4\n",
        encoding="utf-8",
    )
    for completion in ("none", "add1"):
        done = tally(
            "--format", "json", "--rule", "mes", "--completion", completion, costly, pointed
        )
        assert done.returncode == 0, done.stdout
        expensive, points = records(done)
        assert expensive["winners"] == ["1", "2"]
        # Its two supporters pay half each, exactly; the sentence shows it to the penny.
        assert expensive["payments"]["1"] == str(int(big) // 2) + ".5"
        assert ",999.50 each" in expensive["explanations"]["1"]
        assert points["winners"] == ["1"]


@needs_pabulib
def test_rule_errors_for_one_file_are_reported_in_place() -> None:
    # A completion on a file whose META rule is greedy: RuleError for that file only.
    done = tally("--format", "json", "--completion", "add1", PABULIB / PLAC, PABULIB / ASSEN)
    assert done.returncode == 1
    greedy, mes = records(done)
    assert "Method of Equal Shares" in greedy["error"]
    assert mes["winners"]
    # A tie order naming projects the file does not have.
    (record,) = records(tally("--format", "json", "--tie-order", "nope,zilch", PABULIB / PLAC))
    assert "unknown projects" in record["error"]
    assert "nope" in record["error"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "the following arguments are required"),
        (["x.pb", "--rule", "fastest"], "invalid choice: 'fastest'"),
        (["x.pb", "--completion", "add2"], "invalid choice: 'add2'"),
        (["x.pb", "--min-score", "lots"], "'lots' is not an integer or decimal number"),
        (["x.pb", "--min-score", "1/2"], "'1/2' is not an integer or decimal number"),
        (["x.pb", "--min-score", "-1"], "cannot be negative"),
        (["x.pb", "--exclusive", "773"], "needs at least two projects"),
        (["x.pb", "--exclusive", "1,1"], "names a project twice"),
        (["x.pb", "--tie-order", "a,,b"], "not a comma-separated list"),
        (["x.pb", "--format", "xml"], "invalid choice: 'xml'"),
        (["x.pb", "--rule", "greedy", "--completion", "add1"], "Method of Equal Shares only"),
        (["x.pb", "--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
)
def test_argument_errors_are_one_line(args: list[str], says: str) -> None:
    done = tally(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("fairfund-tally: error: ")
    assert says in lines[0]


# --- how it is installed and run -----------------------------------------------------------------


@needs_pabulib
def test_the_installed_console_script_gives_the_same_output() -> None:
    assert CONSOLE_SCRIPT.exists(), f"{CONSOLE_SCRIPT} is missing: run `pip install -e .`"
    args = ("--format", "json", "--rule", "greedy", PABULIB / POZNAN, PABULIB / ASSEN)
    installed = tally(*args, command=[str(CONSOLE_SCRIPT)], cwd=Path("/"))
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout == tally(*args).stdout
    help_text = tally("--help", command=[str(CONSOLE_SCRIPT)], cwd=Path("/"))
    assert help_text.returncode == 0
    assert "usage: fairfund-tally" in help_text.stdout


def test_help_imports_neither_numpy_nor_django_nor_the_engine() -> None:
    done = tally("--help", command=[sys.executable, "-X", "importtime", "-m", "backend.tally"])
    assert done.returncode == 0
    assert "usage: fairfund-tally" in done.stdout
    modules = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "backend.tally.cli" in modules
    heavy = {m for m in modules if m.split(".")[0] in ("numpy", "django", "pabutools")}
    assert not heavy, heavy
    assert not {"backend.tally.engine", "backend.tally.mes", "backend.tally.pabulib"} & modules


@needs_pabulib
def test_one_mes_run_imports_numpy_in_a_long_lived_process_only() -> None:
    """Chojny 2025 (6,179 supporter-group pairs, well above the smallest elections): the
    command, which exits after it, runs MES without importing numpy; a long-lived process (the
    worker, calling ``tally`` itself) takes numpy; both give the same result."""
    script = (
        "import json, sys; from backend.tally.engine import tally; "
        "from backend.tally.pabulib import read_pabulib; "
        "from backend.tally.rules import Rule, RuleName; "
        f"profile = read_pabulib({str(PABULIB / LODZ_2025)!r}); "
        "result = tally(profile, Rule(name=RuleName.MES), short_lived=sys.argv[1] == 'once'); "
        "print(json.dumps(['numpy' in sys.modules, result.result_sha256]))"
    )
    found = {}
    for how in ("once", "long"):
        done = subprocess.run(
            [sys.executable, "-c", script, how],
            cwd=ROOT,
            env=_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        found[how] = json.loads(done.stdout)
    assert found["once"][0] is False
    assert found["long"][0] is True
    assert found["once"][1] == found["long"][1]
    command = records(tally("--format", "json", "--rule", "mes", PABULIB / LODZ_2025))[0]
    assert command["result_sha256"] == found["once"][1]


@needs_pabulib
def test_runs_in_a_virtual_environment_holding_nothing_else(tmp_path: Path) -> None:
    """A fresh venv, nothing installed: only backend/__init__.py and backend/tally/ copied."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    source = tmp_path / "src"
    (source / "backend" / "tally").mkdir(parents=True)
    shutil.copy2(ROOT / "backend" / "__init__.py", source / "backend" / "__init__.py")
    for module in (ROOT / "backend" / "tally").glob("*.py"):
        shutil.copy2(module, source / "backend" / "tally" / module.name)
    env = _env(PYTHONPATH=str(source), PYTHONNOUSERSITE="1")
    env.pop("VIRTUAL_ENV", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)

    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u, backend.tally.cli as c; "
            "print(c.__file__); "
            "print([m for m in ('numpy', 'django', 'pabutools') if u.find_spec(m)])",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    where, found = probe.stdout.splitlines()
    assert Path(where).is_relative_to(source)
    assert found == "[]"  # no numpy, no Django: the pure-Python engines alone

    files = [PABULIB / PLAC, PABULIB / LODZ_2025, PABULIB / ASSEN, PABULIB / AMSTERDAM]
    bare = tally(
        "--format",
        "json",
        *files,
        command=[str(python), "-m", "backend.tally"],
        cwd=tmp_path,
        env=env,
    )
    assert bare.returncode == 0, bare.stderr
    full = tally("--format", "json", *files)
    for mine, theirs in zip(records(bare), records(full), strict=True):
        assert mine["winners"] == theirs["winners"]
        assert mine["payments"] == theirs["payments"]
        assert mine["result_sha256"] == theirs["result_sha256"]
        assert mine["input_sha256"] == theirs["input_sha256"]


def test_the_benchmark_script_help_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench_tally.py"), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "pabutools" in done.stdout


@needs_pabulib
@pytest.mark.parametrize("output", ["json", "text"])
def test_a_reader_that_has_gone_ends_the_command_quietly(output: str) -> None:
    """Output into a pipe nobody reads any more (as when piped into ``head``): exit status 1,
    and no traceback or "Exception ignored" on stderr, although the command leaves through
    os._exit after flushing."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes anything
    try:
        done = subprocess.run(
            [sys.executable, "-m", "backend.tally", "--format", output, PABULIB / AMSTERDAM],
            cwd=ROOT,
            env=_env(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr


def test_the_command_keeps_the_last_file_and_main_returns_in_process(tmp_path: Path) -> None:
    """main() keeps nothing unless asked, and returns the status instead of ending the
    process; with ``hold`` it keeps the last tallied file's profile and result."""
    from backend.tally.cli import main

    good = tmp_path / "good.pb"
    good.write_text(
        "META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;10\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost\na;4\nVOTES\nvoter_id;vote\n1;a\n",
        encoding="utf-8",
    )
    hold: list[object] = []
    assert main(["--rule", "greedy", str(good)], hold=hold) == 0
    assert len(hold) == 1
    assert main(["--rule", "greedy", str(good), str(tmp_path / "missing.pb")], hold=hold) == 1
    assert hold == []  # the last file failed: nothing of it to keep
