"""API tokens: issued only from an MFA-verified session, stored hashed, expiring, revocable."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from backend.accounts.models import ApiToken
from backend.funds.models import Locality
from tests.factories import UserFactory, add_totp, mfa_client, signed_in_client

from .calls import bearer_client, call, issue_token

pytestmark = pytest.mark.django_db


def _tables_containing(text: str) -> list[str]:
    """Every table with a row whose text contains ``text``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} AS t "
                "WHERE strpos(t::text, %s) > 0",
                [text],
            )
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def _issue(client: Client, name: str = "Reporting script"):
    return call(client, "POST", "/api/v1/tokens/", {"name": name})


class TestIssue:
    def test_an_mfa_verified_session_gets_the_token_once(self):
        user = UserFactory()
        client = mfa_client(user)
        response = _issue(client)
        assert response.status_code == 201, response.data
        plaintext = response.data["token"]
        assert plaintext.startswith("ff_")
        token = ApiToken.objects.get(pk=response.data["id"])
        assert token.user == user
        assert token.name == "Reporting script"
        assert token.token_sha256 == hashlib.sha256(plaintext.encode()).hexdigest()
        assert token.prefix == plaintext[:10] == response.data["prefix"]
        assert token.expires_at > timezone.now() + timedelta(days=29)

        listed = call(client, "GET", "/api/v1/tokens/").data
        assert [t["id"] for t in listed] == [token.pk]
        assert "token" not in listed[0]
        assert plaintext not in str(listed)
        assert token.token_sha256 not in str(listed)

    def test_the_plaintext_is_nowhere_in_the_database(self):
        plaintext = _issue(mfa_client(UserFactory())).data["token"]
        digest = ApiToken.objects.get().token_sha256
        assert _tables_containing(digest) == ["accounts_apitoken"]  # the search finds what is there
        assert _tables_containing(plaintext) == []
        assert _tables_containing(plaintext[3:]) == []  # not even without its prefix

    def test_a_session_without_mfa_is_refused(self):
        user = UserFactory()
        add_totp(user)
        response = _issue(signed_in_client(user))  # signed in with the password only
        assert response.status_code == 403
        assert response.data["code"] == "permission_denied"
        assert not ApiToken.objects.exists()

    def test_a_token_cannot_issue_a_token(self):
        user = UserFactory()
        plaintext = issue_token(user)
        response = _issue(bearer_client(plaintext))
        assert response.status_code == 403
        assert response.data["code"] == "session_required"
        assert ApiToken.objects.count() == 1

    def test_a_session_must_send_its_csrf_token(self):
        user = UserFactory()
        client = mfa_client(user)
        client.handler.enforce_csrf_checks = True
        response = _issue(client)
        assert response.status_code == 403
        assert "CSRF" in response.data["message"]
        assert not ApiToken.objects.exists()

    def test_a_blank_name_is_a_field_error(self):
        response = _issue(mfa_client(UserFactory()), name="  ")
        assert response.status_code == 400
        assert set(response.data["fields"]) == {"name"}
        assert not ApiToken.objects.exists()


class TestUse:
    def test_a_token_request_acts_with_mfa(self, officer, council):
        client = bearer_client(issue_token(officer))
        me = call(client, "GET", "/api/v1/me/")
        assert me.status_code == 200
        assert me.data["mfa_verified"] is True
        # An officer's write needs MFA; a token (from an MFA-verified session) carries it, and a
        # token request needs no CSRF token.
        response = call(
            client,
            "POST",
            f"/api/v1/councils/{council.pk}/localities/",
            {"name": "Ward", "ward_codes": ["E05011234"]},
        )
        assert response.status_code == 201, response.data
        assert Locality.objects.filter(council=council, name="Ward").exists()

    def test_use_is_recorded(self):
        user = UserFactory()
        plaintext = issue_token(user)
        assert call(bearer_client(plaintext), "GET", "/api/v1/me/").status_code == 200
        assert ApiToken.objects.get().last_used_at is not None

    def test_an_expired_token_is_refused(self):
        user = UserFactory()
        plaintext = issue_token(user)
        past = timezone.now() - timedelta(days=31)
        ApiToken.objects.update(created_at=past, expires_at=past + timedelta(days=30))
        response = call(bearer_client(plaintext), "GET", "/api/v1/me/")
        assert response.status_code == 401
        assert response.data["code"] == "authentication_failed"

    def test_an_unknown_or_malformed_token_is_refused(self):
        assert call(bearer_client("ff_not-a-token"), "GET", "/api/v1/me/").status_code == 401
        assert call(bearer_client("nope"), "GET", "/api/v1/me/").status_code == 401
        client = Client(headers={"authorization": "Bearer"})
        assert call(client, "GET", "/api/v1/me/").status_code == 401


class TestRevoke:
    def test_a_revoked_token_is_refused(self):
        user = UserFactory()
        session = mfa_client(user)
        issued = _issue(session).data
        token_client = bearer_client(issued["token"])
        assert call(token_client, "GET", "/api/v1/me/").status_code == 200

        response = call(session, "DELETE", f"/api/v1/tokens/{issued['id']}/")
        assert response.status_code == 204
        assert ApiToken.objects.get().revoked_at is not None
        assert call(token_client, "GET", "/api/v1/me/").status_code == 401
        assert call(session, "GET", "/api/v1/tokens/").data == []

    def test_a_token_can_revoke_itself(self):
        user = UserFactory()
        plaintext = issue_token(user)
        client = bearer_client(plaintext)
        token = ApiToken.objects.get()
        assert call(client, "DELETE", f"/api/v1/tokens/{token.pk}/").status_code == 204
        assert call(client, "GET", "/api/v1/me/").status_code == 401

    def test_nobody_revokes_someone_elses_token(self):
        owner = UserFactory()
        issue_token(owner)
        token = ApiToken.objects.get()
        response = call(mfa_client(UserFactory()), "DELETE", f"/api/v1/tokens/{token.pk}/")
        assert response.status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None
