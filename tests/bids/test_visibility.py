"""Who sees a bid: its organisation, the fund's officers and auditors (after MFA), its panel once
it is eligible and scoring has started and each member has declared on every eligible bid;
never rival applicants (404)."""

import pytest
from django.utils import timezone

from backend.bids.models import Bid
from backend.bids.selectors import (
    attachment_content,
    attachment_get,
    bid_get,
    bids_for_actor,
    bids_for_organisation,
)
from backend.bids.services import attachment_add, bid_submit
from backend.core.errors import MfaRequired, NotFound
from backend.funds.models import Fund, Phase
from backend.scoring.models import ConflictDeclaration
from tests.bids.helpers import PDF
from tests.factories import (
    CouncilFactory,
    OrganisationFactory,
    PanelFactory,
    UserFactory,
    actor,
    grant,
)

pytestmark = pytest.mark.django_db

SEES = "sees"
HIDDEN = "404"
NEEDS_MFA = "403"


@pytest.fixture
def people(applicant, officer, auditor, chair, member, council, panel, organisation):
    colleague = UserFactory()
    grant(colleague, "applicant", organisation=organisation)
    rival = UserFactory()
    grant(rival, "applicant", organisation=OrganisationFactory())
    other_officer = UserFactory()
    grant(other_officer, "council_officer", council=CouncilFactory())
    other_member = UserFactory()
    grant(other_member, "panel_member", panel=PanelFactory(council=council))
    return {
        "applicant": applicant,
        "colleague": colleague,
        "rival": rival,
        "officer": officer,
        "auditor": auditor,
        "chair": chair,
        "member": member,
        "other_officer": other_officer,
        "other_member": other_member,
        "stranger": UserFactory(),
    }


@pytest.fixture
def submitted(draft, applicant):
    attachment_add(actor=actor(applicant), bid=draft, filename="plan.pdf", content=PDF)
    return bid_submit(actor=actor(applicant), bid=draft)


def _to_scoring(bid, officer, *declaring):
    """Bids closed, the bid screened eligible, scoring started; ``declaring`` declared no conflict."""
    Bid.objects.filter(pk=bid.pk).update(
        status="eligible", screened_at=timezone.now(), screened_by=officer
    )
    Fund.objects.filter(pk=bid.fund_id).update(phase=Phase.SCORING)
    for person in declaring:
        ConflictDeclaration.objects.create(
            bid=bid, member=person, conflicted=False, declared_at=timezone.now()
        )


# (person, MFA done) -> while bids are open, once scoring has started (and the panel declared).
MATRIX = {
    ("applicant", True): (SEES, SEES),
    ("applicant", False): (SEES, SEES),
    ("colleague", False): (SEES, SEES),
    ("rival", True): (HIDDEN, HIDDEN),
    ("officer", True): (SEES, SEES),
    ("officer", False): (NEEDS_MFA, NEEDS_MFA),
    ("auditor", True): (SEES, SEES),
    ("auditor", False): (NEEDS_MFA, NEEDS_MFA),
    ("chair", True): (HIDDEN, SEES),
    ("chair", False): (HIDDEN, NEEDS_MFA),
    ("member", False): (HIDDEN, SEES),
    ("other_officer", True): (HIDDEN, HIDDEN),
    ("other_member", False): (HIDDEN, HIDDEN),
    ("stranger", False): (HIDDEN, HIDDEN),
}
CASES = [
    (who, mfa, closed, outcomes[closed])
    for (who, mfa), outcomes in MATRIX.items()
    for closed in (False, True)
]


def _outcome(person, mfa, bid_id) -> str:
    try:
        bid_get(actor=actor(person, mfa=mfa), bid_id=bid_id)
    except MfaRequired:
        return NEEDS_MFA
    except NotFound:
        return HIDDEN
    return SEES


@pytest.mark.parametrize(
    ("who", "mfa", "closed", "expected"),
    CASES,
    ids=[f"{w}-{'mfa' if m else 'nomfa'}-{'closed' if c else 'open'}" for w, m, c, _e in CASES],
)
def test_access_matrix(people, submitted, who, mfa, closed, expected):
    if closed:
        _to_scoring(submitted, people["officer"], people["chair"], people["member"])
    person = people[who]
    assert _outcome(person, mfa, submitted.pk) == expected
    listed = bids_for_actor(actor=actor(person, mfa=mfa)).filter(pk=submitted.pk).exists()
    assert listed is (expected == SEES)
    attachment = submitted.attachments.get()
    if expected == SEES:
        found, content = attachment_content(
            actor=actor(person, mfa=mfa), attachment_id=attachment.pk
        )
        assert (found, content) == (attachment, PDF)
    else:
        with pytest.raises((NotFound, MfaRequired)):
            attachment_get(actor=actor(person, mfa=mfa), attachment_id=attachment.pk)


def test_the_panel_never_sees_drafts(people, draft):
    Fund.objects.filter(pk=draft.fund_id).update(phase=Phase.SCORING)
    for who in ("chair", "member"):
        with pytest.raises(NotFound):
            bid_get(actor=actor(people[who]), bid_id=draft.pk)
    assert _outcome(people["officer"], True, draft.pk) == SEES


def test_the_panel_reads_nothing_during_screening(people, submitted):
    Fund.objects.filter(pk=submitted.fund_id).update(phase=Phase.SCREENING)
    for who in ("chair", "member"):
        assert _outcome(people[who], True, submitted.pk) == HIDDEN


def test_a_member_reads_no_bid_before_declaring_on_every_eligible_bid(
    people, submitted, fund, officer
):
    other = Bid.objects.create(
        fund=fund,
        organisation=OrganisationFactory(),
        created_by=people["rival"],
        status="eligible",
        title="Other",
        submitted_at=timezone.now(),
        submitted_snapshot={},
        submitted_snapshot_sha256="0" * 64,
        screened_at=timezone.now(),
        screened_by=officer,
    )
    _to_scoring(submitted, officer, people["member"])
    member = people["member"]
    assert _outcome(member, False, submitted.pk) == HIDDEN
    assert not bids_for_actor(actor=actor(member, mfa=False)).exists()
    ConflictDeclaration.objects.create(
        bid=other, member=member, conflicted=False, declared_at=timezone.now()
    )
    assert _outcome(member, False, submitted.pk) == SEES
    assert set(bids_for_actor(actor=actor(member, mfa=False))) == {submitted, other}


def test_a_conflicted_member_never_reads_the_bid(people, submitted, officer):
    _to_scoring(submitted, officer)
    member = people["member"]
    ConflictDeclaration.objects.create(
        bid=submitted,
        member=member,
        conflicted=True,
        relationship="trustee",
        declared_at=timezone.now(),
    )
    assert _outcome(member, False, submitted.pk) == HIDDEN
    assert not bids_for_actor(actor=actor(member, mfa=False)).exists()
    attachment = submitted.attachments.get()
    with pytest.raises(NotFound):
        attachment_get(actor=actor(member, mfa=False), attachment_id=attachment.pk)


def test_the_panel_never_reads_an_ineligible_bid(people, submitted, officer):
    _to_scoring(submitted, officer, people["member"])
    Bid.objects.filter(pk=submitted.pk).update(status="ineligible")
    assert _outcome(people["member"], False, submitted.pk) == HIDDEN


def test_an_unknown_bid_is_not_found(applicant):
    with pytest.raises(NotFound):
        bid_get(actor=actor(applicant), bid_id=999_999)


def test_a_rival_cannot_tell_a_bid_exists_from_one_that_does_not(people, submitted):
    with pytest.raises(NotFound) as hidden:
        bid_get(actor=actor(people["rival"]), bid_id=submitted.pk)
    with pytest.raises(NotFound) as missing:
        bid_get(actor=actor(people["rival"]), bid_id=999_999)
    assert hidden.value.message == missing.value.message


def test_a_revoked_applicant_no_longer_sees_the_bid(people, submitted, organisation):
    from django.utils import timezone

    colleague = people["colleague"]
    colleague.role_grants.update(revoked_at=timezone.now(), revoked_by=people["officer"])
    with pytest.raises(NotFound):
        bid_get(actor=actor(colleague), bid_id=submitted.pk)


def test_the_dashboard_lists_only_the_organisations_bids(people, submitted, organisation):
    mine = bids_for_organisation(actor=actor(people["colleague"]), organisation=organisation)
    assert list(mine) == [Bid.objects.get(pk=submitted.pk)]
    with pytest.raises(NotFound):
        bids_for_organisation(actor=actor(people["rival"]), organisation=organisation)


def test_listing_bids_takes_a_fixed_number_of_queries(
    people, submitted, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        bids = list(bids_for_actor(actor=actor(people["officer"])))
        assert [bid.amount_requested_pence for bid in bids] == [1_200_000]
