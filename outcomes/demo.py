"""Demo data for the Plan: loads the rows of ``plan.csv`` (columns kind, code, title, parent).

``kind`` is ``outcome`` (code = outcome number), ``kpq`` (code = KPQ number, parent = outcome
number) or ``priority`` (code = short code, title = name). Loading is idempotent: rows that
match what is stored change nothing (and write no history); changed titles are updated.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from . import services
from .models import KPQ, CommissioningPriority, PlanOutcome

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
            raise ValidationError(
                {"parent": f"Row {row_number}, parent: there is no plan outcome {parent}."}
            )
        question = _cell(row, "title")
        kpq = kpqs.get(number)
        if kpq is None:
            kpqs[number] = services.kpq_create(number=number, question=question, outcome=outcome)
            created += 1
        else:
            services.kpq_update(kpq=kpq, question=question, outcome=outcome)

    priorities = {priority.code: priority for priority in CommissioningPriority.objects.all()}
    for position, (row_number, row) in enumerate(by_kind["priority"], start=1):
        code = _cell(row, "code")
        name = _cell(row, "title")
        priority = priorities.get(code)
        if priority is None:
            priorities[code] = services.priority_create(
                code=code, name=name, sort_order=position * 10
            )
            created += 1
        else:
            services.priority_update(priority=priority, name=name)

    return created
