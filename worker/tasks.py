"""Thin tasks: they take ids and call one service."""

from __future__ import annotations

import socket

from backend.core.health import worker_heartbeat_record

from .celery import app


@app.task(name="fairfund.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> str:
    return worker_heartbeat_record(hostname=socket.gethostname()).isoformat()
