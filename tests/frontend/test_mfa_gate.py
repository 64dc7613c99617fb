"""Officers, auditors and chairs act only after a second factor; the pages say so, then let them."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client

from backend.accounts.models import RoleGrant
from backend.funds.models import Locality, Panel
from tests.factories import PASSWORD, add_totp, signed_in_client

from .pages import read

pytestmark = pytest.mark.django_db

MFA_MESSAGE = "Your role needs two-factor authentication."


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def password_login(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def assert_refused_for_mfa(response) -> None:
    assert response.status_code == 403
    page = read(response)
    assert MFA_MESSAGE in page.text
    assert page.has_link("/accounts/2fa/")


def pages_for(role: str, council, panel) -> list[str]:
    return {
        "officer": [f"/councils/{council.pk}/", f"/councils/{council.pk}/localities/new/"],
        "auditor": [f"/councils/{council.pk}/", f"/panels/{panel.pk}/"],
        "chair": [f"/panels/{panel.pk}/edit/"],
    }[role]


@pytest.mark.parametrize("role", ["officer", "auditor", "chair"])
def test_a_session_without_a_second_factor_is_refused_with_the_reason(
    request, role, council, panel
):
    client = signed_in_client(request.getfixturevalue(role))

    for path in pages_for(role, council, panel):
        assert_refused_for_mfa(client.get(path))


def test_refused_writes_change_nothing(officer, chair, council, panel, nobody):
    officer_client = signed_in_client(officer)
    chair_client = signed_in_client(chair)

    assert_refused_for_mfa(
        officer_client.post(
            f"/councils/{council.pk}/localities/new/", {"name": "X", "ward_codes": "E05011234"}
        )
    )
    assert_refused_for_mfa(
        officer_client.post(
            f"/councils/{council.pk}/roles/add/", {"email": nobody.email, "role": "auditor"}
        )
    )
    assert_refused_for_mfa(
        chair_client.post(f"/panels/{panel.pk}/edit/", {"description": "Changed"})
    )

    assert not Locality.objects.exists()
    assert not RoleGrant.objects.filter(user=nobody).exists()
    assert Panel.objects.get(pk=panel.pk).description == ""


def test_the_home_page_warns_a_role_holder_without_a_second_factor(officer):
    page = read(signed_in_client(officer).get("/"))

    assert "Your role needs two-factor authentication before you can act." in page.text


def test_a_member_reads_the_panel_without_a_second_factor(member, panel):
    assert signed_in_client(member).get(f"/panels/{panel.pk}/").status_code == 200


# allauth marks the session after the activation commits: the test needs real commits.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["officer", "auditor", "chair"])
def test_setting_up_an_authenticator_in_the_session_lets_them_act(request, role, council, panel):
    person = request.getfixturevalue(role)
    client = password_login(person)
    for path in pages_for(role, council, panel):
        assert_refused_for_mfa(client.get(path))

    # allauth asks for the password again before adding an authenticator.
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    # The person scans the secret the activation page shows, and types the app's code.
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    session = client.session
    session[SECRET_SESSION_KEY] = secret
    session.save()
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not response["Location"].startswith("/accounts/reauthenticate/")

    for path in pages_for(role, council, panel):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", ["officer", "auditor", "chair"])
def test_signing_in_with_password_and_code_lets_them_act(request, role, council, panel):
    person = request.getfixturevalue(role)
    secret = add_totp(person)
    client = password_login(person)
    assert client.get("/").wsgi_request.user.is_authenticated is False

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]

    for path in pages_for(role, council, panel):
        assert client.get(path).status_code == 200
