"""Who acts in an API request, and how it may be authenticated.

What the actor may do is for the services and selectors to decide; this module only refuses
requests by the way they authenticated, and builds the Actor the services are given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from backend.accounts.models import ApiToken
from backend.accounts.permissions import Actor
from backend.accounts.sessions import actor_from_request

if TYPE_CHECKING:
    from rest_framework.views import APIView


class SessionOnly(BasePermission):
    """Refuses requests made with an API token: a token must not mint another token."""

    message = (
        "API tokens are issued only from a signed-in session with two-factor authentication, "
        "not with another token."
    )
    code = "session_required"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return not isinstance(request.auth, ApiToken)


def request_actor(request: Request) -> Actor:
    """The Actor of an authenticated API request (token requests count as MFA-verified)."""
    # DRF copies the authenticated user and auth onto the Django request it wraps.
    return actor_from_request(request._request)
