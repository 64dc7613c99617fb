"""Shared fixtures: people in each role, and clients signed in as them (with or without MFA)."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from tests.factories import (
    CouncilFactory,
    OrganisationFactory,
    PanelFactory,
    UserFactory,
    grant,
    mfa_client,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def council():
    return CouncilFactory()


@pytest.fixture
def panel(council):
    return PanelFactory(council=council)


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.fixture
def officer(council):
    user = UserFactory()
    grant(user, "council_officer", council=council)
    return user


@pytest.fixture
def auditor(council):
    user = UserFactory()
    grant(user, "auditor", council=council)
    return user


@pytest.fixture
def chair(panel):
    user = UserFactory()
    grant(user, "panel_chair", panel=panel)
    return user


@pytest.fixture
def member(panel):
    user = UserFactory()
    grant(user, "panel_member", panel=panel)
    return user


@pytest.fixture
def applicant(organisation):
    user = UserFactory()
    grant(user, "applicant", organisation=organisation)
    return user


@pytest.fixture
def officer_client(officer) -> Client:
    return mfa_client(officer)
