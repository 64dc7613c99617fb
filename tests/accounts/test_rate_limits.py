"""Login rate limits live in Redis, so they hold across web processes."""

import pytest
import redis
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _forget_this_runs_keys() -> None:
    # Not cache.clear(): that would FLUSHDB and wipe other runs and the demo on the same Redis.
    raw = redis.Redis.from_url(settings.REDIS_URL)
    for key in raw.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}:*"):
        raw.delete(key)


@pytest.fixture(autouse=True)
def _clean_cache():
    _forget_this_runs_keys()
    yield
    _forget_this_runs_keys()


def _fail_login(client: Client, email: str):
    return client.post("/accounts/login/", {"login": email, "password": "wrong password"})


def test_failed_logins_are_limited_per_account_in_redis():
    user = UserFactory()
    for _ in range(5):
        response = _fail_login(Client(REMOTE_ADDR="10.0.0.1"), user.email)
        assert "Too many failed login attempts" not in response.content.decode()
    # A different address (another process, another client) is still refused: the counter is
    # in Redis, keyed by account.
    response = _fail_login(Client(REMOTE_ADDR="10.0.0.2"), user.email)
    assert "Too many failed login attempts" in response.content.decode()
    raw = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = [k.decode() for k in raw.scan_iter(f"{prefix}:*")]
    assert any("rl" in k for k in keys), keys
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_the_right_password_after_the_limit_is_still_refused():
    user = UserFactory()
    for _ in range(6):
        _fail_login(Client(), user.email)
    response = Client().post(
        "/accounts/login/", {"login": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code != 302
