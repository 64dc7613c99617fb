"""Reminders before the scoring deadline (when voting opens): at each reminder time, members with
work left (bids not declared on, sheets not submitted) are reminded, each reminder once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.accounts.models import RoleGrant, User
from backend.accounts.services import role_revoke
from backend.audit.models import AuditEvent
from backend.funds.models import Fund, Phase
from backend.notifications.models import Notification
from backend.scoring.services import (
    ScoreInput,
    scoring_reminders_send,
    scoring_settings_set,
    sheet_save,
)
from tests.factories import actor
from tests.scoring.conftest import declare_all, score_and_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def progress(scoring_fund):
    """The chair has finished; member 0 declared nothing; member 1 declared but has a draft;
    member 2 is conflicted on one bid and submitted the other two (finished)."""
    world = scoring_fund
    chair, _undeclared, drafting, conflicted = world.panel
    declare_all(world, chair)
    for bid in world.bids:
        score_and_submit(world, chair, bid)
    declare_all(world, drafting)
    sheet_save(
        actor=actor(drafting), bid=world.bids[0], scores={world.criteria[0].pk: ScoreInput(3)}
    )
    declare_all(world, conflicted, conflicted_on=(world.bids[0],))
    for bid in world.bids[1:]:
        score_and_submit(world, conflicted, bid)
    return world


def _reminded(**filters) -> dict[int, dict]:
    rows = Notification.objects.filter(kind="scoring_reminder", channel="in_app", **filters)
    return {row.recipient_user_id: row.context for row in rows}


def _sent_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="scoring.reminders_sent").order_by("sequence"))


def test_reminders_go_once_at_each_time_to_members_with_work_left(progress):
    deadline = progress.fund.voting_opens_at
    _chair, undeclared, drafting, _conflicted = progress.panel

    assert scoring_reminders_send(now=deadline - timedelta(hours=80)) == 0
    assert not _reminded()
    assert not _sent_events()

    assert scoring_reminders_send(now=deadline - timedelta(hours=71)) == 2
    reminded = _reminded()
    assert set(reminded) == {undeclared.pk, drafting.pk}
    assert (reminded[undeclared.pk]["undeclared"], reminded[undeclared.pk]["unscored"]) == (3, 3)
    assert (reminded[drafting.pk]["undeclared"], reminded[drafting.pk]["unscored"]) == (0, 3)
    (event,) = _sent_events()
    assert event.actor_type == "scheduler"
    assert event.subject_id == str(progress.fund.pk)
    assert event.data == {"hours_before": 72, "members": 2}

    # Once: later runs before the next reminder time send nothing and record nothing.
    assert scoring_reminders_send(now=deadline - timedelta(hours=71)) == 0
    assert scoring_reminders_send(now=deadline - timedelta(hours=30)) == 0
    assert len(_reminded()) == 2
    assert len(_sent_events()) == 1

    assert scoring_reminders_send(now=deadline - timedelta(hours=23)) == 2
    assert Notification.objects.filter(kind="scoring_reminder", channel="in_app").count() == 4
    assert _sent_events()[-1].data == {"hours_before": 24, "members": 2}
    assert scoring_reminders_send(now=deadline - timedelta(hours=2)) == 0
    assert len(_sent_events()) == 2

    # After the deadline, nothing.
    assert scoring_reminders_send(now=deadline + timedelta(minutes=1)) == 0
    assert len(_sent_events()) == 2


def test_a_member_who_finishes_is_not_reminded_again(progress):
    deadline = progress.fund.voting_opens_at
    _chair, undeclared, drafting, _conflicted = progress.panel
    assert scoring_reminders_send(now=deadline - timedelta(hours=71)) == 2
    for bid in progress.bids:
        score_and_submit(progress, drafting, bid)
    assert scoring_reminders_send(now=deadline - timedelta(hours=23)) == 1
    assert set(_reminded(dedupe_key__contains=":24:")) == {undeclared.pk}


def test_a_fund_not_in_scoring_sends_nothing(progress):
    deadline = progress.fund.voting_opens_at
    for phase in (Phase.SCREENING, Phase.VOTING, Phase.CANCELLED):
        Fund.objects.filter(pk=progress.fund.pk).update(phase=phase)
        assert scoring_reminders_send(now=deadline - timedelta(hours=23)) == 0
    assert not _reminded()
    assert not _sent_events()


def test_the_chairs_reminder_times_are_used(progress):
    deadline = progress.fund.voting_opens_at
    scoring_settings_set(
        actor=actor(progress.chair),
        fund=progress.fund,
        calibrate=False,
        disagreement_threshold=25,
        min_scorers=3,
        reminder_hours=[100],
    )
    assert scoring_reminders_send(now=deadline - timedelta(hours=101)) == 0
    assert scoring_reminders_send(now=deadline - timedelta(hours=99)) == 2
    assert scoring_reminders_send(now=deadline - timedelta(hours=23)) == 0
    assert _sent_events()[-1].data == {"hours_before": 100, "members": 2}


def test_a_fund_with_nobody_left_to_remind_records_nothing(scoring_fund):
    for person in scoring_fund.panel:
        declare_all(scoring_fund, person, conflicted_on=tuple(scoring_fund.bids))
    deadline = scoring_fund.fund.voting_opens_at
    assert scoring_reminders_send(now=deadline - timedelta(hours=71)) == 0
    assert not _reminded()
    assert not _sent_events()


def test_former_and_deactivated_members_are_not_reminded(progress):
    """Only people who may still score are reminded: not a member whose role was revoked, nor
    one whose account is deactivated (holds() treats both as holding no role)."""
    deadline = progress.fund.voting_opens_at
    _chair, undeclared, drafting, _conflicted = progress.panel
    role_revoke(
        actor=actor(progress.officer),
        grant=RoleGrant.objects.get(user=undeclared, revoked_at=None),
    )
    User.objects.filter(pk=drafting.pk).update(is_active=False)
    assert scoring_reminders_send(now=deadline - timedelta(hours=71)) == 0
    assert not _reminded()
