"""Fixtures that give one test its own cache keys and Celery queue, and a broker that is down.

A test run already has its own key prefix and queue (FAIRFUND_RUN_ID), but tests of one run may
run in parallel (pytest-xdist) and share them: a heartbeat one test writes would turn another's
"missing heartbeat" green. These fixtures add a per-test suffix and clean up after the test.
Import them into a conftest.py to use them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache import cache

from backend.core.health import HEARTBEAT_KEY
from backend.core.queue import producer_app

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_BROKER_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def isolated_cache(settings: Any) -> Iterator[str]:
    """This test's own cache key prefix (pass it to child processes as FAIRFUND_CACHE_PREFIX)."""
    default = settings.CACHES["default"]
    prefix = f"{default.get('KEY_PREFIX', 'fairfund')}-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}
    yield prefix
    cache.delete(HEARTBEAT_KEY)


@pytest.fixture
def broker(settings: Any) -> Iterator[redis.Redis]:
    """A client of the real Redis broker, to look at queues directly."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client
    client.close()


@pytest.fixture
def isolated_queue(settings: Any) -> Iterator[str]:
    """This test's own Celery queue (pass it to child processes as FAIRFUND_QUEUE)."""
    name = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    producer_app.cache_clear()
    yield name
    producer_app.cache_clear()
    # The queue, its bindings and anything else kombu keyed by this unique name.
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        for key in client.scan_iter(match=f"*{name}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture
def unreachable_broker(settings: Any) -> Iterator[str]:
    """Point the producer at a port where no broker listens."""
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER_URL
    producer_app.cache_clear()
    yield UNREACHABLE_BROKER_URL
    producer_app.cache_clear()
