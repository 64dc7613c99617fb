"""Organisation pages: who can register, see, change, invite to and leave an organisation."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from backend.accounts.models import Organisation, OrganisationInvitation, Role, RoleGrant
from backend.notifications.services import notifications_deliver
from tests.factories import OrganisationFactory, UserFactory, grant, mfa_client, signed_in_client

from .pages import read

pytestmark = pytest.mark.django_db

CIC = {
    "name": "Riverside Play CIC",
    "legal_form": "cic",
    "company_number": "1234567",
    "charity_number": "",
    "charity_regulator": "ccew",
    "society_number": "",
    "address_line_1": "1 High Street",
    "address_line_2": "",
    "town": "Northbridge",
    "postcode": "nb1 1aa",
    "contact_email": "Hello@Riverside.example.org",
    "contact_phone": "01234 567890",
    "website": "https://riverside.example.org",
}


def members_of(organisation: Organisation) -> set[str]:
    return set(
        RoleGrant.objects.filter(
            organisation=organisation, role=Role.APPLICANT, revoked_at__isnull=True
        ).values_list("user__email", flat=True)
    )


# --- registering -------------------------------------------------------------------------


def test_a_person_with_no_role_registers_an_organisation_and_lands_on_its_page(
    nobody, nobody_client
):
    response = nobody_client.post("/organisations/new/", CIC)

    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{organisation.pk}/"
    assert organisation.company_org_id == "GB-COH-01234567"
    assert organisation.postcode == "NB1 1AA"
    assert organisation.contact_email == "hello@riverside.example.org"
    assert members_of(organisation) == {nobody.email}

    page = read(nobody_client.get(response["Location"]))
    assert page.h1 == "Riverside Play CIC"
    assert "GB-COH-01234567" in page.text
    assert nobody.email in page.text
    assert page.has_link(f"/organisations/{organisation.pk}/edit/")
    assert page.has_link(f"/organisations/{organisation.pk}/invite/")


def test_the_registration_form_has_the_fields_named_as_the_browser_test_expects(nobody_client):
    page = read(nobody_client.get("/organisations/new/"))

    for name in (
        "name",
        "company_number",
        "charity_number",
        "society_number",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
        "contact_email",
        "contact_phone",
        "website",
    ):
        assert name in page.values, name
    assert page.checked["legal_form"] == []
    assert page.checked["charity_regulator"] == ["ccew"]
    html = nobody_client.get("/organisations/new/").content.decode()
    for value in ("cic", "charity", "cio", "cbs", "clg", "unincorporated"):
        assert f'name="legal_form" type="radio" value="{value}"' in html
    for value in ("ccew", "oscr", "ccni"):
        assert f'name="charity_regulator" type="radio" value="{value}"' in html


def test_a_bad_company_number_is_shown_next_to_the_field_and_the_rest_is_kept(nobody_client):
    response = nobody_client.post("/organisations/new/", {**CIC, "company_number": "12AB"})

    assert response.status_code == 200
    assert not Organisation.objects.exists()
    page = read(response)
    assert page.title.startswith("Error:")
    assert "Companies House number of 8 characters" in page.error_for("company_number")
    assert "id_company_number-error" in page.described_by["company_number"]
    assert page.summary == [("#id_company_number", page.error_for("company_number"))]
    # Nothing the person typed is lost.
    assert page.values["name"] == "Riverside Play CIC"
    assert page.values["company_number"] == "12AB"
    assert page.values["town"] == "Northbridge"
    assert page.values["postcode"] == "nb1 1aa"
    assert page.values["contact_email"] == "Hello@Riverside.example.org"
    assert page.values["website"] == "https://riverside.example.org"
    assert page.checked["legal_form"] == ["cic"]


def test_every_missing_detail_is_named_at_once(nobody_client):
    response = nobody_client.post("/organisations/new/", {"legal_form": "charity"})

    page = read(response)
    assert not Organisation.objects.exists()
    assert page.error_for("name") == "Enter the organisation's name."
    assert "charity number" in page.error_for("charity_number")
    assert page.error_for("address_line_1")
    assert page.error_for("town")
    assert "postcode" in page.error_for("postcode")
    anchors = [anchor for anchor, _message in page.summary]
    assert "#id_name" in anchors
    assert "#id_charity_number" in anchors


def test_a_malformed_email_is_a_field_error(nobody_client):
    page = read(nobody_client.post("/organisations/new/", {**CIC, "contact_email": "hello"}))

    assert not Organisation.objects.exists()
    assert "correct format" in page.error_for("contact_email")
    assert page.values["name"] == "Riverside Play CIC"


def test_a_company_number_already_registered_is_refused_on_its_field(nobody_client):
    OrganisationFactory(company_org_id="GB-COH-01234567")

    page = read(nobody_client.post("/organisations/new/", CIC))

    assert Organisation.objects.count() == 1
    assert "already registered" in page.error_for("company_number")


def test_a_scottish_charity_is_registered_with_its_regulator(nobody_client):
    nobody_client.post(
        "/organisations/new/",
        {
            **CIC,
            "name": "Glen Trust",
            "legal_form": "charity",
            "company_number": "",
            "charity_number": "SC012345",
            "charity_regulator": "oscr",
        },
    )

    assert Organisation.objects.get().charity_org_id == "GB-SC-SC012345"


def test_an_unverified_email_address_cannot_register_an_organisation(nobody, nobody_client):
    EmailAddress.objects.filter(user=nobody).update(verified=False)

    response = nobody_client.post("/organisations/new/", CIC)

    assert response.status_code == 403
    assert "Verify your email address" in read(response).text
    assert not Organisation.objects.exists()


def test_my_organisations_lists_mine_only(applicant, applicant_client, organisation):
    other = OrganisationFactory(name="Someone Else CIC")

    page = read(applicant_client.get("/organisations/"))

    assert page.has_link(f"/organisations/{organisation.pk}/")
    assert not page.has_link(f"/organisations/{other.pk}/")
    assert page.has_link("/organisations/new/")


# --- changing ----------------------------------------------------------------------------


def test_a_member_changes_the_organisations_details(applicant_client, organisation):
    form = read(applicant_client.get(f"/organisations/{organisation.pk}/edit/"))
    assert form.values["company_number"] == organisation.company_org_id.removeprefix("GB-COH-")
    assert form.checked["legal_form"] == ["cic"]

    response = applicant_client.post(
        f"/organisations/{organisation.pk}/edit/",
        {**CIC, "name": "Riverside Play and Learning CIC", "company_number": "SC123456"},
    )

    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Riverside Play and Learning CIC"
    assert organisation.company_org_id == "GB-COH-SC123456"


def test_a_bad_change_keeps_the_stored_details(applicant_client, organisation):
    before = organisation.company_org_id

    page = read(
        applicant_client.post(
            f"/organisations/{organisation.pk}/edit/",
            {**CIC, "name": "New name", "postcode": "nowhere"},
        )
    )

    assert "postcode" in page.error_for("postcode")
    assert page.values["name"] == "New name"
    organisation.refresh_from_db()
    assert organisation.name != "New name"
    assert organisation.company_org_id == before


def test_a_person_outside_the_organisation_cannot_see_or_change_it(nobody_client, organisation):
    name = organisation.name

    assert nobody_client.get(f"/organisations/{organisation.pk}/").status_code == 404
    assert nobody_client.get(f"/organisations/{organisation.pk}/edit/").status_code == 404
    response = nobody_client.post(f"/organisations/{organisation.pk}/edit/", CIC)

    assert response.status_code == 404
    organisation.refresh_from_db()
    assert organisation.name == name


@pytest.mark.parametrize("staff", ["officer", "auditor"])
def test_council_staff_read_an_organisation_but_cannot_change_it(
    request, staff, organisation, applicant
):
    client = mfa_client(request.getfixturevalue(staff))

    page = read(client.get(f"/organisations/{organisation.pk}/"))
    assert page.h1 == organisation.name
    assert applicant.email in page.text
    assert not page.has_link(f"/organisations/{organisation.pk}/edit/")
    assert not page.has_link(f"/organisations/{organisation.pk}/invite/")

    response = client.post(f"/organisations/{organisation.pk}/edit/", {**CIC, "name": "Taken"})
    assert response.status_code == 403
    assert "Only members of this organisation" in read(response).text
    organisation.refresh_from_db()
    assert organisation.name != "Taken"
    assert (
        client.post(
            f"/organisations/{organisation.pk}/invite/", {"email": "x@example.org"}
        ).status_code
        == 403
    )
    assert not OrganisationInvitation.objects.exists()


@pytest.mark.parametrize("role", ["chair", "member"])
def test_panel_people_cannot_see_organisations(request, role, organisation):
    client = mfa_client(request.getfixturevalue(role))

    assert client.get(f"/organisations/{organisation.pk}/").status_code == 404


# --- invitations -------------------------------------------------------------------------


def test_a_member_invites_a_colleague_who_accepts(
    applicant, applicant_client, organisation, django_capture_on_commit_callbacks
):
    colleague = UserFactory(email="sam@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            f"/organisations/{organisation.pk}/invite/", {"email": "Sam@Example.org"}
        )

    assert response.status_code == 302
    invitation = OrganisationInvitation.objects.get()
    assert invitation.email == "sam@example.org"
    assert invitation.invited_by == applicant
    notifications_deliver()  # what the worker does with the outbox
    [email] = mail.outbox
    assert email.to == ["sam@example.org"]
    link = re.search(r"http://testserver(/organisations/invitations/[\w-]+/)", email.body)
    assert link, email.body
    page = read(applicant_client.get(f"/organisations/{organisation.pk}/"))
    assert "sam@example.org" in page.text

    colleague_client = signed_in_client(colleague)
    accept = read(colleague_client.get(link.group(1)))
    assert accept.h1 == f"Join {organisation.name}"
    assert members_of(organisation) == {applicant.email}  # opening the link accepts nothing

    response = colleague_client.post(link.group(1))

    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{organisation.pk}/"
    assert members_of(organisation) == {applicant.email, colleague.email}
    invitation.refresh_from_db()
    assert invitation.accepted_by == colleague
    # The link works once.
    again = colleague_client.post(link.group(1))
    assert "not valid or has already been used" in read(again).text


def test_an_invitation_is_accepted_only_by_its_addressee(
    applicant_client, organisation, nobody, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(
            f"/organisations/{organisation.pk}/invite/", {"email": "sam@example.org"}
        )
    notifications_deliver()  # what the worker does with the outbox
    path = re.search(r"/organisations/invitations/[\w-]+/", mail.outbox[0].body).group(0)

    page = read(signed_in_client(nobody).post(path))

    assert "sent to another email address" in " ".join(message for _a, message in page.summary)
    assert nobody.email not in members_of(organisation)
    assert OrganisationInvitation.objects.get().accepted_at is None


def test_accepting_an_invitation_needs_signing_in(client):
    response = client.get("/organisations/invitations/some-token/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_invitation_link_says_so(nobody_client):
    page = read(nobody_client.post("/organisations/invitations/made-up/"))

    assert "not valid" in page.text


def test_inviting_a_bad_address_or_a_member_is_a_field_error(
    applicant, applicant_client, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = read(
            applicant_client.post(f"/organisations/{organisation.pk}/invite/", {"email": "sam"})
        )
    assert "correct format" in page.error_for("email")
    assert page.values["email"] == "sam"

    with django_capture_on_commit_callbacks(execute=True):
        page = read(
            applicant_client.post(
                f"/organisations/{organisation.pk}/invite/", {"email": applicant.email}
            )
        )
    assert page.error_for("email") == "This person is already a member."
    assert not OrganisationInvitation.objects.exists()
    assert mail.outbox == []


# --- leaving and removing ----------------------------------------------------------------


def test_a_member_removes_a_colleague_after_confirming(applicant, applicant_client, organisation):
    colleague = UserFactory()
    grant(colleague, "applicant", organisation=organisation)
    url = f"/organisations/{organisation.pk}/members/{colleague.pk}/remove/"

    confirm = read(applicant_client.get(url))
    assert colleague.display_name in confirm.h1
    assert members_of(organisation) == {applicant.email, colleague.email}

    response = applicant_client.post(url)

    assert response.status_code == 302
    assert members_of(organisation) == {applicant.email}
    revoked = RoleGrant.objects.get(user=colleague, organisation=organisation)
    assert revoked.revoked_by == applicant


def test_the_last_member_cannot_leave(applicant, applicant_client, organisation):
    response = applicant_client.post(
        f"/organisations/{organisation.pk}/members/{applicant.pk}/remove/"
    )

    page = read(response)
    assert response.status_code == 200
    assert ("", "An organisation needs at least one member.") in page.summary
    assert members_of(organisation) == {applicant.email}


def test_outsiders_cannot_remove_members(nobody_client, applicant, organisation):
    response = nobody_client.post(
        f"/organisations/{organisation.pk}/members/{applicant.pk}/remove/"
    )

    assert response.status_code == 404
    assert members_of(organisation) == {applicant.email}


def test_removing_someone_who_is_not_a_member_is_not_found(applicant_client, organisation):
    stranger = UserFactory()

    response = applicant_client.get(
        f"/organisations/{organisation.pk}/members/{stranger.pk}/remove/"
    )

    assert response.status_code == 404


# --- anonymous ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/",
        "/organisations/new/",
        "/organisations/1/",
        "/organisations/1/edit/",
        "/organisations/1/invite/",
        "/organisations/1/members/1/remove/",
    ],
)
def test_organisation_pages_ask_anonymous_visitors_to_sign_in(client, path):
    response = client.post(path, CIC)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Organisation.objects.exists()
