"""Lists cost the same number of queries however many rows they show (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import LocalityFactory, PanelFactory, UserFactory, grant, mfa_client

from .calls import call

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert call(client, "GET", url).status_code == 200
    return len(captured)


def test_panels_of_a_council(officer, council):
    client = mfa_client(officer)
    url = f"/api/v1/councils/{council.pk}/panels/"
    PanelFactory(council=council).localities.add(LocalityFactory(council=council))
    one = _queries(client, url)
    for _ in range(4):
        PanelFactory(council=council).localities.add(
            LocalityFactory(council=council), LocalityFactory(council=council)
        )
    assert _queries(client, url) == one


def test_panel_members(chair, panel):
    client = mfa_client(chair)
    url = f"/api/v1/panels/{panel.pk}/members/"
    one = _queries(client, url)
    for _ in range(4):
        grant(UserFactory(), "panel_member", panel=panel)
    assert _queries(client, url) == one


def test_my_roles(officer, council):
    client = mfa_client(officer)
    one = _queries(client, "/api/v1/me/")
    for _ in range(3):
        grant(officer, "panel_member", panel=PanelFactory(council=council))
    assert _queries(client, "/api/v1/me/") == one
