"""Reading the chain: events as the verifier sees them, verification, the current checkpoint."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from . import chain
from .models import AuditEvent


def chain_events(*, batch_size: int = 2000) -> Iterator[chain.Event]:
    """Every event in sequence order, as stored (the time as the hash covers it)."""
    rows = AuditEvent.objects.order_by("sequence").iterator(chunk_size=batch_size)
    for row in rows:
        yield chain.Event(
            sequence=row.sequence,
            time=chain.format_time(row.occurred_at),
            actor={"type": row.actor_type, "id": row.actor_id},
            action=row.action,
            subject={"type": row.subject_type, "id": row.subject_id},
            data=row.data,
            previous_hash=row.previous_hash,
            hash=row.hash,
            id=row.pk,
        )


def chain_verify(*, checkpoints: Iterable[chain.Checkpoint] = ()) -> chain.Verdict:
    return chain.verify(chain_events(), checkpoints)


def chain_checkpoint() -> chain.Checkpoint:
    last = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
    if last is None:
        return chain.Checkpoint(0, chain.GENESIS_HASH)
    return chain.Checkpoint(last.sequence, last.hash)


def events_for_subject(*, subject_type: str, subject_id: str) -> Iterable[AuditEvent]:
    return AuditEvent.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by(
        "sequence"
    )
