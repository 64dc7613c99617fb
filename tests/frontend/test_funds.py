"""Fund set-up pages: the officer's and the chair's parts, in London time, without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.funds.models import Fund, Phase
from tests.factories import FundFactory
from tests.funds.helpers import set_up

from .pages import read

pytestmark = pytest.mark.django_db

TIMELINE_FORM = {
    "bids_open_at": "2026-10-01T09:00",
    "bids_close_at": "2026-10-25T01:30",  # the clocks go back that night: the first 01:30 (BST)
    "scoring_starts_at": "2026-11-01T09:00",
    "voting_opens_at": "2026-11-15T09:00",
    "voting_closes_at": "2026-11-29T17:00",
    "decision_at": "2026-12-01T12:00",
}


@pytest.fixture
def fund(council, panel):
    return FundFactory(council=council, panel=panel)


def test_an_officer_creates_a_fund_in_pounds(officer_client, council, panel):
    page = read(officer_client.get(f"/councils/{council.pk}/funds/new/"))
    assert page.h1 == "Create a fund"
    response = officer_client.post(
        f"/councils/{council.pk}/funds/new/",
        {"name": "Transforming Early Years", "panel": panel.pk, "budget": "£250,000.50"},
    )
    fund = Fund.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/funds/{fund.pk}/"
    assert fund.budget_pence == 25_000_050
    page = read(officer_client.get(f"/funds/{fund.pk}/"))
    assert page.h1 == "Transforming Early Years"
    assert "£250,000.50" in page.text
    assert "Draft" in page.text


def test_pots_over_the_budget_are_shown_next_to_the_field(officer_client, fund):
    page = read(
        officer_client.post(
            f"/funds/{fund.pk}/budget/", {"budget": "100", "pots": "North: 60\nSouth: 40.01"}
        )
    )
    assert "more than the budget" in page.text
    assert page.error_for("pots")
    assert not fund.pots.exists()


def test_the_timeline_is_entered_and_shown_in_london_time(officer_client, fund):
    response = officer_client.post(f"/funds/{fund.pk}/timeline/", TIMELINE_FORM)
    assert response.status_code == 302
    fund.refresh_from_db()
    assert fund.bids_close_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert fund.voting_opens_at == datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
    page = read(officer_client.get(f"/funds/{fund.pk}/"))
    assert "25 October 2026, 01:30 BST" in page.text
    assert "15 November 2026, 09:00 GMT" in page.text
    form = read(officer_client.get(f"/funds/{fund.pk}/timeline/"))
    assert form.values["bids_close_at"] == "2026-10-25T01:30"


def test_a_time_skipped_by_the_clock_change_is_refused_by_field(officer_client, fund):
    page = read(
        officer_client.post(
            f"/funds/{fund.pk}/timeline/", {**TIMELINE_FORM, "bids_open_at": "2026-03-29T01:30"}
        )
    )
    assert "clocks go forward" in page.error_for("bids_open_at")
    fund.refresh_from_db()
    assert fund.bids_open_at is None


def test_a_timeline_out_of_order_is_refused_by_field(officer_client, fund):
    page = read(
        officer_client.post(
            f"/funds/{fund.pk}/timeline/", {**TIMELINE_FORM, "decision_at": "2026-11-01T09:00"}
        )
    )
    assert page.error_for("decision_at")


def test_a_bad_rule_is_refused_by_field(officer_client, fund):
    page = read(
        officer_client.post(
            f"/funds/{fund.pk}/rule/", {"rule_name": "greedy", "completion": "add1"}
        )
    )
    assert "Method of Equal Shares" in page.error_for("completion")


def test_the_chair_and_the_officer_set_up_and_open_a_fund(
    officer_client, chair_client, fund, council
):
    assert (
        chair_client.post(
            f"/funds/{fund.pk}/population/",
            {
                "purpose": "Families with under-fives",
                "needs": ["sen", "disability"],
                "age_max": "5",
            },
        ).status_code
        == 302
    )
    chair_client.post(f"/funds/{fund.pk}/checklist/", {"items": "Based in the borough\nA CIC"})
    chair_client.post(f"/funds/{fund.pk}/rubric/defaults/")
    chair_client.post(f"/funds/{fund.pk}/ready/chair/")
    officer_client.post(f"/funds/{fund.pk}/timeline/", TIMELINE_FORM)
    officer_client.post(f"/funds/{fund.pk}/rule/", {"rule_name": "mes", "completion": "add1"})
    officer_client.post(f"/funds/{fund.pk}/ready/officer/")
    officer_client.post(f"/funds/{fund.pk}/phase/", {"to_phase": "open_for_bids"})
    fund.refresh_from_db()
    assert fund.phase == Phase.OPEN_FOR_BIDS
    assert list(fund.checklist.values_list("text", flat=True)) == ["Based in the borough", "A CIC"]
    page = read(chair_client.get(f"/funds/{fund.pk}/"))
    assert "Open for bids" in page.text
    assert "Evidence of what works" in page.text
    assert "Special educational needs" in page.text


def test_a_custom_rubric_from_lines(chair_client, fund):
    response = chair_client.post(
        f"/funds/{fund.pk}/rubric/",
        {"scale_max": "4", "criteria": "3 | Need | How great\n1 | Reach"},
    )
    assert response.status_code == 302
    assert list(fund.criteria.values_list("weight", "name", "description")) == [
        (3, "Need", "How great"),
        (1, "Reach", ""),
    ]
    page = read(chair_client.post(f"/funds/{fund.pk}/rubric/", {"scale_max": "4", "criteria": "x"}))
    assert page.error_for("criteria")


def test_an_early_open_is_refused_with_a_message(officer_client, fund):
    response = officer_client.post(
        f"/funds/{fund.pk}/phase/", {"to_phase": "open_for_bids"}, follow=True
    )
    assert "opens for bids once it has" in read(response).text
    fund.refresh_from_db()
    assert fund.phase == Phase.DRAFT


@pytest.mark.parametrize(
    ("who", "read_status", "officer_form", "chair_form"),
    [
        ("officer", 200, 200, 403),
        ("chair", 200, 403, 200),
        ("member", 200, 403, 403),
        ("auditor", 200, 403, 403),
        ("applicant", 404, 404, 404),
    ],
)
def test_who_sees_and_changes_what(request, fund, who, read_status, officer_form, chair_form):
    client = request.getfixturevalue(f"{who}_client")
    assert client.get(f"/funds/{fund.pk}/").status_code == read_status
    assert client.post(f"/funds/{fund.pk}/budget/", {"budget": "5"}).status_code in (
        {302} if officer_form == 200 else {officer_form}
    )
    assert client.post(f"/funds/{fund.pk}/checklist/", {"items": "Local"}).status_code in (
        {302} if chair_form == 200 else {chair_form}
    )


def test_anonymous_visitors_are_sent_to_sign_in(client, fund):
    response = client.get(f"/funds/{fund.pk}/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_text_is_shown_escaped(officer, chair, chair_client, fund):
    set_up(fund, officer=officer, chair=chair)
    Fund.objects.filter(pk=fund.pk).update(name="<script>alert(1)</script>")
    response = chair_client.get(f"/funds/{fund.pk}/")
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content


@pytest.mark.parametrize(
    ("phase", "linked"),
    [
        (Phase.DRAFT, False),
        (Phase.OPEN_FOR_BIDS, False),
        (Phase.SCREENING, True),
        (Phase.SCORING, True),
        (Phase.CANCELLED, False),
    ],
)
def test_officers_reach_the_screening_queue_once_bids_close(
    officer_client, chair_client, fund, phase, linked
):
    Fund.objects.filter(pk=fund.pk).update(phase=phase)
    queue = f"/funds/{fund.pk}/screening/"
    assert read(officer_client.get(f"/funds/{fund.pk}/")).has_link(queue) is linked
    assert not read(chair_client.get(f"/funds/{fund.pk}/")).has_link(queue)


def test_the_fund_page_leads_the_panel_and_the_council_to_scoring(
    officer_client, chair_client, member_client, fund
):
    Fund.objects.filter(pk=fund.pk).update(phase=Phase.SCORING)
    home, dashboard = f"/funds/{fund.pk}/scoring/", f"/funds/{fund.pk}/scoring/dashboard/"
    shortlist = f"/funds/{fund.pk}/shortlist/"
    member = read(member_client.get(f"/funds/{fund.pk}/"))
    assert member.has_link(home)
    assert member.has_link(shortlist)
    assert not member.has_link(dashboard)
    chair = read(chair_client.get(f"/funds/{fund.pk}/"))
    assert chair.has_link(home)
    assert chair.has_link(dashboard)
    officer = read(officer_client.get(f"/funds/{fund.pk}/"))
    assert officer.has_link(dashboard)
    assert not officer.has_link(home)
    Fund.objects.filter(pk=fund.pk).update(phase=Phase.SCREENING)
    assert not read(member_client.get(f"/funds/{fund.pk}/")).has_link(home)
