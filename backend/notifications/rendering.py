"""Words of a notification, from its kind's templates, in the recipient's language."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from .models import Notification


def _context(row: Notification) -> dict[str, Any]:
    return {**row.context, "recipient_name": getattr(row.recipient_user, "display_name", "")}


def notification_title(row: Notification) -> str:
    with translation.override(row.language):
        return render_to_string(
            f"notifications/email/{row.kind}_subject.txt", _context(row)
        ).strip()


def notification_bodies(row: Notification) -> tuple[str, str]:
    """(plain text, HTML)."""
    with translation.override(row.language):
        text = render_to_string(f"notifications/email/{row.kind}.txt", _context(row))
        html = render_to_string(f"notifications/email/{row.kind}.html", _context(row))
    return text, html
