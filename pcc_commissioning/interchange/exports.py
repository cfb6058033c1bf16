"""Export kinds (``@exporter``) and writing their sheets as CSV or XLSX, with formula guards, as a
private, uncached download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from pcc_commissioning.interchange.cells import guard_formula
from pcc_commissioning.interchange.imports import _load_declared


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
# A JSON export's function returns one document (a dict), written as it is.
DOCUMENT_FORMATS = ("json",)


CONTENT_TYPES = {
    "json": "application/json",
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
    # Besides the year, what the export needs (e.g. ("round",): ``export_data ... --round REF``),
    # passed to the function as keyword arguments.
    options: tuple[str, ...] = ()


_EXPORTERS: dict[str, ExporterSpec] = {}


def exporter(
    kind: str,
    *,
    capability: str,
    formats: Sequence[str] = EXPORT_FORMATS,
    fy_required: bool = False,
    description: str = "",
    options: Sequence[str] = (),
):
    """Register ``function(*, fy, **options) -> Sheet | list[Sheet]`` as the export ``kind``.

    A CSV export must be a single sheet; exports of several sheets declare ``formats=("xlsx",)``.
    A document export declares ``formats=("json",)`` and returns a dict.
    """
    unknown = set(formats) - set(EXPORT_FORMATS) - set(DOCUMENT_FORMATS)
    if unknown:
        raise ValueError(f"Unknown export format(s): {', '.join(sorted(unknown))}")

    def register(function: ExporterFunction) -> ExporterFunction:
        _EXPORTERS[kind] = ExporterSpec(
            kind, function, capability, tuple(formats), fy_required, description, tuple(options)
        )
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


def run_export(
    kind: str, *, format: str, output: IO[bytes], fy: int | None = None, options: dict[str, str] | None = None
) -> None:
    """Write the export ``kind`` to ``output``. Raises ExportError for a request that cannot be met
    (an exporter raises it too, e.g. for a round that does not exist)."""
    spec = exporters().get(kind)
    if spec is None:
        raise ExportError(f"Unknown export '{kind}': choose one of {', '.join(sorted(_EXPORTERS))}.")
    if format not in spec.formats:
        raise ExportError(f"The {kind} export can be made as {' or '.join(spec.formats)} only, not {format}.")
    if spec.fy_required and fy is None:
        raise ExportError(f"The {kind} export needs a financial year (--fy, e.g. 2019 for 2019/20).")
    given = {name: str(value).strip() for name, value in (options or {}).items() if str(value or "").strip()}
    for name in spec.options:
        if name not in given:
            raise ExportError(f"The {kind} export needs --{name}.")
    result = spec.function(fy=fy, **{name: given[name] for name in spec.options})
    if format in DOCUMENT_FORMATS:
        import json

        output.write(json.dumps(result, indent=2, ensure_ascii=False).encode("utf-8") + b"\n")
        return
    write_sheets(result, format=format, output=output)


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
