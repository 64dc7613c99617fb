"""The page shell: the demo's MFA banner, the council's branding, and MFA methods offered."""

import pytest
from django.test import Client

from tests.factories import UserFactory, mfa_client, signed_in_client

pytestmark = pytest.mark.django_db

BANNER = "Two-factor authentication is switched off in this demo"


def test_the_demo_banner_is_on_every_page_when_mfa_is_off(settings, officer):
    settings.FAIRFUND_REQUIRE_MFA = False
    for client, path in (
        (Client(), "/"),
        (Client(), "/accounts/login/"),
        (signed_in_client(officer), "/account/"),
    ):
        assert BANNER in client.get(path).content.decode(), path


def test_no_banner_when_mfa_is_required(settings):
    settings.FAIRFUND_REQUIRE_MFA = True
    assert BANNER not in Client().get("/").content.decode()


def test_a_privileged_person_without_mfa_is_told_on_every_page(officer):
    page = signed_in_client(officer).get("/").content.decode()
    assert "Your role needs two-factor authentication before you can act." in page
    assert "Your role needs two-factor" not in mfa_client(UserFactory()).get("/").content.decode()


def test_pages_carry_the_councils_name_and_colour(council):
    page = Client().get("/").content.decode()
    assert council.name in page
    assert f"--ff-brand: {council.brand_colour}" in page


def test_totp_recovery_codes_and_webauthn_are_offered(settings):
    assert settings.MFA_SUPPORTED_TYPES == ["totp", "recovery_codes", "webauthn"]
    user = UserFactory()
    page = mfa_client(user).get("/accounts/2fa/").content.decode()
    assert "/accounts/2fa/webauthn/" in page
    assert "/accounts/2fa/recovery-codes/" in page
