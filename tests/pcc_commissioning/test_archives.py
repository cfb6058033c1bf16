"""The zip limits of pcc_commissioning/archives.py, at their edges."""

import io
import zipfile

import pytest

from pcc_commissioning.archives import ArchiveRefused, check_archive, read_member
from tests.factories.archives import MB, zip_of


def check(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        check_archive(archive)


def test_a_thousand_members_are_allowed_and_one_more_is_not():
    check(zip_of({f"{number}.xml": b"<x/>" for number in range(1_000)}))
    with pytest.raises(ArchiveRefused, match=r"too many parts inside it \(1,001; the limit is 1,000\)"):
        check(zip_of({f"{number}.xml": b"<x/>" for number in range(1_001)}))


def test_the_size_limit_is_on_the_total_of_all_members():
    # Each member is under 50 MB; together they are over it.
    with pytest.raises(ArchiveRefused, match="unpacks to more than 50 MB"):
        check(zip_of({}, zeros={"a.bin": 26 * MB, "b.bin": 26 * MB}))


def test_a_member_packed_more_than_a_hundredfold_is_refused_only_when_it_is_big():
    check(zip_of({}, zeros={"blank.bin": 1 * MB}))  # 1 MB: too small to matter
    with pytest.raises(ArchiveRefused, match="more than 100 times its packed size"):
        check(zip_of({}, zeros={"blank.bin": 1 * MB + 1}))


def test_read_member_reads_no_more_than_its_limit():
    with zipfile.ZipFile(io.BytesIO(zip_of({}, zeros={"mimetype": 5 * MB}))) as archive:
        assert read_member(archive, "mimetype", limit=100) == bytes(100)
