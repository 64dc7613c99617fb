"""Services for organisations, roles, MFA reset and API tokens: who may, who may not, and effects."""

from datetime import date, timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.utils import timezone

from backend.accounts.models import ApiToken, Organisation, Role, RoleGrant
from backend.accounts.services import (
    OrganisationDetails,
    api_token_authenticate,
    api_token_issue,
    api_token_revoke,
    mfa_reset,
    organisation_create,
    organisation_invitation_accept,
    organisation_invite,
    organisation_member_remove,
    organisation_update,
    role_grant,
    role_revoke,
)
from backend.core.errors import ApplicationError, MfaRequired, PermissionDenied
from backend.notifications.services import notifications_deliver
from tests.factories import PanelFactory, UserFactory, actor, add_totp, grant

pytestmark = pytest.mark.django_db

CIC = OrganisationDetails(
    name="Riverside Play CIC",
    legal_form="cic",
    company_number="1234567",
    address_line_1="4 Mill Lane",
    town="Northbridge",
    postcode="nb12ab",
    contact_email="Hello@Riverside.example.org",
)


def _replace(details: OrganisationDetails, **changes: str) -> OrganisationDetails:
    return OrganisationDetails(**{**details.__dict__, **changes})


class TestOrganisations:
    def test_a_verified_user_registers_an_organisation_and_becomes_its_applicant(self):
        user = UserFactory()
        organisation = organisation_create(actor=actor(user, mfa=False), details=CIC)
        organisation.refresh_from_db()
        assert organisation.company_org_id == "GB-COH-01234567"
        assert organisation.postcode == "NB1 2AB"
        assert organisation.contact_email == "hello@riverside.example.org"
        assert RoleGrant.objects.filter(
            user=user, role=Role.APPLICANT, organisation=organisation
        ).exists()

    def test_an_unverified_email_cannot_register(self):
        user = UserFactory()
        user.emailaddress_set.update(verified=False)
        with pytest.raises(PermissionDenied, match="Verify your email"):
            organisation_create(actor=actor(user), details=CIC)
        assert not Organisation.objects.exists()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"company_number": ""}, "company_number"),
            ({"company_number": "12"}, "company_number"),
            ({"legal_form": "charity", "company_number": ""}, "charity_number"),
            ({"legal_form": "cbs", "company_number": ""}, "society_number"),
            ({"legal_form": "cio", "charity_number": "1123456"}, "company_number"),
            ({"postcode": "nowhere"}, "postcode"),
            ({"name": "  "}, "name"),
            ({"legal_form": "llp"}, "legal_form"),
        ],
    )
    def test_bad_details_name_the_field_and_save_nothing(self, changes, field):
        user = UserFactory()
        with pytest.raises(ApplicationError) as refused:
            organisation_create(actor=actor(user), details=_replace(CIC, **changes))
        assert field in refused.value.fields
        assert not Organisation.objects.exists()
        assert not RoleGrant.objects.exists()

    def test_an_unincorporated_group_needs_no_number(self):
        details = _replace(CIC, legal_form="unincorporated", company_number="")
        organisation = organisation_create(actor=actor(UserFactory()), details=details)
        assert organisation.org_ids == []

    def test_a_registration_number_belongs_to_one_organisation(self):
        organisation_create(actor=actor(UserFactory()), details=CIC)
        with pytest.raises(ApplicationError) as refused:
            organisation_create(actor=actor(UserFactory()), details=_replace(CIC, name="Copy CIC"))
        assert "company_number" in refused.value.fields
        assert Organisation.objects.count() == 1

    def test_only_members_update_it(self, organisation, applicant):
        organisation_update(
            actor=actor(applicant, mfa=False),
            organisation=organisation,
            details=_replace(CIC, name="Renamed CIC"),
        )
        organisation.refresh_from_db()
        assert organisation.name == "Renamed CIC"
        with pytest.raises(PermissionDenied):
            organisation_update(actor=actor(UserFactory()), organisation=organisation, details=CIC)

    def test_a_member_invites_a_colleague_who_accepts_once(
        self, organisation, applicant, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            organisation_invite(
                actor=actor(applicant, mfa=False),
                organisation=organisation,
                email="Colleague@Example.org",
                accept_url_template="https://fairfund.example/invite/{token}/",
            )
        notifications_deliver()  # what the worker does with the outbox
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["colleague@example.org"]
        token = mail.outbox[0].body.split("/invite/")[1].split("/")[0]
        assert organisation.invitations.get().token_sha256 != token  # stored hashed
        colleague = UserFactory(email="colleague@example.org")
        assert organisation_invitation_accept(actor=actor(colleague), token=token) == organisation
        assert RoleGrant.objects.filter(
            user=colleague, organisation=organisation, revoked_at=None
        ).exists()
        with pytest.raises(ApplicationError, match="already been used"):
            organisation_invitation_accept(actor=actor(colleague), token=token)

    def test_an_invitation_is_for_its_address_and_expires(
        self, organisation, applicant, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = organisation_invite(
                actor=actor(applicant),
                organisation=organisation,
                email="a@example.org",
                accept_url_template="/i/{token}",
            )
        notifications_deliver()  # what the worker does with the outbox
        token = mail.outbox[0].body.split("/i/")[1].split()[0]
        with pytest.raises(ApplicationError, match="another email address"):
            organisation_invitation_accept(
                actor=actor(UserFactory(email="b@example.org")), token=token
            )
        invitation.expires_at = timezone.now() - timedelta(seconds=1)
        invitation.save()
        with pytest.raises(ApplicationError, match="expired"):
            organisation_invitation_accept(
                actor=actor(UserFactory(email="a@example.org")), token=token
            )

    def test_outsiders_cannot_invite(self, organisation):
        with pytest.raises(PermissionDenied):
            organisation_invite(
                actor=actor(UserFactory()),
                organisation=organisation,
                email="x@example.org",
                accept_url_template="/{token}",
            )

    def test_members_remove_colleagues_but_not_the_last_member(self, organisation, applicant):
        colleague = UserFactory()
        grant(colleague, "applicant", organisation=organisation)
        organisation_member_remove(
            actor=actor(applicant), organisation=organisation, user=colleague
        )
        assert not RoleGrant.objects.filter(
            user=colleague, organisation=organisation, revoked_at=None
        ).exists()
        assert RoleGrant.objects.get(user=colleague).revoked_by == applicant  # kept as history
        with pytest.raises(ApplicationError, match="at least one member"):
            organisation_member_remove(
                actor=actor(applicant), organisation=organisation, user=applicant
            )


class TestRoles:
    def test_an_officer_grants_panel_roles_with_terms_and_revokes_them(self, officer, panel):
        person = UserFactory()
        made = role_grant(
            actor=actor(officer),
            user=person,
            role=Role.PANEL_MEMBER,
            panel=panel,
            term_starts_on=date(2026, 4, 1),
            term_ends_on=date(2027, 3, 31),
        )
        assert made.granted_by == officer
        assert made.term_ends_on == date(2027, 3, 31)
        role_revoke(actor=actor(officer), grant=made)
        made.refresh_from_db()
        assert made.revoked_by == officer
        assert made.revoked_at is not None

    def test_an_officer_grants_council_roles(self, officer, council):
        person = UserFactory()
        role_grant(actor=actor(officer), user=person, role=Role.AUDITOR, council=council)
        assert RoleGrant.objects.filter(user=person, role=Role.AUDITOR, council=council).exists()

    def test_an_officer_without_mfa_is_refused(self, officer, panel):
        with pytest.raises(MfaRequired):
            role_grant(
                actor=actor(officer, mfa=False),
                user=UserFactory(),
                role=Role.PANEL_MEMBER,
                panel=panel,
            )
        assert not RoleGrant.objects.filter(panel=panel).exists()

    def test_the_mfa_requirement_can_be_switched_off_for_the_demo(self, officer, panel, settings):
        settings.FAIRFUND_REQUIRE_MFA = False
        role_grant(
            actor=actor(officer, mfa=False), user=UserFactory(), role=Role.PANEL_MEMBER, panel=panel
        )
        assert RoleGrant.objects.filter(panel=panel).count() == 1

    @pytest.mark.parametrize("who", ["auditor", "chair", "member", "applicant"])
    def test_other_roles_cannot_grant(self, who, request, panel, council):
        person = request.getfixturevalue(who)
        with pytest.raises(PermissionDenied):
            role_grant(actor=actor(person), user=UserFactory(), role=Role.PANEL_MEMBER, panel=panel)
        with pytest.raises(PermissionDenied):
            role_grant(
                actor=actor(person), user=UserFactory(), role=Role.COUNCIL_OFFICER, council=council
            )

    def test_an_officer_of_another_council_cannot_grant(self, panel):
        stranger = UserFactory()
        grant(stranger, "council_officer", council=PanelFactory().council)
        with pytest.raises(PermissionDenied):
            role_grant(
                actor=actor(stranger), user=UserFactory(), role=Role.PANEL_CHAIR, panel=panel
            )

    def test_one_active_role_per_panel_and_terms_in_order(self, officer, panel):
        person = UserFactory()
        role_grant(actor=actor(officer), user=person, role=Role.PANEL_MEMBER, panel=panel)
        with pytest.raises(ApplicationError, match="already holds a role"):
            role_grant(actor=actor(officer), user=person, role=Role.PANEL_CHAIR, panel=panel)
        with pytest.raises(ApplicationError) as refused:
            role_grant(
                actor=actor(officer),
                user=UserFactory(),
                role=Role.PANEL_MEMBER,
                panel=panel,
                term_starts_on=date(2027, 1, 1),
                term_ends_on=date(2026, 1, 1),
            )
        assert "term_ends_on" in refused.value.fields

    def test_applicant_roles_come_only_by_invitation(self, officer, organisation):
        with pytest.raises(ApplicationError, match="invitation"):
            role_grant(actor=actor(officer), user=UserFactory(), role=Role.APPLICANT)

    def test_the_last_officer_cannot_be_revoked(self, officer, council):
        own = RoleGrant.objects.get(user=officer, council=council)
        with pytest.raises(ApplicationError, match="at least one officer"):
            role_revoke(actor=actor(officer), grant=own)

    def test_a_revoked_role_no_longer_allows_anything(self, officer, council, panel):
        other = UserFactory()
        second = role_grant(
            actor=actor(officer), user=other, role=Role.COUNCIL_OFFICER, council=council
        )
        role_revoke(actor=actor(officer), grant=second)
        with pytest.raises(PermissionDenied):
            role_grant(actor=actor(other), user=UserFactory(), role=Role.PANEL_MEMBER, panel=panel)


class TestMfaReset:
    def test_an_officer_resets_a_panel_members_lost_device(self, officer, member):
        add_totp(member)
        assert mfa_reset(actor=actor(officer), user=member) >= 1
        assert not Authenticator.objects.filter(user=member).exists()

    def test_not_for_people_outside_the_officers_council(self, officer):
        outsider = UserFactory()
        add_totp(outsider)
        with pytest.raises(PermissionDenied):
            mfa_reset(actor=actor(officer), user=outsider)
        assert Authenticator.objects.filter(user=outsider).exists()

    @pytest.mark.parametrize("who", ["auditor", "chair"])
    def test_not_by_other_roles(self, who, request, member):
        add_totp(member)
        with pytest.raises(PermissionDenied):
            mfa_reset(actor=actor(request.getfixturevalue(who)), user=member)
        assert Authenticator.objects.filter(user=member).exists()

    def test_not_by_an_officer_without_mfa(self, officer, member):
        add_totp(member)
        with pytest.raises(MfaRequired):
            mfa_reset(actor=actor(officer, mfa=False), user=member)


class TestApiTokens:
    def test_issued_only_after_mfa_stored_hashed_and_expiring(self, member):
        with pytest.raises(PermissionDenied, match="two-factor"):
            api_token_issue(actor=actor(member, mfa=False), name="laptop")
        token, plaintext = api_token_issue(actor=actor(member), name="laptop")
        assert plaintext.startswith("ff_")
        assert not ApiToken.objects.filter(token_sha256=plaintext).exists()
        assert plaintext not in {t.token_sha256 for t in ApiToken.objects.all()}
        assert token.expires_at > timezone.now() + timedelta(days=29)
        assert api_token_authenticate(plaintext=plaintext) == token
        ApiToken.objects.filter(pk=token.pk).update(
            created_at=timezone.now() - timedelta(days=40),
            expires_at=timezone.now() - timedelta(seconds=1),
        )
        assert api_token_authenticate(plaintext=plaintext) is None

    def test_revoked_tokens_stop_working_and_only_their_owner_revokes(self, member):
        token, plaintext = api_token_issue(actor=actor(member), name="laptop")
        with pytest.raises(PermissionDenied):
            api_token_revoke(actor=actor(UserFactory()), token=token)
        api_token_revoke(actor=actor(member), token=token)
        assert api_token_authenticate(plaintext=plaintext) is None

    def test_unknown_tokens_are_refused(self):
        assert api_token_authenticate(plaintext="ff_nope") is None
        assert api_token_authenticate(plaintext="something-else") is None
