"""Attachments are checked by content, size-limited and stored outside the web root."""

import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from backend.audit.models import AuditEvent
from backend.bids.content_check import MAX_UNCOMPRESSED_BYTES, check_upload
from backend.bids.models import MAX_ATTACHMENT_BYTES, Attachment, AttachmentType, Bid
from backend.bids.services import attachment_add, attachment_remove, bid_submit
from backend.core.errors import ApplicationError, PermissionDenied
from tests.bids.helpers import (
    DOCM_CONTENT_TYPES,
    EXE,
    JPEG,
    PDF,
    PNG,
    docx,
    odt,
    zipped,
)
from tests.factories import OrganisationFactory, UserFactory, actor, grant

pytestmark = pytest.mark.django_db


def _refused(draft, applicant, filename: str, content: bytes) -> str:
    with pytest.raises(ApplicationError) as refused:
        attachment_add(actor=actor(applicant), bid=draft, filename=filename, content=content)
    assert list(refused.value.fields) == ["file"]
    assert not Attachment.objects.filter(bid=draft).exists()
    return refused.value.fields["file"][0]


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("plan.pdf", PDF, AttachmentType.PDF),
        ("logo.png", PNG, AttachmentType.PNG),
        ("photo.JPG", JPEG, AttachmentType.JPEG),
        ("photo.jpeg", JPEG, AttachmentType.JPEG),
        ("plan.docx", docx(), AttachmentType.DOCX),
        ("plan.odt", odt(), AttachmentType.ODT),
    ],
)
def test_accepted_types_are_stored_outside_the_web_root(
    draft, applicant, upload_root, filename, content, expected
):
    attachment = attachment_add(
        actor=actor(applicant), bid=draft, filename=f"C:\\Users\\me\\{filename}", content=content
    )
    assert attachment.content_type == expected
    assert attachment.original_name == filename
    stored = Path(settings.FAIRFUND_UPLOAD_ROOT) / attachment.stored_path
    assert stored.read_bytes() == content
    assert stored.resolve().is_relative_to(upload_root.resolve())
    assert not stored.resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve())
    event = AuditEvent.objects.filter(action="bid.attachment_added").latest("sequence")
    assert event.data["sha256"] == attachment.sha256
    assert filename not in str(event.data)


def test_a_renamed_windows_executable_is_refused(draft, applicant):
    assert "Programs" in _refused(draft, applicant, "budget.pdf", EXE)


def test_a_linux_executable_is_refused(draft, applicant):
    assert "Programs" in _refused(draft, applicant, "photo.png", b"\x7fELF" + b"\x00" * 60)


def test_a_file_whose_name_does_not_match_its_content_is_refused(draft, applicant):
    assert ".pdf" in _refused(draft, applicant, "plan.pdf", PNG)


def test_an_unlisted_extension_is_refused(draft, applicant):
    assert "Only PDF" in _refused(draft, applicant, "plan.exe", PDF)
    assert "Only PDF" in _refused(draft, applicant, "plan", PDF)


def test_unknown_content_is_refused(draft, applicant):
    assert "Only PDF" in _refused(draft, applicant, "plan.pdf", b"just some text")


def test_an_empty_file_is_refused(draft, applicant):
    assert "empty" in _refused(draft, applicant, "plan.pdf", b"")


def test_a_file_over_10_mb_is_refused(draft, applicant):
    content = PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF) + 1)
    assert "10 MB" in _refused(draft, applicant, "plan.pdf", content)


def test_a_file_of_exactly_10_mb_is_accepted(draft, applicant):
    content = PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF))
    attachment = attachment_add(
        actor=actor(applicant), bid=draft, filename="a.pdf", content=content
    )
    assert attachment.size == MAX_ATTACHMENT_BYTES


def test_a_zip_bomb_disguised_as_docx_is_refused(draft, applicant):
    bomb = docx({"word/media/padding.xml": b"\x00" * (MAX_UNCOMPRESSED_BYTES + 1)})
    assert len(bomb) < MAX_ATTACHMENT_BYTES
    assert "zip bomb" in _refused(draft, applicant, "plan.docx", bomb)


def test_a_highly_compressed_member_under_the_size_limit_is_refused(draft, applicant):
    bomb = docx({"word/media/padding.xml": b"\x00" * (20 * 1024 * 1024)})
    assert "zip bomb" in _refused(draft, applicant, "plan.docx", bomb)


def test_a_docx_with_a_vba_project_is_refused(draft, applicant):
    macro = docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})
    assert "macros" in _refused(draft, applicant, "plan.docx", macro)


def test_a_macro_enabled_content_type_is_refused(draft, applicant):
    assert "macros" in _refused(
        draft, applicant, "plan.docx", docx(content_types=DOCM_CONTENT_TYPES)
    )


def test_any_binary_part_is_refused(draft, applicant):
    macro = docx({"word/embeddings/thing.bin": b"x"})
    assert "macros" in _refused(draft, applicant, "plan.docx", macro)


def test_an_odt_with_basic_scripts_is_refused(draft, applicant):
    macro = odt({"Basic/Standard/Module1.xml": b"<script:module/>"})
    assert "macros" in _refused(draft, applicant, "plan.odt", macro)


def test_a_zip_that_is_neither_docx_nor_odt_is_refused(draft, applicant):
    assert "Only PDF" in _refused(draft, applicant, "plan.docx", zipped({"a.txt": b"hello"}))
    wrong = zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    assert "Only PDF" in _refused(draft, applicant, "plan.odt", wrong)


def test_a_damaged_zip_is_refused(draft, applicant):
    assert "damaged" in _refused(draft, applicant, "plan.docx", b"PK\x03\x04" + b"\x00" * 100)


def test_a_docx_renamed_as_odt_is_refused(draft, applicant):
    assert ".odt" in _refused(draft, applicant, "plan.odt", docx())


def test_the_same_file_twice_is_refused(draft, applicant):
    attachment_add(actor=actor(applicant), bid=draft, filename="a.pdf", content=PDF)
    with pytest.raises(ApplicationError) as refused:
        attachment_add(actor=actor(applicant), bid=draft, filename="b.pdf", content=PDF)
    assert "already attached" in refused.value.fields["file"][0]


def test_the_check_reads_the_zip_directory_without_extracting(monkeypatch):
    bomb = docx({"word/media/padding.xml": b"\x00" * (MAX_UNCOMPRESSED_BYTES + 1)})

    def no_extraction(*args, **kwargs):
        raise AssertionError("extracted")

    monkeypatch.setattr(zipfile.ZipFile, "extractall", no_extraction)
    monkeypatch.setattr(zipfile.ZipFile, "read", no_extraction)
    with pytest.raises(ApplicationError):
        check_upload("plan.docx", bomb)


def test_a_rival_cannot_attach_to_the_bid(draft):
    rival = UserFactory()
    grant(rival, "applicant", organisation=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        attachment_add(actor=actor(rival), bid=draft, filename="a.pdf", content=PDF)


def test_removing_an_attachment_deletes_the_row_and_then_the_file(
    draft, applicant, django_capture_on_commit_callbacks
):
    attachment = attachment_add(actor=actor(applicant), bid=draft, filename="a.pdf", content=PDF)
    stored = Path(settings.FAIRFUND_UPLOAD_ROOT) / attachment.stored_path
    with django_capture_on_commit_callbacks(execute=True):
        attachment_remove(actor=actor(applicant), attachment=attachment)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not stored.exists()
    event = AuditEvent.objects.filter(action="bid.attachment_removed").latest("sequence")
    assert event.data["sha256"] == attachment.sha256


def test_attachments_are_locked_after_submission_and_their_hashes_are_in_the_snapshot(
    draft, applicant
):
    attachment = attachment_add(actor=actor(applicant), bid=draft, filename="a.pdf", content=PDF)
    bid = bid_submit(actor=actor(applicant), bid=draft)
    from backend.bids.selectors import bid_snapshot

    assert bid_snapshot(Bid.objects.get(pk=bid.pk))["attachments"] == [attachment.sha256]
    with pytest.raises(ApplicationError):
        attachment_add(actor=actor(applicant), bid=draft, filename="b.png", content=PNG)
    with pytest.raises(ApplicationError):
        attachment_remove(actor=actor(applicant), attachment=attachment)
