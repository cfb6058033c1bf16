"""Reading an uploaded CSV or XLSX file into rows, refusing files beyond the size limits (rows,
columns, characters in a cell) and cells with characters a table cannot hold."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.conf import settings

from pcc_commissioning.archives import ArchiveRefused, check_archive
from pcc_commissioning.interchange.cells import unguard_formula
from pcc_commissioning.interchange.rows import MAX_LISTED_CELL_ERRORS, ImportFailed, Row, RowError

# Limits on reading a table (docs/formats.md "Limits"); the number of rows is the setting
# IMPORT_MAX_ROWS. XLSX files are also held to the zip limits of archives.py.
MAX_COLUMNS = 100


MAX_CELL_CHARACTERS = 32_767  # Excel's own limit for one cell


# ---------------------------------------------------------------------------------------------
# Reading tables
@dataclass
class Table:
    headers: list[str]
    rows: list[Row]


def read_table(file: IO[bytes] | bytes, *, filename: str = "") -> Table:
    """Read a CSV (UTF-8, optional BOM, any line ending) or XLSX (first sheet) table.

    Raises ImportFailed: at once for a file over the limits (rows, columns, unpacked size),
    after reading it all for bad cells (not UTF-8, a NUL character, too long), every one listed.
    """
    data = file if isinstance(file, bytes) else file.read()
    raw_rows = _xlsx_rows(data) if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04" else _csv_rows(data)
    return _table_from(raw_rows)


def _csv_rows(data: bytes) -> list[list[str]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = "The file is UTF-16 text, not UTF-8. Save it as 'CSV UTF-8' and try again."
        raise ImportFailed([RowError(1, "", message)])
    # Bytes that are not UTF-8 become lone surrogates (U+DC80 to U+DCFF) rather than failing the
    # whole file, so _cell_problems can name each bad cell's row and column.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    try:
        return _within_limits(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFailed([RowError(1, "", f"The file is not valid CSV ({exc}).")]) from exc


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    unreadable = ImportFailed([RowError(1, "", "The file is not a readable XLSX workbook.")])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive)  # before openpyxl unpacks anything
    except ArchiveRefused as refused:
        raise ImportFailed([RowError(1, "", str(refused))]) from refused
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise unreadable from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise unreadable from exc
    try:
        sheet = workbook.worksheets[0]
        # The size a sheet declares can be wrong (rows cut off) or huge (every row padded to
        # 16,384 columns): read the cells that are really there.
        sheet.reset_dimensions()
        return _within_limits(sheet.iter_rows(values_only=True), _xlsx_cell_text)
    except ImportFailed:
        raise
    except Exception as exc:
        raise unreadable from exc
    finally:
        workbook.close()


def _within_limits(rows: Iterable[Sequence[Any]], cell_text: Callable[[Any], str] | None = None) -> list[list[str]]:
    """The rows as text (each value through ``cell_text``, if given), refused as soon as there are
    too many or one has a value beyond the last column allowed: the rest of the file is not read."""
    max_rows = settings.IMPORT_MAX_ROWS
    table = []
    for number, values in enumerate(rows, start=1):
        if number > max_rows + 1:  # the header and max_rows rows are allowed
            raise ImportFailed(
                [
                    RowError(
                        number,
                        "",
                        f"The file has more than {max_rows:,} rows after the header, the most one import "
                        f"takes. Split it into smaller files.",
                    )
                ]
            )
        extra = values[MAX_COLUMNS:]
        # Counted, not looped over in Python: a row can be thousands of empty cells wide.
        if len(extra) != extra.count(None) + extra.count(""):
            raise ImportFailed(
                [
                    RowError(
                        number,
                        "",
                        f"The row has a value beyond column {_column_letter(MAX_COLUMNS)}: a file can have "
                        f"at most {MAX_COLUMNS} columns.",
                    )
                ]
            )
        values = values[:MAX_COLUMNS]
        table.append(list(values) if cell_text is None else [cell_text(value) for value in values])
    return table


def _xlsx_cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # Spreadsheets store 1234.5 as a float: go through repr to avoid binary noise.
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def _table_from(raw_rows: list[list[str]]) -> Table:
    if not raw_rows:
        raise ImportFailed([RowError(1, "", "The file is empty: a header row is required.")])
    headers = [header.strip().lower() for header in raw_rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    seen: set[str] = set()
    errors = []
    for header in headers:
        if header and header in seen:
            errors.append(RowError(1, header, "This column appears twice."))
        seen.add(header)
    errors += _cell_problems(raw_rows, headers)
    if errors:
        raise ImportFailed(errors)
    rows = []
    for index, values in enumerate(raw_rows[1:], start=2):
        cells = {
            header: unguard_formula((values[position] if position < len(values) else "").strip())
            for position, header in enumerate(headers)
            if header
        }
        if any(cells.values()):
            rows.append(Row(index, cells))
    return Table(headers=[h for h in headers if h], rows=rows)


# Text the database cannot store: a NUL, or a lone surrogate (as _csv_rows makes of bytes that
# are not UTF-8, or an XLSX can spell as "_xD800_").
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _has_bad_character(text: str) -> bool:
    # Quicker than _BAD_CHARACTER.search over a whole file: each step runs at C speed.
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _cell_problems(raw_rows: list[list[str]], headers: list[str]) -> list[RowError]:
    """Every cell that cannot be imported, by row and column (its header, or its letter)."""
    # Whole-file, then whole-row checks first: almost every file is clean, and these run at C speed.
    cells = list(itertools.chain.from_iterable(raw_rows))
    if not _has_bad_character("".join(cells)) and max(map(len, cells), default=0) <= MAX_CELL_CHARACTERS:
        return []
    errors: list[RowError] = []
    for number, values in enumerate(raw_rows, start=1):
        if not _has_bad_character("".join(values)) and max(map(len, values), default=0) <= MAX_CELL_CHARACTERS:
            continue
        for position, value in enumerate(values):
            message = _cell_problem(value)
            if message:
                # A bad header is named by its letter: its own text is what cannot be shown.
                named = number > 1 and position < len(headers) and headers[position]
                errors.append(RowError(number, headers[position] if named else _column_letter(position + 1), message))
        if len(errors) >= MAX_LISTED_CELL_ERRORS:
            errors.append(RowError(number, "", f"There are more problems: only the first {len(errors):,} are listed."))
            break
    return errors


def _cell_problem(value: str) -> str:
    if len(value) > MAX_CELL_CHARACTERS:
        return f"The cell has {len(value):,} characters; the most a cell can have is {MAX_CELL_CHARACTERS:,}."
    bad = _BAD_CHARACTER.search(value)
    if bad is None:
        return ""
    if bad.group() == "\x00":
        return "The cell contains a NUL character (a zero byte), which text cannot hold. Remove it and try again."
    code = ord(bad.group())
    if 0xDC80 <= code <= 0xDCFF:  # one byte of the file that is not UTF-8
        return (
            f"The cell is not UTF-8 text (it has the byte 0x{code - 0xDC00:02X}). "
            "Save the file as 'CSV UTF-8' and try again."
        )
    return f"The cell holds U+{code:04X}, which is half of a character, not text. Remove it and try again."


def _column_letter(position: int) -> str:
    """The spreadsheet name of column ``position`` (1 is A, 27 is AA)."""
    letters = ""
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
