"""What an uploaded file really is, judged by its contents (not its name or the browser's word).

Accepted: PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG and JPEG.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from pcc_commissioning.archives import ArchiveRefused, check_archive, read_member


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", (".pdf",))
PNG = FileType("PNG image", "image/png", (".png",))
JPEG = FileType("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
DOCX = FileType(
    "Word document (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileType(
    "Excel workbook (XLSX)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
ODT = FileType("OpenDocument text (ODT)", "application/vnd.oasis.opendocument.text", (".odt",))

ALLOWED_TYPES = (PDF, DOCX, XLSX, ODT, PNG, JPEG)
ALLOWED_DESCRIPTION = "a PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG or JPEG file"


def _zip_type(stream: IO[bytes]) -> FileType | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            check_archive(archive)  # raises ArchiveRefused before any member is unpacked in full
            names = set(archive.namelist())
            if "mimetype" in names:
                # A few bytes more than the longest type we accept: enough to tell, never a big read.
                mimetype = read_member(archive, "mimetype", limit=100).strip().decode("ascii", "replace")
                return ODT if mimetype == ODT.content_type else None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return None
    return None


def detect_file_type(stream: IO[bytes]) -> FileType | None:
    """The type of the file's contents, or None if it is not one we accept.

    Raises ArchiveRefused for a zip-based file over the limits of pcc_commissioning/archives.py.
    Leaves the stream at position 0.
    """
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"PK\x03\x04"):
            return _zip_type(stream)
        return None
    finally:
        stream.seek(0)


def upload_problem(*, name: str, stream: IO[bytes], size: int, max_bytes: int) -> tuple[str | None, FileType | None]:
    """(message, type): a message for the person uploading if the file is refused, else its type."""
    if size == 0:
        return "The selected file is empty.", None
    if size > max_bytes:
        return (
            f"The selected file must be smaller than {_megabytes(max_bytes)} (it is {_megabytes(size)}).",
            None,
        )
    try:
        detected = detect_file_type(stream)
    except ArchiveRefused as refused:
        # archives.py speaks of "the file" (imports use it too); upload pages say "the selected file".
        return str(refused).replace("The file", "The selected file", 1), None
    if detected is None:
        return f"The selected file must be {ALLOWED_DESCRIPTION}.", None
    extension = PurePath(name).suffix.lower()
    if extension not in detected.extensions:
        return (
            f"The file's name ends in “{extension or 'nothing'}” but it contains a {detected.label}. "
            f"Rename it to end in {detected.extensions[0]}, or choose the right file.",
            None,
        )
    return None, detected


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    if value >= 1:
        return f"{value:.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(size / 1024))} KB"


# Longest name a file system holds in one path part is 255 bytes; a name is kept well inside it.
_NAME_MAX_BYTES = 200
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def safe_upload_name(name: str, max_length: int) -> str:
    """The uploaded file's own name (no folders, no control characters), shortened if needed to
    ``max_length`` characters and 200 bytes of UTF-8 by cutting the end of its stem, so that its
    extension (what the download is opened with) survives: "a…(250 characters).pdf" -> "a….pdf"."""
    base = _CONTROL_CHARACTERS.sub("", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip() or "document"
    suffix = PurePath(base).suffix
    if len(suffix) > 10 or len(suffix) >= max_length:  # not a real extension: cut the name as a whole
        suffix = ""
    stem = base[: len(base) - len(suffix)] if suffix else base
    stem = stem[: max_length - len(suffix)]
    byte_budget = _NAME_MAX_BYTES - len(suffix.encode("utf-8"))
    stem = stem.encode("utf-8")[:byte_budget].decode("utf-8", "ignore")  # never half a character
    return (stem or "document") + suffix
