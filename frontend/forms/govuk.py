"""Form pieces shaped for GOV.UK Frontend: the error summary's links and the date input."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes (named ``<field>_day``, ``_month`` and ``_year``)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "day": forms.TextInput(attrs={"inputmode": "numeric"}),
            "month": forms.TextInput(attrs={"inputmode": "numeric"}),
            "year": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.Field):
    """A calendar date typed as day, month and year, as GOV.UK asks for it.

    A date has no time zone: what the person types (in Europe/London) is what is stored.
    """

    widget = GovukDateWidget
    default_error_messages = {
        "required": _("Enter the date."),
        "incomplete": _("Enter the day, the month and the year."),
        "invalid": _("Enter a real date, like 27 3 2027."),
    }

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        parts = [str(part or "").strip() for part in (value or [])]
        if not any(parts):
            return None
        if len(parts) != 3 or not all(parts):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        try:
            day, month, year = (int(part) for part in parts)
            if not 1900 <= year <= 2200:
                raise ValueError(year)
            return date(year, month, day)
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


_MULTI_INPUT_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.MultiWidget)


def set_choices(form: forms.Form, name: str, choices: Any) -> None:
    """Give a choice field its choices at run time (typed: a plain Field has none)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class GovukForm(forms.Form):
    """A form that knows where each of its errors should link to in the error summary."""

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs; the anchor is empty for errors about the whole form."""
        items: list[tuple[str, str]] = [("", str(error)) for error in self.non_field_errors()]
        for name in self.fields:
            bound = self[name]
            for error in bound.errors:
                items.append((self.anchor(name), str(error)))
        return items

    def anchor(self, name: str) -> str:
        """The id of the first input of a field: radios, checkboxes and dates have several."""
        bound = self[name]
        if isinstance(bound.field.widget, _MULTI_INPUT_WIDGETS):
            return f"{bound.auto_id}_0"
        return str(bound.auto_id)


class TelInput(forms.TextInput):
    input_type = "tel"


class ConfirmForm(GovukForm):
    """A confirmation page's form: nothing to fill in; the button is the answer."""
