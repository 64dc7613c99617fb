"""The web container's process and health check, without Docker: gunicorn with the image's config
and the production settings, probed by deploy/healthcheck.py as the compose healthcheck does."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys

import pytest
from django.conf import settings

from backend.core.health import worker_heartbeat_record
from tests.core.child_process import ROOT, child_process, database_url_for_children

ALLOWED_HOST = "fairfund.example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthcheck(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "deploy/healthcheck.py", url],
        cwd=ROOT,
        env={**os.environ, "DJANGO_ALLOWED_HOSTS": ALLOWED_HOST},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def gunicorn(tmp_path, isolated_cache, isolated_queue, django_db_setup, django_db_blocker):
    """gunicorn as the web service runs it, on a free port, against this test's database,
    Redis keys and queue."""
    with django_db_blocker.unblock():
        database_url = database_url_for_children()
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": ALLOWED_HOST,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "FAIRFUND_CACHE_PREFIX": isolated_cache,
        "FAIRFUND_QUEUE": isolated_queue,
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "WEB_CONCURRENCY": "1",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "deploy/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "backend.config.wsgi:application",
    ]
    with child_process(command, env=env, log_path=tmp_path / "gunicorn.log") as web:
        web.wait_for(lambda: "Booting worker" in web.log(), timeout=60, what="gunicorn ready")
        yield web, f"http://127.0.0.1:{port}/health/"


@pytest.mark.django_db
def test_healthcheck_follows_health_through_production_settings(gunicorn):
    web, url = gunicorn

    # No worker heartbeat yet: degraded, so the container is reported unhealthy.
    degraded = healthcheck(url)
    assert degraded.returncode == 1, degraded.stdout + web.log()
    assert degraded.stdout.startswith("503 ")
    assert '"status": "degraded"' in degraded.stdout

    worker_heartbeat_record(hostname="worker-in-another-container")
    healthy = healthcheck(url)
    assert healthy.returncode == 0, healthy.stdout + web.log()
    assert healthy.stdout.startswith("200 ")

    assert web.stop() == 0, web.log()
    # gunicorn's own lines and the application's are JSON; access lines carry the request id.
    records = web.json_lines()
    access = [r for r in records if r.get("logger") == "gunicorn.access"]
    assert len(access) == 2
    assert all("request_id=healthcheck-" in str(r["message"]) for r in access)
    assert any(r.get("logger") == "backend.api.health" for r in records)


def test_healthcheck_without_a_server_fails():
    result = healthcheck(f"http://127.0.0.1:{free_port()}/health/")

    assert result.returncode == 1
    assert result.stdout.startswith("no answer ")


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("fairfund.example.org", "fairfund.example.org"),
        (" .example.org , other.org", "example.org"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_healthcheck_sends_a_host_the_settings_allow(allowed_hosts, host):
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        import healthcheck as probe
    finally:
        sys.path.remove(str(ROOT / "deploy"))

    assert probe.probe_host(allowed_hosts) == host
