"""GET /health/: database, broker and worker heartbeat, as JSON; 503 when any is down."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backend.core.health import check_broker, check_database, check_worker

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "broker": check_broker(), "worker": check_worker()}
    down = [name for name, check in checks.items() if not check.ok]
    if down:
        logger.warning(
            "Health degraded: %s down",
            ", ".join(down),
            extra={"down": {name: checks[name].detail for name in down}},
        )
    return JsonResponse(
        {
            "status": "degraded" if down else "ok",
            **{name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
        },
        status=503 if down else 200,
    )
