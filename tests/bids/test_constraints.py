"""The bids' invariants hold in the database itself, not only in the services."""

import pytest
from django.db import IntegrityError, connection, transaction

from backend.bids.models import Attachment, Bid, BudgetLine
from tests.factories import BidFactory, BudgetLineFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "bids_bid": {
        "bid_status_valid",
        "bid_evidence_level_1_to_5",
        "bid_beneficiaries_positive",
        "bid_submitted_has_snapshot",
    },
    "bids_budgetline": {"budget_line_amount_positive", "budget_line_unique_position"},
    "bids_attachment": {
        "attachment_unique_sha_per_bid",
        "attachment_size_within_limit",
        "attachment_content_type_valid",
        "attachment_sha256_hex",
    },
}
SHA = "a" * 64


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_the_constraints_exist_in_the_database(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", [table])
        names = {row[0] for row in cursor.fetchall()}
    assert EXPECTED[table] <= names


def test_bids_keep_their_fund_and_organisation():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT confdeltype FROM pg_constraint WHERE conrelid = 'bids_bid'::regclass "
            "AND contype = 'f'"
        )
        # Django enforces PROTECT itself; the database refuses deletes that would orphan a bid.
        assert {row[0] for row in cursor.fetchall()} == {"a"}


def _refused(update) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        update()


@pytest.mark.parametrize(
    "values",
    [
        {"status": "approved"},
        {"evidence_level": 0},
        {"evidence_level": 6},
        {"beneficiaries": 0},
        {"status": "submitted"},
        {"status": "submitted", "submitted_snapshot_sha256": SHA},
    ],
)
def test_bad_bid_rows_are_refused(values):
    bid = BidFactory()
    _refused(lambda: Bid.objects.filter(pk=bid.pk).update(**values))


@pytest.mark.parametrize("amount", [0, -1])
def test_budget_lines_are_positive(amount):
    line = BudgetLineFactory()
    _refused(lambda: BudgetLine.objects.filter(pk=line.pk).update(amount_pence=amount))


def test_budget_line_positions_are_unique():
    line = BudgetLineFactory()
    _refused(lambda: BudgetLineFactory(bid=line.bid, position=line.position))


def _attachment(bid, **values) -> Attachment:
    fields = {
        "bid": bid,
        "original_name": "a.pdf",
        "content_type": "application/pdf",
        "size": 10,
        "sha256": SHA,
        "stored_path": f"bids/{bid.pk}/{values.get('sha256', SHA)}-{values.get('size', 10)}",
        "uploaded_by": UserFactory(),
    }
    return Attachment.objects.create(**{**fields, **values})


def test_one_attachment_per_hash_per_bid():
    bid = BidFactory()
    _attachment(bid)
    _refused(lambda: _attachment(bid, stored_path="elsewhere"))
    _attachment(BidFactory())  # the same file on another bid is fine


@pytest.mark.parametrize(
    "values",
    [
        {"size": 0},
        {"size": 10 * 1024 * 1024 + 1},
        {"content_type": "application/x-msdownload"},
        {"sha256": "not-a-hash"},
    ],
)
def test_bad_attachment_rows_are_refused(values):
    bid = BidFactory()
    _refused(lambda: _attachment(bid, **values))
