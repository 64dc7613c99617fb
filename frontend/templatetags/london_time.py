"""Times shown in Europe/London, with BST or GMT said, even in the hour the clocks go back.

(Django's own "T" format leaves the zone out for a repeated hour; zoneinfo knows which it is.)
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.formats import date_format

from backend.core.london_time import to_london

register = template.Library()


@register.filter
def london(instant: datetime | None) -> str:
    """'25 October 2026, 01:30 BST' (month names translated)."""
    if instant is None:
        return ""
    local = to_london(instant)
    return f"{date_format(local, 'j F Y, H:i')} {local.tzname()}"
