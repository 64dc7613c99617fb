"""Roles that need MFA act through the API only from a session that passed a second factor."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from backend.accounts.models import RoleGrant
from backend.funds.models import Locality
from tests.factories import UserFactory, add_totp, mfa_client, signed_in_client

from .calls import call

pytestmark = pytest.mark.django_db


def _officer_requests(council, chair):
    return [
        ("GET", f"/api/v1/councils/{council.pk}/", None),
        ("GET", f"/api/v1/councils/{council.pk}/localities/", None),
        (
            "POST",
            f"/api/v1/councils/{council.pk}/localities/",
            {"name": "Ward", "ward_codes": ["E05011234"]},
        ),
        ("POST", f"/api/v1/councils/{council.pk}/panels/", {"name": "New panel"}),
        (
            "POST",
            "/api/v1/role-grants/",
            {"email": UserFactory().email, "role": "auditor", "council": council.pk},
        ),
        ("POST", f"/api/v1/users/{chair.pk}/mfa-reset/", None),
    ]


class TestOfficer:
    def test_without_mfa_every_officer_request_is_refused_as_mfa_required(
        self, officer, council, chair
    ):
        add_totp(chair)
        client = signed_in_client(officer)
        for method, url, body in _officer_requests(council, chair):
            response = call(client, method, url, body)
            assert response.status_code == 403, (method, url, response.data)
            assert response.data["code"] == "mfa_required", (method, url)
        assert not Locality.objects.exists()
        assert RoleGrant.objects.filter(council=council).count() == 1
        assert Authenticator.objects.filter(user=chair).exists()

    def test_an_authenticator_is_not_enough_without_signing_in_with_it(self, officer, council):
        add_totp(officer)
        client = signed_in_client(officer)  # password only
        response = call(
            client,
            "POST",
            f"/api/v1/councils/{council.pk}/localities/",
            {"name": "Ward", "ward_codes": ["E05011234"]},
        )
        assert response.status_code == 403
        assert response.data["code"] == "mfa_required"
        assert not Locality.objects.exists()

    def test_with_mfa_the_same_requests_are_allowed(self, officer, council, chair):
        add_totp(chair)
        client = mfa_client(officer)
        for method, url, body in _officer_requests(council, chair):
            response = call(client, method, url, body)
            assert response.status_code in (200, 201), (method, url, response.data)
        assert Locality.objects.filter(council=council).count() == 1
        assert RoleGrant.objects.filter(council=council).count() == 2
        assert not Authenticator.objects.filter(user=chair).exists()

    def test_me_works_without_mfa_and_says_so(self, officer):
        response = call(signed_in_client(officer), "GET", "/api/v1/me/")
        assert response.status_code == 200
        assert response.data["mfa_verified"] is False
        assert [r["role"] for r in response.data["roles"]] == ["council_officer"]


def test_a_chair_without_mfa_cannot_change_the_panel(chair, panel):
    response = call(
        signed_in_client(chair), "PATCH", f"/api/v1/panels/{panel.pk}/", {"description": "X"}
    )
    assert response.status_code == 403
    assert response.data["code"] == "mfa_required"
    panel.refresh_from_db()
    assert panel.description == ""


def test_an_auditor_without_mfa_cannot_read_the_council(auditor, council):
    response = call(signed_in_client(auditor), "GET", f"/api/v1/councils/{council.pk}/")
    assert response.status_code == 403
    assert response.data["code"] == "mfa_required"
    assert call(mfa_client(auditor), "GET", f"/api/v1/councils/{council.pk}/").status_code == 200


def test_a_panel_member_needs_no_mfa(member, panel):
    response = call(signed_in_client(member), "GET", f"/api/v1/panels/{panel.pk}/")
    assert response.status_code == 200
