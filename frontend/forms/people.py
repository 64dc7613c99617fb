"""Forms that name a person by the email address of their account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.accounts.selectors import user_by_email

from .govuk import GovukForm

NO_ACCOUNT = _("No account uses this email address; ask them to create one first")


class PersonForm(GovukForm):
    """Finds the account behind ``email``; ``cleaned_data["user"]`` is that account."""

    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("The address they use to sign in to their account."),
        max_length=254,
        error_messages={
            "required": _("Enter their email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.org."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email = cleaned.get("email")
        if email:
            user = user_by_email(email=email)
            if user is None:
                self.add_error("email", NO_ACCOUNT)
            else:
                cleaned["user"] = user
        return cleaned
