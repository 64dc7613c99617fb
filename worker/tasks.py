"""Thin tasks: they take ids and call one service."""

from __future__ import annotations

import socket

from backend.core.health import worker_heartbeat_record
from backend.core.queue import send_task_now
from backend.funds.services import funds_advance_due
from backend.notifications.services import (
    DELIVER_TASK,
    notifications_deliver,
    notifications_due_count,
)
from backend.scoring.services import scoring_reminders_send

from .celery import app

BATCH = 100


@app.task(name="fairfund.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> str:
    return worker_heartbeat_record(hostname=socket.gethostname()).isoformat()


@app.task(name=DELIVER_TASK, ignore_result=True)
def deliver_notifications() -> int:
    """Deliver due outbox rows; if a full batch went out, queue another run for the rest."""
    tried = notifications_deliver(limit=BATCH)
    if tried == BATCH:
        send_task_now(DELIVER_TASK)
    return tried


@app.task(name="fairfund.sweep_notifications", ignore_result=True)
def sweep_notifications() -> int:
    """Beat's safety net: rows left pending (a broker outage, a killed worker) get delivered."""
    due = notifications_due_count()
    if due:
        send_task_now(DELIVER_TASK)
    return due


@app.task(name="fairfund.advance_fund_phases", ignore_result=True)
def advance_fund_phases() -> int:
    """Beat, every minute: funds whose next phase has started move into it."""
    return funds_advance_due()


@app.task(name="fairfund.send_scoring_reminders", ignore_result=True)
def send_scoring_reminders() -> int:
    """Beat, every ten minutes: remind panel members with scoring left before the deadline
    (each reminder once)."""
    return scoring_reminders_send()
