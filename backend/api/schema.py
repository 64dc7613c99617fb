"""Schema pieces the APIs share: what every error looks like (see exceptions.exception_handler)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

# Inline because a Serializer class cannot declare a field called "fields" (it is an attribute).
ErrorOutput = inline_serializer(
    name="ErrorOutput",
    fields={
        "message": serializers.CharField(
            help_text="What went wrong, in words a person can act on."
        ),
        "code": serializers.CharField(
            help_text='A stable code: "invalid", "permission_denied", "mfa_required", '
            '"not_found", "not_authenticated"...'
        ),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Messages for each field of the input that needs a change.",
        ),
    },
)

# The security requirement of operations open to signed-in sessions only. (drf-spectacular's
# ``auth`` parameter is typed as a list of names but takes security requirement objects.)
SESSION_ONLY_AUTH: Any = [{"cookieAuth": []}]

_DESCRIPTIONS = {
    400: "Bad input: a message and a map of messages by field.",
    401: "Not signed in, or the token is unknown, revoked or expired.",
    403: 'Not allowed (code "permission_denied"), or a role that needs two-factor '
    'authentication first (code "mfa_required").',
    404: "No such object, or not one the caller may see.",
}


def errors(*status_codes: int) -> dict[int, OpenApiResponse]:
    """Schema responses for the error statuses an operation can return (401 always applies)."""
    return {
        code: OpenApiResponse(response=ErrorOutput, description=_DESCRIPTIONS[code])
        for code in sorted({401, *status_codes})
    }
