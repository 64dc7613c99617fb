"""A fund in its scoring phase, built through the services: three eligible bids and one
ineligible, a panel of four (the chair and three members) and the default rubric.

Helpers for the scoring tests live here too (import them from ``tests.scoring.conftest``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from backend.accounts.models import User
from backend.bids.declarations import DECLARATION_CODES
from backend.bids.models import Bid
from backend.bids.services import (
    BudgetLineInput,
    attachment_add,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    budget_line_set,
    screening_decide,
    screening_record_item,
)
from backend.funds.models import EligibilityItem, Fund, Phase, RubricCriterion
from backend.funds.services import fund_transition
from backend.scoring.models import Shortlist
from backend.scoring.services import ScoreInput, conflict_declare, sheet_save, sheet_submit
from tests.bids.helpers import PDF, open_fund
from tests.factories import OrganisationFactory, UserFactory, actor, grant


@dataclass
class ScoringFund:
    fund: Fund
    bids: list[Bid]  # the three eligible bids
    ineligible: Bid
    chair: User
    members: list[User]  # the three members who are not the chair
    officer: User
    criteria: list[RubricCriterion]

    @property
    def panel(self) -> list[User]:
        """Everyone who scores: the chair first, then the members."""
        return [self.chair, *self.members]

    def refresh(self) -> Fund:
        self.fund.refresh_from_db()
        return self.fund


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.FAIRFUND_UPLOAD_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def _submitted_bid(fund: Fund, title: str, *, attach: bool = False) -> Bid:
    applicant = UserFactory()
    organisation = OrganisationFactory()
    grant(applicant, "applicant", organisation=organisation)
    who = actor(applicant)
    bid = bid_create(actor=who, fund=fund, organisation=organisation, title=title)
    bid_update(
        actor=who,
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
    budget_line_set(actor=who, bid=bid, lines=[BudgetLineInput("Sessional workers", 1_200_000)])
    if attach:
        attachment_add(actor=who, bid=bid, filename="plan.pdf", content=PDF)
    bid_set_declarations(actor=who, bid=bid, accepted=DECLARATION_CODES)
    return bid_submit(actor=who, bid=bid)


def _screen(officer: User, bid: Bid, *, eligible: bool) -> None:
    who = actor(officer)
    for item in EligibilityItem.objects.filter(fund_id=bid.fund_id):
        screening_record_item(
            actor=who,
            bid=bid,
            item=item,
            outcome="pass" if eligible else "fail",
            reason="Checked against the register",
        )
    screening_decide(actor=who, bid=bid, eligible=eligible, reason="" if eligible else "Not local")


@pytest.fixture
def scoring_fund(council, panel, officer, chair, member) -> ScoringFund:
    members = [member]
    for _n in range(2):
        extra = UserFactory()
        grant(extra, "panel_member", panel=panel)
        members.append(extra)
    fund = open_fund(council=council, panel=panel, officer=officer, chair=chair)
    bids = [_submitted_bid(fund, f"Eligible bid {n}", attach=(n == 0)) for n in range(3)]
    ineligible = _submitted_bid(fund, "Ineligible bid")
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    for bid in bids:
        _screen(officer, bid, eligible=True)
    _screen(officer, ineligible, eligible=False)
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCORING)
    fund.refresh_from_db()
    for bid in [*bids, ineligible]:
        bid.refresh_from_db()
    criteria = list(RubricCriterion.objects.filter(fund=fund).order_by("position"))
    assert len(criteria) == 5
    assert fund.scale_max == 5
    return ScoringFund(
        fund=fund,
        bids=bids,
        ineligible=ineligible,
        chair=chair,
        members=members,
        officer=officer,
        criteria=criteria,
    )


# --- helpers ------------------------------------------------------------------------------------


def declare_all(world: ScoringFund, user: User, *, conflicted_on: tuple[Bid, ...] = ()) -> None:
    """``user`` declares on every eligible bid: a conflict (as a trustee) on ``conflicted_on``,
    no conflict on the others."""
    conflicted_ids = {bid.pk for bid in conflicted_on}
    for bid in world.bids:
        if bid.pk in conflicted_ids:
            conflict_declare(
                actor=actor(user),
                bid=bid,
                conflicted=True,
                relationship="trustee",
                description="I sit on its board.",
            )
        else:
            conflict_declare(actor=actor(user), bid=bid, conflicted=False)


def full_scores(world: ScoringFund, value: int = 3, comment: str = "") -> dict[int, ScoreInput]:
    """A score for every criterion (comments given, so the extremes may be submitted too)."""
    return {c.pk: ScoreInput(value, comment) for c in world.criteria}


def score_and_submit(world: ScoringFund, user: User, bid: Bid, value: int = 3) -> None:
    sheet_save(actor=actor(user), bid=bid, scores=full_scores(world, value, "Reasoned"))
    sheet_submit(actor=actor(user), bid=bid)


def confirm_shortlist(world: ScoringFund) -> Shortlist:
    """A confirmed (frozen) shortlist, written directly: shortlist_confirm is tested elsewhere."""
    now = timezone.now()
    return Shortlist.objects.create(
        fund=world.fund,
        rule="top_n",
        parameter="2",
        proposed_at=now,
        proposed_by=world.chair,
        confirmed_at=now,
        confirmed_by=world.chair,
        snapshot={"bids": [bid.pk for bid in world.bids[:2]]},
        snapshot_sha256="a" * 64,
    )
