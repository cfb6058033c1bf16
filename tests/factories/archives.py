"""Zip files for the tests of the archive limits (pcc_commissioning/archives.py), built in memory.

A "zeros" member is written 1 MB at a time, so a test can make a 60 MB member without holding it:
zeros compress about a thousandfold, so the zip itself stays at tens of kilobytes.
"""

import io
import struct
import zipfile

MB = 1024 * 1024


def zip_of(entries: dict[str, bytes], *, zeros: dict[str, int] | None = None) -> bytes:
    """A deflated zip with ``entries`` and, for each name in ``zeros``, a member of that many zero bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, size in (zeros or {}).items():
            with archive.open(name, "w") as member:
                for start in range(0, size, MB):
                    member.write(bytes(min(MB, size - start)))
    return buffer.getvalue()


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def understated(data: bytes, name: str, size: int) -> bytes:
    """``data`` with the member ``name`` claiming, in both its headers, to unpack to ``size`` bytes:
    a zip whose directory lies."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    struct.pack_into("<I", out, info.header_offset + 22, size)  # local header: uncompressed size
    encoded = name.encode()
    start = 0
    while (start := out.find(b"PK\x01\x02", start)) != -1:  # central directory records
        name_length = struct.unpack_from("<H", out, start + 28)[0]
        if out[start + 46 : start + 46 + name_length] == encoded:
            struct.pack_into("<I", out, start + 24, size)
        start += 4
    return bytes(out)
