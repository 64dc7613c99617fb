"""Walk the audit chain; name the first bad event; check published checkpoints."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.audit.chain import Checkpoint
from backend.audit.selectors import chain_verify


class Command(BaseCommand):
    help = (
        "Verify the audit chain: gapless sequence, each previous hash, each body's hash. With "
        "--checkpoint SEQ:HASH (repeatable) also catch a truncated or re-hashed chain. "
        "Exits non-zero on failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--checkpoint", action="append", default=[], metavar="SEQ:HASH")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoints = [Checkpoint.parse(text) for text in options["checkpoint"]]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verdict = chain_verify(checkpoints=checkpoints)
        if not verdict.ok:
            raise CommandError(f"audit chain FAILED: {verdict.message}")
        self.stdout.write(self.style.SUCCESS(verdict.message))
