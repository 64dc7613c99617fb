"""Health of the pieces the service needs: the database, the broker, and a live worker.

The worker proves it is alive by recording a heartbeat (a beat task every 30 s) in the shared
cache; the health check reads its age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .queue import producer_app

HEARTBEAT_KEY = "fairfund:worker-heartbeat"


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


def worker_heartbeat_record(*, hostname: str, at: datetime | None = None) -> datetime:
    """Record that worker ``hostname`` is alive (at ``at``, by default now)."""
    at = at or timezone.now()
    cache.set(HEARTBEAT_KEY, {"at": at.isoformat(), "hostname": hostname}, timeout=24 * 3600)
    return at


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check(False, f"database unreachable: {type(exc).__name__}")
    return Check(True, connection.vendor)


def check_broker() -> Check:
    app = producer_app()
    try:
        with app.connection_for_write() as conn:
            # One attempt, no retry: a health check must answer within the prober's timeout.
            conn.ensure_connection(max_retries=0, timeout=2)
    except Exception as exc:
        return Check(False, f"broker unreachable: {type(exc).__name__}")
    return Check(True, app.conf.broker_url.split("://", 1)[0])


def check_worker() -> Check:
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return Check(False, f"cache unreachable: {type(exc).__name__}")
    if not beat:
        return Check(False, "no heartbeat recorded yet")
    try:
        at = datetime.fromisoformat(beat["at"])
        hostname = str(beat["hostname"])
    except (KeyError, TypeError, ValueError):
        return Check(False, "heartbeat record unreadable")
    age = (timezone.now() - at).total_seconds()
    detail = f"last heartbeat {int(age)} s ago from {hostname}"
    return Check(age <= settings.FAIRFUND_HEARTBEAT_STALE_SECONDS, detail)
