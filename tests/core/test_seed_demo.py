"""The demo seed's early-years fund: set up through the services, a dozen bids in several states,
every change in an intact audit chain, and a second run that changes nothing."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.accounts.models import Organisation, RoleGrant, User
from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify, events_for_subject
from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Bid, BudgetLine, ScreeningCheck, ScreeningOutcome, Status
from backend.core import demo_data
from backend.core.london_time import to_london
from backend.funds.models import TIMELINE_FIELDS, Fund, Phase
from backend.funds.services import DEFAULT_RUBRIC
from backend.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

# Seeding takes a few seconds on PostgreSQL, so each test seeds once and checks several things.


@pytest.fixture
def fund(capsys) -> Fund:  # capsys first, so the first run's output is captured too
    call_command("seed_demo")
    return Fund.objects.get(name="Transforming Early Years")


def _bid_events(bid: Bid) -> list[AuditEvent]:
    return list(events_for_subject(subject_type="bids.bid", subject_id=str(bid.pk)))


def _check_the_fund_serves_early_years_in_riverside(fund: Fund) -> None:
    assert fund.council.name == "Northbridge Borough Council"
    assert fund.panel.name == "Riverside Community Panel"
    assert list(fund.localities.values_list("name", flat=True)) == ["Riverside"]
    assert (fund.age_min, fund.age_max) == (0, 5)
    assert set(fund.needs) >= {"sen", "disability", "low_income", "english_language"}
    assert "Index of" in fund.disadvantage_criteria
    assert "Riverside" in fund.purpose
    assert fund.budget_pence == 30_000_000
    assert sorted(fund.pots.values_list("name", "share_pence")) == sorted(demo_data.FUND_POTS)
    assert sum(pot.share_pence for pot in fund.pots.all()) <= fund.budget_pence
    assert fund.is_ready
    assert (fund.rule_name, fund.rule_completion) == ("mes", "add1")


def _check_the_rubric_is_the_default_and_the_checklist_is_set(fund: Fund) -> None:
    assert [(c.name, c.weight) for c in fund.criteria.order_by("position")] == [
        (name, weight) for name, weight, _description in DEFAULT_RUBRIC
    ]
    assert fund.scale_max == 5
    assert list(fund.checklist.order_by("position").values_list("text", flat=True)) == list(
        demo_data.FUND_CHECKLIST
    )


def _check_the_timeline_is_in_london_time_and_bids_have_closed(fund: Fund) -> None:
    now = timezone.now()
    times = [getattr(fund, field) for field in TIMELINE_FIELDS]
    assert all(t is not None for t in times)
    assert times == sorted(times)
    # Bids opened four weeks ago at 09:00 London time; they close within minutes of seeding,
    # and the officer has already moved the fund on to screening.
    opened = to_london(fund.bids_open_at)
    assert (opened.hour, opened.minute) == (9, 0)
    assert now - timedelta(days=29) < fund.bids_open_at < now - timedelta(days=27)
    assert now - timedelta(minutes=1) < fund.bids_close_at <= now + timedelta(minutes=2)
    assert fund.phase == Phase.SCREENING
    for field in ("scoring_starts_at", "voting_opens_at", "voting_closes_at", "decision_at"):
        assert getattr(fund, field) > now
        assert to_london(getattr(fund, field)).minute == 0
    phases = [
        e.data["after"]
        for e in events_for_subject(subject_type="funds.fund", subject_id=str(fund.pk))
        if e.action == "fund.phase_changed"
    ]
    assert phases == [Phase.OPEN_FOR_BIDS, Phase.SCREENING]


def _check_a_dozen_bids_from_several_organisations_in_several_states(fund: Fund) -> None:
    bids = list(Bid.objects.filter(fund=fund))
    assert len(bids) == 12
    assert Counter(bid.status for bid in bids) == {
        Status.DRAFT: 3,
        Status.SUBMITTED: 3,
        Status.WITHDRAWN: 1,
        Status.ELIGIBLE: 3,
        Status.INELIGIBLE: 2,
    }
    assert len({bid.organisation_id for bid in bids}) == 8
    for org in Organisation.objects.filter(bids__fund=fund).distinct():
        assert org.company_org_id or org.charity_org_id or org.society_org_id
    assert {pot.name for bid in bids if (pot := bid.pot)} == {
        demo_data.POT_LANGUAGE,
        demo_data.POT_PARENT_INFANT,
    }
    for bid in bids:
        if bid.budget_lines.exists():
            assert 800_000 <= bid.amount_requested_pence <= 6_000_000, bid.title


def _check_every_submitted_bid_has_its_snapshot_hash_in_the_audit_chain(fund: Fund) -> None:
    submitted = list(Bid.objects.filter(fund=fund, submitted_at__isnull=False))
    # Submitted, eligible, ineligible, and the one withdrawn after it was submitted.
    assert len(submitted) == 9
    for bid in submitted:
        assert len(bid.submitted_snapshot_sha256) == 64
        assert bid.declarations == list(DECLARATION_CODES)
        actions = [e.action for e in _bid_events(bid)]
        assert actions[:2] == ["bid.created", "bid.updated"]
        assert "bid.declarations_set" in actions
        (event,) = [e for e in _bid_events(bid) if e.action == "bid.submitted"]
        assert event.data["snapshot_sha256"] == bid.submitted_snapshot_sha256
        assert event.data["amount_requested_pence"] == sum(
            BudgetLine.objects.filter(bid=bid).values_list("amount_pence", flat=True)
        )
    withdrawn = Bid.objects.get(fund=fund, status=Status.WITHDRAWN)
    assert withdrawn.withdrawn_at is not None
    assert [e.action for e in _bid_events(withdrawn)][-1] == "bid.withdrawn"
    for draft in Bid.objects.filter(fund=fund, status=Status.DRAFT):
        assert not draft.submitted_snapshot_sha256
        assert set(draft.declarations) != set(DECLARATION_CODES)


def _check_screened_bids_have_an_outcome_and_reason_for_every_checklist_item(fund: Fund) -> None:
    items = set(fund.checklist.values_list("pk", flat=True))
    officer = User.objects.get(email="officer@demo.fairfund.local")
    for bid in Bid.objects.filter(fund=fund, status__in=[Status.ELIGIBLE, Status.INELIGIBLE]):
        checks = list(ScreeningCheck.objects.filter(bid=bid))
        assert {check.item_id for check in checks} == items
        assert all(check.reason.strip() for check in checks)
        failed = [check for check in checks if check.outcome == ScreeningOutcome.FAIL]
        assert bool(failed) == (bid.status == Status.INELIGIBLE)
        assert bid.screened_by == officer
        assert bid.screened_at is not None
        assert "bid.screened" in [e.action for e in _bid_events(bid)]
        applicants = RoleGrant.objects.filter(organisation=bid.organisation_id).values_list(
            "user", flat=True
        )
        assert Notification.objects.filter(
            kind=Kind.BID_SCREENED, subject_id=str(bid.pk), recipient_user__in=applicants
        ).exists()
    # One submitted bid is part-way through screening: the queue shows work in progress.
    partly = [
        bid
        for bid in Bid.objects.filter(fund=fund, status=Status.SUBMITTED)
        if ScreeningCheck.objects.filter(bid=bid).exists()
    ]
    assert len(partly) == 1
    assert 0 < ScreeningCheck.objects.filter(bid=partly[0]).count() < len(items)


def test_the_fund_is_set_up_through_the_services(fund):
    _check_the_fund_serves_early_years_in_riverside(fund)
    _check_the_rubric_is_the_default_and_the_checklist_is_set(fund)
    _check_the_timeline_is_in_london_time_and_bids_have_closed(fund)


def test_the_bids_are_drafted_submitted_withdrawn_and_screened(fund):
    _check_a_dozen_bids_from_several_organisations_in_several_states(fund)
    _check_every_submitted_bid_has_its_snapshot_hash_in_the_audit_chain(fund)
    _check_screened_bids_have_an_outcome_and_reason_for_every_checklist_item(fund)


def test_the_audit_chain_verifies_and_a_second_run_changes_nothing(fund, capsys):
    def counts() -> tuple[int, ...]:
        return (
            User.objects.count(),
            Organisation.objects.count(),
            Fund.objects.count(),
            Bid.objects.count(),
            BudgetLine.objects.count(),
            ScreeningCheck.objects.count(),
            Notification.objects.count(),
            AuditEvent.objects.count(),
        )

    first_out = capsys.readouterr().out
    before = counts()
    statuses = dict(Bid.objects.values_list("pk", "status"))
    verdict = chain_verify()
    assert verdict.ok, verdict.message
    assert verdict.events == before[-1]

    call_command("seed_demo")
    assert counts() == before
    assert dict(Bid.objects.values_list("pk", "status")) == statuses
    second_out = capsys.readouterr().out
    for out in (first_out, second_out):
        assert "Transforming Early Years (Riverside" in out
        assert "Bids: 12 (3 draft, 3 submitted, 1 withdrawn, 3 eligible, 2 ineligible)" in out
    call_command("audit_verify")
    assert "chain intact" in capsys.readouterr().out
