"""Showing a service's refusal on the form that asked for it."""

from __future__ import annotations

from django import forms

from backend.core.errors import ApplicationError, NotFound, PermissionDenied


def apply_application_error(form: forms.Form, error: ApplicationError) -> None:
    """Put ``error`` on ``form``: each field's messages next to that field, the rest above it.

    A message for a field this form does not have (say ``council``) would make no sense on its
    own, so the error's own message goes above the form instead. Refusals that are not about
    the input (no permission, no such object) are raised again, so that the view's error
    handling turns them into a 403 or 404 page.
    """
    if isinstance(error, PermissionDenied | NotFound):
        raise error
    unplaced = not error.fields
    for field, messages in error.fields.items():
        if field not in form.fields:
            unplaced = True
            continue
        for message in messages:
            form.add_error(field, message)
    if unplaced:
        form.add_error(None, error.message)
