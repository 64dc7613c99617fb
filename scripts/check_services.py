"""Before the test suite: are PostgreSQL and Redis reachable? Say how to start them if not."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

HOW = """How to start them:
  - with Docker (these match the defaults of DATABASE_URL and REDIS_URL):
      docker run -d --name fairfund-postgres -p 127.0.0.1:5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:17-alpine
      docker run -d --name fairfund-redis -p 127.0.0.1:6379:6379 redis:7-alpine
    (or `docker compose up -d postgres redis`, then point DATABASE_URL and REDIS_URL at them)
  - or with your system's packages, e.g. `sudo systemctl start postgresql redis-server`
  - or set DATABASE_URL and REDIS_URL to services that are running."""


def check_postgres(url: str) -> str | None:
    import psycopg

    parts = urlsplit(url)
    try:
        psycopg.connect(
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"PostgreSQL is not reachable at {parts.hostname}:{parts.port or 5432} ({first_line})."
        )
    return None


def check_redis(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        parts = urlsplit(url)
        return f"Redis is not reachable at {parts.hostname}:{parts.port or 6379} ({exc})."
    return None


def main() -> int:
    problems = [
        p
        for p in (
            check_postgres(os.environ["DATABASE_URL"]),
            check_redis(os.environ["REDIS_URL"]),
        )
        if p
    ]
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(HOW, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
