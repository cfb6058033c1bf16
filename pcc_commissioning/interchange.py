"""The interchange formats of docs/formats.md: reading and writing CSV/XLSX tables, cell parsing,
row-level error reporting and the all-or-nothing import runner.

An import or export kind is a function decorated with ``@importer("kind", ...)`` or
``@exporter("kind", ...)`` in its context's ``importers.py`` / ``exporters.py``, and each app lists
those modules in its AppConfig (``importer_modules`` / ``exporter_modules``). ``importers()`` and
``exporters()`` load the listed modules, so this module never imports a higher app and no kind
depends on some other module happening to import it first. The command line
(``manage.py import_data``) and upload pages both go through ``run_import``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import import_module
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from .archives import ArchiveRefused, check_archive
from .money import AmountError, parse_amount
from .periods import date_problem

# First characters that make a spreadsheet treat text as a formula or a command. Besides the
# ASCII four, spreadsheets in East Asian locales read the full-width forms of = + - @ as formula
# starts too, "|" starts a DDE command in older Excel, and a tab or carriage return in front
# hides any of these from a reader while some programs still evaluate what follows.
FORMULA_PREFIXES = (
    "=",
    "+",
    "-",
    "@",
    "|",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",  # full-width = + - @
    "\t",
    "\r",
)
# Limits on reading a table (docs/formats.md "Limits"); the number of rows is the setting
# IMPORT_MAX_ROWS. XLSX files are also held to the zip limits of archives.py.
MAX_COLUMNS = 100
MAX_CELL_CHARACTERS = 32_767  # Excel's own limit for one cell
MAX_LISTED_CELL_ERRORS = 1_000  # a whole file of bad cells is listed this far, so the page stays small


# ---------------------------------------------------------------------------------------------
# Errors


class CellError(ValueError):
    """A cell's value is not acceptable; the message says why, in the user's terms."""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number: the header is row 1
    column: str  # "" when the problem is the row as a whole
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    """The file was refused; nothing was written. ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} problem(s) found; nothing was imported.")


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.kind}: {self.rows} row(s) read, {self.created} created, "
            f"{self.updated} updated, {self.skipped} unchanged."
        )


@dataclass
class Row:
    """One data row: its spreadsheet number and cells by lower-case column name."""

    number: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class RowContext:
    """Collects the errors of one import, row by row.

    ``dry_run``: the file is only being checked, and ``run_import`` rolls back whatever is
    written. An importer that checks every row before its first write may stop there instead
    of writing (the result and messages are the same; only the time saved differs).
    """

    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    def add(self, row: Row | int, column: str, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        self.errors.append(RowError(number, column, message))

    def add_validation_error(self, row: Row, error: ValidationError, columns: dict[str, str] | None = None) -> None:
        """Report a service's ValidationError, mapping model field names to file columns."""
        columns = columns or {}
        if hasattr(error, "error_dict"):
            for field_name, messages in error.message_dict.items():
                column = "" if field_name == "__all__" else columns.get(field_name, field_name)
                for message in messages:
                    self.add(row, column, message)
        else:
            for message in error.messages:
                self.add(row, "", message)


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


# ---------------------------------------------------------------------------------------------
# Cells


def guard_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass.

    Text that already starts with an apostrophe gets one more, because the import removes
    one: that keeps the round trip exact.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, "'")):
        return "'" + value
    return value


def unguard_formula(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def parse_money(text: str, *, allow_negative: bool = False) -> Decimal:
    """Pounds as ``1234.56`` or ``1,234.56`` (a leading £ allowed), read by the one rule of
    ``money.parse_amount``: ``1,50`` and ``1e5`` are refused, not guessed at."""
    try:
        return parse_amount(text, allow_negative=allow_negative)
    except AmountError as exc:
        raise CellError(str(exc)) from None


def parse_date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CellError(f"'{text}' is not a date in the form YYYY-MM-DD.") from exc
    problem = date_problem(day)
    if problem:
        raise CellError(problem)
    return day


def parse_int(text: str, *, minimum: int | None = 0) -> int:
    cleaned = text.strip().replace(",", "")
    try:
        value = int(Decimal(cleaned)) if re.fullmatch(r"-?\d+(\.0+)?", cleaned) else None
    except InvalidOperation:
        value = None
    if value is None:
        raise CellError(f"'{text}' is not a whole number.")
    if minimum is not None and value < minimum:
        raise CellError(f"The number must be at least {minimum}.")
    return value


def parse_choice(text: str, choices: Iterable[str]) -> str:
    """A coded value, case-insensitive; returns the code as declared."""
    by_lower = {choice.lower(): choice for choice in choices}
    try:
        return by_lower[text.strip().lower()]
    except KeyError:
        raise CellError(f"'{text}' is not one of: {', '.join(by_lower.values())}.") from None


def parse_yes_no(text: str) -> bool:
    return parse_choice(text, ("yes", "no")) == "yes"


def parse_multi(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


# ---------------------------------------------------------------------------------------------
# Importers and the runner

ImporterFunction = Callable[..., ImportResult]


@dataclass(frozen=True)
class ImporterSpec:
    kind: str
    function: ImporterFunction
    columns: tuple[str, ...]
    required: tuple[str, ...]
    capability: str
    description: str = ""


_IMPORTERS: dict[str, ImporterSpec] = {}


def importer(kind: str, *, columns: Sequence[str], required: Sequence[str], capability: str, description: str = ""):
    """Register ``function(rows, *, actor, update, context) -> ImportResult`` for ``kind``
    (``context``: a ``RowContext`` for the rows' errors, which also tells a dry run)."""

    def register(function: ImporterFunction) -> ImporterFunction:
        _IMPORTERS[kind] = ImporterSpec(kind, function, tuple(columns), tuple(required), capability, description)
        return function

    return register


def _load_declared(attribute: str) -> None:
    """Import every module the installed apps list under ``attribute`` in their AppConfig."""
    for config in apps.get_app_configs():
        for module in getattr(config, attribute, ()):
            import_module(module)


def importers() -> dict[str, ImporterSpec]:
    _load_declared("importer_modules")
    return dict(_IMPORTERS)


ImportProgress = Callable[[int, int], None]  # progress(rows_checked, total_rows)
PROGRESS_EVERY = 500  # rows between two calls of an import's progress callback


class _RowsTellingProgress(list):
    """The table's rows, calling ``progress(checked, total)`` as an importer works through them:
    every PROGRESS_EVERY rows and after the last. A row counts as checked once the importer
    asks for the next one. Counting in the iteration means no importer has to know about it;
    a second pass over the rows never counts a row twice."""

    def __init__(self, rows: list[Row], progress: ImportProgress):
        super().__init__(rows)
        self._progress = progress
        self._checked = 0

    def __iter__(self):
        total = len(self)
        for number, row in enumerate(super().__iter__(), start=1):
            yield row
            if number > self._checked and (number % PROGRESS_EVERY == 0 or number == total):
                self._checked = number
                self._progress(number, total)


def run_import(
    kind: str,
    file: IO[bytes] | bytes,
    *,
    filename: str = "",
    actor=None,
    dry_run: bool = False,
    update: bool = False,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Import a whole file or nothing. Raises ImportFailed listing every bad row.

    ``progress(rows_checked, total_rows)``, if given, is called once the file is read (with 0,
    before the database transaction starts) and then as the rows are checked (inside it)."""
    spec = importers().get(kind)
    if spec is None:
        raise ImportFailed([RowError(1, "", f"Unknown kind of import '{kind}'.")])
    table = read_table(file, filename=filename)
    missing = [column for column in spec.required if column not in table.headers]
    if missing:
        raise ImportFailed([RowError(1, column, "This required column is missing.") for column in missing])
    rows = table.rows
    if progress is not None:
        progress(0, len(rows))
        rows = _RowsTellingProgress(rows, progress)
    context = RowContext(dry_run=dry_run)
    with transaction.atomic():
        result = spec.function(rows, actor=actor, update=update, context=context)
        result.rows = len(table.rows)
        result.dry_run = dry_run
        if context.errors:
            transaction.set_rollback(True)
            raise ImportFailed(sorted(context.errors, key=lambda e: (e.row, e.column)))
        if dry_run:
            transaction.set_rollback(True)
    return result


class RowReader:
    """Parses one row's cells, recording every bad cell (not just the first) in the context."""

    def __init__(self, row: Row, context: RowContext):
        self.row = row
        self.context = context
        self.ok = True

    def value(
        self, column: str, parser: Callable[[str], Any] | None = None, *, required: bool = False, default: Any = None
    ) -> Any:
        text = self.row.get(column)
        if not text:
            if required:
                self.error(column, "A value is required.")
            return default
        if parser is None:
            return text
        try:
            return parser(text)
        except CellError as exc:
            self.error(column, str(exc))
            return default

    def error(self, column: str, message: str) -> None:
        self.ok = False
        self.context.add(self.row, column, message)


@contextmanager
def row_savepoint(row: Row, context: RowContext, columns: dict[str, str] | None = None):
    """Run one row's writes in a savepoint: a ValidationError from a service is recorded
    against the row (fields mapped to file columns) and the row's partial writes undone."""
    savepoint = transaction.savepoint()
    try:
        yield
    except ValidationError as exc:
        transaction.savepoint_rollback(savepoint)
        context.add_validation_error(row, exc, columns)
    else:
        transaction.savepoint_commit(savepoint)


# ---------------------------------------------------------------------------------------------
# Writing tables


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]], output: IO[str]) -> None:
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return guard_formula(value)


def write_xlsx_sheet(
    sheet, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, totals: Sequence[int] = ()
) -> None:
    """Fill an openpyxl worksheet: bold header, numbers as numbers, dates as dates, and a
    totals row summing the given column positions."""
    from openpyxl.styles import Font

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
        count += 1
    for position, _header in enumerate(headers, start=1):
        if isinstance(sheet.cell(row=2, column=position).value, (dt.date, dt.datetime)):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = "yyyy-mm-dd"
    if totals and count:
        from openpyxl.utils import get_column_letter

        total_row = ["Total"] + [None] * (len(headers) - 1)
        for position in totals:
            letter = get_column_letter(position + 1)
            total_row[position] = f"=SUM({letter}2:{letter}{count + 1})"
        sheet.append(total_row)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return guard_formula(value)


def write_xlsx(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], output: IO[bytes], *, title: str = "Data"
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    write_xlsx_sheet(sheet, headers, rows)
    workbook.save(output)


# ---------------------------------------------------------------------------------------------
# Exporters (the export registry)
#
# Each app declares its exports in an ``exporters.py`` module with ``@exporter("kind", ...)``;
# ``exporters()`` finds them (as ``importers()`` does), so ``manage.py export_data`` and the
# download links of list pages share one set of tables and never import a higher app here.


@dataclass
class Sheet:
    """One table of an export: a CSV file, or one sheet of an XLSX workbook."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    totals: Sequence[int] = ()  # XLSX only: column positions given a SUM row


ExporterFunction = Callable[..., "Sheet | list[Sheet]"]
EXPORT_FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportError(ValueError):
    """An export cannot be made as asked (wrong format, missing year); the message says why."""


@dataclass(frozen=True)
class ExporterSpec:
    kind: str
    function: ExporterFunction  # function(*, fy: int | None) -> Sheet | list[Sheet]
    capability: str
    formats: tuple[str, ...] = EXPORT_FORMATS
    fy_required: bool = False
    description: str = ""


_EXPORTERS: dict[str, ExporterSpec] = {}


def exporter(
    kind: str,
    *,
    capability: str,
    formats: Sequence[str] = EXPORT_FORMATS,
    fy_required: bool = False,
    description: str = "",
):
    """Register ``function(*, fy) -> Sheet | list[Sheet]`` as the export ``kind``.

    A CSV export must be a single sheet; exports of several sheets declare ``formats=("xlsx",)``.
    """
    unknown = set(formats) - set(EXPORT_FORMATS)
    if unknown:
        raise ValueError(f"Unknown export format(s): {', '.join(sorted(unknown))}")

    def register(function: ExporterFunction) -> ExporterFunction:
        _EXPORTERS[kind] = ExporterSpec(kind, function, capability, tuple(formats), fy_required, description)
        return function

    return register


def exporters() -> dict[str, ExporterSpec]:
    _load_declared("exporter_modules")
    return dict(_EXPORTERS)


def write_sheets(sheets: Sheet | Sequence[Sheet], *, format: str, output: IO[bytes]) -> None:
    """Write one sheet as CSV (UTF-8), or any number of sheets as one XLSX workbook."""
    sheets = [sheets] if isinstance(sheets, Sheet) else list(sheets)
    if format == "csv":
        if len(sheets) != 1:
            raise ExportError("This export has several sheets, so it can only be made as XLSX.")
        text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
        try:
            write_csv(sheets[0].headers, sheets[0].rows, text)
            text.flush()
        finally:
            text.detach()  # leave ``output`` open for the caller
        return
    if format != "xlsx":
        raise ExportError(f"Unknown format '{format}': choose csv or xlsx.")
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        write_xlsx_sheet(
            workbook.create_sheet(sheet.title[:31] or "Data"), sheet.headers, sheet.rows, totals=sheet.totals
        )
    workbook.save(output)


def run_export(kind: str, *, format: str, output: IO[bytes], fy: int | None = None) -> None:
    """Write the export ``kind`` to ``output``. Raises ExportError for a request that cannot be met."""
    spec = exporters().get(kind)
    if spec is None:
        raise ExportError(f"Unknown export '{kind}': choose one of {', '.join(sorted(_EXPORTERS))}.")
    if format not in spec.formats:
        raise ExportError(f"The {kind} export can be made as {' or '.join(spec.formats)} only, not {format}.")
    if spec.fy_required and fy is None:
        raise ExportError(f"The {kind} export needs a financial year (--fy, e.g. 2019 for 2019/20).")
    write_sheets(spec.function(fy=fy), format=format, output=output)


def export_response(sheets: Sheet | Sequence[Sheet], *, format: str, filename: str):
    """A download of ``sheets`` (e.g. a list page's table with its current filters applied):
    ``export_response(Sheet("Awards", *awards_table(queryset)), format="csv", filename="awards")``.
    The extension is added to ``filename``."""
    from django.http import HttpResponse

    if format not in EXPORT_FORMATS:
        raise ExportError(f"Unknown format '{format}': choose csv or xlsx.")
    buffer = io.BytesIO()
    write_sheets(sheets, format=format, output=buffer)
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES[format])
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename).strip("-") or "export"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}.{format}"'
    # Exports hold the service's records: never kept by a shared browser or a proxy.
    response["Cache-Control"] = "private, no-store"
    return response
