"""The chair's tools: moderated scores (0-100, two decimals, with a reason; an officer or a deputy
chair when the chair is conflicted) and the fund's scoring settings. All audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.audit.models import AuditEvent
from backend.core.errors import ApplicationError, MfaRequired, NotFound, PermissionDenied
from backend.funds.models import Fund, Phase
from backend.scoring.aggregate import DEFAULT_DISAGREEMENT_THRESHOLD, DEFAULT_MIN_SCORERS
from backend.scoring.models import Moderation, ScoringSettings
from backend.scoring.selectors import panel_scores, settings_for
from backend.scoring.services import conflict_declare, moderation_record, scoring_settings_set
from tests.factories import UserFactory, actor, grant
from tests.scoring.conftest import confirm_shortlist

pytestmark = pytest.mark.django_db


def _conflict(person, bid) -> None:
    conflict_declare(actor=actor(person), bid=bid, conflicted=True, relationship="trustee")


# --- moderation ----------------------------------------------------------------------------------


def test_the_chair_records_a_moderated_score(scoring_fund):
    bid = scoring_fund.bids[0]
    first = moderation_record(
        actor=actor(scoring_fund.chair), bid=bid, score="72.5", reason="  Strong evidence  "
    )
    assert first.score == Decimal("72.50")
    assert first.reason == "Strong evidence"
    assert first.moderated_by == scoring_fund.chair
    event = AuditEvent.objects.get(action="scoring.moderated")
    assert event.subject_id == str(first.pk)
    assert event.actor_id == str(scoring_fund.chair.pk)
    assert event.data["score"] == "72.50"
    assert event.data["bid"] == bid.pk
    assert event.data["reason_sha256"]
    assert "evidence" not in str(event.data)

    second = moderation_record(
        actor=actor(scoring_fund.chair), bid=bid, score=Decimal("100"), reason="Reconsidered"
    )
    assert Moderation.objects.filter(bid=bid).latest() == second
    assert second.score == Decimal("100.00")


def _refusal(call) -> object:
    """The fields an ApplicationError names, or the name of any other exception (a 500)."""
    try:
        call()
    except ApplicationError as refused:
        return set(refused.fields)
    except Exception as other:
        return type(other).__name__
    return "accepted"


def test_scores_on_the_scale_are_accepted(scoring_fund):
    for score in ["0", "0.00", "100", "99.99", "  50.1 ", Decimal("0.01"), 7]:
        moderation = moderation_record(
            actor=actor(scoring_fund.chair), bid=scoring_fund.bids[0], score=score, reason="Why"
        )
        assert moderation.score == Decimal(str(score).strip()).quantize(Decimal("0.01"))


def test_a_bad_score_or_reason_is_a_field_error(scoring_fund):
    def record(score, reason="Why"):
        return lambda: moderation_record(
            actor=actor(scoring_fund.chair), bid=scoring_fund.bids[0], score=score, reason=reason
        )

    cases = {
        repr(score): (record(score), {"score"})
        for score in ["-1", "-0.01", "100.01", "1.234", "abc", "", "NaN", "Infinity", "1e3", None]
    }
    cases |= {
        f"reason {reason[:5]!r}": (record("50", reason), {"reason"})
        for reason in ["", "   ", "x" * 2001]
    }
    outcomes = {name: _refusal(call) for name, (call, _fields) in cases.items()}
    assert outcomes == {name: fields for name, (_call, fields) in cases.items()}
    assert not Moderation.objects.exists()


def test_a_bad_score_and_no_reason_are_reported_together(scoring_fund):
    with pytest.raises(ApplicationError) as refused:
        moderation_record(
            actor=actor(scoring_fund.chair), bid=scoring_fund.bids[0], score="101", reason=""
        )
    assert set(refused.value.fields) == {"score", "reason"}
    assert not AuditEvent.objects.filter(action="scoring.moderated").exists()


def test_a_conflicted_chair_may_not_moderate_that_bid(scoring_fund):
    conflicted, other = scoring_fund.bids[:2]
    _conflict(scoring_fund.chair, conflicted)
    with pytest.raises(PermissionDenied):
        moderation_record(actor=actor(scoring_fund.chair), bid=conflicted, score="50", reason="x")
    assert moderation_record(actor=actor(scoring_fund.chair), bid=other, score="50", reason="x")
    assert list(Moderation.objects.values_list("bid_id", flat=True)) == [other.pk]


def test_an_officer_moderates_only_where_the_chair_is_conflicted(scoring_fund):
    conflicted, other = scoring_fund.bids[:2]
    officer = actor(scoring_fund.officer)
    with pytest.raises(PermissionDenied):
        moderation_record(actor=officer, bid=conflicted, score="50", reason="x")
    _conflict(scoring_fund.chair, conflicted)
    moderation = moderation_record(actor=officer, bid=conflicted, score="61.25", reason="Fair")
    assert moderation.moderated_by == scoring_fund.officer
    with pytest.raises(PermissionDenied):
        moderation_record(actor=officer, bid=other, score="50", reason="x")
    with pytest.raises(MfaRequired):
        moderation_record(
            actor=actor(scoring_fund.officer, mfa=False), bid=conflicted, score="50", reason="x"
        )
    assert AuditEvent.objects.get(action="scoring.moderated").actor_id == str(
        scoring_fund.officer.pk
    )


def test_a_deputy_chair_moderates_when_the_chair_is_conflicted(scoring_fund, panel):
    deputy = UserFactory()
    grant(deputy, "panel_chair", panel=panel)
    bid = scoring_fund.bids[0]
    _conflict(scoring_fund.chair, bid)
    moderation = moderation_record(actor=actor(deputy), bid=bid, score="40", reason="Deputy")
    assert moderation.moderated_by == deputy


def test_members_and_strangers_never_moderate(scoring_fund):
    for person in (scoring_fund.members[0], UserFactory()):
        with pytest.raises(PermissionDenied):
            moderation_record(actor=actor(person), bid=scoring_fund.bids[0], score="50", reason="x")
    with pytest.raises(MfaRequired):
        moderation_record(
            actor=actor(scoring_fund.chair, mfa=False),
            bid=scoring_fund.bids[0],
            score="50",
            reason="x",
        )
    assert not Moderation.objects.exists()


def test_moderation_needs_an_eligible_bid_in_scoring_before_the_shortlist(scoring_fund):
    chair = actor(scoring_fund.chair)
    with pytest.raises(NotFound):
        moderation_record(actor=chair, bid=scoring_fund.ineligible, score="50", reason="x")
    Fund.objects.filter(pk=scoring_fund.fund.pk).update(phase=Phase.VOTING)
    with pytest.raises(ApplicationError) as refused:
        moderation_record(actor=chair, bid=scoring_fund.bids[0], score="50", reason="x")
    assert refused.value.code == "not_scoring"
    Fund.objects.filter(pk=scoring_fund.fund.pk).update(phase=Phase.SCORING)
    confirm_shortlist(scoring_fund)
    with pytest.raises(ApplicationError) as refused:
        moderation_record(actor=chair, bid=scoring_fund.bids[0], score="50", reason="x")
    assert refused.value.code == "shortlist_confirmed"
    assert not Moderation.objects.exists()


# --- scoring settings ----------------------------------------------------------------------------

GOOD = {"calibrate": True, "disagreement_threshold": 30, "min_scorers": 4, "reminder_hours": [24]}


def test_defaults_until_the_chair_sets_them(scoring_fund):
    defaults = settings_for(scoring_fund.fund)
    assert defaults.pk is None
    # The stored defaults are the aggregation's own defaults.
    assert not defaults.calibrate
    assert defaults.disagreement_threshold == DEFAULT_DISAGREEMENT_THRESHOLD
    assert defaults.min_scorers == DEFAULT_MIN_SCORERS
    assert defaults.reminder_hours == [72, 24]


def test_the_chair_sets_the_scoring_settings(scoring_fund):
    chosen = scoring_settings_set(
        actor=actor(scoring_fund.chair),
        fund=scoring_fund.fund,
        calibrate=True,
        disagreement_threshold=30,
        min_scorers=4,
        reminder_hours=[24, 96, 24, 1],
    )
    stored = ScoringSettings.objects.get(fund=scoring_fund.fund)
    assert stored.pk == chosen.pk
    assert (stored.calibrate, stored.disagreement_threshold, stored.min_scorers) == (True, 30, 4)
    assert stored.reminder_hours == [96, 24, 1]
    event = AuditEvent.objects.get(action="scoring.settings_set")
    assert event.subject_id == str(scoring_fund.fund.pk)
    assert event.data == {
        "calibrate": True,
        "disagreement_threshold": 30,
        "min_scorers": 4,
        "reminder_hours": [96, 24, 1],
    }
    # Setting them again updates the one row.
    scoring_settings_set(actor=actor(scoring_fund.chair), fund=scoring_fund.fund, **GOOD)
    assert ScoringSettings.objects.filter(fund=scoring_fund.fund).count() == 1
    assert settings_for(scoring_fund.fund).reminder_hours == [24]
    assert AuditEvent.objects.filter(action="scoring.settings_set").count() == 2


def test_only_the_chair_sets_them(scoring_fund):
    for person in (scoring_fund.members[0], scoring_fund.officer, UserFactory()):
        with pytest.raises(PermissionDenied):
            scoring_settings_set(actor=actor(person), fund=scoring_fund.fund, **GOOD)
    with pytest.raises(MfaRequired):
        scoring_settings_set(
            actor=actor(scoring_fund.chair, mfa=False), fund=scoring_fund.fund, **GOOD
        )
    assert not ScoringSettings.objects.exists()


def test_settings_are_validated_by_field(scoring_fund):
    cases = [
        ({"disagreement_threshold": 0}, {"disagreement_threshold"}),
        ({"disagreement_threshold": 101}, {"disagreement_threshold"}),
        ({"min_scorers": 0}, {"min_scorers"}),
        ({"min_scorers": 51}, {"min_scorers"}),
        ({"reminder_hours": [0]}, {"reminder_hours"}),
        ({"reminder_hours": [673]}, {"reminder_hours"}),
        ({"reminder_hours": [1, 2, 3, 4, 5, 6]}, {"reminder_hours"}),
        (
            {"disagreement_threshold": -5, "min_scorers": 99, "reminder_hours": [-1]},
            {"disagreement_threshold", "min_scorers", "reminder_hours"},
        ),
    ]
    for changes, fields in cases:
        assert (
            _refusal(
                lambda changes=changes: scoring_settings_set(
                    actor=actor(scoring_fund.chair), fund=scoring_fund.fund, **{**GOOD, **changes}
                )
            )
            == fields
        ), changes
    assert not ScoringSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="scoring.settings_set").exists()


def test_settings_that_are_not_whole_numbers_are_field_errors(scoring_fund):
    """Bad input gets a field error, never a 500 (TypeError) and never a silently stored float."""
    cases = {
        "threshold 'abc'": ({"disagreement_threshold": "abc"}, {"disagreement_threshold"}),
        "threshold 2.5": ({"disagreement_threshold": 2.5}, {"disagreement_threshold"}),
        "min_scorers True": ({"min_scorers": True}, {"min_scorers"}),
        "hours ['72']": ({"reminder_hours": ["72"]}, {"reminder_hours"}),
        "hours [2.5]": ({"reminder_hours": [2.5]}, {"reminder_hours"}),
    }
    outcomes = {
        name: _refusal(
            lambda changes=changes: scoring_settings_set(
                actor=actor(scoring_fund.chair), fund=scoring_fund.fund, **{**GOOD, **changes}
            )
        )
        for name, (changes, _fields) in cases.items()
    }
    assert outcomes == {name: fields for name, (_changes, fields) in cases.items()}
    assert not ScoringSettings.objects.exists()


def test_settings_are_refused_after_the_shortlist_is_confirmed(scoring_fund):
    confirm_shortlist(scoring_fund)
    with pytest.raises(ApplicationError) as refused:
        scoring_settings_set(actor=actor(scoring_fund.chair), fund=scoring_fund.fund, **GOOD)
    assert refused.value.code == "shortlist_confirmed"
    assert not ScoringSettings.objects.exists()


def test_a_chairs_moderation_stops_counting_when_the_chair_declares_a_conflict(scoring_fund):
    """A conflict declared after scoring voids that person's score for the bid: the chair's
    moderated score is the chair's score, so it must not count once the chair is conflicted."""
    bid = scoring_fund.bids[0]
    moderation_record(actor=actor(scoring_fund.chair), bid=bid, score="90", reason="Excellent")
    _conflict(scoring_fund.chair, bid)
    (result,) = [b for b in panel_scores(scoring_fund.fund).bids if b.bid_id == bid.pk]
    assert not result.moderated
    assert result.moderated_score is None
