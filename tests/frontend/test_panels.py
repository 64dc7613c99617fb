"""Panel pages: members and their terms; officers change everything, the chair the description."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import Role, RoleGrant
from tests.factories import LocalityFactory, PanelFactory, UserFactory, grant, mfa_client

from .pages import read

pytestmark = pytest.mark.django_db


def panel_people(panel) -> set[tuple[str, str]]:
    return set(
        RoleGrant.objects.filter(panel=panel, revoked_at__isnull=True).values_list(
            "user__email", "role"
        )
    )


# --- reading -----------------------------------------------------------------------------


def test_an_officer_sees_members_with_their_terms_and_the_actions(
    officer_client, panel, chair, member
):
    RoleGrant.objects.filter(user=chair).update(
        term_starts_on=date(2027, 4, 1), term_ends_on=date(2029, 3, 31)
    )
    member_grant = RoleGrant.objects.get(user=member)

    page = read(officer_client.get(f"/panels/{panel.pk}/"))

    assert page.h1 == panel.name
    assert chair.display_name in page.text
    assert "Panel chair" in page.text
    assert "1 Apr 2027 to 31 Mar 2029" in page.text
    assert member.display_name in page.text
    assert "No set term" in page.text
    assert page.has_link(f"/panels/{panel.pk}/edit/")
    assert page.has_link(f"/panels/{panel.pk}/members/add/")
    assert page.has_link(f"/grants/{member_grant.pk}/revoke/")
    assert page.has_link(f"/councils/{panel.council_id}/people/{member.pk}/reset-mfa/")


def test_the_chair_may_change_the_description_only(chair_client, panel, member):
    page = read(chair_client.get(f"/panels/{panel.pk}/"))

    assert member.display_name in page.text
    assert page.has_link(f"/panels/{panel.pk}/edit/")
    assert not page.has_link(f"/panels/{panel.pk}/members/add/")
    assert not any(link.startswith("/grants/") for link in page.links)


@pytest.mark.parametrize("role", ["member", "auditor"])
def test_members_and_auditors_read_the_panel_without_actions(request, role, panel, chair):
    client = mfa_client(request.getfixturevalue(role))

    page = read(client.get(f"/panels/{panel.pk}/"))

    assert page.h1 == panel.name
    assert chair.display_name in page.text
    assert not page.has_link(f"/panels/{panel.pk}/edit/")
    assert not page.has_link(f"/panels/{panel.pk}/members/add/")


@pytest.mark.parametrize("role", ["applicant", "nobody"])
def test_people_off_the_panel_do_not_see_it(request, role, panel):
    client = mfa_client(request.getfixturevalue(role))

    assert client.get(f"/panels/{panel.pk}/").status_code == 404
    assert not read(client.get("/panels/")).has_link(f"/panels/{panel.pk}/")


def test_a_member_of_another_panel_does_not_see_this_one(panel):
    elsewhere = UserFactory()
    grant(elsewhere, "panel_member", panel=PanelFactory(council=panel.council))

    assert mfa_client(elsewhere).get(f"/panels/{panel.pk}/").status_code == 404


def test_my_panels_lists_the_panels_i_sit_on(member, panel):
    other = PanelFactory(council=panel.council)

    page = read(mfa_client(member).get("/panels/"))

    assert page.has_link(f"/panels/{panel.pk}/")
    assert not page.has_link(f"/panels/{other.pk}/")


# --- changing ----------------------------------------------------------------------------


def test_an_officer_renames_a_panel_and_changes_its_localities(officer_client, panel):
    old = LocalityFactory(council=panel.council)
    new = LocalityFactory(council=panel.council)
    panel.localities.set([old])
    form = read(officer_client.get(f"/panels/{panel.pk}/edit/"))
    assert form.values["name"] == panel.name
    assert form.checked["localities"] == [str(old.pk)]

    response = officer_client.post(
        f"/panels/{panel.pk}/edit/",
        {"name": "Renamed panel", "description": "New words", "localities": [new.pk]},
    )

    assert response["Location"] == f"/panels/{panel.pk}/"
    panel.refresh_from_db()
    assert (panel.name, panel.description) == ("Renamed panel", "New words")
    assert list(panel.localities.all()) == [new]


def test_the_chair_changes_the_description_but_not_the_name(chair_client, panel):
    locality = LocalityFactory(council=panel.council)
    name = panel.name
    form = read(chair_client.get(f"/panels/{panel.pk}/edit/"))
    assert "name" not in form.values
    assert "localities" not in form.checked
    assert "description" in form.values

    response = chair_client.post(
        f"/panels/{panel.pk}/edit/",
        {"name": "Chair's name", "description": "What we do", "localities": [locality.pk]},
    )

    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.description == "What we do"
    assert panel.name == name
    assert not panel.localities.exists()


def test_an_empty_panel_name_is_a_field_error(officer_client, panel):
    name = panel.name

    page = read(officer_client.post(f"/panels/{panel.pk}/edit/", {"name": " ", "description": "D"}))

    assert page.error_for("name")
    assert page.values["description"] == "D"
    panel.refresh_from_db()
    assert (panel.name, panel.description) == (name, "")


@pytest.mark.parametrize("role", ["member", "auditor", "applicant", "nobody"])
def test_no_one_else_changes_the_panel(request, role, panel):
    client = mfa_client(request.getfixturevalue(role))

    response = client.post(f"/panels/{panel.pk}/edit/", {"name": "X", "description": "Y"})

    assert response.status_code == (403 if role in {"member", "auditor"} else 404)
    panel.refresh_from_db()
    assert panel.name != "X"
    assert panel.description == ""


# --- adding members ----------------------------------------------------------------------


def test_an_officer_adds_a_chair_with_a_term(officer, officer_client, panel):
    person = UserFactory(email="chair@example.org")

    response = officer_client.post(
        f"/panels/{panel.pk}/members/add/",
        {
            "email": "chair@example.org",
            "role": "panel_chair",
            "term_starts_on_day": "1",
            "term_starts_on_month": "4",
            "term_starts_on_year": "2027",
            "term_ends_on_day": "31",
            "term_ends_on_month": "3",
            "term_ends_on_year": "2029",
        },
    )

    assert response["Location"] == f"/panels/{panel.pk}/"
    added = RoleGrant.objects.get(user=person)
    assert (added.role, added.panel, added.granted_by) == (Role.PANEL_CHAIR, panel, officer)
    assert (added.term_starts_on, added.term_ends_on) == (date(2027, 4, 1), date(2029, 3, 31))


def test_a_member_may_have_no_set_term(officer_client, panel, nobody):
    officer_client.post(
        f"/panels/{panel.pk}/members/add/", {"email": nobody.email, "role": "panel_member"}
    )

    added = RoleGrant.objects.get(user=nobody)
    assert (added.role, added.term_starts_on, added.term_ends_on) == (
        Role.PANEL_MEMBER,
        None,
        None,
    )


def test_a_term_ending_before_it_starts_is_shown_on_the_end_date(officer_client, panel, nobody):
    data = {
        "email": nobody.email,
        "role": "panel_member",
        "term_starts_on_day": "1",
        "term_starts_on_month": "4",
        "term_starts_on_year": "2027",
        "term_ends_on_day": "1",
        "term_ends_on_month": "1",
        "term_ends_on_year": "2027",
    }

    page = read(officer_client.post(f"/panels/{panel.pk}/members/add/", data))

    assert page.error_for("term_ends_on") == "The term must end after it starts."
    assert page.summary == [("#id_term_ends_on_0", "The term must end after it starts.")]
    assert page.values["term_starts_on_day"] == "1"
    assert page.values["term_ends_on_year"] == "2027"
    assert page.values["email"] == nobody.email
    assert page.checked["role"] == ["panel_member"]
    assert not RoleGrant.objects.filter(user=nobody).exists()


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2027", "Enter a real date, like 27 3 2027."),
        ("1", "", "2027", "Enter the day, the month and the year."),
        ("x", "4", "2027", "Enter a real date, like 27 3 2027."),
        ("1", "4", "27", "Enter a real date, like 27 3 2027."),
    ],
)
def test_a_date_that_is_not_real_is_a_field_error(
    officer_client, panel, nobody, day, month, year, message
):
    page = read(
        officer_client.post(
            f"/panels/{panel.pk}/members/add/",
            {
                "email": nobody.email,
                "role": "panel_member",
                "term_starts_on_day": day,
                "term_starts_on_month": month,
                "term_starts_on_year": year,
            },
        )
    )

    assert page.error_for("term_starts_on") == message
    assert page.values["term_starts_on_day"] == day
    assert not RoleGrant.objects.filter(user=nobody).exists()


def test_adding_an_unknown_email_says_to_create_an_account_first(officer_client, panel):
    page = read(
        officer_client.post(
            f"/panels/{panel.pk}/members/add/",
            {"email": "new@example.org", "role": "panel_member"},
        )
    )

    assert page.error_for("email") == (
        "No account uses this email address; ask them to create one first"
    )
    assert not RoleGrant.objects.filter(panel=panel).exists()


def test_someone_already_on_the_panel_is_not_added_twice(officer_client, panel, member):
    page = read(
        officer_client.post(
            f"/panels/{panel.pk}/members/add/", {"email": member.email, "role": "panel_chair"}
        )
    )

    assert page.error_for("email") == "Already holds a role there."
    assert panel_people(panel) == {(member.email, "panel_member")}


@pytest.mark.parametrize("role", ["chair", "auditor"])
def test_chairs_and_auditors_cannot_add_members(request, role, panel, nobody):
    client = mfa_client(request.getfixturevalue(role))

    assert client.get(f"/panels/{panel.pk}/members/add/").status_code == 403
    response = client.post(
        f"/panels/{panel.pk}/members/add/", {"email": nobody.email, "role": "panel_member"}
    )

    assert response.status_code == 403
    assert not RoleGrant.objects.filter(user=nobody).exists()


@pytest.mark.parametrize("role", ["member", "applicant", "nobody"])
def test_others_cannot_add_members(request, role, panel):
    client = mfa_client(request.getfixturevalue(role))
    person = UserFactory()

    response = client.post(
        f"/panels/{panel.pk}/members/add/", {"email": person.email, "role": "panel_member"}
    )

    assert response.status_code == (403 if role == "member" else 404)
    assert not RoleGrant.objects.filter(user=person).exists()


def test_an_officer_removes_a_panel_member(officer, officer_client, panel, member):
    member_grant = RoleGrant.objects.get(user=member)

    response = officer_client.post(f"/grants/{member_grant.pk}/revoke/")

    assert response["Location"] == f"/panels/{panel.pk}/"
    member_grant.refresh_from_db()
    assert member_grant.revoked_by == officer
    assert panel_people(panel) == set()


def test_the_chair_cannot_remove_a_member(chair_client, member):
    member_grant = RoleGrant.objects.get(user=member)

    response = chair_client.post(f"/grants/{member_grant.pk}/revoke/")

    assert response.status_code == 404
    member_grant.refresh_from_db()
    assert member_grant.revoked_at is None


# --- no N+1 ------------------------------------------------------------------------------


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_panel_page_takes_a_fixed_number_of_queries(
    officer_client, panel, django_assert_max_num_queries
):
    path = f"/panels/{panel.pk}/"
    grant(UserFactory(), "panel_member", panel=panel, term_starts_on=date(2027, 1, 1))
    panel.localities.add(LocalityFactory(council=panel.council))
    few = _queries(officer_client, path)
    for _ in range(10):
        grant(UserFactory(), "panel_member", panel=panel, term_starts_on=date(2027, 1, 1))
        panel.localities.add(LocalityFactory(council=panel.council))

    with django_assert_max_num_queries(16):
        officer_client.get(path)
    assert _queries(officer_client, path) == few
