"""Record an event in the chain, inside the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from . import chain
from .models import ActorType, AuditChainHead, AuditEvent

# Strings in event data are identifiers, codes, dates and hashes: never free text or personal
# data (those live in ordinary, erasable rows; an event may carry their hash).
_SAFE_STRING = re.compile(r"^[A-Za-z0-9_.:/+=@-]{0,128}$")
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class AuditActor:
    type: ActorType
    id: str = ""

    @classmethod
    def for_user(cls, user: models.Model) -> AuditActor:
        return cls(ActorType.USER, str(user.pk))

    @classmethod
    def system(cls) -> AuditActor:
        return cls(ActorType.SYSTEM)

    @classmethod
    def scheduler(cls) -> AuditActor:
        return cls(ActorType.SCHEDULER)

    @classmethod
    def voter(cls) -> AuditActor:
        """An anonymous voter: never an id that links a voter to a ballot."""
        return cls(ActorType.VOTER)


class AuditDataError(ValueError):
    """Event data that would put free text or personal data in the chain."""


def _check_data(value: Any, path: str = "data") -> None:
    if isinstance(value, str) and not _SAFE_STRING.match(value):
        raise AuditDataError(
            f"{path}: only identifiers, codes and hashes belong in events, got {value!r}"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_data(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_data(item, f"{path}[{i}]")


def _subject(subject: models.Model | tuple[str, str]) -> tuple[str, str]:
    if isinstance(subject, tuple):
        return subject
    return subject._meta.label_lower, str(subject.pk)


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # First use (or a test database just flushed): start from the last event, if any.
    last = AuditEvent.objects.order_by("-sequence").first()
    AuditChainHead.objects.bulk_create(
        [
            AuditChainHead(
                pk=1,
                sequence=last.sequence if last else 0,
                hash=last.hash if last else chain.GENESIS_HASH,
            )
        ],
        ignore_conflicts=True,
    )
    return AuditChainHead.objects.select_for_update().get(pk=1)


def audit_record(
    *,
    by: AuditActor,
    action: str,
    subject: models.Model | tuple[str, str],
    data: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Must run inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if not _ACTION.match(action):
        raise AuditDataError(f"action must look like 'noun.verb', got {action!r}")
    payload = dict(data or {})
    _check_data(payload)
    subject_type, subject_id = _subject(subject)
    with transaction.atomic():
        head = _locked_head()
        sequence = head.sequence + 1
        occurred_at = timezone.now()
        event = chain.Event(
            sequence=sequence,
            time=chain.format_time(occurred_at),
            actor={"type": str(by.type), "id": by.id},
            action=action,
            subject={"type": subject_type, "id": subject_id},
            data=payload,
            previous_hash=head.hash,
            hash="",
        )
        digest = chain.event_hash(head.hash, event.body())
        row = AuditEvent.objects.create(
            sequence=sequence,
            occurred_at=occurred_at,
            actor_type=by.type,
            actor_id=by.id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            data=payload,
            previous_hash=head.hash,
            hash=digest,
        )
        head.sequence, head.hash = sequence, digest
        head.save(update_fields=["sequence", "hash"])
    return row
