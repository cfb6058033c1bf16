"""The interchange formats of docs/formats.md: reading and writing CSV/XLSX tables, cell parsing,
row-level error reporting and the all-or-nothing import runner.

Each app declares its importers in an ``importers.py`` module with ``@importer("kind", ...)``;
``run_import`` finds them, so this module never imports a higher app. The command line
(``manage.py import_data``) and upload pages both go through ``run_import``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

# First characters that make a spreadsheet treat text as a formula or a command. Besides the
# ASCII four, spreadsheets in East Asian locales read the full-width forms of = + - @ as formula
# starts too, "|" starts a DDE command in older Excel, and a tab or carriage return in front
# hides any of these from a reader while some programs still evaluate what follows.
FORMULA_PREFIXES = (
    "=", "+", "-", "@", "|",
    "\uff1d", "\uff0b", "\uff0d", "\uff20",  # full-width = + - @
    "\t", "\r",
)
MONEY_PLACES = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")  # max_digits=14, decimal_places=2


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
    """Collects the errors of one import, row by row."""

    errors: list[RowError] = field(default_factory=list)

    def add(self, row: Row | int, column: str, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        self.errors.append(RowError(number, column, message))

    def add_validation_error(
        self, row: Row, error: ValidationError, columns: dict[str, str] | None = None
    ) -> None:
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
    """Read a CSV (UTF-8, optional BOM, any line ending) or XLSX (first sheet) table."""
    data = file if isinstance(file, bytes) else file.read()
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        raw_rows = _xlsx_rows(data)
    else:
        raw_rows = _csv_rows(data)
    return _table_from(raw_rows)


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [RowError(1, "", "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")]
        ) from exc
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFailed([RowError(1, "", f"The file is not valid CSV ({exc}).")]) from exc


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ImportFailed([RowError(1, "", "The file is not a readable XLSX workbook.")]) from exc
    try:
        sheet = workbook.worksheets[0]
        return [[_xlsx_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


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


_MONEY_RE = re.compile(r"^-?\d+(\.\d{1,2})?$")


def parse_money(text: str, *, allow_negative: bool = False) -> Decimal:
    """Pounds as ``1234.56``; a leading £ and thousands separators are tolerated."""
    cleaned = text.strip().replace(",", "").replace(" ", "")
    negative = cleaned.startswith("-")
    cleaned = cleaned.lstrip("-").removeprefix("£")
    cleaned = ("-" if negative else "") + cleaned
    if not _MONEY_RE.match(cleaned):
        raise CellError(f"'{text}' is not an amount in pounds (like 1234.56).")
    amount = Decimal(cleaned)
    if amount < 0 and not allow_negative:
        raise CellError("The amount must not be negative.")
    if abs(amount) > MAX_MONEY:
        raise CellError("The amount is too large.")
    return amount.quantize(MONEY_PLACES)


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise CellError(f"'{text}' is not a date in the form YYYY-MM-DD.") from exc


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
    """Register ``function(rows, *, actor, update, context) -> ImportResult`` for ``kind``."""

    def register(function: ImporterFunction) -> ImporterFunction:
        _IMPORTERS[kind] = ImporterSpec(
            kind, function, tuple(columns), tuple(required), capability, description
        )
        return function

    return register


def importers() -> dict[str, ImporterSpec]:
    autodiscover_modules("importers")
    return dict(_IMPORTERS)


def run_import(
    kind: str,
    file: IO[bytes] | bytes,
    *,
    filename: str = "",
    actor=None,
    dry_run: bool = False,
    update: bool = False,
) -> ImportResult:
    """Import a whole file or nothing. Raises ImportFailed listing every bad row."""
    spec = importers().get(kind)
    if spec is None:
        raise ImportFailed([RowError(1, "", f"Unknown kind of import '{kind}'.")])
    table = read_table(file, filename=filename)
    missing = [column for column in spec.required if column not in table.headers]
    if missing:
        raise ImportFailed([RowError(1, column, "This required column is missing.") for column in missing])
    context = RowContext()
    with transaction.atomic():
        result = spec.function(table.rows, actor=actor, update=update, context=context)
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

    def value(self, column: str, parser: Callable[[str], Any] | None = None, *, required: bool = False, default: Any = None) -> Any:
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


def write_xlsx_sheet(sheet, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, totals: Sequence[int] = ()) -> None:
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
    for position, header in enumerate(headers, start=1):
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


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], output: IO[bytes], *, title: str = "Data") -> None:
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
    autodiscover_modules("exporters")
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
        write_xlsx_sheet(workbook.create_sheet(sheet.title[:31] or "Data"), sheet.headers, sheet.rows, totals=sheet.totals)
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
    return response
