"""The monitoring returns import (docs/formats.md "Imports"): one row per award and quarter;
the writes go through ``return_import``, which matches a return by award, year and quarter."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from grants.import_cells import Finder, award_with_reference, cell_fy
from grants.models import (
    COMMITTED_STATUSES,
    Award,
    MonitoringReturn,
    Rag,
    ReturnStatus,
)
from grants.monitoring.return_data import ReturnData, clean_data
from grants.monitoring.services import check_officer, write
from grants.schedules.returns import quarter_has_begun
from outcomes.models import CodeList, CodeListEntry
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.interchange.cells import parse_choice
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer, row_savepoint
from pcc_commissioning.interchange.rows import CellError, Row
from pcc_commissioning.periods import FinancialYear, Period, due_date
from pcc_commissioning.records import attribute_to
from pcc_commissioning.validation import Errors, add_error, raise_if_errors

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
    from pcc_commissioning.interchange.cells import parse_int

    value = parse_int(text, minimum=None)
    if value < 0:
        raise CellError("A count cannot be negative.")
    return value


def _quarter(text: str) -> int:
    from pcc_commissioning.interchange.cells import parse_int

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
    result = ImportResult(kind="returns")
    if not rows:
        return result
    code_columns, kpi_columns = _return_code_columns(rows[0].cells.keys(), context)
    if context.errors:
        return result
    state = _ReturnsFile(code_columns=code_columns, kpi_columns=kpi_columns)
    for row in rows:
        _import_return_row(row, state, actor=actor, context=context, result=result)
    return result


@dataclass
class _ReturnsFile:
    """The columns of a returns file, and what its rows have found so far."""

    code_columns: list[_CodeColumn]
    kpi_columns: list[str]
    awards: Finder = field(default_factory=lambda: Finder(award_with_reference))
    kpis_of: dict[int, dict[str, Any]] = field(default_factory=dict)  # {award id: {KPI name: KPI}}
    valid_codes: dict[int, dict[str, set[str]]] = field(default_factory=dict)  # {fy: {list: codes}}
    seen: dict[tuple[int, int, int], int] = field(default_factory=dict)  # {(award id, fy, quarter): row}


def _import_return_row(row: Row, state: _ReturnsFile, *, actor, context: RowContext, result: ImportResult) -> None:
    """Check one row and, when it is good, create or update its return."""
    reader = RowReader(row, context)
    reference = reader.value("award_reference", required=True)
    fy = reader.value("fy", cell_fy, required=True)
    quarter = reader.value("quarter", _quarter, required=True)
    referrals = reader.value("referrals", _non_negative)
    supported = reader.value("supported", _non_negative)
    rag = reader.value("rag", lambda text: parse_choice(text, ("green", "amber", "red")), default="")
    status = reader.value("status", lambda text: parse_choice(text, RETURN_STATUSES), default="submitted")
    award = state.awards(reference) if reference else None
    if reference and award is None:
        reader.error("award_reference", f"There is no award with the reference '{reference}'.")
    if status == "accepted" and not rag:
        reader.error("rag", "An accepted return needs a RAG rating (green, amber or red).")

    codes_in_year = _valid_codes(fy, state.valid_codes) if fy is not None else None
    breakdowns, measures = _row_code_counts(reader, state.code_columns, codes_in_year, fy)
    outcomes = _row_outcomes(reader, measures)
    error_columns = dict(RETURN_ERROR_COLUMNS)
    error_columns.update({f"outcome:{code}": f"outcome:{code}:improved" for code in outcomes})
    kpi_values = _row_kpi_values(reader, award, state, error_columns) if award is not None else {}

    if award is not None and fy is not None and quarter is not None:
        key = (award.pk, fy, quarter)
        if key in state.seen:
            reader.error("quarter", f"Row {state.seen[key]} is already the return for this award and quarter.")
        state.seen.setdefault(key, row.number)
    if not reader.ok:
        return

    existing = MonitoringReturn.objects.filter(award=award, fy=fy, quarter=quarter).first()
    data = ReturnData(
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
        _, created = return_import(award=award, fy=fy, quarter=quarter, data=data, rag=rag, status=status, actor=actor)
        if created:
            result.created += 1
        else:
            result.updated += 1


def _row_code_counts(
    reader: RowReader, code_columns: list[_CodeColumn], codes_in_year: dict[str, set[str]] | None, fy: int | None
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """The row's breakdown counts ({list: {code: count}}) and outcome measure numbers ({code:
    {"assessed"/"improved": number}}), each code in use in the row's year."""
    breakdowns: dict[str, dict[str, int]] = {}
    measures: dict[str, dict[str, int]] = {}
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
    return breakdowns, measures


def _row_outcomes(reader: RowReader, measures: dict[str, dict[str, int]]) -> dict[str, tuple[int, int]]:
    """{code: (assessed, improved)}: a measure needs the number assessed; the number improved
    left blank counts as none."""
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
    return outcomes


def _row_kpi_values(
    reader: RowReader, award: Award, state: _ReturnsFile, error_columns: dict[str, str]
) -> dict[int, Decimal]:
    """{KPI id: value} from the kpi:<name> columns, each naming a KPI of the award; an error of
    a KPI value is reported in its column."""
    if award.pk not in state.kpis_of:
        state.kpis_of[award.pk] = {kpi.name.strip().casefold(): kpi for kpi in award.kpis.all()}
    kpi_values: dict[int, Decimal] = {}
    for column in state.kpi_columns:
        value = reader.value(column, _kpi_value)
        if value is None:
            continue
        kpi = state.kpis_of[award.pk].get(column[4:].strip().casefold())
        if kpi is None:
            reader.error(column, f"Award {award.reference} has no KPI called '{column[4:].strip()}'.")
        else:
            kpi_values[kpi.pk] = value
            error_columns[f"kpi:{kpi.pk}"] = column
    return kpi_values


# What an import may set.
IMPORT_STATUSES = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)


def award_active_in(award: Award, fy: int, quarter: int) -> bool:
    """Whether an award (made, not cancelled) runs on any day of quarter ``quarter`` of ``fy``."""
    if award.status not in COMMITTED_STATUSES:
        return False
    period = Period(FinancialYear(fy), f"Q{quarter}")
    return award.start_date <= period.end and award.last_day >= period.start


def return_due_date(fy: int, quarter: int) -> datetime.date:
    """The day a quarter's return is due: ``RETURN_DUE_DAYS`` after the quarter ends."""
    return due_date(Period(FinancialYear(fy), f"Q{quarter}"), settings.RETURN_DUE_DAYS)


@transaction.atomic
def return_import(
    *, award: Award, fy: int, quarter: int, data: ReturnData, rag: str = "", status: str = "submitted", actor=None
) -> tuple[MonitoringReturn, bool]:
    """Create or update the return of ``award`` for quarter ``quarter`` of ``fy`` from an import
    (acting as an officer; any quarter the award ran in, before ``MONITORING_START`` too).
    ``status`` is "submitted" or "accepted" (which needs ``rag``). An accepted return is
    refused, as is a quarter the award was not active in. Returns (return, created).

    Breakdowns that do not add up are accepted without an explanation: an import records what
    a provider reported in the past, which nobody can now explain on its behalf. The difference
    still shows on the review page and in the MoJ return. Impossible values are refused as on
    the form."""
    status, rag = _clean_import_status(quarter=quarter, status=status, rag=rag)
    _check_quarter_importable(award, fy, quarter)
    if actor is not None:
        check_officer(actor)
    ret, created = _return_to_import(award, fy, quarter)
    clean = clean_data(award=award, fy=fy, data=data, require_counts=False)
    now = timezone.now()
    ret.status = status
    ret.submitted_at = ret.submitted_at or now
    ret.submitted_by = ret.submitted_by or actor
    if rag:
        ret.rag = rag
    if status == ReturnStatus.ACCEPTED:
        ret.reviewed_at = now
        ret.reviewed_by = actor
        ret.returned_reason = ""
    attribute_to(ret, actor)
    write(ret, clean)
    return ret, created


def _clean_import_status(*, quarter: int, status: str, rag: str) -> tuple[str, str]:
    """The status and RAG rating of an imported return, normalised; raises ValidationError
    with every problem of them and of the quarter."""
    errors: Errors = {}
    if isinstance(quarter, bool) or quarter not in (1, 2, 3, 4):
        add_error(errors, "quarter", f"“{quarter}” is not a quarter: use 1, 2, 3 or 4.")
    status = (status or ReturnStatus.SUBMITTED).strip().lower()
    if status not in IMPORT_STATUSES:
        add_error(errors, "status", f"“{status}” is not an import status: use submitted or accepted.")
    rag = (rag or "").strip().lower()
    if rag and rag not in Rag.values:
        add_error(errors, "rag", f"“{rag}” is not a RAG rating: use green, amber or red.")
    elif status == ReturnStatus.ACCEPTED and not rag:
        add_error(errors, "rag", "An accepted return needs a RAG rating: green, amber or red.")
    raise_if_errors(errors)
    return status, rag


def _check_quarter_importable(award: Award, fy: int, quarter: int) -> None:
    """A return is recorded only for a quarter that has begun and that the award ran in."""
    if not quarter_has_begun(fy, quarter):
        raise ValidationError(
            {
                "quarter": [
                    f"Q{quarter} {FinancialYear(fy).label} has not started yet: no return can be recorded for it."
                ]
            }
        )
    if not award_active_in(award, fy, quarter):
        raise ValidationError(
            {
                "quarter": [
                    f"Award {award.reference} was not active in Q{quarter} {FinancialYear(fy).label}: no return can be recorded for it."
                ]
            }
        )


def _return_to_import(award: Award, fy: int, quarter: int) -> tuple[MonitoringReturn, bool]:
    """(the return, locked, or a new one; whether it is new). An accepted return is final."""
    existing = MonitoringReturn.objects.filter(award=award, fy=fy, quarter=quarter).first()
    if existing is None:
        return MonitoringReturn(award=award, fy=fy, quarter=quarter, due_date=return_due_date(fy, quarter)), True
    ret = lock_for_update(existing, expected_version=None)
    if ret.status == ReturnStatus.ACCEPTED:
        raise ValidationError(
            {
                "status": [
                    f"The return of {award.reference} for Q{quarter} {FinancialYear(fy).label} has been accepted: it cannot be overwritten."
                ]
            }
        )
    return ret, False
