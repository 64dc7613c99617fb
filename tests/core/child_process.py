"""Start a real child process (a Celery worker, gunicorn) for a test, and always stop it.

The child gets its own session (process group), its output goes to a file (a pipe nobody reads
could fill up and block it), and stopping it is: SIGTERM, wait, then SIGKILL to its whole group
on timeout, then wait, so that no process outlives the test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ChildProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def json_lines(self) -> list[dict[str, object]]:
        """The log lines that are JSON objects (structured log records)."""
        records = []
        for line in self.log().splitlines():
            start = line.find("{")
            if start < 0:
                continue
            try:
                record = json.loads(line[start:])
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def assert_running(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"the child exited ({self.process.returncode}):\n{self.log()}")

    def wait_for(self, predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
        """Wait until ``predicate()``; fail with the child's log if it exits or time runs out."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the child exited ({self.process.returncode}) before {what}:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s; child log:\n{self.log()}")
            time.sleep(0.1)

    def stop(self, *, timeout: float = 20) -> int:
        """SIGTERM (a warm shutdown for Celery, graceful for gunicorn); SIGKILL on timeout."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                # Still unreaped, so the group id is certainly the child's: kill it and its own.
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        return self.process.returncode


@contextmanager
def child_process(
    command: Sequence[str], *, env: Mapping[str, str], log_path: Path
) -> Iterator[ChildProcess]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    child = ChildProcess(process=process, log_path=log_path)
    try:
        yield child
    finally:
        child.stop()


def database_url_for_children() -> str:
    """DATABASE_URL of the database this test uses (the per-run test database, once created)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(db['NAME'], safe='')}"
