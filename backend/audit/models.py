"""The append-only event table and the chain head that appenders lock."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ActorType(models.TextChoices):
    USER = "user"
    SYSTEM = "system"
    SCHEDULER = "scheduler"
    VOTER = "voter"


class AuditEvent(models.Model):
    """One event of the chain. Never updated or deleted: database triggers refuse it."""

    sequence = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor_type = models.CharField(max_length=10, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.CheckConstraint(condition=Q(sequence__gte=1), name="audit_sequence_positive"),
            models.CheckConstraint(
                condition=Q(hash__regex=r"^[0-9a-f]{64}$")
                & Q(previous_hash__regex=r"^[0-9a-f]{64}$"),
                name="audit_hashes_hex",
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.sequence} {self.action}"


class AuditChainHead(models.Model):
    """A single row (pk 1): the last sequence and hash. Appenders lock it, so the chain cannot fork."""

    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_single_row")]

    def __str__(self) -> str:
        return f"{self.sequence}:{self.hash}"
