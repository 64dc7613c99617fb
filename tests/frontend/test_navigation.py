"""Signed-in people find their organisations, councils, panels and tokens from home and account."""

from __future__ import annotations

import pytest

from backend.accounts.models import RoleGrant
from tests.factories import mfa_client

from .pages import read

pytestmark = pytest.mark.django_db


def test_the_account_page_links_to_the_new_pages(nobody_client):
    page = read(nobody_client.get("/account/"))

    for link in ("/organisations/", "/councils/", "/panels/", "/account/tokens/"):
        assert page.has_link(link), link


def test_home_lists_an_applicants_organisations(applicant_client, organisation):
    page = read(applicant_client.get("/"))

    assert page.has_link(f"/organisations/{organisation.pk}/")
    assert page.has_link("/organisations/new/")
    assert page.has_link("/bids/")
    assert not any(link.startswith("/councils/") for link in page.links)


def test_home_lists_an_officers_council_and_its_panels(officer_client, council, panel):
    page = read(officer_client.get("/"))

    assert page.has_link(f"/councils/{council.pk}/")
    assert page.has_link(f"/panels/{panel.pk}/")


@pytest.mark.parametrize("role", ["chair", "member"])
def test_home_lists_the_panels_a_person_sits_on(request, role, panel):
    page = read(mfa_client(request.getfixturevalue(role)).get("/"))

    assert page.has_link(f"/panels/{panel.pk}/")
    assert not any(link.startswith("/councils/") for link in page.links)


def test_home_invites_anonymous_visitors_to_sign_in(client):
    page = read(client.get("/"))

    assert page.has_link("/accounts/login/")
    assert not page.has_link("/organisations/new/")


@pytest.mark.parametrize(
    "path",
    ["/councils/999999/", "/panels/999999/", "/organisations/999999/", "/grants/999999/revoke/"],
)
def test_unknown_objects_are_a_404_page_not_an_error(officer_client, path):
    response = officer_client.get(path)

    assert response.status_code == 404
    assert read(response).h1 == "Page not found"


def test_every_page_asks_anonymous_visitors_to_sign_in_and_changes_nothing(
    client, council, panel, organisation, officer, applicant
):
    before = set(RoleGrant.objects.filter(revoked_at__isnull=True).values_list("pk", flat=True))
    grant_id = RoleGrant.objects.get(user=officer).pk
    paths = [
        "/account/tokens/",
        "/account/tokens/1/revoke/",
        "/organisations/",
        "/organisations/new/",
        f"/organisations/{organisation.pk}/",
        f"/organisations/{organisation.pk}/edit/",
        f"/organisations/{organisation.pk}/invite/",
        f"/organisations/{organisation.pk}/members/{applicant.pk}/remove/",
        "/organisations/invitations/some-token/",
        "/councils/",
        f"/councils/{council.pk}/",
        f"/councils/{council.pk}/localities/new/",
        f"/councils/{council.pk}/panels/new/",
        f"/councils/{council.pk}/roles/add/",
        f"/councils/{council.pk}/people/{officer.pk}/reset-mfa/",
        f"/grants/{grant_id}/revoke/",
        "/panels/",
        f"/panels/{panel.pk}/",
        f"/panels/{panel.pk}/edit/",
        f"/panels/{panel.pk}/members/add/",
    ]
    for path in paths:
        for response in (client.get(path), client.post(path, {"name": "x"})):
            assert response.status_code == 302, path
            assert response["Location"].startswith("/accounts/login/?next="), path

    assert (
        set(RoleGrant.objects.filter(revoked_at__isnull=True).values_list("pk", flat=True))
        == before
    )
