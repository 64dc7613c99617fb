"""Structured logs: every line of a request is JSON with the request's id, which is echoed back."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from backend.core.logging import (
    NO_REQUEST_ID,
    bind_request_id,
    sane_request_id,
    unbind_request_id,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_cache")]


@pytest.fixture
def log_lines():
    """What the configured console handler writes (its formatter and filters), as a list of lines.

    The settings' handler writes to the stderr of the moment logging was configured; this one uses
    the same formatter and filters on a buffer the test can read.
    """
    root = logging.getLogger()
    [configured] = [h for h in root.handlers if h.get_name() == "console"]
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(configured.formatter)
    for log_filter in configured.filters:
        handler.addFilter(log_filter)
    root.addHandler(handler)
    try:
        yield lambda: buffer.getvalue().splitlines()
    finally:
        root.removeHandler(handler)


def records(lines):
    return [json.loads(line) for line in lines]


def test_a_request_logs_json_lines_with_its_request_id(client, log_lines):
    # A degraded /health/ logs twice: the view's warning (inside the middleware) and Django's
    # "Service Unavailable" (logged after the middleware has returned).
    response = client.get("/health/", headers={"X-Request-ID": "req-4f2a9c"})

    logged = records(log_lines())
    assert response.status_code == 503
    assert response["X-Request-ID"] == "req-4f2a9c"
    assert {r["logger"] for r in logged} >= {"backend.api.health", "django.request"}
    assert all(r["request_id"] == "req-4f2a9c" for r in logged)
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in logged)
    [warning] = [r for r in logged if r["logger"] == "backend.api.health"]
    assert warning["level"] == "WARNING"
    assert warning["message"] == "Health degraded: worker down"
    assert warning["down"] == {"worker": "no heartbeat recorded yet"}


def test_a_request_without_an_id_gets_a_fresh_one(client, log_lines):
    first = client.get("/health/")["X-Request-ID"]
    second = client.get("/health/")["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second
    assert {r["request_id"] for r in records(log_lines())} == {first, second}


@pytest.mark.parametrize(
    "incoming",
    ["has space", "semi;colon", "x" * 65, "../../etc", "caf\u00e9", "---"],
)
def test_an_unsafe_incoming_id_is_replaced(client, log_lines, incoming):
    response = client.get("/health/", headers={"X-Request-ID": incoming})

    echoed = response["X-Request-ID"]
    assert echoed != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)
    assert {r["request_id"] for r in records(log_lines())} == {echoed}


@pytest.mark.parametrize("incoming", ["abc123", "0b8e3c1e-9f1d-4a43-8d67-5a0a4c3a1f00", "a" * 64])
def test_sane_ids_from_the_proxy_are_kept(incoming):
    assert sane_request_id(incoming)


def test_lines_outside_a_request_say_so(log_lines):
    logging.getLogger("fairfund.test").warning("outside any request")

    [record] = records(log_lines())
    assert record["request_id"] == NO_REQUEST_ID


def test_a_bound_id_tags_lines_until_unbound(log_lines):
    # The worker binds each task's id like this (worker/celery.py).
    token = bind_request_id("task-1234")
    logging.getLogger("fairfund.test").warning("inside a task")
    unbind_request_id(token)
    logging.getLogger("fairfund.test").warning("after it")

    assert [r["request_id"] for r in records(log_lines())] == ["task-1234", NO_REQUEST_ID]
