"""Localities and panels: officers create them, chairs edit their panel's description only."""

import pytest

from backend.core.errors import ApplicationError, MfaRequired, PermissionDenied
from backend.funds.models import Locality, Panel
from backend.funds.services import council_create, locality_create, panel_create, panel_update
from tests.factories import LocalityFactory, UserFactory, actor

pytestmark = pytest.mark.django_db


def test_an_officer_creates_a_locality_with_normalised_codes(officer, council):
    locality = locality_create(
        actor=actor(officer),
        council=council,
        name="Riverside",
        ward_codes=[" e05011234 ", "E05011234"],
        postcodes=["nb1 1aa", "NB12", "nb1 2"],
    )
    assert locality.ward_codes == ["E05011234"]
    assert locality.postcodes == ["NB1 1AA", "NB1 2", "NB12"]


@pytest.mark.parametrize(
    ("wards", "postcodes", "field"),
    [(["E0501"], [], "ward_codes"), ([], ["not a postcode!"], "postcodes"), ([], [], "ward_codes")],
)
def test_bad_locality_codes_are_refused_by_field(officer, council, wards, postcodes, field):
    with pytest.raises(ApplicationError) as refused:
        locality_create(
            actor=actor(officer), council=council, name="X", ward_codes=wards, postcodes=postcodes
        )
    assert field in refused.value.fields
    assert not Locality.objects.exists()


@pytest.mark.parametrize("who", ["auditor", "chair", "member", "applicant"])
def test_only_officers_create_localities_and_panels(who, request, council):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        locality_create(actor=actor(person), council=council, name="X", ward_codes=["E05011234"])
    with pytest.raises(PermissionDenied):
        panel_create(actor=actor(person), council=council, name="Panel")


def test_an_officer_creates_a_panel_for_the_councils_localities(officer, council):
    mine = LocalityFactory(council=council)
    panel = panel_create(
        actor=actor(officer), council=council, name="Early years panel", locality_ids=[mine.pk]
    )
    assert list(panel.localities.all()) == [mine]
    assert panel.created_by == officer
    with pytest.raises(ApplicationError) as refused:
        panel_create(
            actor=actor(officer), council=council, name="Other", locality_ids=[LocalityFactory().pk]
        )
    assert "localities" in refused.value.fields
    with pytest.raises(ApplicationError) as refused:
        panel_create(actor=actor(officer), council=council, name="Early years panel")
    assert "name" in refused.value.fields
    assert Panel.objects.filter(council=council).count() == 1


def test_officer_without_mfa_is_refused(officer, council):
    with pytest.raises(MfaRequired):
        panel_create(actor=actor(officer, mfa=False), council=council, name="Panel")


def test_the_chair_edits_the_description_only(chair, panel):
    panel_update(actor=actor(chair), panel=panel, description="We commission early-years services.")
    panel.refresh_from_db()
    assert panel.description == "We commission early-years services."
    with pytest.raises(PermissionDenied):
        panel_update(actor=actor(chair), panel=panel, description="x", name="Renamed")
    with pytest.raises(MfaRequired):
        panel_update(actor=actor(chair, mfa=False), panel=panel, description="y")


@pytest.mark.parametrize("who", ["member", "auditor", "applicant"])
def test_others_cannot_edit_a_panel(who, request, panel):
    with pytest.raises(PermissionDenied):
        panel_update(actor=actor(request.getfixturevalue(who)), panel=panel, description="x")


def test_an_officer_renames_a_panel_and_changes_its_localities(officer, council, panel):
    locality = LocalityFactory(council=council)
    panel_update(
        actor=actor(officer),
        panel=panel,
        description="d",
        name="New name",
        locality_ids=[locality.pk],
    )
    panel.refresh_from_db()
    assert panel.name == "New name"
    assert list(panel.localities.all()) == [locality]


def test_council_create_checks_its_colour_and_is_idempotent():
    with pytest.raises(ApplicationError):
        council_create(name="Northbridge", brand_colour="teal")
    first = council_create(name="Northbridge")
    assert council_create(name="Northbridge") == first
    assert UserFactory()  # the factory works against the same database
