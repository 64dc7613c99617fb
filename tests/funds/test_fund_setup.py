"""Fund set-up: the officer's money, timeline and rule; the chair's purpose, checklist, rubric."""

from datetime import UTC, datetime, timedelta

import pytest

from backend.core.errors import ApplicationError, MfaRequired, PermissionDenied
from backend.funds.models import Fund, Phase, Pot
from backend.funds.services import (
    DEFAULT_RUBRIC,
    CriterionInput,
    PotInput,
    fund_apply_default_rubric,
    fund_create,
    fund_mark_ready,
    fund_set_budget_and_pots,
    fund_set_checklist,
    fund_set_decision_rule,
    fund_set_purpose_and_population,
    fund_set_rubric,
    fund_set_timeline,
)
from tests.factories import FundFactory, LocalityFactory, PanelFactory, actor
from tests.funds.helpers import set_up, timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(council, panel):
    return FundFactory(council=council, panel=panel)


def test_an_officer_creates_a_draft_fund(officer, council, panel):
    fund = fund_create(
        actor=actor(officer), council=council, panel=panel, name=" Early years ", budget_pence=100
    )
    assert (fund.name, fund.phase, fund.currency, fund.created_by) == (
        "Early years",
        Phase.DRAFT,
        "GBP",
        officer,
    )


@pytest.mark.parametrize("budget", [0, -1, True, 1.5])
def test_a_budget_that_is_not_positive_pence_is_refused(officer, council, panel, budget):
    with pytest.raises(ApplicationError) as refused:
        fund_create(
            actor=actor(officer), council=council, panel=panel, name="F", budget_pence=budget
        )
    assert "budget_pence" in refused.value.fields
    assert not Fund.objects.exists()


def test_a_fund_needs_a_panel_of_its_council_and_its_own_name(officer, council, panel):
    with pytest.raises(ApplicationError) as refused:
        fund_create(
            actor=actor(officer), council=council, panel=PanelFactory(), name="F", budget_pence=1
        )
    assert "panel" in refused.value.fields
    fund_create(actor=actor(officer), council=council, panel=panel, name="F", budget_pence=1)
    with pytest.raises(ApplicationError) as refused:
        fund_create(actor=actor(officer), council=council, panel=panel, name="F", budget_pence=1)
    assert "name" in refused.value.fields


def test_pots_share_the_budget_and_may_not_exceed_it(officer, fund):
    fund_set_budget_and_pots(
        actor=actor(officer),
        fund=fund,
        budget_pence=1000,
        pots=[PotInput("North", 600), PotInput("South", 400)],
    )
    assert sorted(Pot.objects.values_list("name", "share_pence")) == [
        ("North", 600),
        ("South", 400),
    ]
    for pots in ([PotInput("North", 600), PotInput("South", 401)], [PotInput("A", 0)]):
        with pytest.raises(ApplicationError) as refused:
            fund_set_budget_and_pots(actor=actor(officer), fund=fund, budget_pence=1000, pots=pots)
        assert "pots" in refused.value.fields
    assert Pot.objects.count() == 2


def test_the_timeline_must_be_in_order_and_aware(officer, fund):
    times = timeline()
    times["voting_opens_at"] = times["scoring_starts_at"]
    with pytest.raises(ApplicationError) as refused:
        fund_set_timeline(actor=actor(officer), fund=fund, **times)
    assert list(refused.value.fields) == ["voting_opens_at"]
    times = timeline()
    times["decision_at"] = times["decision_at"].replace(tzinfo=None)
    with pytest.raises(ApplicationError) as refused:
        fund_set_timeline(actor=actor(officer), fund=fund, **times)
    assert "decision_at" in refused.value.fields
    fund_set_timeline(actor=actor(officer), fund=fund, **timeline())
    fund.refresh_from_db()
    assert fund.timeline_set


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"rule_name": "approval-voting"}, "rule_name"),
        ({"rule_name": "greedy", "completion": "add1"}, "completion"),
        ({"rule_name": "mes", "completion": "sometimes"}, "completion"),
        ({"rule_name": "greedy", "min_score": "2", "min_share": "1/2"}, "min_share"),
        ({"rule_name": "greedy", "min_share": "3/2"}, "min_share"),
        ({"rule_name": "greedy", "min_score": "-1"}, "min_score"),
        ({"rule_name": "greedy", "min_score": "lots"}, "min_score"),
        ({"rule_name": "greedy", "min_share": "1/0"}, "min_share"),
    ],
)
def test_a_bad_decision_rule_is_refused_by_field(officer, fund, rule, field):
    with pytest.raises(ApplicationError) as refused:
        fund_set_decision_rule(actor=actor(officer), fund=fund, **rule)
    assert field in refused.value.fields
    fund.refresh_from_db()
    assert fund.rule_name == ""


def test_a_decision_rule_is_stored_as_the_engine_validates_it(officer, fund):
    fund_set_decision_rule(actor=actor(officer), fund=fund, rule_name="greedy", min_share="0.25")
    fund.refresh_from_db()
    assert (fund.rule_name, fund.rule_completion, fund.rule_min_share) == ("greedy", "none", "1/4")


def test_the_chair_sets_purpose_population_checklist_and_rubric(chair, fund, council):
    ward = LocalityFactory(council=council)
    fund_set_purpose_and_population(
        actor=actor(chair),
        fund=fund,
        purpose="Support for families with children under five",
        locality_ids=[ward.pk],
        age_min=0,
        age_max=5,
        needs=["sen", "disability"],
        disadvantage_criteria="Families on universal credit",
    )
    fund_set_checklist(actor=actor(chair), fund=fund, items=["Registered charity or CIC", " "])
    fund_set_rubric(
        actor=actor(chair),
        fund=fund,
        scale_max=2,
        criteria=[CriterionInput("Need", 2, "", ["None", "Some", "Strong"])],
    )
    fund.refresh_from_db()
    assert list(fund.localities.all()) == [ward]
    assert fund.needs == ["disability", "sen"]
    assert list(fund.checklist.values_list("text", flat=True)) == ["Registered charity or CIC"]
    assert list(fund.criteria.values_list("name", "weight")) == [("Need", 2)]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"age_min": 10, "age_max": 5}, "age_max"),
        ({"age_min": -1}, "age_min"),
        ({"needs": ["astrology"]}, "needs"),
        ({"purpose": "  "}, "purpose"),
        ({"locality_ids": [10**9]}, "localities"),
    ],
)
def test_bad_population_is_refused_by_field(chair, fund, change, field):
    with pytest.raises(ApplicationError) as refused:
        fund_set_purpose_and_population(
            actor=actor(chair), fund=fund, **{"purpose": "Early years", **change}
        )
    assert field in refused.value.fields


@pytest.mark.parametrize(
    ("scale_max", "criteria", "field"),
    [
        (0, [CriterionInput("Need", 1)], "scale_max"),
        (11, [CriterionInput("Need", 1)], "scale_max"),
        (5, [], "criteria"),
        (5, [CriterionInput("Need", 0)], "criteria"),
        (5, [CriterionInput("Need", 1), CriterionInput("Need", 2)], "criteria"),
        (2, [CriterionInput("Need", 1, "", ["only one level"])], "criteria"),
    ],
)
def test_a_bad_rubric_is_refused_by_field(chair, fund, scale_max, criteria, field):
    with pytest.raises(ApplicationError) as refused:
        fund_set_rubric(actor=actor(chair), fund=fund, scale_max=scale_max, criteria=criteria)
    assert field in refused.value.fields


def test_the_default_rubric_weighs_evidence_and_value_for_money(chair, fund):
    fund_apply_default_rubric(actor=actor(chair), fund=fund)
    assert list(fund.criteria.values_list("name", "weight")) == [
        (name, weight) for name, weight, _description in DEFAULT_RUBRIC
    ]
    assert "Evidence of what works" in [name for name, _w, _d in DEFAULT_RUBRIC]


def test_a_part_is_ready_only_when_complete_and_a_change_unmarks_it(officer, chair, fund):
    with pytest.raises(ApplicationError) as refused:
        fund_mark_ready(actor=actor(officer), fund=fund, part="officer")
    assert refused.value.code == "incomplete"
    with pytest.raises(ApplicationError):
        fund_mark_ready(actor=actor(chair), fund=fund, part="chair")
    fund = set_up(fund, officer=officer, chair=chair)
    assert fund.is_ready
    fund_set_budget_and_pots(actor=actor(officer), fund=fund, budget_pence=5)
    fund_set_checklist(actor=actor(chair), fund=fund, items=["Other"])
    fund.refresh_from_db()
    assert fund.officer_ready_at is None
    assert fund.chair_ready_at is None


def test_set_up_changes_only_while_the_fund_is_a_draft(officer, chair, fund):
    fund.phase = Phase.SCREENING
    fund.save()
    with pytest.raises(ApplicationError) as refused:
        fund_set_budget_and_pots(actor=actor(officer), fund=fund, budget_pence=5)
    assert refused.value.code == "not_draft"
    with pytest.raises(ApplicationError):
        fund_set_checklist(actor=actor(chair), fund=fund, items=["x"])


# --- who may do what ---------------------------------------------------------------------------

OFFICER_PARTS = {
    "budget": lambda who, fund: fund_set_budget_and_pots(actor=who, fund=fund, budget_pence=5),
    "timeline": lambda who, fund: fund_set_timeline(actor=who, fund=fund, **timeline()),
    "rule": lambda who, fund: fund_set_decision_rule(actor=who, fund=fund, rule_name="greedy"),
}
CHAIR_PARTS = {
    "purpose": lambda who, fund: fund_set_purpose_and_population(actor=who, fund=fund, purpose="x"),
    "checklist": lambda who, fund: fund_set_checklist(actor=who, fund=fund, items=["x"]),
    "rubric": lambda who, fund: fund_apply_default_rubric(actor=who, fund=fund),
}


@pytest.mark.parametrize("operation", sorted(OFFICER_PARTS))
@pytest.mark.parametrize("who", ["chair", "member", "auditor", "applicant"])
def test_only_officers_do_the_officers_part(request, fund, operation, who):
    with pytest.raises(PermissionDenied):
        OFFICER_PARTS[operation](actor(request.getfixturevalue(who)), fund)


@pytest.mark.parametrize("operation", sorted(CHAIR_PARTS))
@pytest.mark.parametrize("who", ["officer", "member", "auditor", "applicant"])
def test_only_the_chair_does_the_chairs_part(request, fund, operation, who):
    with pytest.raises(PermissionDenied):
        CHAIR_PARTS[operation](actor(request.getfixturevalue(who)), fund)


def test_the_chair_of_another_panel_cannot_set_up_this_fund(fund, council):
    from tests.factories import UserFactory, grant

    other_chair = UserFactory()
    grant(other_chair, "panel_chair", panel=PanelFactory(council=council))
    with pytest.raises(PermissionDenied):
        fund_set_checklist(actor=actor(other_chair), fund=fund, items=["x"])


@pytest.mark.parametrize("who", ["officer", "chair"])
def test_officers_and_chairs_need_mfa(request, fund, who):
    parts = OFFICER_PARTS if who == "officer" else CHAIR_PARTS
    for operation in parts.values():
        with pytest.raises(MfaRequired):
            operation(actor(request.getfixturevalue(who), mfa=False), fund)


def test_times_are_stored_as_the_instants_given(officer, fund):
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    fund_set_timeline(actor=actor(officer), fund=fund, **timeline(start, step=timedelta(hours=1)))
    fund.refresh_from_db()
    assert fund.bids_open_at == start
