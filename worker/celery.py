"""The Celery app. Reads Django settings with the CELERY_ namespace; tasks live in worker.tasks.

``celery -A worker.celery worker|beat`` runs with the settings DJANGO_SETTINGS_MODULE names (the
demo's when unset: SQLite and a filesystem broker unless REDIS_URL is set). Logging is Django's
(JSON, one line per record); each task's log lines carry its task id as their request id.
"""

from __future__ import annotations

import os
import socket
from contextvars import Token
from typing import Any

import django
from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_ready

from backend.core.health import worker_heartbeat_record
from backend.core.logging import NO_REQUEST_ID, bind_request_id, unbind_request_id
from backend.core.queue import prepare_broker_folders

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.demo")
django.setup()

from django.conf import settings  # noqa: E402  (after setup)

app = Celery("fairfund")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("worker.tasks",)
# Keep Django's LOGGING (JSON with request ids) instead of Celery's plain-text root handler.
app.conf.worker_hijack_root_logger = False
app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "fairfund.worker_heartbeat", "schedule": 30.0},
    "advance-fund-phases": {"task": "fairfund.advance_fund_phases", "schedule": 60.0},
    "send-scoring-reminders": {"task": "fairfund.send_scoring_reminders", "schedule": 600.0},
    "sweep-notifications": {
        "task": "fairfund.sweep_notifications",
        "schedule": float(settings.FAIRFUND_OUTBOX_SWEEP_SECONDS),
    },
}
app.conf.task_routes = {"fairfund.*": {"queue": app.conf.task_default_queue}}
prepare_broker_folders(app)

_log_tokens: dict[str, Token[str]] = {}


@task_prerun.connect
def _bind_task_id(task_id: str | None = None, **kwargs: Any) -> None:
    if task_id:
        _log_tokens[task_id] = bind_request_id(task_id)


@task_postrun.connect
def _unbind_task_id(task_id: str | None = None, **kwargs: Any) -> None:
    token = _log_tokens.pop(task_id, None) if task_id else None
    if token is not None:
        try:
            unbind_request_id(token)
        except ValueError:  # set in another context (a pool that switches them): just clear it
            bind_request_id(NO_REQUEST_ID)


@worker_ready.connect
def _first_heartbeat(**kwargs: Any) -> None:
    """Report alive at once, not only at beat's first heartbeat 30 s later."""
    worker_heartbeat_record(hostname=socket.gethostname())
