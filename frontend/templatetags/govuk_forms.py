"""Render Django form fields with GOV.UK Frontend's markup (form group, label, hint, error).

Presentation only: which classes and ARIA attributes a widget gets. Used by the allauth "elements"
templates and available to any page's form: `{% load govuk_forms %}{% govuk_field form.name %}`.
"""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()

_INPUT_CLASS = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "checkbox": "govuk-checkboxes__input",
    "file": "govuk-file-upload",
}


def field_kind(field: forms.BoundField) -> str:
    """The GOV.UK component a field's widget maps to."""
    widget = field.field.widget
    if widget.is_hidden:
        return "hidden"
    # CheckboxSelectMultiple is a subclass of RadioSelect: ask about it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        return "file"
    if isinstance(widget, forms.PasswordInput):
        return "password"
    return "input"


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """The id an error summary links to: the field, or a group's first option."""
    if field_kind(field) in {"radios", "checkboxes"}:
        return f"{field.auto_id}_0" if field.auto_id else ""
    return str(field.id_for_label or field.auto_id or "")


@register.filter
def grouped(value: object, size: int = 4) -> str:
    """A long code split into groups ("ABCD EFGH ...") so that a person can type it accurately."""
    text = str(value)
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@register.inclusion_tag("frontend/govuk/field.html")
def govuk_field(field: forms.BoundField) -> dict[str, Any]:
    kind = field_kind(field)
    field_id = field.auto_id or field.html_name
    hint_id = f"{field_id}-hint" if field.help_text else ""
    error_id = f"{field_id}-error" if field.errors else ""
    described_by = " ".join(part for part in (hint_id, error_id) if part)
    context: dict[str, Any] = {
        "field": field,
        "kind": kind,
        "field_id": field_id,
        "hint_id": hint_id,
        "error_id": error_id,
        "described_by": described_by,
    }
    if kind in {"radios", "checkboxes", "hidden"}:
        # Options are written out one by one in the template; hidden fields render as they are.
        return context

    widget_attrs = field.field.widget.attrs
    css = _INPUT_CLASS.get(kind, "govuk-input")
    if field.errors and kind != "checkbox":
        css += f" {css}--error"
    attrs: dict[str, Any] = {"class": css}
    if described_by:
        attrs["aria-describedby"] = described_by
    is_code = field.html_name == "code" or widget_attrs.get("autocomplete") == "one-time-code"
    if kind == "password" or is_code:
        # Passwords and codes are not words: no spellchecking, no automatic capitals.
        attrs["spellcheck"] = "false"
        attrs["autocapitalize"] = "none"
    if kind == "password":
        attrs["class"] += " govuk-password-input__input govuk-js-password-input-input"
    if is_code:
        # Room for a six-digit code or a recovery code, not a whole line. No inputmode=numeric:
        # the same box takes recovery codes, which have letters.
        attrs["class"] += " govuk-input--width-10"
    # Our labels are always visible; GOV.UK advises against placeholder text, which vanishes as
    # people type and is often too faint to read. False drops the attribute from the widget.
    attrs["placeholder"] = False
    context["widget"] = field.as_widget(attrs=attrs)
    return context
