"""GET /health/: database, broker and worker heartbeat, as JSON; 503 when any is down."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backend.core.health import check_broker, check_database, check_worker


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "broker": check_broker(), "worker": check_worker()}
    ok = all(c.ok for c in checks.values())
    return JsonResponse(
        {
            "status": "ok" if ok else "degraded",
            **{k: {"ok": c.ok, "detail": c.detail} for k, c in checks.items()},
        },
        status=200 if ok else 503,
    )
