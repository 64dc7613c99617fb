"""Queue background work by task name once the surrounding transaction commits.

The domain never imports tasks (``worker`` imports ``backend``, not the other way round), so a
service names the task. ``robust=True`` and short broker timeouts mean that a broker outage
delays the work but never fails or hangs the request: the outbox sweeper picks it up later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from celery import Celery
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# A publish retries once, soon: a broker that is down costs a request a fraction of a second,
# not the two seconds of kombu's default retry interval.
PRODUCER_RETRY_OPTIONS: dict[str, object] = {
    "max_retries": 1,
    "interval_start": 0.2,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

FILESYSTEM_BROKER_FOLDERS = (
    "data_folder_in",
    "data_folder_out",
    "control_folder",
    "processed_folder",
)


def prepare_broker_folders(app: Celery) -> None:
    """Create the folders of the filesystem transport (the demo's broker), which it expects."""
    if not str(app.conf.broker_url).startswith("filesystem:"):
        return
    options: Mapping[str, object] = app.conf.broker_transport_options or {}
    for key in FILESYSTEM_BROKER_FOLDERS:
        folder = options.get(key)
        if isinstance(folder, str) and folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@cache
def producer_app() -> Celery:
    """The Celery app the web process sends with; it knows no tasks, only their names.

    Not set as the current app, so that inside a worker process (which also imports this module
    when a task queues more work) the worker's own app stays the current one.
    """
    app = Celery("fairfund", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_transport_options = {
        **PRODUCER_RETRY_OPTIONS,
        **(app.conf.broker_transport_options or {}),
    }
    prepare_broker_folders(app)
    return app


def send_task_now(name: str, *, args: tuple[Any, ...] = (), countdown: int | None = None) -> None:
    """Publish task ``name`` to this installation's queue now; raises if the broker is down."""
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

    A failure to reach the broker is logged (naming the task) and never reaches the caller: the
    row that asked for the work is already committed and a sweeper re-queues it. ``robust=True``
    keeps any other failure of the callback from reaching the caller too (Django logs it, with
    its traceback).
    """

    def send_after_commit() -> None:
        try:
            send_task_now(name, args=args, countdown=countdown)
        except OperationalError as exc:
            # Expected while the broker is down: one line per task, no traceback.
            logger.error(
                "Could not queue task %s after commit: %s", name, exc, extra={"task": name}
            )

    transaction.on_commit(send_after_commit, robust=True)
