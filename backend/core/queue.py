"""Queue background work by task name once the surrounding transaction commits.

The domain never imports tasks (``worker`` imports ``backend``, not the other way round), so a
service names the task. ``robust=True`` and short broker timeouts mean that a broker outage
delays the work but never fails or hangs the request: the outbox sweeper picks it up later.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from celery import Celery
from django.db import transaction


@cache
def producer_app() -> Celery:
    app = Celery("fairfund")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app


def send_task_now(name: str, *, args: tuple[Any, ...] = (), countdown: int | None = None) -> None:
    app = producer_app()
    app.send_task(
        name,
        args=args,
        countdown=countdown,
        retry=False,
        queue=app.conf.task_default_queue,
    )


def queue_task_on_commit(
    name: str, *, args: tuple[Any, ...] = (), countdown: int | None = None
) -> None:
    """Send task ``name`` after the current transaction commits.

    A failure to reach the broker is logged by Django (``robust=True``) and never reaches the
    caller: the row that asked for the work is already committed and a sweeper re-queues it.
    """
    transaction.on_commit(lambda: send_task_now(name, args=args, countdown=countdown), robust=True)
