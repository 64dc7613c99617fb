"""The chain's byte layout and verification, in plain Python (no Django), as docs/audit-chain.md
specifies it, so an auditor can run or re-implement it without the server.

body  = canonical JSON (RFC 8785) of {"sequence", "time", "actor", "action", "subject", "data"}
hash  = lowercase hex SHA-256 of (previous hash as 64 ASCII hex characters) + (body as UTF-8)
first previous hash = 64 "0" characters

Bodies hold only integers, strings, booleans, null, lists and objects with ASCII keys (no
floats), for which Python's sorted, compact, non-ASCII-preserving JSON is exactly RFC 8785.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class CanonicalJsonError(ValueError):
    """A value that has no canonical form in this chain (a float, a non-ASCII key, ...)."""


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise CanonicalJsonError(f"{path}: integers must fit in an IEEE double exactly")
        return
    if isinstance(value, float):
        raise CanonicalJsonError(f"{path}: floats are not allowed; use integers or strings")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise CanonicalJsonError(f"{path}: keys must be ASCII strings, got {key!r}")
            _check(item, f"{path}.{key}")
        return
    raise CanonicalJsonError(f"{path}: {type(value).__name__} has no JSON form")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical JSON for the values this chain allows."""
    _check(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times must be aware")
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


@dataclass(frozen=True)
class Event:
    """One event as stored: what the hash covers, plus the stored hashes."""

    sequence: int
    time: str
    actor: Mapping[str, Any]
    action: str
    subject: Mapping[str, Any]
    data: Mapping[str, Any]
    previous_hash: str
    hash: str
    id: Any = None

    def body(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "time": self.time,
            "actor": dict(self.actor),
            "action": self.action,
            "subject": dict(self.subject),
            "data": dict(self.data),
        }


def event_hash(previous_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + canonical_json(body)).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        sequence, _, digest = text.partition(":")
        if not sequence.isdigit() or len(digest) != 64:
            raise ValueError(f"a checkpoint is SEQUENCE:HASH (64 hex characters), got {text!r}")
        return cls(int(sequence), digest.lower())


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str
    events: int
    head: Checkpoint | None


def verify(events: Iterable[Event], checkpoints: Iterable[Checkpoint] = ()) -> Verdict:
    """Walk the chain in sequence order; name the first bad event, then check the checkpoints."""
    wanted = {c.sequence: c.hash for c in checkpoints}
    previous = GENESIS_HASH
    expected_sequence = 1
    count = 0
    last: Event | None = None
    for event in events:
        where = f"event {event.sequence} (id {event.id})"
        if event.sequence != expected_sequence:
            return Verdict(
                False,
                f"{where}: sequence gap: expected {expected_sequence}, found {event.sequence}",
                count,
                None,
            )
        if event.previous_hash != previous:
            return Verdict(
                False,
                f"{where}: previous hash does not match event {event.sequence - 1}",
                count,
                None,
            )
        if event_hash(event.previous_hash, event.body()) != event.hash:
            return Verdict(False, f"{where}: hash does not match its body", count, None)
        if event.sequence in wanted and wanted[event.sequence] != event.hash:
            return Verdict(
                False,
                f"chain diverges at or before event {event.sequence}: "
                f"the checkpoint names {wanted[event.sequence]}, the chain has {event.hash}",
                count,
                None,
            )
        previous = event.hash
        expected_sequence += 1
        count += 1
        last = event
    end = last.sequence if last else 0
    beyond = sorted(s for s in wanted if s > end)
    if beyond:
        return Verdict(
            False,
            f"chain is truncated: it ends at {end}, checkpoint names {beyond[0]}",
            count,
            Checkpoint(end, last.hash) if last else None,
        )
    return Verdict(
        True,
        f"chain intact: {count} events, head {end}:{last.hash if last else GENESIS_HASH}",
        count,
        Checkpoint(end, last.hash if last else GENESIS_HASH),
    )
