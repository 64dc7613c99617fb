"""Tampering, with the triggers bypassed as the superuser: each kind is caught and reported."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from backend.audit import chain
from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_checkpoint, chain_verify
from backend.audit.services import AuditActor, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    made = [
        audit_record(
            by=AuditActor.system(), action="test.recorded", subject=("x", str(i)), data={"n": i}
        )
        for i in range(1, 11)
    ]
    return made


def _as_superuser(*statements: tuple[str, list]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for statement, params in statements:
            cursor.execute(statement, params)


def _fails(expected: str, *checkpoints: str) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", *[arg for c in checkpoints for arg in ("--checkpoint", c)])
    assert expected in str(failure.value), str(failure.value)
    return str(failure.value)


def test_an_intact_chain_verifies_with_its_checkpoint(events, capsys):
    checkpoint = chain_checkpoint()
    call_command("audit_verify", "--checkpoint", f"{checkpoint.sequence}:{checkpoint.hash}")
    assert "chain intact: 10 events" in capsys.readouterr().out
    call_command("audit_checkpoint")
    assert capsys.readouterr().out.strip() == f"10:{events[-1].hash}"


def test_an_edited_body_is_named(events):
    _as_superuser(("UPDATE audit_auditevent SET data = %s WHERE sequence = 4", ['{"n": 99}']))
    message = _fails(
        "event 4",
    )
    assert f"id {events[3].pk}" in message
    assert "hash does not match its body" in message


def test_an_edited_hash_is_named(events):
    _as_superuser(("UPDATE audit_auditevent SET hash = %s WHERE sequence = 6", ["f" * 64]))
    _fails("event 6")


def test_a_deleted_event_is_a_gap(events):
    _as_superuser(("DELETE FROM audit_auditevent WHERE sequence = 5", []))
    _fails("sequence gap: expected 5, found 6")


def test_two_swapped_events_are_caught(events):
    _as_superuser(
        ("UPDATE audit_auditevent SET sequence = 1000 WHERE sequence = 3", []),
        ("UPDATE audit_auditevent SET sequence = 3 WHERE sequence = 7", []),
        ("UPDATE audit_auditevent SET sequence = 7 WHERE sequence = 1000", []),
    )
    _fails("event 3")


def test_a_truncated_tail_is_caught_by_a_checkpoint(events):
    checkpoint = chain_checkpoint()
    _as_superuser(("DELETE FROM audit_auditevent WHERE sequence > 7", []))
    assert chain_verify().ok  # without a checkpoint a truncated chain looks whole
    _fails(
        "chain is truncated: it ends at 7, checkpoint names 10",
        f"{checkpoint.sequence}:{checkpoint.hash}",
    )


def test_a_chain_rehashed_from_the_middle_is_caught_by_a_checkpoint(events):
    checkpoint = chain_checkpoint()
    # Rewrite event 5's data and re-hash it and everything after, as an attacker with the
    # database would: the chain is internally consistent again.
    rows = list(AuditEvent.objects.filter(sequence__gte=5).order_by("sequence"))
    previous = AuditEvent.objects.get(sequence=4).hash
    statements = []
    for row in rows:
        data = {"n": 500} if row.sequence == 5 else row.data
        body = {
            "sequence": row.sequence,
            "time": chain.format_time(row.occurred_at),
            "actor": {"type": row.actor_type, "id": row.actor_id},
            "action": row.action,
            "subject": {"type": row.subject_type, "id": row.subject_id},
            "data": data,
        }
        digest = chain.event_hash(previous, body)
        statements.append(
            (
                "UPDATE audit_auditevent SET data = %s, previous_hash = %s, hash = %s WHERE id = %s",
                [chain.canonical_json(data).decode(), previous, digest, row.pk],
            )
        )
        previous = digest
    _as_superuser(*statements)
    assert chain_verify().ok
    _fails("diverges at or before event 10", f"{checkpoint.sequence}:{checkpoint.hash}")


def test_a_bad_checkpoint_argument_is_a_clear_error(events):
    with pytest.raises(CommandError, match="SEQUENCE:HASH"):
        call_command("audit_verify", "--checkpoint", "nonsense")
