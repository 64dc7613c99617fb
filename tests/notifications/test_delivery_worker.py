"""Delivery by REAL worker processes against real Redis (no eager mode).

Rows are committed (transactional tests) so the workers, separate processes on this run's test
database, see them; they write email to files, one file per message, read back here.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from backend.core.queue import producer_app, send_task_now
from backend.notifications.models import Channel, Kind, Notification, State
from backend.notifications.services import DELIVER_TASK, notify
from tests.core.child_process import child_process, database_url_for_children
from tests.factories import UserFactory
from tests.worker.test_worker_process import wait_until_ready, worker_command

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HEADER = "X-Fairfund-Notification: "


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def worker_env(isolated_queue, isolated_cache, mail_dir):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.test",
        "FAIRFUND_RUN_ID": os.environ["FAIRFUND_RUN_ID"],
        "FAIRFUND_QUEUE": isolated_queue,
        "FAIRFUND_CACHE_PREFIX": isolated_cache,
        "DATABASE_URL": database_url_for_children(),
        "REDIS_URL": django_settings.REDIS_URL,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PYTHONUNBUFFERED": "1",
    }


def _write_notices(count: int) -> list[int]:
    """``count`` email notices for people without accounts, committed."""
    subject = UserFactory()
    ids = []
    with transaction.atomic():
        for n in range(count):
            [row] = notify(
                kind=Kind.ORGANISATION_INVITATION,
                subject=subject,
                dedupe_key=f"test:{uuid.uuid4().hex}:{n}",
                email=f"invitee{n}@example.org",
                context={
                    "organisation": "Riverside Play CIC",
                    "inviter": "Priya",
                    "days": 14,
                    "url": "https://x/",
                },
            )
            ids.append(row.pk)
    return ids


def _sent_keys(mail_dir: Path) -> Counter[str]:
    keys: Counter[str] = Counter()
    for path in mail_dir.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith(HEADER):
                keys[line.removeprefix(HEADER).strip()] += 1
    return keys


def _wait(predicate, *, timeout: float, what: str, workers=()) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for worker in workers:
            worker.assert_running()
        if time.monotonic() > deadline:
            logs = "\n".join(w.log()[-3000:] for w in workers)
            raise AssertionError(f"no {what} within {timeout} s\n{logs}")
        time.sleep(0.2)


def _all_sent(ids: list[int]) -> bool:
    return Notification.objects.filter(pk__in=ids, state=State.SENT).count() == len(ids)


def test_a_worker_delivers_a_notification(tmp_path, isolated_queue, worker_env, mail_dir):
    ids = _write_notices(1)
    node = f"n-{uuid.uuid4().hex[:8]}"
    with child_process(
        worker_command(isolated_queue, node), env=worker_env, log_path=tmp_path / "w.log"
    ) as worker:
        wait_until_ready(worker, node)
        send_task_now(DELIVER_TASK)
        _wait(lambda: _all_sent(ids), timeout=30, what="delivery", workers=[worker])
    row = Notification.objects.get(pk=ids[0])
    assert _sent_keys(mail_dir) == Counter({row.dedupe_key: 1})
    text = "".join(p.read_text() for p in mail_dir.glob("*.log"))
    assert "text/html" in text  # plain text and HTML
    assert "invitee0@example.org" in text


def test_two_workers_on_the_same_rows_deliver_each_once(
    tmp_path, isolated_queue, worker_env, mail_dir
):
    ids = _write_notices(40)
    nodes = [f"a-{uuid.uuid4().hex[:6]}", f"b-{uuid.uuid4().hex[:6]}"]
    env = {
        **worker_env,
        "DJANGO_EMAIL_BACKEND": "tests.notifications.slow_email.SlowFileBackend",
        "FAIRFUND_TEST_EMAIL_DELAY": "0.05",
    }
    with (
        child_process(
            worker_command(isolated_queue, nodes[0]), env=env, log_path=tmp_path / "a.log"
        ) as a,
        child_process(
            worker_command(isolated_queue, nodes[1]), env=env, log_path=tmp_path / "b.log"
        ) as b,
    ):
        wait_until_ready(a, nodes[0])
        wait_until_ready(b, nodes[1])
        for _ in range(4):  # both workers take a delivery run over the same pending rows
            send_task_now(DELIVER_TASK)
        _wait(lambda: _all_sent(ids), timeout=60, what="all 40 delivered", workers=[a, b])
        a_log, b_log = a.log(), b.log()
    keys = _sent_keys(mail_dir)
    expected = set(Notification.objects.filter(pk__in=ids).values_list("dedupe_key", flat=True))
    assert set(keys) == expected
    assert max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    # Both really worked on the batch (each ran the task at least once).
    assert DELIVER_TASK in a_log
    assert DELIVER_TASK in b_log


def test_a_row_written_while_the_broker_is_down_is_delivered_when_it_is_back(
    tmp_path, isolated_queue, worker_env, mail_dir, settings, officer_client, panel
):
    person = UserFactory()
    good_broker = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    producer_app.cache_clear()
    try:
        started = time.monotonic()
        response = officer_client.post(
            f"/panels/{panel.pk}/members/add/",
            {"email": person.email, "role": "panel_member"},
        )
        took = time.monotonic() - started
    finally:
        settings.CELERY_BROKER_URL = good_broker
        producer_app.cache_clear()
    print(f"request with the broker down took {took:.2f} s")
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Notification.objects.get(recipient_user=person, channel=Channel.EMAIL)
    assert row.state == State.PENDING  # saved, though no task could be queued
    # The broker is back: a worker with beat's sweeper (every second here) finds the row.
    node = f"s-{uuid.uuid4().hex[:8]}"
    env = {**worker_env, "FAIRFUND_OUTBOX_SWEEP_SECONDS": "1"}
    command = [
        *worker_command(isolated_queue, node),
        "--beat",
        f"--schedule={tmp_path / 'beat-schedule'}",
    ]
    with child_process(command, env=env, log_path=tmp_path / "w.log") as worker:
        wait_until_ready(worker, node)
        _wait(
            lambda: _all_sent([row.pk]),
            timeout=60,
            what="delivery by the sweeper",
            workers=[worker],
        )
    assert _sent_keys(mail_dir)[row.dedupe_key] == 1


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing_it_marked(
    tmp_path, isolated_queue, worker_env, mail_dir
):
    ids = _write_notices(30)
    env = {
        **worker_env,
        "DJANGO_EMAIL_BACKEND": "tests.notifications.slow_email.SlowFileBackend",
        "FAIRFUND_TEST_EMAIL_DELAY": "0.2",
    }
    node = f"k-{uuid.uuid4().hex[:8]}"
    with child_process(
        worker_command(isolated_queue, node), env=env, log_path=tmp_path / "k.log"
    ) as doomed:
        wait_until_ready(doomed, node)
        send_task_now(DELIVER_TASK)
        _wait(
            lambda: Notification.objects.filter(pk__in=ids, state=State.SENT).count() >= 5,
            timeout=30,
            what="the first deliveries",
            workers=[doomed],
        )
        os.killpg(doomed.process.pid, signal.SIGKILL)
        doomed.process.wait(timeout=10)
    marked_before = set(
        Notification.objects.filter(pk__in=ids, state=State.SENT).values_list(
            "dedupe_key", flat=True
        )
    )
    assert 5 <= len(marked_before) < 30, "kill the worker mid-batch, not after it"

    node = f"r-{uuid.uuid4().hex[:8]}"
    with child_process(
        worker_command(isolated_queue, node), env=env, log_path=tmp_path / "r.log"
    ) as rescuer:
        wait_until_ready(rescuer, node)
        send_task_now(DELIVER_TASK)
        _wait(lambda: _all_sent(ids), timeout=60, what="the rest delivered", workers=[rescuer])

    keys = _sent_keys(mail_dir)
    expected = set(Notification.objects.filter(pk__in=ids).values_list("dedupe_key", flat=True))
    assert set(keys) == expected  # nothing lost
    assert all(keys[key] == 1 for key in marked_before)  # nothing it had marked sent again
    # At most the one message in flight at the kill can have gone out twice.
    assert sum(keys.values()) - len(expected) <= 1
