"""Conflicts of interest: declared on every eligible bid before any bid is read; a conflicted
member never opens, scores or downloads that bid; late declarations void the sheet, or (after the
shortlist) flag it to the officers; every declaration audited."""

from __future__ import annotations

import pytest

from backend.accounts.models import RoleGrant
from backend.accounts.services import role_revoke
from backend.audit.models import AuditEvent
from backend.audit.selectors import chain_verify
from backend.bids.selectors import attachment_content, attachment_get, bid_get, bids_for_actor
from backend.core.errors import ApplicationError, MfaRequired, NotFound, PermissionDenied
from backend.funds.models import Fund, Phase
from backend.notifications.models import Notification
from backend.scoring.models import ConflictDeclaration, ScoreSheet, SheetStatus
from backend.scoring.services import (
    ScoreInput,
    conflict_declare,
    conflict_review,
    sheet_save,
    sheet_submit,
)
from tests.factories import CouncilFactory, PanelFactory, UserFactory, actor, grant
from tests.scoring.conftest import confirm_shortlist, declare_all, full_scores, score_and_submit

pytestmark = pytest.mark.django_db


def _events(action: str, **data) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action=action).order_by("sequence")
    return [e for e in events if all(e.data.get(k) == v for k, v in data.items())]


def _sees(user, bid) -> bool:
    try:
        bid_get(actor=actor(user), bid_id=bid.pk)
    except NotFound:
        return False
    return True


# --- when, and on what, a member declares -------------------------------------------------------


def test_declaring_before_scoring_starts_is_refused(scoring_fund):
    Fund.objects.filter(pk=scoring_fund.fund.pk).update(phase=Phase.SCREENING)
    with pytest.raises(ApplicationError) as refused:
        conflict_declare(
            actor=actor(scoring_fund.members[0]), bid=scoring_fund.bids[0], conflicted=False
        )
    assert refused.value.code == "not_declaring"
    assert not ConflictDeclaration.objects.exists()


def test_no_declaration_on_an_ineligible_bid(scoring_fund):
    with pytest.raises(NotFound):
        conflict_declare(
            actor=actor(scoring_fund.members[0]), bid=scoring_fund.ineligible, conflicted=False
        )
    assert not ConflictDeclaration.objects.exists()


def test_someone_outside_the_panel_cannot_declare(scoring_fund):
    stranger = UserFactory()
    other_panel = PanelFactory(council=CouncilFactory())
    grant(stranger, "panel_member", panel=other_panel)
    for person in (stranger, scoring_fund.officer):
        with pytest.raises(NotFound):
            conflict_declare(actor=actor(person), bid=scoring_fund.bids[0], conflicted=False)
    assert not ConflictDeclaration.objects.exists()


def test_a_chair_without_mfa_is_asked_for_mfa_when_declaring(scoring_fund):
    """As bid_get does for a chair: 403 MfaRequired (do MFA), not 404."""
    with pytest.raises(MfaRequired):
        conflict_declare(
            actor=actor(scoring_fund.chair, mfa=False), bid=scoring_fund.bids[0], conflicted=False
        )


# --- no bid content before every eligible bid is declared on -----------------------------------


def test_a_member_sees_no_bid_until_declared_on_every_eligible_bid(scoring_fund):
    member = scoring_fund.members[0]
    first, second, third = scoring_fund.bids
    assert not bids_for_actor(actor=actor(member)).exists()
    for bid in scoring_fund.bids:
        assert not _sees(member, bid)

    conflict_declare(actor=actor(member), bid=first, conflicted=False)
    conflict_declare(actor=actor(member), bid=second, conflicted=False)
    assert not bids_for_actor(actor=actor(member)).exists()
    assert not _sees(member, first)
    with pytest.raises(ApplicationError) as refused:
        sheet_save(actor=actor(member), bid=first, scores={})
    assert refused.value.code == "declarations_missing"

    conflict_declare(actor=actor(member), bid=third, conflicted=False)
    assert set(bids_for_actor(actor=actor(member))) == set(scoring_fund.bids)
    assert all(_sees(member, bid) for bid in scoring_fund.bids)
    # The ineligible bid neither blocks reading nor is ever read.
    assert not _sees(member, scoring_fund.ineligible)


def test_the_chair_too_declares_before_reading(scoring_fund):
    chair = scoring_fund.chair
    assert not _sees(chair, scoring_fund.bids[0])
    declare_all(scoring_fund, chair)
    assert _sees(chair, scoring_fund.bids[0])
    assert set(bids_for_actor(actor=actor(chair))) == set(scoring_fund.bids)


def test_a_member_whose_role_is_revoked_reads_nothing(scoring_fund):
    member = scoring_fund.members[0]
    declare_all(scoring_fund, member)
    assert _sees(member, scoring_fund.bids[0])
    role_revoke(
        actor=actor(scoring_fund.officer), grant=RoleGrant.objects.get(user=member, revoked_at=None)
    )
    assert not _sees(member, scoring_fund.bids[0])
    assert not bids_for_actor(actor=actor(member)).exists()
    with pytest.raises(NotFound):
        conflict_declare(
            actor=actor(member), bid=scoring_fund.bids[0], conflicted=True, relationship="other"
        )
    with pytest.raises(NotFound):
        sheet_save(actor=actor(member), bid=scoring_fund.bids[0], scores={})


def test_one_members_declarations_do_not_open_bids_for_another(scoring_fund):
    declare_all(scoring_fund, scoring_fund.members[0])
    assert not _sees(scoring_fund.members[1], scoring_fund.bids[0])
    assert not bids_for_actor(actor=actor(scoring_fund.members[1])).exists()


def test_nothing_is_read_during_screening_even_with_declarations(scoring_fund):
    member = scoring_fund.members[0]
    declare_all(scoring_fund, member)
    Fund.objects.filter(pk=scoring_fund.fund.pk).update(phase=Phase.SCREENING)
    assert not _sees(member, scoring_fund.bids[0])
    assert not bids_for_actor(actor=actor(member)).exists()


# --- a conflicted member -------------------------------------------------------------------------


def test_a_conflicted_member_cannot_open_score_or_download_the_bid(scoring_fund):
    member = scoring_fund.members[0]
    conflicted, other, _third = scoring_fund.bids
    declare_all(scoring_fund, member, conflicted_on=(conflicted,))

    with pytest.raises(NotFound):
        bid_get(actor=actor(member), bid_id=conflicted.pk)
    assert _sees(member, other)
    assert set(bids_for_actor(actor=actor(member))) == set(scoring_fund.bids) - {conflicted}
    with pytest.raises(NotFound):
        sheet_save(actor=actor(member), bid=conflicted, scores=full_scores(scoring_fund))
    with pytest.raises(NotFound):
        sheet_submit(actor=actor(member), bid=conflicted)
    attachment = conflicted.attachments.get()
    with pytest.raises(NotFound):
        attachment_get(actor=actor(member), attachment_id=attachment.pk)
    with pytest.raises(NotFound):
        attachment_content(actor=actor(member), attachment_id=attachment.pk)
    assert not ScoreSheet.objects.filter(bid=conflicted).exists()
    # A member without the conflict downloads it.
    declare_all(scoring_fund, scoring_fund.members[1])
    assert attachment_get(actor=actor(scoring_fund.members[1]), attachment_id=attachment.pk)


# --- what a declaration needs -------------------------------------------------------------------


def test_a_conflict_needs_a_relationship(scoring_fund):
    member = scoring_fund.members[0]
    for relationship in ("", "   ", "cousin", "EMPLOYEE"):
        with pytest.raises(ApplicationError) as refused:
            conflict_declare(
                actor=actor(member),
                bid=scoring_fund.bids[0],
                conflicted=True,
                relationship=relationship,
            )
        assert set(refused.value.fields) == {"relationship"}
    assert not ConflictDeclaration.objects.exists()


def test_a_too_long_description_is_a_field_error_with_the_relationship_one(scoring_fund):
    with pytest.raises(ApplicationError) as refused:
        conflict_declare(
            actor=actor(scoring_fund.members[0]),
            bid=scoring_fund.bids[0],
            conflicted=True,
            relationship="",
            description="x" * 2001,
        )
    assert set(refused.value.fields) == {"relationship", "description"}
    assert not ConflictDeclaration.objects.exists()


def test_a_conflict_is_recorded_with_its_relationship(scoring_fund):
    member, bid = scoring_fund.members[0], scoring_fund.bids[0]
    declaration = conflict_declare(
        actor=actor(member),
        bid=bid,
        conflicted=True,
        relationship=" family ",
        description="  My sister runs it.  ",
    )
    declaration.refresh_from_db()
    assert declaration.conflicted
    assert declaration.relationship == "family"
    assert declaration.description == "My sister runs it."
    assert not declaration.after_scoring
    assert not declaration.after_shortlist
    (event,) = _events("scoring.conflict_declared", bid=bid.pk)
    assert event.data["conflicted"] is True
    assert event.data["relationship"] == "family"
    assert "sister" not in str(event.data)  # free text only as its hash
    assert event.data["description_sha256"]


def test_no_conflict_ignores_a_relationship(scoring_fund):
    declaration = conflict_declare(
        actor=actor(scoring_fund.members[0]),
        bid=scoring_fund.bids[0],
        conflicted=False,
        relationship="trustee",
        description="ignored",
    )
    declaration.refresh_from_db()
    assert (declaration.conflicted, declaration.relationship, declaration.description) == (
        False,
        "",
        "",
    )


def test_no_conflict_twice_is_a_no_op(scoring_fund):
    member, bid = scoring_fund.members[0], scoring_fund.bids[0]
    first = conflict_declare(actor=actor(member), bid=bid, conflicted=False)
    again = conflict_declare(actor=actor(member), bid=bid, conflicted=False)
    assert again.pk == first.pk
    assert again.declared_at == first.declared_at
    assert ConflictDeclaration.objects.filter(bid=bid, member=member).count() == 1
    assert len(_events("scoring.conflict_declared", bid=bid.pk, member=member.pk)) == 1


def test_no_conflict_may_become_a_conflict(scoring_fund):
    member, bid = scoring_fund.members[0], scoring_fund.bids[0]
    conflict_declare(actor=actor(member), bid=bid, conflicted=False)
    declaration = conflict_declare(
        actor=actor(member), bid=bid, conflicted=True, relationship="friend"
    )
    assert declaration.conflicted
    assert declaration.relationship == "friend"
    assert not declaration.after_scoring  # there was no sheet
    assert ConflictDeclaration.objects.filter(bid=bid, member=member).count() == 1
    assert len(_events("scoring.conflict_declared", bid=bid.pk, member=member.pk)) == 2


def test_a_conflict_cannot_be_taken_back(scoring_fund):
    member, bid = scoring_fund.members[0], scoring_fund.bids[0]
    conflict_declare(actor=actor(member), bid=bid, conflicted=True, relationship="employee")
    for conflicted, relationship in ((False, ""), (True, "friend")):
        with pytest.raises(ApplicationError) as refused:
            conflict_declare(
                actor=actor(member), bid=bid, conflicted=conflicted, relationship=relationship
            )
        assert refused.value.code == "conflict_stands"
    declaration = ConflictDeclaration.objects.get(bid=bid, member=member)
    assert declaration.conflicted
    assert declaration.relationship == "employee"
    assert len(_events("scoring.conflict_declared", bid=bid.pk, member=member.pk)) == 1


# --- late declarations --------------------------------------------------------------------------


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "submitted"])
def test_a_conflict_after_scoring_voids_the_sheet(scoring_fund, submitted):
    member, bid = scoring_fund.members[0], scoring_fund.bids[0]
    declare_all(scoring_fund, member)
    if submitted:
        score_and_submit(scoring_fund, member, bid)
    else:
        sheet_save(
            actor=actor(member), bid=bid, scores={scoring_fund.criteria[0].pk: ScoreInput(4)}
        )
    sheet = ScoreSheet.objects.get(bid=bid, member=member)

    declaration = conflict_declare(
        actor=actor(member), bid=bid, conflicted=True, relationship="volunteer"
    )

    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.VOID
    assert sheet.voided_at is not None
    assert declaration.after_scoring is True
    assert declaration.after_shortlist is False
    (event,) = _events("scoring.conflict_declared", bid=bid.pk, conflicted=True)
    assert event.data["voided_sheet"] == sheet.pk
    with pytest.raises(NotFound):
        sheet_save(actor=actor(member), bid=bid, scores=full_scores(scoring_fund))
    with pytest.raises(NotFound):
        bid_get(actor=actor(member), bid_id=bid.pk)
    # Other bids are unaffected.
    assert _sees(member, scoring_fund.bids[1])


def test_a_conflict_after_the_shortlist_flags_the_officers(scoring_fund, council):
    member, bid = scoring_fund.members[0], scoring_fund.bids[0]
    declare_all(scoring_fund, member)
    second_officer = UserFactory()
    grant(second_officer, "council_officer", council=council)
    elsewhere = UserFactory()
    grant(elsewhere, "council_officer", council=CouncilFactory())
    confirm_shortlist(scoring_fund)

    declaration = conflict_declare(
        actor=actor(member), bid=bid, conflicted=True, relationship="business"
    )

    assert declaration.after_shortlist is True
    flagged = Notification.objects.filter(kind="conflict_flagged")
    assert {n.recipient_user_id for n in flagged} == {scoring_fund.officer.pk, second_officer.pk}
    assert {n.subject_id for n in flagged} == {str(declaration.pk)}
    (event,) = _events("scoring.conflict_declared", bid=bid.pk, conflicted=True)
    assert event.data["after_shortlist"] is True


def test_a_no_conflict_after_the_shortlist_flags_nothing(scoring_fund):
    confirm_shortlist(scoring_fund)
    declaration = conflict_declare(
        actor=actor(scoring_fund.members[0]), bid=scoring_fund.bids[0], conflicted=False
    )
    assert not declaration.after_shortlist
    assert not Notification.objects.filter(kind="conflict_flagged").exists()


def test_a_conflict_after_the_shortlist_does_not_change_the_frozen_scores(scoring_fund):
    """The shortlist's result stands: the member's submitted sheet is not silently voided."""
    member, bid = scoring_fund.members[0], scoring_fund.bids[0]
    declare_all(scoring_fund, member)
    score_and_submit(scoring_fund, member, bid)
    confirm_shortlist(scoring_fund)
    declaration = conflict_declare(
        actor=actor(member), bid=bid, conflicted=True, relationship="friend"
    )
    assert ScoreSheet.objects.get(bid=bid, member=member).status == SheetStatus.SUBMITTED
    assert declaration.after_scoring is True
    assert declaration.after_shortlist is True
    (event,) = _events("scoring.conflict_declared", bid=bid.pk, conflicted=True)
    assert event.data["voided_sheet"] is None
    assert Notification.objects.filter(kind="conflict_flagged").exists()


# --- the officer's review -----------------------------------------------------------------------


@pytest.fixture
def late_conflict(scoring_fund):
    member = scoring_fund.members[0]
    declare_all(scoring_fund, member)
    confirm_shortlist(scoring_fund)
    return conflict_declare(
        actor=actor(member), bid=scoring_fund.bids[0], conflicted=True, relationship="friend"
    )


def test_an_officer_reviews_a_late_conflict(scoring_fund, late_conflict):
    conflict_review(
        actor=actor(scoring_fund.officer),
        declaration=late_conflict,
        note="  Scores checked; the result stands.  ",
    )
    late_conflict.refresh_from_db()
    assert late_conflict.reviewed_by == scoring_fund.officer
    assert late_conflict.reviewed_at is not None
    assert late_conflict.review_note == "Scores checked; the result stands."
    (event,) = _events("scoring.conflict_reviewed", bid=scoring_fund.bids[0].pk)
    assert event.subject_id == str(late_conflict.pk)
    assert event.data["note_sha256"]
    assert "result stands" not in str(event.data)


def test_only_an_officer_reviews(scoring_fund, late_conflict):
    for person in (scoring_fund.chair, scoring_fund.members[1], UserFactory()):
        with pytest.raises(PermissionDenied):
            conflict_review(actor=actor(person), declaration=late_conflict, note="Fine")
    with pytest.raises(MfaRequired):
        conflict_review(
            actor=actor(scoring_fund.officer, mfa=False), declaration=late_conflict, note="Fine"
        )
    late_conflict.refresh_from_db()
    assert late_conflict.reviewed_at is None
    assert not _events("scoring.conflict_reviewed")


def test_a_review_needs_a_note_and_a_late_conflict(scoring_fund, late_conflict):
    with pytest.raises(ApplicationError) as refused:
        conflict_review(actor=actor(scoring_fund.officer), declaration=late_conflict, note="  ")
    assert set(refused.value.fields) == {"note"}
    on_time = conflict_declare(
        actor=actor(scoring_fund.members[1]),
        bid=scoring_fund.bids[1],
        conflicted=False,
    )
    with pytest.raises(ApplicationError) as refused:
        conflict_review(actor=actor(scoring_fund.officer), declaration=on_time, note="Fine")
    assert refused.value.code == "not_flagged"


# --- the audit trail ----------------------------------------------------------------------------


def test_every_declaration_is_audited_and_the_chain_verifies(scoring_fund):
    declare_all(scoring_fund, scoring_fund.chair)
    declare_all(scoring_fund, scoring_fund.members[0], conflicted_on=(scoring_fund.bids[2],))
    declarations = ConflictDeclaration.objects.filter(bid__fund=scoring_fund.fund)
    assert declarations.count() == 6
    events = _events("scoring.conflict_declared")
    assert sorted(int(e.subject_id) for e in events) == sorted(d.pk for d in declarations)
    for event in events:
        assert event.data["fund"] == scoring_fund.fund.pk
        assert event.actor_id == str(event.data["member"])
        assert "board" not in str(event.data)
    assert chain_verify().ok
