from tests.core.isolation import (  # noqa: F401 (fixtures)
    broker,
    isolated_cache,
    isolated_queue,
    unreachable_broker,
)
