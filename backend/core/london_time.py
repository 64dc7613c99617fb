"""Times are entered and shown in Europe/London and stored in UTC.

Across the clock change a London wall-clock time can be missing (the spring hour skipped, e.g.
2026-03-29 01:30) or happen twice (the autumn hour repeated, e.g. 2026-10-25 01:30). We refuse
a missing time with a clear error, and read a repeated time as its first occurrence (BST), so
that a deadline entered for "01:30" never falls later than the person entering it expected.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class NonexistentLocalTime(ValueError):
    """A London wall-clock time skipped when the clocks go forward."""


def from_london(naive: datetime) -> datetime:
    """The aware UTC instant of a London wall-clock time (first occurrence if repeated)."""
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    local = naive.replace(tzinfo=LONDON, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(LONDON).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(
            f"{naive:%d %B %Y %H:%M} does not exist in London: the clocks go forward that night."
        )
    return instant


def to_london(instant: datetime) -> datetime:
    return instant.astimezone(LONDON)


def audit_time(instant: datetime | None) -> str | None:
    """A UTC timestamp for the audit chain (identifiers-and-codes safe)."""
    if instant is None:
        return None
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
