"""Panel scoring pages: a member declares conflicts on every bid before seeing any content, then
scores the bids they are free to score (blind until their own are submitted); the chair follows
progress and flags, moderates, reopens and confirms the shortlist; auditors download the matrix.
Nobody else can, and every text is shown escaped."""

from __future__ import annotations

import csv
import io

import pytest

from backend.accounts.models import RoleGrant
from backend.accounts.services import role_revoke
from backend.bids.models import Bid
from backend.notifications.models import Notification
from backend.scoring.models import (
    ConflictDeclaration,
    Moderation,
    ScoreSheet,
    ScoringSettings,
    Shortlist,
    ShortlistEntry,
)
from backend.scoring.services import ScoreInput, sheet_save
from frontend.templatetags.govuk_forms import grouped
from frontend.templatetags.london_time import london
from tests.factories import UserFactory, actor, mfa_client, signed_in_client
from tests.scoring.conftest import (  # noqa: F401  (fixtures)
    ScoringFund,
    confirm_shortlist,
    declare_all,
    score_and_submit,
    scoring_fund,
    upload_root,
)

from .pages import read

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = b"&lt;script&gt;alert(1)&lt;/script&gt;"
MFA_MESSAGE = "Your role needs two-factor authentication."


def home_url(fund) -> str:
    return f"/funds/{fund.pk}/scoring/"


def declare_url(bid) -> str:
    return f"/bids/{bid.pk}/declare/"


def score_url(bid) -> str:
    return f"/bids/{bid.pk}/score/"


def dashboard_url(fund) -> str:
    return f"/funds/{fund.pk}/scoring/dashboard/"


def settings_url(fund) -> str:
    return f"/funds/{fund.pk}/scoring/settings/"


def csv_url(fund) -> str:
    return f"/funds/{fund.pk}/scoring/matrix.csv"


def moderate_url(bid) -> str:
    return f"/bids/{bid.pk}/moderate/"


def reopen_url(sheet) -> str:
    return f"/sheets/{sheet.pk}/reopen/"


def review_url(declaration) -> str:
    return f"/conflicts/{declaration.pk}/review/"


def shortlist_url(fund) -> str:
    return f"/funds/{fund.pk}/shortlist/"


def entry_url(fund, bid) -> str:
    return f"/funds/{fund.pk}/shortlist/{bid.pk}/"


def confirm_url(fund) -> str:
    return f"/funds/{fund.pk}/shortlist/confirm/"


def declaration(bid, choice="none", relationship="", description="") -> dict[str, str]:
    data = {f"bid-{bid.pk}-declaration": choice, f"bid-{bid.pk}-description": description}
    if relationship:
        data[f"bid-{bid.pk}-relationship"] = relationship
    return data


def sheet(world: ScoringFund, values: dict[int, int], comments=None, action="save"):
    """The sheet form's data: ``values`` and ``comments`` map a criterion's index to its answer."""
    comments = comments or {}
    data = {"action": action}
    for index, criterion in enumerate(world.criteria):
        if index in values:
            data[f"criterion_{criterion.pk}"] = str(values[index])
        data[f"comment_{criterion.pk}"] = comments.get(index, "")
    return data


def every(world: ScoringFund, value: int) -> dict[int, int]:
    return dict.fromkeys(range(len(world.criteria)), value)


def applicant_of(bid):
    return RoleGrant.objects.filter(organisation=bid.organisation_id, role="applicant").get().user


@pytest.fixture
def world(scoring_fund) -> ScoringFund:  # noqa: F811  (the fixture imported above)
    Bid.objects.filter(pk=scoring_fund.bids[0].pk).update(
        partners="Northside Toy Library", named_staff="Ada Lovelace (lead worker)"
    )
    return scoring_fund


@pytest.fixture
def declared(world) -> ScoringFund:
    """Everyone on the panel has declared "no conflict" on every bid."""
    for user in world.panel:
        declare_all(world, user)
    return world


# --- the conflicts step -------------------------------------------------------------------------


def test_a_member_declares_on_every_bid_before_seeing_any_content(world, member_client):
    page = read(member_client.get(home_url(world.fund)))

    assert page.h1 == "Scoring"
    assert "Step 1: declare any conflicts of interest" in page.text
    assert "You have declared on 0 of 3 bids." in page.text
    assert "Northside Toy Library" in page.text  # partners
    assert "Ada Lovelace (lead worker)" in page.text  # named staff
    for bid in world.bids:
        assert f"Bid from {bid.organisation.name}" in page.text
        assert bid.title not in page.text  # no content before every declaration
        assert not page.has_link(score_url(bid))
    assert "Stay and play" not in page.text  # the summary
    assert "Ineligible bid" not in page.text
    assert f"Scores must be submitted by {london(world.fund.voting_opens_at)}" in page.text
    assert "declaration" not in page.checked  # each form is prefixed by its bid
    assert f"bid-{world.bids[0].pk}-declaration" in page.checked
    assert member_client.get(score_url(world.bids[0])).status_code == 404

    for bid in world.bids:
        response = member_client.post(declare_url(bid), declaration(bid))
        assert response.status_code == 302
        assert response["Location"] == home_url(world.fund)

    page = read(member_client.get(home_url(world.fund)))
    assert f"You declared no conflict on the bid from {world.bids[2].organisation.name}." in (
        page.text
    )
    assert "Bids to score" in page.text
    for bid in world.bids:
        assert bid.title in page.text
        assert page.has_link(score_url(bid))
    assert page.text.count("Not started") == 3
    assert (
        ConflictDeclaration.objects.filter(member=world.members[0], conflicted=False).count() == 3
    )


def test_a_conflict_needs_a_relationship_and_keeps_what_was_typed(world, member_client):
    bid = world.bids[0]

    response = member_client.post(
        declare_url(bid), declaration(bid, "conflict", description="My sister runs it")
    )

    assert response.status_code == 200
    page = read(response)
    assert page.title.startswith("Error:")
    assert page.summary == [
        (f"#id_bid-{bid.pk}-relationship_0", "Choose how you are connected to the organisation.")
    ]
    assert page.checked[f"bid-{bid.pk}-declaration"] == ["conflict"]
    assert page.values[f"bid-{bid.pk}-description"] == "My sister runs it"
    assert not ConflictDeclaration.objects.exists()


def test_no_choice_is_an_error(world, member_client):
    bid = world.bids[0]
    page = read(member_client.post(declare_url(bid), {}))
    assert page.summary == [
        (f"#id_bid-{bid.pk}-declaration_0", "Choose no conflict or a conflict of interest.")
    ]


def test_a_conflicted_member_cannot_open_the_bid_and_it_is_not_in_their_list(
    world, member_client, member
):
    conflicted, *others = world.bids
    response = member_client.post(
        declare_url(conflicted),
        declaration(conflicted, "conflict", "trustee", "I chair its board"),
    )
    assert response.status_code == 302
    for bid in others:
        member_client.post(declare_url(bid), declaration(bid))

    page = read(member_client.get(home_url(world.fund)))

    assert "You declared a conflict of interest on the bid from" in page.text
    assert conflicted.title not in page.text
    assert not page.has_link(score_url(conflicted))
    assert f"Bid from {conflicted.organisation.name}" in page.text
    assert "Conflict of interest: you cannot score it" in page.text
    for bid in others:
        assert page.has_link(score_url(bid))
    refused = member_client.get(score_url(conflicted))
    assert refused.status_code == 404
    assert conflicted.title not in read(refused).text
    assert member_client.post(score_url(conflicted), sheet(world, every(world, 3))).status_code == (
        404
    )
    assert not ScoreSheet.objects.filter(member=member).exists()
    # The declaration stands: the page says so and offers no form.
    page = read(member_client.get(declare_url(conflicted)))
    assert "It stands for the rest of the fund" in page.text
    assert f"bid-{conflicted.pk}-declaration" not in page.checked


def test_a_late_conflict_voids_the_members_scores(world, member_client, member):
    declare_all(world, member)
    bid = world.bids[0]
    score_and_submit(world, member, bid)
    page = read(member_client.get(declare_url(bid)))
    assert "You declared no conflict on this bid" in page.text

    member_client.post(declare_url(bid), declaration(bid, "conflict", "friend", ""))

    assert ScoreSheet.objects.get(member=member, bid=bid).status == "void"
    assert member_client.get(score_url(bid)).status_code == 404
    assert bid.title not in read(member_client.get(home_url(world.fund))).text


# --- the scoring sheet --------------------------------------------------------------------------


def test_a_member_scores_a_bid_from_draft_to_submission(declared, member_client, member):
    world = declared
    bid = world.bids[0]
    first, second = world.criteria[0], world.criteria[1]

    page = read(member_client.get(score_url(bid)))

    assert page.h1 == bid.title
    assert bid.organisation.name in page.text
    for shown in ("Stay and play", "Isolation", "School readiness", "Surveys", "Twice a week"):
        assert shown in page.text
    assert "£12,000.00" in page.text
    assert "120" in page.text
    assert "Cost per beneficiary £100.00 (fund median £100.00)" in page.text
    assert "Evidence level Level 2 (fund median 2.0)" in page.text
    assert page.checked[f"criterion_{first.pk}"] == []
    assert f"1. {first.name}" in page.text
    for level, text in enumerate(first.level_descriptions):
        if text:
            assert f"{level}: {text}" in page.text
    assert "A comment is required for the lowest and highest scores." in page.text
    assert "cannot change them unless the chair reopens them" in page.text
    assert "You will see other members' scores for this bid once you have submitted" in page.text

    response = member_client.post(score_url(bid), sheet(world, {0: 4}, {0: "Strong need"}))

    assert response.status_code == 302
    assert response["Location"] == score_url(bid)
    page = read(member_client.get(score_url(bid)))
    assert f"Your draft scores for “{bid.title}” are saved." in page.text
    assert page.checked[f"criterion_{first.pk}"] == ["4"]
    assert page.values[f"comment_{first.pk}"] == "Strong need"
    assert page.checked[f"criterion_{second.pk}"] == []
    assert read(member_client.get(home_url(world.fund))).text.count("Draft") == 1

    response = member_client.post(
        score_url(bid), sheet(world, every(world, 3) | {1: 5}, {0: "Fine"}, action="submit")
    )
    assert response.status_code == 200
    page = read(response)
    assert page.summary == [
        (f"#id_criterion_{second.pk}_0", f"Explain a score of 5 for “{second.name}” in a comment.")
    ]

    response = member_client.post(
        score_url(bid), sheet(world, every(world, 3) | {1: 5}, {1: "Exceptional"}, "submit")
    )

    assert response.status_code == 302
    page = read(member_client.get(score_url(bid)))
    assert f"Your scores for “{bid.title}” are submitted. Only the chair can reopen them." in (
        page.text
    )
    assert f"criterion_{first.pk}" not in page.checked  # read-only now
    assert "Exceptional" in page.text
    assert "5 out of 5" in page.text
    assert ScoreSheet.objects.get(member=member, bid=bid).status == "submitted"
    assert "Submitted" in read(member_client.get(home_url(world.fund))).text
    # A locked sheet cannot be posted to.
    again = member_client.post(score_url(bid), sheet(world, every(world, 1), {}, "save"))
    assert again.status_code == 200
    assert "submitted and locked" in read(again).text


def test_submitting_lists_every_criterion_at_once_and_keeps_what_was_typed(declared, member_client):
    world = declared
    bid = world.bids[0]
    c = world.criteria

    response = member_client.post(
        score_url(bid),
        sheet(world, {0: 0, 1: 3}, {1: "Kept comment", 3: "Comment, no score"}, action="submit"),
    )

    assert response.status_code == 200
    page = read(response)
    assert page.title.startswith("Error:")
    assert page.summary == [
        (f"#id_criterion_{c[0].pk}_0", f"Explain a score of 0 for “{c[0].name}” in a comment."),
        (f"#id_criterion_{c[2].pk}_0", f"Score “{c[2].name}”."),
        (f"#id_criterion_{c[3].pk}_0", f"Score “{c[3].name}”."),
        (f"#id_criterion_{c[4].pk}_0", f"Score “{c[4].name}”."),
    ]
    assert page.error_for(f"criterion_{c[2].pk}") == f"Score “{c[2].name}”."
    assert page.checked[f"criterion_{c[0].pk}"] == ["0"]
    assert page.checked[f"criterion_{c[1].pk}"] == ["3"]
    assert page.values[f"comment_{c[1].pk}"] == "Kept comment"
    assert page.values[f"comment_{c[3].pk}"] == "Comment, no score"
    assert ScoreSheet.objects.get(bid=bid).status == "draft"


def test_a_draft_comment_without_a_score_is_an_error_not_a_silent_drop(declared, member_client):
    world = declared
    bid = world.bids[0]
    c = world.criteria[2]

    page = read(member_client.post(score_url(bid), sheet(world, {0: 2}, {2: "Some thoughts"})))

    assert page.summary == [
        (f"#id_criterion_{c.pk}_0", f"Choose a score for “{c.name}” to go with your comment.")
    ]
    assert page.values[f"comment_{c.pk}"] == "Some thoughts"
    assert not ScoreSheet.objects.filter(bid=bid).exists()


def test_a_score_outside_the_scale_is_refused_next_to_its_criterion(declared, member_client):
    world = declared
    c = world.criteria[0]
    page = read(member_client.post(score_url(world.bids[0]), sheet(world, {0: 9})))
    assert page.summary[0][0] == f"#id_criterion_{c.pk}_0"
    assert not ScoreSheet.objects.exists()


# --- the blind rule -----------------------------------------------------------------------------


def test_others_scores_appear_only_once_the_members_own_are_submitted(declared, member_client):
    world = declared
    bid = world.bids[0]
    other = world.members[1]
    sheet_save(
        actor=actor(other),
        bid=bid,
        scores={c.pk: ScoreInput(4, "Another member's secret view") for c in world.criteria},
    )
    from backend.scoring.services import sheet_submit

    sheet_submit(actor=actor(other), bid=bid)

    before = member_client.get(score_url(bid))
    assert "Another member's secret view" not in before.content.decode()
    assert "Scorer 1" not in read(before).text
    assert "once you have submitted your own" in read(before).text

    member_client.post(score_url(bid), sheet(world, every(world, 3), {}, action="submit"))

    after = read(member_client.get(score_url(bid)))
    assert "Scorer 1 · 80.00 out of 100" in after.text
    assert "Another member's secret view" in after.text
    assert other.email not in after.text
    assert not other.full_name or other.full_name not in after.text


# --- the chair's dashboard ----------------------------------------------------------------------


def test_the_dashboard_shows_progress_conflicts_scores_and_flags(world, chair_client):
    chair, first, second, third = world.panel
    declare_all(world, chair)
    declare_all(world, first, conflicted_on=(world.bids[0],))
    declare_all(world, second)
    score_and_submit(world, chair, world.bids[0], value=1)
    score_and_submit(world, second, world.bids[0], value=5)
    sheet_save(actor=actor(second), bid=world.bids[1], scores={world.criteria[0].pk: ScoreInput(2)})

    response = chair_client.get(dashboard_url(world.fund))

    assert response.status_code == 200
    page = read(response)
    assert page.h1 == "Scoring dashboard"
    assert "3 eligible bids." in page.text
    assert "Declared on 3 of 3 bids" in page.text
    assert "Declared on 0 of 3 bids" in page.text  # the third member
    assert page.has_link(csv_url(world.fund))
    assert page.has_link(shortlist_url(world.fund))
    assert page.has_link(moderate_url(world.bids[0]))
    # The conflicts register and who has still to declare.
    assert "I am a trustee, director or committee member of it" in page.text
    assert "I sit on its board." in page.text
    assert f"{third.full_name or third.email} on the bid from" in page.text
    # The first bid: totals 20 and 100, mean 60, two scorers (three needed).
    assert "Score used 60.00" in page.text
    assert "20.00 to 100.00 (80.00 points)" in page.text
    assert "Disagreement The scorers' totals differ by more than 20 points" in page.text
    assert "Too few scorers Fewer than 3 members without a conflict" in page.text
    sheets = ScoreSheet.objects.filter(bid=world.bids[0], status="submitted")
    for submitted in sheets:
        assert page.has_link(reopen_url(submitted)) is False  # a form, not a link
        assert f'action="{reopen_url(submitted)}"' in response.content.decode()
    assert "Calibrate scorers?" in page.text  # the settings form
    assert page.checked["calibrate"] == ["no"]
    assert page.values["disagreement_threshold"] == "20"
    assert page.values["reminder_hours"] == "72, 24"


def test_officers_and_auditors_see_the_dashboard_read_only(declared, officer, auditor):
    world = declared
    score_and_submit(world, world.chair, world.bids[0])
    for client in (mfa_client(officer), mfa_client(auditor)):
        response = client.get(dashboard_url(world.fund))
        assert response.status_code == 200
        page = read(response)
        assert "calibrate" not in page.checked
        assert 'action="/sheets/' not in response.content.decode()
        assert "Calibrate scorers No" in page.text


def test_the_chair_sets_the_scoring_settings(world, chair_client):
    data = {
        "calibrate": "yes",
        "disagreement_threshold": "15",
        "min_scorers": "2",
        "reminder_hours": "a, b",
    }
    page = read(chair_client.post(settings_url(world.fund), data))
    assert page.summary == [
        ("#id_reminder_hours", "Enter whole numbers of hours separated by commas, like 72, 24.")
    ]
    assert page.values["disagreement_threshold"] == "15"

    page = read(chair_client.post(settings_url(world.fund), data | {"reminder_hours": "999"}))
    [(anchor, message)] = page.summary  # the service's message, next to the field
    assert anchor == "#id_reminder_hours"
    assert message.startswith("Give at most five reminders")
    assert page.error_for("reminder_hours") == message

    response = chair_client.post(settings_url(world.fund), data | {"reminder_hours": "24, 48"})

    assert response.status_code == 302
    assert response["Location"] == dashboard_url(world.fund)
    settings = ScoringSettings.objects.get(fund=world.fund)
    assert (settings.calibrate, settings.disagreement_threshold, settings.min_scorers) == (
        True,
        15,
        2,
    )
    assert settings.reminder_hours == [48, 24]
    assert (
        "The scoring settings are saved." in read(chair_client.get(dashboard_url(world.fund))).text
    )


def test_the_chair_moderates_a_bid(declared, chair_client):
    world = declared
    bid = world.bids[0]
    score_and_submit(world, world.members[0], bid)

    page = read(chair_client.get(moderate_url(bid)))
    assert page.h1 == bid.title
    assert "Raw score 60.00" in page.text

    page = read(chair_client.post(moderate_url(bid), {"score": "72.555", "reason": "Kept"}))
    assert page.summary == [("#id_score", "Use at most two decimal places.")]
    assert page.values["reason"] == "Kept"
    page = read(chair_client.post(moderate_url(bid), {"score": "", "reason": ""}))
    assert [anchor for anchor, _m in page.summary] == ["#id_score", "#id_reason"]

    response = chair_client.post(
        moderate_url(bid), {"score": "72.5", "reason": "Strong local evidence"}
    )

    assert response.status_code == 302
    assert response["Location"] == dashboard_url(world.fund)
    assert Moderation.objects.get(bid=bid).reason == "Strong local evidence"
    page = read(chair_client.get(dashboard_url(world.fund)))
    assert "The moderated score for" in page.text
    assert "Score used 72.50" in page.text
    assert "Moderated score 72.50 Strong local evidence" in page.text
    assert "Moderated The chair recorded a moderated score" in page.text


def test_the_chair_reopens_a_sheet_with_a_reason(declared, chair_client, member_client, member):
    world = declared
    bid = world.bids[0]
    score_and_submit(world, member, bid)
    submitted = ScoreSheet.objects.get(member=member, bid=bid)

    response = chair_client.post(reopen_url(submitted), {f"sheet-{submitted.pk}-reason": " "})
    assert response.status_code == 200
    page = read(response)
    assert page.summary == [
        (f"#id_sheet-{submitted.pk}-reason", "Give the reason for reopening these scores.")
    ]
    assert ScoreSheet.objects.get(pk=submitted.pk).status == "submitted"

    response = chair_client.post(
        reopen_url(submitted), {f"sheet-{submitted.pk}-reason": "Please look at criterion 2"}
    )

    assert response.status_code == 302
    assert ScoreSheet.objects.get(pk=submitted.pk).status == "draft"
    assert "are reopened" in read(chair_client.get(dashboard_url(world.fund))).text
    page = read(member_client.get(score_url(bid)))
    assert "The chair reopened your scores" in page.text
    assert "Please look at criterion 2" in page.text
    assert page.checked[f"criterion_{world.criteria[0].pk}"] == ["3"]  # editable again
    assert Notification.objects.filter(kind="sheet_reopened", recipient_user=member).exists()


def test_an_officer_reviews_a_late_conflict(declared, officer, member):
    world = declared
    confirm_shortlist(world)
    from backend.scoring.services import conflict_declare

    late = conflict_declare(
        actor=actor(member), bid=world.bids[0], conflicted=True, relationship="family"
    )
    client = mfa_client(officer)

    page = read(client.get(dashboard_url(world.fund)))
    assert "A family member or partner of mine is involved with it" in page.text
    page = read(client.post(review_url(late), {f"conflict-{late.pk}-note": ""}))
    assert page.summary == [
        (f"#id_conflict-{late.pk}-note", "Say what was done about the conflict.")
    ]

    response = client.post(review_url(late), {f"conflict-{late.pk}-note": "Checked: no effect"})

    assert response.status_code == 302
    page = read(client.get(dashboard_url(world.fund)))
    assert "Reviewed by" in page.text
    assert "Checked: no effect" in page.text
    # The chair sees it but does not review it.
    response = mfa_client(world.chair).post(review_url(late), {f"conflict-{late.pk}-note": "Chair"})
    assert response.status_code == 403


# --- the export ---------------------------------------------------------------------------------


def test_the_scoring_matrix_downloads_as_safe_csv(declared, auditor, member):
    world = declared
    bid = world.bids[0]
    sheet_save(
        actor=actor(member),
        bid=bid,
        scores={c.pk: ScoreInput(3, '=HYPERLINK("http://evil")') for c in world.criteria},
    )

    response = mfa_client(auditor).get(csv_url(world.fund))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="fund-{world.fund.pk}-scoring-matrix.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "bid_id",
        "bid_title",
        "organisation",
        "member_id",
        "member",
        "conflict",
        "sheet_status",
        "criterion",
        "weight",
        "score",
        "comment",
    ]
    assert len(rows) == 1 + 3 * 4 * 5
    comments = {row[10] for row in rows[1:] if row[3] == str(member.pk) and row[0] == str(bid.pk)}
    assert comments == {'\'=HYPERLINK("http://evil")'}


# --- the shortlist ------------------------------------------------------------------------------


def test_the_chair_proposes_writes_feedback_and_confirms_the_shortlist(declared, chair_client):
    world = declared
    top, middle, bottom = world.bids
    for user in world.panel:
        score_and_submit(world, user, top, value=5)
        score_and_submit(world, user, middle, value=3)
        score_and_submit(world, user, bottom, value=1)

    page = read(chair_client.get(shortlist_url(world.fund)))
    assert "Choose a rule to propose" in page.text
    assert page.checked["rule"] == []

    page = read(chair_client.post(shortlist_url(world.fund), {"rule": "top_n", "parameter": "x"}))
    assert page.summary == [("#id_parameter", "Enter a whole number of bids, 1 or more.")]
    assert page.checked["rule"] == ["top_n"]

    response = chair_client.post(shortlist_url(world.fund), {"rule": "top_n", "parameter": "2"})

    assert response.status_code == 302
    page = read(chair_client.get(shortlist_url(world.fund)))
    assert "The shortlist is proposed." in page.text
    assert (
        page.text.index(top.title) < page.text.index(middle.title) < page.text.index(bottom.title)
    )
    assert "100.00" in page.text
    assert "£12,000.00" in page.text
    assert "In the top N" in page.text
    assert "Outside the top N" in page.text
    assert page.text.count("Not shortlisted") == 1
    assert "Reasoned" in page.text  # the anonymised comments beside the feedback box
    assert page.values[f"bid-{top.pk}-feedback"] == ""

    response = chair_client.post(
        entry_url(world.fund, top),
        {f"bid-{top.pk}-feedback": "A clear plan", f"bid-{top.pk}-exclusive_group": "north"},
    )
    assert response.status_code == 302
    page = read(chair_client.get(shortlist_url(world.fund)))
    assert f"Saved the feedback on “{top.title}”." in page.text
    assert page.values[f"bid-{top.pk}-feedback"] == "A clear plan"
    assert page.values[f"bid-{top.pk}-exclusive_group"] == "north"

    response = chair_client.post(confirm_url(world.fund), {})

    assert response.status_code == 302
    shortlist = Shortlist.objects.get(fund=world.fund)
    assert shortlist.confirmed_at is not None
    page = read(chair_client.get(shortlist_url(world.fund)))
    assert "The shortlist is confirmed. The applicants have been told." in page.text
    assert grouped(shortlist.snapshot_sha256, 8) in page.text
    assert "rule" not in page.checked
    assert f"bid-{top.pk}-feedback" not in page.values
    assert "A clear plan" in page.text
    assert ShortlistEntry.objects.get(bid=top).feedback == "A clear plan"
    notified = Notification.objects.filter(kind="shortlist_decided", subject_id=str(top.pk))
    assert {row.recipient_user_id for row in notified} == {applicant_of(top).pk}
    # Confirmed: read-only for the panel's members too.
    member_page = read(signed_in_client(world.members[0]).get(shortlist_url(world.fund)))
    assert grouped(shortlist.snapshot_sha256, 8) in member_page.text
    assert "Reasoned" not in member_page.text  # the comments are for the chair and the council
    # Each applicant reads the outcome, and the feedback, on their bid's page.
    top_page = read(signed_in_client(applicant_of(top)).get(f"/bids/{top.pk}/"))
    assert "The community panel shortlisted this bid" in top_page.text
    assert "A clear plan" in top_page.text
    bottom_page = read(signed_in_client(applicant_of(bottom)).get(f"/bids/{bottom.pk}/"))
    assert "did not shortlist this bid" in bottom_page.text


def test_confirming_a_proposal_that_shortlists_nothing_is_refused(declared, chair_client):
    world = declared
    score_and_submit(world, world.chair, world.bids[0], value=1)
    chair_client.post(shortlist_url(world.fund), {"rule": "min_score", "parameter": "90"})

    response = chair_client.post(confirm_url(world.fund), {})

    assert response.status_code == 200
    page = read(response)
    assert page.summary == [("", "The proposal shortlists no bid: choose another rule.")]
    assert Shortlist.objects.get(fund=world.fund).confirmed_at is None


def test_officers_and_auditors_read_the_shortlist(declared, officer, auditor):
    world = declared
    score_and_submit(world, world.chair, world.bids[0])
    chair = mfa_client(world.chair)
    chair.post(shortlist_url(world.fund), {"rule": "top_n", "parameter": "1"})
    for client in (mfa_client(officer), mfa_client(auditor)):
        page = read(client.get(shortlist_url(world.fund)))
        assert world.bids[0].title in page.text
        assert "rule" not in page.checked
        assert not any(name.endswith("-feedback") for name in page.values)
        assert client.post(confirm_url(world.fund), {}).status_code == 403
    assert Shortlist.objects.get(fund=world.fund).confirmed_at is None


# --- who may see and do what --------------------------------------------------------------------


CLIENTS = {
    "member": lambda w: signed_in_client(w.members[0]),
    "chair": lambda w: mfa_client(w.chair),
    "chair_without_mfa": lambda w: signed_in_client(w.chair),
    "officer": lambda w: mfa_client(w.officer),
    "officer_without_mfa": lambda w: signed_in_client(w.officer),
    "auditor": lambda w: mfa_client(RoleGrant.objects.get(role="auditor").user),
    "applicant": lambda w: signed_in_client(applicant_of(w.bids[0])),
    "stranger": lambda w: signed_in_client(UserFactory()),
}

# who: (home, declare, score, dashboard, moderate, csv, shortlist)
EXPECTED = {
    "member": (200, 200, 200, 403, 403, 403, 200),
    "chair": (200, 200, 200, 200, 200, 200, 200),
    "chair_without_mfa": (403, 403, 403, 403, 403, 403, 403),
    "officer": (302, 404, 404, 200, 200, 200, 200),
    "officer_without_mfa": (404, 404, 403, 404, 403, 404, 404),
    "auditor": (302, 404, 404, 200, 403, 200, 200),
    "applicant": (404, 404, 404, 404, 404, 404, 404),
    "stranger": (404, 404, 404, 404, 404, 404, 404),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_who_may_open_the_scoring_pages(declared, auditor, who):
    world = declared
    bid = world.bids[0]
    client = CLIENTS[who](world)
    urls = [
        home_url(world.fund),
        declare_url(bid),
        score_url(bid),
        dashboard_url(world.fund),
        moderate_url(bid),
        csv_url(world.fund),
        shortlist_url(world.fund),
    ]

    statuses = tuple(client.get(url).status_code for url in urls)

    assert statuses == EXPECTED[who]
    if who == "chair_without_mfa":
        assert MFA_MESSAGE in read(client.get(score_url(bid))).text
    if who in {"officer", "auditor"}:
        assert client.get(urls[0])["Location"] == dashboard_url(world.fund)


VALID_SETTINGS = {
    "calibrate": "yes",
    "disagreement_threshold": "5",
    "min_scorers": "2",
    "reminder_hours": "24",
}


@pytest.mark.parametrize("who", ["member", "chair_without_mfa", "auditor", "applicant", "stranger"])
def test_refused_posts_change_nothing(declared, auditor, member, who):
    world = declared
    bid = world.bids[0]
    score_and_submit(world, member, bid)
    submitted = ScoreSheet.objects.get(member=member, bid=bid)
    client = CLIENTS[who](world)
    if who == "member":
        client = signed_in_client(world.members[1])

    responses = [
        client.post(settings_url(world.fund), VALID_SETTINGS),
        client.post(moderate_url(bid), {"score": "10", "reason": "x"}),
        client.post(reopen_url(submitted), {f"sheet-{submitted.pk}-reason": "x"}),
        client.post(shortlist_url(world.fund), {"rule": "top_n", "parameter": "1"}),
        client.post(confirm_url(world.fund), {}),
    ]

    assert all(response.status_code in {403, 404} for response in responses)
    assert not ScoringSettings.objects.exists()
    assert not Moderation.objects.exists()
    assert ScoreSheet.objects.get(pk=submitted.pk).status == "submitted"
    assert not Shortlist.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, declared):
    world = declared
    bid = world.bids[0]
    for response in (
        client.get(home_url(world.fund)),
        client.get(score_url(bid)),
        client.post(declare_url(bid), declaration(bid)),
        client.post(score_url(bid), sheet(world, every(world, 3))),
        client.get(dashboard_url(world.fund)),
        client.get(csv_url(world.fund)),
        client.get(shortlist_url(world.fund)),
        client.post(confirm_url(world.fund), {}),
    ):
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert not ScoreSheet.objects.exists()


# --- what is shown ------------------------------------------------------------------------------


def test_every_text_is_shown_escaped(world, member, chair_client, member_client):
    bid = world.bids[0]
    Bid.objects.filter(pk=bid.pk).update(
        title=f"Play {SCRIPT}",
        partners=f"<b>Partner</b> {SCRIPT}",
        named_staff=f"Staff {SCRIPT}",
        summary=f"<i>Sum</i> {SCRIPT}",
    )
    organisation = bid.organisation
    organisation.name = f"{SCRIPT} CIC"
    organisation.save(update_fields=["name"])
    world.criteria[0].level_descriptions = [f"Level {SCRIPT}"] * 6
    world.criteria[0].description = f"<u>Criterion</u> {SCRIPT}"
    world.criteria[0].save(update_fields=["level_descriptions", "description"])

    pages = [member_client.get(home_url(world.fund))]  # the conflicts step
    pages.append(
        member_client.post(declare_url(bid), declaration(bid, "conflict", description=SCRIPT))
    )  # an error page showing what was typed
    declare_all(world, member)
    declare_all(world, world.chair)
    pages.append(member_client.get(home_url(world.fund)))
    pages.append(
        member_client.post(
            score_url(bid), sheet(world, {0: 0}, {0: f"Comment {SCRIPT}"}, action="submit")
        )
    )
    member_client.post(
        score_url(bid), sheet(world, every(world, 0), every(world, f"Comment {SCRIPT}"), "submit")
    )
    from backend.scoring.services import conflict_declare

    conflict_declare(
        actor=actor(world.members[1]),
        bid=bid,
        conflicted=True,
        relationship="other",
        description=f"Why {SCRIPT}",
    )
    chair_client.post(moderate_url(bid), {"score": "50", "reason": f"Reason {SCRIPT}"})
    pages.append(member_client.get(score_url(bid)))
    pages.append(chair_client.get(dashboard_url(world.fund)))
    pages.append(chair_client.get(moderate_url(bid)))
    chair_client.post(shortlist_url(world.fund), {"rule": "top_n", "parameter": "1"})
    chair_client.post(entry_url(world.fund, bid), {f"bid-{bid.pk}-feedback": f"Feedback {SCRIPT}"})
    pages.append(chair_client.get(shortlist_url(world.fund)))

    for page in pages:
        assert page.status_code == 200
        assert SCRIPT.encode() not in page.content
        for raw in (b"<b>Partner</b>", b"<i>Sum</i>", b"<u>Criterion</u>"):
            assert raw not in page.content
        assert ESCAPED_SCRIPT in page.content
    dashboard = pages[-3].content
    for shown in (b"Play &lt;script&gt;", b"Why &lt;script&gt;", b"Reason &lt;script&gt;"):
        assert shown in dashboard
    assert b"Feedback &lt;script&gt;" in pages[-1].content
    assert b"Comment &lt;script&gt;" in pages[-1].content
    assert b"Level &lt;script&gt;" in pages[3].content
    assert b"&lt;u&gt;Criterion&lt;/u&gt;" in pages[3].content


def test_the_matrix_keeps_the_scores_of_a_member_who_has_left_the_panel(declared, auditor):
    world = declared
    leaver = world.members[0]
    score_and_submit(world, leaver, world.bids[0], value=4)
    role_revoke(
        actor=actor(world.officer),
        grant=RoleGrant.objects.get(user=leaver, role="panel_member", revoked_at=None),
    )

    client = mfa_client(auditor)

    response = client.get(csv_url(world.fund))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert "Raw score 80.00" in read(client.get(dashboard_url(world.fund))).text  # counted
    assert any(row[3] == str(leaver.pk) and row[9] == "4" for row in rows[1:])


def test_a_late_conflict_after_the_shortlist_does_not_make_work_left_negative(declared, member):
    world = declared
    for bid in world.bids:
        score_and_submit(world, member, bid)
    confirm_shortlist(world)
    from backend.scoring.services import conflict_declare

    conflict_declare(actor=actor(member), bid=world.bids[0], conflicted=True, relationship="friend")

    page = read(mfa_client(world.officer).get(dashboard_url(world.fund)))
    assert "Still to score -1" not in page.text


def test_an_officer_moderates_a_bid_on_which_the_chair_is_conflicted(world, officer):
    chair_conflicted = world.bids[0]
    declare_all(world, world.chair, conflicted_on=(chair_conflicted,))
    for user in world.members:
        declare_all(world, user)
        score_and_submit(world, user, chair_conflicted)
    client = mfa_client(officer)

    assert client.get(moderate_url(chair_conflicted)).status_code == 200
    response = client.post(
        moderate_url(chair_conflicted), {"score": "55", "reason": "Chair conflicted"}
    )

    assert response.status_code == 302
    assert Moderation.objects.get(bid=chair_conflicted).moderated_by == officer
    # The officer may not moderate a bid the chair is free to moderate.
    refused = client.post(moderate_url(world.bids[1]), {"score": "55", "reason": "No"})
    assert refused.status_code == 403
    assert "The panel chair moderates this bid." in read(refused).text
    # The conflicted chair cannot open the bid at all.
    assert mfa_client(world.chair).get(moderate_url(chair_conflicted)).status_code == 404


def test_the_members_list_and_the_sheet_read_a_bounded_number_of_queries(declared, member_client):
    """The list reads every bid's status in a fixed number of queries, not one sheet per bid."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = declared
    score_and_submit(world, world.members[0], world.bids[1])
    member_client.get(home_url(world.fund))
    with CaptureQueriesContext(connection) as home:
        assert member_client.get(home_url(world.fund)).status_code == 200
    with CaptureQueriesContext(connection) as sheet_page:
        assert member_client.get(score_url(world.bids[0])).status_code == 200
    assert len(home) <= 30
    assert len(sheet_page) <= 30
