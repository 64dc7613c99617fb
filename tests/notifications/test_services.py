"""The outbox: rows written with their cause, delivered once, retried with backoff, preferences."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import Role
from backend.accounts.services import role_grant
from backend.audit.models import AuditEvent
from backend.notifications.models import Channel, Kind, Notification, State
from backend.notifications.selectors import email_choices, inbox, unread_count
from backend.notifications.services import (
    MAX_ATTEMPTS,
    backoff,
    email_preferences_set,
    notification_mark_read,
    notifications_deliver,
    notify,
)
from tests.factories import UserFactory, actor

pytestmark = pytest.mark.django_db


def _grant(officer, panel, **kwargs):
    person = kwargs.pop("person", None) or UserFactory(**kwargs)
    role_grant(actor=actor(officer), user=person, role=Role.PANEL_MEMBER, panel=panel)
    return person


def test_a_notice_is_written_with_its_cause_in_app_and_by_email(
    officer, panel, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        person = _grant(officer, panel)
    rows = {row.channel: row for row in Notification.objects.filter(recipient_user=person)}
    assert set(rows) == {Channel.IN_APP, Channel.EMAIL}
    assert rows[Channel.IN_APP].state == State.SENT  # the in-app list is its delivery
    assert rows[Channel.EMAIL].state == State.PENDING
    assert len(queued) == 1  # delivery queued after commit, by task name
    assert list(inbox(user=person)) == [rows[Channel.IN_APP]]
    assert unread_count(user=person) == 1


def test_no_notice_without_its_cause():
    person = UserFactory()

    def cause_that_fails() -> None:
        with transaction.atomic():
            notify(kind=Kind.ROLE_GRANTED, subject=person, dedupe_key="k", user=person, context={})
            raise RuntimeError("the cause failed")

    with pytest.raises(RuntimeError):
        cause_that_fails()
    assert not Notification.objects.exists()


def test_the_same_dedupe_key_writes_once():
    person = UserFactory()
    with transaction.atomic():
        first = notify(
            kind=Kind.ROLE_GRANTED, subject=person, dedupe_key="once", user=person, context={}
        )
        second = notify(
            kind=Kind.ROLE_GRANTED, subject=person, dedupe_key="once", user=person, context={}
        )
    assert len(first) == 2
    assert second == []
    assert Notification.objects.count() == 2


def test_delivery_sends_plain_text_and_html_in_the_recipients_language(officer, panel):
    person = _grant(officer, panel, language="cy")
    assert notifications_deliver() == 1
    [message] = mail.outbox
    assert message.to == [person.email]
    assert "panel" in message.body.lower()
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<p>" in html
    row = Notification.objects.get(recipient_user=person, channel=Channel.EMAIL)
    assert row.state == State.SENT
    assert row.language == "cy"
    assert AuditEvent.objects.filter(action="notification.sent", subject_id=str(row.pk)).exists()
    assert notifications_deliver() == 0  # a sent row is never sent again
    assert len(mail.outbox) == 1


def test_a_failing_channel_is_retried_with_backoff_then_marked_failed(officer, panel, settings):
    settings.EMAIL_BACKEND = "tests.notifications.broken_email.BrokenBackend"
    person = _grant(officer, panel)
    row = Notification.objects.get(recipient_user=person, channel=Channel.EMAIL)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        notifications_deliver()
        row.refresh_from_db()
        assert row.attempts == attempt
        assert "SMTP server said no" in row.last_error
    assert row.state == State.FAILED
    assert AuditEvent.objects.filter(action="notification.failed", subject_id=str(row.pk)).exists()


def test_backoff_doubles_and_is_capped_below_the_brokers_visibility_timeout(settings):
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(seconds=60)
    assert backoff(20) == timedelta(hours=1)
    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > backoff(99).total_seconds()
    )


def test_a_row_not_yet_due_waits(officer, panel):
    person = _grant(officer, panel)
    Notification.objects.filter(recipient_user=person, channel=Channel.EMAIL).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert notifications_deliver() == 0
    assert mail.outbox == []


def test_people_choose_which_kinds_they_get_by_email(officer, panel):
    person = UserFactory()
    email_preferences_set(user=person, emailed_kinds=set())
    _grant(officer, panel, person=person)
    assert not Notification.objects.filter(recipient_user=person, channel=Channel.EMAIL).exists()
    assert Notification.objects.filter(recipient_user=person, channel=Channel.IN_APP).exists()
    choices = {kind: (emailed, optional) for kind, emailed, optional in email_choices(user=person)}
    assert choices[Kind.ROLE_GRANTED] == (False, True)
    assert choices[Kind.MFA_RESET] == (True, False)  # security notices always go by email


def test_marking_read_is_only_for_the_recipient(officer, panel):
    person = _grant(officer, panel)
    row = Notification.objects.get(recipient_user=person, channel=Channel.IN_APP)
    assert not notification_mark_read(user=UserFactory(), notification_id=row.pk)
    assert notification_mark_read(user=person, notification_id=row.pk)
    assert unread_count(user=person) == 0


def test_an_address_without_an_account_gets_email_only():
    person = UserFactory()
    with transaction.atomic():
        rows = notify(
            kind=Kind.ORGANISATION_INVITATION,
            subject=person,
            dedupe_key="inv",
            email="Sam@Example.org",
            context={
                "organisation": "Riverside Play CIC",
                "inviter": "Priya",
                "days": 14,
                "url": "https://x/i/t/",
            },
        )
    assert [(r.channel, r.recipient_email) for r in rows] == [(Channel.EMAIL, "sam@example.org")]
    notifications_deliver()
    assert "Riverside Play CIC" in mail.outbox[0].subject
