"""The funds' invariants hold in the database itself, not only in the services."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from backend.funds.models import EligibilityItem, Fund, Pot, RubricCriterion
from tests.factories import FundFactory

pytestmark = pytest.mark.django_db

EXPECTED = {
    "funds_fund": {
        "fund_unique_name",
        "fund_budget_positive",
        "fund_currency_gbp",
        "fund_phase_valid",
        "fund_scale_1_to_10",
        "fund_age_range_ordered",
        "fund_rule_name_valid",
        "fund_rule_completion_valid",
        "fund_bids_open_at_before_bids_close_at",
        "fund_bids_close_at_before_scoring_starts_at",
        "fund_scoring_starts_at_before_voting_opens_at",
        "fund_voting_opens_at_before_voting_closes_at",
        "fund_voting_closes_at_before_decision_at",
    },
    "funds_pot": {"pot_unique_name", "pot_share_positive"},
    "funds_rubriccriterion": {
        "criterion_unique_name",
        "criterion_unique_position",
        "criterion_weight_positive",
    },
    "funds_eligibilityitem": {"eligibility_unique_position"},
}


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_the_constraints_exist_in_the_database(table):
    with connection.cursor() as cursor:
        found = set(connection.introspection.get_constraints(cursor, table))
    assert EXPECTED[table] <= found


def _refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_database_refuses_broken_funds():
    fund = FundFactory()
    _refused(lambda: FundFactory(budget_pence=0))
    _refused(lambda: FundFactory(council=fund.council, panel=fund.panel, name=fund.name))
    _refused(lambda: Fund.objects.filter(pk=fund.pk).update(phase="limbo"))
    _refused(lambda: Fund.objects.filter(pk=fund.pk).update(currency="EUR"))
    _refused(lambda: Fund.objects.filter(pk=fund.pk).update(rule_name="dictator"))
    moment = datetime(2026, 9, 1, tzinfo=UTC)
    _refused(
        lambda: Fund.objects.filter(pk=fund.pk).update(
            voting_opens_at=moment, voting_closes_at=moment - timedelta(seconds=1)
        )
    )
    _refused(lambda: Pot.objects.create(fund=fund, name="A", share_pence=0))
    _refused(lambda: RubricCriterion.objects.create(fund=fund, name="A", weight=0, position=1))
    EligibilityItem.objects.create(fund=fund, text="A", position=1)
    _refused(lambda: EligibilityItem.objects.create(fund=fund, text="B", position=1))
