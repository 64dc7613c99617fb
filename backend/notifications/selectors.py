"""Reading a person's in-app notifications and email choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from .models import ALWAYS_EMAILED, Channel, EmailPreference, Kind, Notification
from .rendering import notification_title


def inbox(*, user: Any, limit: int = 100) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient_user=user, channel=Channel.IN_APP)
        .select_related("recipient_user")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class InboxItem:
    id: int
    title: str
    kind_label: str
    created_at: datetime
    unread: bool


def inbox_items(*, user: Any, limit: int = 100) -> list[InboxItem]:
    """The in-app list as a person reads it: titles in their language, newest first."""
    return [
        InboxItem(
            id=row.pk,
            title=notification_title(row),
            kind_label=str(Kind(row.kind).label),
            created_at=row.created_at,
            unread=row.read_at is None,
        )
        for row in inbox(user=user, limit=limit)
    ]


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(
        recipient_user=user, channel=Channel.IN_APP, read_at__isnull=True
    ).count()


def email_choices(*, user: Any) -> list[tuple[Kind, bool, bool]]:
    """(kind, emailed, can be switched off) for every kind."""
    chosen = dict(EmailPreference.objects.filter(user=user).values_list("kind", "email"))
    return [
        (kind, kind in ALWAYS_EMAILED or chosen.get(kind, True), kind not in ALWAYS_EMAILED)
        for kind in Kind
    ]
