"""Public summaries of a fund's bids after the decision: through the UI and the API, with no
sign-in; nothing before the decision, and nothing an applicant did not agree to publish."""

import pytest
from django.utils import timezone

from backend.bids.models import Bid
from backend.funds.models import Fund, Phase
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def _screened(fund, officer, status, title, **extra):
    return Bid.objects.create(
        fund=fund,
        organisation=OrganisationFactory(name=f"{title} CIC"),
        created_by=UserFactory(),
        status=status,
        title=title,
        summary=f"What {title} will do",
        named_staff="Private Person",
        beneficiaries=40,
        submitted_at=timezone.now(),
        submitted_snapshot={},
        submitted_snapshot_sha256="0" * 64,
        screened_at=timezone.now(),
        screened_by=officer,
        **extra,
    )


@pytest.fixture
def decided(fund, officer, applicant, draft):
    """A fund with an eligible and an ineligible bid, a draft and a withdrawn bid, decided."""
    eligible = _screened(fund, officer, "eligible", "Play")
    _screened(fund, officer, "ineligible", HOSTILE)
    Bid.objects.filter(pk=draft.pk).update(title="Secret draft")
    Fund.objects.filter(pk=fund.pk).update(phase=Phase.DECIDED)
    return eligible


@pytest.mark.parametrize("phase", [Phase.OPEN_FOR_BIDS, Phase.SCORING, Phase.VOTING])
def test_nothing_is_public_before_the_decision(client, fund, phase):
    Fund.objects.filter(pk=fund.pk).update(phase=phase)
    assert client.get(f"/funds/{fund.pk}/bids/").status_code == 404
    assert client.get(f"/api/v1/funds/{fund.pk}/public-bids/").status_code == 404


def test_anyone_reads_the_screened_bids_once_the_fund_is_decided(client, fund, decided):
    page = client.get(f"/funds/{fund.pk}/bids/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "What Play will do" in text
    assert "Play CIC" in text
    assert "Eligible" in text
    assert "Secret draft" not in text
    assert "Private Person" not in text  # named staff are not part of the summary
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    api = client.get(f"/api/v1/funds/{fund.pk}/public-bids/")
    assert api.status_code == 200
    rows = {row["bid"]: row for row in api.json()}
    assert rows[decided.pk]["outcome"] == "eligible"
    assert rows[decided.pk]["shortlisted"] is None
    assert set(rows[decided.pk]) == {
        "bid",
        "title",
        "organisation",
        "summary",
        "amount_requested_pence",
        "beneficiaries",
        "outcome",
        "shortlisted",
    }
    assert len(rows) == 2
