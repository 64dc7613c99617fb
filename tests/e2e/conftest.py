"""Browser fixtures: one headless Chromium per test session, axe-core, and the built assets.

The browser is the system's Chromium (no browser downloads); axe-core and the stylesheet come
from `frontend/` after `npm ci && npm run build`. Missing either fails the tests (never skips
them): a page without its CSS cannot be checked for contrast or for fitting 320 px.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
CHROMIUM = os.environ.get("FAIRFUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BUILT_ASSETS = ("fairfund.css", "govuk-frontend.min.js", "htmx.min.js")


@pytest.fixture(scope="session")
def built_assets() -> None:
    vendor = FRONTEND / "static" / "vendor"
    missing = [name for name in BUILT_ASSETS if not (vendor / name).is_file()]
    if missing:
        pytest.fail(
            f"frontend/static/vendor/ lacks {', '.join(missing)}: "
            "run `npm ci && npm run build` in frontend/ first",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `npm ci` in frontend/ first", pytrace=False)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser(built_assets: None) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()
