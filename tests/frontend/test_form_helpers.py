"""The two pieces every form page shares: service errors onto fields, and GOV.UK dates."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser

from backend.core.errors import ApplicationError, MfaRequired, NotFound, PermissionDenied
from frontend.forms.errors import apply_application_error
from frontend.forms.govuk import GovukDateField, GovukForm
from frontend.views.errors import renders_domain_errors


class SampleForm(GovukForm):
    name = forms.CharField(required=False)
    role = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect, required=False)
    starts = GovukDateField(required=False)


def bound() -> SampleForm:
    form = SampleForm({"name": "Kept"})
    assert form.is_valid()
    return form


def test_field_messages_go_next_to_their_fields():
    form = bound()

    apply_application_error(
        form, ApplicationError("Check it.", fields={"name": ["Too short."], "role": ["Pick."]})
    )

    assert form.errors == {"name": ["Too short."], "role": ["Pick."]}
    assert form.error_summary() == [("id_name", "Too short."), ("id_role_0", "Pick.")]


def test_a_message_for_a_field_the_form_lacks_is_replaced_by_the_whole_message():
    form = bound()

    apply_application_error(
        form,
        ApplicationError(
            "Choose the council for this role.",
            fields={"council": ["Required."], "name": ["Too short."]},
        ),
    )

    assert form.error_summary() == [
        ("", "Choose the council for this role."),
        ("id_name", "Too short."),
    ]


def test_a_message_without_fields_goes_above_the_form():
    form = bound()

    apply_application_error(form, ApplicationError("A council needs at least one officer."))

    assert form.error_summary() == [("", "A council needs at least one officer.")]


@pytest.mark.parametrize("error", [PermissionDenied(), MfaRequired(), NotFound()])
def test_refusals_are_not_form_errors(error):
    form = bound()

    with pytest.raises(type(error)):
        apply_application_error(form, error)
    assert not form.errors


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("1", "4", "2027", date(2027, 4, 1)),
        (" 29 ", "02", "2028", date(2028, 2, 29)),
        ("", "", "", None),
    ],
)
def test_a_date_is_read_from_day_month_and_year(day, month, year, expected):
    form = SampleForm({"starts_day": day, "starts_month": month, "starts_year": year})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts"] == expected


@pytest.mark.parametrize(
    ("day", "month", "year", "code"),
    [
        ("29", "2", "2027", "invalid"),
        ("1", "13", "2027", "invalid"),
        ("1", "4", "", "incomplete"),
        ("one", "4", "2027", "invalid"),
        ("1", "4", "99999", "invalid"),
    ],
)
def test_a_date_that_is_not_real_is_refused(day, month, year, code):
    form = SampleForm({"starts_day": day, "starts_month": month, "starts_year": year})

    assert not form.is_valid()
    assert form.has_error("starts", code)
    assert form.error_summary()[0][0] == "id_starts_0"


def test_a_required_date_says_so():
    class Required(GovukForm):
        starts = GovukDateField()

    form = Required({})

    assert form.has_error("starts", "required")


def test_a_stored_date_is_shown_in_its_three_boxes():
    form = SampleForm(initial={"starts": date(2027, 4, 1)})

    [widget] = list(form["starts"].subwidgets)
    assert [part["value"] for part in widget.data["subwidgets"]] == ["1", "4", "2027"]
    assert [part["name"] for part in widget.data["subwidgets"]] == [
        "starts_day",
        "starts_month",
        "starts_year",
    ]


# --- the pages for refusals --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        (NotFound("No such panel."), 404, "No such panel."),
        (PermissionDenied("Only officers."), 403, "Only officers."),
        (MfaRequired(), 403, "Your role needs two-factor authentication."),
        (ApplicationError("The fund is closed."), 400, "The fund is closed."),
    ],
)
def test_a_refusal_that_escapes_a_view_becomes_its_page(rf, error, status, text):
    @renders_domain_errors
    def view(request):
        raise error

    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    response = view(request)

    assert response.status_code == status
    body = response.content.decode()
    assert text in body
    assert ('href="/accounts/2fa/"' in body) is isinstance(error, MfaRequired)


class _Choices(GovukForm):
    several = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple, required=False
    )
    one = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def test_a_multiple_choice_renders_as_checkboxes_and_a_single_choice_as_radios():
    # Django's CheckboxSelectMultiple is a subclass of RadioSelect: a browser journey found
    # declarations drawn as radios (only the last one could be ticked).
    from django.template import Context, Template

    form = _Choices()
    html = Template(
        "{% load govuk_forms %}{% govuk_field form.several %}{% govuk_field form.one %}"
    )
    rendered = html.render(Context({"form": form}))
    assert rendered.count('type="checkbox"') == 2
    assert rendered.count('type="radio"') == 2
    assert 'name="several" type="checkbox"' in rendered
