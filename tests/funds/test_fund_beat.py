"""Phases change on their dates by the beat schedule: a task every minute calls the scheduler."""

import pytest
from django.utils import timezone

from backend.funds.models import Phase
from tests.factories import FundFactory
from tests.funds.helpers import set_up

pytestmark = pytest.mark.django_db


def test_beat_runs_the_fund_scheduler_every_minute():
    import worker.tasks  # noqa: F401  (registers the tasks, as the worker's imports do)
    from worker.celery import app

    entry = app.conf.beat_schedule["advance-fund-phases"]
    assert entry["task"] == "fairfund.advance_fund_phases"
    assert entry["schedule"] == 60.0
    assert "fairfund.advance_fund_phases" in app.tasks


def test_the_task_moves_funds_whose_date_has_passed(council, panel, officer, chair):
    from worker.tasks import advance_fund_phases

    fund = set_up(
        FundFactory(council=council, panel=panel),
        officer=officer,
        chair=chair,
        start=timezone.now() - timezone.timedelta(minutes=1),
    )
    assert advance_fund_phases() == 1
    assert advance_fund_phases() == 0
    fund.refresh_from_db()
    assert fund.phase == Phase.OPEN_FOR_BIDS
