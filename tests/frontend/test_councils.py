"""Council pages: what officers, auditors and everyone else can see and do."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import Role, RoleGrant
from backend.funds.models import Locality, Panel
from tests.factories import (
    CouncilFactory,
    LocalityFactory,
    PanelFactory,
    UserFactory,
    add_totp,
    grant,
    mfa_client,
    signed_in_client,
)

from .pages import read

pytestmark = pytest.mark.django_db

NO_ACCOUNT = "No account uses this email address; ask them to create one first"


def active(**scope: object) -> set[tuple[str, str]]:
    return set(
        RoleGrant.objects.filter(revoked_at__isnull=True, **scope).values_list(
            "user__email", "role"
        )
    )


def officer_links(council_id: int) -> list[str]:
    return [
        f"/councils/{council_id}/localities/new/",
        f"/councils/{council_id}/panels/new/",
        f"/councils/{council_id}/roles/add/",
        f"/councils/{council_id}/funds/new/",
    ]


# --- listing and reading -----------------------------------------------------------------


def test_officers_and_auditors_find_their_councils(officer_client, auditor_client, council):
    other = CouncilFactory()

    for client in (officer_client, auditor_client):
        page = read(client.get("/councils/"))
        assert page.has_link(f"/councils/{council.pk}/")
        assert not page.has_link(f"/councils/{other.pk}/")


def test_an_officer_sees_the_council_with_its_actions(officer, officer_client, council, panel):
    locality = LocalityFactory(council=council, name="Riverside", postcodes=["NB1 1AA"])
    panel.localities.add(locality)
    auditor = UserFactory()
    auditor_grant = grant(auditor, "auditor", council=council)

    page = read(officer_client.get(f"/councils/{council.pk}/"))

    assert page.h1 == council.name
    assert "Riverside" in page.text
    assert "NB1 1AA" in page.text
    assert page.has_link(f"/panels/{panel.pk}/")
    assert officer.email in page.text
    assert auditor.email in page.text
    for link in officer_links(council.pk):
        assert page.has_link(link)
    assert page.has_link(f"/grants/{auditor_grant.pk}/revoke/")
    assert page.has_link(f"/councils/{council.pk}/people/{auditor.pk}/reset-mfa/")
    # No one resets their own second factor.
    assert not page.has_link(f"/councils/{council.pk}/people/{officer.pk}/reset-mfa/")


def test_an_auditor_reads_the_council_without_any_action(officer, auditor_client, council, panel):
    page = read(auditor_client.get(f"/councils/{council.pk}/"))

    assert page.h1 == council.name
    assert officer.email in page.text
    assert page.has_link(f"/panels/{panel.pk}/")
    for link in officer_links(council.pk):
        assert not page.has_link(link)
    assert not any(link.startswith("/grants/") for link in page.links)
    assert not any("reset-mfa" in link for link in page.links)


@pytest.mark.parametrize("role", ["chair", "member", "applicant", "nobody"])
def test_people_without_a_council_role_do_not_see_the_council(request, role, council):
    client = mfa_client(request.getfixturevalue(role))

    assert read(client.get("/councils/")).has_link(f"/councils/{council.pk}/") is False
    assert client.get(f"/councils/{council.pk}/").status_code == 404
    assert client.get(f"/councils/{council.pk}/localities/new/").status_code == 404
    response = client.post(
        f"/councils/{council.pk}/localities/new/", {"name": "X", "ward_codes": "E05011234"}
    )
    assert response.status_code == 404
    assert not Locality.objects.exists()


@pytest.mark.parametrize("role", ["chair", "member", "applicant", "nobody"])
def test_people_without_a_council_role_change_nothing_through_officer_pages(
    request, role, council, panel, officer
):
    person = request.getfixturevalue(role)
    client = mfa_client(person)
    target = UserFactory()
    add_totp(target)
    grant(target, "panel_member", panel=panel)
    officer_grant = RoleGrant.objects.get(user=officer)
    before = active()

    attempts = {
        f"/councils/{council.pk}/localities/new/": {"name": "X", "ward_codes": "E05011234"},
        f"/councils/{council.pk}/panels/new/": {"name": "New panel"},
        f"/councils/{council.pk}/roles/add/": {"email": person.email, "role": "council_officer"},
        f"/councils/{council.pk}/people/{target.pk}/reset-mfa/": {},
        f"/grants/{officer_grant.pk}/revoke/": {},
        f"/panels/{panel.pk}/members/add/": {"email": person.email, "role": "panel_chair"},
    }
    for path, data in attempts.items():
        response = client.post(path, data)
        assert response.status_code in {403, 404}, path

    assert active() == before
    assert not Locality.objects.exists()
    assert list(Panel.objects.all()) == [panel]
    assert Authenticator.objects.filter(user=target).exists()


def test_an_officer_of_another_council_does_not_see_this_one(council):
    elsewhere = UserFactory()
    grant(elsewhere, "council_officer", council=CouncilFactory())

    assert mfa_client(elsewhere).get(f"/councils/{council.pk}/").status_code == 404


def test_council_pages_ask_anonymous_visitors_to_sign_in(client, council):
    for path in ("/councils/", f"/councils/{council.pk}/", f"/councils/{council.pk}/roles/add/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- localities --------------------------------------------------------------------------


def test_an_officer_adds_a_locality_from_lines_of_ward_codes_and_postcodes(officer_client, council):
    response = officer_client.post(
        f"/councils/{council.pk}/localities/new/",
        {
            "name": "Riverside",
            "ward_codes": "e05011234\r\n\r\nE05011235\r\n",
            "postcodes": "nb1 1aa\r\nNB2\r\n",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/councils/{council.pk}/"
    locality = Locality.objects.get(council=council)
    assert locality.name == "Riverside"
    assert locality.ward_codes == ["E05011234", "E05011235"]
    assert locality.postcodes == ["NB1 1AA", "NB2"]


def test_a_bad_ward_code_is_shown_next_to_its_field_and_nothing_is_saved(officer_client, council):
    response = officer_client.post(
        f"/councils/{council.pk}/localities/new/",
        {"name": "Riverside", "ward_codes": "E05011234\r\nWARD9", "postcodes": "NB1 1AA"},
    )

    page = read(response)
    assert response.status_code == 200
    assert not Locality.objects.exists()
    assert "WARD9" in page.error_for("ward_codes")
    assert page.summary[0][0] == "#id_ward_codes"
    assert page.values["name"] == "Riverside"
    assert page.values["ward_codes"] == "E05011234\r\nWARD9"
    assert page.values["postcodes"] == "NB1 1AA"


def test_a_locality_needs_a_name_and_an_area(officer_client, council):
    page = read(officer_client.post(f"/councils/{council.pk}/localities/new/", {"name": ""}))
    assert page.error_for("name") == "Enter the locality's name."

    page = read(officer_client.post(f"/councils/{council.pk}/localities/new/", {"name": "Ward"}))
    assert "at least one ward code or postcode" in page.error_for("ward_codes")
    assert not Locality.objects.exists()


def test_an_auditor_cannot_add_a_locality(auditor_client, council):
    assert auditor_client.get(f"/councils/{council.pk}/localities/new/").status_code == 403

    response = auditor_client.post(
        f"/councils/{council.pk}/localities/new/", {"name": "X", "ward_codes": "E05011234"}
    )

    assert response.status_code == 403
    assert "permission" in read(response).text
    assert not Locality.objects.exists()


# --- panels ------------------------------------------------------------------------------


def test_an_officer_creates_a_panel_serving_some_localities(officer, officer_client, council):
    riverside = LocalityFactory(council=council, name="Riverside")
    LocalityFactory(council=council, name="Hillside")
    form = read(officer_client.get(f"/councils/{council.pk}/panels/new/"))
    assert form.checked["localities"] == []
    assert "Riverside" in form.text
    assert "Hillside" in form.text

    response = officer_client.post(
        f"/councils/{council.pk}/panels/new/",
        {"name": "Early years panel", "description": "Under-fives", "localities": [riverside.pk]},
    )

    panel = Panel.objects.get(council=council)
    assert response["Location"] == f"/panels/{panel.pk}/"
    assert panel.name == "Early years panel"
    assert panel.description == "Under-fives"
    assert panel.created_by == officer
    assert list(panel.localities.all()) == [riverside]


def test_a_panel_name_already_used_is_a_field_error(officer_client, council, panel):
    response = officer_client.post(
        f"/councils/{council.pk}/panels/new/", {"name": panel.name, "description": "Kept"}
    )

    page = read(response)
    assert page.error_for("name") == "Already used."
    assert page.values["description"] == "Kept"
    assert Panel.objects.count() == 1


def test_a_locality_of_another_council_cannot_be_chosen(officer_client, council):
    elsewhere = LocalityFactory()

    page = read(
        officer_client.post(
            f"/councils/{council.pk}/panels/new/", {"name": "P", "localities": [elsewhere.pk]}
        )
    )

    assert page.error_for("localities")
    assert not Panel.objects.exists()


def test_an_auditor_cannot_create_a_panel(auditor_client, council):
    response = auditor_client.post(f"/councils/{council.pk}/panels/new/", {"name": "P"})

    assert response.status_code == 403
    assert not Panel.objects.exists()


# --- granting and revoking council roles -------------------------------------------------


def test_an_officer_grants_the_auditor_role_by_email(officer, officer_client, council):
    person = UserFactory(email="audit@example.org")

    response = officer_client.post(
        f"/councils/{council.pk}/roles/add/", {"email": "Audit@Example.org", "role": "auditor"}
    )

    assert response.status_code == 302
    granted = RoleGrant.objects.get(user=person)
    assert (granted.role, granted.council, granted.granted_by) == (Role.AUDITOR, council, officer)


def test_granting_to_an_unknown_email_says_to_create_an_account_first(officer_client, council):
    before = RoleGrant.objects.count()

    response = officer_client.post(
        f"/councils/{council.pk}/roles/add/",
        {"email": "nobody@example.org", "role": "council_officer"},
    )

    page = read(response)
    assert page.error_for("email") == NO_ACCOUNT
    assert page.summary == [("#id_email", NO_ACCOUNT)]
    assert page.values["email"] == "nobody@example.org"
    assert page.checked["role"] == ["council_officer"]
    assert RoleGrant.objects.count() == before


def test_granting_a_role_already_held_is_a_field_error(officer_client, council, auditor):
    page = read(
        officer_client.post(
            f"/councils/{council.pk}/roles/add/", {"email": auditor.email, "role": "auditor"}
        )
    )

    assert page.error_for("email") == "Already holds a role there."
    assert RoleGrant.objects.filter(user=auditor).count() == 1


def test_granting_needs_a_role(officer_client, council, nobody):
    page = read(officer_client.post(f"/councils/{council.pk}/roles/add/", {"email": nobody.email}))

    assert page.error_for("role") == "Choose the role."
    assert page.summary == [("#id_role_0", "Choose the role.")]
    assert not RoleGrant.objects.filter(user=nobody).exists()


def test_an_auditor_cannot_grant_roles(auditor_client, council, nobody):
    assert auditor_client.get(f"/councils/{council.pk}/roles/add/").status_code == 403

    response = auditor_client.post(
        f"/councils/{council.pk}/roles/add/", {"email": nobody.email, "role": "auditor"}
    )

    assert response.status_code == 403
    assert not RoleGrant.objects.filter(user=nobody).exists()


def test_an_officer_revokes_a_role_after_confirming(officer, officer_client, council, auditor):
    auditor_grant = RoleGrant.objects.get(user=auditor)

    confirm = read(officer_client.get(f"/grants/{auditor_grant.pk}/revoke/"))
    assert auditor.display_name in confirm.h1
    assert auditor_grant.revoked_at is None

    response = officer_client.post(f"/grants/{auditor_grant.pk}/revoke/")

    assert response["Location"] == f"/councils/{council.pk}/"
    auditor_grant.refresh_from_db()
    assert auditor_grant.revoked_at is not None
    assert auditor_grant.revoked_by == officer
    assert (auditor.email, "auditor") not in active(council=council)


def test_the_last_officer_cannot_be_revoked(officer, officer_client, council):
    own = RoleGrant.objects.get(user=officer)

    page = read(officer_client.post(f"/grants/{own.pk}/revoke/"))

    assert ("", "A council needs at least one officer.") in page.summary
    own.refresh_from_db()
    assert own.revoked_at is None


def test_an_auditor_cannot_revoke_roles(auditor_client, officer, council):
    officer_grant = RoleGrant.objects.get(user=officer)

    assert auditor_client.get(f"/grants/{officer_grant.pk}/revoke/").status_code == 403
    assert auditor_client.post(f"/grants/{officer_grant.pk}/revoke/").status_code == 403

    officer_grant.refresh_from_db()
    assert officer_grant.revoked_at is None


@pytest.mark.parametrize("role", ["chair", "member", "applicant", "nobody"])
def test_others_cannot_revoke_roles(request, role, officer):
    officer_grant = RoleGrant.objects.get(user=officer)
    client = mfa_client(request.getfixturevalue(role))

    assert client.post(f"/grants/{officer_grant.pk}/revoke/").status_code == 404

    officer_grant.refresh_from_db()
    assert officer_grant.revoked_at is None


def test_an_organisation_role_is_not_revoked_from_council_pages(officer_client, applicant):
    applicant_grant = RoleGrant.objects.get(user=applicant)

    assert officer_client.post(f"/grants/{applicant_grant.pk}/revoke/").status_code == 404
    applicant_grant.refresh_from_db()
    assert applicant_grant.revoked_at is None


# --- resetting a lost authenticator ------------------------------------------------------


def test_an_officer_resets_a_chairs_lost_authenticator(officer_client, council, chair):
    add_totp(chair)
    url = f"/councils/{council.pk}/people/{chair.pk}/reset-mfa/"

    confirm = read(officer_client.get(url))
    assert chair.display_name in confirm.h1
    assert Authenticator.objects.filter(user=chair).exists()

    response = officer_client.post(url)

    assert response["Location"] == f"/councils/{council.pk}/"
    assert not Authenticator.objects.filter(user=chair).exists()


def test_an_officer_cannot_reset_their_own_authenticator(officer, officer_client, council):
    page = read(officer_client.post(f"/councils/{council.pk}/people/{officer.pk}/reset-mfa/"))

    assert ("", "Ask another officer to reset your own authenticator.") in page.summary
    assert Authenticator.objects.filter(user=officer).exists()


def test_a_person_outside_the_council_cannot_be_reset(officer_client, council):
    stranger = UserFactory()
    add_totp(stranger)

    response = officer_client.post(f"/councils/{council.pk}/people/{stranger.pk}/reset-mfa/")

    assert response.status_code == 404
    assert Authenticator.objects.filter(user=stranger).exists()


def test_an_auditor_cannot_reset_authenticators(auditor_client, council, chair):
    add_totp(chair)
    url = f"/councils/{council.pk}/people/{chair.pk}/reset-mfa/"

    assert auditor_client.get(url).status_code == 403
    assert auditor_client.post(url).status_code == 403
    assert Authenticator.objects.filter(user=chair).exists()


@pytest.mark.parametrize("role", ["member", "applicant", "nobody"])
def test_others_cannot_reset_authenticators(request, role, council, chair):
    add_totp(chair)
    client = signed_in_client(request.getfixturevalue(role))

    response = client.post(f"/councils/{council.pk}/people/{chair.pk}/reset-mfa/")

    assert response.status_code == 404
    assert Authenticator.objects.filter(user=chair).exists()


# --- no N+1 ------------------------------------------------------------------------------


def _fill_council(council, size: int) -> None:
    localities = [LocalityFactory(council=council) for _ in range(size)]
    for _ in range(size):
        panel = PanelFactory(council=council)
        panel.localities.set(localities)
        grant(UserFactory(), "panel_member", panel=panel)
        grant(UserFactory(), "auditor", council=council)


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_council_page_takes_a_fixed_number_of_queries(
    officer_client, council, django_assert_max_num_queries
):
    path = f"/councils/{council.pk}/"
    _fill_council(council, 1)
    few = _queries(officer_client, path)
    _fill_council(council, 8)

    with django_assert_max_num_queries(20):
        officer_client.get(path)
    assert _queries(officer_client, path) == few
