"""The form where a person chooses which notices they also get by email."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .govuk import GovukForm


class EmailChoicesForm(GovukForm):
    kinds = forms.MultipleChoiceField(
        label=_("Email me about"),
        help_text=_(
            "You always see every notice on this page. Notices about your account's security always come by email too."
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = self.fields["kinds"]
        assert isinstance(kinds, forms.MultipleChoiceField)
        kinds.choices = choices
