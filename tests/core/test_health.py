"""GET /health/ against the real PostgreSQL and Redis, with the worker heartbeat in each state."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from backend.core.health import HEARTBEAT_KEY, check_broker, worker_heartbeat_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_cache")]


def health(client):
    response = client.get("/health/")
    return response, response.json()


def test_database_is_ok(client):
    _, body = health(client)

    assert body["database"] == {"ok": True, "detail": "postgresql"}


def test_broker_is_ok_against_real_redis(client):
    _, body = health(client)

    assert body["broker"] == {"ok": True, "detail": "redis"}


def test_missing_heartbeat_is_degraded(client):
    response, body = health(client)

    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["worker"] == {"ok": False, "detail": "no heartbeat recorded yet"}
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_fresh_heartbeat_is_ok(client):
    worker_heartbeat_record(hostname="worker-7f3a")

    response, body = health(client)

    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["worker"]["ok"] is True
    assert "worker-7f3a" in body["worker"]["detail"]


def test_heartbeat_just_inside_the_limit_is_ok(client, settings):
    limit = settings.FAIRFUND_HEARTBEAT_STALE_SECONDS
    worker_heartbeat_record(hostname="w", at=timezone.now() - timedelta(seconds=limit - 10))

    response, body = health(client)

    assert response.status_code == 200
    assert body["worker"]["ok"] is True


def test_stale_heartbeat_is_degraded(client, settings):
    limit = settings.FAIRFUND_HEARTBEAT_STALE_SECONDS
    worker_heartbeat_record(hostname="w", at=timezone.now() - timedelta(seconds=limit + 30))

    response, body = health(client)

    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["worker"]["ok"] is False
    assert body["worker"]["detail"].startswith(f"last heartbeat {limit + 30} s ago")


def test_unreadable_heartbeat_is_degraded_not_an_error(client):
    cache.set(HEARTBEAT_KEY, {"when": "yesterday"})

    response, body = health(client)

    assert response.status_code == 503
    assert body["worker"] == {"ok": False, "detail": "heartbeat record unreadable"}


@pytest.mark.usefixtures("unreachable_broker")
def test_unreachable_broker_is_degraded_quickly(client):
    worker_heartbeat_record(hostname="w")  # so that only the broker is down

    started = time.monotonic()
    response, body = health(client)
    elapsed = time.monotonic() - started
    print(f"/health/ with the broker down answered in {elapsed:.3f} s")

    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert body["broker"]["detail"].startswith("broker unreachable")
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is True
    # Connection refused on loopback fails at once (~0.01 s): 5 s is a hang guard, not a race.
    assert elapsed < 5


@pytest.mark.usefixtures("unreachable_broker")
def test_check_broker_reports_the_error_type():
    check = check_broker()

    assert check.ok is False
    assert check.detail == "broker unreachable: OperationalError"


def test_degraded_health_logs_what_is_down(client, caplog):
    with caplog.at_level("WARNING", logger="backend.api.health"):
        health(client)

    [record] = [r for r in caplog.records if r.name == "backend.api.health"]
    assert record.getMessage() == "Health degraded: worker down"
    assert record.down == {"worker": "no heartbeat recorded yet"}


def test_health_is_never_cached(client):
    response, _ = health(client)

    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_health_answers_get_only(client):
    assert client.post("/health/").status_code == 405
