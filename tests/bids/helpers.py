"""Funds open for bids, frozen clocks and small files for the bid tests."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta

from django.utils import timezone

from backend.funds.models import Fund, Phase
from backend.funds.services import fund_transition
from tests.factories import FundFactory, actor
from tests.funds.helpers import set_up

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 200


def open_fund(*, council, panel, officer, chair, closes_at: datetime | None = None) -> Fund:
    """A fund taking bids, whose bids close at ``closes_at`` (13 days from now by default)."""
    closes_at = closes_at or timezone.now() + timedelta(days=13)
    fund = set_up(
        FundFactory(council=council, panel=panel),
        officer=officer,
        chair=chair,
        start=closes_at - timedelta(days=14),
    )
    fund_transition(actor=actor(officer), fund=fund, to_phase=Phase.OPEN_FOR_BIDS)
    fund.refresh_from_db()
    return fund


def zipped(members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCM_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.ms-word.document.macroEnabled.main+xml"/><Default Extension="bin" ContentType="'
    b'application/vnd.ms-office.vbaProject"/></Types>'
)


def docx(extra: dict[str, bytes] | None = None, content_types: bytes = DOCX_CONTENT_TYPES) -> bytes:
    return zipped(
        {
            "[Content_Types].xml": content_types,
            "word/document.xml": b"<w:document><w:body>Plan</w:body></w:document>",
            **(extra or {}),
        }
    )


def odt(extra: dict[str, bytes] | None = None) -> bytes:
    return zipped(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
            "META-INF/manifest.xml": b"<manifest:manifest/>",
            **(extra or {}),
        }
    )
