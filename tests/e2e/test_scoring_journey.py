"""Panel scoring in a real browser, with JavaScript on and with it off.

Two members declare on every bid (one of them a conflict on the first bid, which they then
cannot open) and score; the chair signs in with a second factor, moderates the first bid from
the dashboard, proposes the shortlist, writes the feedback and confirms it; the first bid's
applicant reads that it is shortlisted, with the feedback. Every page passes axe-core with no
serious or critical problem, at 320 px, with no console error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from backend.accounts.models import RoleGrant
from backend.scoring.models import Shortlist
from tests.e2e.audit import NARROW, PageAudit
from tests.e2e.test_bid_journey import sign_in, sign_out
from tests.factories import add_totp
from tests.scoring.conftest import scoring_fund, upload_root  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e


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


def declare(page: Page, bid_id: int, *, conflict: bool = False) -> None:
    form = page.get_by_test_id(f"declare-form-{bid_id}")
    if conflict:
        form.locator("input[value=conflict]").check()
        form.locator("input[name$=relationship][value=trustee]").check()
        form.locator("textarea[name$=description]").fill("I chair its board of trustees.")
    else:
        form.locator("input[value=none]").check()
    form.get_by_role("button", name="Save the declaration").click()


def score(page: Page, criteria, value: int) -> None:
    for criterion in criteria:
        page.check(f"input[name=criterion_{criterion.pk}][value='{value}']")
        page.fill(f"[name=comment_{criterion.pk}]", "Well evidenced, clear plan")


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_two_members_score_and_the_chair_confirms_the_shortlist(
    transactional_db: None,
    scoring_fund,  # noqa: F811
    live_server: LiveServer,
    context: BrowserContext,
    audit_context: BrowserContext | None,
    axe_source: str,
    javascript: bool,
) -> None:
    world = scoring_fund
    first, second, third = world.bids
    base = live_server.url
    home = f"{base}/funds/{world.fund.pk}/scoring/"
    page = context.new_page()
    audit = PageAudit(axe_source=axe_source, audit_context=audit_context)
    audit.watch(page)
    main = page.locator("main")

    # The first member declares no conflict on every bid, then scores the first bid.
    alice, bob = world.members[0], world.members[1]
    sign_in(page, base, alice.email)
    page.goto(home)
    expect(main).to_contain_text("declare any conflicts of interest")
    expect(main).not_to_contain_text(first.summary)  # no content before declaring
    audit.check(page, "declare conflicts")
    for bid in world.bids:
        declare(page, bid.pk)
    expect(page.get_by_test_id("bids")).to_be_visible()
    audit.check(page, "bids to score")
    page.goto(f"{base}/bids/{first.pk}/score/")
    expect(main).to_contain_text(first.summary)
    audit.check(page, "scoring sheet")
    # Submitting an empty sheet lists every criterion at once.
    page.get_by_role("button", name="Submit scores").click()
    expect(page.locator(".govuk-error-summary li")).to_have_count(len(world.criteria))
    audit.check(page, "scoring sheet with errors")
    score(page, world.criteria, 4)
    page.get_by_role("button", name="Submit scores").click()
    expect(main).to_contain_text("submitted")
    audit.check(page, "scores submitted")
    sign_out(page)

    # The second member declares a conflict on the first bid: it is closed to them.
    sign_in(page, base, bob.email)
    page.goto(home)
    declare(page, first.pk, conflict=True)
    for bid in (second, third):
        declare(page, bid.pk)
    expect(main).to_contain_text("Conflict of interest")
    # (Asked outside the page, whose watcher counts any 4xx as a problem.)
    assert context.request.get(f"{base}/bids/{first.pk}/score/").status == 404
    assert context.request.get(f"{base}/bids/{first.pk}/").status == 404
    page.goto(f"{base}/bids/{second.pk}/score/")
    score(page, world.criteria, 3)
    page.get_by_role("button", name="Submit scores").click()
    expect(main).to_contain_text("submitted")
    sign_out(page)

    # The chair, with a second factor, moderates the first bid and confirms the shortlist.
    secret = add_totp(world.chair)
    sign_in(page, base, world.chair.email, totp_secret=secret)
    page.goto(home)  # the chair declares too, before reading any bid
    for bid in world.bids:
        declare(page, bid.pk)
    page.goto(f"{base}/funds/{world.fund.pk}/scoring/dashboard/")
    expect(main).to_contain_text(alice.full_name or alice.email)
    audit.check(page, "dashboard")
    page.goto(f"{base}/bids/{first.pk}/moderate/")
    audit.check(page, "moderate")
    page.fill("#id_score", "85.5")
    page.fill("#id_reason", "Site visit confirmed the waiting list.")
    page.get_by_role("button", name="Record the moderated score").click()
    page.goto(f"{base}/funds/{world.fund.pk}/shortlist/")
    audit.check(page, "shortlist")
    page.check("input[name=rule][value=top_n]")
    page.fill("#id_parameter", "1")
    page.get_by_role("button", name="Propose the shortlist").click()
    expect(main).to_contain_text("85.50")
    audit.check(page, "shortlist proposed")
    page.fill(
        f"[name='bid-{first.pk}-feedback']", "A strong, well-costed plan; the panel liked it."
    )
    page.locator(f"[name='bid-{first.pk}-feedback']").locator("xpath=ancestor::form").get_by_role(
        "button", name="Save"
    ).click()
    page.get_by_role("button", name="Confirm shortlist").click()
    expect(main).to_contain_text("confirmed")
    audit.check(page, "shortlist confirmed")
    sign_out(page)
    shortlist = Shortlist.objects.get(fund=world.fund)
    assert shortlist.snapshot["entries"][0]["bid"] == first.pk
    assert shortlist.snapshot["entries"][0]["panel_score"] == "85.50"

    # The first bid's applicant reads the outcome and the feedback.
    grant = RoleGrant.objects.get(organisation=first.organisation, role="applicant")
    sign_in(page, base, grant.user.email)
    page.goto(f"{base}/bids/{first.pk}/")
    expect(page.get_by_test_id("shortlist-outcome")).to_contain_text("shortlisted this bid")
    expect(page.get_by_test_id("shortlist-feedback")).to_contain_text("well-costed plan")
    audit.check(page, "applicant reads the feedback")
    assert len(audit.audited) == 11, audit.audited
