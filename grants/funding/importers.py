"""The funding streams import (docs/formats.md "Imports")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError

from grants.funding import services as funding_services
from grants.import_cells import Finder, cell_fy, cell_money, organisation_named, stream_named
from grants.models import StreamAllocation, StreamKind
from pcc_commissioning.interchange.cells import parse_choice, parse_yes_no
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer, row_savepoint
from pcc_commissioning.interchange.rows import Row
from pcc_commissioning.periods import FinancialYear

STREAM_COLUMNS = ("name", "source", "kind", "moj_reported", "ring_fenced_for", "fy", "allocation")


# Streams --------------------------------------------------------------------------------------------
STREAM_ERROR_COLUMNS = {"amount": "allocation", "fy": "fy", "description": ""}


def _stream_kind(text: str) -> str:
    return parse_choice(text, StreamKind.values)


@importer(
    "streams",
    columns=STREAM_COLUMNS,
    required=["name"],
    capability="streams.import",
    description="Funding streams and their allocation per financial year: a stream matched by name "
    "is updated from the non-blank cells and gains or updates the row's year.",
)
def import_streams(rows: Sequence[Row], *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult(kind="streams")
    organisations = Finder(organisation_named)
    first_row_of_year: dict[tuple[str, int], int] = {}
    stream_cells: dict[str, dict[str, tuple[int, str]]] = {}  # name -> column -> (row, value)
    for row in rows:
        reader = RowReader(row, context)
        name = reader.value("name", required=True)
        source = _stream_source(reader, organisations)
        kind = reader.value("kind", _stream_kind)
        moj_reported = reader.value("moj_reported", parse_yes_no)
        fy = reader.value("fy", cell_fy)
        allocation = reader.value("allocation", cell_money)
        if row.get("fy") and not row.get("allocation"):
            reader.error("allocation", "Give the allocation for the year (or leave the year blank too).")
        if row.get("allocation") and not row.get("fy"):
            reader.error("fy", "Give the financial year of the allocation, like 2019 (for 2019/20).")
        if name:
            _check_stream_rows(reader, name=name, fy=fy, first_row_of_year=first_row_of_year, stream_cells=stream_cells)
        if not reader.ok:
            continue
        with row_savepoint(row, context, columns=STREAM_ERROR_COLUMNS):
            created, changed = _write_stream(
                actor=actor,
                name=name,
                source=source,
                kind=kind,
                moj_reported=moj_reported,
                ring_fenced_for=row.get("ring_fenced_for"),
                fy=fy,
                allocation=allocation,
            )
            if created:
                result.created += 1
            elif changed:
                result.updated += 1
            else:
                result.skipped += 1
    return result


def _stream_source(reader: RowReader, organisations: Finder):
    """The organisation the row's ``source`` names (None when blank or unknown)."""
    row = reader.row
    if not row.get("source"):
        return None
    source = organisations(row.get("source"))
    if source is None:
        reader.error(
            "source", f"There is no organisation called '{row.get('source')}': add it first (import providers)."
        )
    return source


def _check_stream_rows(
    reader: RowReader,
    *,
    name: str,
    fy: int | None,
    first_row_of_year: dict[tuple[str, int], int],
    stream_cells: dict[str, dict[str, tuple[int, str]]],
) -> None:
    """The rows of one stream give each year's allocation once, and agree on the stream's cells."""
    row = reader.row
    key = name.casefold()
    if fy is not None:
        earlier = first_row_of_year.setdefault((key, fy), row.number)
        if earlier != row.number:
            reader.error("fy", f"Row {earlier} already gives this stream's allocation for {FinancialYear(fy).label}.")
    _check_agreement(
        reader,
        stream_cells.setdefault(key, {}),
        {
            "source": row.get("source").casefold(),
            "kind": row.get("kind").casefold(),
            "moj_reported": row.get("moj_reported").casefold(),
            "ring_fenced_for": row.get("ring_fenced_for"),
        },
        what=f"stream {name}",
    )


def _check_agreement(reader: RowReader, seen: dict[str, tuple[int, str]], cells: dict[str, Any], *, what: str) -> None:
    """Rows describing one record must not contradict each other: a non-blank cell must match
    the first non-blank cell of that column in an earlier row of the same record."""
    for column, value in cells.items():
        if value in ("", None, frozenset()):
            continue
        earlier = seen.setdefault(column, (reader.row.number, value))
        if earlier[1] != value:
            reader.error(column, f"This differs from row {earlier[0]}: the rows of {what} must agree on {column}.")


def _write_stream(
    *, actor, name: str, source, kind, moj_reported, ring_fenced_for: str, fy, allocation
) -> tuple[bool, bool]:
    """Create or update a stream and its year's allocation. (created, changed)."""
    stream = stream_named(name)
    created = changed = False
    if stream is None:
        if source is None:
            raise ValidationError({"source": ["Give the organisation the money comes from (a new stream)."]})
        if not kind:
            raise ValidationError({"kind": [f"Give the kind of funding stream ({', '.join(StreamKind.values)})."]})
        stream = funding_services.stream_create(
            actor=actor,
            name=name,
            source=source,
            kind=kind,
            moj_reported=bool(moj_reported),
            ring_fenced_for=ring_fenced_for,
        )
        created = True
    else:
        changes: dict[str, Any] = {}
        if source is not None:
            changes["source"] = source
        if kind:
            changes["kind"] = kind
        if moj_reported is not None:
            changes["moj_reported"] = moj_reported
        if ring_fenced_for:
            changes["ring_fenced_for"] = ring_fenced_for
        before = stream.version
        stream = funding_services.stream_update(stream=stream, actor=actor, expected_version=None, **changes)
        changed = stream.version != before
    if fy is not None:
        existing = StreamAllocation.objects.filter(stream=stream, fy=fy).first()
        if existing is None:
            created = True
        elif existing.amount != allocation:
            changed = True
        funding_services.allocation_set(
            actor=actor, stream=stream, fy=fy, amount=allocation, notes=existing.notes if existing else ""
        )
    return created, changed
