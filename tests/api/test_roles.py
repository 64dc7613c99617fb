"""What each role can and cannot do through the API, with the effect (or none) in the database."""

from __future__ import annotations

from datetime import date

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from backend.accounts.models import Organisation, OrganisationInvitation, Role, RoleGrant
from backend.funds.models import Locality, Panel
from backend.notifications.services import notifications_deliver
from tests.factories import (
    CouncilFactory,
    LocalityFactory,
    OrganisationFactory,
    PanelFactory,
    UserFactory,
    add_totp,
    grant,
    mfa_client,
    signed_in_client,
)

from .calls import call

pytestmark = pytest.mark.django_db

ORGANISATION = {
    "name": "Riverside Play CIC",
    "legal_form": "cic",
    "company_number": "1234567",
    "address_line_1": "4 Mill Lane",
    "town": "Northbridge",
    "postcode": "nb12ab",
    "contact_email": "hello@riverside.example.org",
}


def _locality_body(name: str = "Riverside ward") -> dict[str, object]:
    return {"name": name, "ward_codes": ["e05011234"], "postcodes": ["nb1 2"]}


class TestCouncilOfficer:
    @pytest.fixture
    def client(self, officer_client):
        return officer_client

    def test_me_lists_the_council_role(self, client, officer, council):
        response = call(client, "GET", "/api/v1/me/")
        assert response.status_code == 200
        assert response.data["email"] == officer.email
        assert response.data["mfa_verified"] is True
        [role] = response.data["roles"]
        assert role["role"] == "council_officer"
        assert role["council"] == council.pk
        assert role["scope_name"] == council.name

    def test_lists_and_reads_the_council(self, client, council):
        CouncilFactory()  # another council, not theirs
        listed = call(client, "GET", "/api/v1/councils/")
        assert [c["id"] for c in listed.data] == [council.pk]
        detail = call(client, "GET", f"/api/v1/councils/{council.pk}/")
        assert detail.status_code == 200
        assert detail.data["name"] == council.name

    def test_creates_a_locality(self, client, council):
        response = call(
            client, "POST", f"/api/v1/councils/{council.pk}/localities/", _locality_body()
        )
        assert response.status_code == 201, response.data
        locality = Locality.objects.get(pk=response.data["id"])
        assert locality.council == council
        assert locality.ward_codes == ["E05011234"]
        assert locality.postcodes == ["NB1 2"]
        listed = call(client, "GET", f"/api/v1/councils/{council.pk}/localities/")
        assert [loc["id"] for loc in listed.data] == [locality.pk]

    def test_creates_a_panel_serving_localities(self, client, council, officer):
        locality = LocalityFactory(council=council)
        response = call(
            client,
            "POST",
            f"/api/v1/councils/{council.pk}/panels/",
            {
                "name": "Early years panel",
                "description": "Under-fives",
                "localities": [locality.pk],
            },
        )
        assert response.status_code == 201, response.data
        panel = Panel.objects.get(pk=response.data["id"])
        assert (panel.council, panel.name, panel.created_by) == (
            council,
            "Early years panel",
            officer,
        )
        assert list(panel.localities.all()) == [locality]
        assert response.data["localities"] == [{"id": locality.pk, "name": locality.name}]
        listed = call(client, "GET", f"/api/v1/councils/{council.pk}/panels/")
        assert [p["id"] for p in listed.data] == [panel.pk]

    def test_renames_a_panel_and_changes_its_localities(self, client, council, panel):
        locality = LocalityFactory(council=council)
        response = call(
            client,
            "PATCH",
            f"/api/v1/panels/{panel.pk}/",
            {"name": "Renamed panel", "localities": [locality.pk]},
        )
        assert response.status_code == 200, response.data
        panel.refresh_from_db()
        assert panel.name == "Renamed panel"
        assert list(panel.localities.all()) == [locality]

    def test_grants_and_revokes_a_council_role(self, client, council, officer):
        person = UserFactory()
        granted = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": person.email.upper(), "role": "auditor", "council": council.pk},
        )
        assert granted.status_code == 201, granted.data
        grant_row = RoleGrant.objects.get(pk=granted.data["id"])
        assert (grant_row.user, grant_row.role, grant_row.council) == (
            person,
            Role.AUDITOR,
            council,
        )
        assert grant_row.granted_by == officer
        assert grant_row.revoked_at is None

        revoked = call(client, "POST", f"/api/v1/role-grants/{grant_row.pk}/revoke/")
        assert revoked.status_code == 200, revoked.data
        grant_row.refresh_from_db()
        assert grant_row.revoked_at is not None
        assert grant_row.revoked_by == officer
        assert revoked.data["revoked_at"] is not None

    def test_grants_a_panel_role_with_a_term(self, client, panel):
        person = UserFactory()
        response = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {
                "email": person.email,
                "role": "panel_member",
                "panel": panel.pk,
                "term_starts_on": "2026-01-01",
                "term_ends_on": "2027-12-31",
            },
        )
        assert response.status_code == 201, response.data
        grant_row = RoleGrant.objects.get(user=person, panel=panel, revoked_at__isnull=True)
        assert grant_row.role == Role.PANEL_MEMBER
        assert (grant_row.term_starts_on, grant_row.term_ends_on) == (
            date(2026, 1, 1),
            date(2027, 12, 31),
        )

    def test_cannot_revoke_the_last_officer(self, client, officer, council):
        own = RoleGrant.objects.get(user=officer, council=council)
        response = call(client, "POST", f"/api/v1/role-grants/{own.pk}/revoke/")
        assert response.status_code == 400
        assert "at least one officer" in response.data["message"]
        own.refresh_from_db()
        assert own.revoked_at is None

    def test_resets_the_mfa_of_someone_in_the_council(self, client, chair):
        add_totp(chair)
        response = call(client, "POST", f"/api/v1/users/{chair.pk}/mfa-reset/")
        assert response.status_code == 200, response.data
        assert response.data["removed"] >= 1
        assert not Authenticator.objects.filter(user=chair).exists()

    def test_cannot_reset_their_own_mfa(self, client, officer):
        response = call(client, "POST", f"/api/v1/users/{officer.pk}/mfa-reset/")
        assert response.status_code == 400
        assert Authenticator.objects.filter(user=officer).exists()

    def test_cannot_act_in_another_council(self, client):
        other = CouncilFactory()
        other_panel = PanelFactory(council=other)
        stranger = UserFactory()
        grant(stranger, "auditor", council=other)
        add_totp(stranger)

        assert call(client, "GET", f"/api/v1/councils/{other.pk}/").status_code == 404
        created = call(client, "POST", f"/api/v1/councils/{other.pk}/localities/", _locality_body())
        assert created.status_code == 404
        assert not Locality.objects.filter(council=other).exists()
        granted = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": UserFactory().email, "role": "panel_member", "panel": other_panel.pk},
        )
        assert granted.status_code == 403
        assert not RoleGrant.objects.filter(panel=other_panel).exists()
        reset = call(client, "POST", f"/api/v1/users/{stranger.pk}/mfa-reset/")
        assert reset.status_code == 403
        assert Authenticator.objects.filter(user=stranger).exists()

    def test_reads_but_cannot_change_an_organisation(self, client, organisation):
        assert call(client, "GET", f"/api/v1/organisations/{organisation.pk}/").status_code == 200
        response = call(
            client, "PATCH", f"/api/v1/organisations/{organisation.pk}/", {"name": "Taken over"}
        )
        assert response.status_code == 403
        organisation.refresh_from_db()
        assert organisation.name != "Taken over"


class TestAuditor:
    @pytest.fixture
    def client(self, auditor):
        return mfa_client(auditor)

    def test_reads_the_council_its_localities_panels_and_organisations(
        self, client, council, panel, member, organisation
    ):
        LocalityFactory(council=council)
        assert call(client, "GET", f"/api/v1/councils/{council.pk}/").status_code == 200
        assert len(call(client, "GET", f"/api/v1/councils/{council.pk}/localities/").data) == 1
        assert [
            p["id"] for p in call(client, "GET", f"/api/v1/councils/{council.pk}/panels/").data
        ] == [panel.pk]
        assert call(client, "GET", f"/api/v1/panels/{panel.pk}/").status_code == 200
        members = call(client, "GET", f"/api/v1/panels/{panel.pk}/members/").data
        assert [m["user"] for m in members] == [member.pk]
        assert call(client, "GET", f"/api/v1/organisations/{organisation.pk}/").status_code == 200

    def test_changes_nothing(self, client, council, panel, officer):
        created = call(
            client, "POST", f"/api/v1/councils/{council.pk}/localities/", _locality_body()
        )
        assert created.status_code == 403
        assert not Locality.objects.exists()

        panel_created = call(
            client, "POST", f"/api/v1/councils/{council.pk}/panels/", {"name": "X"}
        )
        assert panel_created.status_code == 403
        assert Panel.objects.count() == 1

        edited = call(client, "PATCH", f"/api/v1/panels/{panel.pk}/", {"description": "Changed"})
        assert edited.status_code == 403
        panel.refresh_from_db()
        assert panel.description == ""

        granted = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": UserFactory().email, "role": "auditor", "council": council.pk},
        )
        assert granted.status_code == 403
        assert RoleGrant.objects.filter(council=council).count() == 2  # the officer and auditor

        officer_grant = RoleGrant.objects.get(user=officer)
        revoked = call(client, "POST", f"/api/v1/role-grants/{officer_grant.pk}/revoke/")
        assert revoked.status_code == 403
        officer_grant.refresh_from_db()
        assert officer_grant.revoked_at is None

        add_totp(officer)
        reset = call(client, "POST", f"/api/v1/users/{officer.pk}/mfa-reset/")
        assert reset.status_code == 403
        assert Authenticator.objects.filter(user=officer).exists()


class TestPanelChair:
    @pytest.fixture
    def client(self, chair):
        return mfa_client(chair)

    def test_reads_the_panel_and_its_members(self, client, panel, chair, member):
        assert call(client, "GET", f"/api/v1/panels/{panel.pk}/").data["name"] == panel.name
        members = call(client, "GET", f"/api/v1/panels/{panel.pk}/members/").data
        assert {(m["user"], m["role"]) for m in members} == {
            (chair.pk, "panel_chair"),
            (member.pk, "panel_member"),
        }

    def test_changes_the_description(self, client, panel):
        response = call(
            client, "PATCH", f"/api/v1/panels/{panel.pk}/", {"description": "We meet monthly."}
        )
        assert response.status_code == 200, response.data
        panel.refresh_from_db()
        assert panel.description == "We meet monthly."

    def test_cannot_rename_the_panel_or_change_localities(self, client, panel, council):
        locality = LocalityFactory(council=council)
        renamed = call(client, "PATCH", f"/api/v1/panels/{panel.pk}/", {"name": "Chair's panel"})
        assert renamed.status_code == 403
        moved = call(client, "PATCH", f"/api/v1/panels/{panel.pk}/", {"localities": [locality.pk]})
        assert moved.status_code == 403
        panel.refresh_from_db()
        assert panel.name != "Chair's panel"
        assert not panel.localities.exists()

    def test_cannot_manage_the_council_roles_or_mfa(self, client, council, panel, member):
        assert call(client, "GET", f"/api/v1/councils/{council.pk}/").status_code == 404
        created = call(
            client, "POST", f"/api/v1/councils/{council.pk}/panels/", {"name": "Another"}
        )
        assert created.status_code == 404
        assert Panel.objects.count() == 1
        granted = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": UserFactory().email, "role": "panel_member", "panel": panel.pk},
        )
        assert granted.status_code == 403
        assert RoleGrant.objects.filter(panel=panel).count() == 2
        member_grant = RoleGrant.objects.get(user=member, panel=panel)
        revoked = call(client, "POST", f"/api/v1/role-grants/{member_grant.pk}/revoke/")
        assert revoked.status_code == 404
        member_grant.refresh_from_db()
        assert member_grant.revoked_at is None
        add_totp(member)
        reset = call(client, "POST", f"/api/v1/users/{member.pk}/mfa-reset/")
        assert reset.status_code == 403
        assert Authenticator.objects.filter(user=member).exists()


class TestPanelMember:
    @pytest.fixture
    def client(self, member):
        return signed_in_client(member)  # members need no second factor

    def test_reads_the_panel_and_its_members(self, client, panel, member):
        assert call(client, "GET", f"/api/v1/panels/{panel.pk}/").status_code == 200
        members = call(client, "GET", f"/api/v1/panels/{panel.pk}/members/").data
        assert [m["user"] for m in members] == [member.pk]

    def test_cannot_change_the_panel(self, client, panel):
        response = call(client, "PATCH", f"/api/v1/panels/{panel.pk}/", {"description": "Mine now"})
        assert response.status_code == 403
        panel.refresh_from_db()
        assert panel.description == ""

    def test_sees_no_other_panel_nor_the_council(self, client, council):
        other = PanelFactory(council=council)
        assert call(client, "GET", f"/api/v1/panels/{other.pk}/").status_code == 404
        assert call(client, "GET", "/api/v1/councils/").data == []
        assert call(client, "GET", f"/api/v1/councils/{council.pk}/panels/").status_code == 404

    def test_cannot_grant_roles(self, client, panel):
        response = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": UserFactory().email, "role": "panel_member", "panel": panel.pk},
        )
        assert response.status_code == 403
        assert RoleGrant.objects.filter(panel=panel).count() == 1


class TestApplicant:
    @pytest.fixture
    def client(self, applicant):
        return signed_in_client(applicant)

    def test_lists_and_reads_their_organisation(self, client, organisation):
        OrganisationFactory()  # not theirs
        listed = call(client, "GET", "/api/v1/organisations/")
        assert [o["id"] for o in listed.data] == [organisation.pk]
        detail = call(client, "GET", f"/api/v1/organisations/{organisation.pk}/")
        assert detail.data["company_org_id"] == organisation.company_org_id

    def test_changes_some_details_with_patch(self, client, organisation):
        response = call(
            client, "PATCH", f"/api/v1/organisations/{organisation.pk}/", {"town": "Southbridge"}
        )
        assert response.status_code == 200, response.data
        organisation.refresh_from_db()
        assert organisation.town == "Southbridge"
        assert organisation.company_org_id == response.data["company_org_id"]
        assert organisation.name == response.data["name"]

    def test_replaces_all_details_with_put(self, client, organisation):
        body = {
            **ORGANISATION,
            "name": "Riverside Play and Learn CIC",
            "company_number": "SC123456",
        }
        response = call(client, "PUT", f"/api/v1/organisations/{organisation.pk}/", body)
        assert response.status_code == 200, response.data
        organisation.refresh_from_db()
        assert organisation.name == "Riverside Play and Learn CIC"
        assert organisation.company_org_id == "GB-COH-SC123456"
        assert organisation.postcode == "NB1 2AB"

    def test_put_needs_every_required_detail(self, client, organisation):
        response = call(client, "PUT", f"/api/v1/organisations/{organisation.pk}/", {"town": "X"})
        assert response.status_code == 400
        assert {"name", "legal_form", "address_line_1", "postcode"} <= set(response.data["fields"])

    def test_invites_a_colleague_who_accepts(
        self, client, organisation, django_capture_on_commit_callbacks
    ):
        colleague = UserFactory()
        with django_capture_on_commit_callbacks(execute=True):
            response = call(
                client,
                "POST",
                f"/api/v1/organisations/{organisation.pk}/invitations/",
                {"email": colleague.email},
            )
        assert response.status_code == 201, response.data
        invitation = OrganisationInvitation.objects.get(pk=response.data["id"])
        assert invitation.email == colleague.email
        notifications_deliver()  # what the worker does with the outbox
        [email] = mail.outbox
        assert email.to == [colleague.email]
        link = next(word for word in email.body.split() if "/organisations/invitations/" in word)
        token = link.rstrip("/").rsplit("/", 1)[-1]
        assert token not in invitation.token_sha256

        accepted = call(
            signed_in_client(colleague),
            "POST",
            "/api/v1/organisations/invitations/accept/",
            {"token": token},
        )
        assert accepted.status_code == 200, accepted.data
        assert accepted.data["id"] == organisation.pk
        assert RoleGrant.objects.filter(
            user=colleague, role=Role.APPLICANT, organisation=organisation, revoked_at__isnull=True
        ).exists()

    def test_removes_a_colleague_but_the_last_member_stays(self, client, organisation, applicant):
        colleague = UserFactory()
        grant(colleague, "applicant", organisation=organisation)
        removed = call(
            client, "DELETE", f"/api/v1/organisations/{organisation.pk}/members/{colleague.pk}/"
        )
        assert removed.status_code == 204
        assert RoleGrant.objects.get(user=colleague, organisation=organisation).revoked_at
        leaving = call(
            client, "DELETE", f"/api/v1/organisations/{organisation.pk}/members/{applicant.pk}/"
        )
        assert leaving.status_code == 400
        assert RoleGrant.objects.get(user=applicant, organisation=organisation).revoked_at is None

    def test_cannot_see_or_change_another_organisation(self, client):
        other = OrganisationFactory()
        assert call(client, "GET", f"/api/v1/organisations/{other.pk}/").status_code == 404
        response = call(client, "PATCH", f"/api/v1/organisations/{other.pk}/", {"name": "Mine"})
        assert response.status_code == 404
        invited = call(
            client,
            "POST",
            f"/api/v1/organisations/{other.pk}/invitations/",
            {"email": "a@b.example"},
        )
        assert invited.status_code == 404
        other.refresh_from_db()
        assert other.name != "Mine"
        assert not OrganisationInvitation.objects.exists()

    def test_cannot_reach_councils_panels_roles_or_mfa(self, client, council, panel, officer):
        assert call(client, "GET", f"/api/v1/councils/{council.pk}/").status_code == 404
        assert call(client, "GET", f"/api/v1/panels/{panel.pk}/").status_code == 404
        granted = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": UserFactory().email, "role": "auditor", "council": council.pk},
        )
        assert granted.status_code == 403
        add_totp(officer)
        assert call(client, "POST", f"/api/v1/users/{officer.pk}/mfa-reset/").status_code == 403
        assert Authenticator.objects.filter(user=officer).exists()


class TestSignedInWithoutRole:
    @pytest.fixture
    def user(self):
        return UserFactory()

    @pytest.fixture
    def client(self, user):
        return signed_in_client(user)

    def test_me_has_no_roles(self, client, user):
        response = call(client, "GET", "/api/v1/me/")
        assert response.data["roles"] == []
        assert response.data["mfa_verified"] is False

    def test_registers_an_organisation_and_becomes_its_applicant(self, client, user):
        response = call(client, "POST", "/api/v1/organisations/", ORGANISATION)
        assert response.status_code == 201, response.data
        organisation = Organisation.objects.get(pk=response.data["id"])
        assert organisation.company_org_id == "GB-COH-01234567"
        assert organisation.created_by == user
        assert RoleGrant.objects.filter(
            user=user, role=Role.APPLICANT, organisation=organisation
        ).exists()
        assert [o["id"] for o in call(client, "GET", "/api/v1/organisations/").data] == [
            organisation.pk
        ]

    def test_cannot_register_before_verifying_their_email(self, client, user):
        user.emailaddress_set.update(verified=False)
        response = call(client, "POST", "/api/v1/organisations/", ORGANISATION)
        assert response.status_code == 403
        assert not Organisation.objects.exists()

    def test_sees_and_manages_nothing_else(self, client, council, panel, organisation, officer):
        assert call(client, "GET", "/api/v1/councils/").data == []
        assert call(client, "GET", f"/api/v1/councils/{council.pk}/").status_code == 404
        assert call(client, "GET", f"/api/v1/panels/{panel.pk}/").status_code == 404
        assert call(client, "GET", f"/api/v1/organisations/{organisation.pk}/").status_code == 404
        created = call(
            client, "POST", f"/api/v1/councils/{council.pk}/localities/", _locality_body()
        )
        assert created.status_code == 404
        assert not Locality.objects.exists()
        granted = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": UserFactory().email, "role": "council_officer", "council": council.pk},
        )
        assert granted.status_code == 403
        assert RoleGrant.objects.filter(council=council).count() == 1
        add_totp(officer)
        assert call(client, "POST", f"/api/v1/users/{officer.pk}/mfa-reset/").status_code == 403
        assert Authenticator.objects.filter(user=officer).exists()

    def test_does_not_learn_whether_an_email_has_an_account(self, client, council, officer):
        known = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": officer.email, "role": "auditor", "council": council.pk},
        )
        unknown = call(
            client,
            "POST",
            "/api/v1/role-grants/",
            {"email": "nobody@example.org", "role": "auditor", "council": council.pk},
        )
        assert known.status_code == unknown.status_code == 403
        assert known.data == unknown.data


# Every endpoint, with a body that would be valid for someone allowed to send it.
def _endpoints(council, panel, organisation, officer):
    grant_row = RoleGrant.objects.get(user=officer)
    return [
        ("GET", "/api/v1/me/", None),
        ("GET", "/api/v1/tokens/", None),
        ("POST", "/api/v1/tokens/", {"name": "CI"}),
        ("DELETE", "/api/v1/tokens/1/", None),
        ("GET", "/api/v1/organisations/", None),
        ("POST", "/api/v1/organisations/", ORGANISATION),
        ("GET", f"/api/v1/organisations/{organisation.pk}/", None),
        ("PATCH", f"/api/v1/organisations/{organisation.pk}/", {"name": "X"}),
        ("PUT", f"/api/v1/organisations/{organisation.pk}/", ORGANISATION),
        ("POST", f"/api/v1/organisations/{organisation.pk}/invitations/", {"email": "a@b.example"}),
        ("POST", "/api/v1/organisations/invitations/accept/", {"token": "x"}),
        ("DELETE", f"/api/v1/organisations/{organisation.pk}/members/{officer.pk}/", None),
        ("GET", "/api/v1/councils/", None),
        ("GET", f"/api/v1/councils/{council.pk}/", None),
        ("GET", f"/api/v1/councils/{council.pk}/localities/", None),
        ("POST", f"/api/v1/councils/{council.pk}/localities/", _locality_body()),
        ("GET", f"/api/v1/councils/{council.pk}/panels/", None),
        ("POST", f"/api/v1/councils/{council.pk}/panels/", {"name": "New panel"}),
        ("GET", f"/api/v1/panels/{panel.pk}/", None),
        ("PATCH", f"/api/v1/panels/{panel.pk}/", {"description": "X"}),
        ("GET", f"/api/v1/panels/{panel.pk}/members/", None),
        (
            "POST",
            "/api/v1/role-grants/",
            {"email": officer.email, "role": "auditor", "council": council.pk},
        ),
        ("POST", f"/api/v1/role-grants/{grant_row.pk}/revoke/", None),
        ("POST", f"/api/v1/users/{officer.pk}/mfa-reset/", None),
    ]


class TestAnonymous:
    def test_every_endpoint_asks_for_credentials_and_changes_nothing(
        self, client, council, panel, organisation, officer
    ):
        add_totp(officer)
        before = (
            Organisation.objects.count(),
            Locality.objects.count(),
            Panel.objects.count(),
            RoleGrant.objects.filter(revoked_at__isnull=True).count(),
            Authenticator.objects.count(),
        )
        for method, url, body in _endpoints(council, panel, organisation, officer):
            response = call(client, method, url, body)
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.data["code"] == "not_authenticated"
            assert response["WWW-Authenticate"] == "Bearer"
        after = (
            Organisation.objects.count(),
            Locality.objects.count(),
            Panel.objects.count(),
            RoleGrant.objects.filter(revoked_at__isnull=True).count(),
            Authenticator.objects.count(),
        )
        assert after == before
