"""Writes to the Plan and the code lists.

The Plan's outcomes, KPQs and priorities and the code lists are reference data, written by the
admin, the demo and set-up commands (the system). The KPQ performance measures are written by
people: each of their services checks ``grants.edit`` itself (``actor`` None: the system).

Every function is keyword-only and atomic, and raises ``ValidationError`` keyed by the field
at fault (so a form can show it beside that field) with a message that reads on its own.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import parse_period_input, period_code
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update

from .models import (
    CODE_VALIDATOR,
    KPQ,
    CodeList,
    CodeListEntry,
    CommissioningPriority,
    PerformanceMeasure,
    PerformanceValue,
    PlanOutcome,
    Polarity,
)

_UNSET: Any = object()


def _required_text(field: str, value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"Enter the {what}."})
    return value


def _positive(field: str, value: int | None, what: str) -> int:
    if value is None or isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError({field: f"The {what} must be a whole number, 1 or more."})
    return value


def _sort_order(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({"sort_order": "The sort order must be a whole number, 0 or more."})
    return value


# --- plan outcomes ---------------------------------------------------------------------------


def _check_outcome_number(number: int, *, exclude_pk: int | None = None) -> None:
    clash = PlanOutcome.objects.filter(number=number).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"number": f"There is already a plan outcome number {number}."})


@transaction.atomic
def plan_outcome_create(*, number: int, title: str, description: str = "") -> PlanOutcome:
    number = _positive("number", number, "outcome number")
    title = _required_text("title", title, "outcome title")
    _check_outcome_number(number)
    return PlanOutcome.objects.create(number=number, title=title, description=description.strip())


@transaction.atomic
def plan_outcome_update(
    *,
    outcome: PlanOutcome,
    number: int = _UNSET,
    title: str = _UNSET,
    description: str = _UNSET,
) -> PlanOutcome:
    changes: dict[str, Any] = {}
    if number is not _UNSET:
        changes["number"] = _positive("number", number, "outcome number")
        _check_outcome_number(changes["number"], exclude_pk=outcome.pk)
    if title is not _UNSET:
        changes["title"] = _required_text("title", title, "outcome title")
    if description is not _UNSET:
        changes["description"] = (description or "").strip()
    model_update(instance=outcome, data=changes, save=True)
    return outcome


# --- KPQs ------------------------------------------------------------------------------------


def _check_kpq_number(number: int, *, exclude_pk: int | None = None) -> None:
    if KPQ.objects.filter(number=number).exclude(pk=exclude_pk).exists():
        raise ValidationError({"number": f"There is already a KPQ{number}."})


@transaction.atomic
def kpq_create(*, number: int, question: str, outcome: PlanOutcome) -> KPQ:
    number = _positive("number", number, "KPQ number")
    question = _required_text("question", question, "question")
    if outcome is None:
        raise ValidationError({"outcome": "Choose the plan outcome the KPQ answers."})
    _check_kpq_number(number)
    return KPQ.objects.create(number=number, question=question, outcome=outcome)


@transaction.atomic
def kpq_update(
    *,
    kpq: KPQ,
    number: int = _UNSET,
    question: str = _UNSET,
    outcome: PlanOutcome = _UNSET,
) -> KPQ:
    changes: dict[str, Any] = {}
    if number is not _UNSET:
        changes["number"] = _positive("number", number, "KPQ number")
        _check_kpq_number(changes["number"], exclude_pk=kpq.pk)
    if question is not _UNSET:
        changes["question"] = _required_text("question", question, "question")
    if outcome is not _UNSET:
        if outcome is None:
            raise ValidationError({"outcome": "Choose the plan outcome the KPQ answers."})
        changes["outcome_id"] = outcome.pk
    model_update(instance=kpq, data=changes, save=True)
    return kpq


# --- commissioning priorities ----------------------------------------------------------------


def _check_priority(code: str | None, name: str | None, *, exclude_pk: int | None = None) -> None:
    others = CommissioningPriority.objects.exclude(pk=exclude_pk)
    if code is not None and others.filter(code=code).exists():
        raise ValidationError({"code": f"There is already a commissioning priority with code {code}."})
    if name is not None and others.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"There is already a commissioning priority called {name!r}."})


def _priority_code(code: str) -> str:
    code = _required_text("code", code, "priority code")
    if len(code) > CommissioningPriority._meta.get_field("code").max_length:
        raise ValidationError({"code": "The priority code must be 10 characters or fewer."})
    return code


@transaction.atomic
def priority_create(*, code: str, name: str, description: str = "", sort_order: int = 0) -> CommissioningPriority:
    code = _priority_code(code)
    name = _required_text("name", name, "priority name")
    _check_priority(code, name)
    return CommissioningPriority.objects.create(
        code=code,
        name=name,
        description=(description or "").strip(),
        sort_order=_sort_order(sort_order),
    )


@transaction.atomic
def priority_update(
    *,
    priority: CommissioningPriority,
    code: str = _UNSET,
    name: str = _UNSET,
    description: str = _UNSET,
    sort_order: int = _UNSET,
) -> CommissioningPriority:
    changes: dict[str, Any] = {}
    if code is not _UNSET:
        changes["code"] = _priority_code(code)
    if name is not _UNSET:
        changes["name"] = _required_text("name", name, "priority name")
    _check_priority(changes.get("code"), changes.get("name"), exclude_pk=priority.pk)
    if description is not _UNSET:
        changes["description"] = (description or "").strip()
    if sort_order is not _UNSET:
        changes["sort_order"] = _sort_order(sort_order)
    model_update(instance=priority, data=changes, save=True)
    return priority


# --- code list entries -----------------------------------------------------------------------


def code_list_entry_check(
    *,
    list_name: str,
    code: str,
    valid_from_fy: int | None,
    valid_to_fy: int | None,
    exclude_pk: int | None = None,
) -> None:
    """The rules an entry must keep; also used by the admin form.

    Besides the database constraints, two entries for one list and code may not overlap in
    years, so that in any financial year a code has exactly one label and definition.
    """
    if list_name not in CodeList.values:
        raise ValidationError({"list": f"There is no code list called {list_name!r}."})
    try:
        CODE_VALIDATOR(code)
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from None
    for field, year in (("valid_from_fy", valid_from_fy), ("valid_to_fy", valid_to_fy)):
        if year is not None:
            _positive(field, year, "financial year")
    if valid_from_fy is not None and valid_to_fy is not None and valid_to_fy < valid_from_fy:
        raise ValidationError({"valid_to_fy": "The last valid year cannot be before the first valid year."})
    siblings = CodeListEntry.objects.filter(list=list_name, code=code).exclude(pk=exclude_pk)
    for other in siblings:
        starts_before_other_ends = (
            valid_from_fy is None or other.valid_to_fy is None or valid_from_fy <= other.valid_to_fy
        )
        ends_after_other_starts = (
            valid_to_fy is None or other.valid_from_fy is None or valid_to_fy >= other.valid_from_fy
        )
        if starts_before_other_ends and ends_after_other_starts:
            raise ValidationError(
                {
                    "valid_from_fy": (
                        f"The {list_name} code {code!r} already has an entry for some of these "
                        "years: end that entry first or choose other years."
                    )
                }
            )


def _code(code: str) -> str:
    return _required_text("code", code, "code").lower()


@transaction.atomic
def code_list_entry_create(
    *,
    list_name: str,
    code: str,
    label: str,
    definition: str = "",
    valid_from_fy: int | None = None,
    valid_to_fy: int | None = None,
    sort_order: int = 0,
) -> CodeListEntry:
    code = _code(code)
    label = _required_text("label", label, "label")
    code_list_entry_check(list_name=list_name, code=code, valid_from_fy=valid_from_fy, valid_to_fy=valid_to_fy)
    return CodeListEntry.objects.create(
        list=list_name,
        code=code,
        label=label,
        definition=(definition or "").strip(),
        valid_from_fy=valid_from_fy,
        valid_to_fy=valid_to_fy,
        sort_order=_sort_order(sort_order),
    )


@transaction.atomic
def code_list_entry_update(
    *,
    entry: CodeListEntry,
    code: str = _UNSET,
    label: str = _UNSET,
    definition: str = _UNSET,
    valid_from_fy: int | None = _UNSET,
    valid_to_fy: int | None = _UNSET,
    sort_order: int = _UNSET,
) -> CodeListEntry:
    """Change an entry. The list an entry belongs to is fixed: create a new entry instead."""
    changes: dict[str, Any] = {}
    if code is not _UNSET:
        changes["code"] = _code(code)
    if label is not _UNSET:
        changes["label"] = _required_text("label", label, "label")
    if definition is not _UNSET:
        changes["definition"] = (definition or "").strip()
    if valid_from_fy is not _UNSET:
        changes["valid_from_fy"] = valid_from_fy
    if valid_to_fy is not _UNSET:
        changes["valid_to_fy"] = valid_to_fy
    if sort_order is not _UNSET:
        changes["sort_order"] = _sort_order(sort_order)
    code_list_entry_check(
        list_name=entry.list,
        code=changes.get("code", entry.code),
        valid_from_fy=changes.get("valid_from_fy", entry.valid_from_fy),
        valid_to_fy=changes.get("valid_to_fy", entry.valid_to_fy),
        exclude_pk=entry.pk,
    )
    model_update(instance=entry, data=changes, save=True)
    return entry


# --- KPQ performance measures and their values ------------------------------------------------


def _measure_name_clash(kpq: KPQ, name: str, *, exclude_pk: int | None = None) -> None:

    if PerformanceMeasure.objects.filter(kpq=kpq, name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": f"{kpq.label} already has a measure called {name!r}."})


def _polarity(value: str) -> str:

    if value not in Polarity.values:
        raise ValidationError({"polarity": "Choose whether higher values are better or worse."})
    return value


@transaction.atomic
def measure_create(
    *,
    actor,
    kpq: KPQ,
    name: str,
    unit: str = "",
    polarity: str = "higher_is_better",
    source: str = "",
    definition: str = "",
):
    """A performance measure answering ``kpq`` (e.g. "Victim satisfaction", unit "%")."""
    require_capability(actor, "grants.edit")

    if kpq is None:
        raise ValidationError({"kpq": "Choose the KPQ the measure answers."})
    name = _required_text("name", name, "measure name")
    _measure_name_clash(kpq, name)
    return PerformanceMeasure.objects.create(
        kpq=kpq,
        name=name,
        unit=(unit or "").strip(),
        polarity=_polarity(polarity),
        source=(source or "").strip(),
        definition=(definition or "").strip(),
    )


@transaction.atomic
def measure_update(
    *,
    actor,
    measure,
    name: str = _UNSET,
    unit: str = _UNSET,
    polarity: str = _UNSET,
    source: str = _UNSET,
    definition: str = _UNSET,
    expected_version: int | None,
):
    """Change a measure's fields. ``expected_version`` is the version the editor loaded (None
    skips the check): if someone saved the measure since, nothing changes."""
    require_capability(actor, "grants.edit")
    locked = lock_for_update(measure, expected_version=expected_version)
    changes: dict[str, Any] = {}
    if name is not _UNSET:
        changes["name"] = _required_text("name", name, "measure name")
        _measure_name_clash(locked.kpq, changes["name"], exclude_pk=locked.pk)
    if unit is not _UNSET:
        changes["unit"] = (unit or "").strip()
    if polarity is not _UNSET:
        changes["polarity"] = _polarity(polarity)
    if source is not _UNSET:
        changes["source"] = (source or "").strip()
    if definition is not _UNSET:
        changes["definition"] = (definition or "").strip()
    if all(getattr(locked, field) == value for field, value in changes.items()):
        locked.version -= 1  # nothing changed: lock_for_update's bump is not saved
        return locked
    model_update(instance=locked, data=changes, save=True)
    return locked


def _measure_period(text: str) -> tuple[str, int, int | None]:
    """ "2019" (a financial year) or "2019-Q1" (a quarter) -> (code, fy, quarter or None)."""

    try:
        period = parse_period_input(text or "", kinds=("FY", "Q"))
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from None
    quarter = int(period.code[1]) if period.kind == "Q" else None
    return period_code(period), period.fy.start_year, quarter


@transaction.atomic
def measure_value_set(*, actor, measure, period: str, value, target=None):
    """Record (or correct) a measure's value, and optionally its target, for a period.

    Returns ``(value_row, created)``.
    """
    require_capability(actor, "grants.edit")

    code, fy, quarter = _measure_period(period)
    numbers: dict[str, Decimal | None] = {}
    for field, raw in (("value", value), ("target", target)):
        if raw is None or raw == "":
            if field == "value":
                raise ValidationError({"value": "Enter the value."})
            numbers[field] = None
            continue
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise ValidationError({field: f"The {field} must be a number, like 85 or 12.5."}) from None
        if not number.is_finite():
            raise ValidationError({field: f"The {field} must be a number, like 85 or 12.5."})
        numbers[field] = number
    row, created = PerformanceValue.objects.get_or_create(
        measure=measure,
        period=code,
        defaults={"fy": fy, "quarter": quarter, "value": numbers["value"], "target": numbers["target"]},
    )
    if not created:
        model_update(instance=row, data={"value": numbers["value"], "target": numbers["target"]}, save=True)
    return row, created


@transaction.atomic
def measure_value_delete(*, actor, value_row) -> None:
    require_capability(actor, "grants.edit")
    value_row.delete()
