"""One URL, one APIView class per HTTP method.

The API keeps one class per operation (list, create, update...), but REST puts several operations
on one URL (``GET`` and ``POST`` on ``organisations/``). A :class:`MethodRoute` hands a request to
the class for its method; :func:`expand_method_routes`, a drf-spectacular preprocessing hook,
shows each class to the schema generator as the endpoint of its own method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from rest_framework.views import APIView

ViewFunction = Callable[..., HttpResponseBase]
# (path, path_regex, method, callback), as drf-spectacular enumerates endpoints.
Endpoint = tuple[str, str, str, Any]


class MethodRoute:
    """A view that hands each request to the APIView class named for its method.

    ``path("organisations/", MethodRoute(get=OrganisationListApi, post=OrganisationCreateApi))``.
    """

    # Each APIView enforces CSRF itself for session-authenticated requests (as DRF's as_view
    # does); token-authenticated requests carry no CSRF token.
    csrf_exempt = True

    def __init__(self, **operations: type[APIView]) -> None:
        if not operations:
            raise ValueError("Name at least one method and its APIView class.")
        self.operations: dict[str, ViewFunction] = {
            method.upper(): cls.as_view() for method, cls in operations.items()
        }
        # What DRF's endpoint enumerator looks for to include the URL in the schema.
        self.cls: type[APIView] = next(iter(operations.values()))
        self.initkwargs: dict[str, Any] = {}
        self._allowed = ", ".join(sorted({*self.operations, "OPTIONS"}))

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        method = request.method or ""
        if method == "HEAD" and "GET" in self.operations:
            method = "GET"
        handler = self.operations.get(method)
        if handler is not None:
            return handler(request, *args, **kwargs)
        if method == "OPTIONS":
            return next(iter(self.operations.values()))(request, *args, **kwargs)
        response = JsonResponse(
            {
                "message": f'Method "{method}" not allowed.',
                "code": "method_not_allowed",
                "fields": {},
            },
            status=405,
        )
        response["Allow"] = self._allowed
        return response


def expand_method_routes(endpoints: list[Endpoint]) -> list[Endpoint]:
    """drf-spectacular preprocessing hook: one endpoint per method of a :class:`MethodRoute`."""
    expanded: list[Endpoint] = []
    seen: set[tuple[str, str]] = set()
    for path, path_regex, method, callback in endpoints:
        if not isinstance(callback, MethodRoute):
            expanded.append((path, path_regex, method, callback))
            continue
        for each_method, handler in callback.operations.items():
            if (path, each_method) not in seen:
                seen.add((path, each_method))
                expanded.append((path, path_regex, each_method, handler))
    return expanded
