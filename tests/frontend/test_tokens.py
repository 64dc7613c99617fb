"""API tokens from the account pages: issued only from an MFA-verified session, shown once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from backend.accounts.models import ApiToken
from tests.factories import UserFactory, mfa_client, signed_in_client

from .pages import read

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["officer", "auditor", "chair", "member", "applicant", "nobody"])
def test_anyone_signed_in_with_a_second_factor_issues_a_token_shown_once(request, role):
    person = request.getfixturevalue(role)
    client = mfa_client(person)

    response = client.post("/account/tokens/", {"name": "Monthly report"})

    assert response.status_code == 200
    token = ApiToken.objects.get(user=person)
    assert token.name == "Monthly report"
    page = read(response)
    # The table shows the token's first characters; the panel above it the whole token.
    plaintext = max((word for word in page.text.split() if word.startswith("ff_")), key=len)
    assert hashlib.sha256(plaintext.encode()).hexdigest() == token.token_sha256
    assert plaintext.startswith(token.prefix)
    assert response["Cache-Control"].startswith("max-age=0")

    again = client.get("/account/tokens/").content.decode()
    assert plaintext not in again
    assert token.prefix in again
    assert "Monthly report" in again


@pytest.mark.parametrize("role", ["officer", "chair", "member", "applicant", "nobody"])
def test_a_session_without_a_second_factor_cannot_issue_a_token(request, role):
    person = request.getfixturevalue(role)
    client = signed_in_client(person)
    assert "only after you sign in with two-factor" in read(client.get("/account/tokens/")).text

    response = client.post("/account/tokens/", {"name": "Script"})

    assert response.status_code == 403
    assert "API tokens are issued only after you sign in with two-factor authentication." in (
        read(response).text
    )
    assert not ApiToken.objects.filter(user=person).exists()


def test_a_token_needs_a_name(nobody):
    client = mfa_client(nobody)

    page = read(client.post("/account/tokens/", {"name": "  "}))

    assert page.error_for("name") == "Name the token."
    assert not ApiToken.objects.exists()


def test_a_person_revokes_their_own_token_after_confirming(nobody):
    client = mfa_client(nobody)
    client.post("/account/tokens/", {"name": "Old script"})
    token = ApiToken.objects.get()

    assert "Old script" in read(client.get(f"/account/tokens/{token.pk}/revoke/")).h1
    response = client.post(f"/account/tokens/{token.pk}/revoke/")

    assert response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    page = read(client.get("/account/tokens/"))
    assert token.prefix not in page.text
    assert not page.has_link(f"/account/tokens/{token.pk}/revoke/")


def test_no_one_revokes_or_sees_another_persons_token(nobody):
    owner = UserFactory()
    mfa_client(owner).post("/account/tokens/", {"name": "Owner's script"})
    token = ApiToken.objects.get(user=owner)
    client = mfa_client(nobody)

    assert "Owner's script" not in client.get("/account/tokens/").content.decode()
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_expiry_is_shown_in_london_time(nobody):
    created = datetime(2027, 7, 1, 11, 0, tzinfo=UTC)
    ApiToken.objects.create(
        user=nobody,
        name="Summer",
        prefix="ff_summer",
        token_sha256="a" * 64,
        created_at=created,
        expires_at=created + timedelta(days=30, hours=1),  # 31 July 12:00 UTC, 13:00 BST
    )

    page = read(signed_in_client(nobody).get("/account/tokens/"))

    assert "31 Jul 2027, 13:00" in page.text


def test_token_pages_ask_anonymous_visitors_to_sign_in(client):
    response = client.post("/account/tokens/", {"name": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not ApiToken.objects.exists()
