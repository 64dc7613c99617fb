"""queue_task_on_commit: sent after commit only, against the real Redis broker; never fails the
caller when the broker is down."""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from backend.accounts.models import User
from backend.core.queue import (
    prepare_broker_folders,
    producer_app,
    queue_task_on_commit,
    send_task_now,
)
from tests.core.urls_queue_probe import PROBE_TASK
from tests.factories import UserFactory


def queued(broker, queue):
    """(task name, args) of each message waiting in ``queue``, oldest first."""
    messages = [json.loads(raw) for raw in reversed(broker.lrange(queue, 0, -1))]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]


@pytest.mark.django_db(transaction=True)
def test_task_is_sent_only_after_commit(broker, isolated_queue):
    with transaction.atomic():
        user = UserFactory()
        queue_task_on_commit(PROBE_TASK, args=(user.pk,))
        assert broker.llen(isolated_queue) == 0

    assert queued(broker, isolated_queue) == [(PROBE_TASK, [user.pk])]


class ChangedMyMind(Exception):
    pass


def write_queue_and_fail(created: list[int], *, task_args: tuple[object, ...] = ()) -> None:
    """A write that queues a task and then fails, inside its own transaction (or savepoint)."""
    with transaction.atomic():
        user = UserFactory()
        created.append(user.pk)
        queue_task_on_commit(PROBE_TASK, args=task_args or (user.pk,))
        raise ChangedMyMind


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(broker, isolated_queue):
    created: list[int] = []

    with pytest.raises(ChangedMyMind):
        write_queue_and_fail(created)

    assert created
    assert not User.objects.filter(pk__in=created).exists()
    assert broker.llen(isolated_queue) == 0


@pytest.mark.django_db
def test_captured_callback_sends_when_the_outer_transaction_commits(
    broker, isolated_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_task_on_commit(PROBE_TASK, args=(1,))
        assert broker.llen(isolated_queue) == 0

    assert len(callbacks) == 1
    assert queued(broker, isolated_queue) == [(PROBE_TASK, [1])]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_drops_its_task(
    broker, isolated_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue_task_on_commit(PROBE_TASK, args=("kept",))
        with pytest.raises(ChangedMyMind):
            write_queue_and_fail([], task_args=("dropped",))

    assert len(callbacks) == 1
    assert queued(broker, isolated_queue) == [(PROBE_TASK, ["kept"])]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("isolated_queue", "unreachable_broker")
def test_broker_down_the_transaction_still_commits_promptly(caplog):
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="backend.core.queue"), transaction.atomic():
        user = UserFactory()
        queue_task_on_commit(PROBE_TASK, args=(user.pk,))
    elapsed = time.monotonic() - started
    print(f"commit with the broker down took {elapsed:.3f} s")

    assert User.objects.filter(pk=user.pk).exists()
    [record] = [r for r in caplog.records if r.name == "backend.core.queue"]
    assert record.getMessage().startswith(f"Could not queue task {PROBE_TASK} after commit: ")
    assert "Connection refused" in record.getMessage()
    assert record.task == PROBE_TASK
    assert elapsed < 5  # one quick retry (~0.2 s); the bound only guards against a hang


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.core.urls_queue_probe")
@pytest.mark.usefixtures("isolated_queue", "unreachable_broker")
def test_broker_down_a_request_still_succeeds_promptly(client):
    started = time.monotonic()
    response = client.post("/probe/write-and-queue/")
    elapsed = time.monotonic() - started
    print(f"request with the broker down took {elapsed:.3f} s")

    assert response.status_code == 201
    assert User.objects.filter(pk=response.json()["user"]).exists()
    assert elapsed < 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.core.urls_queue_probe")
def test_a_request_queues_its_task_after_commit(client, broker, isolated_queue):
    response = client.post("/probe/write-and-queue/")

    assert response.status_code == 201
    assert queued(broker, isolated_queue) == [(PROBE_TASK, [response.json()["user"]])]


@pytest.mark.usefixtures("unreachable_broker")
def test_send_task_now_raises_when_the_broker_is_down():
    # Only the on-commit path swallows the error; a direct send tells its caller.
    with pytest.raises(OperationalError):
        send_task_now(PROBE_TASK)


@pytest.mark.usefixtures("isolated_queue")
def test_producer_app_is_not_the_current_app_and_uses_this_runs_queue(settings):
    from celery import current_app

    app = producer_app()

    assert current_app._get_current_object() is not app
    assert app.conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert app.conf.broker_transport_options["interval_start"] == 0.2


def test_filesystem_broker_folders_are_created(settings, tmp_path):
    folders = {
        "data_folder_in": tmp_path / "queue",
        "data_folder_out": tmp_path / "queue",
        "control_folder": tmp_path / "broker" / "control",
        "processed_folder": tmp_path / "broker" / "processed",
    }
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {k: str(v) for k, v in folders.items()}
    producer_app.cache_clear()
    try:
        producer_app()
    finally:
        producer_app.cache_clear()

    assert all(Path(folder).is_dir() for folder in folders.values())


def test_redis_broker_creates_no_folders(tmp_path):
    from celery import Celery

    app = Celery("probe", set_as_current=False)
    app.conf.broker_url = "redis://127.0.0.1:6379/0"
    app.conf.broker_transport_options = {"data_folder_in": str(tmp_path / "nope")}

    prepare_broker_folders(app)

    assert not (tmp_path / "nope").exists()
