"""The API docs page works in a real browser under the site's CSP: no refusals, operations shown."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("FAIRFUND_CHROMIUM", "/usr/bin/chromium")


def test_swagger_ui_renders_the_operations_without_csp_refusals(live_server):
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda message: problems.append(message.text) if message.type == "error" else None,
            )
            page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
            page.on(
                "response",
                lambda response: (
                    problems.append(f"HTTP {response.status} for {response.url}")
                    if response.status >= 400
                    else None
                ),
            )
            requested: list[str] = []
            page.on("request", lambda request: requested.append(request.url))

            page.goto(f"{live_server.url}/api/docs/")
            # Swagger UI fetched the schema and rendered its operations.
            operation = page.locator("#operations-me-me_get")
            try:
                operation.wait_for(timeout=15_000)
            except PlaywrightTimeoutError:
                pytest.fail(f"Swagger UI did not render; the browser reported: {problems}")
            assert "/api/v1/me/" in operation.inner_text()
            assert page.locator(".opblock").count() >= 20
        finally:
            browser.close()
    assert problems == []
    assert requested
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)
