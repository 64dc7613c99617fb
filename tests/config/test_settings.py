"""Settings: the demo's SQLite is safe for three processes; each test run is isolated."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _demo_settings(env_overrides: dict[str, str], code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "backend.config.settings.demo", **env_overrides})
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; " + code,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_demo_uses_sqlite_in_wal_mode_with_immediate_transactions_and_a_timeout(tmp_path):
    db = tmp_path / "demo.sqlite3"
    out = _demo_settings(
        {"DATABASE_URL": f"sqlite:///{db}"},
        "from django.db import connection; c = connection.cursor(); "
        "print(connection.vendor, s.DATABASES['default']['OPTIONS']['transaction_mode'], "
        "s.DATABASES['default']['OPTIONS']['timeout'], c.execute('PRAGMA journal_mode').fetchone()[0], "
        "s.CELERY_BROKER_URL)",
    )
    assert out == "sqlite IMMEDIATE 30 wal filesystem://"


def test_the_demo_uses_redis_when_redis_url_is_set(tmp_path):
    out = _demo_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        },
        "print(s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'])",
    )
    assert out == "redis://127.0.0.1:6379/3 django.core.cache.backends.redis.RedisCache"


def test_each_test_run_has_its_own_database_cache_prefix_and_queue():
    run_id = os.environ["FAIRFUND_RUN_ID"]
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    # (pytest-xdist adds a _gwN suffix per worker process)
    assert settings.DATABASES["default"]["TEST"]["NAME"].startswith(f"test_fairfund_{run_id}")
    assert settings.CACHES["default"]["KEY_PREFIX"] == f"fairfund-test-{run_id}"
    assert f"fairfund-test-{run_id}" == settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.CELERY_BROKER_URL.startswith("redis://")
