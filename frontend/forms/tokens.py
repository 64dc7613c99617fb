"""The form to issue an API token."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .govuk import GovukForm


class TokenIssueForm(GovukForm):
    name = forms.CharField(
        label=_("Name the token"),
        help_text=_("Say what will use it, like “Monthly report script”."),
        max_length=100,
        required=False,
    )
