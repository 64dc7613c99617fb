"""Making API calls in tests: JSON requests, and clients with a session or a bearer token."""

from __future__ import annotations

from typing import Any

from django.test import Client

from backend.accounts.models import User
from backend.accounts.services import api_token_issue
from tests.factories import actor


def call(client: Client, method: str, url: str, data: Any = None) -> Any:
    """A JSON request; the response's parsed body is on ``response.data``."""
    kwargs: dict[str, Any] = {}
    if data is not None:
        kwargs = {"data": data, "content_type": "application/json"}
    response = getattr(client, method.lower())(url, **kwargs)
    is_json = response.content and "json" in response.get("Content-Type", "")
    response.data = response.json() if is_json else None
    return response


def issue_token(user: User, name: str = "test") -> str:
    """A live token for ``user``, as an MFA-verified session would get it."""
    _token, plaintext = api_token_issue(actor=actor(user, mfa=True), name=name)
    return plaintext


def bearer_client(plaintext: str) -> Client:
    """A client with no session that sends the token, held to CSRF checks like a browser."""
    return Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {plaintext}"})
