"""Screening: officers record an outcome and a reason for each checklist item, then decide.

The applicant is told through the outbox and sees each item's outcome and reason once decided.
"""

import hashlib

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify
from backend.bids.models import Bid, ScreeningCheck, Status
from backend.bids.selectors import screening_for_bid, screening_queue
from backend.bids.services import bid_submit, screening_decide, screening_record_item
from backend.core.errors import ApplicationError, MfaRequired, NotFound, PermissionDenied
from backend.funds.models import EligibilityItem, Phase
from backend.funds.services import fund_transition
from backend.notifications.models import Notification
from backend.notifications.services import notifications_deliver
from tests.factories import OrganisationFactory, UserFactory, actor, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(fund):
    """The fund's checklist: the set-up's item and a second one, in order."""
    first = EligibilityItem.objects.get(fund=fund)
    second = EligibilityItem.objects.create(
        fund=fund, text="A not-for-profit body", position=first.position + 1
    )
    return [first, second]


@pytest.fixture
def submitted(draft, applicant, items):
    bid_submit(actor=actor(applicant), bid=draft)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def screening(submitted, fund, officer):
    """The bid submitted and its fund now screening."""
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    submitted.refresh_from_db()
    return submitted


@pytest.fixture
def rival():
    user = UserFactory()
    grant(user, "applicant", organisation=OrganisationFactory())
    return user


@pytest.fixture
def colleague(organisation):
    """A second applicant of the bid's organisation."""
    user = UserFactory()
    grant(user, "applicant", organisation=organisation)
    return user


def _record_all(officer, bid, items, outcomes=("pass", "pass")):
    for item, outcome in zip(items, outcomes, strict=True):
        screening_record_item(
            actor=actor(officer), bid=bid, item=item, outcome=outcome, reason=f"{outcome} reason"
        )


# --- allowed and refused, by role -------------------------------------------------------------


def test_an_officer_records_every_item_and_decides_eligible(screening, officer, items):
    _record_all(officer, screening, items)
    bid = screening_decide(actor=actor(officer), bid=screening, eligible=True)
    bid.refresh_from_db()
    assert bid.status == Status.ELIGIBLE
    assert bid.screened_by == officer
    assert bid.screened_at is not None
    assert ScreeningCheck.objects.filter(bid=bid).count() == 2


@pytest.mark.parametrize("who", ["auditor", "chair", "member", "applicant", "rival"])
def test_other_roles_may_not_record_or_decide(request, who, screening, items, officer):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied) as error:
        screening_record_item(
            actor=actor(person), bid=screening, item=items[0], outcome="pass", reason="Fine"
        )
    assert not isinstance(error.value, MfaRequired)
    _record_all(officer, screening, items)
    with pytest.raises(PermissionDenied):
        screening_decide(actor=actor(person), bid=screening, eligible=True)
    screening.refresh_from_db()
    assert screening.status == Status.SUBMITTED


def test_an_officer_without_mfa_is_asked_for_it(screening, officer, items):
    with pytest.raises(MfaRequired):
        screening_record_item(
            actor=actor(officer, mfa=False),
            bid=screening,
            item=items[0],
            outcome="pass",
            reason="Fine",
        )
    _record_all(officer, screening, items)
    with pytest.raises(MfaRequired):
        screening_decide(actor=actor(officer, mfa=False), bid=screening, eligible=True)
    assert not ScreeningCheck.objects.filter(checked_by__isnull=True).exists()


def test_an_officer_of_another_council_may_not_screen(screening, items):
    from tests.factories import CouncilFactory

    stranger = UserFactory()
    grant(stranger, "council_officer", council=CouncilFactory())
    with pytest.raises(PermissionDenied):
        screening_record_item(
            actor=actor(stranger), bid=screening, item=items[0], outcome="pass", reason="Fine"
        )


# --- phase and status guards ------------------------------------------------------------------


def test_no_screening_while_the_fund_still_takes_bids(submitted, officer, items):
    with pytest.raises(ApplicationError) as error:
        screening_record_item(
            actor=actor(officer), bid=submitted, item=items[0], outcome="pass", reason="Fine"
        )
    assert error.value.code == "not_screening"
    with pytest.raises(ApplicationError) as error:
        screening_decide(actor=actor(officer), bid=submitted, eligible=False, reason="No")
    assert error.value.code == "not_screening"


def test_no_screening_after_the_screening_phase(screening, fund, officer, items):
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCORING)
    with pytest.raises(ApplicationError) as error:
        screening_record_item(
            actor=actor(officer), bid=screening, item=items[0], outcome="pass", reason="Fine"
        )
    assert error.value.code == "not_screening"


def test_a_draft_is_not_screened(draft, fund, officer, items):
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    with pytest.raises(ApplicationError) as error:
        screening_record_item(
            actor=actor(officer), bid=draft, item=items[0], outcome="pass", reason="Fine"
        )
    assert error.value.code == "not_screenable"


def test_a_decided_bid_is_final(screening, officer, items):
    _record_all(officer, screening, items)
    screening_decide(actor=actor(officer), bid=screening, eligible=True)
    with pytest.raises(ApplicationError) as error:
        screening_decide(actor=actor(officer), bid=screening, eligible=False, reason="Changed")
    assert error.value.code == "not_screenable"
    with pytest.raises(ApplicationError):
        screening_record_item(
            actor=actor(officer), bid=screening, item=items[0], outcome="fail", reason="Late"
        )
    screening.refresh_from_db()
    assert screening.status == Status.ELIGIBLE


# --- what an officer must give ----------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_reason_is_required_for_each_item(screening, officer, items, reason):
    with pytest.raises(ApplicationError) as error:
        screening_record_item(
            actor=actor(officer), bid=screening, item=items[0], outcome="pass", reason=reason
        )
    assert error.value.fields == {"reason": ["Give a reason for this outcome."]}
    assert not ScreeningCheck.objects.exists()


def test_an_unknown_outcome_and_a_foreign_item_are_field_errors(
    screening, officer, items, council, panel, chair
):
    from tests.bids.helpers import open_fund

    other_fund = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    foreign = EligibilityItem.objects.get(fund=other_fund)
    with pytest.raises(ApplicationError) as error:
        screening_record_item(
            actor=actor(officer), bid=screening, item=foreign, outcome="maybe", reason="Hm"
        )
    assert set(error.value.fields) == {"item", "outcome"}


def test_recording_an_item_again_replaces_it_and_both_are_audited(screening, officer, items):
    screening_record_item(
        actor=actor(officer), bid=screening, item=items[0], outcome="fail", reason="Outside"
    )
    screening_record_item(
        actor=actor(officer), bid=screening, item=items[0], outcome="pass", reason="Inside"
    )
    check = ScreeningCheck.objects.get(bid=screening, item=items[0])
    assert (check.outcome, check.reason) == ("pass", "Inside")
    events = AuditEvent.objects.filter(action="bid.screening_item_recorded").order_by("sequence")
    assert [(e.data["before"], e.data["after"]) for e in events] == [
        (None, "fail"),
        ("fail", "pass"),
    ]
    assert events[1].data["reason_sha256"] == hashlib.sha256(b"Inside").hexdigest()
    assert "Inside" not in str(events[1].data)


def test_every_item_needs_an_outcome_before_deciding(screening, officer, items):
    screening_record_item(
        actor=actor(officer), bid=screening, item=items[0], outcome="pass", reason="Local"
    )
    with pytest.raises(ApplicationError) as error:
        screening_decide(actor=actor(officer), bid=screening, eligible=True)
    assert error.value.code == "screening_incomplete"
    assert "A not-for-profit body" in error.value.message


def test_eligible_with_a_failed_item_is_refused_naming_it(screening, officer, items):
    _record_all(officer, screening, items, outcomes=("pass", "fail"))
    with pytest.raises(ApplicationError) as error:
        screening_decide(actor=actor(officer), bid=screening, eligible=True)
    assert error.value.code == "failed_items"
    assert "A not-for-profit body" in error.value.message
    assert error.value.fields == {"eligible": ["A not-for-profit body"]}
    screening.refresh_from_db()
    assert screening.status == Status.SUBMITTED
    assert not Notification.objects.filter(kind="bid_screened").exists()


def test_not_applicable_items_do_not_stop_eligibility(screening, officer, items):
    _record_all(officer, screening, items, outcomes=("pass", "not_applicable"))
    screening_decide(actor=actor(officer), bid=screening, eligible=True)
    assert Bid.objects.get(pk=screening.pk).status == Status.ELIGIBLE


def test_ineligible_needs_a_failed_item_or_a_reason(screening, officer, items):
    _record_all(officer, screening, items)
    with pytest.raises(ApplicationError) as error:
        screening_decide(actor=actor(officer), bid=screening, eligible=False)
    assert error.value.code == "reason_required"
    assert "reason" in error.value.fields
    screening_decide(
        actor=actor(officer), bid=screening, eligible=False, reason="Duplicate of bid 4"
    )
    bid = Bid.objects.get(pk=screening.pk)
    assert bid.status == Status.INELIGIBLE
    assert bid.screening_reason == "Duplicate of bid 4"


def test_ineligible_with_a_failed_item_needs_no_reason(screening, officer, items):
    _record_all(officer, screening, items, outcomes=("fail", "pass"))
    screening_decide(actor=actor(officer), bid=screening, eligible=False)
    assert Bid.objects.get(pk=screening.pk).status == Status.INELIGIBLE


# --- notifying the applicants -----------------------------------------------------------------


def test_the_decision_notifies_every_applicant_of_the_organisation(
    screening, officer, applicant, colleague, rival, items
):
    _record_all(officer, screening, items, outcomes=("fail", "pass"))
    mail.outbox.clear()
    screening_decide(actor=actor(officer), bid=screening, eligible=False)
    rows = Notification.objects.filter(kind="bid_screened")
    assert {(row.recipient_user_id, row.channel) for row in rows} == {
        (applicant.pk, "in_app"),
        (applicant.pk, "email"),
        (colleague.pk, "in_app"),
        (colleague.pk, "email"),
    }
    assert all(row.subject_id == str(screening.pk) for row in rows)
    notifications_deliver()
    sent = {
        m.to[0]: m
        for m in mail.outbox
        if "bid_screened" in m.extra_headers.get("X-Fairfund-Notification", "")
    }
    assert set(sent) == {applicant.email, colleague.email}
    message = sent[applicant.email]
    assert "Play" in message.subject
    assert "not eligible" in message.subject
    assert "not eligible" in message.body
    assert "Sign in to Fairfund to see the outcome" in message.body
    html = message.alternatives[0][0]
    assert "not eligible" in html


def test_an_eligible_decision_says_so(screening, officer, applicant, items):
    _record_all(officer, screening, items)
    notifications_deliver()  # the submission's confirmation, sent earlier
    mail.outbox.clear()
    screening_decide(actor=actor(officer), bid=screening, eligible=True)
    notifications_deliver()
    (message,) = [m for m in mail.outbox if m.to == [applicant.email]]
    assert "is eligible" in message.subject
    assert "found it eligible" in message.body


def test_a_refused_decision_notifies_no_one(screening, officer, items):
    with pytest.raises(ApplicationError):
        screening_decide(actor=actor(officer), bid=screening, eligible=True)
    assert not Notification.objects.filter(kind="bid_screened").exists()


# --- who sees the outcomes --------------------------------------------------------------------


def test_the_applicant_sees_outcomes_only_after_the_decision(screening, officer, applicant, items):
    _record_all(officer, screening, items, outcomes=("pass", "fail"))
    before = screening_for_bid(actor=actor(applicant), bid=screening)
    assert not before.decided
    assert not before.outcomes_shown
    assert [line.text for line in before.lines] == [items[0].text, "A not-for-profit body"]
    assert all(line.outcome is None and line.reason is None for line in before.lines)

    screening_decide(actor=actor(officer), bid=screening, eligible=False)
    after = screening_for_bid(actor=actor(applicant), bid=screening)
    assert after.decided
    assert after.status == Status.INELIGIBLE
    assert [(line.outcome, line.reason) for line in after.lines] == [
        ("pass", "pass reason"),
        ("fail", "fail reason"),
    ]
    assert after.lines[1].outcome_label == "Fail"


@pytest.mark.parametrize("who", ["officer", "auditor"])
def test_officers_and_auditors_see_outcomes_at_any_time(request, who, screening, officer, items):
    _record_all(officer, screening, items)
    seen = screening_for_bid(actor=actor(request.getfixturevalue(who)), bid=screening)
    assert seen.outcomes_shown
    assert not seen.decided
    assert [line.outcome for line in seen.lines] == ["pass", "pass"]


def test_a_rival_applicant_gets_not_found(screening, officer, rival, items):
    _record_all(officer, screening, items)
    screening_decide(actor=actor(officer), bid=screening, eligible=True)
    with pytest.raises(NotFound):
        screening_for_bid(actor=actor(rival), bid=screening)


def test_an_officer_without_mfa_is_asked_for_it_to_read(screening, officer):
    with pytest.raises(MfaRequired):
        screening_for_bid(actor=actor(officer, mfa=False), bid=screening)


def test_the_queue_holds_submitted_bids_not_yet_decided(screening, fund, officer, items):
    queue = list(screening_queue(actor=actor(officer), fund=fund))
    assert [bid.pk for bid in queue] == [screening.pk]
    assert queue[0].checks_recorded == 0
    screening_record_item(
        actor=actor(officer), bid=screening, item=items[0], outcome="pass", reason="Local"
    )
    assert screening_queue(actor=actor(officer), fund=fund).get().checks_recorded == 1
    _record_all(officer, screening, items)
    screening_decide(actor=actor(officer), bid=screening, eligible=True)
    assert not screening_queue(actor=actor(officer), fund=fund).exists()


def test_a_draft_is_not_in_the_queue(draft, fund, officer):
    assert not screening_queue(actor=actor(officer), fund=fund).exists()


@pytest.mark.parametrize("who", ["auditor", "chair", "member", "applicant", "rival"])
def test_only_officers_see_the_queue(request, who, screening, fund):
    with pytest.raises(PermissionDenied):
        screening_queue(actor=actor(request.getfixturevalue(who)), fund=fund)


def test_the_queue_asks_an_officer_for_mfa(screening, fund, officer):
    with pytest.raises(MfaRequired):
        screening_queue(actor=actor(officer, mfa=False), fund=fund)


# --- the audit chain --------------------------------------------------------------------------


def test_the_decision_is_audited_with_the_reason_only_as_its_hash(screening, officer, items):
    _record_all(officer, screening, items)
    screening_decide(actor=actor(officer), bid=screening, eligible=False, reason="Out of area")
    event = AuditEvent.objects.filter(action="bid.screened").get()
    assert event.data["before"] == "submitted"
    assert event.data["after"] == "ineligible"
    assert event.data["reason_sha256"] == hashlib.sha256(b"Out of area").hexdigest()
    assert event.data["checks"] == {str(items[0].pk): "pass", str(items[1].pk): "pass"}
    assert "Out of area" not in str(event.data)
    assert "pass reason" not in str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert chain_verify().ok


# --- the database holds the invariants --------------------------------------------------------


def test_the_constraints_exist_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'bids_screeningcheck'::regclass"
        )
        check_names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = 'bids_bid'::regclass")
        bid_names = {row[0] for row in cursor.fetchall()}
    assert {
        "screening_unique_bid_item",
        "screening_outcome_valid",
        "screening_reason_required",
    } <= check_names
    assert "bid_screened_has_decision" in bid_names


def test_the_database_refuses_bad_checks(screening, officer, items):
    base = {"bid": screening, "item": items[0], "checked_by": officer}
    ScreeningCheck.objects.create(**base, outcome="pass", reason="Ok", checked_at=timezone.now())
    for bad in (
        {**base, "outcome": "pass", "reason": "Again"},
        {**base, "item": items[1], "outcome": "maybe", "reason": "Hm"},
        {**base, "item": items[1], "outcome": "pass", "reason": ""},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ScreeningCheck.objects.create(**bad, checked_at=timezone.now())


def test_the_database_refuses_a_decided_bid_without_its_decision(screening):
    with pytest.raises(IntegrityError), transaction.atomic():
        Bid.objects.filter(pk=screening.pk).update(status=Status.ELIGIBLE)
