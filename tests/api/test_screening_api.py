"""The screening API: officers record each checklist item and decide; the applicant sees the
outcomes once decided; rivals cannot tell the bid exists."""

from __future__ import annotations

import pytest

from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Bid, ScreeningCheck, Status
from backend.bids.services import (
    BudgetLineInput,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    budget_line_set,
)
from backend.funds.models import EligibilityItem, Phase
from backend.funds.services import fund_transition
from backend.notifications.models import Notification
from tests.bids.helpers import open_fund
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    actor,
    grant,
    mfa_client,
    signed_in_client,
)

from .calls import call

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(council, panel, officer, chair):
    return open_fund(council=council, panel=panel, officer=officer, chair=chair)


@pytest.fixture
def items(fund):
    first = EligibilityItem.objects.get(fund=fund)
    second = EligibilityItem.objects.create(
        fund=fund, text="A not-for-profit body", position=first.position + 1
    )
    return [first, second]


@pytest.fixture
def screening(fund, organisation, applicant, officer, items):
    """A complete bid, submitted, and its fund now screening."""
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation, title="Play")
    bid_update(
        actor=actor(applicant),
        bid=bid,
        summary="Stay and play",
        need="Isolation",
        population_served="Under-fives",
        outcomes="School readiness",
        evidence_level=2,
        evidence_sources="Surveys",
        delivery_plan="Twice a week",
        beneficiaries=120,
    )
    budget_line_set(
        actor=actor(applicant), bid=bid, lines=[BudgetLineInput("Sessional workers", 1_200_000)]
    )
    bid_set_declarations(actor=actor(applicant), bid=bid, accepted=DECLARATION_CODES)
    bid.refresh_from_db()
    bid_submit(actor=actor(applicant), bid=bid)
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    bid.refresh_from_db()
    return bid


def _item_url(bid, item):
    return f"/api/v1/bids/{bid.pk}/screening/items/{item.pk}/"


def _record_all(client, bid, items):
    for item in items:
        response = call(client, "PUT", _item_url(bid, item), {"outcome": "pass", "reason": "Met"})
        assert response.status_code == 200, response.data


def test_an_officer_with_mfa_records_each_item_and_decides(
    screening, officer, applicant, items, fund
):
    client = mfa_client(officer)
    queue = call(client, "GET", f"/api/v1/funds/{fund.pk}/screening-queue/")
    assert queue.status_code == 200
    assert [row["id"] for row in queue.data] == [screening.pk]
    assert queue.data[0]["checks_recorded"] == 0

    _record_all(client, screening, items)
    assert ScreeningCheck.objects.filter(bid=screening).count() == 2
    detail = call(client, "GET", f"/api/v1/bids/{screening.pk}/screening/")
    assert [line["outcome"] for line in detail.data["lines"]] == ["pass", "pass"]
    assert [line["reason"] for line in detail.data["lines"]] == ["Met", "Met"]

    decided = call(
        client, "POST", f"/api/v1/bids/{screening.pk}/screening/decision/", {"eligible": True}
    )
    assert decided.status_code == 200, decided.data
    assert decided.data["decided"] is True
    assert Bid.objects.get(pk=screening.pk).status == Status.ELIGIBLE
    notified = Notification.objects.filter(kind="bid_screened", subject_id=str(screening.pk))
    assert {row.recipient_user_id for row in notified} == {applicant.pk}
    queue = call(client, "GET", f"/api/v1/funds/{fund.pk}/screening-queue/")
    assert queue.data == []


def test_an_officer_without_mfa_is_refused(screening, officer, items, fund):
    client = signed_in_client(officer)
    # As for every fund endpoint, an officer's fund is unknown to them until MFA.
    assert call(client, "GET", f"/api/v1/funds/{fund.pk}/screening-queue/").status_code == 404
    assert call(client, "GET", f"/api/v1/bids/{screening.pk}/screening/").status_code == 403
    response = call(
        client, "PUT", _item_url(screening, items[0]), {"outcome": "pass", "reason": "Met"}
    )
    assert response.status_code == 403
    assert response.data["code"] == "mfa_required"
    decide = call(
        client, "POST", f"/api/v1/bids/{screening.pk}/screening/decision/", {"eligible": True}
    )
    assert decide.status_code == 403
    assert not ScreeningCheck.objects.filter(bid=screening).exists()


def test_the_applicant_sees_the_outcomes_only_after_the_decision(
    screening, officer, applicant, items
):
    officer_client = mfa_client(officer)
    applicant_client = signed_in_client(applicant)
    _record_all(officer_client, screening, items)
    before = call(applicant_client, "GET", f"/api/v1/bids/{screening.pk}/screening/")
    assert before.status_code == 200
    assert before.data["outcomes_shown"] is False
    assert {line["outcome"] for line in before.data["lines"]} == {None}
    assert {line["reason"] for line in before.data["lines"]} == {None}
    # The applicant cannot record an outcome.
    refused = call(
        applicant_client, "PUT", _item_url(screening, items[0]), {"outcome": "fail", "reason": "x"}
    )
    assert refused.status_code in {403, 404}

    call(
        officer_client,
        "POST",
        f"/api/v1/bids/{screening.pk}/screening/decision/",
        {"eligible": True},
    )
    after = call(applicant_client, "GET", f"/api/v1/bids/{screening.pk}/screening/")
    assert after.data["outcomes_shown"] is True
    assert [line["outcome"] for line in after.data["lines"]] == ["pass", "pass"]
    assert [line["reason"] for line in after.data["lines"]] == ["Met", "Met"]


def test_a_rival_gets_404(screening, items, fund):
    rival = UserFactory()
    grant(rival, "applicant", organisation=OrganisationFactory())
    client = signed_in_client(rival)
    hidden = call(client, "GET", f"/api/v1/bids/{screening.pk}/screening/")
    missing = call(client, "GET", "/api/v1/bids/999999/screening/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data
    record = call(client, "PUT", _item_url(screening, items[0]), {"outcome": "pass", "reason": "x"})
    assert record.status_code == 404
    decide = call(
        client, "POST", f"/api/v1/bids/{screening.pk}/screening/decision/", {"eligible": True}
    )
    assert decide.status_code == 404


def test_a_missing_reason_is_a_400_with_a_field_map(screening, officer, items):
    client = mfa_client(officer)
    blank = call(client, "PUT", _item_url(screening, items[0]), {"outcome": "pass", "reason": ""})
    assert blank.status_code == 400
    assert "reason" in blank.data["fields"]
    absent = call(client, "PUT", _item_url(screening, items[0]), {"outcome": "pass"})
    assert absent.status_code == 400
    assert "reason" in absent.data["fields"]
    spaces = call(
        client, "PUT", _item_url(screening, items[0]), {"outcome": "pass", "reason": "  "}
    )
    assert spaces.status_code == 400
    assert "reason" in spaces.data["fields"]
    assert not ScreeningCheck.objects.filter(bid=screening).exists()


def test_an_item_of_another_fund_is_404(screening, officer, council, panel, chair):
    other = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    foreign = EligibilityItem.objects.filter(fund=other).first()
    client = mfa_client(officer)
    response = call(
        client, "PUT", _item_url(screening, foreign), {"outcome": "pass", "reason": "x"}
    )
    assert response.status_code == 404
