"""Read a rendered page the way a person (or a screen reader) meets it: headings, fields, errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from django.http import HttpResponse


@dataclass
class Page:
    h1: str = ""
    title: str = ""
    values: dict[str, str] = field(default_factory=dict)
    checked: dict[str, list[str]] = field(default_factory=dict)
    described_by: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    summary: list[tuple[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    text: str = ""

    def error_for(self, name: str) -> str:
        """The message shown next to field ``name`` (its GOV.UK error message), or ""."""
        return self.errors.get(f"id_{name}-error", "")

    def has_link(self, href: str) -> bool:
        return href in self.links


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._capture: list[tuple[str, str, list[str]]] = []  # (tag, key, chunks)
        self._in_summary = 0
        self._summary_href: str | None = None
        self._text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag in {"script", "style"}:
            self._skip += 1
        if tag == "h1":
            self._capture.append(("h1", "h1", []))
        elif tag == "title":
            self._capture.append(("title", "title", []))
        elif tag == "p" and "govuk-error-message" in classes:
            self._capture.append(("p", a.get("id", ""), []))
        elif tag == "textarea":
            self._capture.append(("textarea", a.get("name", ""), []))
            if a.get("aria-describedby"):
                self.page.described_by[a.get("name", "")] = a["aria-describedby"]
        if tag == "div" and "govuk-error-summary" in classes:
            self._in_summary = 1
        elif tag == "div" and self._in_summary:
            self._in_summary += 1
        if tag == "li" and self._in_summary:
            self._summary_href = None
            self._capture.append(("li", "summary", []))
        if tag == "a":
            self.page.links.append(a.get("href", ""))
            if self._in_summary:
                self._summary_href = a.get("href", "")
        if tag == "input":
            name = a.get("name", "")
            kind = a.get("type", "text")
            if kind in {"radio", "checkbox"}:
                self.page.checked.setdefault(name, [])
                if "checked" in a:
                    self.page.checked[name].append(a.get("value", ""))
            else:
                self.page.values[name] = a.get("value", "")
            if a.get("aria-describedby"):
                self.page.described_by[name] = a["aria-describedby"]

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1
        if tag == "div" and self._in_summary:
            self._in_summary -= 1
        if self._capture and self._capture[-1][0] == tag:
            _tag, key, chunks = self._capture.pop()
            text = re.sub(r"\s+", " ", "".join(chunks)).strip()
            if key == "h1":
                self.page.h1 = text
            elif key == "title":
                self.page.title = text
            elif key == "summary":
                self.page.summary.append((self._summary_href or "", text))
            elif tag == "textarea":
                self.page.values[key] = "".join(chunks).strip("\n")
            else:
                self.page.errors[key] = text.removeprefix("Error:").strip()

    def handle_data(self, data: str) -> None:
        for _tag, _key, chunks in self._capture:
            chunks.append(data)
        if not self._skip:
            self._text.append(data)


def read(response: HttpResponse) -> Page:
    reader = _Reader()
    reader.feed(response.content.decode())
    reader.page.text = re.sub(r"\s+", " ", unescape(" ".join(reader._text)))
    return reader.page
