"""The byte layout: docs/audit-chain.md's test vectors, and canonical JSON's rules."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.audit import chain

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-chain.md"


def _vectors():
    text = DOC.read_text(encoding="utf-8")
    block = re.search(
        r"<!-- test-vectors:begin -->\s*```json\n(.*?)```\s*<!-- test-vectors:end -->", text, re.S
    )
    assert block, "docs/audit-chain.md lost its test vectors"
    return json.loads(block.group(1))


def test_the_documented_vectors_hold():
    vectors = _vectors()
    assert len(vectors) == 3
    previous = chain.GENESIS_HASH
    for vector in vectors:
        assert chain.canonical_json(vector["event"]).decode("utf-8") == vector["body"]
        assert vector["previous_hash"] == previous
        assert chain.event_hash(previous, vector["event"]) == vector["hash"]
        previous = vector["hash"]


def test_the_documented_vectors_verify_as_a_chain_and_fail_when_edited():
    events = [
        chain.Event(**v["event"], previous_hash=v["previous_hash"], hash=v["hash"])
        for v in _vectors()
    ]
    assert chain.verify(events).ok
    edited = [
        *events[:1],
        chain.Event(**{**events[1].__dict__, "data": {"role": "panel_chair"}}),
        *events[2:],
    ]
    verdict = chain.verify(edited)
    assert not verdict.ok
    assert "event 2" in verdict.message


@pytest.mark.parametrize("bad", [1.5, {"a": 0.1}, [1, 2.0], {"é": 1}, {1: "x"}, 2**53, object()])
def test_values_without_a_canonical_form_are_refused(bad):
    with pytest.raises(chain.CanonicalJsonError):
        chain.canonical_json(bad)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(max_codepoint=127)), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_canonical_json_round_trips_and_is_order_independent(value):
    encoded = chain.canonical_json(value)
    assert json.loads(encoded) == value
    if isinstance(value, dict):
        reordered = dict(reversed(list(value.items())))
        assert chain.canonical_json(reordered) == encoded


def test_checkpoints_parse_strictly():
    assert chain.Checkpoint.parse("12:" + "a" * 64) == chain.Checkpoint(12, "a" * 64)
    for bad in ("12", "x:" + "a" * 64, "3:abc"):
        with pytest.raises(ValueError, match="SEQUENCE:HASH"):
            chain.Checkpoint.parse(bad)
