"""Forms for council officers: localities, panels and the roles they grant."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.accounts.selectors import grantable_council_roles, grantable_panel_roles

from .govuk import GovukDateField, GovukForm, set_choices
from .people import PersonForm


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class LocalityForm(GovukForm):
    name = forms.CharField(
        label=_("Name of the locality"),
        max_length=200,
        error_messages={"required": _("Enter the locality's name.")},
    )
    ward_codes = forms.CharField(
        label=_("ONS ward codes"),
        help_text=_("One per line, like E05011234."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )
    postcodes = forms.CharField(
        label=_("Postcodes"),
        help_text=_(
            "One per line: full postcodes, sectors or districts, like SW1A 1AA, SW1A 1 or SW1A."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )

    def ward_code_lines(self) -> list[str]:
        return _lines(self.cleaned_data["ward_codes"])

    def postcode_lines(self) -> list[str]:
        return _lines(self.cleaned_data["postcodes"])


class PanelForm(GovukForm):
    """A panel's name, description and localities. A chair's form has the description only."""

    name = forms.CharField(
        label=_("Name of the panel"),
        max_length=200,
        error_messages={"required": _("Enter the panel's name.")},
    )
    description = forms.CharField(
        label=_("Description"),
        help_text=_("Who sits on the panel and what it is for."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    localities = forms.TypedMultipleChoiceField(
        label=_("Localities it serves"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose localities of this council.")},
    )

    def __init__(
        self,
        *args: Any,
        localities: Iterable[Any] = (),
        description_only: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if description_only:
            del self.fields["name"]
            del self.fields["localities"]
        else:
            set_choices(
                self, "localities", [(locality.pk, locality.name) for locality in localities]
            )


def _role_choices(roles: Iterable[Any]) -> list[tuple[str, str]]:
    return [(role.value, role.label) for role in roles]


class CouncilRoleForm(PersonForm):
    role = forms.ChoiceField(
        label=_("Role"),
        widget=forms.RadioSelect,
        choices=(),
        error_messages={"required": _("Choose the role.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles = {role.value: role for role in grantable_council_roles()}
        set_choices(self, "role", _role_choices(self.roles.values()))

    def clean_role(self) -> Any:
        return self.roles[self.cleaned_data["role"]]


class PanelMemberForm(PersonForm):
    role = forms.ChoiceField(
        label=_("Role on the panel"),
        widget=forms.RadioSelect,
        choices=(),
        error_messages={"required": _("Choose chair or member.")},
    )
    term_starts_on = GovukDateField(
        label=_("Term starts"),
        help_text=_("For example, 1 4 2027. Leave blank if it has no set start."),
        required=False,
    )
    term_ends_on = GovukDateField(
        label=_("Term ends"),
        help_text=_("For example, 31 3 2029. Leave blank if it has no set end."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles = {role.value: role for role in grantable_panel_roles()}
        set_choices(self, "role", _role_choices(self.roles.values()))

    def clean_role(self) -> Any:
        return self.roles[self.cleaned_data["role"]]
