"""Recording: inside the caller's transaction, gapless, no free text or personal data."""

import pytest
from django.db import transaction

from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_checkpoint, chain_verify
from backend.audit.services import AuditActor, AuditDataError, audit_record

pytestmark = pytest.mark.django_db


def test_events_chain_from_the_genesis_hash_with_gapless_sequences():
    first = audit_record(
        by=AuditActor.system(), action="council.created", subject=("funds.council", "1")
    )
    second = audit_record(
        by=AuditActor.scheduler(),
        action="fund.phase_changed",
        subject=("funds.fund", "2"),
        data={"to": "voting"},
    )
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == "0" * 64
    assert second.previous_hash == first.hash
    assert chain_verify().ok
    checkpoint = chain_checkpoint()
    assert (checkpoint.sequence, checkpoint.hash) == (2, second.hash)


def test_an_event_is_rolled_back_with_its_change():
    audit_record(by=AuditActor.system(), action="a.kept", subject=("x", "1"))

    class Refused(Exception):
        pass

    def change_then_fail() -> None:
        with transaction.atomic():
            audit_record(by=AuditActor.system(), action="a.lost", subject=("x", "1"))
            raise Refused

    with pytest.raises(Refused):
        change_then_fail()
    third = audit_record(by=AuditActor.system(), action="a.next", subject=("x", "1"))
    assert third.sequence == 2  # no gap left by the rolled-back event
    assert chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(by=AuditActor.system(), action="a.b", subject=("x", "1"))
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"email": "Jo Bloggs <jo@example.org>"},
        {"reason": "because I said so"},
        {"x": [{"note": "free text"}]},
    ],
)
def test_free_text_is_refused(data):
    with pytest.raises(AuditDataError):
        audit_record(by=AuditActor.system(), action="a.b", subject=("x", "1"), data=data)


def test_actions_are_noun_dot_verb():
    with pytest.raises(AuditDataError):
        audit_record(by=AuditActor.system(), action="Granted role", subject=("x", "1"))


def test_a_voter_is_anonymous():
    event = audit_record(
        by=AuditActor.voter(), action="ballot.cast", subject=("voting.ballotlog", "1")
    )
    assert event.actor_type == "voter"
    assert event.actor_id == ""
