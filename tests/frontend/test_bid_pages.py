"""The applicant's bid pages: start a bid, answer each section (save and continue), upload files
as their own step, declare, check the answers, submit, see the confirmation and the dashboard;
withdraw; see the screening outcome. Who may see which page; every text shown escaped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.bids.declarations import DECLARATION_CODES, DECLARATIONS
from backend.bids.models import Attachment, Bid, Status
from backend.bids.services import (
    BudgetLineInput,
    bid_create,
    bid_set_declarations,
    bid_submit,
    bid_update,
    bid_withdraw,
    budget_line_set,
    screening_decide,
    screening_record_item,
)
from backend.funds.models import EligibilityItem, Phase, Pot
from backend.funds.services import fund_transition
from tests.bids.helpers import (
    DOCM_CONTENT_TYPES,
    EXE,
    PDF,
    PNG,
    docx,
    open_fund,
)
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    actor,
    grant,
    mfa_client,
    signed_in_client,
)

from .pages import read

pytestmark = pytest.mark.django_db

SECTION_SLUGS = [
    "about",
    "need",
    "outcomes",
    "evidence",
    "delivery",
    "people",
    "budget",
    "declarations",
]
ANSWERS = {
    "about": {"title": "Stay and play", "summary": "Weekly sessions for families"},
    "need": {"need": "Isolation of new parents", "population_served": "Under-fives in Eastfield"},
    "outcomes": {"outcomes": "School readiness"},
    "evidence": {"evidence_level": "2", "evidence_sources": "Our surveys, 2024"},
    "delivery": {"delivery_plan": "Twice a week in the community centre"},
    "people": {"beneficiaries": "120", "partners": "Eastfield Library", "named_staff": "A. Lead"},
    "budget": {
        "rows": "3",
        "description_0": "Sessional workers",
        "amount_0": "10,000",
        "description_1": "Room hire",
        "amount_1": "£2,000.50",
        "description_2": "",
        "amount_2": "",
    },
    "declarations": {"declarations": list(DECLARATION_CODES)},
}


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.FAIRFUND_UPLOAD_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def fund(council, panel, officer, chair):
    return open_fund(council=council, panel=panel, officer=officer, chair=chair)


def complete_draft(fund, organisation, applicant, *, title="Play", **answers) -> Bid:
    """A draft with every answer given, one budget line and every declaration: ready to submit."""
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation, title=title)
    bid_update(
        actor=actor(applicant),
        bid=bid,
        **{
            "summary": "Stay and play",
            "need": "Isolation",
            "population_served": "Under-fives",
            "outcomes": "School readiness",
            "evidence_level": 2,
            "evidence_sources": "Surveys",
            "delivery_plan": "Twice a week",
            "beneficiaries": 120,
            **answers,
        },
    )
    budget_line_set(
        actor=actor(applicant), bid=bid, lines=[BudgetLineInput("Sessional workers", 1_200_000)]
    )
    bid_set_declarations(actor=actor(applicant), bid=bid, accepted=DECLARATION_CODES)
    bid.refresh_from_db()
    return bid


@pytest.fixture
def draft(fund, organisation, applicant):
    return complete_draft(fund, organisation, applicant)


@pytest.fixture
def submitted(draft, applicant):
    bid_submit(actor=actor(applicant), bid=draft)
    draft.refresh_from_db()
    return draft


def section_url(bid, slug) -> str:
    return f"/bids/{bid.pk}/edit/{slug}/"


def upload(client, bid, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/bids/{bid.pk}/attachments/", {"file": SimpleUploadedFile(name, content)})


# --- the journey --------------------------------------------------------------------------------


def test_the_whole_applicant_journey(applicant_client, fund, organisation, applicant):
    dashboard = read(applicant_client.get("/bids/"))
    assert dashboard.h1 == "My bids"
    assert "Your organisations have no bids yet." in dashboard.text
    assert dashboard.has_link("/funds/open/")

    start = applicant_client.get(f"/funds/{fund.pk}/bids/new/")
    assert start.status_code == 200
    assert f"Bidding as {organisation.name}." in read(start).text
    response = applicant_client.post(f"/funds/{fund.pk}/bids/new/", {"title": "Stay and play"})
    bid = Bid.objects.get(organisation=organisation)
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{bid.pk}/"
    assert (bid.title, bid.status, bid.created_by) == ("Stay and play", Status.DRAFT, applicant)

    tasks = read(applicant_client.get(f"/bids/{bid.pk}/"))
    assert tasks.h1 == "Stay and play"
    assert "Your bid is started." in tasks.text
    assert "You have completed 0 of 8 sections." in tasks.text
    assert "Submit your bid before" in tasks.text
    assert "(London time)" in tasks.text
    for slug in SECTION_SLUGS:
        assert tasks.has_link(section_url(bid, slug))
    assert tasks.has_link(f"/bids/{bid.pk}/attachments/")
    assert tasks.has_link(f"/bids/{bid.pk}/submit/")

    # Save and continue leads through every section in order; the attachments follow the budget.
    expected_next = [section_url(bid, slug) for slug in SECTION_SLUGS[1:7]] + [
        f"/bids/{bid.pk}/attachments/"
    ]
    for slug, next_url in zip(SECTION_SLUGS[:7], expected_next, strict=True):
        page = applicant_client.get(section_url(bid, slug))
        assert page.status_code == 200, slug
        response = applicant_client.post(
            section_url(bid, slug), {**ANSWERS[slug], "next": "continue"}
        )
        assert response.status_code == 302, (slug, read(response).summary)
        assert response["Location"] == next_url

    response = upload(applicant_client, bid, "plan.pdf", PDF)
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{bid.pk}/attachments/"
    attachments = read(applicant_client.get(f"/bids/{bid.pk}/attachments/"))
    assert "plan.pdf is attached." in attachments.text
    assert "plan.pdf" in attachments.text
    assert attachments.has_link(section_url(bid, "declarations"))

    response = applicant_client.post(
        section_url(bid, "declarations"), {**ANSWERS["declarations"], "next": "continue"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{bid.pk}/submit/"

    tasks = read(applicant_client.get(f"/bids/{bid.pk}/"))
    assert "You have completed 8 of 8 sections." in tasks.text
    assert "Ready to submit" in tasks.text

    check = read(applicant_client.get(f"/bids/{bid.pk}/submit/"))
    assert check.h1 == "Check your answers before you submit your bid"
    for text in (
        "Weekly sessions for families",
        "Isolation of new parents",
        "Under-fives in Eastfield",
        "School readiness",
        "Level 2",
        "Our surveys, 2024",
        "Twice a week in the community centre",
        "120",
        "Eastfield Library",
        "A. Lead",
        "Sessional workers: £10,000.00",
        "Room hire: £2,000.50",
        "£12,000.50",  # amount requested
        "£100.00",  # cost per beneficiary, rounded: £12,000.50 / 120
        "plan.pdf",
        str(DECLARATIONS[0][1]),
    ):
        assert text in check.text, text
    assert check.has_link(f"{section_url(bid, 'need')}#id_population_served")
    assert check.has_link(f"{section_url(bid, 'evidence')}#id_evidence_level_0")
    assert check.has_link(f"{section_url(bid, 'budget')}#id_description_0")
    assert check.has_link(f"/bids/{bid.pk}/attachments/")

    response = applicant_client.post(f"/bids/{bid.pk}/submit/")
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{bid.pk}/submitted/"
    bid.refresh_from_db()
    assert bid.status == Status.SUBMITTED
    assert bid.amount_requested_pence == 1_200_050

    confirmation = read(applicant_client.get(f"/bids/{bid.pk}/submitted/"))
    assert confirmation.h1 == "Bid submitted"
    assert f"Your reference number {bid.pk}" in confirmation.text
    assert bid.submitted_snapshot_sha256 in confirmation.text
    assert "What happens next" in confirmation.text
    assert "GMT" in confirmation.text or "BST" in confirmation.text

    dashboard = read(applicant_client.get("/bids/"))
    assert "Submitted (1)" in dashboard.text
    assert "Stay and play" in dashboard.text
    assert fund.name in dashboard.text
    assert "£12,000.50" in dashboard.text
    assert dashboard.has_link(f"/bids/{bid.pk}/")

    detail = read(applicant_client.get(f"/bids/{bid.pk}/"))
    assert bid.submitted_snapshot_sha256 in detail.text
    assert "Weekly sessions for families" in detail.text
    assert not detail.has_link(section_url(bid, "about") + "#id_title")  # read-only now


def test_save_and_come_back_later_returns_to_the_task_list(applicant_client, fund, draft):
    bid = bid_create(
        actor=actor(draft.created_by), fund=fund, organisation=draft.organisation, title="New"
    )
    tasks = read(applicant_client.get(f"/bids/{bid.pk}/"))
    assert "In progress" in tasks.text  # the title is given, the summary not yet
    assert "Not started" in tasks.text

    response = applicant_client.post(
        section_url(bid, "outcomes"), {"outcomes": "Fewer lonely parents", "next": "later"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/bids/{bid.pk}/"
    page = read(applicant_client.get(f"/bids/{bid.pk}/"))
    assert "Your answers are saved." in page.text
    assert "You have completed 1 of 8 sections." in page.text
    assert Bid.objects.get(pk=bid.pk).outcomes == "Fewer lonely parents"


def test_saving_never_needs_completeness(applicant_client, draft):
    response = applicant_client.post(
        section_url(draft, "need"), {"need": "", "population_served": "", "next": "continue"}
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.need, draft.population_served) == ("", "")
    tasks = read(applicant_client.get(f"/bids/{draft.pk}/"))
    assert "You have completed 7 of 8 sections." in tasks.text


def test_a_colleague_works_on_the_same_bid(draft, organisation):
    colleague = UserFactory()
    grant(colleague, "applicant", organisation=organisation)
    client = signed_in_client(colleague)

    response = client.post(
        section_url(draft, "about"), {"title": "Renamed", "summary": "Better", "next": "later"}
    )

    assert response.status_code == 302
    assert Bid.objects.get(pk=draft.pk).title == "Renamed"
    assert "Renamed" in read(client.get("/bids/")).text


# --- starting a bid ---------------------------------------------------------------------------


def test_several_organisations_and_pots_are_chosen_on_the_start_page(
    applicant_client, applicant, fund, organisation
):
    other = OrganisationFactory(name="Second CIC")
    grant(applicant, "applicant", organisation=other)
    pot = Pot.objects.create(fund=fund, name="North ward", share_pence=5_000_000)
    url = f"/funds/{fund.pk}/bids/new/"

    page = read(applicant_client.post(url, {"title": ""}))

    assert page.title.startswith("Error:")
    assert page.summary == [
        ("#id_organisation_0", "Choose the organisation that is bidding."),
        ("#id_pot_0", "Choose a pot."),
        ("#id_title", "Enter a title for the bid."),
    ]
    response = applicant_client.post(
        url, {"organisation": str(other.pk), "pot": str(pot.pk), "title": "Toys"}
    )
    assert response.status_code == 302
    bid = Bid.objects.get(title="Toys")
    assert (bid.organisation, bid.pot) == (other, pot)


def test_a_fund_not_taking_bids_cannot_be_bid_to(applicant_client, council, panel):
    from tests.factories import FundFactory

    draft_fund = FundFactory(council=council, panel=panel)
    assert applicant_client.get(f"/funds/{draft_fund.pk}/bids/new/").status_code == 404
    assert (
        applicant_client.post(f"/funds/{draft_fund.pk}/bids/new/", {"title": "x"}).status_code
        == 404
    )
    assert not Bid.objects.exists()


def test_someone_without_an_organisation_is_told_to_register_one(nobody_client, fund):
    page = read(nobody_client.get(f"/funds/{fund.pk}/bids/new/"))
    assert "You need to belong to an organisation" in page.text
    assert page.has_link("/organisations/new/")
    assert nobody_client.post(f"/funds/{fund.pk}/bids/new/", {"title": "x"}).status_code == 200
    assert not Bid.objects.exists()


# --- bad values -------------------------------------------------------------------------------


def test_text_in_beneficiaries_shows_the_error_and_keeps_what_was_typed(applicant_client, draft):
    response = applicant_client.post(
        section_url(draft, "people"),
        {
            "beneficiaries": "lots of families",
            "partners": "Typed with care",
            "named_staff": "A. Person",
            "next": "continue",
        },
    )

    assert response.status_code == 200
    page = read(response)
    assert page.title.startswith("Error:")
    assert page.summary == [
        ("#id_beneficiaries", "Enter the number of beneficiaries as a whole number, like 120.")
    ]
    assert page.error_for("beneficiaries").startswith("Enter the number of beneficiaries")
    assert page.described_by["beneficiaries"].endswith("id_beneficiaries-error")
    assert page.values["beneficiaries"] == "lots of families"
    assert page.values["partners"] == "Typed with care"
    assert page.values["named_staff"] == "A. Person"
    draft.refresh_from_db()
    assert (draft.beneficiaries, draft.partners) == (120, "")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("ten pounds", "Enter an amount in pounds, like 1250 or 1,250.50."),
        ("12.345", "Enter pounds and pence only, like 1250.50."),
        ("0", "Enter an amount more than £0."),
        ("-5", "Enter an amount more than £0."),
    ],
)
def test_a_bad_amount_shows_the_error_and_keeps_every_row(applicant_client, draft, amount, message):
    response = applicant_client.post(
        section_url(draft, "budget"),
        {
            "rows": "3",
            "description_0": "Workers",
            "amount_0": "500",
            "description_1": "Room",
            "amount_1": amount,
            "next": "continue",
        },
    )

    assert response.status_code == 200
    page = read(response)
    assert page.summary == [("#id_amount_1", message)]
    assert page.error_for("amount_1") == message
    assert page.values["description_0"] == "Workers"
    assert page.values["amount_0"] == "500"
    assert page.values["description_1"] == "Room"
    assert page.values["amount_1"] == amount
    assert [line.amount_pence for line in draft.budget_lines.all()] == [1_200_000]


def test_half_filled_budget_rows_are_errors_on_the_half_missing(applicant_client, draft):
    page = read(
        applicant_client.post(
            section_url(draft, "budget"),
            {
                "rows": "3",
                "description_0": "Workers",
                "amount_0": "",
                "description_1": "",
                "amount_1": "20",
                "next": "later",
            },
        )
    )

    assert page.summary == [
        ("#id_amount_0", "Enter the amount for this line, in pounds."),
        ("#id_description_1", "Say what this amount is for."),
    ]


def test_the_budget_page_adds_rows_without_losing_what_was_typed(applicant_client, fund, draft):
    page = read(applicant_client.get(section_url(draft, "budget")))
    assert page.values["description_0"] == "Sessional workers"
    assert page.values["amount_0"] == "12000.00"
    assert "description_3" in page.values
    assert "description_4" not in page.values
    assert "£12,000.00" in page.text  # the total
    assert "£100.00" in page.text  # the cost per beneficiary: £12,000 for 120
    # Enter in a box presses the form's first button: that must save, not add rows.
    html = applicant_client.get(section_url(draft, "budget")).content.decode()
    form = html[html.index(f'<form method="post" action="{section_url(draft, "budget")}"') :]
    first_button = form[form.index('<button type="submit"') :].split(">", 1)[0]
    assert 'name="next" value="continue"' in first_button

    response = applicant_client.post(
        section_url(draft, "budget"),
        {
            "rows": "4",
            "description_0": "Sessional workers",
            "amount_0": "12000.00",
            "description_1": "Typed, not saved",
            "amount_1": "5",
            "add_rows": "1",
        },
    )

    assert response.status_code == 200
    page = read(response)
    assert page.summary == []
    assert page.values["description_1"] == "Typed, not saved"
    assert page.values["amount_1"] == "5"
    assert "description_6" in page.values
    assert "description_7" not in page.values
    assert page.values["rows"] == "7"
    assert draft.budget_lines.count() == 1
    # The bigger form saves every row.
    data = {f"description_{i}": f"Line {i}" for i in range(7)}
    data.update({f"amount_{i}": "10" for i in range(7)})
    response = applicant_client.post(
        section_url(draft, "budget"), {"rows": "7", **data, "next": "later"}
    )
    assert response.status_code == 302
    assert draft.budget_lines.count() == 7
    page = read(applicant_client.get(section_url(draft, "budget")))
    assert "£70.00" in page.text
    assert "description_9" in page.values  # seven lines and three empty rows


def test_more_budget_rows_can_be_asked_for_with_a_plain_link(applicant_client, draft):
    page = read(applicant_client.get(section_url(draft, "budget") + "?rows=8"))
    assert "description_7" in page.values
    assert "description_8" not in page.values
    page = read(applicant_client.get(section_url(draft, "budget") + "?rows=nonsense"))
    assert "description_3" in page.values  # the line and three empty rows
    assert "description_4" not in page.values


def test_deadlines_are_shown_in_london_time_across_the_clock_change(applicant_client, fund, draft):
    from datetime import UTC, datetime

    from backend.funds.models import Fund

    later = {
        "scoring_starts_at": datetime(2028, 1, 1, tzinfo=UTC),
        "voting_opens_at": datetime(2028, 2, 1, tzinfo=UTC),
        "voting_closes_at": datetime(2028, 3, 1, tzinfo=UTC),
        "decision_at": datetime(2028, 4, 1, tzinfo=UTC),
    }
    funds = Fund.objects.filter(pk=fund.pk)
    funds.update(bids_close_at=datetime(2027, 7, 1, 8, 0, tzinfo=UTC), **later)
    assert "1 July 2027, 09:00 BST" in read(applicant_client.get("/bids/")).text
    funds.update(bids_close_at=datetime(2027, 12, 1, 8, 0, tzinfo=UTC))
    assert "1 December 2027, 08:00 GMT" in read(applicant_client.get(f"/bids/{draft.pk}/")).text


def test_evidence_levels_are_radios_with_their_descriptions(applicant_client, draft):
    response = applicant_client.get(section_url(draft, "evidence"))
    page = read(response)
    assert page.checked["evidence_level"] == ["2"]
    assert "Level 5" in page.text
    assert "comparison group" in page.text
    assert b"<fieldset" in response.content
    assert b"<legend" in response.content


def test_declarations_are_checkboxes_with_their_wording(applicant_client, draft):
    response = applicant_client.post(
        section_url(draft, "declarations"), {"declarations": ["accurate"], "next": "later"}
    )
    assert response.status_code == 302
    page = read(applicant_client.get(section_url(draft, "declarations")))
    assert page.checked["declarations"] == ["accurate"]
    for _code, wording in DECLARATIONS:
        assert str(wording) in page.text
    assert Bid.objects.get(pk=draft.pk).declarations == ["accurate"]


def test_an_unknown_section_is_not_found(applicant_client, draft):
    assert applicant_client.get(section_url(draft, "secrets")).status_code == 404


# --- submitting ---------------------------------------------------------------------------------


def test_an_incomplete_bid_lists_every_problem_at_once_each_linking_to_its_section(
    applicant_client, fund, organisation, applicant
):
    bid = bid_create(actor=actor(applicant), fund=fund, organisation=organisation, title="Half")

    response = applicant_client.post(f"/bids/{bid.pk}/submit/")

    assert response.status_code == 200
    page = read(response)
    assert page.title.startswith("Error:")
    answer = "Answer this question before you submit."
    assert page.summary == [
        (f"{section_url(bid, 'about')}#id_summary", f"Summary: {answer}"),
        (f"{section_url(bid, 'need')}#id_need", f"The need: {answer}"),
        (
            f"{section_url(bid, 'need')}#id_population_served",
            f"The population served: {answer}",
        ),
        (f"{section_url(bid, 'outcomes')}#id_outcomes", f"Outcomes: {answer}"),
        (
            f"{section_url(bid, 'evidence')}#id_evidence_level_0",
            f"Level of evidence: {answer}",
        ),
        (
            f"{section_url(bid, 'evidence')}#id_evidence_sources",
            f"Sources of evidence: {answer}",
        ),
        (f"{section_url(bid, 'delivery')}#id_delivery_plan", f"Delivery plan: {answer}"),
        (
            f"{section_url(bid, 'people')}#id_beneficiaries",
            f"Number of beneficiaries: {answer}",
        ),
        (
            f"{section_url(bid, 'budget')}#id_description_0",
            "Budget: Add at least one budget line.",
        ),
        (
            f"{section_url(bid, 'declarations')}#id_declarations_0",
            "Declarations: Confirm every declaration before you submit.",
        ),
    ]
    assert Bid.objects.get(pk=bid.pk).status == Status.DRAFT
    # Each link leads to a page with the field it names.
    for href, _message in page.summary:
        url, anchor = href.split("#")
        target = applicant_client.get(url)
        assert f'id="{anchor}"'.encode() in target.content, href


def test_a_budget_over_the_pots_share_is_refused_with_the_link_to_the_budget(
    applicant_client, fund, draft
):
    pot = Pot.objects.create(fund=fund, name="North", share_pence=100_000)
    Bid.objects.filter(pk=draft.pk).update(pot=pot)

    page = read(applicant_client.post(f"/bids/{draft.pk}/submit/"))

    assert len(page.summary) == 1
    href, message = page.summary[0]
    assert href == f"{section_url(draft, 'budget')}#id_description_0"
    assert "more than the pot" in message


def test_submission_after_the_deadline_is_refused_with_the_services_message(
    applicant_client, fund, draft, monkeypatch
):
    late = fund.bids_close_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: late)

    tasks = read(applicant_client.get(f"/bids/{draft.pk}/"))
    assert "The fund is not taking bids now" in tasks.text
    response = applicant_client.post(f"/bids/{draft.pk}/submit/")

    assert response.status_code == 200
    assert read(response).summary == [
        ("", "The fund is not taking bids now, so you cannot submit the bid.")
    ]
    assert Bid.objects.get(pk=draft.pk).status == Status.DRAFT
    dashboard = read(applicant_client.get("/bids/"))
    assert "Bids have closed: this draft can no longer be submitted." in dashboard.text


def test_a_submitted_bid_can_no_longer_be_edited(applicant_client, submitted):
    for url in (
        section_url(submitted, "about"),
        f"/bids/{submitted.pk}/attachments/",
        f"/bids/{submitted.pk}/submit/",
    ):
        response = applicant_client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/bids/{submitted.pk}/"
    response = applicant_client.post(
        section_url(submitted, "about"), {"title": "Changed", "next": "later"}
    )
    assert response.status_code == 302
    assert Bid.objects.get(pk=submitted.pk).title == "Play"
    assert "can no longer change" in read(applicant_client.get(f"/bids/{submitted.pk}/")).text


def test_the_confirmation_of_a_draft_goes_to_its_task_list(applicant_client, draft):
    response = applicant_client.get(f"/bids/{draft.pk}/submitted/")
    assert response.status_code == 302
    assert response["Location"] == f"/bids/{draft.pk}/"


# --- withdrawing --------------------------------------------------------------------------------


def test_withdraw_asks_first_then_withdraws(applicant_client, submitted):
    page = read(applicant_client.get(f"/bids/{submitted.pk}/withdraw/"))
    assert page.h1 == "Are you sure you want to withdraw this bid?"
    assert Bid.objects.get(pk=submitted.pk).status == Status.SUBMITTED

    response = applicant_client.post(f"/bids/{submitted.pk}/withdraw/")

    assert response.status_code == 302
    assert response["Location"] == f"/bids/{submitted.pk}/"
    assert Bid.objects.get(pk=submitted.pk).status == Status.WITHDRAWN
    page = read(applicant_client.get(f"/bids/{submitted.pk}/"))
    assert "Your bid is withdrawn." in page.text
    assert "Withdrawn" in page.text
    assert "Withdrawn (1)" in read(applicant_client.get("/bids/")).text


def test_a_withdrawn_bid_cannot_be_withdrawn_again(applicant_client, submitted, applicant):
    bid_withdraw(actor=actor(applicant), bid=submitted)

    response = applicant_client.get(f"/bids/{submitted.pk}/withdraw/")

    assert response.status_code == 302
    assert response["Location"] == f"/bids/{submitted.pk}/"
    assert "can no longer be withdrawn" in read(applicant_client.get(response["Location"])).text
    assert applicant_client.get(f"/bids/{submitted.pk}/submitted/").status_code == 302


def test_withdrawing_after_the_deadline_is_refused(applicant_client, fund, submitted, monkeypatch):
    late = fund.bids_close_at + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: late)

    response = applicant_client.post(f"/bids/{submitted.pk}/withdraw/")

    assert response.status_code == 200
    assert read(response).summary == [
        ("", "The fund is not taking bids now, so you cannot withdraw the bid.")
    ]
    assert Bid.objects.get(pk=submitted.pk).status == Status.SUBMITTED


# --- attachments ------------------------------------------------------------------------------


def _zip_bomb_docx() -> bytes:
    return docx({"word/media/padding.xml": b"0" * (3 * 1024 * 1024)})


def _macro_docx() -> bytes:
    return docx({"word/vbaProject.bin": b"\x00" * 64}, content_types=DOCM_CONTENT_TYPES)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.pdf", EXE, "Programs and scripts cannot be attached."),
        ("plan.pdf", PDF + b"\x00" * (10 * 1024 * 1024), "The file is larger than 10 MB."),
        ("plan.docx", _zip_bomb_docx(), "it looks like a zip bomb"),
        ("plan.docx", _macro_docx(), "Documents with macros cannot be attached."),
        ("notes.txt", b"hello", "Only PDF, DOCX, ODT, PNG and JPEG files can be attached."),
        ("photo.jpg", PNG, "The file's name says .jpg but its content is PNG."),
    ],
    ids=["renamed-executable", "over-size", "zip-bomb-as-docx", "macros", "text", "mismatch"],
)
def test_upload_abuse_is_refused_next_to_the_file_field_and_nothing_is_stored(
    applicant_client, draft, upload_root, name, content, message
):
    response = upload(applicant_client, draft, name, content)

    assert response.status_code == 200
    page = read(response)
    assert page.title.startswith("Error:")
    assert len(page.summary) == 1
    assert page.summary[0][0] == "#id_file"
    assert message in page.summary[0][1]
    assert message in page.error_for("file")
    assert not Attachment.objects.exists()
    assert not upload_root.exists() or not any(upload_root.rglob("*.*"))


def test_an_upload_page_without_a_file_says_so(applicant_client, draft):
    page = read(applicant_client.post(f"/bids/{draft.pk}/attachments/", {}))
    assert page.summary == [("#id_file", "Choose a file to upload.")]


def test_the_upload_form_is_multipart_and_on_its_own(applicant_client, draft):
    response = applicant_client.get(f"/bids/{draft.pk}/attachments/")
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert content.count('type="file"') == 1
    # The upload form holds nothing but the file.
    form = content[
        content.index('enctype="multipart/form-data"') : content.index(
            "</form>", content.index('enctype="multipart/form-data"')
        )
    ]
    assert "<textarea" not in form
    assert 'type="text"' not in form


def test_a_file_is_uploaded_downloaded_and_removed(applicant_client, draft, upload_root):
    upload(applicant_client, draft, "report.pdf", PDF)
    attachment = Attachment.objects.get(bid=draft)
    url = f"/bids/{draft.pk}/attachments/{attachment.pk}/"

    response = applicant_client.get(url)

    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"

    response = applicant_client.post(f"/bids/{draft.pk}/attachments/{attachment.pk}/remove/")

    assert response.status_code == 302
    assert response["Location"] == f"/bids/{draft.pk}/attachments/"
    assert not Attachment.objects.exists()
    assert "report.pdf is removed." in read(applicant_client.get(response["Location"])).text
    assert applicant_client.get(url).status_code == 404


def test_removing_needs_a_post(applicant_client, draft):
    upload(applicant_client, draft, "report.pdf", PDF)
    attachment = Attachment.objects.get(bid=draft)
    response = applicant_client.get(f"/bids/{draft.pk}/attachments/{attachment.pk}/remove/")
    assert response.status_code == 405
    assert Attachment.objects.exists()


def test_an_attachment_of_another_bid_is_not_found_under_this_one(
    applicant_client, fund, organisation, applicant, draft
):
    other = complete_draft(fund, organisation, applicant, title="Other")
    upload(applicant_client, other, "report.pdf", PDF)
    attachment = Attachment.objects.get(bid=other)

    assert applicant_client.get(f"/bids/{draft.pk}/attachments/{attachment.pk}/").status_code == 404
    response = applicant_client.post(f"/bids/{draft.pk}/attachments/{attachment.pk}/remove/")
    assert response.status_code == 404
    assert Attachment.objects.exists()


# --- who may see what ---------------------------------------------------------------------------


@pytest.fixture
def colleague(organisation):
    user = UserFactory()
    grant(user, "applicant", organisation=organisation)
    return user


@pytest.fixture
def rival(fund):
    user = UserFactory()
    organisation = OrganisationFactory()
    grant(user, "applicant", organisation=organisation)
    return user


CLIENTS = {
    "applicant": lambda f: signed_in_client(f("applicant")),
    "colleague": lambda f: signed_in_client(f("colleague")),
    "rival": lambda f: signed_in_client(f("rival")),
    "officer": lambda f: mfa_client(f("officer")),
    "officer_without_mfa": lambda f: signed_in_client(f("officer")),
    "auditor": lambda f: mfa_client(f("auditor")),
    "member": lambda f: signed_in_client(f("member")),
    "nobody": lambda f: signed_in_client(f("nobody")),
}


@pytest.fixture
def attached(submitted, applicant, upload_root):
    from backend.bids.models import Bid as BidModel

    # Attach through the service while the bid was a draft: reopen it to draft only in the DB.
    BidModel.objects.filter(pk=submitted.pk).update(status=Status.DRAFT)
    from backend.bids.services import attachment_add

    attachment = attachment_add(
        actor=actor(applicant), bid=submitted, filename="plan.pdf", content=PDF
    )
    BidModel.objects.filter(pk=submitted.pk).update(status=Status.SUBMITTED)
    submitted.refresh_from_db()
    return attachment


@pytest.mark.parametrize(
    ("who", "while_open", "after_close"),
    [
        ("applicant", 200, 200),
        ("colleague", 200, 200),
        ("rival", 404, 404),
        ("officer", 200, 200),
        ("officer_without_mfa", 403, 403),
        ("auditor", 200, 200),
        # The panel reads a bid only once it is eligible and scoring has started (see below).
        ("member", 404, 404),
        ("nobody", 404, 404),
    ],
)
def test_who_may_see_a_submitted_bid_and_its_files(
    request, fund, officer, attached, submitted, who, while_open, after_close
):
    client = CLIENTS[who](request.getfixturevalue)
    detail, download = (
        f"/bids/{submitted.pk}/",
        f"/bids/{submitted.pk}/attachments/{attached.pk}/",
    )

    for url in (detail, download):
        response = client.get(url)
        assert response.status_code == while_open, url
        if while_open != 200:
            assert PDF not in response.content
            assert submitted.title.encode() not in response.content
    if while_open == 200:
        assert client.get(download).content == PDF
        page = read(client.get(detail))
        assert "Stay and play" in page.text  # the read-only content
        assert submitted.submitted_snapshot_sha256 in page.text
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    for url in (detail, download):
        assert client.get(url).status_code == after_close, url


def test_a_panel_member_reads_an_eligible_bid_once_scoring_starts_and_conflicts_are_declared(
    member_client, member, fund, officer, attached, submitted
):
    from backend.scoring.services import conflict_declare

    detail = f"/bids/{submitted.pk}/"
    download = f"/bids/{submitted.pk}/attachments/{attached.pk}/"
    assert member_client.get(detail).status_code == 404  # bids are still open
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    item = EligibilityItem.objects.get(fund=fund)
    screening_record_item(
        actor=actor(officer), bid=submitted, item=item, outcome="pass", reason="Local"
    )
    screening_decide(actor=actor(officer), bid=submitted, eligible=True)
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCORING)
    assert member_client.get(detail).status_code == 404  # no conflicts declared yet

    conflict_declare(actor=actor(member), bid=submitted, conflicted=False)

    response = member_client.get(detail)
    assert response.status_code == 200
    assert "Stay and play" in read(response).text
    assert member_client.get(download).content == PDF
    assert member_client.get(section_url(submitted, "about")).status_code == 403


def test_a_hidden_bid_and_a_missing_bid_look_the_same(request, submitted, rival):
    client = signed_in_client(rival)
    hidden = client.get(f"/bids/{submitted.pk}/")
    missing = client.get("/bids/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert read(hidden).text == read(missing).text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("colleague", 200),
        ("rival", 404),
        ("officer", 403),
        ("officer_without_mfa", 403),
        ("auditor", 403),
        ("member", 404),
    ],
)
def test_only_the_organisation_may_work_on_a_draft(request, draft, who, status):
    client = CLIENTS[who](request.getfixturevalue)
    for url in (
        section_url(draft, "about"),
        f"/bids/{draft.pk}/attachments/",
        f"/bids/{draft.pk}/submit/",
        f"/bids/{draft.pk}/withdraw/",
    ):
        assert client.get(url).status_code == status, url
    posts = [
        client.post(section_url(draft, "about"), {"title": "Changed", "next": "later"}),
        client.post(f"/bids/{draft.pk}/submit/"),
        client.post(f"/bids/{draft.pk}/withdraw/"),
        upload(client, draft, "x.pdf", PDF),
    ]
    if status != 200:
        assert {response.status_code for response in posts} == {status}
        draft.refresh_from_db()
        assert (draft.title, draft.status) == ("Play", Status.DRAFT)
        assert not Attachment.objects.exists()


def test_an_officer_sees_a_draft_read_only(request, draft):
    client = CLIENTS["officer"](request.getfixturevalue)
    page = read(client.get(f"/bids/{draft.pk}/"))
    assert page.h1 == "Play"
    assert "Stay and play" in page.text
    assert not page.has_link(section_url(draft, "about"))


def test_anonymous_visitors_are_sent_to_sign_in(client, fund, attached, submitted):
    for url in (
        "/bids/",
        f"/funds/{fund.pk}/bids/new/",
        f"/bids/{submitted.pk}/",
        section_url(submitted, "about"),
        f"/bids/{submitted.pk}/attachments/",
        f"/bids/{submitted.pk}/attachments/{attached.pk}/",
        f"/bids/{submitted.pk}/submit/",
        f"/bids/{submitted.pk}/submitted/",
        f"/bids/{submitted.pk}/withdraw/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"]
    response = client.post(f"/bids/{submitted.pk}/withdraw/")
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert Bid.objects.get(pk=submitted.pk).status == Status.SUBMITTED


def test_the_dashboard_shows_only_the_organisations_bids_grouped_by_status(
    applicant_client, fund, organisation, applicant, rival
):
    complete_draft(fund, organisation, applicant, title="A draft")
    sent = complete_draft(fund, organisation, applicant, title="A submitted one")
    bid_submit(actor=actor(applicant), bid=sent)
    gone = complete_draft(fund, organisation, applicant, title="A withdrawn one")
    bid_withdraw(actor=actor(applicant), bid=gone)
    rival_org = rival.role_grants.get().organisation
    complete_draft(fund, rival_org, rival, title="The rival's bid")

    page = read(applicant_client.get("/bids/"))

    assert "The rival's bid" not in page.text
    assert page.text.index("In progress (1)") < page.text.index("A draft")
    assert page.text.index("Submitted (1)") < page.text.index("A submitted one")
    assert page.text.index("Withdrawn (1)") < page.text.index("A withdrawn one")
    assert "Continue the bid" in page.text
    assert "You can withdraw it until bids close." in page.text
    assert "London time" in page.text


# --- the screening outcome ------------------------------------------------------------------------


def test_the_applicant_sees_each_checklist_items_outcome_and_reason(
    applicant_client, fund, submitted, officer
):
    first = EligibilityItem.objects.get(fund=fund)
    second = EligibilityItem.objects.create(
        fund=fund, text="A not-for-profit body", position=first.position + 1
    )
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    page = read(applicant_client.get(f"/bids/{submitted.pk}/"))
    assert "You will be told the outcome of each item." in page.text

    screening_record_item(
        actor=actor(officer), bid=submitted, item=first, outcome="pass", reason="Office on Main St"
    )
    screening_record_item(
        actor=actor(officer), bid=submitted, item=second, outcome="fail", reason="A company"
    )
    page = read(applicant_client.get(f"/bids/{submitted.pk}/"))
    assert "Office on Main St" not in page.text  # not decided yet: nothing shown
    screening_decide(actor=actor(officer), bid=submitted, eligible=False, reason="Not a CIC")

    page = read(applicant_client.get(f"/bids/{submitted.pk}/"))

    assert "The council found the bid ineligible." in page.text
    assert "Not a CIC" in page.text
    assert "1. Based in the borough" in page.text
    assert "Pass Office on Main St" in page.text
    assert "2. A not-for-profit body" in page.text
    assert "Fail A company" in page.text
    assert "Screened: ineligible (1)" in read(applicant_client.get("/bids/")).text


# --- escaping -----------------------------------------------------------------------------------


SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
TEXT_FIELDS = (
    "summary",
    "need",
    "population_served",
    "outcomes",
    "evidence_sources",
    "delivery_plan",
    "partners",
    "named_staff",
)


def test_html_in_every_text_field_is_shown_escaped_on_every_page(
    applicant_client, fund, organisation, applicant, officer
):
    organisation.name = f"Org {SCRIPT}"
    organisation.save(update_fields=["name"])
    bid = complete_draft(
        fund,
        organisation,
        applicant,
        title=f"Title {SCRIPT}",
        **{name: f"{name} {SCRIPT}" for name in TEXT_FIELDS},
    )
    budget_line_set(
        actor=actor(applicant),
        bid=bid,
        lines=[BudgetLineInput(f"Line {SCRIPT}", 100_000)],
    )
    name = "<img src=x onerror=alert(1)>.pdf"
    assert upload(applicant_client, bid, name, PDF).status_code == 302
    attachment = Attachment.objects.get(bid=bid)
    escaped_name = "&lt;img src=x onerror=alert(1)&gt;.pdf"

    shown = {
        "title": f"Title {ESCAPED}",
        "organisation": f"Org {ESCAPED}",
        "line": f"Line {ESCAPED}",
        "file": escaped_name,
        **{field: f"{field} {ESCAPED}" for field in TEXT_FIELDS},
    }
    draft_pages = {
        "dashboard": ("/bids/", ["title", "organisation"]),
        "task list": (f"/bids/{bid.pk}/", ["title", "organisation"]),
        "about": (section_url(bid, "about"), ["title", "summary"]),
        "need": (section_url(bid, "need"), ["need", "population_served"]),
        "outcomes": (section_url(bid, "outcomes"), ["outcomes"]),
        "evidence": (section_url(bid, "evidence"), ["evidence_sources"]),
        "delivery": (section_url(bid, "delivery"), ["delivery_plan"]),
        "people": (section_url(bid, "people"), ["partners", "named_staff"]),
        "budget": (section_url(bid, "budget"), ["line", "title"]),
        "attachments": (f"/bids/{bid.pk}/attachments/", ["file", "title"]),
        "declarations": (section_url(bid, "declarations"), ["title"]),
        "check": (f"/bids/{bid.pk}/submit/", list(shown)),
        "withdraw": (f"/bids/{bid.pk}/withdraw/", ["title"]),
    }
    # An error page echoes what was typed: escaped too.
    error_page = applicant_client.post(
        section_url(bid, "people"),
        {"beneficiaries": SCRIPT, "partners": f"partners {SCRIPT}", "next": "later"},
    )
    assert error_page.status_code == 200
    assert SCRIPT.encode() not in error_page.content
    assert ESCAPED.encode() in error_page.content

    for label, (url, fields) in draft_pages.items():
        response = applicant_client.get(url)
        assert response.status_code == 200, label
        content = response.content.decode()
        assert SCRIPT not in content, label
        assert "<img src=x" not in content, label
        for field in fields:
            assert shown[field] in content, (label, field)

    assert applicant_client.post(f"/bids/{bid.pk}/submit/").status_code == 302
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.SCREENING)
    read_only_pages = {
        "confirmation": (f"/bids/{bid.pk}/submitted/", ["title"]),
        "detail": (f"/bids/{bid.pk}/", list(shown)),
        "dashboard": ("/bids/", ["title", "organisation"]),
    }
    clients = [applicant_client, mfa_client(officer)]
    for client in clients:
        for label, (url, fields) in read_only_pages.items():
            response = client.get(url)
            if client is not applicant_client and label == "dashboard":
                continue
            assert response.status_code == 200, label
            content = response.content.decode()
            assert SCRIPT not in content, label
            assert "<img src=x" not in content, label
            for field in fields:
                assert shown[field] in content, (label, field)
    download = applicant_client.get(f"/bids/{bid.pk}/attachments/{attachment.pk}/")
    # A header, not HTML: the name is quoted, and the browser is told not to sniff or render it.
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert download["X-Content-Type-Options"] == "nosniff"


# --- queries ------------------------------------------------------------------------------------


def test_the_dashboard_and_the_task_list_read_a_fixed_number_of_queries(
    applicant_client, fund, organisation, applicant
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = complete_draft(fund, organisation, applicant, title="First")
    applicant_client.get("/bids/")  # the session and the site's caches are warm
    with CaptureQueriesContext(connection) as one:
        applicant_client.get("/bids/")
    for n in range(5):
        more = complete_draft(fund, organisation, applicant, title=f"Bid {n}")
        budget_line_set(
            actor=actor(applicant),
            bid=more,
            lines=[BudgetLineInput(f"Line {i}", 100) for i in range(4)],
        )
    with CaptureQueriesContext(connection) as six:
        response = applicant_client.get("/bids/")

    assert "In progress (6)" in read(response).text
    assert len(six) == len(one)
    with CaptureQueriesContext(connection) as task_list:
        assert applicant_client.get(f"/bids/{first.pk}/").status_code == 200
    assert len(task_list) <= 25
