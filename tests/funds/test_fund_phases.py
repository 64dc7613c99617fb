"""The phases of a fund: transitions as data, guards, the scheduler, the tie order frozen at voting."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify
from backend.core.errors import ApplicationError, MfaRequired, PermissionDenied
from backend.core.london_time import LONDON, NonexistentLocalTime, from_london
from backend.funds.models import TIMELINE_FIELDS, Fund, Phase
from backend.funds.services import (
    fund_transition,
    funds_advance_due,
    tie_order_from_seed,
)
from backend.funds.workflows import AWARD_ONLY, SCHEDULED_STARTS, TRANSITIONS
from tests.factories import FundFactory, actor
from tests.funds.helpers import START, confirmed_shortlist, set_up, timeline

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(source, target) for source in Phase for target in Phase]
ALLOWED = [pair for pair in ALL_PAIRS if pair[1] in TRANSITIONS[pair[0]]]
REFUSED = [pair for pair in ALL_PAIRS if pair[1] not in TRANSITIONS[pair[0]]]


@pytest.fixture
def ready_fund(council, panel, officer, chair):
    return set_up(FundFactory(council=council, panel=panel), officer=officer, chair=chair)


def _at(fund: Fund, phase: Phase) -> Fund:
    Fund.objects.filter(pk=fund.pk).update(phase=phase)
    fund.refresh_from_db()
    return fund


def test_the_transition_data_covers_every_phase_and_cancels_before_the_decision():
    assert set(TRANSITIONS) == set(Phase)
    for phase in Phase:
        before_decision = phase not in {Phase.DECIDED, Phase.PUBLISHED, Phase.CANCELLED}
        assert (Phase.CANCELLED in TRANSITIONS[phase]) is before_decision


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=[f"{s}->{t}" for s, t in ALLOWED])
def test_each_allowed_transition(ready_fund, officer, chair, source, target):
    fund = _at(ready_fund, source)
    if target == Phase.VOTING:
        confirmed_shortlist(fund, chair=chair)  # voting's own guard, tested below
    if target in AWARD_ONLY:
        with pytest.raises(ApplicationError) as refused:
            fund_transition(actor=actor(officer), fund=fund, to_phase=target)
        assert refused.value.code == "transition_refused"
        return
    before = AuditEvent.objects.count()
    fund = fund_transition(actor=actor(officer), fund=fund, to_phase=target)
    fund.refresh_from_db()
    assert fund.phase == target
    event = AuditEvent.objects.get(sequence=before + 1)
    assert (event.action, event.data["before"], event.data["after"]) == (
        "fund.phase_changed",
        source,
        target,
    )
    assert event.actor_id == str(officer.pk)


@pytest.mark.parametrize(("source", "target"), REFUSED, ids=[f"{s}->{t}" for s, t in REFUSED])
def test_each_refused_transition(ready_fund, officer, source, target):
    fund = _at(ready_fund, source)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        fund_transition(actor=actor(officer), fund=fund, to_phase=target)
    assert refused.value.code == "transition_refused"
    assert "to_phase" in refused.value.fields
    fund.refresh_from_db()
    assert fund.phase == source
    assert AuditEvent.objects.count() == before


def test_an_unknown_phase_is_a_field_error(ready_fund, officer):
    with pytest.raises(ApplicationError) as refused:
        fund_transition(actor=actor(officer), fund=ready_fund, to_phase="limbo")
    assert "to_phase" in refused.value.fields


@pytest.mark.parametrize("unset", ["officer_ready_at", "chair_ready_at", "rule_name"])
def test_a_fund_opens_for_bids_only_when_both_parts_are_done(ready_fund, officer, unset):
    Fund.objects.filter(pk=ready_fund.pk).update(**{unset: None if unset.endswith("_at") else ""})
    with pytest.raises(ApplicationError) as refused:
        fund_transition(actor=actor(officer), fund=ready_fund, to_phase=Phase.OPEN_FOR_BIDS)
    assert refused.value.code == "transition_refused"


@pytest.mark.parametrize("who", ["chair", "member", "auditor", "applicant"])
def test_only_officers_move_a_fund_by_hand(request, ready_fund, who):
    with pytest.raises(PermissionDenied):
        fund_transition(
            actor=actor(request.getfixturevalue(who)), fund=ready_fund, to_phase=Phase.CANCELLED
        )
    with pytest.raises(MfaRequired):
        fund_transition(
            actor=actor(request.getfixturevalue("officer"), mfa=False),
            fund=ready_fund,
            to_phase=Phase.CANCELLED,
        )


def test_voting_freezes_the_rule_and_a_tie_order_recorded_in_the_chain(ready_fund, officer, chair):
    fund = _at(ready_fund, Phase.SCORING)
    confirmed_shortlist(fund, chair=chair)
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.VOTING)
    fund.refresh_from_db()
    assert len(fund.tie_seed) == 64
    assert fund.tie_order == tie_order_from_seed(fund.tie_seed, [])
    assert fund.frozen_rule["name"] == "mes"
    assert fund.frozen_rule["completion"] == "add1"
    assert fund.frozen_rule["tie_order"] == fund.tie_order
    event = AuditEvent.objects.filter(action="fund.phase_changed").latest("sequence")
    assert event.data["tie_seed"] == fund.tie_seed
    canonical = json.dumps(fund.tie_order, sort_keys=True, separators=(",", ":")).encode()
    assert event.data["tie_order_sha256"] == hashlib.sha256(canonical).hexdigest()
    assert chain_verify().ok


def test_the_tie_order_is_reproducible_from_its_seed_and_differs_between_seeds():
    ids = [str(n) for n in range(1, 30)]
    assert tie_order_from_seed("ab" * 32, ids) == tie_order_from_seed("ab" * 32, ids)
    assert sorted(tie_order_from_seed("ab" * 32, ids)) == sorted(ids)
    assert tie_order_from_seed("ab" * 32, ids) != tie_order_from_seed("cd" * 32, ids)


# --- the scheduler -----------------------------------------------------------------------------


def test_the_scheduler_moves_phases_at_their_dates_and_is_idempotent(ready_fund, chair):
    confirmed_shortlist(ready_fund, chair=chair)
    times = timeline()
    assert funds_advance_due(now=times["bids_open_at"] - timedelta(seconds=1)) == 0
    expected = [Phase.OPEN_FOR_BIDS, Phase.SCREENING, Phase.SCORING, Phase.VOTING, Phase.TALLYING]
    fields = [field for _target, field in SCHEDULED_STARTS.values()]
    for field, phase in zip(fields, expected, strict=True):
        assert funds_advance_due(now=times[field]) == 1
        assert funds_advance_due(now=times[field]) == 0
        ready_fund.refresh_from_db()
        assert ready_fund.phase == phase
    # Tallying is as far as the scheduler goes: the award decides.
    assert funds_advance_due(now=times["decision_at"] + timedelta(days=30)) == 0
    ready_fund.refresh_from_db()
    assert ready_fund.phase == Phase.TALLYING
    events = AuditEvent.objects.filter(action="fund.phase_changed", subject_id=str(ready_fund.pk))
    assert [e.data["after"] for e in events.order_by("sequence")] == expected
    assert {e.actor_type for e in events} == {"scheduler"}


def test_a_late_run_moves_a_fund_through_every_phase_due_one_at_a_time(ready_fund, chair):
    confirmed_shortlist(ready_fund, chair=chair)
    assert funds_advance_due(now=timeline()["voting_opens_at"]) == 4
    ready_fund.refresh_from_db()
    assert ready_fund.phase == Phase.VOTING
    assert ready_fund.tie_seed
    assert funds_advance_due(now=timeline()["voting_opens_at"]) == 0


def test_the_scheduler_leaves_unfinished_and_cancelled_funds(ready_fund, council, panel, officer):
    unfinished = FundFactory(council=council, panel=panel, bids_open_at=START)
    fund_transition(actor=actor(officer), fund=ready_fund, to_phase=Phase.CANCELLED)
    assert funds_advance_due(now=START + timedelta(days=365)) == 0
    unfinished.refresh_from_db()
    assert unfinished.phase == Phase.DRAFT


# --- the clock change --------------------------------------------------------------------------


def test_a_nonexistent_london_time_is_refused():
    with pytest.raises(NonexistentLocalTime, match="does not exist"):
        from_london(datetime(2026, 3, 29, 1, 30))


def test_an_ambiguous_london_time_is_its_first_occurrence():
    assert from_london(datetime(2026, 10, 25, 1, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert from_london(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)
    assert from_london(datetime(2026, 3, 29, 2, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def _london_timeline(fund: Fund, *wall_clock: datetime) -> None:
    """The first phases at these London times, the rest days later."""
    instants = [from_london(moment) for moment in wall_clock]
    while len(instants) < len(TIMELINE_FIELDS):
        instants.append(instants[-1] + timedelta(days=7))
    Fund.objects.filter(pk=fund.pk).update(**dict(zip(TIMELINE_FIELDS, instants, strict=True)))


def test_the_scheduler_across_the_autumn_clock_change(ready_fund, officer):
    """Bids close at the first 01:30 (BST), which is 00:30 UTC, not the second (01:30 UTC)."""
    _london_timeline(
        ready_fund,
        datetime(2026, 10, 25, 0, 30),  # 23:30 UTC the day before
        datetime(2026, 10, 25, 1, 30),  # 00:30 UTC (the first 01:30, BST)
        datetime(2026, 10, 25, 1, 45),  # 00:45 UTC
    )
    funds_advance_due(now=datetime(2026, 10, 25, 0, 29, tzinfo=UTC))
    ready_fund.refresh_from_db()
    assert ready_fund.phase == Phase.OPEN_FOR_BIDS
    funds_advance_due(now=datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    ready_fund.refresh_from_db()
    assert ready_fund.phase == Phase.SCREENING
    assert ready_fund.bids_close_at.astimezone(LONDON).utcoffset() == timedelta(hours=1)


def test_the_scheduler_across_the_spring_clock_change(ready_fund):
    _london_timeline(
        ready_fund,
        datetime(2026, 3, 29, 0, 59),  # 00:59 UTC (GMT)
        datetime(2026, 3, 29, 2, 0),  # 01:00 UTC (BST): a minute later
        datetime(2026, 3, 29, 3, 0),
    )
    funds_advance_due(now=datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC))
    ready_fund.refresh_from_db()
    assert ready_fund.phase == Phase.OPEN_FOR_BIDS
    funds_advance_due(now=datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
    ready_fund.refresh_from_db()
    assert ready_fund.phase == Phase.SCREENING


def test_the_panel_hears_when_its_fund_opens_for_bids(ready_fund, chair, member, officer):
    from backend.notifications.models import Notification

    funds_advance_due(now=START)
    funds_advance_due(now=START)
    rows = Notification.objects.filter(kind="fund_opened", channel="email")
    assert sorted(rows.values_list("recipient_user", flat=True)) == sorted([chair.pk, member.pk])


def test_voting_waits_for_the_confirmed_shortlist(ready_fund, officer, chair):
    fund = _at(ready_fund, Phase.SCORING)
    with pytest.raises(ApplicationError) as refused:
        fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.VOTING)
    assert "shortlist" in refused.value.message
    # The scheduler leaves the fund in scoring, and moves it once the shortlist is confirmed.
    assert funds_advance_due(now=timeline()["voting_opens_at"]) == 0
    confirmed_shortlist(fund, chair=chair)
    assert funds_advance_due(now=timeline()["voting_opens_at"]) == 1
    fund.refresh_from_db()
    assert fund.phase == Phase.VOTING


def test_the_frozen_tie_order_covers_the_shortlisted_bids_only(ready_fund, officer, chair):
    from django.utils import timezone

    from tests.factories import BidFactory

    fund = _at(ready_fund, Phase.SCORING)
    done = {
        "submitted_at": timezone.now(),
        "submitted_snapshot": {},
        "submitted_snapshot_sha256": "0" * 64,
        "screened_at": timezone.now(),
        "screened_by": officer,
    }
    eligible = [BidFactory(fund=fund, status="eligible", **done) for _ in range(3)]
    BidFactory(fund=fund, status="ineligible", **done)
    BidFactory(fund=fund)  # a draft never submitted
    listed = eligible[:2]
    confirmed_shortlist(fund, chair=chair, shortlisted=listed, out=eligible[2:])
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.VOTING)
    fund.refresh_from_db()
    assert sorted(fund.tie_order) == sorted(str(bid.pk) for bid in listed)
    assert fund.tie_order == tie_order_from_seed(fund.tie_seed, [str(b.pk) for b in listed])
