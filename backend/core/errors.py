"""The one domain error type. The API maps it to 400 (or 403/404), the UI to a form error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ApplicationError(Exception):
    """A request the domain refuses, with a message a person can act on.

    ``fields`` maps a field name to its messages, so forms and the API can show each error
    next to the field it belongs to.
    """

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, Sequence[str]] | None = None,
        code: str = "invalid",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, list[str]] = {k: list(v) for k, v in (fields or {}).items()}
        self.code = code


class PermissionDenied(ApplicationError):
    """The actor holds no role that allows this."""

    status_code = 403

    def __init__(self, message: str = "You do not have permission to do that.") -> None:
        super().__init__(message, code="permission_denied")


class MfaRequired(PermissionDenied):
    """The actor holds a role that may act only after signing in with a second factor."""

    def __init__(self) -> None:
        super().__init__(
            "Your role needs two-factor authentication. Set up an authenticator app, "
            "then sign in again with it."
        )
        self.code = "mfa_required"


class NotFound(ApplicationError):
    status_code = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message, code="not_found")
