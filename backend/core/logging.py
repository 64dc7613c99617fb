"""Structured (JSON) logs with a request id on every line of a request (or task).

The id lives in a context variable for the duration of a request, so any logger called while the
request is handled gets it. Django logs 4xx and 5xx responses after the middleware has returned;
those records carry the request, and the filter reads the id from it.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

NO_REQUEST_ID = "-"
REQUEST_ID_HEADER = "X-Request-ID"
# Where the middleware leaves the id on the request (a WSGI-style extension key in META).
REQUEST_ID_META_KEY = "fairfund.request_id"

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default=NO_REQUEST_ID
)


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(request_id: str) -> contextvars.Token[str]:
    """Tag the log lines that follow with ``request_id`` (a task id in the worker)."""
    return _request_id.set(request_id)


def unbind_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id == NO_REQUEST_ID:
            request = getattr(record, "request", None)
            if isinstance(request, HttpRequest):
                request_id = str(request.META.get(REQUEST_ID_META_KEY, NO_REQUEST_ID))
        record.request_id = request_id
        return True


def sane_request_id(incoming: str) -> bool:
    """Whether an id from the proxy is safe to log and echo: short, letters, digits and dashes."""
    return 0 < len(incoming) <= 64 and incoming.replace("-", "").isalnum() and incoming.isascii()


class RequestIdMiddleware:
    """Takes X-Request-ID from the proxy when it is sane, or makes one; echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if sane_request_id(incoming) else uuid.uuid4().hex
        request.META[REQUEST_ID_META_KEY] = request_id
        token = bind_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            unbind_request_id(token)
        response[REQUEST_ID_HEADER] = request_id
        return response
