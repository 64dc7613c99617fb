"""Score sheets: drafts saved in parts, scores on the fund's scale, submission (every criterion,
extremes explained, every problem listed at once) locks the sheet; the chair reopens it with a
reason; nothing changes outside the scoring phase or after the shortlist is confirmed."""

from __future__ import annotations

import pytest

from backend.audit.models import AuditEvent
from backend.core.errors import ApplicationError, MfaRequired, NotFound, PermissionDenied
from backend.funds.models import Fund, Phase, RubricCriterion
from backend.notifications.models import Notification
from backend.scoring.models import Score, ScoreSheet, SheetStatus
from backend.scoring.services import (
    ScoreInput,
    conflict_declare,
    sheet_reopen,
    sheet_save,
    sheet_submit,
)
from tests.factories import UserFactory, actor
from tests.scoring.conftest import confirm_shortlist, declare_all, full_scores, score_and_submit

pytestmark = pytest.mark.django_db


def _key(criterion: RubricCriterion) -> str:
    return f"criterion_{criterion.pk}"


@pytest.fixture
def declared(scoring_fund):
    """The first member has declared no conflict on every eligible bid (the others need not)."""
    declare_all(scoring_fund, scoring_fund.members[0])
    return scoring_fund


def _actions(sheet: ScoreSheet) -> list[str]:
    return list(
        AuditEvent.objects.filter(subject_id=str(sheet.pk), action__startswith="scoring.sheet")
        .order_by("sequence")
        .values_list("action", flat=True)
    )


# --- drafts --------------------------------------------------------------------------------------


def test_a_draft_is_saved_in_parts(declared):
    member, bid = declared.members[0], declared.bids[0]
    first, second, third = declared.criteria[:3]
    sheet = sheet_save(
        actor=actor(member),
        bid=bid,
        scores={first.pk: ScoreInput(4, "  Clear need  "), second.pk: ScoreInput(2)},
    )
    assert sheet.status == SheetStatus.DRAFT
    assert dict(sheet.scores.values_list("criterion_id", "value")) == {first.pk: 4, second.pk: 2}
    assert sheet.scores.get(criterion=first).comment == "Clear need"

    sheet_save(
        actor=actor(member),
        bid=bid,
        scores={third.pk: ScoreInput(5), second.pk: ScoreInput(None), first.pk: ScoreInput(1)},
    )
    assert dict(sheet.scores.values_list("criterion_id", "value")) == {first.pk: 1, third.pk: 5}
    assert ScoreSheet.objects.filter(bid=bid, member=member).count() == 1
    events = AuditEvent.objects.filter(action="scoring.sheet_saved", subject_id=str(sheet.pk))
    assert events.count() == 2
    latest = events.order_by("-sequence").first()
    assert latest.data["scores"] == {str(first.pk): 1, str(third.pk): 5}
    assert "Clear need" not in str(latest.data)


def test_a_score_off_the_scale_is_a_field_error_and_saves_nothing(declared):
    member, bid = declared.members[0], declared.bids[0]
    good, bad = declared.criteria[:2]
    outcomes = {}
    for value in [6, -1, True, False, 2.5, "3", 10]:
        try:
            sheet_save(
                actor=actor(member),
                bid=bid,
                scores={good.pk: ScoreInput(3), bad.pk: ScoreInput(value)},
            )
        except ApplicationError as refused:
            outcomes[repr(value)] = set(refused.fields)
        else:
            outcomes[repr(value)] = "accepted"
    assert outcomes == {repr(v): {_key(bad)} for v in [6, -1, True, False, 2.5, "3", 10]}
    assert not ScoreSheet.objects.filter(bid=bid).exists()
    assert not Score.objects.exists()


def test_every_bad_score_is_listed_at_once(declared):
    member, bid = declared.members[0], declared.bids[0]
    first, second, third = declared.criteria[:3]
    sheet_save(actor=actor(member), bid=bid, scores={first.pk: ScoreInput(2)})
    with pytest.raises(ApplicationError) as refused:
        sheet_save(
            actor=actor(member),
            bid=bid,
            scores={
                first.pk: ScoreInput(5),
                second.pk: ScoreInput(-1),
                third.pk: ScoreInput(7),
                999_999: ScoreInput(3),
            },
        )
    assert set(refused.value.fields) == {_key(second), _key(third), "criterion_999999"}
    # The earlier draft is as it was: the good score in the refused save was not kept either.
    assert dict(Score.objects.values_list("criterion_id", "value")) == {first.pk: 2}


def test_a_criterion_of_another_fund_is_refused(declared, council, panel, officer, chair):
    from tests.bids.helpers import open_fund

    other = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    foreign = RubricCriterion.objects.filter(fund=other).first()
    with pytest.raises(ApplicationError) as refused:
        sheet_save(
            actor=actor(declared.members[0]),
            bid=declared.bids[0],
            scores={foreign.pk: ScoreInput(3)},
        )
    assert set(refused.value.fields) == {f"criterion_{foreign.pk}"}


def test_the_scale_is_the_funds(declared):
    Fund.objects.filter(pk=declared.fund.pk).update(scale_max=3)
    member, bid = declared.members[0], declared.bids[0]
    criterion = declared.criteria[0]
    with pytest.raises(ApplicationError) as refused:
        sheet_save(actor=actor(member), bid=bid, scores={criterion.pk: ScoreInput(4)})
    assert "3" in refused.value.fields[_key(criterion)][0]
    sheet = sheet_save(actor=actor(member), bid=bid, scores={criterion.pk: ScoreInput(3)})
    assert sheet.scores.get().value == 3


def test_a_too_long_comment_is_refused(declared):
    criterion = declared.criteria[0]
    with pytest.raises(ApplicationError) as refused:
        sheet_save(
            actor=actor(declared.members[0]),
            bid=declared.bids[0],
            scores={criterion.pk: ScoreInput(3, "x" * 4001)},
        )
    assert set(refused.value.fields) == {_key(criterion)}


# --- who and where -------------------------------------------------------------------------------


def test_outsiders_and_ineligible_bids_are_not_found(declared):
    with pytest.raises(NotFound):
        sheet_save(actor=actor(UserFactory()), bid=declared.bids[0], scores={})
    with pytest.raises(NotFound):
        sheet_save(actor=actor(declared.officer), bid=declared.bids[0], scores={})
    with pytest.raises(NotFound):
        sheet_save(actor=actor(declared.members[0]), bid=declared.ineligible, scores={})
    assert not ScoreSheet.objects.exists()


def test_scores_change_only_in_the_scoring_phase(declared):
    member, bid = declared.members[0], declared.bids[0]
    sheet_save(actor=actor(member), bid=bid, scores=full_scores(declared))
    Fund.objects.filter(pk=declared.fund.pk).update(phase=Phase.VOTING)
    with pytest.raises(ApplicationError) as refused:
        sheet_save(actor=actor(member), bid=bid, scores=full_scores(declared, 4))
    assert refused.value.code == "not_scoring"
    with pytest.raises(ApplicationError) as refused:
        sheet_submit(actor=actor(member), bid=bid)
    assert refused.value.code == "not_scoring"
    assert ScoreSheet.objects.get(bid=bid, member=member).status == SheetStatus.DRAFT


def test_scores_are_refused_after_the_shortlist_is_confirmed(declared):
    member, bid = declared.members[0], declared.bids[0]
    sheet_save(actor=actor(member), bid=bid, scores=full_scores(declared))
    confirm_shortlist(declared)
    for call in (
        lambda: sheet_save(actor=actor(member), bid=bid, scores=full_scores(declared, 4)),
        lambda: sheet_submit(actor=actor(member), bid=bid),
        lambda: sheet_save(actor=actor(member), bid=declared.bids[1], scores={}),
    ):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.code == "shortlist_confirmed"
    assert ScoreSheet.objects.get(bid=bid, member=member).status == SheetStatus.DRAFT


# --- submitting ----------------------------------------------------------------------------------


def test_submit_lists_every_missing_score_and_unexplained_extreme_at_once(declared):
    member, bid = declared.members[0], declared.bids[0]
    zero, top, middle, explained, _missing = declared.criteria
    sheet_save(
        actor=actor(member),
        bid=bid,
        scores={
            zero.pk: ScoreInput(0),
            top.pk: ScoreInput(5, "   "),
            middle.pk: ScoreInput(3),
            explained.pk: ScoreInput(5, "Outstanding involvement"),
        },
    )
    with pytest.raises(ApplicationError) as refused:
        sheet_submit(actor=actor(member), bid=bid)
    assert refused.value.code == "sheet_incomplete"
    assert set(refused.value.fields) == {_key(zero), _key(top), _key(_missing)}
    assert ScoreSheet.objects.get(bid=bid, member=member).status == SheetStatus.DRAFT
    assert not AuditEvent.objects.filter(action="scoring.sheet_submitted").exists()


def test_submit_with_nothing_saved_lists_every_criterion(declared):
    member, bid = declared.members[0], declared.bids[0]
    with pytest.raises(ApplicationError) as refused:
        sheet_submit(actor=actor(member), bid=bid)
    assert set(refused.value.fields) == {_key(c) for c in declared.criteria}
    assert not ScoreSheet.objects.exists()


def test_a_complete_sheet_is_submitted_and_locked(declared):
    member, bid = declared.members[0], declared.bids[0]
    scores = {c.pk: ScoreInput(3) for c in declared.criteria}  # mid-scale needs no comment
    scores[declared.criteria[0].pk] = ScoreInput(0, "No need shown")
    scores[declared.criteria[1].pk] = ScoreInput(5, "RCT evidence")
    sheet_save(actor=actor(member), bid=bid, scores=scores)
    sheet = sheet_submit(actor=actor(member), bid=bid)
    assert sheet.status == SheetStatus.SUBMITTED
    assert sheet.submitted_at is not None
    event = AuditEvent.objects.get(action="scoring.sheet_submitted", subject_id=str(sheet.pk))
    assert event.data["scores"][str(declared.criteria[0].pk)] == 0
    assert "RCT" not in str(event.data)

    for call in (
        lambda: sheet_save(actor=actor(member), bid=bid, scores=full_scores(declared, 4)),
        lambda: sheet_submit(actor=actor(member), bid=bid),
    ):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert refused.value.code == "sheet_locked"
    assert set(sheet.scores.values_list("value", flat=True)) == {0, 5, 3}


# --- reopening -----------------------------------------------------------------------------------


@pytest.fixture
def submitted(declared):
    member, bid = declared.members[0], declared.bids[0]
    score_and_submit(declared, member, bid)
    return ScoreSheet.objects.get(bid=bid, member=member)


def test_the_chair_reopens_a_submitted_sheet_with_a_reason(declared, submitted):
    member = declared.members[0]
    sheet = sheet_reopen(
        actor=actor(declared.chair, mfa=True), sheet=submitted, reason="  Please check Q3  "
    )
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.DRAFT
    assert sheet.submitted_at is None
    assert sheet.reopened_at is not None
    assert sheet.reopen_reason == "Please check Q3"
    event = AuditEvent.objects.get(action="scoring.sheet_reopened")
    assert event.actor_id == str(declared.chair.pk)
    assert event.data["member"] == member.pk
    assert event.data["reason_sha256"]
    assert "Q3" not in str(event.data)
    notices = Notification.objects.filter(kind="sheet_reopened")
    assert {n.recipient_user_id for n in notices} == {member.pk}
    assert notices.filter(channel="in_app").count() == 1

    # The member changes a score and submits again.
    sheet_save(actor=actor(member), bid=sheet.bid, scores={declared.criteria[2].pk: ScoreInput(4)})
    assert sheet_submit(actor=actor(member), bid=sheet.bid).status == SheetStatus.SUBMITTED
    assert _actions(sheet) == [
        "scoring.sheet_saved",
        "scoring.sheet_submitted",
        "scoring.sheet_reopened",
        "scoring.sheet_saved",
        "scoring.sheet_submitted",
    ]


def test_reopening_needs_a_reason(declared, submitted):
    for reason in ["", "   ", "x" * 2001]:
        with pytest.raises(ApplicationError) as refused:
            sheet_reopen(actor=actor(declared.chair), sheet=submitted, reason=reason)
        assert set(refused.value.fields) == {"reason"}
    submitted.refresh_from_db()
    assert submitted.status == SheetStatus.SUBMITTED


def test_only_a_chair_with_mfa_reopens(declared, submitted):
    for person in (declared.members[1], declared.members[0], declared.officer):
        with pytest.raises(PermissionDenied):
            sheet_reopen(actor=actor(person), sheet=submitted, reason="Check")
    with pytest.raises(MfaRequired):
        sheet_reopen(actor=actor(declared.chair, mfa=False), sheet=submitted, reason="Check")
    submitted.refresh_from_db()
    assert submitted.status == SheetStatus.SUBMITTED
    assert not Notification.objects.filter(kind="sheet_reopened").exists()


def test_a_conflicted_chair_cannot_reopen(scoring_fund):
    member, bid = scoring_fund.members[0], scoring_fund.bids[0]
    declare_all(scoring_fund, member)
    score_and_submit(scoring_fund, member, bid)
    conflict_declare(
        actor=actor(scoring_fund.chair), bid=bid, conflicted=True, relationship="trustee"
    )
    sheet = ScoreSheet.objects.get(bid=bid, member=member)
    with pytest.raises(PermissionDenied):
        sheet_reopen(actor=actor(scoring_fund.chair), sheet=sheet, reason="Check")
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED


def test_only_a_submitted_sheet_is_reopened(declared):
    member, bid = declared.members[0], declared.bids[0]
    draft = sheet_save(
        actor=actor(member), bid=bid, scores={declared.criteria[0].pk: ScoreInput(2)}
    )
    with pytest.raises(ApplicationError) as refused:
        sheet_reopen(actor=actor(declared.chair), sheet=draft, reason="Check")
    assert refused.value.code == "not_submitted"


def test_a_void_sheet_is_not_reopened(declared, submitted):
    conflict_declare(
        actor=actor(declared.members[0]),
        bid=declared.bids[0],
        conflicted=True,
        relationship="friend",
    )
    submitted.refresh_from_db()
    assert submitted.status == SheetStatus.VOID
    with pytest.raises(ApplicationError) as refused:
        sheet_reopen(actor=actor(declared.chair), sheet=submitted, reason="Check")
    assert refused.value.code == "not_submitted"


def test_no_reopening_after_the_shortlist_or_outside_scoring(declared, submitted):
    Fund.objects.filter(pk=declared.fund.pk).update(phase=Phase.VOTING)
    with pytest.raises(ApplicationError) as refused:
        sheet_reopen(actor=actor(declared.chair), sheet=submitted, reason="Check")
    assert refused.value.code == "not_scoring"
    Fund.objects.filter(pk=declared.fund.pk).update(phase=Phase.SCORING)
    confirm_shortlist(declared)
    with pytest.raises(ApplicationError) as refused:
        sheet_reopen(actor=actor(declared.chair), sheet=submitted, reason="Check")
    assert refused.value.code == "shortlist_confirmed"
    submitted.refresh_from_db()
    assert submitted.status == SheetStatus.SUBMITTED
