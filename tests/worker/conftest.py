"""Per-test cache keys and Celery queue, and a broker that is down (see tests/core/isolation.py)."""

from tests.core.isolation import (  # noqa: F401 (fixtures)
    broker,
    isolated_cache,
    isolated_queue,
    unreachable_broker,
)
