"""The test command stops with directions, not a traceback, when PostgreSQL or Redis is down."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _check(database_url: str, redis_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    return subprocess.run(
        [sys.executable, "scripts/check_services.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_unreachable_services_are_named_with_how_to_start_them():
    result = _check("postgres://postgres@127.0.0.1:1/postgres", "redis://127.0.0.1:1/0")
    assert result.returncode == 2
    assert "PostgreSQL is not reachable at 127.0.0.1:1" in result.stderr
    assert "Redis is not reachable at 127.0.0.1:1" in result.stderr
    assert "docker compose up -d postgres redis" in result.stderr
    assert "Traceback" not in result.stderr


def test_running_services_pass():
    result = _check(
        "postgres://postgres@127.0.0.1:5432/postgres",
        os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    assert result.returncode == 0, result.stderr
