"""What an uploaded file really is, judged by its contents (not its name or the browser's word).

Accepted: PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG and JPEG.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO


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
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").strip().decode("ascii", "replace")
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
            f"The selected file must be smaller than {_megabytes(max_bytes)} "
            f"(it is {_megabytes(size)}).",
            None,
        )
    detected = detect_file_type(stream)
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
