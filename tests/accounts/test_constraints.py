"""The invariants that matter are database constraints too, not only service checks."""

import pytest
from django.db import IntegrityError, connection, transaction

from backend.accounts.models import Organisation, Role, RoleGrant
from tests.factories import CouncilFactory, OrganisationFactory, PanelFactory, UserFactory

pytestmark = pytest.mark.django_db


def _constraint_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def test_the_critical_constraints_exist_in_the_database():
    assert {
        "role_grant_scope_matches_role",
        "role_grant_term_ordered",
        "role_grant_revocation_complete",
        "role_grant_one_active_council",
        "role_grant_one_active_panel",
        "role_grant_one_active_organisation",
    } <= _constraint_names("accounts_rolegrant")
    assert {
        "org_unique_company",
        "org_unique_charity",
        "org_unique_society",
        "org_legal_form_valid",
    } <= (_constraint_names("accounts_organisation"))
    assert "user_email_lowercase" in _constraint_names("accounts_user")
    assert "api_token_expires_after_creation" in _constraint_names("accounts_apitoken")


@pytest.mark.parametrize(
    "scope",
    [
        lambda: {"role": Role.COUNCIL_OFFICER, "panel": PanelFactory()},
        lambda: {"role": Role.PANEL_MEMBER, "council": CouncilFactory()},
        lambda: {"role": Role.APPLICANT},
        lambda: {
            "role": Role.AUDITOR,
            "council": CouncilFactory(),
            "organisation": OrganisationFactory(),
        },
    ],
)
def test_a_role_needs_exactly_its_scope(scope):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=UserFactory(), **scope())


def test_one_active_panel_role_per_person():
    user, panel = UserFactory(), PanelFactory()
    RoleGrant.objects.create(user=user, role=Role.PANEL_MEMBER, panel=panel)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=Role.PANEL_CHAIR, panel=panel)


def test_a_revocation_names_who_revoked():
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(
            user=UserFactory(),
            role=Role.AUDITOR,
            council=CouncilFactory(),
            revoked_at=timezone.now(),
        )


def test_registration_numbers_are_unique_but_blank_is_allowed_many_times():
    OrganisationFactory(company_org_id="", legal_form="unincorporated")
    OrganisationFactory(company_org_id="", legal_form="unincorporated")
    OrganisationFactory(company_org_id="GB-COH-00000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(company_org_id="GB-COH-00000001")
    assert Organisation.objects.count() == 3


def test_emails_are_stored_in_lower_case():
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="Mixed@Example.org")
