"""Fixtures for bids: a fund open for bids, a draft of the applicant's organisation, a clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from backend.bids.declarations import DECLARATION_CODES
from backend.bids.services import (
    BudgetLineInput,
    bid_create,
    bid_set_declarations,
    bid_update,
    budget_line_set,
)
from tests.bids.helpers import open_fund
from tests.factories import actor


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.FAIRFUND_UPLOAD_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def fund(council, panel, officer, chair):
    return open_fund(council=council, panel=panel, officer=officer, chair=chair)


@pytest.fixture
def draft(fund, organisation, applicant):
    """A draft with every answer given and one budget line: ready to submit."""
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation, title="Play")
    bid_update(
        actor=actor(applicant),
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
    budget_line_set(
        actor=actor(applicant),
        bid=bid,
        lines=[BudgetLineInput("Sessional workers", 1_200_000)],
    )
    bid_set_declarations(actor=actor(applicant), bid=bid, accepted=DECLARATION_CODES)
    bid.refresh_from_db()
    return bid


@pytest.fixture
def clock(monkeypatch):
    """Freeze the server's clock: ``clock(instant)`` sets what timezone.now() returns."""

    def freeze(instant: datetime) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: instant)
        return instant

    return freeze
