"""The bids API: who sees and changes a bid, uploads checked by content, submission errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Attachment, Bid, Status
from backend.bids.services import (
    REQUIRED_FOR_SUBMISSION,
    BudgetLineInput,
    attachment_add,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    budget_line_set,
)
from backend.funds.models import Fund, Phase
from tests.bids.helpers import EXE, PDF, open_fund
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    actor,
    grant,
    mfa_client,
    signed_in_client,
)

from .calls import call

pytestmark = pytest.mark.django_db


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
        actor=actor(applicant), bid=bid, lines=[BudgetLineInput("Sessional workers", 1_200_000)]
    )
    bid_set_declarations(actor=actor(applicant), bid=bid, accepted=DECLARATION_CODES)
    bid.refresh_from_db()
    return bid


@pytest.fixture
def submitted(draft, applicant):
    attachment_add(actor=actor(applicant), bid=draft, filename="plan.pdf", content=PDF)
    return bid_submit(actor=actor(applicant), bid=draft)


@pytest.fixture
def applicant_client(applicant) -> Client:
    return signed_in_client(applicant)


def _upload(client: Client, bid_id: int, name: str, content: bytes, content_type: str):
    response = client.post(
        f"/api/v1/bids/{bid_id}/attachments/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
    )
    response.data = response.json() if response.content else None
    return response


# --- who sees a bid ----------------------------------------------------------------------------


@pytest.fixture
def clients(applicant, officer, auditor, member):
    rival = UserFactory()
    grant(rival, "applicant", organisation=OrganisationFactory())
    return {
        "applicant": lambda: signed_in_client(applicant),
        "rival": lambda: signed_in_client(rival),
        "officer": lambda: mfa_client(officer),
        "officer_without_mfa": lambda: signed_in_client(officer),
        "auditor": lambda: mfa_client(auditor),
        "member": lambda: signed_in_client(member),
        "anonymous": Client,
    }


# who -> (status while bids are open, status during screening)
MATRIX = {
    "applicant": (200, 200),
    "rival": (404, 404),
    "officer": (200, 200),
    "officer_without_mfa": (403, 403),
    "auditor": (200, 200),
    # The panel reads a bid only once it is eligible and scoring has started (tests/scoring).
    "member": (404, 404),
    "anonymous": (401, 401),
}
CASES = [(who, closed, codes[closed]) for who, codes in MATRIX.items() for closed in (0, 1)]


@pytest.mark.parametrize(
    ("who", "closed", "expected"),
    CASES,
    ids=[f"{who}-{'closed' if closed else 'open'}" for who, closed, _e in CASES],
)
def test_access_matrix(clients, submitted, who, closed, expected):
    if closed:
        Fund.objects.filter(pk=submitted.fund_id).update(phase=Phase.SCREENING)
    client = clients[who]()
    attachment = submitted.attachments.get()

    detail = call(client, "GET", f"/api/v1/bids/{submitted.pk}/")
    assert detail.status_code == expected, detail.data
    attachments = call(client, "GET", f"/api/v1/bids/{submitted.pk}/attachments/")
    assert attachments.status_code == expected
    download = client.get(f"/api/v1/bids/{submitted.pk}/attachments/{attachment.pk}/content/")
    assert download.status_code == expected
    listed = call(client, "GET", "/api/v1/bids/")
    if expected == 200:
        assert detail.data["id"] == submitted.pk
        assert download.content == PDF
        assert [a["id"] for a in attachments.data] == [attachment.pk]
        assert [bid["id"] for bid in listed.data] == [submitted.pk]
    else:
        assert detail.data["code"] in {"not_found", "mfa_required", "not_authenticated"}
        assert PDF not in download.content
        if expected == 401:
            assert listed.status_code == 401
        else:
            assert listed.status_code == 200
            assert [bid["id"] for bid in listed.data] == []


def test_a_rival_cannot_tell_a_bid_exists(clients, submitted):
    rival = clients["rival"]()
    hidden = call(rival, "GET", f"/api/v1/bids/{submitted.pk}/")
    missing = call(rival, "GET", "/api/v1/bids/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data


def test_rivals_and_officers_cannot_change_a_bid(clients, draft):
    for who, expected in (("rival", 404), ("officer", 403)):
        client = clients[who]()
        patched = call(client, "PATCH", f"/api/v1/bids/{draft.pk}/", {"title": "Mine now"})
        assert patched.status_code == expected, who
        submitted = call(client, "POST", f"/api/v1/bids/{draft.pk}/submit/")
        assert submitted.status_code == expected, who
        upload = _upload(client, draft.pk, "plan.pdf", PDF, "application/pdf")
        assert upload.status_code == expected, who
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("Play", Status.DRAFT)
    assert not Attachment.objects.exists()


# --- an applicant's journey --------------------------------------------------------------------


def test_an_applicant_drafts_and_submits_a_bid(applicant_client, fund, organisation):
    created = call(
        applicant_client,
        "POST",
        "/api/v1/bids/",
        {"fund": fund.pk, "organisation": organisation.pk, "title": "Stay and play"},
    )
    assert created.status_code == 201, created.data
    bid_id = created.data["id"]
    assert created.data["status"] == "draft"
    assert created.data["amount_requested_pence"] == 0
    assert created.data["cost_per_beneficiary_pence"] is None

    answers = {
        "summary": "Sessions for parents and under-fives",
        "need": "<script>alert(1)</script> Isolation",
        "population_served": "Families with under-fives",
        "outcomes": "School readiness",
        "evidence_level": 2,
        "evidence_sources": "Our surveys",
        "delivery_plan": "Twice a week",
        "beneficiaries": 120,
    }
    patched = call(applicant_client, "PATCH", f"/api/v1/bids/{bid_id}/", answers)
    assert patched.status_code == 200, patched.data
    assert patched.data["need"] == answers["need"]  # stored as given; escaping is for display

    budget = call(
        applicant_client,
        "PUT",
        f"/api/v1/bids/{bid_id}/budget/",
        {
            "budget_lines": [
                {"description": "Sessional workers", "amount_pence": 1_000_000},
                {"description": "Hall hire", "amount_pence": 200_001},
            ]
        },
    )
    assert budget.status_code == 200, budget.data
    assert budget.data["amount_requested_pence"] == 1_200_001
    assert budget.data["cost_per_beneficiary_pence"] == 10_000

    upload = _upload(applicant_client, bid_id, "plan.pdf", PDF, "application/pdf")
    assert upload.status_code == 201, upload.data
    assert upload.data["content_type"] == "application/pdf"
    assert upload.data["size"] == len(PDF)

    detail = call(applicant_client, "GET", f"/api/v1/bids/{bid_id}/")
    assert [line["amount_pence"] for line in detail.data["budget_lines"]] == [1_000_000, 200_001]
    assert [a["name"] for a in detail.data["attachments"]] == ["plan.pdf"]

    unknown = call(
        applicant_client,
        "PUT",
        f"/api/v1/bids/{bid_id}/declarations/",
        {"accepted": ["accurate", "made-up"]},
    )
    assert unknown.status_code == 400, unknown.data
    assert any(key.startswith("accepted") for key in unknown.data["fields"])
    declared = call(
        applicant_client,
        "PUT",
        f"/api/v1/bids/{bid_id}/declarations/",
        {"accepted": list(DECLARATION_CODES)},
    )
    assert declared.status_code == 200, declared.data
    assert declared.data["declarations"] == list(DECLARATION_CODES)
    submitted = call(applicant_client, "POST", f"/api/v1/bids/{bid_id}/submit/")
    assert submitted.status_code == 200, submitted.data
    assert submitted.data["status"] == "submitted"
    assert len(submitted.data["submitted_snapshot_sha256"]) == 64

    locked = call(applicant_client, "PATCH", f"/api/v1/bids/{bid_id}/", {"title": "Later"})
    assert locked.status_code == 400
    assert locked.data["code"] == "bid_locked"

    withdrawn = call(applicant_client, "POST", f"/api/v1/bids/{bid_id}/withdraw/")
    assert withdrawn.status_code == 200, withdrawn.data
    assert withdrawn.data["status"] == "withdrawn"


def test_a_bid_only_for_an_organisation_of_ones_own(applicant_client, fund):
    rival_organisation = OrganisationFactory()
    response = call(
        applicant_client,
        "POST",
        "/api/v1/bids/",
        {"fund": fund.pk, "organisation": rival_organisation.pk, "title": "Theirs"},
    )
    assert response.status_code in {403, 404}
    assert not Bid.objects.exists()


def test_a_bid_only_to_a_fund_taking_bids(applicant_client, fund, organisation):
    Fund.objects.filter(pk=fund.pk).update(phase=Phase.SCREENING)
    response = call(
        applicant_client,
        "POST",
        "/api/v1/bids/",
        {"fund": fund.pk, "organisation": organisation.pk},
    )
    assert response.status_code == 400
    assert "fund" in response.data["fields"]
    assert not Bid.objects.exists()


def test_bad_budget_lines_are_named_by_position(applicant_client, draft):
    response = call(
        applicant_client,
        "PUT",
        f"/api/v1/bids/{draft.pk}/budget/",
        {"budget_lines": [{"description": "Fine", "amount_pence": 5}, {"description": "Bad"}]},
    )
    assert response.status_code == 400
    assert set(response.data["fields"]) == {"budget_lines.1.amount_pence"}


def test_submit_lists_every_missing_answer_at_once(applicant_client, fund, organisation, applicant):
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation, title="Play")
    response = call(applicant_client, "POST", f"/api/v1/bids/{bid.pk}/submit/")
    assert response.status_code == 400
    assert response.data["code"] == "incomplete"
    expected = {field for field in REQUIRED_FOR_SUBMISSION if field != "title"} | {
        "budget_lines",
        "declarations",
    }
    assert set(response.data["fields"]) == expected
    assert str(len(expected)) in response.data["message"]
    bid.refresh_from_db()
    assert bid.status == Status.DRAFT


# --- attachments -------------------------------------------------------------------------------


def test_a_renamed_executable_is_refused_on_the_file_field(applicant_client, draft):
    response = _upload(applicant_client, draft.pk, "budget.pdf", EXE, "application/pdf")
    assert response.status_code == 400
    assert response.data["fields"]["file"]
    assert not Attachment.objects.exists()


def test_an_oversize_file_is_refused_on_the_file_field(applicant_client, draft):
    big = PDF + b"\x00" * (10 * 1024 * 1024)
    response = _upload(applicant_client, draft.pk, "plan.pdf", big, "application/pdf")
    assert response.status_code == 400
    assert "10 MB" in response.data["fields"]["file"][0]
    assert not Attachment.objects.exists()


def test_an_upload_without_a_file_is_a_field_error(applicant_client, draft):
    response = applicant_client.post(f"/api/v1/bids/{draft.pk}/attachments/", {})
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_the_download_is_an_attachment_with_the_detected_type(applicant_client, submitted):
    attachment = submitted.attachments.get()
    response = applicant_client.get(
        f"/api/v1/bids/{submitted.pk}/attachments/{attachment.pk}/content/"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == PDF


def test_an_attachment_is_found_only_under_its_own_bid(
    applicant_client, submitted, fund, organisation, applicant
):
    other = bid_create(actor=actor(applicant), fund=fund, organisation=organisation, title="B")
    attachment = submitted.attachments.get()
    response = applicant_client.get(f"/api/v1/bids/{other.pk}/attachments/{attachment.pk}/content/")
    assert response.status_code == 404


def test_an_applicant_removes_an_attachment_from_a_draft(applicant_client, draft, upload_root):
    upload = _upload(applicant_client, draft.pk, "plan.pdf", PDF, "application/pdf")
    assert upload.status_code == 201
    removed = call(
        applicant_client, "DELETE", f"/api/v1/bids/{draft.pk}/attachments/{upload.data['id']}/"
    )
    assert removed.status_code == 204
    listed = call(applicant_client, "GET", f"/api/v1/bids/{draft.pk}/attachments/")
    assert listed.data == []
