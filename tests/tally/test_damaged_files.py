"""Damaged Pabulib files: whatever a file holds, reading it either gives a profile or a
PabulibError (naming the fault), and tallying a profile either gives a result or a RuleError:
never another exception, which the command could only report as an internal error.

Each example takes a small, valid file of one ballot kind and damages it a few times: a
character deleted, inserted or replaced, a line deleted, repeated or moved, the text cut short,
or a number replaced by an awkward one (hundreds of digits, a tiny fraction, a negative, a
decimal comma, nothing at all).
"""

from __future__ import annotations

import re
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.tally.engine import tally
from backend.tally.pabulib import PabulibError, read_pabulib
from backend.tally.rules import Rule, RuleError, RuleName

HEAD = "META\nkey;value\ndescription;damaged\nnum_projects;3\nnum_votes;4\nbudget;{budget}\n"
FILES = {
    "approval": HEAD.format(budget="1000")
    + "vote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost;name\n"
    "1;400;a\n2;350;b\n10;300;c\nVOTES\nvoter_id;vote\n1;1,2\n2;2,10\n3;1\n4;1,10\n",
    "choose-1": HEAD.format(budget="700.5")
    + "vote_type;choose-1\nrule;equalshares\nPROJECTS\nproject_id;cost\n"
    "a;400\nb;350.25\nc;300\nVOTES\nvoter_id;vote\n1;a\n2;b\n3;a\n4;c\n",
    "cumulative": HEAD.format(budget="1000")
    + "vote_type;cumulative\nmax_sum_points;10\nrule;greedy\nPROJECTS\nproject_id;cost\n"
    "1;400\n2;350\n3;300\nVOTES\nvoter_id;vote;points\n1;1,2;6,4\n2;2,3;5,5\n3;1;10\n4;3;2\n",
    "ordinal": HEAD.format(budget="1000")
    + "vote_type;ordinal\nmax_length;2\nrule;greedy\nPROJECTS\nproject_id;cost\n"
    "1;400\n2;350\n3;300\nVOTES\nvoter_id;vote\n1;1,2\n2;2,3\n3;3,1\n4;1\n",
}
PIECES = [
    ";",
    ",",
    "\n",
    "\r\n",
    '"',
    " ",
    "\t",
    "-",
    ".",
    "0",
    "7",
    "x",
    "\ufeff",
    "META",
    "PROJECTS",
    "VOTES",
    "key;value",
    "vote_type;approval",
    ";;",
    "\n\n",
    "é",
]
NUMBERS = ["9" * 400, "0." + "0" * 320 + "3", "-5", "1,500", "0", "", "1e5", "07", "2/3"]
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@st.composite
def damaged(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(sorted(FILES)))
    text = FILES[text]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        lines = text.split("\n")
        line = draw(st.integers(0, len(lines) - 1))
        match draw(st.integers(0, 7)):
            case 0:
                text = text[:at] + text[at + 1 :]
            case 1:
                text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
            case 2:
                text = text[:at] + draw(st.sampled_from(PIECES)) + text[at + 1 :]
            case 3:
                del lines[line]
                text = "\n".join(lines)
            case 4:
                lines.insert(draw(st.integers(0, len(lines))), lines[line])
                text = "\n".join(lines)
            case 5:
                lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(line))
                text = "\n".join(lines)
            case 6:
                text = text[:at]
            case _:
                numbers = list(NUMBER.finditer(text))
                if numbers:
                    found = numbers[draw(st.integers(0, len(numbers) - 1))]
                    number = draw(st.sampled_from(NUMBERS))
                    text = text[: found.start()] + number + text[found.end() :]
    return text


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_a_damaged_file_is_read_and_tallied_or_refused_clearly(text: str) -> None:
    refusal = ""
    try:
        # A text holding no line break would be taken for a path: give it one.
        profile = read_pabulib(text if "\n" in text or "\r" in text else text + "\n")
    except PabulibError as exc:
        refusal = str(exc)
    if refusal:
        return  # refused clearly: the message says what and where
    for rule in (
        Rule(name=RuleName.GREEDY),
        Rule(name=RuleName.GREEDY_NO_SKIP, min_score=Fraction(1)),
        Rule(name=RuleName.MES),
    ):
        try:
            result = tally(profile, rule)
        except RuleError as exc:
            refusal = str(exc)
            assert refusal
            continue
        assert result.spent <= profile.budget
        assert set(result.outcomes) == set(profile.projects)
