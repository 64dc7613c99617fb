"""Bad input gets a 400 with a message, a code and a map of messages by field; never a 500."""

from __future__ import annotations

import pytest

from backend.accounts.models import Organisation, RoleGrant
from backend.funds.models import Locality, Panel
from tests.factories import OrganisationFactory, UserFactory, signed_in_client

from .calls import call

pytestmark = pytest.mark.django_db


def _assert_field_error(response, *fields: str) -> None:
    assert response.status_code == 400, response.data
    assert set(response.data) == {"message", "code", "fields"}
    assert response.data["message"]
    assert response.data["code"] == "invalid"
    assert set(response.data["fields"]) == set(fields), response.data["fields"]
    for messages in response.data["fields"].values():
        assert messages
        assert all(isinstance(m, str) and m for m in messages)


class TestSerializerValidation:
    def test_missing_fields(self):
        response = call(signed_in_client(UserFactory()), "POST", "/api/v1/organisations/", {})
        _assert_field_error(
            response, "name", "legal_form", "address_line_1", "town", "postcode", "contact_email"
        )
        assert not Organisation.objects.exists()

    def test_wrong_choice_and_wrong_types(self, officer_client, council):
        response = call(
            officer_client,
            "POST",
            "/api/v1/role-grants/",
            {
                "email": "not-an-email",
                "role": "mayor",
                "council": "first",
                "term_starts_on": "soon",
            },
        )
        _assert_field_error(response, "email", "role", "council", "term_starts_on")

    def test_an_error_inside_a_list_is_keyed_by_its_path(self, officer_client, council):
        response = call(
            officer_client,
            "POST",
            f"/api/v1/councils/{council.pk}/localities/",
            {"name": "Ward", "ward_codes": ["E05011234", {"code": 1}]},
        )
        _assert_field_error(response, "ward_codes.1")

    def test_a_body_that_is_not_an_object(self):
        response = call(signed_in_client(UserFactory()), "POST", "/api/v1/organisations/", [1, 2])
        _assert_field_error(response, "non_field_errors")

    def test_malformed_json(self):
        client = signed_in_client(UserFactory())
        response = client.post(
            "/api/v1/organisations/", "{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert response.json()["fields"] == {}


class TestApplicationErrors:
    def test_a_registration_number_in_the_wrong_format(self):
        response = call(
            signed_in_client(UserFactory()),
            "POST",
            "/api/v1/organisations/",
            {
                "name": "Riverside Play CIC",
                "legal_form": "cic",
                "company_number": "12",
                "address_line_1": "4 Mill Lane",
                "town": "Northbridge",
                "postcode": "NB1 2AB",
                "contact_email": "hello@riverside.example.org",
            },
        )
        _assert_field_error(response, "company_number")
        assert not Organisation.objects.exists()

    def test_a_registration_number_already_taken(self, applicant, organisation):
        other = OrganisationFactory()
        response = call(
            signed_in_client(applicant),
            "PATCH",
            f"/api/v1/organisations/{organisation.pk}/",
            {"company_number": other.company_org_id},
        )
        _assert_field_error(response, "company_number")

    def test_a_ward_code_that_is_not_one(self, officer_client, council):
        response = call(
            officer_client,
            "POST",
            f"/api/v1/councils/{council.pk}/localities/",
            {"name": "Ward", "ward_codes": ["ward 7"]},
        )
        _assert_field_error(response, "ward_codes")
        assert not Locality.objects.exists()

    def test_a_locality_of_another_council(self, officer_client, council):
        response = call(
            officer_client,
            "POST",
            f"/api/v1/councils/{council.pk}/panels/",
            {"name": "Panel", "localities": [987654]},
        )
        _assert_field_error(response, "localities")
        assert not Panel.objects.exists()

    def test_a_grant_to_an_unknown_email(self, officer_client, council):
        response = call(
            officer_client,
            "POST",
            "/api/v1/role-grants/",
            {"email": "nobody@example.org", "role": "auditor", "council": council.pk},
        )
        _assert_field_error(response, "email")

    def test_a_grant_with_the_wrong_scope_or_term(self, officer_client, council, panel):
        person = UserFactory()
        wrong_scope = call(
            officer_client,
            "POST",
            "/api/v1/role-grants/",
            {"email": person.email, "role": "panel_member", "council": council.pk},
        )
        _assert_field_error(wrong_scope, "panel")
        backwards = call(
            officer_client,
            "POST",
            "/api/v1/role-grants/",
            {
                "email": person.email,
                "role": "panel_member",
                "panel": panel.pk,
                "term_starts_on": "2027-01-01",
                "term_ends_on": "2026-01-01",
            },
        )
        _assert_field_error(backwards, "term_ends_on")
        unknown_panel = call(
            officer_client,
            "POST",
            "/api/v1/role-grants/",
            {"email": person.email, "role": "panel_member", "panel": 987654},
        )
        _assert_field_error(unknown_panel, "panel")
        assert not RoleGrant.objects.filter(user=person).exists()

    def test_an_invitation_token_that_is_not_valid(self):
        response = call(
            signed_in_client(UserFactory()),
            "POST",
            "/api/v1/organisations/invitations/accept/",
            {"token": "made-up"},
        )
        assert response.status_code == 400
        assert response.data["code"] == "invalid"
        assert "not valid" in response.data["message"]


class TestNeverA500:
    def test_an_id_beyond_any_database_integer(self, officer_client):
        huge = 10**30
        assert call(officer_client, "GET", f"/api/v1/councils/{huge}/").status_code == 404
        assert call(officer_client, "GET", f"/api/v1/panels/{huge}/").status_code == 404
        assert call(officer_client, "POST", f"/api/v1/users/{huge}/mfa-reset/").status_code == 404
        response = call(
            officer_client,
            "POST",
            "/api/v1/role-grants/",
            {"email": "a@b.example", "role": "auditor", "council": huge},
        )
        _assert_field_error(response, "council")

    def test_a_method_the_url_does_not_have(self, officer_client, council):
        response = call(officer_client, "DELETE", f"/api/v1/councils/{council.pk}/localities/")
        assert response.status_code == 405
        assert response.data["code"] == "method_not_allowed"
        assert response["Allow"] == "GET, OPTIONS, POST"
        url = f"/api/v1/councils/{council.pk}/localities/"
        assert officer_client.head(url).status_code == 200
        assert officer_client.options(url).status_code == 200
        single = call(officer_client, "PUT", "/api/v1/me/", {})
        assert single.status_code == 405
        assert single.data["code"] == "method_not_allowed"
