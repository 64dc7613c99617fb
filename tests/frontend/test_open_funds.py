"""The public page of funds open for bids: no sign-in, populations and budgets, text escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.funds.models import Fund, Locality, Phase
from backend.funds.services import fund_transition
from tests.bids.helpers import open_fund
from tests.factories import FundFactory, actor
from tests.funds.helpers import set_up

from .pages import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(council, panel, officer, chair):
    fund = open_fund(
        council=council,
        panel=panel,
        officer=officer,
        chair=chair,
        closes_at=datetime(2030, 7, 1, 11, 0, tzinfo=UTC),  # 12:00 in London (BST)
    )
    Fund.objects.filter(pk=fund.pk).update(
        name="Transforming Early Years", budget_pence=12_345_600, age_min=0, age_max=5
    )
    fund.localities.add(Locality.objects.create(council=council, name="Riverside ward"))
    return fund


def test_anonymous_visitors_see_an_open_fund_with_its_population_and_budget(client, fund):
    response = client.get("/funds/open/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Transforming Early Years" in text
    assert "£123,456" in text
    assert "Riverside ward" in text
    assert "Ages 0 to 5" in text
    assert "Special educational needs" in text
    assert "12:00" in text  # the bids close date in London time, not 11:00 UTC
    assert read(response).has_link(f"/funds/{fund.pk}/bids/new/")


def test_draft_and_cancelled_funds_are_not_listed(client, fund, council, panel, officer, chair):
    FundFactory(council=council, panel=panel, name="A draft fund")
    cancelled = set_up(
        FundFactory(council=council, panel=panel, name="A cancelled fund"),
        officer=officer,
        chair=chair,
    )
    fund_transition(actor=actor(officer), fund=cancelled, to_phase=Phase.CANCELLED)
    text = client.get("/funds/open/").content.decode()
    assert "Transforming Early Years" in text
    assert "A draft fund" not in text
    assert "A cancelled fund" not in text


def test_an_empty_list_says_so(client):
    response = client.get("/funds/open/")
    assert response.status_code == 200
    assert b'data-testid="no-open-funds"' in response.content


def test_text_is_shown_escaped(client, fund, council):
    script = "<script>alert(1)</script>"
    Fund.objects.filter(pk=fund.pk).update(
        name=script, purpose=script, disadvantage_criteria=script
    )
    Locality.objects.filter(council=council).update(name=script)
    content = client.get("/funds/open/").content
    assert b"<script>alert(1)</script>" not in content
    assert content.count(b"&lt;script&gt;alert(1)&lt;/script&gt;") >= 4


def test_the_page_makes_a_bounded_number_of_queries(
    client, fund, council, panel, officer, chair, django_assert_max_num_queries
):
    for _ in range(5):
        open_fund(council=council, panel=panel, officer=officer, chair=chair)
    with django_assert_max_num_queries(12):
        response = client.get("/funds/open/")
    assert response.content.count(b'data-testid="open-fund"') == 6


def test_the_home_page_links_to_it(client):
    assert b'href="/funds/open/"' in client.get("/").content
