"""Run the demo: migrate the embedded SQLite database, seed it, then run web, worker and beat.

Ctrl-C (or SIGTERM) stops every process this started. Running it again reuses the database
(seeding is idempotent). Set REDIS_URL to use Redis as the broker instead of the filesystem one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.demo")
    env.setdefault("PYTHONUNBUFFERED", "1")
    host = env.get("DEMO_HOST", "127.0.0.1")
    port = env.get("DEMO_PORT", "8000")
    var = Path(env.get("FAIRFUND_VAR_DIR", ROOT / "var"))
    for folder in ("mail", "cache", "broker/queue", "broker/control", "broker/processed"):
        (var / folder).mkdir(parents=True, exist_ok=True)

    def manage(*args: str) -> None:
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)

    print(f"==> Migrating the demo database in {var}", flush=True)
    manage("migrate", "--noinput", "--verbosity", "0")
    print("==> Seeding demo data", flush=True)
    manage("seed_demo")
    print("==> Verifying the audit chain (the seeding's events)", flush=True)
    manage("audit_verify")

    commands = {
        "web": [PY, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [
            PY,
            "-m",
            "celery",
            "-A",
            "worker.celery",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--hostname=demo-worker@%h",
        ],
        "beat": [
            PY,
            "-m",
            "celery",
            "-A",
            "worker.celery",
            "beat",
            "--loglevel=INFO",
            f"--schedule={var / 'celerybeat-schedule'}",
        ],
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        for name, command in commands.items():
            # Each child gets its own process group, so Ctrl-C reaches only this supervisor,
            # which then stops the children in order.
            processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        print(
            f"\n==> Fairfund demo running at http://{host}:{port}/  (Ctrl-C stops it)\n", flush=True
        )
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(
                        f"==> {name} exited with status {process.returncode}; stopping", flush=True
                    )
                    stopping = True
            time.sleep(0.5)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        print("==> Demo stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
