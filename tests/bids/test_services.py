"""Drafting, budget lines, submission and withdrawal of bids, and the bid's status machine."""

import pytest

from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify
from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Bid, Status
from backend.bids.selectors import bid_snapshot_sha256, snapshot_sha256
from backend.bids.services import (
    BudgetLineInput,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    bid_withdraw,
    budget_line_set,
)
from backend.bids.workflows import TRANSITIONS, allowed
from backend.core.errors import ApplicationError, PermissionDenied
from backend.funds.models import Fund, Phase, Pot
from backend.notifications.models import Notification
from tests.factories import OrganisationFactory, UserFactory, actor, grant

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><b onmouseover="steal()">Play</b> & <i>more</i>'


def _last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("sequence")


def test_an_applicant_starts_a_draft_for_an_open_fund(fund, organisation, applicant):
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation, title="Play")
    assert bid.status == Status.DRAFT
    assert bid.created_by == applicant
    event = _last_event("bid.created")
    assert event.data["fund"] == fund.pk
    assert "Play" not in str(event.data)


def test_only_members_of_the_organisation_start_its_bids(fund, organisation, officer):
    rival = UserFactory()
    grant(rival, "applicant", organisation=OrganisationFactory())
    for outsider in (rival, officer):
        with pytest.raises(PermissionDenied):
            bid_create(actor=actor(outsider), fund=fund, organisation=organisation)


@pytest.mark.parametrize("phase", [p for p in Phase if p != Phase.OPEN_FOR_BIDS])
def test_no_bid_starts_unless_the_fund_is_open_for_bids(fund, organisation, applicant, phase):
    Fund.objects.filter(pk=fund.pk).update(phase=phase)
    with pytest.raises(ApplicationError) as refused:
        bid_create(actor=actor(applicant), fund=fund, organisation=organisation)
    assert refused.value.code == "bids_closed"


def test_a_draft_saves_partial_answers_at_any_time(fund, organisation, applicant):
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation)
    bid_update(actor=actor(applicant), bid=bid, summary="Only a summary so far")
    bid.refresh_from_db()
    assert bid.summary == "Only a summary so far"
    assert bid.need == ""
    assert bid.evidence_level is None
    assert _last_event("bid.updated").data["fields"] == ["summary"]


def test_colleagues_of_the_organisation_work_on_the_same_bid(draft, organisation):
    colleague = UserFactory()
    grant(colleague, "applicant", organisation=organisation)
    bid_update(actor=actor(colleague), bid=draft, outcomes="Changed by a colleague")
    draft.refresh_from_db()
    assert draft.outcomes == "Changed by a colleague"


def test_a_rival_applicant_cannot_change_the_bid(draft):
    rival = UserFactory()
    grant(rival, "applicant", organisation=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        bid_update(actor=actor(rival), bid=draft, summary="Sabotage")


def test_bad_answers_are_all_listed_at_once(draft, applicant):
    with pytest.raises(ApplicationError) as refused:
        bid_update(
            actor=actor(applicant), bid=draft, title="x" * 201, evidence_level=6, beneficiaries=0
        )
    assert set(refused.value.fields) == {"title", "evidence_level", "beneficiaries"}


def test_html_and_script_in_text_fields_are_stored_exactly_as_given(draft, applicant):
    fields = ["summary", "need", "population_served", "outcomes", "evidence_sources"]
    fields += ["delivery_plan", "partners", "named_staff"]
    bid_update(actor=actor(applicant), bid=draft, **dict.fromkeys(fields, HOSTILE))
    budget_line_set(actor=actor(applicant), bid=draft, lines=[BudgetLineInput(HOSTILE, 100)])
    stored = Bid.objects.get(pk=draft.pk)
    for field in fields:
        assert getattr(stored, field) == HOSTILE
    assert stored.budget_lines.get().description == HOSTILE
    assert "script" not in str(_last_event("bid.updated").data)


def test_budget_lines_replace_the_old_ones_and_give_the_amount_and_cost(draft, applicant):
    budget_line_set(
        actor=actor(applicant),
        bid=draft,
        lines=[BudgetLineInput("Staff", 1_000_000), BudgetLineInput("Venue", 1)],
    )
    bid_update(actor=actor(applicant), bid=draft, beneficiaries=3)
    bid = Bid.objects.get(pk=draft.pk)
    assert [line.description for line in bid.budget_lines.all()] == ["Staff", "Venue"]
    assert bid.amount_requested_pence == 1_000_001
    # 1,000,001 / 3 = 333,333.67 pence: rounded to 333,334.
    assert bid.cost_per_beneficiary_pence == 333_334
    assert _last_event("bid.budget_set").data["amount_requested_pence"] == 1_000_001


def test_cost_per_beneficiary_rounds_half_up(draft, applicant):
    budget_line_set(actor=actor(applicant), bid=draft, lines=[BudgetLineInput("Staff", 5)])
    bid_update(actor=actor(applicant), bid=draft, beneficiaries=2)
    assert Bid.objects.get(pk=draft.pk).cost_per_beneficiary_pence == 3  # 2.5 -> 3


def test_bad_budget_lines_are_all_named(draft, applicant):
    with pytest.raises(ApplicationError) as refused:
        budget_line_set(
            actor=actor(applicant),
            bid=draft,
            lines=[BudgetLineInput("", 100), BudgetLineInput("Venue", 0), BudgetLineInput("X", -1)],
        )
    assert set(refused.value.fields) == {
        "budget_lines.0.description",
        "budget_lines.1.amount_pence",
        "budget_lines.2.amount_pence",
    }


def test_submission_snapshots_the_bid_and_records_its_hash_in_the_chain(draft, applicant):
    bid = bid_submit(actor=actor(applicant), bid=draft)
    bid.refresh_from_db()
    assert bid.status == Status.SUBMITTED
    assert bid.submitted_at is not None
    assert bid.submitted_snapshot_sha256 == bid_snapshot_sha256(bid)
    event = _last_event("bid.submitted")
    assert event.data["snapshot_sha256"] == bid.submitted_snapshot_sha256
    assert event.data["amount_requested_pence"] == 1_200_000
    assert chain_verify().ok


def test_the_snapshot_hash_changes_with_any_answer(draft, applicant):
    before = bid_snapshot_sha256(draft)
    bid_update(actor=actor(applicant), bid=draft, outcomes="Different")
    assert bid_snapshot_sha256(Bid.objects.get(pk=draft.pk)) != before


def test_a_submitted_bid_is_locked(draft, applicant):
    bid_submit(actor=actor(applicant), bid=draft)
    for change in (
        lambda: bid_update(actor=actor(applicant), bid=draft, summary="Later"),
        lambda: budget_line_set(actor=actor(applicant), bid=draft, lines=[]),
        lambda: bid_submit(actor=actor(applicant), bid=draft),
    ):
        with pytest.raises(ApplicationError):
            change()
    assert Bid.objects.get(pk=draft.pk).summary == "Stay and play"


def test_submit_lists_every_missing_answer_at_once(fund, organisation, applicant):
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation)
    with pytest.raises(ApplicationError) as refused:
        bid_submit(actor=actor(applicant), bid=bid)
    assert refused.value.code == "incomplete"
    assert set(refused.value.fields) == {
        "title",
        "summary",
        "need",
        "population_served",
        "outcomes",
        "evidence_level",
        "evidence_sources",
        "delivery_plan",
        "beneficiaries",
        "budget_lines",
        "declarations",
    }
    assert Bid.objects.get(pk=bid.pk).status == Status.DRAFT


def test_the_amount_requested_must_fit_the_fund(draft, applicant, fund):
    budget_line_set(
        actor=actor(applicant), bid=draft, lines=[BudgetLineInput("All", fund.budget_pence + 1)]
    )
    with pytest.raises(ApplicationError) as refused:
        bid_submit(actor=actor(applicant), bid=draft)
    assert list(refused.value.fields) == ["budget_lines"]


def test_the_amount_requested_must_fit_the_pot(draft, applicant, fund):
    pot = Pot.objects.create(fund=fund, name="North", share_pence=1_000_000)
    bid_update(actor=actor(applicant), bid=draft, pot_id=pot.pk)
    with pytest.raises(ApplicationError) as refused:
        bid_submit(actor=actor(applicant), bid=draft)
    assert "pot" in refused.value.fields["budget_lines"][0]


def test_a_pot_of_another_fund_is_refused(draft, applicant, council, panel, officer, chair):
    from tests.bids.helpers import open_fund

    other = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    pot = Pot.objects.create(fund=other, name="Elsewhere", share_pence=10)
    with pytest.raises(ApplicationError) as refused:
        bid_update(actor=actor(applicant), bid=draft, pot_id=pot.pk)
    assert "pot" in refused.value.fields


def test_a_rival_cannot_submit_or_withdraw_the_bid(draft):
    rival = UserFactory()
    grant(rival, "applicant", organisation=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        bid_submit(actor=actor(rival), bid=draft)
    with pytest.raises(PermissionDenied):
        bid_withdraw(actor=actor(rival), bid=draft)


def test_withdrawing_a_submitted_bid(draft, applicant):
    bid_submit(actor=actor(applicant), bid=draft)
    bid = bid_withdraw(actor=actor(applicant), bid=draft)
    assert bid.status == Status.WITHDRAWN
    assert bid.withdrawn_at is not None
    assert _last_event("bid.withdrawn").data == {
        "before": "submitted",
        "after": "withdrawn",
        "fund": bid.fund_id,
    }
    with pytest.raises(ApplicationError) as refused:
        bid_submit(actor=actor(applicant), bid=draft)
    assert refused.value.code == "transition_refused"


def test_withdrawing_is_refused_once_bids_close(draft, applicant):
    bid_submit(actor=actor(applicant), bid=draft)
    Fund.objects.filter(pk=draft.fund_id).update(phase=Phase.SCREENING)
    with pytest.raises(ApplicationError) as refused:
        bid_withdraw(actor=actor(applicant), bid=draft)
    assert refused.value.code == "bids_closed"
    assert Bid.objects.get(pk=draft.pk).status == Status.SUBMITTED


ALL_PAIRS = [(source, target) for source in Status for target in Status]


def test_the_status_machine_is_data_covering_every_status():
    assert set(TRANSITIONS) == set(Status)
    assert {t for s, t in ALL_PAIRS if allowed(s, t)} <= set(Status)
    assert allowed(Status.DRAFT, Status.SUBMITTED)
    assert allowed(Status.SUBMITTED, Status.WITHDRAWN)
    assert not allowed(Status.WITHDRAWN, Status.SUBMITTED)
    assert not allowed(Status.SUBMITTED, Status.DRAFT)


@pytest.mark.parametrize("status", list(Status))
def test_submit_from_each_status(draft, applicant, status):
    Bid.objects.filter(pk=draft.pk).update(
        status=status,
        submitted_at=draft.created_at,
        submitted_snapshot={},
        submitted_snapshot_sha256="0" * 64,
        screened_at=draft.created_at,
        screened_by=draft.created_by,
    )
    if allowed(status, Status.SUBMITTED):
        assert bid_submit(actor=actor(applicant), bid=draft).status == Status.SUBMITTED
    else:
        with pytest.raises(ApplicationError) as refused:
            bid_submit(actor=actor(applicant), bid=draft)
        assert refused.value.code == "transition_refused"


@pytest.mark.parametrize("status", list(Status))
def test_withdraw_from_each_status(draft, applicant, status):
    Bid.objects.filter(pk=draft.pk).update(
        status=status,
        submitted_at=draft.created_at,
        submitted_snapshot={},
        submitted_snapshot_sha256="0" * 64,
        screened_at=draft.created_at,
        screened_by=draft.created_by,
    )
    if allowed(status, Status.WITHDRAWN):
        assert bid_withdraw(actor=actor(applicant), bid=draft).status == Status.WITHDRAWN
    else:
        with pytest.raises(ApplicationError) as refused:
            bid_withdraw(actor=actor(applicant), bid=draft)
        assert refused.value.code == "transition_refused"


@pytest.mark.parametrize("status", [s for s in Status if s != Status.DRAFT])
def test_only_drafts_change(draft, applicant, status):
    Bid.objects.filter(pk=draft.pk).update(
        status=status,
        submitted_at=draft.created_at,
        submitted_snapshot={},
        submitted_snapshot_sha256="0" * 64,
        screened_at=draft.created_at,
        screened_by=draft.created_by,
    )
    with pytest.raises(ApplicationError) as refused:
        bid_update(actor=actor(applicant), bid=draft, summary="Later")
    assert refused.value.code == "bid_locked"


# --- declarations and confirmations -----------------------------------------------------------


def test_declarations_are_kept_in_their_order_and_unknown_ones_refused(draft, applicant):
    bid = bid_set_declarations(
        actor=actor(applicant), bid=draft, accepted=["publication", "accurate"]
    )
    assert bid.declarations == ["accurate", "publication"]
    assert bid.declared_by == applicant
    with pytest.raises(ApplicationError) as refused:
        bid_set_declarations(actor=actor(applicant), bid=draft, accepted=["accurate", "vibes"])
    assert "vibes" in refused.value.fields["declarations"][0]
    assert Bid.objects.get(pk=draft.pk).declarations == ["accurate", "publication"]


def test_a_missing_declaration_stops_submission(draft, applicant):
    bid_set_declarations(actor=actor(applicant), bid=draft, accepted=DECLARATION_CODES[1:])
    with pytest.raises(ApplicationError) as refused:
        bid_submit(actor=actor(applicant), bid=draft)
    assert list(refused.value.fields) == ["declarations"]
    assert "1 answer needs" in refused.value.message


def test_the_submitted_snapshot_is_kept_with_its_hash(draft, applicant):
    bid = bid_submit(actor=actor(applicant), bid=draft)
    assert bid.submitted_snapshot["declarations"] == list(DECLARATION_CODES)
    assert bid.submitted_snapshot["summary"] == "Stay and play"
    assert snapshot_sha256(bid.submitted_snapshot) == bid.submitted_snapshot_sha256


def test_applicants_are_told_of_a_submission_and_a_withdrawal(draft, applicant, organisation):
    colleague = UserFactory()
    grant(colleague, "applicant", organisation=organisation)
    bid_submit(actor=actor(applicant), bid=draft)
    bid_withdraw(actor=actor(colleague), bid=draft)
    rows = Notification.objects.filter(
        channel="in_app", kind__in=["bid_submitted", "bid_withdrawn"]
    )
    sent = set(rows.values_list("kind", "recipient_user"))
    assert sent == {
        ("bid_submitted", applicant.pk),
        ("bid_submitted", colleague.pk),
        ("bid_withdrawn", applicant.pk),
        ("bid_withdrawn", colleague.pk),
    }
