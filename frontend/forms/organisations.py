"""Forms for registering an organisation, changing it, and inviting colleagues."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from backend.accounts.orgids import CharityRegulator
from backend.accounts.selectors import legal_form_choices
from backend.accounts.services import OrganisationDetails

from .govuk import GovukForm, TelInput, set_choices

CHARITY_REGULATORS = [
    (CharityRegulator.CCEW.value, _("Charity Commission for England and Wales")),
    (CharityRegulator.OSCR.value, _("Scottish Charity Regulator (OSCR)")),
    (CharityRegulator.CCNI.value, _("Charity Commission for Northern Ireland")),
]

_EMAIL_FORMAT = _("Enter an email address in the correct format, like name@example.org.")


class OrganisationForm(GovukForm):
    """What a person types about an organisation. The service checks the numbers and rules."""

    name = forms.CharField(label=_("Organisation name"), max_length=200, required=False)
    legal_form = forms.ChoiceField(
        label=_("Legal form"), widget=forms.RadioSelect, choices=(), required=False
    )
    company_number = forms.CharField(
        label=_("Companies House number"),
        help_text=_("8 characters, like 01234567 or SC123456. Needed for a CIC or a company."),
        max_length=40,
        required=False,
    )
    charity_number = forms.CharField(
        label=_("Charity number"),
        help_text=_("Needed for a registered charity or a CIO."),
        max_length=40,
        required=False,
    )
    charity_regulator = forms.ChoiceField(
        label=_("Charity regulator"),
        widget=forms.RadioSelect,
        choices=CHARITY_REGULATORS,
        initial=CharityRegulator.CCEW.value,
        required=False,
    )
    society_number = forms.CharField(
        label=_("FCA society number"),
        help_text=_("From the Mutuals Public Register, like 12345R. Needed for a society."),
        max_length=40,
        required=False,
    )
    address_line_1 = forms.CharField(
        label=_("Address line 1"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line_2 = forms.CharField(
        label=_("Address line 2 (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    town = forms.CharField(
        label=_("Town or city"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    contact_email = forms.EmailField(
        label=_("Contact email address"),
        max_length=254,
        required=False,
        error_messages={"invalid": _EMAIL_FORMAT},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone number (optional)"),
        max_length=30,
        required=False,
        widget=TelInput(attrs={"autocomplete": "tel"}),
    )
    website = forms.URLField(
        label=_("Website (optional)"),
        max_length=200,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a web address, like https://example.org.")},
        widget=forms.TextInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "legal_form", legal_form_choices())

    @classmethod
    def initial_from(cls, details: OrganisationDetails) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(details).items()}

    def details(self) -> OrganisationDetails:
        data = self.cleaned_data
        return OrganisationDetails(
            name=data["name"],
            legal_form=data["legal_form"],
            company_number=data["company_number"],
            charity_number=data["charity_number"],
            charity_regulator=data["charity_regulator"] or CharityRegulator.CCEW.value,
            society_number=data["society_number"],
            address_line_1=data["address_line_1"],
            address_line_2=data["address_line_2"],
            town=data["town"],
            postcode=data["postcode"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            website=data["website"],
        )


class InviteForm(GovukForm):
    email = forms.EmailField(
        label=_("Their email address"),
        max_length=254,
        error_messages={"required": _("Enter their email address."), "invalid": _EMAIL_FORMAT},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
