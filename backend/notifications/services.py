"""Writing notifications with their cause, and delivering them (the worker calls this).

``notify`` runs inside the transaction of the change that causes it, so a notification exists
exactly when its cause does. Delivery claims one due row at a time with
``SELECT ... FOR UPDATE SKIP LOCKED``: two workers never hand the same row to a channel, a row
marked sent is never sent again, and a worker killed mid-batch leaves its unmarked rows pending
for the next run or the sweeper.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, models, transaction
from django.utils import timezone

from backend.audit.services import AuditActor, audit_record
from backend.core.queue import queue_task_on_commit

from .models import ALWAYS_EMAILED, Channel, EmailPreference, Kind, Notification, State
from .rendering import notification_bodies, notification_title

logger = logging.getLogger(__name__)

DELIVER_TASK = "fairfund.deliver_notifications"
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at an hour (below the broker's visibility timeout)."""
    return timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    )


def wants_email(user: Any, kind: Kind) -> bool:
    if kind in ALWAYS_EMAILED:
        return True
    choice = (
        EmailPreference.objects.filter(user=user, kind=kind).values_list("email", flat=True).first()
    )
    return True if choice is None else bool(choice)


def notify(
    *,
    kind: Kind,
    subject: models.Model,
    dedupe_key: str,
    context: Mapping[str, Any],
    user: Any = None,
    email: str = "",
    language: str = "",
) -> list[Notification]:
    """Write the outbox rows for one notice to one recipient (a user, or an email address).

    The same ``dedupe_key`` twice writes nothing the second time.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("notify must run inside the transaction of the change that causes it")
    if (user is None) == (not email):
        raise ValueError(
            "a notification goes to a user or to an email address, not both or neither"
        )
    now = timezone.now()
    common = {
        "recipient_user": user,
        "recipient_email": "" if user is not None else email.strip().lower(),
        "language": language
        or (getattr(user, "language", "") if user is not None else "")
        or settings.LANGUAGE_CODE,
        "kind": kind,
        "subject_type": subject._meta.label_lower,
        "subject_id": str(subject.pk),
        "context": dict(context),
        "created_at": now,
    }
    rows = []
    if user is not None:
        rows.append(
            Notification(
                channel=Channel.IN_APP,
                dedupe_key=f"{dedupe_key}:in_app",
                state=State.SENT,
                sent_at=now,
                **common,
            )
        )
    if user is None or wants_email(user, kind):
        rows.append(Notification(channel=Channel.EMAIL, dedupe_key=f"{dedupe_key}:email", **common))
    created = []
    for row in rows:
        with transaction.atomic():
            if not Notification.objects.filter(dedupe_key=row.dedupe_key).exists():
                row.save()
                created.append(row)
    if any(row.channel == Channel.EMAIL for row in created):
        queue_task_on_commit(DELIVER_TASK)
    return created


def _render_email(row: Notification) -> EmailMultiAlternatives:
    recipient = row.recipient_user.email if row.recipient_user else row.recipient_email
    subject = notification_title(row)
    text, html = notification_bodies(row)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        headers={"X-Fairfund-Notification": row.dedupe_key},
    )
    message.attach_alternative(html, "text/html")
    return message


def _deliver_one() -> bool:
    """Claim one due email row, hand it to the email backend, record the outcome.

    Returns False when no row was due (or every due row is held by another worker).
    """
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient_user")
            .filter(state=State.PENDING, channel=Channel.EMAIL, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at", "id")
            .first()
        )
        if row is None:
            return False
        row.attempts += 1
        try:
            _render_email(row).send(fail_silently=False)
        except Exception as exc:
            row.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if row.attempts >= MAX_ATTEMPTS:
                row.state = State.FAILED
                audit_record(
                    by=AuditActor.system(),
                    action="notification.failed",
                    subject=row,
                    data={"kind": row.kind, "attempts": row.attempts},
                )
            else:
                row.next_attempt_at = timezone.now() + backoff(row.attempts)
            logger.warning(
                "notification %s attempt %s failed: %s", row.pk, row.attempts, row.last_error
            )
        else:
            row.state = State.SENT
            row.sent_at = timezone.now()
            row.last_error = ""
            audit_record(
                by=AuditActor.system(),
                action="notification.sent",
                subject=row,
                data={"kind": row.kind, "channel": row.channel, "attempts": row.attempts},
            )
        row.save(update_fields=["attempts", "state", "sent_at", "next_attempt_at", "last_error"])
    return True


def notifications_deliver(*, limit: int = 100) -> int:
    """Deliver up to ``limit`` due email rows, each in its own transaction. Returns how many were tried."""
    tried = 0
    while tried < limit and _deliver_one():
        tried += 1
    return tried


def notifications_due_count() -> int:
    return Notification.objects.filter(
        state=State.PENDING, channel=Channel.EMAIL, next_attempt_at__lte=timezone.now()
    ).count()


@transaction.atomic
def notification_mark_read(*, user: Any, notification_id: int) -> bool:
    """Mark one of the user's in-app notifications read; False if it is not theirs or already read."""
    marked = Notification.objects.filter(
        pk=notification_id, recipient_user=user, channel=Channel.IN_APP, read_at__isnull=True
    ).update(read_at=timezone.now())
    if marked:
        audit_record(
            by=AuditActor.for_user(user),
            action="notification.read",
            subject=("notifications.notification", str(notification_id)),
        )
    return bool(marked)


@transaction.atomic
def email_preferences_set(*, user: Any, emailed_kinds: set[str]) -> None:
    """Which kinds this person wants by email; kinds about account security stay on."""
    unknown = emailed_kinds - set(Kind.values)
    if unknown:
        from backend.core.errors import ApplicationError

        raise ApplicationError("Unknown kinds of notification.", fields={"kinds": sorted(unknown)})
    for kind in Kind:
        if kind in ALWAYS_EMAILED:
            continue
        EmailPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": kind in emailed_kinds}
        )
    audit_record(
        by=AuditActor.for_user(user),
        action="notification.preferences_set",
        subject=user,
        data={"emailed": sorted(emailed_kinds)},
    )
