"""Reads of the Plan and the code lists."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Lower

from pcc_commissioning.periods import FinancialYear

from .models import (
    KPQ,
    CodeList,
    CodeListEntry,
    CommissioningPriority,
    CountingDefinition,
    PerformanceMeasure,
    PerformanceValue,
    PlanOutcome,
)


def _valid_in(fy: int | None) -> Q:
    """Entries valid in financial year ``fy`` (an open start or end matches every year)."""
    if fy is None:
        return Q()
    return (Q(valid_from_fy__isnull=True) | Q(valid_from_fy__lte=fy)) & (
        Q(valid_to_fy__isnull=True) | Q(valid_to_fy__gte=fy)
    )


def code_list(list_name: str, *, fy: int | None = None) -> QuerySet[CodeListEntry]:
    """The entries of one code list valid in ``fy`` (all entries if None), in display order."""
    if list_name not in CodeList.values:
        raise ValueError(f"Unknown code list {list_name!r}")
    return CodeListEntry.objects.filter(_valid_in(fy), list=list_name).order_by("sort_order", "code", "valid_from_fy")


def codes_by_list(fy: int | None = None) -> dict[str, list[CodeListEntry]]:
    """Every code list (in CodeList order, empty lists included) -> its entries; one query."""
    grouped: dict[str, list[CodeListEntry]] = {name: [] for name in CodeList.values}
    entries = CodeListEntry.objects.filter(_valid_in(fy)).order_by("list", "sort_order", "code", "valid_from_fy")
    for entry in entries:
        grouped[entry.list].append(entry)
    return grouped


# The years other apps record codes in: monitoring returns and their funding lines are in grants,
# a higher layer, which registers a function giving its years from its AppConfig.ready().
_YEAR_SOURCES: list[Callable[[], Iterable[int]]] = []


def register_code_list_years(source: Callable[[], Iterable[int]]) -> None:
    """Add a function giving financial years that codes are recorded in (registered once)."""
    if source not in _YEAR_SOURCES:
        _YEAR_SOURCES.append(source)


def code_list_years(today: datetime.date | None = None) -> list[int]:
    """Every financial year a code list applies to, ascending: each year from the earliest to the
    latest of the years named by an entry, the years registered sources record codes in (the
    grants register's), this financial year and the next (planned for now). An open-ended entry
    applies to all of them, so no year with data is left out of the choice."""
    current = FinancialYear.current(today).start_year
    years: set[int] = {current, current + 1}
    for start, end in CodeListEntry.objects.values_list("valid_from_fy", "valid_to_fy"):
        years.update(year for year in (start, end) if year is not None)
    for source in _YEAR_SOURCES:
        years.update(source())
    return list(range(min(years), max(years) + 1))


def plan_tree() -> QuerySet[PlanOutcome]:
    """Plan outcomes in number order, each with ``kpqs`` prefetched in number order (2 queries)."""
    return PlanOutcome.objects.order_by("number").prefetch_related(
        Prefetch("kpqs", queryset=KPQ.objects.order_by("number"))
    )


def priority_list() -> QuerySet[CommissioningPriority]:
    return CommissioningPriority.objects.order_by("sort_order", "name")


def kpq_by_number(numbers: Iterable[int]) -> dict[int, KPQ]:
    """The KPQs with these numbers, keyed by number; numbers with no KPQ are simply absent."""
    return {kpq.number: kpq for kpq in KPQ.objects.filter(number__in=set(numbers))}


def priority_by_name(name: str) -> CommissioningPriority | None:
    """The commissioning priority with this name, ignoring case and surrounding spaces."""
    name = (name or "").strip()
    if not name:
        return None
    return CommissioningPriority.objects.filter(name__iexact=name).first()


# --- counting definitions and KPQ performance measures ----------------------------------------


def counting_definitions() -> list:
    """How a "referral" and a "victim supported" are counted here, in term order."""

    return list(CountingDefinition.objects.order_by("term"))


def kpq_detail(pk: int) -> KPQ:
    return KPQ.objects.select_related("outcome").get(pk=pk)


def kpq_measures(kpq: KPQ) -> list:
    """The measures of a KPQ, each with ``values`` prefetched in period order (2 queries)."""

    return list(
        PerformanceMeasure.objects.filter(kpq=kpq)
        .order_by("name")
        .prefetch_related(
            # a year's value first, then its quarters (NULLs sort differently on each database)
            Prefetch("values", queryset=PerformanceValue.objects.order_by("fy", F("quarter").asc(nulls_first=True)))
        )
    )


def latest_measure_values(*, up_to_fy: int | None = None) -> dict[int, list[PerformanceMeasure]]:
    """KPQ id -> its measures (by name), each with its latest value up to ``up_to_fy``:
    ``latest_value``, ``latest_target``, ``latest_fy`` and ``latest_quarter`` (None for a whole
    year's value; all None when nothing is recorded). The latest is that of the latest year; in it, the whole year's value if
    there is one (it covers the quarters), else its latest quarter. One query."""

    values = PerformanceValue.objects.filter(measure=OuterRef("pk"))
    if up_to_fy is not None:
        values = values.filter(fy__lte=up_to_fy)
    latest = values.order_by("-fy", F("quarter").desc(nulls_first=True))[:1]
    measures = PerformanceMeasure.objects.annotate(
        latest_value=Subquery(latest.values("value")),
        latest_target=Subquery(latest.values("target")),
        latest_fy=Subquery(latest.values("fy")),
        latest_quarter=Subquery(latest.values("quarter")),
    ).order_by("kpq_id", Lower("name"), "pk")
    grouped: dict[int, list[PerformanceMeasure]] = {}
    for measure in measures:
        grouped.setdefault(measure.kpq_id, []).append(measure)
    return grouped


def measures_by_kpq() -> dict[int, int]:
    """KPQ id -> how many measures it has (one query)."""

    return dict(
        PerformanceMeasure.objects.order_by().values("kpq_id").annotate(n=Count("id")).values_list("kpq_id", "n")
    )
