"""Submission and withdrawal only before the deadline, by the server's clock, across the clock change."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from backend.bids.models import Bid, Status
from backend.bids.services import bid_create, bid_submit, bid_withdraw
from backend.core.errors import ApplicationError
from backend.core.london_time import from_london
from tests.bids.helpers import open_fund
from tests.factories import actor

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


@pytest.fixture
def closing(council, panel, officer, chair, clock):
    """A fund whose bids close at a fixed instant, set relative to the server's clock."""
    now = clock(timezone.now())
    return open_fund(
        council=council,
        panel=panel,
        officer=officer,
        chair=chair,
        closes_at=now + timedelta(hours=1),
    )


def _complete(fund, organisation, applicant) -> Bid:
    from backend.bids.declarations import DECLARATION_CODES
    from backend.bids.services import (
        BudgetLineInput,
        bid_set_declarations,
        bid_update,
        budget_line_set,
    )

    who = actor(applicant)
    bid = bid_create(actor=who, fund=fund, organisation=organisation, title="Play")
    bid_update(
        actor=who,
        bid=bid,
        summary="s",
        need="n",
        population_served="p",
        outcomes="o",
        evidence_level=1,
        evidence_sources="e",
        delivery_plan="d",
        beneficiaries=10,
    )
    budget_line_set(actor=who, bid=bid, lines=[BudgetLineInput("Staff", 100)])
    bid_set_declarations(actor=who, bid=bid, accepted=DECLARATION_CODES)
    return bid


def test_submitted_one_second_before_the_deadline(closing, organisation, applicant, clock):
    bid = _complete(closing, organisation, applicant)
    clock(closing.bids_close_at - SECOND)
    assert bid_submit(actor=actor(applicant), bid=bid).status == Status.SUBMITTED
    assert Bid.objects.get(pk=bid.pk).submitted_at == closing.bids_close_at - SECOND


@pytest.mark.parametrize("after", [timedelta(0), SECOND])
def test_refused_at_and_after_the_deadline(closing, organisation, applicant, clock, after):
    bid = _complete(closing, organisation, applicant)
    clock(closing.bids_close_at + after)
    with pytest.raises(ApplicationError) as refused:
        bid_submit(actor=actor(applicant), bid=bid)
    assert refused.value.code == "bids_closed"
    assert Bid.objects.get(pk=bid.pk).status == Status.DRAFT


def test_withdrawn_one_second_before_the_deadline_but_not_after(
    closing, organisation, applicant, clock
):
    first = _complete(closing, organisation, applicant)
    second = _complete(closing, organisation, applicant)
    bid_submit(actor=actor(applicant), bid=first)
    bid_submit(actor=actor(applicant), bid=second)
    clock(closing.bids_close_at - SECOND)
    assert bid_withdraw(actor=actor(applicant), bid=first).status == Status.WITHDRAWN
    clock(closing.bids_close_at + SECOND)
    with pytest.raises(ApplicationError):
        bid_withdraw(actor=actor(applicant), bid=second)
    assert Bid.objects.get(pk=second.pk).status == Status.SUBMITTED


def test_no_new_bid_after_the_deadline_even_before_the_scheduler_runs(
    closing, organisation, applicant, clock
):
    clock(closing.bids_close_at + SECOND)
    with pytest.raises(ApplicationError) as refused:
        bid_create(actor=actor(applicant), fund=closing, organisation=organisation)
    assert refused.value.code == "bids_closed"


def test_a_deadline_of_0130_london_on_the_night_the_clocks_go_back(
    council, panel, officer, chair, organisation, applicant, clock
):
    # 01:30 happens twice in London on 25 October 2026; the deadline is the first (BST) one.
    deadline = from_london(datetime(2026, 10, 25, 1, 30))
    assert deadline == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    clock(datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    fund = open_fund(council=council, panel=panel, officer=officer, chair=chair, closes_at=deadline)
    early = _complete(fund, organisation, applicant)
    late = _complete(fund, organisation, applicant)

    clock(datetime(2026, 10, 25, 0, 29, 59, tzinfo=UTC))  # 01:29:59 BST
    assert bid_submit(actor=actor(applicant), bid=early).status == Status.SUBMITTED

    # 01:29:59 GMT: the wall clock reads 01:29 again, an hour after the deadline passed.
    clock(datetime(2026, 10, 25, 1, 29, 59, tzinfo=UTC))
    with pytest.raises(ApplicationError) as refused:
        bid_submit(actor=actor(applicant), bid=late)
    assert refused.value.code == "bids_closed"
