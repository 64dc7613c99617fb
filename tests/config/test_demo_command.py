"""The demo supervisor: migrates and seeds SQLite, runs web + a real worker + beat, and Ctrl-C
stops every process it started. Run against a temporary folder and a free port."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.worker
def test_demo_runs_web_worker_and_beat_and_ctrl_c_stops_them_all(tmp_path):
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update({"FAIRFUND_VAR_DIR": str(tmp_path), "DEMO_PORT": str(port)})
    demo = subprocess.Popen(
        [sys.executable, "scripts/run_demo.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            status, body = (0, b"")
            with contextlib.suppress(OSError):
                status, body = _get(f"http://127.0.0.1:{port}/health/")
            if status == 200:
                health = json.loads(body)
                break
            assert demo.poll() is None, "the demo exited early"
            time.sleep(1)
        assert health is not None, "the demo never reported healthy (worker heartbeat)"
        assert health["database"]["detail"] == "sqlite"
        assert health["broker"]["detail"] == "filesystem"
        assert health["worker"]["ok"]
        status, body = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert b"Northbridge Borough Council" in body  # seeded council brands the pages
        assert (tmp_path / "demo.sqlite3").exists()
        # The seeding's notifications reach the demo's mail folder through the real worker.
        deadline = time.monotonic() + 60
        while not list((tmp_path / "mail").glob("*.log")) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert list((tmp_path / "mail").glob("*.log")), (
            "no notification email from the demo's worker"
        )
        children = psutil.Process(demo.pid).children(recursive=True)
        assert len(children) >= 3
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
        assert demo.returncode == 0
        assert "Demo stopped" in output
        assert "officer@demo.fairfund.local" in output
        assert "chain intact" in output
        _gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"left running: {alive}"
    finally:
        if demo.poll() is None:
            demo.kill()
        for child in children:
            if child.is_running():
                child.kill()
