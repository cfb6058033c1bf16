"""The grants register's imports (docs/formats.md "Imports"): streams, awards, payments.

Every write goes through ``grants.services``; this module only reads the cells, finds the
records they name and reports every bad cell with its row and column. ``run_import`` makes
the whole file one transaction, so a file with any bad row changes nothing.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from outcomes.models import CodeList, CodeListEntry, CommissioningPriority
from outcomes.selectors import code_list, kpq_by_number, priority_by_name
from pcc_commissioning.interchange import (
    CellError,
    ImportResult,
    Row,
    RowContext,
    RowReader,
    importer,
    parse_choice,
    parse_date,
    parse_money,
    parse_multi,
    parse_yes_no,
    row_savepoint,
)
from pcc_commissioning.periods import FinancialYear, fys_between, parse_fy_input
from pcc_commissioning.records import by_text_ignoring_case, chunked
from providers.models import Organisation

from . import services
from .models import Award, AwardKind, AwardStatus, Decision, FundingStream, Payment, StreamAllocation, StreamKind
from .transitions import TRANSITIONS

STREAM_COLUMNS = ("name", "source", "kind", "moj_reported", "ring_fenced_for", "fy", "allocation")
AWARD_COLUMNS = (
    "reference",
    "title",
    "provider",
    "kind",
    "priority",
    "kpqs",
    "purpose",
    "approach",
    "start_date",
    "end_date",
    "status",
    "funding_stream",
    "fy",
    "amount",
    "duration",
    "key_activity",
    "moj_category",
    "decision_reference",
    "decision_date",
    "cost_centre",
)
PAYMENT_COLUMNS = (
    "award_reference",
    "funding_stream",
    "due_date",
    "paid_date",
    "amount",
    "invoice_reference",
    "fy",
    "po_number",
)
# Optional: the reason a refund or credit note (a negative amount) needs (docs/formats.md "payments").
PAYMENT_OPTIONAL_COLUMNS = ("reason",)

IMPORT_NOTE = "Imported from a file."


# Cells ----------------------------------------------------------------------------------------------


def _fy(text: str) -> int:
    try:
        return parse_fy_input(text).start_year
    except (TypeError, ValueError) as exc:
        raise CellError(str(exc)) from None


def _money(text: str) -> Decimal:
    return parse_money(text)


def _signed_money(text: str) -> Decimal:
    return parse_money(text, allow_negative=True)


_KPQ_RE = re.compile(r"^(?:kpq)?\s*(\d{1,4})$", re.IGNORECASE)


def _kpq_numbers(text: str) -> list[int]:
    numbers = []
    for part in parse_multi(text):
        match = _KPQ_RE.match(part)
        if not match:
            raise CellError(f"'{part}' is not a KPQ number: list the numbers separated by ';', like 3;4.")
        numbers.append(int(match.group(1)))
    return sorted(set(numbers))


class _Finder:
    """Finds records by a name (ignoring capitals), remembering answers for the whole file."""

    def __init__(self, lookup: Callable[[str], Any]):
        self._lookup = lookup
        self._found: dict[str, Any] = {}

    def __call__(self, name: str):
        key = name.strip().casefold()
        if key not in self._found:
            self._found[key] = self._lookup(name.strip())
        return self._found[key]


def _organisation_named(name: str) -> Organisation | None:
    return Organisation.objects.filter(name__iexact=name).first()


def _stream_named(name: str) -> FundingStream | None:
    return FundingStream.objects.filter(name__iexact=name).first()


def _award_with_reference(reference: str) -> Award | None:
    return Award.objects.filter(reference__iexact=reference).first()


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
    organisations = _Finder(_organisation_named)
    first_row_of_year: dict[tuple[str, int], int] = {}
    stream_cells: dict[str, dict[str, tuple[int, str]]] = {}  # name -> column -> (row, value)
    for row in rows:
        reader = RowReader(row, context)
        name = reader.value("name", required=True)
        source = None
        if row.get("source"):
            source = organisations(row.get("source"))
            if source is None:
                reader.error(
                    "source", f"There is no organisation called '{row.get('source')}': add it first (import providers)."
                )
        kind = reader.value("kind", _stream_kind)
        moj_reported = reader.value("moj_reported", parse_yes_no)
        fy = reader.value("fy", _fy)
        allocation = reader.value("allocation", _money)
        if row.get("fy") and not row.get("allocation"):
            reader.error("allocation", "Give the allocation for the year (or leave the year blank too).")
        if row.get("allocation") and not row.get("fy"):
            reader.error("fy", "Give the financial year of the allocation, like 2019 (for 2019/20).")
        if name:
            key = name.casefold()
            if fy is not None:
                earlier = first_row_of_year.setdefault((key, fy), row.number)
                if earlier != row.number:
                    reader.error(
                        "fy", f"Row {earlier} already gives this stream's allocation for {FinancialYear(fy).label}."
                    )
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
    stream = _stream_named(name)
    created = changed = False
    if stream is None:
        if source is None:
            raise ValidationError({"source": ["Give the organisation the money comes from (a new stream)."]})
        if not kind:
            raise ValidationError({"kind": [f"Give the kind of funding stream ({', '.join(StreamKind.values)})."]})
        stream = services.stream_create(
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
        stream = services.stream_update(stream=stream, actor=actor, expected_version=None, **changes)
        changed = stream.version != before
    if fy is not None:
        existing = StreamAllocation.objects.filter(stream=stream, fy=fy).first()
        if existing is None:
            created = True
        elif existing.amount != allocation:
            changed = True
        services.allocation_set(
            actor=actor, stream=stream, fy=fy, amount=allocation, notes=existing.notes if existing else ""
        )
    return created, changed


# Awards ---------------------------------------------------------------------------------------------

# Columns that describe the award (the same on each of its rows), and those of one funding line.
AWARD_LEVEL_COLUMNS = (
    "title",
    "provider",
    "kind",
    "priority",
    "kpqs",
    "purpose",
    "approach",
    "start_date",
    "end_date",
    "status",
    "duration",
    "key_activity",
    "moj_category",
    "decision_reference",
    "decision_date",
    "cost_centre",
)
LINE_COLUMNS = ("funding_stream", "fy", "amount")
# Coded or named cells compared ignoring capitals; free text compared exactly.
_CASE_INSENSITIVE = {"provider", "kind", "priority", "status", "moj_category", "decision_reference"}
# Service field -> file column.
AWARD_ERROR_COLUMNS = {
    "decision": "decision_reference",
    "lines": "funding_stream",
    "note": "status",
    "conditions": "",
    "reasons": "",
    "lead_officer": "",
    "extension_months": "",
    "extension_until": "",
    "extension_taken": "",
}
DECISION_ERROR_COLUMNS = {
    "reference": "decision_reference",
    "decided_on": "decision_date",
    "subject": "decision_reference",
}
_LINE_MESSAGE = re.compile(r"^Funding line (\d+) ")


@dataclass
class _Line:
    row: Row
    stream: FundingStream
    fy: int
    amount: Decimal


@dataclass
class _AwardRows:
    reference: str  # as written in the file; "" = to be generated
    rows: list[Row] = field(default_factory=list)

    @property
    def first(self) -> Row:
        return self.rows[0]


def _group_awards(rows: Iterable[Row]) -> list[_AwardRows]:
    groups: dict[str, _AwardRows] = {}
    for row in rows:
        reference = row.get("reference")
        key = reference.casefold() if reference else f"#row{row.number}"
        groups.setdefault(key, _AwardRows(reference)).rows.append(row)
    return list(groups.values())


def _agreement_value(column: str, text: str) -> Any:
    if column == "kpqs":
        try:
            return frozenset(_kpq_numbers(text))
        except CellError:
            return text
    return text.casefold() if column in _CASE_INSENSITIVE else text


class _AwardImport:
    def __init__(self, *, actor, update: bool, context: RowContext):
        self.actor = actor
        self.update = update
        self.context = context
        self.result = ImportResult(kind="awards")
        self.providers = _Finder(_organisation_named)
        self.priorities = _Finder(priority_by_name)
        self.streams = _Finder(_stream_named)

    # Reading ---------------------------------------------------------------------------------------

    def award_cells(self, group: _AwardRows) -> tuple[dict[str, tuple[Row, str]], bool]:
        """Each award-level column's value and the row it was read from; reports rows that disagree."""
        cells: dict[str, tuple[Row, str]] = {}
        ok = True
        for row in group.rows:
            for column in AWARD_LEVEL_COLUMNS:
                text = row.get(column)
                if not text:
                    continue
                if column not in cells:
                    cells[column] = (row, text)
                    continue
                first_row, first_text = cells[column]
                if _agreement_value(column, text) != _agreement_value(column, first_text):
                    ok = False
                    self.context.add(
                        row,
                        column,
                        (
                            f"This differs from row {first_row.number} ('{first_text}'): every row of award "
                            f"{group.reference} must give the same {column}."
                        ),
                    )
        return cells, ok

    def parse(self, group: _AwardRows, existing: Award | None) -> tuple[dict[str, Any], bool]:
        cells, ok = self.award_cells(group)
        values: dict[str, Any] = {}

        def read(column: str, parser=None, *, required: bool = False):
            nonlocal ok
            if column not in cells:
                if required:
                    ok = False
                    self.context.add(group.first, column, "A value is required.")
                return None
            row, _ = cells[column]
            reader = RowReader(row, self.context)
            value = reader.value(column, parser)
            ok = ok and reader.ok
            return value

        def refuse(column: str, message: str) -> None:
            nonlocal ok
            ok = False
            row = cells[column][0] if column in cells else group.first
            self.context.add(row, column, message)

        values["title"] = read("title", required=existing is None)
        values["kind"] = read("kind", lambda text: parse_choice(text, AwardKind.values), required=existing is None)
        values["status"] = read("status", lambda text: parse_choice(text, AwardStatus.values))
        values["start_date"] = read("start_date", parse_date, required=existing is None)
        values["end_date"] = read("end_date", parse_date, required=existing is None)
        for column in ("purpose", "approach", "duration", "key_activity", "cost_centre"):
            values[column] = read(column) or ""
        values["decision_date"] = read("decision_date", parse_date)
        values["decision_reference"] = read("decision_reference") or ""
        if values["decision_date"] and not values["decision_reference"]:
            refuse("decision_date", "Give the decision's reference too (decision_reference), or leave the date blank.")

        provider_name = read("provider", required=existing is None)
        values["provider"] = None
        if provider_name:
            values["provider"] = self.providers(provider_name)
            if values["provider"] is None:
                refuse("provider", f"There is no provider called '{provider_name}': add it first (import providers).")
        priority_name = read("priority", required=existing is None)
        values["priority"] = None
        if priority_name:
            values["priority"] = self.priorities(priority_name)
            if values["priority"] is None:
                names = ", ".join(
                    CommissioningPriority.objects.order_by("sort_order", "name").values_list("name", flat=True)
                )
                refuse("priority", f"There is no commissioning priority called '{priority_name}' (there are: {names}).")
        numbers = read("kpqs", _kpq_numbers) or []
        kpqs = kpq_by_number(numbers)
        missing = [number for number in numbers if number not in kpqs]
        if missing:
            refuse("kpqs", f"There is no KPQ {', '.join(str(n) for n in missing)} in the Police and Crime Plan.")
        values["kpqs"] = [kpqs[number] for number in numbers if number in kpqs]
        values["moj_category"] = None
        code = read("moj_category")
        if code:
            start = values["start_date"] or (existing.start_date if existing else None)
            entries = code_list(CodeList.MOJ_CATEGORY, fy=FinancialYear.of(start).start_year if start else None)
            values["moj_category"] = self.category(entries, code)
            if values["moj_category"] is None:
                codes = ", ".join(dict.fromkeys(entry.code for entry in entries))
                refuse("moj_category", f"'{code}' is not an MoJ service category code (one of: {codes}).")
        return values, ok

    @staticmethod
    def category(entries, code: str) -> CodeListEntry | None:
        for entry in entries:
            if entry.code == code.strip().lower():
                return entry
        return None

    def lines(self, group: _AwardRows, values: dict[str, Any], existing: Award | None) -> list[_Line] | None:
        """The funding lines of the group's rows (rows with no line cells have none)."""
        start = values["start_date"] or (existing.start_date if existing else None)
        end = values["end_date"] or (existing.end_date if existing else None)
        until = services.award_runs_until(
            end_date=end,
            extension_until=existing.extension_until if existing else None,
            extension_taken=existing.extension_taken if existing else False,
        )
        allowed = {fy.start_year for fy in fys_between(start, until)} if start and until and until >= start else None
        lines: list[_Line] = []
        seen: dict[tuple[int, int], int] = {}
        ok = True
        for row in group.rows:
            if not any(row.get(column) for column in LINE_COLUMNS):
                continue
            reader = RowReader(row, self.context)
            stream_name = reader.value("funding_stream", required=True)
            fy = reader.value("fy", _fy, required=True)
            amount = reader.value("amount", _money, required=True)
            stream = None
            if stream_name:
                stream = self.streams(stream_name)
                if stream is None:
                    reader.error(
                        "funding_stream",
                        f"There is no funding stream called '{stream_name}': add it first (import streams).",
                    )
            if fy is not None and allowed is not None and fy not in allowed:
                span = ", ".join(FinancialYear(year).label for year in sorted(allowed))
                reader.error(
                    "fy",
                    f"{FinancialYear(fy).label} is outside the award's dates "
                    f"({start.isoformat()} to {until.isoformat()}, which cover {span}).",
                )
            if stream is not None and fy is not None:
                earlier = seen.setdefault((stream.pk, fy), row.number)
                if earlier != row.number:
                    reader.error(
                        "funding_stream",
                        f"Row {earlier} already gives this award's line from "
                        f"{stream.name} in {FinancialYear(fy).label}: combine them.",
                    )
            if not reader.ok:
                ok = False
                continue
            lines.append(_Line(row, stream, fy, amount))
        return lines if ok else None

    # Writing ---------------------------------------------------------------------------------------

    def run(self, rows: Sequence[Row]) -> ImportResult:
        for group in _group_awards(rows):
            existing = _award_with_reference(group.reference) if group.reference else None
            if existing is not None and not self.update:
                self.context.add(
                    group.first,
                    "reference",
                    (
                        f"There is already an award with the reference {existing.reference}. To replace it, "
                        "import with --update (on the upload page: tick 'Replace awards that already exist')."
                    ),
                )
            values, ok = self.parse(group, existing)
            lines = self.lines(group, values, existing)  # checked even when the award's cells are bad
            if not ok or lines is None or (existing is not None and not self.update):
                continue
            savepoint = transaction.savepoint()
            try:
                outcome = self.write(group, values, lines, existing)
            except _RowFailure:
                transaction.savepoint_rollback(savepoint)
                continue
            transaction.savepoint_commit(savepoint)
            if outcome == "created":
                self.result.created += 1
            elif outcome == "updated":
                self.result.updated += 1
            else:
                self.result.skipped += 1
        return self.result

    def report(self, group: _AwardRows, lines: list[_Line], error: ValidationError, columns: dict[str, str]) -> None:
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.context.add(group.first, "", message)
            return
        for name, messages in error.message_dict.items():
            for message in messages:
                row, column = group.first, "" if name == "__all__" else columns.get(name, name)
                match = _LINE_MESSAGE.match(message) if name == "lines" else None
                if match and 1 <= int(match.group(1)) <= len(lines):
                    row = lines[int(match.group(1)) - 1].row
                    column = "fy" if "outside" in message else "amount" if "amount" in message else "funding_stream"
                self.context.add(row, column, message)

    def write(self, group: _AwardRows, values: dict[str, Any], lines: list[_Line], existing: Award | None) -> str:
        decision = None
        if values["decision_reference"]:
            try:
                decision, _ = services.decision_get_or_create(
                    actor=self.actor, reference=values["decision_reference"], decided_on=values["decision_date"]
                )
            except ValidationError as error:
                self.report(group, lines, error, DECISION_ERROR_COLUMNS)
                raise _RowFailure from error
        line_inputs = [services.LineInput(stream=line.stream, fy=line.fy, amount=line.amount) for line in lines]
        try:
            if existing is None:
                services.award_create(
                    actor=self.actor,
                    reference=group.reference,
                    title=values["title"],
                    provider=values["provider"],
                    kind=values["kind"],
                    priority=values["priority"],
                    start_date=values["start_date"],
                    end_date=values["end_date"],
                    lines=line_inputs,
                    kpqs=values["kpqs"],
                    status=values["status"] or AwardStatus.PLANNED,
                    note=IMPORT_NOTE,
                    purpose=values["purpose"],
                    approach=values["approach"],
                    duration=values["duration"],
                    key_activity=values["key_activity"],
                    cost_centre=values["cost_centre"],
                    moj_category=values["moj_category"],
                    decision=decision,
                )
                return "created"
            return self.replace(group, values, line_inputs, existing, decision)
        except ValidationError as error:
            self.report(group, lines, error, AWARD_ERROR_COLUMNS)
            raise _RowFailure from error

    def replace(self, group: _AwardRows, values, line_inputs, existing: Award, decision: Decision | None) -> str:
        """--update: the file's columns replace the award's fields and lines (a column missing
        from the file leaves its field alone); a new status is reached through the allowed moves."""
        present = set(group.first.cells)
        fields: dict[str, Any] = {}
        for column in ("title", "kind", "provider", "priority", "start_date", "end_date"):
            if column in present and values[column] is not None:
                fields[column] = values[column]
        for column in ("purpose", "approach", "duration", "key_activity", "cost_centre", "moj_category"):
            if column in present:
                fields[column] = values[column]
        if "decision_reference" in present:
            fields["decision"] = decision
        kwargs: dict[str, Any] = {}
        if "kpqs" in present:
            kwargs["kpqs"] = values["kpqs"]
        if present & set(LINE_COLUMNS):
            kwargs["lines"] = line_inputs
        before = existing.version
        award = services.award_update(award=existing, actor=self.actor, expected_version=None, **kwargs, **fields)
        changed = award.version != before
        target = values["status"]
        if target and target != award.status:
            for step in _status_path(award.status, target):
                award = services.award_transition(award=award, actor=self.actor, to_status=step, note=IMPORT_NOTE)
            changed = True
        return "updated" if changed else "unchanged"


class _RowFailure(Exception):
    """A group's writes failed; its errors are already in the context."""


def _status_path(current: str, target: str) -> list[str]:
    """The shortest series of allowed moves from ``current`` to ``target`` (e.g. planned →
    awarded → active), so each is checked and kept on the award's timeline. With no such
    series, the direct move, which ``award_transition`` refuses with its own message."""
    moves = {str(status.value): sorted(str(to.value) for to in targets) for status, targets in TRANSITIONS.items()}
    paths: deque[list[str]] = deque([[str(current)]])
    visited = {str(current)}
    while paths:
        path = paths.popleft()
        for following in moves.get(path[-1], []):
            if following in visited:
                continue
            if following == str(target):
                return [*path[1:], following]
            visited.add(following)
            paths.append([*path, following])
    return [str(target)]


@importer(
    "awards",
    columns=AWARD_COLUMNS,
    required=["title", "provider", "kind", "priority", "start_date", "end_date"],
    capability="grants.import",
    description="Awards, one row per funding line (rows sharing a reference are one award; a row with no "
    "reference is a new award whose reference is generated). An existing reference is refused unless "
    "updating is asked for, which replaces that award's fields and lines.",
)
def import_awards(rows: Sequence[Row], *, actor, update: bool, context: RowContext) -> ImportResult:
    return _AwardImport(actor=actor, update=update, context=context).run(rows)


# Payments -------------------------------------------------------------------------------------------

PAYMENT_ERROR_COLUMNS = {
    "award": "award_reference",
    "stream": "funding_stream",
    "override_reason": "amount",
    "reason": "reason",
}


@importer(
    "payments",
    columns=(*PAYMENT_COLUMNS, *PAYMENT_OPTIONAL_COLUMNS),
    required=["award_reference", "funding_stream", "due_date", "amount"],
    capability="payments.import",
    description="Scheduled and made payments. A row identical to a stored payment (award, stream, due date, "
    "amount, invoice reference) is skipped, so importing a file again is harmless.",
)
def import_payments(rows: Sequence[Row], *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult(kind="payments")
    # Every award and stream the file names, looked up once for the file (not once per row).
    awards = by_text_ignoring_case(
        Award.objects.all(), field="reference", values=[r.get("award_reference") for r in rows]
    )
    streams = by_text_ignoring_case(
        FundingStream.objects.all(), field="name", values=[r.get("funding_stream") for r in rows]
    )
    read: list[tuple[Row, services.ImportedPayment]] = []
    for row in rows:
        reader = RowReader(row, context)
        reference = reader.value("award_reference", required=True)
        stream_name = reader.value("funding_stream", required=True)
        due_date = reader.value("due_date", parse_date, required=True)
        paid_date = reader.value("paid_date", parse_date)
        amount = reader.value("amount", _signed_money, required=True)
        fy = reader.value("fy", _fy)
        award = stream = None
        if reference:
            award = awards.get(reference.strip().casefold())
            if award is None:
                reader.error("award_reference", f"There is no award with the reference '{reference}'.")
        if stream_name:
            stream = streams.get(stream_name.strip().casefold())
            if stream is None:
                reader.error("funding_stream", f"There is no funding stream called '{stream_name}'.")
        if reader.ok:
            read.append(
                (
                    row,
                    services.ImportedPayment(
                        award=award,
                        stream=stream,
                        amount=amount,
                        due_date=due_date,
                        paid_date=paid_date,
                        fy=fy,
                        invoice_reference=row.get("invoice_reference"),
                        po_number=row.get("po_number"),
                        reason=row.get("reason"),
                    ),
                )
            )
    new = _match_stored(read, context, result, actor=actor)
    # One service call records every new row (batched inserts, each award locked and checked
    # once); row by row, payment_record cost about fifteen queries a row and reloaded the
    # award's payments each time, so a file took longer per row the more rows it had. Every
    # new row is checked before the first insert, so a dry run stops there.
    outcomes = services.payments_record_imported(
        actor=actor, rows=[payment for _, payment in new], check_only=context.dry_run
    )
    for (row, _), outcome in zip(new, outcomes, strict=True):
        if isinstance(outcome, ValidationError):
            context.add_validation_error(row, outcome, PAYMENT_ERROR_COLUMNS)
        else:
            result.created += 1
    return result


def _match_stored(
    read: list[tuple[Row, services.ImportedPayment]], context: RowContext, result: ImportResult, *, actor
) -> list[tuple[Row, services.ImportedPayment]]:
    """Rows identical to a stored payment are skipped, or mark it paid; returns the other rows.
    Stored payments are taken per identity before this file adds any: each absorbs one row."""
    stored: dict[tuple, list[Payment]] = defaultdict(list)
    award_ids = sorted({payment.award.pk for _, payment in read})
    for chunk in chunked(award_ids):
        for payment in Payment.objects.filter(award_id__in=chunk).order_by("pk"):
            stored[
                _identity(
                    payment.award_id, payment.stream_id, payment.due_date, payment.amount, payment.invoice_reference
                )
            ].append(payment)
    new = []
    for row, payment in read:
        key = _identity(
            payment.award.pk, payment.stream.pk, payment.due_date, payment.amount, payment.invoice_reference
        )
        match = _take_match(stored.get(key, []), payment.paid_date)
        if match is None:
            new.append((row, payment))
        elif payment.paid_date and not match.is_paid:
            # Kept one row at a time (a few queries each): marking paid locks and checks the
            # stored payment and writes its history entry, and such rows are few.
            with row_savepoint(row, context, columns=PAYMENT_ERROR_COLUMNS):
                services.payment_mark_paid(payment=match, actor=actor, paid_date=payment.paid_date)
                result.updated += 1
        else:
            result.skipped += 1
    return new


def _identity(award_id: int, stream_id: int, due_date, amount: Decimal, invoice_reference: str) -> tuple:
    return (award_id, stream_id, due_date, amount, invoice_reference)


def _take_match(candidates: list[Payment], paid_date: datetime.date | None) -> Payment | None:
    """Remove and return the stored payment a row stands for: one paid on the same date, else
    (for a paid row) one still scheduled, else any."""
    if not candidates:
        return None
    preferences = [lambda p: p.paid_date == paid_date]
    if paid_date:
        preferences.append(lambda p: not p.is_paid)
    preferences.append(lambda p: True)
    for wanted in preferences:
        for payment in candidates:
            if wanted(payment):
                candidates.remove(payment)
                return payment
    return None


# Monitoring returns -----------------------------------------------------------------------------------
# docs/formats.md "returns": award_reference, fy, quarter, referrals, supported, one column per code-list
# entry (crime:<code>, age:<code>, sex:<code>, ethnicity:<code>, disability:<code>,
# outcome:<code>:improved, outcome:<code>:assessed), kpi:<name> columns, rag, narrative, status.

RETURN_COLUMNS = ("award_reference", "fy", "quarter", "referrals", "supported", "rag", "narrative", "status")
RETURN_BREAKDOWN_LISTS = ("crime", "age", "sex", "ethnicity", "disability")
RETURN_STATUSES = ("submitted", "accepted")
RETURN_ERROR_COLUMNS = {
    "award": "award_reference",
    "monitoring_return": "award_reference",
    "fy": "fy",
    "quarter": "quarter",
    "referrals": "referrals",
    "supported": "supported",
    "rag": "rag",
    "rag_comment": "rag",
    "narrative": "narrative",
    "status": "status",
}


def _non_negative(text: str) -> int:
    from pcc_commissioning.interchange import parse_int

    value = parse_int(text, minimum=None)
    if value < 0:
        raise CellError("A count cannot be negative.")
    return value


def _quarter(text: str) -> int:
    from pcc_commissioning.interchange import parse_int

    value = parse_int(text, minimum=None)
    if not 1 <= value <= 4:
        raise CellError("The quarter must be 1, 2, 3 or 4 (quarters of the financial year, Q1 April to June).")
    return value


def _kpi_value(text: str) -> Decimal:
    cleaned = text.strip().replace(",", "").removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise CellError(f"'{text}' is not a number.") from None
    if not value.is_finite():
        raise CellError(f"'{text}' is not a number.")
    return value


@dataclass(frozen=True)
class _CodeColumn:
    column: str
    list_name: str
    code: str
    part: str = ""  # "improved" or "assessed" for outcome measures


def _return_code_columns(headers: Iterable[str], context: RowContext) -> tuple[list[_CodeColumn], list[str]]:
    """The code and KPI columns of the header; an unknown list or code is an error of row 1."""
    known: dict[str, dict[str, str]] = {}
    for list_name, code in CodeListEntry.objects.filter(
        list__in=(*RETURN_BREAKDOWN_LISTS, CodeList.OUTCOME)
    ).values_list("list", "code"):
        known.setdefault(list_name, {})[code.lower()] = code
    code_columns, kpi_columns = [], []
    for header in headers:
        if header in RETURN_COLUMNS:
            continue
        parts = header.split(":")
        if parts[0] == "kpi" and len(parts) >= 2 and header[4:].strip():
            kpi_columns.append(header)
            continue
        if parts[0] in RETURN_BREAKDOWN_LISTS and len(parts) == 2:
            list_name, code, part = parts[0], parts[1].strip(), ""
        elif parts[0] == CodeList.OUTCOME and len(parts) == 3 and parts[2] in ("improved", "assessed"):
            list_name, code, part = parts[0], parts[1].strip(), parts[2]
        else:
            context.add(
                1,
                header,
                (
                    "This column is not part of the returns format: code columns are named like crime:<code>, "
                    "age:<code>, sex:<code>, ethnicity:<code>, disability:<code>, outcome:<code>:improved or "
                    "outcome:<code>:assessed, and KPI columns kpi:<name>."
                ),
            )
            continue
        stored = known.get(list_name, {}).get(code.lower())
        if stored is None:
            context.add(1, header, f"'{code}' is not a code of the {CodeList(list_name).label.lower()} list.")
            continue
        code_columns.append(_CodeColumn(header, list_name, stored, part))
    return code_columns, kpi_columns


def _valid_codes(fy: int, cache: dict[int, dict[str, set[str]]]) -> dict[str, set[str]]:
    if fy not in cache:
        from outcomes.selectors import codes_by_list

        cache[fy] = {list_name: {entry.code for entry in entries} for list_name, entries in codes_by_list(fy).items()}
    return cache[fy]


@importer(
    "returns",
    columns=(
        *RETURN_COLUMNS[:5],
        "crime:<code>",
        "age:<code>",
        "sex:<code>",
        "ethnicity:<code>",
        "disability:<code>",
        "outcome:<code>:improved",
        "outcome:<code>:assessed",
        "kpi:<name>",
        *RETURN_COLUMNS[5:],
    ),
    required=["award_reference", "fy", "quarter"],
    capability="grants.import",
    description="Quarterly monitoring returns, one row per award and quarter of a financial year (1 = April to "
    "June). A return is matched by award, year and quarter and updated while it is not yet accepted; an accepted "
    "return is refused. Status is submitted unless the file says accepted (which needs a RAG rating).",
)
def import_returns(rows: Sequence[Row], *, actor, update: bool, context: RowContext) -> ImportResult:
    from . import monitoring
    from .models import MonitoringReturn

    result = ImportResult(kind="returns")
    if not rows:
        return result
    code_columns, kpi_columns = _return_code_columns(rows[0].cells.keys(), context)
    if context.errors:
        return result
    awards = _Finder(_award_with_reference)
    kpis_of: dict[int, dict[str, Any]] = {}
    valid_codes: dict[int, dict[str, set[str]]] = {}
    seen: dict[tuple[int, int, int], int] = {}
    for row in rows:
        reader = RowReader(row, context)
        reference = reader.value("award_reference", required=True)
        fy = reader.value("fy", _fy, required=True)
        quarter = reader.value("quarter", _quarter, required=True)
        referrals = reader.value("referrals", _non_negative)
        supported = reader.value("supported", _non_negative)
        rag = reader.value("rag", lambda text: parse_choice(text, ("green", "amber", "red")), default="")
        status = reader.value("status", lambda text: parse_choice(text, RETURN_STATUSES), default="submitted")
        award = awards(reference) if reference else None
        if reference and award is None:
            reader.error("award_reference", f"There is no award with the reference '{reference}'.")
        if status == "accepted" and not rag:
            reader.error("rag", "An accepted return needs a RAG rating (green, amber or red).")

        breakdowns: dict[str, dict[str, int]] = {}
        measures: dict[str, dict[str, int]] = {}
        codes_in_year = _valid_codes(fy, valid_codes) if fy is not None else None
        for spec in code_columns:
            count = reader.value(spec.column, _non_negative)
            if count is None:
                continue
            if codes_in_year is not None and spec.code not in codes_in_year.get(spec.list_name, set()):
                reader.error(spec.column, f"'{spec.code}' is not in use in {FinancialYear(fy).label}.")
                continue
            if spec.part:
                measures.setdefault(spec.code, {})[spec.part] = count
            else:
                breakdowns.setdefault(spec.list_name, {})[spec.code] = count
        outcomes: dict[str, tuple[int, int]] = {}
        for code, parts in measures.items():
            assessed, improved = parts.get("assessed"), parts.get("improved", 0)
            if assessed is None:
                reader.error(f"outcome:{code}:assessed", "Give the number assessed with the number improved.")
            elif improved > assessed:
                reader.error(
                    f"outcome:{code}:improved",
                    f"The number improved ({improved}) cannot be more than the number assessed ({assessed}).",
                )
            else:
                outcomes[code] = (assessed, improved)

        kpi_values: dict[int, Decimal] = {}
        error_columns = dict(RETURN_ERROR_COLUMNS)
        error_columns.update({f"outcome:{code}": f"outcome:{code}:improved" for code in outcomes})
        if award is not None:
            if award.pk not in kpis_of:
                kpis_of[award.pk] = {kpi.name.strip().casefold(): kpi for kpi in award.kpis.all()}
            for column in kpi_columns:
                value = reader.value(column, _kpi_value)
                if value is None:
                    continue
                kpi = kpis_of[award.pk].get(column[4:].strip().casefold())
                if kpi is None:
                    reader.error(column, f"Award {award.reference} has no KPI called '{column[4:].strip()}'.")
                else:
                    kpi_values[kpi.pk] = value
                    error_columns[f"kpi:{kpi.pk}"] = column

        if award is not None and fy is not None and quarter is not None:
            key = (award.pk, fy, quarter)
            if key in seen:
                reader.error("quarter", f"Row {seen[key]} is already the return for this award and quarter.")
            seen.setdefault(key, row.number)
        if not reader.ok:
            continue

        existing = MonitoringReturn.objects.filter(award=award, fy=fy, quarter=quarter).first()
        data = monitoring.ReturnData(
            referrals=referrals,
            supported=supported,
            breakdowns=breakdowns,
            outcomes=outcomes,
            kpi_values=kpi_values,
            narrative=row.get("narrative"),
            case_study=existing.case_study if existing else "",
            case_study_consent=existing.case_study_consent if existing else False,
            feedback=existing.feedback if existing else "",
            # Kept while a breakdown still does not add up; the service clears it otherwise.
            breakdown_explanation=existing.breakdown_explanation if existing else "",
        )
        with row_savepoint(row, context, columns=error_columns):
            _, created = monitoring.return_import(
                award=award, fy=fy, quarter=quarter, data=data, rag=rag, status=status, actor=actor
            )
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result
