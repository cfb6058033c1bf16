"""The awards import (docs/formats.md "Imports"): reads the cells, finds the records they name and
reports every bad cell with its row and column; every write goes through ``grants.awards.services``."""

from __future__ import annotations

import datetime
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from grants import models
from grants.awards import rules as awards_rules
from grants.awards import services as awards_services
from grants.awards.transitions import TRANSITIONS
from grants.decisions import services as decisions_services
from grants.import_cells import (
    CASE_INSENSITIVE,
    IMPORT_NOTE,
    Finder,
    award_with_reference,
    cell_fy,
    cell_kpq_numbers,
    cell_money,
    organisation_named,
    stream_named,
)
from grants.models import Award, AwardKind, AwardStatus, Decision, FundingStream
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from outcomes.selectors import code_list, kpq_by_number, priority_by_name
from pcc_commissioning.interchange.cells import parse_choice, parse_date
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer
from pcc_commissioning.interchange.rows import CellError, Row
from pcc_commissioning.periods import FinancialYear, fys_between
from providers.models import Organisation

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


# Service field -> file column.
AWARD_ERROR_COLUMNS = {
    "decision": "decision_reference",
    "lines": "funding_stream",
    "note": "status",
    "conditions": "",
    "reasons": "",
    "lead_officer": "",
    "finance_contact": "",
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
            return frozenset(cell_kpq_numbers(text))
        except CellError:
            return text
    return text.casefold() if column in CASE_INSENSITIVE else text


class _AwardCells:
    """The award-level cells of one award's rows, read with their errors reported on the row
    each came from; ``ok`` turns False at the first problem."""

    def __init__(self, group: _AwardRows, cells: dict[str, tuple[Row, str]], ok: bool, *, context: RowContext):
        self.group = group
        self.cells = cells
        self.ok = ok
        self.context = context

    def read(self, column: str, parser=None, *, required: bool = False):
        if column not in self.cells:
            if required:
                self.ok = False
                self.context.add(self.group.first, column, "A value is required.")
            return None
        row, _ = self.cells[column]
        reader = RowReader(row, self.context)
        value = reader.value(column, parser)
        self.ok = self.ok and reader.ok
        return value

    def refuse(self, column: str, message: str) -> None:
        self.ok = False
        row = self.cells[column][0] if column in self.cells else self.group.first
        self.context.add(row, column, message)


class _AwardImport:
    def __init__(self, *, actor, update: bool, context: RowContext):
        self.actor = actor
        self.update = update
        self.context = context
        self.result = ImportResult(kind="awards")
        self.providers = Finder(organisation_named)
        self.priorities = Finder(priority_by_name)
        self.streams = Finder(stream_named)

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
        cells = _AwardCells(group, *self.award_cells(group), context=self.context)
        new = existing is None
        values: dict[str, Any] = {}
        values["title"] = cells.read("title", required=new)
        values["kind"] = cells.read("kind", lambda text: parse_choice(text, AwardKind.values), required=new)
        values["status"] = cells.read("status", lambda text: parse_choice(text, AwardStatus.values))
        values["start_date"] = cells.read("start_date", parse_date, required=new)
        values["end_date"] = cells.read("end_date", parse_date, required=new)
        for column in ("purpose", "approach", "duration", "key_activity", "cost_centre"):
            values[column] = cells.read(column) or ""
        values["decision_date"] = cells.read("decision_date", parse_date)
        values["decision_reference"] = cells.read("decision_reference") or ""
        if values["decision_date"] and not values["decision_reference"]:
            cells.refuse(
                "decision_date", "Give the decision's reference too (decision_reference), or leave the date blank."
            )
        values["provider"] = self.read_provider(cells, required=new)
        values["priority"] = self.read_priority(cells, required=new)
        values["kpqs"] = self.read_kpqs(cells)
        start = values["start_date"] or (existing.start_date if existing else None)
        values["moj_category"] = self.read_moj_category(cells, start=start)
        return values, cells.ok

    def read_provider(self, cells: _AwardCells, *, required: bool) -> Organisation | None:
        name = cells.read("provider", required=required)
        if not name:
            return None
        provider = self.providers(name)
        if provider is None:
            cells.refuse("provider", f"There is no provider called '{name}': add it first (import providers).")
        return provider

    def read_priority(self, cells: _AwardCells, *, required: bool) -> CommissioningPriority | None:
        name = cells.read("priority", required=required)
        if not name:
            return None
        priority = self.priorities(name)
        if priority is None:
            names = ", ".join(
                CommissioningPriority.objects.order_by("sort_order", "name").values_list("name", flat=True)
            )
            cells.refuse("priority", f"There is no commissioning priority called '{name}' (there are: {names}).")
        return priority

    @staticmethod
    def read_kpqs(cells: _AwardCells) -> list[KPQ]:
        numbers = cells.read("kpqs", cell_kpq_numbers) or []
        kpqs = kpq_by_number(numbers)
        missing = [number for number in numbers if number not in kpqs]
        if missing:
            cells.refuse("kpqs", f"There is no KPQ {', '.join(str(n) for n in missing)} in the Police and Crime Plan.")
        return [kpqs[number] for number in numbers if number in kpqs]

    def read_moj_category(self, cells: _AwardCells, *, start: datetime.date | None) -> CodeListEntry | None:
        """The MoJ service category, a code of the list in use in the year the award starts."""
        code = cells.read("moj_category")
        if not code:
            return None
        entries = code_list(CodeList.MOJ_CATEGORY, fy=FinancialYear.of(start).start_year if start else None)
        category = self.category(entries, code)
        if category is None:
            codes = ", ".join(dict.fromkeys(entry.code for entry in entries))
            cells.refuse("moj_category", f"'{code}' is not an MoJ service category code (one of: {codes}).")
        return category

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
        until = models.award_runs_until(
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
            fy = reader.value("fy", cell_fy, required=True)
            amount = reader.value("amount", cell_money, required=True)
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
            existing = award_with_reference(group.reference) if group.reference else None
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
                decision, _ = decisions_services.decision_get_or_create(
                    actor=self.actor, reference=values["decision_reference"], decided_on=values["decision_date"]
                )
            except ValidationError as error:
                self.report(group, lines, error, DECISION_ERROR_COLUMNS)
                raise _RowFailure from error
        line_inputs = [awards_rules.LineInput(stream=line.stream, fy=line.fy, amount=line.amount) for line in lines]
        try:
            if existing is None:
                awards_services.award_create(
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
        award = awards_services.award_update(
            award=existing, actor=self.actor, expected_version=None, **kwargs, **fields
        )
        changed = award.version != before
        target = values["status"]
        if target and target != award.status:
            for step in _status_path(award.status, target):
                award = awards_services.award_transition(
                    award=award, actor=self.actor, to_status=step, note=IMPORT_NOTE
                )
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
