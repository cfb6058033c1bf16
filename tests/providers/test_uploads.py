"""The upload checks of providers/uploads.py: zip-based files over the archive limits are refused
before they are unpacked, and stored names are shortened keeping their extension."""

import time
import tracemalloc

import pytest

from providers.uploads import safe_upload_name, upload_problem
from tests.factories.archives import MB, understated, zip_of

from .conftest import upload

ODT_TYPE = b"application/vnd.oasis.opendocument.text"
DOCX_PARTS = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
XLSX_PARTS = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


def problem_of(name: str, content: bytes) -> str | None:
    file = upload(name, content)
    problem, _ = upload_problem(name=name, stream=file, size=file.size, max_bytes=10 * MB)
    return problem


def measured(function):
    """(result, seconds, peak bytes allocated) of calling ``function``."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = function()
        return result, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("name", "parts", "zeros", "message"),
    [
        # The ODT of the finding: its "mimetype" entry unpacks to far more than the type's name.
        ("policy.odt", {}, {"mimetype": 20 * MB}, "unpacks to more than 100 times its packed size"),
        ("policy.odt", {"mimetype": ODT_TYPE}, {"content.xml": 60 * MB}, "unpacks to more than 50 MB"),
        ("policy.docx", DOCX_PARTS, {"word/media/image1.png": 20 * MB}, "more than 100 times"),
        ("accounts.xlsx", XLSX_PARTS, {"xl/worksheets/sheet1.xml": 60 * MB}, "unpacks to more than 50 MB"),
    ],
)
def test_a_zip_bomb_is_refused_quickly_without_being_unpacked(name, parts, zeros, message):
    bomb = zip_of(parts, zeros=zeros)
    assert len(bomb) < 100_000  # tens of megabytes packed into tens of kilobytes
    problem, seconds, peak = measured(lambda: problem_of(name, bomb))
    assert problem is not None and problem.startswith("The selected file ") and message in problem
    assert seconds < 2
    assert peak < 2 * MB  # nothing like the member's size was read into memory


def test_a_zip_of_thousands_of_members_is_refused():
    parts = dict(DOCX_PARTS) | {f"word/media/{number}.txt": b"x" for number in range(5_000)}
    assert problem_of("policy.docx", zip_of(parts)) == (
        "The selected file has too many parts inside it (5,002; the limit is 1,000)."
    )


def test_a_zip_whose_directory_understates_a_size_is_refused():
    # 600 KB of zeros: packed far over a hundredfold, but too small for that rule to matter.
    honest = zip_of(DOCX_PARTS, zeros={"word/media/blank.bmp": 600 * 1024})
    assert problem_of("policy.docx", honest) is None
    lying = understated(honest, "word/media/blank.bmp", 1_000)
    assert problem_of("policy.docx", lying) == "The selected file is damaged or encrypted, so it cannot be read."


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a" * 250 + ".pdf", "a" * 196 + ".pdf"),
        ("é" * 250 + ".docx", "é" * 97 + ".docx"),  # 200 bytes of UTF-8: 97 two-byte letters and ".docx"
        ("C:\\Users\\sam\\report.pdf", "report.pdf"),  # an old browser's full path
        ("note\x00s.pdf", "notes.pdf"),
        ("x" * 250, "x" * 200),  # no extension to keep
        ("", "document"),
    ],
)
def test_safe_upload_name_keeps_the_extension(name, expected):
    assert safe_upload_name(name, 200) == expected
