"""A real Celery worker process (`celery -A worker.celery worker`), in test and in demo mode.

The worker runs as a child process with this run's settings and its own queue and cache prefix
(tests/core/isolation.py), and is always stopped at the end: SIGTERM, wait, SIGKILL on timeout.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from backend.core.queue import send_task_now
from tests.core.child_process import ROOT, ChildProcess, child_process, database_url_for_children

pytestmark = pytest.mark.worker

HEARTBEAT_TASK = "fairfund.worker_heartbeat"
READY_SECONDS = 60


def celery_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "--app=worker.celery", *args]


def worker_command(queue: str, node: str) -> list[str]:
    return celery_command(
        "worker",
        "--pool=solo",
        f"--queues={queue}",
        f"--hostname={node}@%h",
        "--loglevel=INFO",
        # One worker, its own queue: no cluster chatter to wait for or leave behind.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    )


def wait_until_ready(worker: ChildProcess, node: str) -> None:
    worker.wait_for(
        lambda: f"{node}@" in worker.log() and " ready." in worker.log(),
        timeout=READY_SECONDS,
        what="worker ready",
    )


def task_records(worker: ChildProcess, task_name: str, outcome: str) -> list[dict[str, object]]:
    return [
        record
        for record in worker.json_lines()
        if str(record.get("message", "")).startswith(f"Task {task_name}[")
        and outcome in str(record.get("message", ""))
    ]


@pytest.fixture
def test_mode_env(isolated_queue, isolated_cache, django_db_setup, django_db_blocker):
    """The environment of a worker that shares this test's queue, cache and test database."""
    with django_db_blocker.unblock():
        database_url = database_url_for_children()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.test",
        "FAIRFUND_RUN_ID": os.environ["FAIRFUND_RUN_ID"],
        "FAIRFUND_QUEUE": isolated_queue,
        "FAIRFUND_CACHE_PREFIX": isolated_cache,
        "DATABASE_URL": database_url,
        "REDIS_URL": django_settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.django_db
def test_heartbeat_from_a_real_worker_makes_health_ok(
    client, tmp_path, isolated_queue, test_mode_env
):
    before = client.get("/health/")
    assert before.status_code == 503
    assert before.json()["worker"]["ok"] is False

    node = f"fairfund-test-{uuid.uuid4().hex[:8]}"
    with child_process(
        worker_command(isolated_queue, node), env=test_mode_env, log_path=tmp_path / "worker.log"
    ) as worker:
        wait_until_ready(worker, node)
        send_task_now(HEARTBEAT_TASK)

        deadline = time.monotonic() + 30
        response = client.get("/health/")
        while response.status_code != 200 and time.monotonic() < deadline:
            worker.assert_running()
            time.sleep(0.2)
            response = client.get("/health/")

        assert response.status_code == 200, worker.log()
        body = response.json()
        assert body["status"] == "ok"
        assert body["worker"]["ok"] is True
        assert socket.gethostname() in body["worker"]["detail"]

        assert worker.stop() == 0, worker.log()

    # Its log is JSON lines; the task's own lines carry the task id as their request id.
    [succeeded] = task_records(worker, HEARTBEAT_TASK, "succeeded")
    task_id = str(succeeded["message"]).split("[", 1)[1].split("]", 1)[0]
    assert succeeded["request_id"] == task_id
    assert "Warm shutdown" in worker.log()


def test_beat_starts_with_the_heartbeat_schedule(tmp_path, isolated_queue, test_mode_env):
    schedule = tmp_path / "celerybeat-schedule"
    with child_process(
        celery_command("beat", "--loglevel=INFO", f"--schedule={schedule}"),
        env=test_mode_env,
        log_path=tmp_path / "beat.log",
    ) as beat:
        beat.wait_for(
            lambda: "beat: Starting..." in beat.log(), timeout=READY_SECONDS, what="beat started"
        )
        assert beat.stop() == 0, beat.log()


def test_beat_schedule_beats_well_inside_the_staleness_limit():
    from worker.celery import app

    entry = app.conf.beat_schedule["worker-heartbeat"]

    assert entry["task"] == HEARTBEAT_TASK
    assert entry["schedule"] * 3 <= django_settings.FAIRFUND_HEARTBEAT_STALE_SECONDS
    assert app.conf.task_routes["fairfund.*"]["queue"] == app.conf.task_default_queue


DEMO_PRODUCER = (
    "import django; django.setup(); from backend.core.queue import send_task_now; "
    "send_task_now('celery.accumulate', args=(3, 4))"
)


def demo_broker_folders() -> list[Path]:
    return [ROOT / "var" / "broker" / name for name in ("queue", "control", "processed")]


def test_worker_runs_in_demo_mode_on_the_filesystem_broker(tmp_path):
    """`celery -A worker.celery worker` with the demo's settings and no REDIS_URL.

    The queue name is this test's own, so a demo running beside it neither sees nor takes its
    message; the task (celery.accumulate, built in) touches neither the database nor the cache.
    """
    queue = f"fairfund-demo-test-{uuid.uuid4().hex[:8]}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "FAIRFUND_CACHE_PREFIX", "FAIRFUND_RUN_ID"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.demo",
        "FAIRFUND_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
    }
    node = f"fairfund-demo-test-{uuid.uuid4().hex[:8]}"
    try:
        with child_process(
            worker_command(queue, node), env=env, log_path=tmp_path / "worker.log"
        ) as worker:
            wait_until_ready(worker, node)
            assert "filesystem://" in worker.log()

            # The demo's producer, in its own process with the demo's settings.
            subprocess.run(
                [sys.executable, "-c", DEMO_PRODUCER], cwd=ROOT, env=env, check=True, timeout=60
            )
            worker.wait_for(
                lambda: bool(task_records(worker, "celery.accumulate", "succeeded")),
                timeout=30,
                what="the task to run",
            )
            assert worker.stop() == 0, worker.log()
    finally:
        for folder in demo_broker_folders():
            for leftover in folder.glob(f"*{queue}*"):
                leftover.unlink()
