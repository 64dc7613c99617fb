"""Reads about scoring: the member's page (blind until they submit), the register, progress,
the aggregate, anonymised comments and the auditors' scoring matrix."""

from __future__ import annotations

import csv
import io

import pytest

from backend.core.errors import MfaRequired, NotFound, PermissionDenied
from backend.scoring.selectors import (
    anonymised_comments,
    conflict_register,
    declarations_for_member,
    fund_aggregate,
    scoring_matrix_csv,
    scoring_page,
    scoring_progress,
)
from backend.scoring.services import ScoreInput, conflict_declare, sheet_save, sheet_submit
from tests.factories import UserFactory, actor, grant
from tests.scoring.conftest import declare_all, full_scores, score_and_submit

pytestmark = pytest.mark.django_db


def test_before_declaring_a_member_sees_who_is_behind_each_bid_and_nothing_else(scoring_fund):
    world = scoring_fund
    rows = declarations_for_member(actor=actor(world.members[0]), fund=world.fund)
    assert [row.bid_id for row in rows] == [bid.pk for bid in world.bids]
    assert {f for f in rows[0].__dataclass_fields__} == {
        "bid_id",
        "title",
        "organisation",
        "partners",
        "named_staff",
        "declaration",
    }
    with pytest.raises(NotFound):
        scoring_page(actor=actor(world.members[0]), bid_id=world.bids[0].pk)


def test_others_scores_stay_hidden_until_the_member_submits(scoring_fund):
    world = scoring_fund
    first, second = world.members[0], world.members[1]
    for person in (first, second):
        declare_all(world, person)
    bid = world.bids[0]
    score_and_submit(world, first, bid, 4)
    sheet_save(actor=actor(second), bid=bid, scores=full_scores(world, 2, "Weak"))
    page = scoring_page(actor=actor(second), bid_id=bid.pk)
    assert not page.others_visible
    assert page.others == []
    sheet_submit(actor=actor(second), bid=bid)
    page = scoring_page(actor=actor(second), bid_id=bid.pk)
    assert page.others_visible
    assert [(o.label, o.total) for o in page.others] == [("Scorer 1", "80.00")]
    assert first.full_name not in repr(page.others)


def test_the_page_shows_the_bid_beside_the_funds_medians(scoring_fund):
    world = scoring_fund
    declare_all(world, world.members[0])
    page = scoring_page(actor=actor(world.members[0]), bid_id=world.bids[0].pk)
    # Every bid asks £12,000 for 120 people (£100 each), at evidence level 2.
    assert page.cost_per_beneficiary_pence == 10_000
    assert page.median_cost_per_beneficiary_pence == 10_000
    assert (page.evidence_level, str(page.median_evidence_level)) == (2, "2.0")
    assert [c.name for c in page.criteria] == [c.name for c in world.criteria]
    assert [level for level, _text in page.criteria[0].levels] == list(range(6))


def test_a_conflicted_member_has_no_page_and_no_place_in_the_aggregate(scoring_fund):
    world = scoring_fund
    bid = world.bids[0]
    for person in world.panel[:3]:
        declare_all(world, person)
        score_and_submit(world, person, bid, 3)
    late = world.members[2]
    declare_all(world, late, conflicted_on=(bid,))
    with pytest.raises(NotFound):
        scoring_page(actor=actor(late), bid_id=bid.pk)
    result = fund_aggregate(actor=actor(world.chair), fund=world.fund).bid(bid.pk)
    assert {s.scorer_id for s in result.sheets} == {p.pk for p in world.panel[:3]}
    assert late.pk not in {s.scorer_id for s in result.sheets}


def test_the_register_lists_every_member_and_bid_for_the_chair_and_the_council(scoring_fund):
    world = scoring_fund
    declare_all(world, world.members[0], conflicted_on=(world.bids[1],))
    rows = conflict_register(actor=actor(world.chair), fund=world.fund)
    assert len(rows) == len(world.bids) * len(world.panel)
    conflicted = [r for r in rows if r.declaration and r.declaration.conflicted]
    assert [(r.bid_id, r.member_id) for r in conflicted] == [
        (world.bids[1].pk, world.members[0].pk)
    ]
    assert conflicted[0].relationship_label.startswith("I am a trustee")
    assert len(conflict_register(actor=actor(world.officer), fund=world.fund)) == len(rows)
    with pytest.raises(PermissionDenied):
        conflict_register(actor=actor(world.members[1]), fund=world.fund)
    with pytest.raises(MfaRequired):
        conflict_register(actor=actor(world.chair, mfa=False), fund=world.fund)
    with pytest.raises(NotFound):
        conflict_register(actor=actor(UserFactory()), fund=world.fund)


def test_progress_counts_each_members_work(scoring_fund):
    world = scoring_fund
    declare_all(world, world.members[0], conflicted_on=(world.bids[2],))
    score_and_submit(world, world.members[0], world.bids[0])
    sheet_save(
        actor=actor(world.members[0]),
        bid=world.bids[1],
        scores={world.criteria[0].pk: ScoreInput(3)},
    )
    progress = scoring_progress(actor=actor(world.chair), fund=world.fund)
    mine = next(p for p in progress.members if p.member == world.members[0])
    assert (mine.declared, mine.conflicts, mine.submitted, mine.drafts, mine.to_score) == (
        3,
        1,
        1,
        1,
        1,
    )
    idle = next(p for p in progress.members if p.member == world.members[1])
    assert (idle.declared, idle.to_score) == (0, 3)


def test_comments_reach_the_chair_without_names(scoring_fund):
    world = scoring_fund
    declare_all(world, world.members[0])
    score_and_submit(world, world.members[0], world.bids[0])
    comments = anonymised_comments(actor=actor(world.chair), bid=world.bids[0])
    assert comments == [(c.name, "Reasoned") for c in world.criteria]
    with pytest.raises(PermissionDenied):
        anonymised_comments(actor=actor(world.members[1]), bid=world.bids[0])


def test_the_scoring_matrix_marks_conflicts_and_neutralises_formulas(scoring_fund):
    world = scoring_fund
    member = world.members[0]
    declare_all(world, member)
    hostile = '=HYPERLINK("http://evil.example","x")'
    scores = full_scores(world, 3, "fine")
    scores[world.criteria[0].pk] = ScoreInput(3, hostile)
    sheet_save(actor=actor(member), bid=world.bids[0], scores=scores)
    sheet_submit(actor=actor(member), bid=world.bids[0])
    other = world.members[1]
    conflict_declare(actor=actor(other), bid=world.bids[0], conflicted=True, relationship="family")
    text = scoring_matrix_csv(actor=actor(world.officer), fund=world.fund)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(world.bids) * len(world.panel) * len(world.criteria)
    cell = next(
        r
        for r in rows
        if r["member_id"] == str(member.pk)
        and r["criterion"] == world.criteria[0].name
        and r["bid_id"] == str(world.bids[0].pk)
    )
    assert cell["comment"] == "'" + hostile
    assert cell["score"] == "3"
    assert cell["sheet_status"] == "submitted"
    marked = {
        r["conflict"]
        for r in rows
        if r["member_id"] == str(other.pk) and r["bid_id"] == str(world.bids[0].pk)
    }
    assert marked == {"family"}
    assert not any(value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())


def test_only_the_chair_and_the_council_export_the_matrix(scoring_fund):
    world = scoring_fund
    auditor = UserFactory()
    grant(auditor, "auditor", council=world.fund.council)
    assert scoring_matrix_csv(actor=actor(auditor), fund=world.fund).startswith("bid_id,")
    assert scoring_matrix_csv(actor=actor(world.chair), fund=world.fund)
    with pytest.raises(PermissionDenied):
        scoring_matrix_csv(actor=actor(world.members[0]), fund=world.fund)
    with pytest.raises(MfaRequired):
        scoring_matrix_csv(actor=actor(auditor, mfa=False), fund=world.fund)
