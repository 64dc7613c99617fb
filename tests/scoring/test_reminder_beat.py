"""Scoring reminders go out from the beat schedule: a task every ten minutes calls the service."""

import pytest
from django.utils import timezone

from backend.funds.models import Fund, Phase
from backend.notifications.models import Notification
from tests.factories import FundFactory

pytestmark = pytest.mark.django_db


def test_beat_sends_scoring_reminders_every_ten_minutes():
    import worker.tasks  # noqa: F401  (registers the tasks, as the worker's imports do)
    from worker.celery import app

    entry = app.conf.beat_schedule["send-scoring-reminders"]
    assert entry["task"] == "fairfund.send_scoring_reminders"
    assert entry["schedule"] == 600.0
    assert "fairfund.send_scoring_reminders" in app.tasks


def test_the_task_reminds_members_once(council, panel, chair, member):
    from worker.tasks import send_scoring_reminders

    fund = FundFactory(council=council, panel=panel)
    Fund.objects.filter(pk=fund.pk).update(
        phase=Phase.SCORING, voting_opens_at=timezone.now() + timezone.timedelta(hours=20)
    )
    # No eligible bids: nothing to do, so nobody is reminded.
    assert send_scoring_reminders() == 0
    assert not Notification.objects.filter(kind="scoring_reminder").exists()
