"""The ``code_compliance`` import (docs/formats.md): one quarter's figures from a criminal
justice body's spreadsheet, one row per body and measure, for the quarter named by ``--fy`` and
``--quarter``. All or nothing; every problem names its row and column."""

from __future__ import annotations

from pcc_commissioning.interchange.cells import parse_int
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer, row_savepoint
from pcc_commissioning.interchange.rows import CellError, Row
from pcc_commissioning.periods import quarter_label, year_problem
from pcc_commissioning.records import by_text_ignoring_case
from providers.models import Organisation

from ..models import ComplianceMeasure
from . import services
from .breakdown import BreakdownError, parse_breakdown
from .selectors import edition_in_force

COLUMNS = ("body", "measure", "numerator", "denominator", "breakdown", "fy", "quarter")
REQUIRED = ("body", "measure", "numerator", "denominator")
# The service's field names are the file's columns, except the quarter the options give.
ERROR_COLUMNS = {"fy": "", "quarter": ""}


def _breakdown(text: str) -> dict:
    try:
        return parse_breakdown(text)
    except BreakdownError as exc:
        raise CellError(str(exc)) from None


def _period(context: RowContext) -> tuple[int, int] | None:
    """The quarter the import is for, from ``--fy`` and ``--quarter``; None (with an error on
    row 1) when either cannot be read."""
    fy_text, quarter_text = context.options["fy"], context.options["quarter"]
    fy = None
    if problem := year_problem(fy_text.split("/")[0], what="The financial year (--fy)"):
        context.add(1, "", problem)
    else:
        fy = int(fy_text.split("/")[0])
    if quarter_text not in ("1", "2", "3", "4", "Q1", "Q2", "Q3", "Q4", "q1", "q2", "q3", "q4"):
        context.add(1, "", f"The quarter (--quarter) must be 1, 2, 3 or 4, not '{quarter_text}'.")
        return None
    return (fy, int(quarter_text[-1])) if fy is not None else None


class _Measures:
    """The measures of the edition in force in the quarter, by key and by name."""

    def __init__(self, fy: int, quarter: int):
        self.edition = edition_in_force(fy, quarter)
        measures = list(ComplianceMeasure.objects.filter(edition=self.edition)) if self.edition else []
        self.by_key = {m.key.lower(): m for m in measures}
        self.by_name = {m.name.casefold(): m for m in measures}

    def find(self, text: str) -> ComplianceMeasure | None:
        return self.by_key.get(text.strip().lower()) or self.by_name.get(text.strip().casefold())


@importer(
    "code_compliance",
    columns=COLUMNS,
    required=REQUIRED,
    capability="delivery.import",
    options=("fy", "quarter"),
    description="A quarter's Victims' Code compliance figures, one row per criminal justice body and measure.",
)
def import_code_compliance(rows: list[Row], *, actor, update, context: RowContext) -> ImportResult:
    result = ImportResult(kind="code_compliance")
    period = _period(context)
    if period is None:
        return result
    fy, quarter = period
    measures = _Measures(fy, quarter)
    if measures.edition is None:
        context.add(1, "", f"No edition of the Victims' Code was in force at the end of {quarter_label(fy, quarter)}.")
        return result
    bodies = by_text_ignoring_case(Organisation.objects.all(), field="name", values=[r.get("body") for r in rows])
    seen: dict[tuple[int, int], int] = {}
    for row in rows:
        reader = RowReader(row, context)
        body_name = reader.value("body", required=True)
        measure_text = reader.value("measure", required=True)
        numerator = reader.value("numerator", parse_int, required=True)
        denominator = reader.value("denominator", parse_int, required=True)
        breakdown = reader.value("breakdown", _breakdown, default={})
        row_fy = reader.value("fy", lambda text: parse_int(text, minimum=1))
        row_quarter = reader.value("quarter", lambda text: parse_int(text.lstrip("Qq"), minimum=1))
        if row_fy is not None and row_fy != fy:
            reader.error("fy", f"This row is for {row_fy}, but the import is for {fy} (--fy).")
        if row_quarter is not None and row_quarter != quarter:
            reader.error("quarter", f"This row is for quarter {row_quarter}, but the import is for quarter {quarter}.")
        body = bodies.get(body_name.strip().casefold()) if body_name else None
        if body_name and body is None:
            reader.error("body", f"There is no organisation called '{body_name}' on the register.")
        measure = measures.find(measure_text) if measure_text else None
        if measure_text and measure is None:
            keys = ", ".join(sorted(measures.by_key))
            reader.error(
                "measure",
                f"'{measure_text}' is not a measure of the {measures.edition.name}: use one of {keys}.",
            )
        if body is not None and measure is not None:
            key = (body.pk, measure.pk)
            if key in seen:
                reader.error("measure", f"Row {seen[key]} already gives this body's figure for this measure.")
            seen.setdefault(key, row.number)
        if not reader.ok:
            continue
        with row_savepoint(row, context, columns=ERROR_COLUMNS):
            _figure, change = services.figure_record(
                actor=actor,
                body=body,
                measure=measure,
                fy=fy,
                quarter=quarter,
                numerator=numerator,
                denominator=denominator,
                breakdown=breakdown,
            )
            if change == services.CREATED:
                result.created += 1
            elif change == services.UPDATED:
                result.updated += 1
            else:
                result.skipped += 1
    return result
