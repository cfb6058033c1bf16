"""The providers import (docs/formats.md "providers"): an upsert matched by name."""

from pcc_commissioning.interchange import ImportResult, RowReader, importer, parse_choice, row_savepoint

from .models import Organisation, OrganisationKind
from .services import IMPORT_COLUMNS, organisation_upsert_from_row


def _kind(text: str) -> str:
    return parse_choice(text, OrganisationKind.values)


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
        with row_savepoint(row, context):
            before = _stored_version(name)
            organisation, created = organisation_upsert_from_row(actor=actor, fields=cells)
            if created:
                result.created += 1
            elif organisation.version != before:
                result.updated += 1
            else:
                result.skipped += 1
    return result


def _stored_version(name: str) -> int | None:
    return Organisation.objects.filter(name__iexact=name).values_list("version", flat=True).first()
