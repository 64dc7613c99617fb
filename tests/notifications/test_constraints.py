"""The outbox's and the audit chain's invariants are database constraints too."""

import pytest
from django.db import IntegrityError, connection, transaction

from backend.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _constraints(table: str) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def test_the_critical_constraints_exist():
    outbox = _constraints("notifications_notification")
    assert {
        "notification_has_recipient",
        "notification_in_app_needs_user",
        "notification_sent_has_time",
    } <= set(outbox)
    assert any(c["unique"] and c["columns"] == ["dedupe_key"] for c in outbox.values())
    chain = _constraints("audit_auditevent")
    assert {"audit_sequence_positive", "audit_hashes_hex"} <= set(chain)
    assert any(c["unique"] and c["columns"] == ["sequence"] for c in chain.values())
    assert any(c["unique"] and c["columns"] == ["hash"] for c in chain.values())
    assert "audit_head_single_row" in _constraints("audit_auditchainhead")


def _row(**fields) -> Notification:
    defaults = {"channel": "email", "kind": "role_granted", "subject_type": "x", "subject_id": "1"}
    return Notification.objects.create(**{**defaults, **fields})


def test_a_dedupe_key_is_used_once():
    _row(recipient_email="a@example.org", dedupe_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(recipient_email="b@example.org", dedupe_key="k")


def test_a_row_needs_a_recipient_and_in_app_needs_an_account():
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(dedupe_key="none")
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(recipient_email="a@example.org", channel="in_app", dedupe_key="in-app")
    assert _row(recipient_user=UserFactory(), channel="in_app", dedupe_key="ok").pk
