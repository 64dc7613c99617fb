"""The shortlist: a rule proposes, the chair writes feedback and confirms, and the confirmed
shortlist is frozen with its hash in the audit chain; applicants hear the outcome."""

from __future__ import annotations

import hashlib
import json

import pytest

from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify
from backend.core.errors import ApplicationError, MfaRequired, PermissionDenied
from backend.funds.models import Phase
from backend.funds.services import fund_transition
from backend.notifications.models import Notification
from backend.scoring.models import ShortlistEntry
from backend.scoring.services import (
    moderation_record,
    scoring_settings_set,
    sheet_save,
    shortlist_confirm,
    shortlist_entry_set,
    shortlist_propose,
)
from tests.factories import actor
from tests.scoring.conftest import declare_all, full_scores, score_and_submit

pytestmark = pytest.mark.django_db


def _scored(world, values=(4, 3)):
    """The chair and two members score the first two bids; the third stays unscored."""
    for person in world.panel[:3]:
        declare_all(world, person)
        for bid, value in zip(world.bids, values, strict=False):
            score_and_submit(world, person, bid, value)


def _entries(world):
    return list(ShortlistEntry.objects.filter(shortlist__fund=world.fund).order_by("rank"))


def test_a_top_n_proposal_ranks_the_eligible_bids(scoring_fund):
    world = scoring_fund
    _scored(world)
    shortlist = shortlist_propose(
        actor=actor(world.chair), fund=world.fund, rule="top_n", parameter="1"
    )
    entries = _entries(world)
    assert [e.bid_id for e in entries] == [b.pk for b in world.bids]
    assert [e.rank for e in entries] == [1, 2, 3]
    assert [e.shortlisted for e in entries] == [True, False, False]
    assert [e.reason for e in entries] == ["in_top_n", "outside_top_n", "unscored"]
    assert str(entries[0].panel_score) == "80.00"  # 4 of 5 on every criterion
    assert entries[2].panel_score is None
    assert entries[0].cost_pence == world.bids[0].amount_requested_pence
    assert world.ineligible.pk not in {e.bid_id for e in entries}
    event = AuditEvent.objects.filter(action="scoring.shortlist_proposed").get()
    assert event.data["proposed"] == [world.bids[0].pk]
    assert shortlist.confirmed_at is None


@pytest.mark.parametrize(
    ("rule", "parameter", "field"),
    [
        ("top_n", "0", "parameter"),
        ("top_n", "two", "parameter"),
        ("min_score", "101", "parameter"),
        ("min_score", "sixty", "parameter"),
        ("budget_multiple", "0", "parameter"),
        ("lottery", "1", "rule"),
    ],
)
def test_a_bad_rule_is_refused_by_field(scoring_fund, rule, parameter, field):
    with pytest.raises(ApplicationError) as refused:
        shortlist_propose(
            actor=actor(scoring_fund.chair), fund=scoring_fund.fund, rule=rule, parameter=parameter
        )
    assert list(refused.value.fields) == [field]
    assert not ShortlistEntry.objects.exists()


def test_only_the_chair_proposes_and_confirms(scoring_fund):
    world = scoring_fund
    for who in (world.members[0], world.officer):
        with pytest.raises(PermissionDenied):
            shortlist_propose(actor=actor(who), fund=world.fund, rule="top_n", parameter="1")
    with pytest.raises(MfaRequired):
        shortlist_propose(
            actor=actor(world.chair, mfa=False), fund=world.fund, rule="top_n", parameter="1"
        )
    with pytest.raises(PermissionDenied):
        shortlist_confirm(actor=actor(world.members[0]), fund=world.fund)


def test_confirming_freezes_the_shortlist_and_records_its_hash(scoring_fund):
    world = scoring_fund
    _scored(world)
    chair = actor(world.chair)
    shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="2")
    shortlist_entry_set(
        actor=chair,
        fund=world.fund,
        bid_id=world.bids[0].pk,
        feedback="Strong evidence; <b>clear</b> costs.",
        exclusive_group="hall",
    )
    shortlist = shortlist_confirm(actor=chair, fund=world.fund)
    assert shortlist.confirmed_by == world.chair
    snapshot = shortlist.snapshot
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert shortlist.snapshot_sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    first = snapshot["entries"][0]
    assert first == {
        "bid": world.bids[0].pk,
        "rank": 1,
        "shortlisted": True,
        "reason": "in_top_n",
        "cost_pence": world.bids[0].amount_requested_pence,
        "pot": None,
        "exclusive_group": "hall",
        "panel_score": "80.00",
    }
    event = AuditEvent.objects.filter(action="scoring.shortlist_confirmed").get()
    assert event.data["snapshot_sha256"] == shortlist.snapshot_sha256
    assert event.data["shortlisted"] == [world.bids[0].pk, world.bids[1].pk]
    assert chain_verify().ok


def test_applicants_hear_the_outcome_with_the_feedback(scoring_fund):
    world = scoring_fund
    _scored(world)
    chair = actor(world.chair)
    shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="1")
    shortlist_entry_set(
        actor=chair, fund=world.fund, bid_id=world.bids[1].pk, feedback="Costs were unclear."
    )
    shortlist_confirm(actor=chair, fund=world.fund)
    rows = Notification.objects.filter(kind="shortlist_decided", channel="in_app")
    by_bid = {int(row.subject_id): row.context for row in rows}
    assert by_bid[world.bids[0].pk]["shortlisted"] is True
    assert by_bid[world.bids[1].pk] == {
        "fund": world.fund.name,
        "bid": world.bids[1].title,
        "shortlisted": False,
        "feedback": "Costs were unclear.",
    }
    assert world.ineligible.pk not in by_bid


def test_after_confirmation_nothing_about_the_scores_changes(scoring_fund):
    world = scoring_fund
    _scored(world)
    chair = actor(world.chair)
    shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="2")
    shortlist_confirm(actor=chair, fund=world.fund)
    refused = [
        lambda: shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="1"),
        lambda: shortlist_confirm(actor=chair, fund=world.fund),
        lambda: shortlist_entry_set(
            actor=chair, fund=world.fund, bid_id=world.bids[0].pk, feedback="x"
        ),
        lambda: moderation_record(actor=chair, bid=world.bids[0], score="50", reason="Late"),
        lambda: scoring_settings_set(
            actor=chair,
            fund=world.fund,
            calibrate=True,
            disagreement_threshold=10,
            min_scorers=2,
            reminder_hours=[24],
        ),
        lambda: sheet_save(
            actor=actor(world.members[2]), bid=world.bids[2], scores=full_scores(world)
        ),
    ]
    declare_all(world, world.members[2])
    for attempt in refused:
        with pytest.raises(ApplicationError) as error:
            attempt()
        assert error.value.code == "shortlist_confirmed"


def test_a_proposal_overtaken_by_new_scores_must_be_made_again(scoring_fund):
    world = scoring_fund
    _scored(world, values=(4, 3))
    chair = actor(world.chair)
    shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="1")
    # The chair moderates the second bid above the first: the proposal is stale.
    moderation_record(actor=chair, bid=world.bids[1], score="95", reason="Site visit")
    with pytest.raises(ApplicationError) as refused:
        shortlist_confirm(actor=chair, fund=world.fund)
    assert refused.value.code == "proposal_stale"
    shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="1")
    confirmed = shortlist_confirm(actor=chair, fund=world.fund)
    assert confirmed.snapshot["entries"][0]["bid"] == world.bids[1].pk


def test_a_proposal_with_no_bid_cannot_be_confirmed(scoring_fund):
    world = scoring_fund
    _scored(world)
    chair = actor(world.chair)
    shortlist_propose(actor=chair, fund=world.fund, rule="min_score", parameter="99")
    with pytest.raises(ApplicationError) as refused:
        shortlist_confirm(actor=chair, fund=world.fund)
    assert refused.value.code == "empty_shortlist"


def test_feedback_and_groups_survive_a_new_proposal(scoring_fund):
    world = scoring_fund
    _scored(world)
    chair = actor(world.chair)
    shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="1")
    shortlist_entry_set(
        actor=chair, fund=world.fund, bid_id=world.bids[1].pk, feedback="Good", exclusive_group="a"
    )
    shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="2")
    entry = ShortlistEntry.objects.get(bid=world.bids[1])
    assert (entry.feedback, entry.exclusive_group, entry.shortlisted) == ("Good", "a", True)


def test_voting_opens_with_a_tie_order_over_the_shortlisted_bids(scoring_fund):
    world = scoring_fund
    _scored(world)
    chair = actor(world.chair)
    shortlist_propose(actor=chair, fund=world.fund, rule="top_n", parameter="2")
    shortlist_confirm(actor=chair, fund=world.fund)
    fund_transition(actor=actor(world.officer), fund=world.fund, to_phase=Phase.VOTING)
    fund = world.refresh()
    assert sorted(fund.tie_order) == sorted(str(b.pk) for b in world.bids[:2])
