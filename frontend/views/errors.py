"""The one place where the domain's refusals become pages: 403 (and why), 404, or a plain 400.

Every view that calls a service or selector is wrapped in :func:`renders_domain_errors`, so a
refusal is never a 500 and always says what the person can do about it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backend.core.errors import ApplicationError, MfaRequired, NotFound, PermissionDenied


def domain_error_response(request: HttpRequest, error: ApplicationError) -> HttpResponse:
    if isinstance(error, NotFound):
        return render(request, "frontend/errors/not_found.html", {"error": error}, status=404)
    if isinstance(error, PermissionDenied):
        return render(
            request,
            "frontend/errors/forbidden.html",
            {"error": error, "mfa_required": isinstance(error, MfaRequired)},
            status=403,
        )
    return render(request, "frontend/errors/refused.html", {"error": error}, status=400)


def renders_domain_errors(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Turn an ApplicationError that escapes ``view`` into the page that explains it."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as error:
            return domain_error_response(request, error)

    return wrapped
