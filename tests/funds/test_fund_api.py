"""The funds API: the same services, with field maps for bad input and 401/403/404 by role."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from backend.funds.models import Fund, Phase
from tests.api.calls import call
from tests.factories import FundFactory, mfa_client
from tests.funds.helpers import set_up

pytestmark = pytest.mark.django_db

ROLES = ["officer", "chair", "member", "auditor", "applicant", "anonymous"]


@pytest.fixture
def fund(council, panel):
    return FundFactory(council=council, panel=panel)


def _client(request, who: str) -> Client:
    if who == "anonymous":
        return Client()
    return mfa_client(request.getfixturevalue(who))


TIMELINE = {
    "bids_open_at": "2026-10-01T09:00",
    "bids_close_at": "2026-10-25T01:30",  # repeated that night: the first, BST
    "scoring_starts_at": "2026-11-01T09:00",
    "voting_opens_at": "2026-11-15T09:00:00Z",
    "voting_closes_at": "2026-11-29T17:00",
    "decision_at": "2026-12-01T12:00",
}


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 201),
        ("chair", 404),
        ("member", 404),
        ("auditor", 403),
        ("applicant", 404),
        ("anonymous", 401),
    ],
)
def test_only_officers_create_funds(request, council, panel, who, status):
    response = call(
        _client(request, who),
        "post",
        "/api/v1/funds/",
        {"council": council.pk, "panel": panel.pk, "name": "Early years", "budget_pence": 5000},
    )
    assert response.status_code == status
    assert Fund.objects.exists() is (status == 201)
    if status == 201:
        assert response.data["phase"] == "draft"
        assert response.data["budget_pence"] == 5000


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("chair", 200),
        ("member", 200),
        ("auditor", 200),
        ("applicant", 404),
        ("anonymous", 401),
    ],
)
def test_who_reads_a_fund(request, fund, who, status):
    client = _client(request, who)
    response = call(client, "get", f"/api/v1/funds/{fund.pk}/")
    assert response.status_code == status
    listed = call(client, "get", "/api/v1/funds/")
    if who == "anonymous":
        assert listed.status_code == 401
    else:
        assert [row["id"] for row in listed.data] == ([fund.pk] if status == 200 else [])


SET_UP = {
    "officer": [
        ("put", "budget/", {"budget_pence": 1000, "pots": [{"name": "North", "share_pence": 400}]}),
        ("put", "timeline/", TIMELINE),
        ("put", "rule/", {"rule_name": "mes", "completion": "add1+greedy"}),
    ],
    "chair": [
        ("put", "population/", {"purpose": "Early years", "needs": ["sen"], "age_max": 5}),
        ("put", "checklist/", {"items": ["Based in the borough"]}),
        ("put", "rubric/", {"scale_max": 4, "criteria": [{"name": "Need", "weight": 2}]}),
        ("post", "rubric/defaults/", None),
    ],
}


@pytest.mark.parametrize("part", sorted(SET_UP))
@pytest.mark.parametrize("who", ROLES)
def test_the_set_up_permission_matrix(request, fund, part, who):
    expected = 200 if who == part else {"anonymous": 401, "applicant": 404}.get(who, 403)
    client = _client(request, who)
    for method, path, body in SET_UP[part]:
        response = call(client, method, f"/api/v1/funds/{fund.pk}/{path}", body)
        assert response.status_code == expected, (path, response.data)


def test_a_fund_set_up_and_opened_through_the_api(request, fund, officer, chair):
    officer_client, chair_client = mfa_client(officer), mfa_client(chair)
    for part, client in (("chair", chair_client), ("officer", officer_client)):
        for method, path, body in SET_UP[part]:
            assert call(client, method, f"/api/v1/funds/{fund.pk}/{path}", body).status_code == 200
        ready = call(client, "post", f"/api/v1/funds/{fund.pk}/ready/", {"part": part})
        assert ready.status_code == 200, ready.data
    data = call(
        officer_client,
        "post",
        f"/api/v1/funds/{fund.pk}/transitions/",
        {"to_phase": "open_for_bids"},
    ).data
    assert data["phase"] == "open_for_bids"
    assert data["officer_ready"] is True
    assert data["chair_ready"] is True
    assert [c["name"] for c in data["criteria"]][2] == "Value for money"
    assert data["bids_close_at"] == "2026-10-25T01:30:00+01:00"
    assert data["voting_opens_at"] == "2026-11-15T09:00:00Z"  # GMT: London is on UTC
    fund.refresh_from_db()
    assert fund.bids_close_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    public = call(Client(), "get", "/api/v1/funds/open/")
    assert public.status_code == 200
    assert [(row["id"], row["needs"]) for row in public.data] == [(fund.pk, ["sen"])]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("budget/", {"budget_pence": 0}, "budget_pence"),
        ("budget/", {"budget_pence": -5}, "budget_pence"),
        (
            "budget/",
            {"budget_pence": 100, "pots": [{"name": "A", "share_pence": 101}]},
            "pots",
        ),
        ("timeline/", {**TIMELINE, "bids_close_at": "2026-03-29T01:30"}, "bids_close_at"),
        ("timeline/", {**TIMELINE, "decision_at": "2026-11-29T16:59"}, "decision_at"),
        ("rule/", {"rule_name": "greedy", "completion": "add1"}, "completion"),
        ("rule/", {"rule_name": "greedy", "min_share": "2"}, "min_share"),
        ("rule/", {"rule_name": "borda"}, "rule_name"),
    ],
)
def test_bad_officer_input_is_a_400_with_a_field_map(officer, fund, path, body, field):
    response = call(mfa_client(officer), "put", f"/api/v1/funds/{fund.pk}/{path}", body)
    assert response.status_code == 400
    assert field in response.data["fields"], response.data


def test_a_nonexistent_london_time_says_so(officer, fund):
    response = call(
        mfa_client(officer),
        "put",
        f"/api/v1/funds/{fund.pk}/timeline/",
        {**TIMELINE, "bids_close_at": "2026-03-29T01:30"},
    )
    assert "clocks go forward" in response.data["fields"]["bids_close_at"][0]


def test_a_refused_transition_is_a_400(officer, chair, fund):
    response = call(
        mfa_client(officer),
        "post",
        f"/api/v1/funds/{fund.pk}/transitions/",
        {"to_phase": "open_for_bids"},
    )
    assert response.status_code == 400
    assert response.data["code"] == "transition_refused"
    set_up(fund, officer=officer, chair=chair)
    response = call(
        mfa_client(chair), "post", f"/api/v1/funds/{fund.pk}/transitions/", {"to_phase": "voting"}
    )
    assert response.status_code == 403
    fund.refresh_from_db()
    assert fund.phase == Phase.DRAFT
