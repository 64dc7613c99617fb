"""What an uploaded file really is, decided from its bytes (pure Python, nothing extracted).

PDF, PNG and JPEG are told by their magic bytes; DOCX and ODT are zip files whose directory and
manifest are read with :mod:`zipfile`. Executables, macro-enabled documents, zip bombs, files
over the size limit and files whose name does not match their content are refused, each with a
message a person can act on.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _

from backend.core.errors import ApplicationError

from .models import MAX_ATTACHMENT_BYTES, AttachmentType

# Zip limits, checked from the central directory before anything is decompressed.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 2_000
# The manifests read here are small; never read more than this from a member.
_MANIFEST_READ_LIMIT = 1024 * 1024

EXTENSIONS: dict[str, AttachmentType] = {
    "pdf": AttachmentType.PDF,
    "png": AttachmentType.PNG,
    "jpg": AttachmentType.JPEG,
    "jpeg": AttachmentType.JPEG,
    "docx": AttachmentType.DOCX,
    "odt": AttachmentType.ODT,
}

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xcf\xfa\xed\xfe",  # Mach-O 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O 32-bit
    b"\xca\xfe\xba\xbe",  # Mach-O universal
    b"#!",  # scripts
)
_ZIP_MAGIC = b"PK\x03\x04"
_MACRO_CONTENT_TYPES = (
    b"macroenabled",
    b"vbaproject",
    b"ms-office.vbaproject",
    b"application/vnd.ms-word.document.macroenabled",
)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: AttachmentType
    extension: str


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, fields={"file": [message]}, code="file_refused")


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        return member.read(_MANIFEST_READ_LIMIT)


def _open_zip(content: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _refuse(_("The file is damaged: it is not a readable document.")) from error
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise _refuse(_("The document holds too many parts to be checked safely."))
    uncompressed = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if uncompressed > MAX_UNCOMPRESSED_BYTES:
        raise _refuse(
            _("The document expands to more than %(mb)s MB; it looks like a zip bomb.")
            % {"mb": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
        )
    if uncompressed > MAX_COMPRESSION_RATIO * max(compressed, 1) or any(
        member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        and member.file_size > 1024 * 1024
        for member in members
    ):
        raise _refuse(_("The document is compressed suspiciously far; it looks like a zip bomb."))
    return archive


def _refuse_macros(archive: zipfile.ZipFile, content_types: bytes) -> None:
    names = [name.lower() for name in archive.namelist()]
    lowered = content_types.lower()
    if (
        any(name.endswith(".bin") or "vbaproject" in name for name in names)
        or any(marker in lowered for marker in _MACRO_CONTENT_TYPES)
        or any(name.startswith(("basic/", "scripts/")) for name in names)
    ):
        raise _refuse(
            _(
                "Documents with macros cannot be attached. Save it without macros (as .docx or .odt)."
            )
        )


def _zip_type(content: bytes) -> AttachmentType:
    archive = _open_zip(content)
    with archive:
        names = set(archive.namelist())
        try:
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                _refuse_macros(archive, _read_member(archive, "[Content_Types].xml"))
                return AttachmentType.DOCX
            if "mimetype" in names:
                mimetype = _read_member(archive, "mimetype").strip()
                if mimetype == AttachmentType.ODT.value.encode():
                    manifest = (
                        _read_member(archive, "META-INF/manifest.xml")
                        if "META-INF/manifest.xml" in names
                        else b""
                    )
                    _refuse_macros(archive, manifest)
                    return AttachmentType.ODT
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
            raise _refuse(_("The file is damaged: it is not a readable document.")) from error
    raise _refuse(_("Only PDF, DOCX, ODT, PNG and JPEG files can be attached."))


def _detect(content: bytes) -> AttachmentType:
    if content.startswith(b"%PDF-"):
        return AttachmentType.PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return AttachmentType.PNG
    if content.startswith(b"\xff\xd8\xff"):
        return AttachmentType.JPEG
    if content.startswith(_ZIP_MAGIC):
        return _zip_type(content)
    raise _refuse(_("Only PDF, DOCX, ODT, PNG and JPEG files can be attached."))


def check_upload(filename: str, content: bytes) -> CheckedFile:
    """The file's safe name and real type; raises ApplicationError (on "file") if refused."""
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if not name or not content:
        raise _refuse(_("Choose a file that is not empty."))
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise _refuse(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    if content.startswith(_EXECUTABLE_MAGIC):
        raise _refuse(_("Programs and scripts cannot be attached."))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    expected = EXTENSIONS.get(extension)
    if expected is None:
        raise _refuse(_("Only PDF, DOCX, ODT, PNG and JPEG files can be attached."))
    detected = _detect(content)
    if detected != expected:
        raise _refuse(
            _("The file's name says .%(extension)s but its content is %(kind)s.")
            % {"extension": extension, "kind": detected.label}
        )
    return CheckedFile(name=name[-255:], content_type=detected, extension=extension)
