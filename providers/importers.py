"""The providers import (docs/formats.md "providers"): an upsert matched by name."""

from django.core.exceptions import ValidationError

from pcc_commissioning.interchange.cells import parse_choice
from pcc_commissioning.interchange.imports import ImportResult, RowReader, importer

from .services import IMPORT_COLUMNS, KIND_CODES, organisations_upsert_from_rows


def _kind(text: str) -> str:
    return parse_choice(text, KIND_CODES)


@importer(
    "providers",
    columns=IMPORT_COLUMNS,
    required=["name"],
    capability="providers.import",
    description="Organisations: created, or updated from the non-blank cells when the name matches.",
)
def import_providers(rows, *, actor, update, context) -> ImportResult:
    result = ImportResult(kind="providers")
    first_row_of_name: dict[str, int] = {}
    good = []
    for row in rows:
        reader = RowReader(row, context)
        name = reader.value("name", required=True)
        kind = reader.value("kind", _kind)
        if name:
            earlier = first_row_of_name.setdefault(name.casefold(), row.number)
            if earlier != row.number:
                reader.error("name", f"The same organisation is in row {earlier} too.")
        if not reader.ok:
            continue
        cells = {column: row.get(column) for column in IMPORT_COLUMNS}
        if kind:
            cells["kind"] = kind
        good.append((row, cells))
    # One service call for the whole file (a look-up of every name, then batched writes with
    # their history rows) instead of one per row: a row-by-row upsert cost about a dozen
    # queries and three savepoints a row. run_import still rolls everything back on any error.
    # Every row is checked before the first write, so a dry run stops there.
    try:
        outcomes = organisations_upsert_from_rows(
            actor=actor, rows=[cells for _, cells in good], check_only=context.dry_run
        )
    except ValidationError as exc:  # a name taken by someone else while the file was written
        context.add_validation_error(good[0][0], exc)
        return result
    for (row, _), outcome in zip(good, outcomes, strict=True):
        if outcome.error is not None:
            context.add_validation_error(row, outcome.error)
        elif outcome.created:
            result.created += 1
        elif outcome.changed:
            result.updated += 1
        else:
            result.skipped += 1
    return result
