"""Set a fund up through the services, as an officer and a chair would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backend.funds.models import TIMELINE_FIELDS, Fund
from backend.funds.services import (
    fund_apply_default_rubric,
    fund_mark_ready,
    fund_set_checklist,
    fund_set_decision_rule,
    fund_set_purpose_and_population,
    fund_set_timeline,
)
from tests.factories import actor

START = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def timeline(start: datetime = START, step: timedelta = timedelta(days=14)) -> dict[str, datetime]:
    return {field: start + step * i for i, field in enumerate(TIMELINE_FIELDS)}


def set_up(fund: Fund, *, officer, chair, start: datetime = START) -> Fund:
    """Both parts done: the fund may open for bids."""
    fund_set_purpose_and_population(
        actor=actor(chair), fund=fund, purpose="Early years support", needs=["sen"]
    )
    fund_set_checklist(actor=actor(chair), fund=fund, items=["Based in the borough"])
    fund_apply_default_rubric(actor=actor(chair), fund=fund)
    fund_mark_ready(actor=actor(chair), fund=fund, part="chair")
    fund_set_timeline(actor=actor(officer), fund=fund, **timeline(start))
    fund_set_decision_rule(actor=actor(officer), fund=fund, rule_name="mes", completion="add1")
    fund_mark_ready(actor=actor(officer), fund=fund, part="officer")
    fund.refresh_from_db()
    return fund


def confirmed_shortlist(fund: Fund, *, chair, shortlisted=(), out=()):
    """A confirmed shortlist of ``fund`` written directly (the scoring services build real ones):
    the voting phase needs one, and the tie order covers its shortlisted bids."""
    from django.utils import timezone

    from backend.scoring.models import Shortlist, ShortlistEntry

    now = timezone.now()
    shortlist = Shortlist.objects.create(
        fund=fund,
        rule="top_n",
        parameter=str(max(len(shortlisted), 1)),
        proposed_at=now,
        proposed_by=chair,
        confirmed_at=now,
        confirmed_by=chair,
        snapshot={},
        snapshot_sha256="0" * 64,
    )
    for rank, (bid, listed) in enumerate(
        [(bid, True) for bid in shortlisted] + [(bid, False) for bid in out], start=1
    ):
        ShortlistEntry.objects.create(
            shortlist=shortlist,
            bid=bid,
            rank=rank,
            shortlisted=listed,
            reason="in_top_n" if listed else "outside_top_n",
            cost_pence=1000,
        )
    return shortlist
