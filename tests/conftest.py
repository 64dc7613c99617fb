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


def _set_replication_role(value: str, *, connect: bool = False) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    if connect:
        connection.ensure_connection()
    if connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET session_replication_role = {value}")


@pytest.fixture(autouse=True)
def _audit_chain_flushable(request):
    """Let transactional tests' flush empty the append-only audit table.

    Django flushes with TRUNCATE, which the audit triggers refuse for every role. Only for that
    flush, this session (the superuser CI connects as) switches to replica mode, in which
    triggers do not fire; the hook below switches it back. Production keeps its triggers.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(
        marker and marker.kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    yield
    if transactional:
        _set_replication_role("replica", connect=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        _set_replication_role("DEFAULT")


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


@pytest.fixture(scope="session", autouse=True)
def _forget_this_runs_redis_keys():
    """At the end of the run, remove this run's cache keys and queued tasks from Redis.

    Keys are named after this run's id (see backend.config.settings.test), so other runs and a
    demo on the same Redis keep theirs.
    """
    yield
    import redis
    from django.conf import settings

    run_id = os.environ["FAIRFUND_RUN_ID"]
    raw = redis.Redis.from_url(settings.REDIS_URL)
    for key in raw.scan_iter(f"*fairfund-test-{run_id}*"):
        raw.delete(key)
