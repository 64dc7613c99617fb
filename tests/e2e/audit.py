"""Checks every page of a browser journey must pass: axe-core, 320 px, no console or HTTP errors.

`PageAudit.check(page, label)` runs on the page the journey is on. With JavaScript on, it runs
axe-core in that page. With JavaScript off, axe cannot run there: Playwright can still evaluate
code in such a page, but `axe.run()` never settles (its timers and promise callbacks do not run
while the page's scripts are disabled). So the audit
puts the very same HTML (the DOM the no-JS visitor has, taken with `page.content()`) into a
second, JavaScript-enabled page, with a `<base>` of the page's URL and a CSP of `script-src
'none'` so that none of the page's own scripts run there either, and runs axe in that copy (axe
arrives through the DevTools protocol, which a page's CSP does not govern). Its stylesheets and
images load from the live server as usual, so contrast and layout are what the no-JS visitor
sees, at 320 px wide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape as html_escape
from typing import Any

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response

NARROW = {"width": 320, "height": 640}
BLOCKING_IMPACTS = ("serious", "critical")

_RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""

# The innermost elements that stick out past the viewport or spill their content sideways.
_WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = Array.from(document.querySelectorAll('body *')).filter(el =>
    el.getBoundingClientRect().right > limit + 0.5 ||
    (getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth));
  return wide.filter(el => !wide.some(other => other !== el && el.contains(other)))
    .slice(0, 5).map(el => el.outerHTML.slice(0, 160));
}"""


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"      {detail}")
    return "\n".join(lines)


@dataclass
class PageAudit:
    axe_source: str
    # A JavaScript-enabled context used only to audit copies of pages a JS-off journey visits.
    audit_context: BrowserContext | None = None
    audited: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _copy_page: Page | None = None

    def watch(self, page: Page) -> None:
        """Record console errors (CSP refusals among them), script errors and failed loads."""

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.problems.append(f"console error: {message.text}")

        def on_response(response: Response) -> None:
            if response.status >= 400:
                self.problems.append(f"HTTP {response.status} for {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("response", on_response)

    def check(self, page: Page, label: str) -> None:
        page.wait_for_load_state("load")
        if self.audit_context is None:
            self._check_rendered(page, label, page.url, narrow=page.viewport_size == NARROW)
        else:
            self._check_copy(page, label)
        problems, self.problems[:] = list(self.problems), []
        assert not problems, f"{label} ({page.url}):\n" + "\n".join(problems)
        self.audited.append(label)

    def _check_copy(self, page: Page, label: str) -> None:
        assert self.audit_context is not None
        if self._copy_page is None:
            self._copy_page = self.audit_context.new_page()
        # The copy keeps the page's address for its links and assets (<base>), and a CSP that
        # stops the page's own scripts, so that it stays the page a no-JS visitor sees.
        head = (
            f'<head><base href="{html_escape(page.url)}">'
            """<meta http-equiv="Content-Security-Policy" content="script-src 'none'">"""
        )
        html = re.sub(r"<head\b[^>]*>", head, page.content(), count=1)
        self._copy_page.set_content(html, wait_until="load")
        self._check_rendered(self._copy_page, f"{label} (no-JS copy)", page.url, narrow=True)

    def _check_rendered(self, page: Page, label: str, url: str, *, narrow: bool) -> None:
        page.wait_for_load_state("load")
        if narrow:
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= NARROW["width"], (
                f"{label} ({url}) scrolls sideways at 320 px: scrollWidth {scroll_width}; "
                f"too wide: {page.evaluate(_WIDEST)}"
            )
        page.evaluate(self.axe_source)
        violations = page.evaluate(_RUN_AXE)
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, (
            f"axe-core found {len(blocking)} serious or critical problem(s) on {label} "
            f"({url}):\n{describe_violations(blocking)}"
        )
