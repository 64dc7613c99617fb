"""Fixtures for the web UI's tests: clients for each role, with and without a second factor."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory, mfa_client, signed_in_client


@pytest.fixture
def auditor_client(auditor):
    return mfa_client(auditor)


@pytest.fixture
def chair_client(chair):
    return mfa_client(chair)


@pytest.fixture
def member_client(member):
    return signed_in_client(member)


@pytest.fixture
def applicant_client(applicant):
    return signed_in_client(applicant)


@pytest.fixture
def nobody():
    """A signed-in person with a verified email address and no role anywhere."""
    return UserFactory()


@pytest.fixture
def nobody_client(nobody):
    return signed_in_client(nobody)
