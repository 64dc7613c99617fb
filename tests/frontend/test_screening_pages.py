"""Screening pages: an officer records each checklist item of a submitted bid, then decides it;
the queue shows what is left; nobody else can screen, and every text is shown escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse

from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Attachment, Bid, ScreeningCheck, Status
from backend.bids.services import (
    BudgetLineInput,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    budget_line_set,
    screening_record_item,
)
from backend.config.urls import urlpatterns as project_urlpatterns
from backend.funds.models import EligibilityItem, Phase
from backend.funds.services import fund_transition
from backend.notifications.models import Notification
from tests.bids.helpers import open_fund
from tests.factories import (
    BidFactory,
    CouncilFactory,
    OrganisationFactory,
    UserFactory,
    actor,
    grant,
    mfa_client,
    signed_in_client,
)

from .pages import read

pytestmark = pytest.mark.django_db

MFA_MESSAGE = "Your role needs two-factor authentication."
SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = b"&lt;script&gt;alert(1)&lt;/script&gt;"

# 1 July 2026 is in British Summer Time, 1 December in Greenwich Mean Time.
SUMMER = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
WINTER = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _placeholder(request, **kwargs) -> HttpResponse:
    return HttpResponse("")


# A URL configuration with stand-ins for the bid pages another part of the UI provides, so that
# the links to them can be tested whether or not those pages exist yet.
urlpatterns = [
    *project_urlpatterns,
    path("test-only/bids/<int:bid_id>/", _placeholder, name="bid_detail"),
    path(
        "test-only/bids/<int:bid_id>/attachments/<int:attachment_id>/",
        _placeholder,
        name="bid_attachment",
    ),
]


@pytest.fixture
def fund(council, panel, officer, chair):
    """A fund taking bids, with a checklist of two items."""
    fund = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    first = EligibilityItem.objects.get(fund=fund)
    EligibilityItem.objects.create(
        fund=fund, text="A not-for-profit body", position=first.position + 1
    )
    return fund


@pytest.fixture
def items(fund):
    return list(EligibilityItem.objects.filter(fund=fund).order_by("position"))


def submit_bid(
    fund, organisation, applicant, *, title="Stay and play", amount=1_200_000, **answers
):
    """A complete bid, submitted through the services as its applicant would."""
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation, title=title)
    bid_update(
        actor=actor(applicant),
        bid=bid,
        **{
            "summary": "Weekly stay-and-play sessions",
            "need": "Isolation",
            "population_served": "Under-fives",
            "outcomes": "School readiness",
            "evidence_level": 2,
            "evidence_sources": "Surveys",
            "delivery_plan": "Twice a week",
            "beneficiaries": 120,
            **answers,
        },
    )
    budget_line_set(actor=actor(applicant), bid=bid, lines=[BudgetLineInput("Workers", amount)])
    bid_set_declarations(actor=actor(applicant), bid=bid, accepted=DECLARATION_CODES)
    bid.refresh_from_db()
    bid_submit(actor=actor(applicant), bid=bid)
    bid.refresh_from_db()
    return bid


def start_screening(fund, officer) -> None:
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)


@pytest.fixture
def bid(fund, organisation, applicant, officer):
    """A submitted bid, its fund now screening."""
    submitted = submit_bid(fund, organisation, applicant)
    start_screening(fund, officer)
    submitted.refresh_from_db()
    return submitted


def checklist_post(items, answers) -> dict[str, str]:
    """The checklist form's data: ``answers`` maps an item's index to (outcome, reason)."""
    data = {}
    for index, item in enumerate(items):
        outcome, reason = answers.get(index, ("", ""))
        if outcome:
            data[f"item-{item.pk}-outcome"] = outcome
        data[f"item-{item.pk}-reason"] = reason
    return data


def record(officer, bid, item, outcome="pass", reason="Met"):
    screening_record_item(actor=actor(officer), bid=bid, item=item, outcome=outcome, reason=reason)


def queue_url(fund) -> str:
    return f"/funds/{fund.pk}/screening/"


def bid_url(bid) -> str:
    return f"/bids/{bid.pk}/screening/"


def decision_url(bid) -> str:
    return f"/bids/{bid.pk}/screening/decision/"


# --- the queue --------------------------------------------------------------------------------


def test_the_queue_lists_waiting_bids_oldest_first_with_their_essentials(
    officer_client, fund, organisation, applicant, officer, items
):
    later = submit_bid(fund, organisation, applicant, title="Toy library", amount=250_050)
    other = OrganisationFactory(name="Northside Parents CIC")
    other_applicant = UserFactory()
    grant(other_applicant, "applicant", organisation=other)
    earlier = submit_bid(fund, other, other_applicant, title="Baby massage")
    Bid.objects.filter(pk=later.pk).update(submitted_at=WINTER)
    Bid.objects.filter(pk=earlier.pk).update(submitted_at=SUMMER)
    start_screening(fund, officer)
    record(officer, later, items[0])

    response = officer_client.get(queue_url(fund))

    assert response.status_code == 200
    page = read(response)
    assert page.h1 == "Screening"
    assert "2 bids to screen" in page.text
    assert page.text.index("Baby massage") < page.text.index("Toy library")
    assert "Northside Parents CIC" in page.text
    assert organisation.name in page.text
    assert "£2,500.50" in page.text
    assert "£12,000.00" in page.text
    assert "1 July 2026, 09:00 BST" in page.text
    assert "1 December 2026, 08:00 GMT" in page.text
    assert "1 of 2 checklist items recorded" in page.text
    assert "0 of 2 checklist items recorded" in page.text
    assert page.has_link(bid_url(earlier))
    assert page.has_link(bid_url(later))
    assert "No bids have been decided yet." in page.text


def test_the_queue_leaves_out_drafts_and_bids_of_other_funds(
    officer_client, fund, bid, organisation, applicant, council, panel, officer, chair
):
    BidFactory(fund=fund, organisation=organisation, created_by=applicant, title="Half-done")
    elsewhere = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    submit_bid(elsewhere, organisation, applicant, title="Another fund's bid")

    page = read(officer_client.get(queue_url(fund)))

    assert "1 bid to screen" in page.text
    assert "Half-done" not in page.text
    assert "Another fund's bid" not in page.text


# --- the officer's journey --------------------------------------------------------------------


def test_an_officer_screens_a_bid_from_the_queue_to_the_decision(
    officer_client, fund, bid, items, applicant
):
    page = read(officer_client.get(bid_url(bid)))
    assert page.h1 == "Stay and play"
    assert "£12,000.00" in page.text  # amount requested
    assert "£100.00" in page.text  # cost per beneficiary: £12,000 for 120
    assert "Level 2: data showing some change" in page.text
    assert "Weekly stay-and-play sessions" in page.text
    assert page.checked[f"item-{items[0].pk}-outcome"] == []
    assert "1. Based in the borough" in page.text
    assert "2. A not-for-profit body" in page.text

    response = officer_client.post(
        bid_url(bid),
        checklist_post(items, {0: ("pass", "Office in the high street"), 1: ("pass", "A CIC")}),
    )

    assert response.status_code == 302
    assert response["Location"] == bid_url(bid)
    page = read(officer_client.get(bid_url(bid)))
    assert "2 checklist items recorded." in page.text
    assert page.checked[f"item-{items[0].pk}-outcome"] == ["pass"]
    assert page.values[f"item-{items[0].pk}-reason"] == "Office in the high street"
    assert "2 of 2 checklist items recorded" in read(officer_client.get(queue_url(fund))).text

    response = officer_client.post(decision_url(bid), {"decision": "eligible", "reason": ""})

    assert response.status_code == 302
    assert response["Location"] == bid_url(bid)
    assert Bid.objects.get(pk=bid.pk).status == Status.ELIGIBLE
    page = read(officer_client.get(bid_url(bid)))
    assert "“Stay and play” is eligible. The applicant has been told." in page.text
    assert "decision" not in page.checked  # read-only now: no more forms
    assert f"item-{items[0].pk}-outcome" not in page.checked
    assert "Eligible" in page.text
    assert "Office in the high street" in page.text
    queue = read(officer_client.get(queue_url(fund)))
    assert "0 bids to screen" in queue.text
    assert "No submitted bids are waiting for a decision." in queue.text
    assert "Eligible" in queue.text
    assert queue.has_link(bid_url(bid))
    notified = Notification.objects.filter(kind="bid_screened", subject_id=str(bid.pk))
    assert {row.recipient_user_id for row in notified} == {applicant.pk}


def test_an_ineligible_decision_with_its_reason_is_shown_read_only(
    officer_client, fund, bid, items, officer
):
    record(officer, bid, items[0], "fail", "Based outside the borough")
    record(officer, bid, items[1])

    response = officer_client.post(
        decision_url(bid), {"decision": "ineligible", "reason": "Sorry: outside the area."}
    )

    assert response.status_code == 302
    page = read(officer_client.get(bid_url(bid)))
    assert "is ineligible. The applicant has been told." in page.text
    assert "Ineligible" in page.text
    assert "Sorry: outside the area." in page.text
    assert "Based outside the borough" in page.text
    assert Notification.objects.filter(kind="bid_screened", subject_id=str(bid.pk)).exists()


def test_items_can_be_saved_one_at_a_time_and_changed(officer_client, fund, bid, items):
    officer_client.post(bid_url(bid), checklist_post(items, {0: ("fail", "Not local")}))
    assert "1 of 2 checklist items recorded" in read(officer_client.get(queue_url(fund))).text

    officer_client.post(
        bid_url(bid), checklist_post(items, {0: ("pass", "Local after all"), 1: ("", "")})
    )

    check = ScreeningCheck.objects.get(bid=bid)
    assert (check.outcome, check.reason) == ("pass", "Local after all")


def test_saving_an_unchanged_checklist_records_nothing_new(
    officer_client, fund, bid, items, officer
):
    record(officer, bid, items[0], "pass", "Met")
    before = ScreeningCheck.objects.get(bid=bid).checked_at

    response = officer_client.post(bid_url(bid), checklist_post(items, {0: ("pass", "Met")}))

    assert response.status_code == 302
    assert ScreeningCheck.objects.get(bid=bid).checked_at == before
    assert "Nothing changed" in read(officer_client.get(bid_url(bid))).text


# --- errors -----------------------------------------------------------------------------------


def test_a_mistake_in_one_item_keeps_what_was_typed_in_the_others(officer_client, fund, bid, items):
    response = officer_client.post(
        bid_url(bid),
        checklist_post(items, {0: ("pass", "Typed with care"), 1: ("fail", "")}),
    )

    assert response.status_code == 200
    page = read(response)
    assert page.title.startswith("Error:")
    assert page.summary == [
        (f"#id_item-{items[1].pk}-reason", "Item 2: Give a reason for this outcome.")
    ]
    assert page.error_for(f"item-{items[1].pk}-reason") == "Give a reason for this outcome."
    assert page.checked[f"item-{items[0].pk}-outcome"] == ["pass"]
    assert page.values[f"item-{items[0].pk}-reason"] == "Typed with care"
    assert page.checked[f"item-{items[1].pk}-outcome"] == ["fail"]
    assert not ScreeningCheck.objects.filter(bid=bid).exists()


def test_every_item_error_is_in_the_summary_at_once(officer_client, fund, bid, items):
    page = read(
        officer_client.post(
            bid_url(bid), checklist_post(items, {0: ("pass", ""), 1: ("", "A reason alone")})
        )
    )

    assert page.summary == [
        (f"#id_item-{items[0].pk}-reason", "Item 1: Give a reason for this outcome."),
        (f"#id_item-{items[1].pk}-outcome_0", "Item 2: Choose pass, fail or not applicable."),
    ]
    assert page.values[f"item-{items[1].pk}-reason"] == "A reason alone"
    assert page.described_by[f"item-{items[0].pk}-reason"] == f"id_item-{items[0].pk}-reason-error"


def test_an_empty_checklist_is_an_error(officer_client, fund, bid, items):
    page = read(officer_client.post(bid_url(bid), checklist_post(items, {})))

    assert page.summary == [
        (
            f"#id_item-{items[0].pk}-outcome_0",
            "Choose an outcome and give a reason for at least one item.",
        )
    ]


def test_deciding_before_every_item_is_recorded_is_refused(
    officer_client, fund, bid, items, officer
):
    record(officer, bid, items[0])

    response = officer_client.post(decision_url(bid), {"decision": "eligible"})

    assert response.status_code == 200
    page = read(response)
    assert page.title.startswith("Error:")
    assert len(page.summary) == 1
    anchor, message = page.summary[0]
    assert anchor == f"#id_item-{items[1].pk}-outcome_0"  # the first item still to do
    assert "Record an outcome for every checklist item first" in message
    assert "A not-for-profit body" in message
    assert page.checked["decision"] == ["eligible"]  # the choice stays
    assert page.checked[f"item-{items[0].pk}-outcome"] == ["pass"]  # the checklist is still there
    assert Bid.objects.get(pk=bid.pk).status == Status.SUBMITTED
    assert not Notification.objects.filter(kind="bid_screened").exists()


def test_a_bid_that_failed_an_item_cannot_be_eligible(officer_client, fund, bid, items, officer):
    record(officer, bid, items[0], "fail", "Not local")
    record(officer, bid, items[1])

    page = read(officer_client.post(decision_url(bid), {"decision": "eligible", "reason": "Hm"}))

    assert page.summary == [
        ("#id_decision_0", "The bid cannot be eligible: it failed Based in the borough.")
    ]
    assert "it failed Based in the borough" in page.error_for("decision")
    assert page.values["reason"] == "Hm"
    assert Bid.objects.get(pk=bid.pk).status == Status.SUBMITTED


def test_ineligible_with_no_failed_item_needs_a_reason(officer_client, fund, bid, items, officer):
    record(officer, bid, items[0])
    record(officer, bid, items[1])

    page = read(officer_client.post(decision_url(bid), {"decision": "ineligible", "reason": " "}))

    assert page.summary == [("#id_reason", "Give a reason: the bid failed no checklist item.")]
    assert page.error_for("reason") == "Give a reason: the bid failed no checklist item."
    assert page.checked["decision"] == ["ineligible"]
    assert Bid.objects.get(pk=bid.pk).status == Status.SUBMITTED


def test_no_decision_chosen_is_an_error_next_to_the_radios(officer_client, fund, bid, items):
    page = read(officer_client.post(decision_url(bid), {"reason": "Kept"}))

    assert page.summary == [("#id_decision_0", "Choose eligible or ineligible.")]
    assert page.values["reason"] == "Kept"


def test_outside_the_screening_phase_the_page_says_so_and_offers_no_forms(
    officer_client, fund, organisation, applicant, items
):
    submitted = submit_bid(fund, organisation, applicant)  # the fund is still open for bids

    page = read(officer_client.get(bid_url(submitted)))

    assert "only while the fund is in its screening phase" in page.text
    assert "decision" not in page.checked
    response = officer_client.post(bid_url(submitted), checklist_post(items, {0: ("pass", "x")}))
    assert "only while the fund is in its screening phase" in read(response).summary[0][1]
    assert not ScreeningCheck.objects.exists()


# --- who may see and do what ------------------------------------------------------------------


@pytest.fixture
def rival():
    user = UserFactory()
    grant(user, "applicant", organisation=OrganisationFactory())
    return user


@pytest.fixture
def foreign_officer():
    user = UserFactory()
    grant(user, "council_officer", council=CouncilFactory())
    return user


CLIENTS = {
    "officer": lambda f: mfa_client(f("officer")),
    "officer_without_mfa": lambda f: signed_in_client(f("officer")),
    "foreign_officer": lambda f: mfa_client(f("foreign_officer")),
    "applicant": lambda f: signed_in_client(f("applicant")),
    "rival": lambda f: signed_in_client(f("rival")),
    "member": lambda f: signed_in_client(f("member")),
    "chair": lambda f: mfa_client(f("chair")),
    "auditor": lambda f: mfa_client(f("auditor")),
}


@pytest.mark.parametrize(
    ("who", "queue_status", "bid_status"),
    [
        ("officer", 200, 200),
        # The fund is unknown to an officer until MFA (as on every fund page); the bid says why.
        ("officer_without_mfa", 404, 403),
        ("foreign_officer", 404, 404),
        ("applicant", 404, 404),
        ("rival", 404, 404),
        # The panel may read the fund but no bid during screening (only eligible bids, once
        # scoring starts); the auditors may read both, but screening is not theirs.
        ("member", 403, 404),
        ("chair", 403, 404),
        ("auditor", 403, 403),
    ],
)
def test_who_may_open_the_screening_pages(request, fund, bid, who, queue_status, bid_status):
    client = CLIENTS[who](request.getfixturevalue)

    queue = client.get(queue_url(fund))
    page = client.get(bid_url(bid))

    assert queue.status_code == queue_status
    assert page.status_code == bid_status
    if who == "officer_without_mfa":
        refusal = read(page)
        assert MFA_MESSAGE in refusal.text
        assert refusal.has_link("/accounts/2fa/")
    if bid_status != 200:
        assert bid.title not in read(page).text


def test_a_bid_unknown_and_a_bid_hidden_look_the_same(request, bid, rival):
    client = signed_in_client(rival)
    hidden = client.get(bid_url(bid))
    missing = client.get("/bids/999999/screening/")
    assert hidden.status_code == missing.status_code == 404
    assert read(hidden).text == read(missing).text


def test_anonymous_visitors_are_sent_to_sign_in(client, fund, bid, items):
    for response in (
        client.get(queue_url(fund)),
        client.get(bid_url(bid)),
        client.post(bid_url(bid), checklist_post(items, {0: ("pass", "x")})),
        client.post(decision_url(bid), {"decision": "eligible"}),
    ):
        assert response.status_code == 302
        assert "login" in response["Location"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer_without_mfa", 403),
        ("foreign_officer", 404),
        ("applicant", 404),
        ("rival", 404),
        ("member", 404),
        ("chair", 404),
        ("auditor", 403),
    ],
)
def test_refused_screening_posts_change_nothing(request, fund, bid, items, officer, who, status):
    record(officer, bid, items[0])
    record(officer, bid, items[1])
    client = CLIENTS[who](request.getfixturevalue)

    record_post = client.post(bid_url(bid), checklist_post(items, {0: ("fail", "Changed")}))
    decide_post = client.post(decision_url(bid), {"decision": "eligible"})

    assert record_post.status_code == decide_post.status_code == status
    assert set(ScreeningCheck.objects.values_list("outcome", flat=True)) == {"pass"}
    assert Bid.objects.get(pk=bid.pk).status == Status.SUBMITTED
    assert not Notification.objects.filter(kind="bid_screened").exists()


# --- what is shown ----------------------------------------------------------------------------


def test_every_text_is_shown_escaped(officer_client, fund, organisation, applicant, officer, items):
    organisation.name = f"{SCRIPT} CIC"
    organisation.save(update_fields=["name"])
    EligibilityItem.objects.filter(pk=items[1].pk).update(text=f"<b>Item</b> {SCRIPT}")
    submitted = submit_bid(
        fund, organisation, applicant, title=f"Play {SCRIPT}", summary=f"<i>Sum</i> {SCRIPT}"
    )
    start_screening(fund, officer)

    response = officer_client.post(
        bid_url(submitted),
        checklist_post(items, {0: ("fail", f"Reason {SCRIPT}"), 1: ("pass", "")}),
    )  # an error page showing what was typed, and the item's text in the summary

    pages = [response]
    record(officer, submitted, items[0], "pass", f"Reason {SCRIPT}")
    record(officer, submitted, items[1], "fail", f"Other {SCRIPT}")
    # refused, with the failed item's text in the message
    pages.append(officer_client.post(decision_url(submitted), {"decision": "eligible"}))
    pages.append(officer_client.get(queue_url(fund)))
    officer_client.post(decision_url(submitted), {"decision": "ineligible", "reason": SCRIPT})
    pages.append(officer_client.get(bid_url(submitted)))
    pages.append(officer_client.get(queue_url(fund)))

    for page in pages:
        assert page.status_code == 200
        assert SCRIPT.encode() not in page.content
        assert b"<b>Item</b>" not in page.content
        assert b"<i>Sum</i>" not in page.content
        assert ESCAPED_SCRIPT in page.content
    decided = pages[-2].content
    for shown in (b"Play &lt;script&gt;", b"&lt;i&gt;Sum&lt;/i&gt;", b"&lt;b&gt;Item&lt;/b&gt;"):
        assert shown in decided
    assert b"Reason &lt;script&gt;" in decided
    assert b"Other &lt;script&gt;" in decided
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; CIC" in decided


@pytest.mark.urls(__name__)
def test_attachments_and_the_full_bid_are_linked(officer_client, fund, bid, applicant):
    attachment = Attachment.objects.create(
        bid=bid,
        original_name=f"plan {SCRIPT}.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="a" * 64,
        stored_path="test/plan.pdf",
        uploaded_by=applicant,
    )

    response = officer_client.get(bid_url(bid))

    page = read(response)
    assert page.has_link(reverse("bid_detail", args=[bid.pk]))
    assert page.has_link(reverse("bid_attachment", args=[bid.pk, attachment.pk]))
    assert f"plan {SCRIPT}.pdf" in page.text
    assert SCRIPT.encode() not in response.content


def test_the_page_offers_the_next_bid_in_the_queue(
    officer_client, fund, organisation, applicant, officer
):
    first = submit_bid(fund, organisation, applicant, title="First")
    second = submit_bid(fund, organisation, applicant, title="Second")
    start_screening(fund, officer)

    page = read(officer_client.get(bid_url(first)))

    assert page.has_link(bid_url(second))
    assert "Next bid to screen: Second" in page.text


def test_the_queue_and_the_bid_page_read_a_fixed_number_of_queries(
    officer_client, council, panel, officer, chair, organisation, applicant
):
    small = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    large = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    submit_bid(small, organisation, applicant, title="Alone")
    for n in range(6):
        submit_bid(large, organisation, applicant, title=f"Bid {n}")
    for fund in (small, large):
        start_screening(fund, officer)
    officer_client.get(queue_url(small))  # the session and the site's caches are warm

    with CaptureQueriesContext(connection) as one:
        officer_client.get(queue_url(small))
    with CaptureQueriesContext(connection) as six:
        response = officer_client.get(queue_url(large))

    assert "6 bids to screen" in read(response).text
    assert len(six) == len(one)
    bid = Bid.objects.filter(fund=large).first()
    with CaptureQueriesContext(connection) as page:
        assert officer_client.get(bid_url(bid)).status_code == 200
    assert len(page) <= 35
