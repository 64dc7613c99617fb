"""Pabulib I/O: every real file reads and round-trips; quirks warn; faults raise with their line.

The real files come from Pabulib (pabulib.org; Faliszewski et al., IJCAI 2023) and live outside the
repository, in FAIRFUND_PABULIB_DIR (default ../shared/pabulib).
"""

from __future__ import annotations

import io
import os
import time
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.tally import pabulib
from backend.tally.pabulib import (
    META_EXCLUSIVE,
    META_TIE_ORDER,
    WARNINGS_PER_KIND,
    PabulibError,
    decimal_text,
    parse_decimal,
    profile_exclusive,
    profile_tie_order,
    read_pabulib,
    write_pabulib,
)
from backend.tally.profile import (
    Ballot,
    BallotKind,
    Deferred,
    Profile,
    Project,
    group_ballots,
    make_ballots,
)

PABULIB_DIR = Path(
    os.environ.get(
        "FAIRFUND_PABULIB_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "pabulib"
    )
)
WHERE = (
    f"no Pabulib files at {PABULIB_DIR}: they come from pabulib.org (the pabulib/pabulib_files "
    "repository; see ../shared/pabulib/README.md) and are found through FAIRFUND_PABULIB_DIR "
    "(default ../shared/pabulib)"
)

# The README's table: voters, projects, vote type.
README_TABLE = {
    "Netherlands_Assen_2024.pb": (84, 14, "approval"),
    "Poland_Swiecie_2023.pb": (2553, 22, "approval"),
    "Poland_Lodz_2022.pb": (90494, 160, "approval"),
    "Poland_Lodz_2025_Chojny-Dabrowa.pb": (5545, 32, "approval"),
    "Poland_Warszawa_2021_Bielany.pb": (8172, 132, "approval"),
    "Poland_Warszawa_2019_Ursynow.pb": (7683, 58, "approval"),
    "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb": (27, 4, "approval"),
    "Poland_Gdynia_2024.pb": (17660, 17, "approval"),
    "Poland_Krakow_2019_Wzgorza_Krzeslawickie.pb": (1883, 25, "ordinal"),
    "Poland_Katowice_2024_Ligota_-_Panewniki.pb": (4350, 20, "cumulative"),
    "Poland_Czestochowa_2024_Podjasnogorska.pb": (273, 14, "cumulative"),
    "Poland_Poznan_2026_large.pb": (43570, 13, "choose-1"),
    "Poland_Warszawa_2022_Bemowo.pb": (4940, 49, "approval"),
    "Hungary_Budapest_2022_VIII_Jozsefvaros.pb": (520, 33, "approval"),
    "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb": (378, 16, "approval"),
    "Worldwide_Mechanical_Turk_Knapsack_7.pb": (69, 20, "approval"),
    "Netherlands_Amsterdam_643.pb": (66, 3, "choose-1"),
    "France_Toulouse_2019.pb": (1494, 30, "cumulative"),
    "US_Stanford_Dataset_Merced_Peoples_Budget_Ballot_2019_vote_rankings.pb": (100, 8, "ordinal"),
}

if PABULIB_DIR.is_dir():
    REAL_FILES = [pytest.param(p, id=p.name) for p in sorted(PABULIB_DIR.glob("*.pb"))]
else:
    REAL_FILES = [pytest.param(None, marks=pytest.mark.skip(reason=WHERE), id="no-pabulib-dir")]

needs_pabulib = pytest.mark.skipif(not PABULIB_DIR.is_dir(), reason=WHERE)


def real(name: str) -> Path:
    return PABULIB_DIR / name


def expanded(profile: Profile) -> Counter[tuple[tuple[str, ...], tuple[int, ...] | None]]:
    """The multiset of ballots, whatever their grouping and order."""
    return Counter({(b.projects, b.points): b.count for b in profile.ballots})


def assert_same(a: Profile, b: Profile) -> None:
    assert b.kind is a.kind
    assert b.budget == a.budget
    assert b.projects == a.projects
    assert list(b.projects) == list(a.projects)
    assert b.ballots == a.ballots
    assert b.meta == a.meta
    assert b.voter_ids == a.voter_ids
    assert b.voter_ballots == a.voter_ballots
    assert b.vote_columns == a.vote_columns
    assert b.vote_extra == a.vote_extra


# --- every real file ---------------------------------------------------------------------------


@needs_pabulib
def test_the_directory_holds_the_readme_files() -> None:
    assert sorted(p.name for p in PABULIB_DIR.glob("*.pb")) == sorted(README_TABLE)


@pytest.mark.parametrize("path", REAL_FILES)
def test_real_file_reads(path: Path) -> None:
    profile = read_pabulib(path)
    voters, projects, kind = README_TABLE[path.name]
    assert profile.kind == kind == profile.meta["vote_type"]
    assert profile.voters == voters == len(profile.voter_ids)
    assert len(profile.projects) == projects
    assert profile.meta.get("num_votes", str(voters)) == str(voters)
    assert profile.meta.get("num_projects", str(projects)) == str(projects)
    assert profile.budget == Fraction(profile.meta["budget"])
    # This snapshot has no quirks: no repeated project, no ballot over its META limits.
    assert profile.warnings == []
    assert group_ballots(profile.ballots) == profile.ballots  # grouped already
    assert sum(b.count for b in profile.ballots) == voters
    for ballot in profile.ballots:
        assert all(p in profile.projects for p in ballot.projects)
        assert len(set(ballot.projects)) == len(ballot.projects)
        if profile.kind is BallotKind.CUMULATIVE:
            assert ballot.points is not None
            assert len(ballot.points) == len(ballot.projects)
            assert list(ballot.projects) == sorted(ballot.projects)
        else:
            assert ballot.points is None
            if profile.kind is not BallotKind.ORDINAL:
                assert list(ballot.projects) == sorted(ballot.projects)
    # The file's own per-project columns agree with the ballots we read (an independent check).
    support: Counter[str] = Counter()
    points: Counter[str] = Counter()
    for ballot in profile.ballots:
        for i, project in enumerate(ballot.projects):
            support[project] += ballot.count
            if ballot.points is not None:
                points[project] += ballot.points[i] * ballot.count
            elif profile.kind is BallotKind.ORDINAL:
                # Borda: the first of k scores k, where k is META max_length (Kraków); the file
                # without one (Merced) counts k from each ballot's own length.
                k = profile.max_length or len(ballot.projects)
                points[project] += (k - i) * ballot.count
    for project in profile.projects.values():
        assert isinstance(project.cost, Fraction)
        assert int(project.extra["votes"]) == support[project.id]
        if "score" in project.extra:
            assert int(project.extra["score"]) == points[project.id]


@pytest.mark.parametrize("path", REAL_FILES)
def test_real_file_round_trips(path: Path) -> None:
    profile = read_pabulib(path)
    again = read_pabulib(write_pabulib(profile))
    assert_same(profile, again)
    assert again.warnings == []
    shuffled = read_pabulib(write_pabulib(profile, shuffle_seed=7))
    assert expanded(shuffled) == expanded(profile)
    assert shuffled.voter_ids == [str(n) for n in range(1, profile.voters + 1)]
    assert shuffled.projects == profile.projects


@needs_pabulib
def test_real_file_details() -> None:
    # A quoted name with doubled quotes.
    krakow = read_pabulib(real("Poland_Krakow_2019_Wzgorza_Krzeslawickie.pb"))
    assert krakow.projects["3"].name == 'Montaż dwóch urządzeń siłowych w parku "Zielony Jar"'
    assert krakow.ballots[0].projects == ("12", "8", "9")  # ranked, best first, as in the file
    # A quoted META comment; a line ending in LF among CRLF lines.
    budapest = read_pabulib(real("Hungary_Budapest_2022_VIII_Jozsefvaros.pb"))
    assert budapest.meta["comment"].startswith('#1: "neighborhood" indicated')
    bemowo = read_pabulib(real("Poland_Warszawa_2022_Bemowo.pb"))
    assert bemowo.meta["rule"] == "greedy-exclusive"
    assert bemowo.meta["date_begin"] == "15.06.2021"
    # Extra columns, per project and per voter, kept in the file's order.
    lodz = read_pabulib(real("Poland_Lodz_2022.pb"))
    assert list(lodz.projects["L010"].extra) == ["votes", "selected"]
    assert lodz.vote_columns == ("age", "sex", "voting_method")
    assert len(lodz.vote_extra) == lodz.voters
    # Cumulative points, and project ids that are not numbers.
    katowice = read_pabulib(real("Poland_Katowice_2024_Ligota_-_Panewniki.pb"))
    first = katowice.ballots[0]
    assert (first.projects, first.points) == (("L6/18/XI",), (3,))
    assert all(sum(b.points or ()) <= 3 for b in katowice.ballots)


@needs_pabulib
def test_lodz_2022_parse_time(capsys: pytest.CaptureFixture[str]) -> None:
    path = real("Poland_Lodz_2022.pb")
    started, cpu = time.perf_counter(), time.process_time()
    profile = read_pabulib(path)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    with capsys.disabled():
        print(
            f"\n[benchmark] read_pabulib(Poland_Lodz_2022.pb): {profile.voters:,} voters, "
            f"{len(profile.ballots):,} distinct ballots in {seconds:.3f} s "
            f"({cpu_seconds:.3f} s of CPU)"
        )
    assert profile.voters == 90494


@needs_pabulib
def test_real_file_with_a_repeated_project_and_a_long_ballot_warns_with_its_line() -> None:
    # No file of the snapshot has such a ballot (test_real_file_reads checks it), so we make one
    # in a real file: Gdynia 2024 (CRLF lines, META max_length 3), its 100th voter changed.
    lines = real("Poland_Gdynia_2024.pb").read_bytes().decode("utf-8").split("\r\n")
    row = lines.index("VOTES") + 2 + 99
    voter, _, rest = lines[row].split(";", 2)
    lines[row] = (
        f"{voter};2024/OGM/0008,2024/OGM/0009,2024/OGM/0008,2024/OGM/0011,2024/OGM/0001;{rest}"
    )
    profile = read_pabulib("\r\n".join(lines))
    line = row + 1
    assert profile.warnings == [
        f"line {line}: voter {voter} approves 2024/OGM/0008 twice; counted once",
        f"line {line}: voter {voter} approves 4 projects, more than max_length 3; "
        "kept as published",
    ]
    assert profile.voters == 17660
    assert ("2024/OGM/0001", "2024/OGM/0008", "2024/OGM/0009", "2024/OGM/0011") in {
        b.projects for b in profile.ballots
    }


# --- small files -------------------------------------------------------------------------------

# Lines: 1 META, 2 header, 3 budget, 4 vote_type, 5 PROJECTS, 6 header, 7-9 projects, 10 VOTES,
# 11 header, 12-13 voters.
SMALL = """META
key;value
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
P1;10;One
P2;20.5;Two
P3;30;Three
VOTES
voter_id;vote
1;P1,P2
2;P3
"""

CUMULATIVE = """META
key;value
budget;100
vote_type;cumulative
max_sum_points;5
PROJECTS
project_id;cost
P1;10
P2;20
VOTES
voter_id;vote;points
a;P2,P1;3,2
b;P1;5
"""


def edit(text: str, line: int, new: str | None) -> str:
    """``text`` with its 1-based ``line`` replaced (None: removed)."""
    lines = text.split("\n")
    if new is None:
        del lines[line - 1]
    else:
        lines[line - 1] = new
    return "\n".join(lines)


def test_small_file_reads() -> None:
    profile = read_pabulib(SMALL)
    assert profile.kind is BallotKind.APPROVAL
    assert profile.budget == 100
    assert profile.projects["P2"] == Project(id="P2", cost=Fraction(41, 2), name="Two")
    assert profile.ballots == [Ballot(("P1", "P2"), 1), Ballot(("P3",), 1)]
    assert profile.voter_ids == ["1", "2"]
    assert profile.meta == {"budget": "100", "vote_type": "approval"}


def test_sources_path_text_and_stream(tmp_path: Path) -> None:
    path = tmp_path / "small.pb"
    path.write_text(SMALL, encoding="utf-8")
    from_path = read_pabulib(path)
    assert_same(from_path, read_pabulib(str(path)))
    assert_same(from_path, read_pabulib(SMALL))
    assert_same(from_path, read_pabulib(io.StringIO(SMALL)))
    with path.open(encoding="utf-8", newline="") as stream:
        assert_same(from_path, read_pabulib(stream))


def test_byte_order_mark_and_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "bom.pb"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL.replace("\n", "\r\n").encode())
    assert_same(read_pabulib(SMALL), read_pabulib(path))
    assert_same(read_pabulib(SMALL), read_pabulib("\ufeff" + SMALL))
    assert_same(read_pabulib(SMALL), read_pabulib(SMALL.replace("\n", "\r")))


def test_exact_numbers_and_a_decimal_comma() -> None:
    text = edit(edit(SMALL, 3, "budget;2572946.76"), 8, "P2;1234,5;Two")
    profile = read_pabulib(text)
    assert profile.budget == Fraction("2572946.76")
    assert profile.projects["P2"].cost == Fraction("1234.5")
    assert read_pabulib(edit(SMALL, 3, "budget;2572946,76")).budget == Fraction("2572946.76")
    assert read_pabulib(edit(SMALL, 3, "budget; 100 ;;")).budget == 100  # trailing empty cells
    assert parse_decimal(" 0.10 ") == Fraction(1, 10)
    for bad in ("1,500", "1e5", "1/2", "", "1.2.3", "12 000", "0x10"):
        with pytest.raises(ValueError, match=r"number|ambiguous"):
            parse_decimal(bad)
    assert decimal_text(Fraction("2572946.76")) == "2572946.76"
    assert decimal_text(Fraction(-1, 8)) == "-0.125"
    assert decimal_text(Fraction(12)) == "12"
    with pytest.raises(ValueError, match="no exact decimal"):
        decimal_text(Fraction(1, 3))


def test_quoting_and_extra_columns() -> None:
    text = (
        "META\nkey;value\nbudget;100\nvote_type;approval\n"
        'comment;"a; b ""c""\nsecond line"\n'
        "PROJECTS\nproject_id;cost;votes;name;category\n"
        'P1;10;1;"One; with ""quotes""";x\n'
        "P2;20;1;Two;y\n"
        "VOTES\nvoter_id;vote;age;sex\n"
        "v1;P1,P2;30;F\n"
        "v2;P2,P1,P2;40;M\n"
    )
    profile = read_pabulib(text)
    assert profile.meta["comment"] == 'a; b "c"\nsecond line'
    assert profile.projects["P1"].name == 'One; with "quotes"'
    assert profile.projects["P1"].extra == {"votes": "1", "category": "x"}
    assert profile.vote_columns == ("age", "sex")
    assert profile.vote_extra == [("30", "F"), ("40", "M")]
    assert profile.ballots == [Ballot(("P1", "P2"), 2)]
    # The quoted comment spans lines 5 and 6, so the second voter is on line 14.
    assert profile.warnings == ["line 14: voter v2 approves P2 twice; counted once"]
    # The writer adds the META counts the file lacked; all else comes back as read.
    again = read_pabulib(write_pabulib(profile))
    assert again.meta == {**profile.meta, "num_projects": "2", "num_votes": "2"}
    again.meta = profile.meta
    assert_same(profile, again)


def test_empty_votes_are_kept_as_voters() -> None:
    text = SMALL + "3;\n4;\n"
    profile = read_pabulib(text)
    assert profile.voters == 4
    assert profile.ballots[-1] == Ballot((), 2)
    assert profile.warnings == []
    again = read_pabulib(write_pabulib(profile))
    assert again.ballots == profile.ballots
    with_min = read_pabulib(edit(text, 4, "vote_type;approval\nmin_length;1"))
    assert with_min.warnings == [
        "line 15: voter 3 approves 0 projects, fewer than min_length 1; kept as published",
        "line 16: voter 4 approves 0 projects, fewer than min_length 1; kept as published",
    ]


def test_ballot_order_per_kind() -> None:
    ordinal = read_pabulib(SMALL.replace("approval", "ordinal").replace("1;P1,P2", "1;P2,P1"))
    assert ordinal.ballots[0] == Ballot(("P2", "P1"), 1)
    approval = read_pabulib(SMALL.replace("1;P1,P2", "1;P2,P1"))
    assert approval.ballots[0] == Ballot(("P1", "P2"), 1)
    cumulative = read_pabulib(CUMULATIVE)
    assert cumulative.ballots == [Ballot(("P1", "P2"), 1, (2, 3)), Ballot(("P1",), 1, (5,))]
    same = read_pabulib(SMALL + "3;P2,P1\n4; P1 , P2 \n")
    assert same.ballots == [Ballot(("P1", "P2"), 3), Ballot(("P3",), 1)]


def test_quirks_warn_with_their_line() -> None:
    text = (
        "META\nkey;value\nbudget;100\nvote_type;approval\nmax_length;2\nmin_length;1\n"
        "max_sum_cost;40\nnum_votes;9\nnum_projects;3\n"
        "PROJECTS\nproject_id;cost\nP1;10\nP2;20.5\nP3;30\n"
        "VOTES\nvoter_id;vote\n"
        "17;P3,P1,P3\n"  # line 17
        "18;P1,P2,P3\n"  # line 18
        "19;P2,P3\n"  # line 19
        "20;P1,,P2\n"  # line 20
    )
    profile = read_pabulib(text)
    assert profile.warnings == [
        "line 17: voter 17 approves P3 twice; counted once",
        "line 18: voter 18 approves 3 projects, more than max_length 2; kept as published",
        "line 18: voter 18 approves projects costing 60.5 in all, more than max_sum_cost 40; "
        "kept as published",
        "line 19: voter 19 approves projects costing 50.5 in all, more than max_sum_cost 40; "
        "kept as published",
        "line 20: voter 20 has an empty entry in the vote 'P1,,P2'; ignored",
        "line 8: META num_votes is 9, but the file has 4",
    ]
    assert profile.ballots[0] == Ballot(("P1", "P3"), 1)
    assert profile.voters == 4


def test_quirks_of_other_kinds() -> None:
    ordinal = read_pabulib(SMALL.replace("approval", "ordinal").replace("1;P1,P2", "1;P2,P1,P2"))
    assert ordinal.ballots[0] == Ballot(("P2", "P1"), 1)
    assert ordinal.warnings == ["line 12: voter 1 ranks P2 twice; counted once, at its best rank"]
    choose = read_pabulib(SMALL.replace("approval", "choose-1"))
    assert choose.warnings == [
        "line 12: voter 1 chooses 2 projects in a choose-1 vote; kept as published"
    ]
    cumulative = read_pabulib(
        "META\nkey;value\nbudget;100\nvote_type;cumulative\n"
        "max_sum_points;5\nmin_sum_points;2\nmax_points;4\n"
        "PROJECTS\nproject_id;cost\nP1;10\nP2;20\n"
        "VOTES\nvoter_id;vote;points\n"
        "a;P2,P1;3,2\n"  # line 14
        "b;P1;1\n"  # line 15
        "c;P1,P2,P1;1,2,3\n"  # line 16
        "d;P2;5\n"  # line 17
    )
    assert cumulative.ballots == [
        Ballot(("P1", "P2"), 1, (2, 3)),
        Ballot(("P1",), 1, (1,)),
        Ballot(("P1", "P2"), 1, (4, 2)),
        Ballot(("P2",), 1, (5,)),
    ]
    assert cumulative.warnings == [
        "line 15: voter b gives 1 point, fewer than min_sum_points 2; kept as published",
        "line 16: voter c gives points to P1 twice; the points are added",
        "line 16: voter c gives 6 points, more than max_sum_points 5; kept as published",
        "line 17: voter d gives 5 points to one project, more than max_points 4; kept as published",
    ]


def test_many_quirks_of_one_kind_are_summarised() -> None:
    text = SMALL + "".join(f"x{n};P1,P1\n" for n in range(WARNINGS_PER_KIND + 5))
    profile = read_pabulib(text)
    assert len(profile.warnings) == WARNINGS_PER_KIND + 1
    assert profile.warnings[0] == "line 14: voter x0 approves P1 twice; counted once"
    assert profile.warnings[-1] == "... and 5 more like this (repeated projects)"


# --- faults ------------------------------------------------------------------------------------

FAULTS = [
    pytest.param("", 1, "empty", id="empty file"),
    pytest.param(SMALL.replace("META\n", "", 1), 1, "expected the META section", id="no META"),
    pytest.param(
        "\n".join(SMALL.split("\n")[:4] + SMALL.split("\n")[9:]),
        5,
        "expected the PROJECTS section here, found the VOTES section",
        id="no PROJECTS",
    ),
    pytest.param(
        "\n".join(SMALL.split("\n")[:9]), 9, "ends without a VOTES section", id="no VOTES"
    ),
    pytest.param(
        edit(SMALL, 4, "vote_type;scoring"), 4, "unknown vote_type 'scoring'", id="vote_type"
    ),
    pytest.param(edit(SMALL, 4, None), 1, "no vote_type", id="no vote_type"),
    pytest.param(edit(SMALL, 3, None), 1, "no budget", id="no budget"),
    pytest.param(edit(SMALL, 3, "budget;lots"), 3, "bad number in the budget", id="bad budget"),
    pytest.param(edit(SMALL, 3, "budget;-5"), 3, "budget is negative", id="negative budget"),
    pytest.param(edit(SMALL, 8, "P2;-5;Two"), 8, "negative cost", id="negative cost"),
    pytest.param(edit(SMALL, 8, "P2;;Two"), 8, "project P2 has no cost", id="missing cost"),
    pytest.param(edit(SMALL, 8, "P2"), 8, "project P2 has no cost", id="short row, no cost"),
    pytest.param(
        edit(SMALL, 8, "P2;12a;Two"), 8, "bad number in the cost of project P2", id="bad cost"
    ),
    pytest.param(edit(SMALL, 8, "P2;1,500;Two"), 8, "ambiguous", id="ambiguous cost"),
    pytest.param(
        edit(SMALL, 8, "P1;20;Two"),
        8,
        "duplicate project id 'P1' (first on line 7)",
        id="dup project",
    ),
    pytest.param(edit(SMALL, 8, ";20;Two"), 8, "without a project_id", id="no project id"),
    pytest.param(edit(SMALL, 8, '"P,2";20;Two'), 8, "holds a comma", id="comma in project id"),
    pytest.param(edit(SMALL, 6, "project_id;name"), 6, "no cost column", id="no cost column"),
    pytest.param(
        edit(SMALL, 6, "project_id;cost;cost"), 6, "names the column 'cost' twice", id="dup column"
    ),
    pytest.param(
        edit(SMALL, 12, "1;P1,P9"),
        12,
        "voter 1 votes for unknown project 'P9'",
        id="unknown project",
    ),
    pytest.param(
        edit(SMALL, 13, "1;P3"), 13, "duplicate voter id '1' (first on line 12)", id="dup voter"
    ),
    pytest.param(edit(SMALL, 13, ";P3"), 13, "a voter without a voter_id", id="no voter id"),
    pytest.param(
        edit(SMALL, 13, "2;P3;x"), 13, "3 fields, but the VOTES header names 2", id="wide row"
    ),
    pytest.param(edit(SMALL, 11, "voter_id;ballot"), 11, "no vote column", id="no vote column"),
    pytest.param(edit(SMALL, 8, 'P2;20;"Two'), 8, "malformed CSV", id="unclosed quote"),
    pytest.param(edit(SMALL, 8, 'P2;20;"Two"x'), 8, "malformed CSV", id="stray quote"),
    pytest.param(SMALL + "META\n", 14, "unexpected META section after VOTES", id="section again"),
    pytest.param(
        CUMULATIVE.replace("voter_id;vote;points", "voter_id;vote"),
        11,
        "cumulative votes need a points column",
        id="no points column",
    ),
    pytest.param(
        edit(CUMULATIVE, 13, "b;P1;x"), 13, "bad number in the points of voter b", id="bad points"
    ),
    pytest.param(
        edit(CUMULATIVE, 13, "b;P1;-1"), 13, "bad number in the points", id="negative points"
    ),
    pytest.param(
        edit(CUMULATIVE, 13, "b;P1,P2;5"),
        13,
        "names 2 projects but gives 1 number of points",
        id="points count",
    ),
    pytest.param(
        edit(SMALL, 4, f"vote_type;approval\n{META_TIE_ORDER};P2,P9"),
        5,
        "unknown projects: 'P9'",
        id="tie order unknown",
    ),
    pytest.param(
        edit(SMALL, 4, f"vote_type;approval\n{META_TIE_ORDER};P2,P2"),
        5,
        "names a project twice",
        id="tie order repeat",
    ),
    pytest.param(
        edit(SMALL, 4, f"vote_type;approval\n{META_EXCLUSIVE};P1,P2|P3"),
        5,
        "needs at least two projects",
        id="exclusive single",
    ),
    pytest.param(
        edit(SMALL, 4, f"vote_type;approval\n{META_EXCLUSIVE};P1,P7"),
        5,
        "unknown projects: 'P7'",
        id="exclusive unknown",
    ),
]


@pytest.mark.parametrize(("text", "line", "fault"), FAULTS)
def test_faults_name_the_line(text: str, line: int, fault: str) -> None:
    with pytest.raises(PabulibError) as caught:
        read_pabulib(text if "\n" in text else io.StringIO(text))
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.line == line
    assert f"line {line}: " in str(error)
    assert fault in str(error)


def test_faults_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.pb"
    path.write_bytes(edit(SMALL, 8, "P2;20;T\xffwo").encode("latin-1"))
    with pytest.raises(PabulibError, match=r"^broken\.pb, line 8: not UTF-8 text") as caught:
        read_pabulib(path)
    assert caught.value.line == 8
    with pytest.raises(PabulibError, match=r"^mine, line 4: unknown vote_type"):
        read_pabulib(edit(SMALL, 4, "vote_type;x"), name="mine")
    with pytest.raises(FileNotFoundError):
        read_pabulib(tmp_path / "missing.pb")


# --- writing -----------------------------------------------------------------------------------


def test_write_records_what_the_rules_use() -> None:
    profile = read_pabulib(SMALL)
    profile.projects["P1"] = Project(
        id="P1",
        cost=Fraction(10),
        name="One",
        pot="north",
        exclusive_group="g1",
        panel_score=Fraction(7, 3),
    )
    profile.projects["P2"] = Project(
        id="P2",
        cost=Fraction("20.5"),
        name="Two",
        exclusive_group="g1",
        panel_score=Fraction("8.5"),
    )
    text = write_pabulib(
        profile,
        tie_order=["P3", "P1", "P2"],
        exclusive=[["P1", "P2"], ["P2", "P3"]],
        rule_name="mes",
    )
    assert "project_id;cost;name;pot;exclusive_group;panel_score\r\n" in text
    assert "P1;10;One;north;g1;7/3\r\n" in text
    assert "P3;30;Three;;;\r\n" in text
    assert f"{META_TIE_ORDER};P3,P1,P2\r\n" in text
    assert f"{META_EXCLUSIVE};P1,P2|P2,P3\r\n" in text
    again = read_pabulib(text)
    assert again.projects == profile.projects
    assert again.meta["rule"] == "mes"
    assert profile_tie_order(again) == ("P3", "P1", "P2")
    assert profile_exclusive(again) == (("P1", "P2"), ("P2", "P3"))
    assert profile_tie_order(profile) is None
    assert profile_exclusive(profile) == ()
    # Written again without them, the META keys read from the file stay.
    assert read_pabulib(write_pabulib(again)).meta == again.meta


def test_write_without_voter_records_numbers_the_voters() -> None:
    profile = Profile(
        kind=BallotKind.ORDINAL,
        budget=Fraction("99.99"),
        projects={p: Project(id=p, cost=Fraction(5)) for p in ("b", "a")},
        ballots=[Ballot(("b", "a"), 2), Ballot((), 1), Ballot(("a",), 1)],
    )
    text = write_pabulib(profile)
    assert text.endswith("VOTES\r\nvoter_id;vote\r\n1;b,a\r\n2;b,a\r\n3;\r\n4;a\r\n")
    again = read_pabulib(text)
    assert again.ballots == profile.ballots
    assert again.budget == profile.budget
    assert again.meta == {
        "num_projects": "2",
        "num_votes": "4",
        "budget": "99.99",
        "vote_type": "ordinal",
    }


def test_shuffle_is_deterministic_and_renumbers() -> None:
    profile = read_pabulib(SMALL + "".join(f"v{n};P{n % 3 + 1}\n" for n in range(30)))
    one = write_pabulib(profile, shuffle_seed=42)
    assert one == write_pabulib(profile, shuffle_seed=42)
    assert one != write_pabulib(profile, shuffle_seed=43)
    again = read_pabulib(one)
    assert again.voter_ids == [str(n) for n in range(1, 33)]
    assert expanded(again) == expanded(profile)


def test_write_refuses_what_it_cannot_write_exactly() -> None:
    profile = read_pabulib(SMALL)
    profile.projects["P1"] = Project(id="P1", cost=Fraction(1, 3))
    with pytest.raises(ValueError, match="cost of project P1"):
        write_pabulib(profile)
    profile = read_pabulib(SMALL)
    profile.budget = Fraction(100, 7)
    with pytest.raises(ValueError, match="budget"):
        write_pabulib(profile)
    profile = read_pabulib(SMALL)
    with pytest.raises(ValueError, match="unknown projects"):
        write_pabulib(profile, tie_order=["P9"])
    with pytest.raises(ValueError, match="holds"):
        write_pabulib(profile, exclusive=[["P1", "P|2"]])
    profile.ballots.append(Ballot(("P1",), 1))
    with pytest.raises(ValueError, match="voter records do not match"):
        write_pabulib(profile)
    profile = read_pabulib(SMALL)
    profile.ballots[0] = Ballot(("P1", "P9"), 1)
    with pytest.raises(ValueError, match="unknown projects"):
        write_pabulib(profile)


# --- random profiles ---------------------------------------------------------------------------

# Ids that exercise quoting and the section names; none holds ',' or '|' or edge spaces.
IDS = ("1", "2", "10", "P;3", 'q"4', "Łódź 5", "2024/OGM/0008", "VOTES", "META", "x y")
VOTER_IDS = ("1", "17", "v;2", 'q"3', "a\nb", " s ", "Ł", "x|y", "1,2", "c\rd", "META x", "  ")
TRICKY = ("", "a", "a;b", 'q"x"', "two\nlines", "cr\rx", " pad ", "łą€", ",|", '""', ";", "\r\n")
TEXT = st.sampled_from(TRICKY) | st.text(alphabet='ab ;,"|\n\r\tłą€-', max_size=6)
NONEMPTY = TEXT.filter(bool)
DECIMALS = st.builds(
    lambda n, places: Fraction(n, 10**places),
    st.integers(min_value=0, max_value=10**7),
    st.sampled_from([0, 0, 1, 2, 3]),
)
SCORES = st.none() | DECIMALS | st.fractions(max_denominator=9)


@dataclass
class Ours:
    """What write_pabulib records for our rules."""

    tie_order: tuple[str, ...] | None = None
    exclusive: tuple[tuple[str, ...], ...] = ()
    rule_name: str | None = None


@st.composite
def random_profiles(draw: st.DrawFn, kind: BallotKind) -> tuple[Profile, Ours]:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=6, unique=True))
    extra_columns = draw(st.lists(st.sampled_from(["votes", "category", "sélected"]), unique=True))
    optional = draw(st.sets(st.sampled_from(["pot", "exclusive_group", "panel_score"])))
    projects = {}
    for pid in ids:
        projects[pid] = Project(
            id=pid,
            cost=draw(DECIMALS),
            name=draw(TEXT),
            pot=draw(st.none() | NONEMPTY) if "pot" in optional else None,
            exclusive_group=draw(st.none() | NONEMPTY) if "exclusive_group" in optional else None,
            panel_score=(draw(SCORES) if "panel_score" in optional else None),
            extra={c: draw(TEXT) for c in extra_columns},
        )

    def one_ballot() -> Ballot:
        if kind is BallotKind.CUMULATIVE:
            chosen = draw(st.dictionaries(st.sampled_from(ids), st.integers(0, 9)))
            order = tuple(sorted(chosen))
            return Ballot(order, 1, tuple(chosen[p] for p in order))
        if kind is BallotKind.ORDINAL:
            return Ballot(tuple(draw(st.lists(st.sampled_from(ids), unique=True))), 1)
        if kind is BallotKind.CHOOSE_1:
            return Ballot(tuple(draw(st.lists(st.sampled_from(ids), max_size=1))), 1)
        return Ballot(tuple(sorted(draw(st.sets(st.sampled_from(ids))))), 1)

    voters = [one_ballot() for _ in range(draw(st.integers(min_value=0, max_value=10)))]
    ballots = group_ballots(voters)
    index = {(b.projects, b.points): i for i, b in enumerate(ballots)}
    meta = draw(st.dictionaries(st.sampled_from(["description", "comment", "unit"]), TEXT))
    profile = Profile(
        kind=kind, budget=draw(DECIMALS), projects=projects, ballots=ballots, meta=meta
    )
    if draw(st.booleans()):  # voter records, as a file would give
        profile.voter_ids = draw(
            st.lists(
                st.sampled_from(VOTER_IDS),
                min_size=len(voters),
                max_size=len(voters),
                unique=True,
            )
        )
        profile.voter_ballots = [index[(b.projects, b.points)] for b in voters]
        profile.vote_columns = tuple(draw(st.lists(st.sampled_from(["age", "sex"]), unique=True)))
        profile.vote_extra = (
            [tuple(draw(TEXT) for _ in profile.vote_columns) for _ in voters]
            if profile.vote_columns
            else []
        )
    ours = Ours()
    if draw(st.booleans()):
        ours.tie_order = tuple(draw(st.permutations(ids)))
    if len(ids) >= 2 and draw(st.booleans()):
        ours.exclusive = tuple(
            tuple(draw(st.lists(st.sampled_from(ids), min_size=2, unique=True)))
            for _ in range(draw(st.integers(1, 2)))
        )
    if draw(st.booleans()):
        ours.rule_name = draw(st.sampled_from(["greedy", "mes", "greedy-no-skip"]))
    return profile, ours


@pytest.mark.parametrize("kind", list(BallotKind))
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_random_profiles_round_trip(kind: BallotKind, data: st.DataObject) -> None:
    profile, ours = data.draw(random_profiles(kind))
    text = write_pabulib(
        profile, tie_order=ours.tie_order, exclusive=ours.exclusive, rule_name=ours.rule_name
    )
    again = read_pabulib(text)
    expected_meta = {
        **profile.meta,
        "num_projects": str(len(profile.projects)),
        "num_votes": str(profile.voters),
        "budget": decimal_text(profile.budget),
        "vote_type": str(kind),
    }
    if ours.rule_name is not None:
        expected_meta["rule"] = ours.rule_name
    if ours.tie_order is not None:
        expected_meta[META_TIE_ORDER] = ",".join(ours.tie_order)
    if ours.exclusive:
        expected_meta[META_EXCLUSIVE] = "|".join(",".join(g) for g in ours.exclusive)
    assert again.meta == expected_meta
    assert again.kind is kind
    assert again.budget == profile.budget
    assert again.projects == profile.projects
    assert again.ballots == profile.ballots
    assert again.warnings == []
    assert profile_tie_order(again) == ours.tie_order
    assert profile_exclusive(again) == ours.exclusive
    if profile.voter_ids:
        assert again.voter_ids == profile.voter_ids
        assert again.voter_ballots == profile.voter_ballots
        assert again.vote_columns == profile.vote_columns
        assert again.vote_extra == profile.vote_extra
    else:
        assert again.voter_ids == [str(n) for n in range(1, profile.voters + 1)]
    assert write_pabulib(again) == text  # a fixed point
    shuffled = read_pabulib(write_pabulib(profile, shuffle_seed=1))
    assert expanded(shuffled) == expanded(profile)


# --- the VOTES section read at once --------------------------------------------------------------

# The reader takes the VOTES rows at once (_Reader.votes_in_bulk) when the section is plain, and
# each distinct vote at once too (_BallotParser.keys_at_once) when none has a quirk; otherwise row
# by row. Every way must give the same profile, warnings and errors.
READ_WAYS = ("at once", "each distinct vote", "row by row")


def read_way(source: str | Path, way: str) -> Profile | tuple[str, int | None]:
    """The profile read in one way, or the error it gives (message and line)."""
    saved = pabulib._Reader.votes_in_bulk, pabulib._BallotParser.keys_at_once
    if way == "row by row":
        pabulib._Reader.votes_in_bulk = lambda self, *args: None
    if way == "each distinct vote":
        pabulib._BallotParser.keys_at_once = lambda self, raws: None
    try:
        return read_pabulib(source)
    except PabulibError as exc:
        return str(exc), exc.line
    finally:
        pabulib._Reader.votes_in_bulk, pabulib._BallotParser.keys_at_once = saved


def assert_read_alike(source: str | Path) -> Profile | tuple[str, int | None]:
    first, *others = (read_way(source, way) for way in READ_WAYS)
    for other in others:
        if isinstance(first, Profile):
            assert isinstance(other, Profile)
            assert_same(first, other)
            assert other.warnings == first.warnings
        else:
            assert other == first
    return first


QUIRKY = """META
key;value
budget;100
vote_type;approval
max_length;2
PROJECTS
project_id;cost
P1;10
P2;20
P3;30
VOTES
voter_id;vote;age
a;P1,P2;30
b;P2,P1,P3;40
c;P3,P3;50
d;P1;60
"""

VARIANTS = [
    pytest.param(SMALL, id="small"),
    pytest.param(SMALL.replace("\n", "\r\n"), id="crlf"),
    pytest.param(SMALL.replace("\n", "\r"), id="cr"),
    pytest.param(SMALL.replace("2;P3\n", "2;P3\r\n"), id="mixed line ends"),
    pytest.param(SMALL + "\n\n", id="blank lines at the end"),
    pytest.param(SMALL + ";\n", id="an empty row at the end"),
    pytest.param(SMALL.replace("1;P1,P2\n", "1;P1,P2\n\n"), id="blank line between voters"),
    pytest.param(SMALL.replace("1;P1,P2", '1;"P1,P2"'), id="a quoted vote"),
    pytest.param(SMALL.replace("1;P1,P2", "1;P1,P2;"), id="an empty extra cell"),
    pytest.param(SMALL.replace("2;P3", "2;P3\n3;P1 ,P3\n4;P2,,P1\n5;"), id="spaces, gaps, empty"),
    pytest.param(SMALL.replace("2;P3", "VOTES;P3"), id="a voter named VOTES"),
    pytest.param(SMALL.replace("2;P3", "1;P3"), id="duplicate voter"),
    pytest.param(SMALL.replace("2;P3", ";P3"), id="no voter id"),
    pytest.param(SMALL.replace("2;P3", "2;P9"), id="unknown project"),
    pytest.param(SMALL.replace("2;P3", "2;P3;x"), id="wide row"),
    pytest.param(SMALL.replace("2;P3", "2"), id="short row"),
    pytest.param(SMALL.replace("2;P3", "2;P3\x00"), id="a NUL"),
    pytest.param(SMALL + "META\n", id="section again"),
    pytest.param(SMALL.replace("approval", "choose-1"), id="choose-1 over its length"),
    pytest.param(SMALL.replace("approval", "ordinal").replace("1;P1,P2", "1;P2,P1"), id="ordinal"),
    pytest.param(SMALL.replace("vote_type;approval", "vote_type;approval\nmin_length;2"), id="min"),
    pytest.param(
        SMALL.replace("vote_type;approval", "vote_type;approval\nmax_sum_cost;25"), id="$"
    ),
    pytest.param(QUIRKY, id="quirks"),
    pytest.param(QUIRKY.replace("approval", "ordinal"), id="ordinal quirks"),
    pytest.param(CUMULATIVE, id="cumulative"),
    pytest.param(CUMULATIVE.replace("b;P1;5", "b;P1,P1;2,3\nc;P2;x"), id="cumulative fault"),
    pytest.param(
        SMALL + "".join(f"x{n};P1,P1\n" for n in range(WARNINGS_PER_KIND + 5)), id="many quirks"
    ),
]


@pytest.mark.parametrize("text", VARIANTS)
def test_votes_read_at_once_or_row_by_row_alike(text: str) -> None:
    assert_read_alike(text)


@pytest.mark.parametrize(("text", "line", "fault"), FAULTS)
def test_faulty_files_read_at_once_or_row_by_row_alike(text: str, line: int, fault: str) -> None:
    if text:
        assert_read_alike(text)


@pytest.mark.parametrize("path", REAL_FILES)
def test_real_files_read_at_once_or_row_by_row_alike(path: Path) -> None:
    assert isinstance(assert_read_alike(path), Profile)


@needs_pabulib
def test_real_files_with_quirks_read_alike() -> None:
    lines = real("Poland_Gdynia_2024.pb").read_bytes().decode("utf-8").split("\r\n")
    row = lines.index("VOTES") + 2 + 99
    voter, _, rest = lines[row].split(";", 2)
    lines[row] = f"{voter};2024/OGM/0008,2024/OGM/0009,2024/OGM/0008,2024/OGM/0011;{rest}"
    profile = assert_read_alike("\r\n".join(lines))
    assert isinstance(profile, Profile)
    assert len(profile.warnings) == 1  # the repeated project
    lines[row + 5] = lines[row]  # a duplicate voter id, far from the first
    assert assert_read_alike("\r\n".join(lines)) == (
        f"line {row + 6}: duplicate voter id {voter!r} (first on line {row + 1})",
        row + 6,
    )


@needs_pabulib
def test_lodz_reads_its_votes_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []
    original = pabulib._BallotParser.keys_at_once

    def spy(self: pabulib._BallotParser, raws: list[str]) -> list[int] | None:
        result = original(self, raws)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(pabulib._BallotParser, "keys_at_once", spy)
    read_pabulib(real("Poland_Lodz_2022.pb"))
    assert calls == [True]


def test_per_voter_records_are_made_only_when_read() -> None:
    """Each voter's ballot and extra cells are kept to write the file back: a tally never
    reads them, so the bulk reader defers them, and they come out the same when asked for."""
    text = (
        "META\nkey;value\nnum_projects;2\nnum_votes;4\nbudget;10\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost\na;4\nb;6\n"
        "VOTES\nvoter_id;vote;age\n1;a,b;30\n2;b;41\n3;b,a;52\n4;a;63\n"
    )
    profile = read_pabulib(text)
    assert isinstance(profile.voter_ballots, Deferred)
    assert isinstance(profile.vote_extra, Deferred)
    # Their lengths are known without making them.
    assert len(profile.voter_ballots) == len(profile.vote_extra) == 4
    assert profile.voter_ballots._items is None
    assert profile.vote_extra._items is None
    # "a,b" and "b,a" are one ballot: their voters add up.
    assert [(b.projects, b.count) for b in profile.ballots] == [
        (("a", "b"), 2),
        (("b",), 1),
        (("a",), 1),
    ]
    expected = [0, 1, 0, 2]
    assert profile.voter_ballots == expected
    assert expected == profile.voter_ballots  # a list compares equal from either side
    assert list(profile.vote_extra) == [("30",), ("41",), ("52",), ("63",)]
    assert profile.vote_extra[1:3] == [("41",), ("52",)]
    assert read_pabulib(write_pabulib(profile)).vote_extra == profile.vote_extra
    with pytest.raises(TypeError):
        hash(profile.voter_ballots)


def test_a_deferred_list_is_made_once_and_must_have_its_length() -> None:
    made: list[int] = []

    def make() -> list[int]:
        made.append(1)
        return [7, 8, 9]

    items = Deferred(make, 3)
    assert repr(items) == "[7, 8, 9]"
    assert items[-1] == 9
    assert list(items) == [7, 8, 9]
    assert made == [1]
    assert items == Deferred(lambda: [7, 8, 9], 3)
    assert items != [7, 8]
    with pytest.raises(AssertionError, match="another length"):
        list(Deferred(lambda: [1], 2))


def test_ballots_made_in_bulk_are_the_dataclass_own() -> None:
    keys = [(("a", "b"), None), ((), None), (("c",), (3,))]
    made = make_ballots(keys, [2, 1, 5])
    expected = [
        Ballot(projects=("a", "b"), count=2),
        Ballot(projects=(), count=1),
        Ballot(projects=("c",), count=5, points=(3,)),
    ]
    assert made == expected
    assert list(map(hash, made)) == list(map(hash, expected))
    assert [repr(b) for b in made] == [repr(b) for b in expected]
    with pytest.raises(AttributeError):  # still frozen
        made[0].count = 3  # type: ignore[misc]
