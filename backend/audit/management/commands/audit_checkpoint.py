"""Print the chain's current checkpoint, SEQUENCE:HEAD_HASH, for publishing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from backend.audit.selectors import chain_checkpoint


class Command(BaseCommand):
    help = "Print the current sequence number and head hash of the audit chain as SEQ:HASH."

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = chain_checkpoint()
        self.stdout.write(f"{checkpoint.sequence}:{checkpoint.hash}")
