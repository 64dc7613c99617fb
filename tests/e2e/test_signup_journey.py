"""A new person's first visit, in a real browser, with JavaScript on and with it off.

Sign up, confirm the email address from the link in the email, sign in, set up an authenticator
app (TOTP) by typing the key shown on the page, see the recovery codes, sign out, sign in again
through the two-factor challenge, and register an organisation. Every page on the way must pass
axe-core with no serious or critical problem, fit 320 px without sideways scrolling, and load
with no console error (a CSP refusal is one) or failed request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.e2e.audit import NARROW, PageAudit

pytestmark = pytest.mark.e2e

PASSWORD = "a long and unusual passphrase 42"
GOVUK_FOCUS_YELLOW = "rgb(255, 221, 0)"
ORGANISATION = {
    "name": "Northbridge Community Kitchen CIC",
    "company_number": "12345678",
    "address_line_1": "1 Market Street",
    "town": "Northbridge",
    "postcode": "SW1A 1AA",
    "contact_email": "hello@kitchen.example.org",
    "contact_phone": "020 7946 0000",
    "website": "https://kitchen.example.org",
}


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now, by allauth's own HOTP; never one about to expire."""
    period = mfa_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 3:
        time.sleep(remaining + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


@pytest.fixture
def audit_context(browser: Browser, javascript: bool) -> Iterator[BrowserContext | None]:
    if javascript:
        yield None
        return
    context = browser.new_context(java_script_enabled=True, viewport=NARROW)
    yield context
    context.close()


@pytest.fixture
def page(browser: Browser, javascript: bool) -> Iterator[Page]:
    # With JavaScript on, the whole journey runs at 320 px wide; with it off, at desktop width
    # (its pages are still checked at 320 px, in the audit's copy).
    viewport = NARROW if javascript else {"width": 1280, "height": 800}
    context = browser.new_context(java_script_enabled=javascript, viewport=viewport)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_signup_to_organisation(
    transactional_db: None,
    live_server: LiveServer,
    mailoutbox: list[mail.EmailMessage],
    page: Page,
    audit_context: BrowserContext | None,
    axe_source: str,
    javascript: bool,
) -> None:
    audit = PageAudit(axe_source=axe_source, audit_context=audit_context)
    audit.watch(page)
    email = f"sam.{'js' if javascript else 'nojs'}@example.org"
    header = page.locator(".ff-header")
    h1 = page.locator("h1")

    # Home, and the keyboard: the skip link comes first, then the service name, with focus shown.
    page.goto(live_server.url + "/")
    audit.check(page, "home")
    page.keyboard.press("Tab")
    expect(page.locator(".govuk-skip-link")).to_be_focused()
    page.keyboard.press("Tab")
    service_link = header.locator(".ff-header__service")
    expect(service_link).to_be_focused()
    expect(service_link).to_have_css("background-color", GOVUK_FOCUS_YELLOW)

    # Sign up: an empty form first, to see the errors, then a good one sent with Enter.
    header.get_by_role("link", name="Create an account").click()
    expect(h1).to_have_text("Create an account")
    audit.check(page, "sign up")
    # GOV.UK Frontend's scripts (ES modules under our CSP) enhance the page only with JavaScript:
    # the password's Show button appears, and the error summary takes focus.
    show_password = page.locator("#id_password1 ~ .govuk-password-input__toggle")
    if javascript:
        expect(show_password).to_be_visible()
    else:
        expect(show_password).to_be_hidden()
    page.locator("main form button[type=submit]").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    if javascript:
        expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_email']")).to_be_visible()
    expect(page.locator("#id_email-error")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    audit.check(page, "sign up with errors")
    page.fill("#id_email", email)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator("#id_password2").press("Enter")
    expect(h1).to_have_text("Check your email")
    audit.check(page, "check your email")

    # The email's link, opened and confirmed.
    assert len(mailoutbox) == 1, [message.subject for message in mailoutbox]
    assert mailoutbox[0].to == [email]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", str(mailoutbox[0].body))
    assert link, mailoutbox[0].body
    page.goto(link.group(0))
    expect(h1).to_have_text("Confirm your email address")
    audit.check(page, "confirm email")
    page.locator("main form button[type=submit]").click()
    # Confirming in the browser that signed up signs the person in.
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    audit.check(page, "home, signed in")
    header.get_by_role("button", name="Sign out").click()
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()

    # Sign in with a password (a wrong one first).
    header.get_by_role("link", name="Sign in").click()
    expect(h1).to_have_text("Sign in")
    audit.check(page, "sign in")
    page.fill("#id_login", email)
    page.fill("#id_password", "not the password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit.check(page, "sign in with errors")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(header.get_by_role("link", name="Your account")).to_be_visible()

    # Set up an authenticator app, typing the key shown on the page.
    header.get_by_role("link", name="Your account").click()
    expect(h1).to_have_text("Your account")
    audit.check(page, "your account")
    page.locator("main").get_by_role("link", name="Two-factor authentication").click()
    expect(h1).to_have_text("Two-factor authentication")
    audit.check(page, "two-factor authentication")
    page.get_by_role("button", name="Set up an authenticator app").click()
    # allauth asks for the password again before any change to two-factor settings.
    expect(h1).to_have_text("Confirm it is you")
    audit.check(page, "confirm it is you")
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(h1).to_have_text("Set up an authenticator app")
    expect(page.locator("img.ff-qr-code")).to_be_visible()
    audit.check(page, "set up an authenticator app")
    shown = page.locator("#totp-secret").inner_text()
    secret = re.sub(r"\s", "", shown)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), shown
    assert secret == page.locator("#totp-secret").get_attribute("data-secret")
    page.fill("#id_code", "000000" if totp_code(secret) != "000000" else "111111")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_code-error")).to_be_visible()
    audit.check(page, "set up an authenticator app with a wrong code")
    page.fill("#id_code", totp_code(secret))
    page.locator("main form button[type=submit]").click()

    # The recovery codes, shown straight after.
    expect(h1).to_have_text("Your recovery codes")
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10, codes
    audit.check(page, "recovery codes")

    # Sign out, and in again through the two-factor challenge.
    header.get_by_role("button", name="Sign out").click()
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()
    audit.check(page, "home, signed out")
    header.get_by_role("link", name="Sign in").click()
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(h1).to_have_text("Enter your security code")
    audit.check(page, "two-factor challenge")
    page.fill("#id_code", totp_code(secret))
    page.locator("main form button[type=submit]").first.click()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()

    # Register an organisation.
    page.goto(live_server.url + "/organisations/new/")
    audit.check(page, "register an organisation")
    submit = page.locator("main form button.govuk-button[type=submit]")
    submit.click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    audit.check(page, "register an organisation with errors")
    for name, value in ORGANISATION.items():
        page.fill(f"main form [name={name}]", value)
    page.check("main form input[name=legal_form][value=cic]")
    submit.click()
    expect(page).to_have_url(re.compile(r"/organisations/\d+/$"))
    expect(h1).to_have_text(ORGANISATION["name"])
    audit.check(page, "organisation")

    assert len(audit.audited) == 19, audit.audited
