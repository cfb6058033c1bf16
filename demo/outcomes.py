"""Demo data for the Plan: loads the rows of ``plan.csv`` (columns kind, code, title, parent).

``kind`` is ``outcome`` (code = outcome number), ``kpq`` (code = KPQ number, parent = outcome
number) or ``priority`` (code = short code, title = name). Loading is idempotent: rows that
match what is stored change nothing (and write no history); changed titles are updated.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from outcomes import services
from outcomes.models import KPQ, CommissioningPriority, PerformanceMeasure, PlanOutcome

KINDS = ("outcome", "kpq", "priority")


def _cell(row: dict, column: str) -> str:
    return str(row.get(column) or "").strip()


def _number(row: dict, column: str, row_number: int) -> int:
    value = _cell(row, column)
    if not value.isdigit() or int(value) < 1:
        raise ValidationError(
            {column: f"Row {row_number}, {column}: expected a whole number, 1 or more, not {value!r}."}
        )
    return int(value)


@transaction.atomic
def plan_seed(*, rows: list[dict]) -> int:
    """Create the Plan's outcomes, KPQs and priorities from ``rows``; returns how many were created."""
    by_kind: dict[str, list[tuple[int, dict]]] = {kind: [] for kind in KINDS}
    for row_number, row in enumerate(rows, start=1):
        kind = _cell(row, "kind").lower()
        if kind not in by_kind:
            raise ValidationError(
                {"kind": f"Row {row_number}, kind: expected one of {', '.join(KINDS)}, not {kind!r}."}
            )
        by_kind[kind].append((row_number, row))

    created = 0

    outcomes = {outcome.number: outcome for outcome in PlanOutcome.objects.all()}
    for row_number, row in by_kind["outcome"]:
        number = _number(row, "code", row_number)
        title = _cell(row, "title")
        outcome = outcomes.get(number)
        if outcome is None:
            outcomes[number] = services.plan_outcome_create(number=number, title=title)
            created += 1
        else:
            services.plan_outcome_update(outcome=outcome, title=title)

    kpqs = {kpq.number: kpq for kpq in KPQ.objects.all()}
    for row_number, row in by_kind["kpq"]:
        number = _number(row, "code", row_number)
        parent = _number(row, "parent", row_number)
        outcome = outcomes.get(parent)
        if outcome is None:
            raise ValidationError({"parent": f"Row {row_number}, parent: there is no plan outcome {parent}."})
        question = _cell(row, "title")
        kpq = kpqs.get(number)
        if kpq is None:
            kpqs[number] = services.kpq_create(number=number, question=question, outcome=outcome)
            created += 1
        else:
            services.kpq_update(kpq=kpq, question=question, outcome=outcome)

    priorities = {priority.code: priority for priority in CommissioningPriority.objects.all()}
    for position, (_row_number, row) in enumerate(by_kind["priority"], start=1):
        code = _cell(row, "code")
        name = _cell(row, "title")
        priority = priorities.get(code)
        if priority is None:
            priorities[code] = services.priority_create(code=code, name=name, sort_order=position * 10)
            created += 1
        else:
            services.priority_update(priority=priority, name=name)

    return created


# Illustrative KPQ performance measures for the demo (not published statistics): KPQ number,
# name, unit, polarity, source, and values with targets for 2017/18 to 2019/20.
DEMO_MEASURES = (
    (
        3,
        "Victims satisfied with the support they received",
        "%",
        "higher_is_better",
        "Victim satisfaction survey",
        ((2017, "82.0", "85"), (2018, "84.5", "85"), (2019, "86.1", "85")),
    ),
    (
        3,
        "Victims referred to support who take it up",
        "%",
        "higher_is_better",
        "Victim referral service records",
        ((2017, "41.0", "45"), (2018, "43.8", "45"), (2019, "44.2", "50")),
    ),
    (
        5,
        "Proven reoffending rate (adults)",
        "%",
        "higher_is_worse",
        "Ministry of Justice proven reoffending statistics",
        ((2017, "28.9", "27"), (2018, "28.1", "27"), (2019, "27.4", "26")),
    ),
    (
        8,
        "People who think the police do a good job",
        "%",
        "higher_is_better",
        "Crime Survey for England and Wales",
        ((2017, "61.0", "65"), (2018, "63.2", "65"), (2019, "62.5", "65")),
    ),
)


@transaction.atomic
def measures_seed() -> int:
    """Load the demo's KPQ performance measures and values. A second run writes nothing."""
    created = 0
    kpqs = {kpq.number: kpq for kpq in KPQ.objects.filter(number__in={row[0] for row in DEMO_MEASURES})}
    for number, name, unit, polarity, source, values in DEMO_MEASURES:
        kpq = kpqs.get(number)
        if kpq is None:
            continue
        measure = PerformanceMeasure.objects.filter(kpq=kpq, name__iexact=name).first()
        if measure is None:
            measure = services.measure_create(kpq=kpq, name=name, unit=unit, polarity=polarity, source=source)
            created += 1
        stored = set(measure.values.values_list("period", flat=True))
        for fy, value, target in values:
            if str(fy) not in stored:
                services.measure_value_set(measure=measure, period=str(fy), value=value, target=target)
                created += 1
    return created
