"""A bid from start to screening, in a real browser, with JavaScript on and with it off.

An applicant signs in, registers an organisation, finds the fund on the public page of open
funds, starts a bid, fills in every section (a wrong number first, to see the error and that
nothing typed is lost), uploads a plan, accepts the declarations, checks the answers, submits
and sees the confirmation. An officer signs in with a second factor, moves the fund on to
screening, records an outcome and a reason for each checklist item and decides the bid
ineligible. The applicant signs in again and sees the outcome and reason of each item. Every
page passes axe-core with no serious or critical problem, at 320 px, with no console error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from backend.funds.models import EligibilityItem
from tests.bids.helpers import PDF, open_fund
from tests.e2e.audit import NARROW, PageAudit
from tests.e2e.test_signup_journey import ORGANISATION, totp_code
from tests.factories import PASSWORD, UserFactory, add_totp

pytestmark = pytest.mark.e2e

ANSWERS = {
    "summary": "Weekly stay-and-play sessions for under-fives and their carers.",
    "need": "Families in the ward have few free places to meet; health visitors report isolation.",
    "population_served": "Children aged 0 to 5 and their carers in Riverside.",
    "outcomes": "More children ready for school; carers less isolated (measured by survey).",
    "evidence_sources": "Our 2024 evaluation with the local university.",
    "delivery_plan": "Two sessions a week in the community hall, from April.",
    "partners": "Riverside Library",
    "named_staff": "Amina Khan, play worker",
}


@pytest.fixture
def audit_context(browser: Browser, javascript: bool) -> Iterator[BrowserContext | None]:
    if javascript:
        yield None
        return
    context = browser.new_context(java_script_enabled=True, viewport=NARROW)
    yield context
    context.close()


@pytest.fixture
def context(browser: Browser, javascript: bool) -> Iterator[BrowserContext]:
    viewport = NARROW if javascript else {"width": 1280, "height": 800}
    context = browser.new_context(java_script_enabled=javascript, viewport=viewport)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def sign_in(page: Page, base: str, email: str, *, totp_secret: str = "") -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    if totp_secret:
        expect(page.locator("h1")).to_have_text("Enter your security code")
        page.fill("#id_code", totp_code(totp_secret))
        page.locator("main form button[type=submit]").first.click()
    expect(page.locator(".ff-header").get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.locator(".ff-header").get_by_role("button", name="Sign out").click()
    expect(page.locator(".ff-header").get_by_role("link", name="Sign in")).to_be_visible()


def save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_a_bid_from_start_to_its_screening_outcome(
    transactional_db: None,
    live_server: LiveServer,
    mailoutbox: list[mail.EmailMessage],
    context: BrowserContext,
    audit_context: BrowserContext | None,
    axe_source: str,
    javascript: bool,
    council,
    panel,
    officer,
    chair,
    tmp_path,
    settings,
) -> None:
    settings.FAIRFUND_UPLOAD_ROOT = str(tmp_path / "uploads")
    fund = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    # A second checklist item, so that one passes and one fails.
    last = EligibilityItem.objects.filter(fund=fund).order_by("position").last()
    EligibilityItem.objects.create(
        fund=fund, text="A not-for-profit body", position=(last.position + 1 if last else 1)
    )
    items = list(EligibilityItem.objects.filter(fund=fund).order_by("position"))
    secret = add_totp(officer)
    applicant = UserFactory()
    base = live_server.url
    page = context.new_page()
    audit = PageAudit(axe_source=axe_source, audit_context=audit_context)
    audit.watch(page)
    h1 = page.locator("h1")

    # The applicant signs in and registers an organisation.
    sign_in(page, base, applicant.email)
    page.goto(base + "/organisations/new/")
    for name, value in ORGANISATION.items():
        page.fill(f"main form [name={name}]", value)
    page.check("main form input[name=legal_form][value=cic]")
    page.locator("main form button.govuk-button[type=submit]").click()
    expect(h1).to_have_text(ORGANISATION["name"])

    # The public page of open funds leads to the bid.
    page.goto(base + "/funds/open/")
    audit.check(page, "open funds")
    page.get_by_test_id("start-bid").first.click()
    expect(h1).to_have_text("Start a bid")
    audit.check(page, "start a bid")
    page.fill("#id_title", "Stay and play in Riverside")
    page.get_by_role("button", name="Start the bid").click()
    expect(h1).to_have_text("Stay and play in Riverside")
    audit.check(page, "task list")
    bid_url = re.sub(r"[?#].*$", "", page.url)
    bid_id = int(re.search(r"/bids/(\d+)/", bid_url).group(1))

    # Every section, in order, with Save and continue.
    page.goto(f"{base}/bids/{bid_id}/edit/about/")
    audit.check(page, "about the bid")
    page.fill("#id_summary", ANSWERS["summary"])
    save_and_continue(page)
    page.fill("#id_need", ANSWERS["need"])
    page.fill("#id_population_served", ANSWERS["population_served"])
    audit.check(page, "the need")
    save_and_continue(page)
    page.fill("#id_outcomes", ANSWERS["outcomes"])
    save_and_continue(page)
    page.check("input[name=evidence_level][value='2']")
    page.fill("#id_evidence_sources", ANSWERS["evidence_sources"])
    audit.check(page, "evidence")
    save_and_continue(page)
    page.fill("#id_delivery_plan", ANSWERS["delivery_plan"])
    save_and_continue(page)
    # A wrong number: the error is shown next to it and what was typed stays.
    page.fill("#id_beneficiaries", "about a hundred")
    page.fill("#id_partners", ANSWERS["partners"])
    page.fill("#id_named_staff", ANSWERS["named_staff"])
    save_and_continue(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator("#id_beneficiaries-error")).to_be_visible()
    expect(page.locator("#id_partners")).to_have_value(ANSWERS["partners"])
    audit.check(page, "people with an error")
    page.fill("#id_beneficiaries", "120")
    save_and_continue(page)
    page.fill("[name=description_0]", "Play workers")
    page.fill("[name=amount_0]", "9,000")
    page.fill("[name=description_1]", "Hall hire")
    page.fill("[name=amount_1]", "3000.50")
    audit.check(page, "budget")
    save_and_continue(page)

    # The upload is a step of its own.
    expect(page).to_have_url(re.compile(rf"/bids/{bid_id}/attachments/"))
    audit.check(page, "attachments")
    plan = tmp_path / "delivery-plan.pdf"
    plan.write_bytes(PDF)
    page.set_input_files("input[type=file][name=file]", str(plan))
    page.get_by_role("button", name="Upload the file").click()
    expect(page.locator("main")).to_contain_text("delivery-plan.pdf")
    audit.check(page, "attachments with a file")
    page.get_by_role("link", name="Continue").click()

    # Declarations, then check the answers and submit.
    expect(page).to_have_url(re.compile(rf"/bids/{bid_id}/edit/declarations/"))
    boxes = page.locator("input[name=declarations]")
    expect(boxes).to_have_count(6)
    for box in boxes.all():
        box.check()
    audit.check(page, "declarations")
    save_and_continue(page)
    expect(page).to_have_url(re.compile(rf"/bids/{bid_id}/submit/"))
    expect(page.locator("main")).to_contain_text(ANSWERS["delivery_plan"])
    expect(page.locator("main")).to_contain_text("£12,000.50")
    audit.check(page, "check your answers")
    page.get_by_role("button", name="Submit the bid").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Bid submitted")
    expect(page.locator(".govuk-panel")).to_contain_text(str(bid_id))
    audit.check(page, "bid submitted")
    page.goto(base + "/bids/")
    expect(page.locator("main")).to_contain_text("Stay and play in Riverside")
    audit.check(page, "my bids")
    sign_out(page)

    # The officer signs in with a second factor and moves the fund on to screening.
    sign_in(page, base, officer.email, totp_secret=secret)
    page.goto(f"{base}/funds/{fund.pk}/")
    page.get_by_role("button", name="Move to: Screening").click()
    page.get_by_test_id("screening-link").click()
    expect(page.locator("main")).to_contain_text("Stay and play in Riverside")
    audit.check(page, "screening queue")
    page.get_by_role("link", name="Stay and play in Riverside").click()
    audit.check(page, "screen a bid")
    outcomes = ["pass"] * len(items)
    outcomes[-1] = "fail"
    for item, outcome in zip(items, outcomes, strict=True):
        page.check(f"input[name='item-{item.pk}-outcome'][value={outcome}]")
        reason = "Registered locally" if outcome == "pass" else "Accounts are two years old"
        page.fill(f"[name='item-{item.pk}-reason']", reason)
    page.get_by_role("button", name="Save the checklist").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    page.check("input[name=decision][value=ineligible]")
    page.fill("#id_reason", "The accounts are out of date.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("main")).to_contain_text("Ineligible")
    audit.check(page, "screened")
    sign_out(page)

    # The applicant sees the outcome and the reason of each item.
    sign_in(page, base, applicant.email)
    page.goto(f"{base}/bids/{bid_id}/")
    main = page.locator("main")
    expect(main).to_contain_text("Accounts are two years old")
    expect(main).to_contain_text("Registered locally")
    expect(main).to_contain_text("The accounts are out of date.")
    for item in items:
        expect(main).to_contain_text(item.text)
    audit.check(page, "the screening outcome")
    assert len(audit.audited) == 18, audit.audited
