"""Limits on zip-based files (DOCX, XLSX, ODT) before anything unpacks or parses them.

A zip can hold far more than its own size: a 1 MB upload can unpack to gigabytes (a "zip bomb").
``check_archive`` refuses one before any other code opens a member, using both the sizes the zip's
directory declares and what its members really unpack to (read in chunks and counted, so a
directory that lies about sizes is caught too). Used by the upload checks (providers/uploads.py)
and the XLSX import reader (interchange/tables.py); the limits are in docs/formats.md.
"""

from __future__ import annotations

import zipfile
import zlib

MAX_MEMBERS = 1_000
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100
# Small members may compress very well (a blank sheet, repeated styles) without harm; the
# ratio rule is for the members that could be big.
RATIO_FROM_BYTES = 1024 * 1024
_CHUNK = 64 * 1024


class ArchiveRefused(Exception):
    """The zip is over a limit or unreadable; the message is for the person who sent the file."""


def check_archive(archive: zipfile.ZipFile) -> None:
    """Raise ArchiveRefused if ``archive`` is over a limit or cannot be read; else return None."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ArchiveRefused(f"The file has too many parts inside it ({len(members):,}; the limit is {MAX_MEMBERS:,}).")
    _check_declared_sizes(members)
    _check_real_sizes(archive, members)


def _check_declared_sizes(members: list[zipfile.ZipInfo]) -> None:
    if sum(member.file_size for member in members) > MAX_TOTAL_BYTES:
        raise _too_big()
    for member in members:
        if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ArchiveRefused(
                f"The file is packed in a way we do not accept: a part of it unpacks to more than "
                f"{MAX_RATIO} times its packed size."
            )


def _check_real_sizes(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Unpack every member into nothing, counting, and stop as soon as the total is over the limit."""
    total = 0
    try:
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    total += len(chunk)
                    if total > MAX_TOTAL_BYTES:
                        raise _too_big()
    except ArchiveRefused:
        raise
    # zipfile raises these for a damaged, encrypted or oddly compressed member (or a wrong CRC).
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
        raise ArchiveRefused("The file is damaged or encrypted, so it cannot be read.") from exc


def _too_big() -> ArchiveRefused:
    return ArchiveRefused(
        f"The file unpacks to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB, which is more than we accept."
    )


def read_member(archive: zipfile.ZipFile, name: str, *, limit: int) -> bytes:
    """At most ``limit`` bytes of the member ``name`` (KeyError if it is absent)."""
    with archive.open(name) as stream:
        return stream.read(limit)
