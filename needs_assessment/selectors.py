"""Every non-trivial read of needs data, with a fixed number of queries whatever the data size.

Rates per 1,000 population use the area's population for the period's year (the ONS mid-year
estimate of the calendar year the financial year starts in), else the latest earlier year known.
They are computed in Python from a handful of rows fetched in one go, so a page showing forty
areas costs the same queries as one showing two.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from pcc_commissioning.periods import FinancialYear, Period, parse_period_code, period_code
from pcc_commissioning.roles import require

from .models import (
    Area,
    AreaPopulation,
    AreaType,
    CommissioningIntention,
    Finding,
    Indicator,
    IndicatorValue,
    IntentionRank,
    IntentionStatus,
    NeedsAssessment,
    Polarity,
    Theme,
)

RATE_PLACES = Decimal("0.01")  # rates per 1,000 population: 2 decimal places
PERCENT_PLACES = Decimal("0.1")  # changes in per cent: 1 decimal place
AREA_TYPE_ORDER = {AreaType.FORCE_AREA: 0, AreaType.LOCAL_AUTHORITY: 1, AreaType.CSP: 2}
RANK_ORDER = (IntentionRank.MUST, IntentionRank.SHOULD, IntentionRank.COULD)


# Access ---------------------------------------------------------------------------------------------
# Needs pages are internal: ``needs.view`` (officers, finance, board) reads, ``needs.edit``
# (officers) changes. Provider users hold neither.


def _access(user, queryset: QuerySet, pk: int, *, for_edit: bool):
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    require(user, "needs.edit" if for_edit else "needs.view")
    return get_object_or_404(queryset, pk=pk)


def access_assessment(user, pk: int, *, for_edit: bool = False) -> NeedsAssessment:
    return _access(user, NeedsAssessment.objects.select_related("theme"), pk, for_edit=for_edit)


def access_finding(user, pk: int, *, for_edit: bool = False) -> Finding:
    return _access(user, Finding.objects.select_related("assessment", "theme", "priority"), pk, for_edit=for_edit)


def access_indicator(user, pk: int, *, for_edit: bool = False) -> Indicator:
    return _access(user, Indicator.objects.select_related("theme"), pk, for_edit=for_edit)


def access_intention(user, pk: int, *, for_edit: bool = False) -> CommissioningIntention:
    return _access(
        user, CommissioningIntention.objects.select_related("theme", "lead", "priority"), pk, for_edit=for_edit
    )


def access_area(user, pk: int, *, for_edit: bool = False) -> Area:
    return _access(user, Area.objects.select_related("parent"), pk, for_edit=for_edit)


def access_theme(user, pk: int, *, for_edit: bool = False) -> Theme:
    return _access(user, Theme.objects.all(), pk, for_edit=for_edit)


# Arithmetic -----------------------------------------------------------------------------------------


def rate_per_1000(value: Decimal | None, population: int | None) -> Decimal | None:
    """``value`` per 1,000 of ``population``, to 2 decimal places (half up); None without both."""
    if value is None or not population:
        return None
    return (Decimal(value) * 1000 / Decimal(population)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def percent_change(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """The change from ``previous`` to ``value`` in per cent, to 1 decimal place; None when there is
    no previous value or it is zero (no percentage of nothing)."""
    if value is None or previous is None or previous == 0:
        return None
    return ((Decimal(value) - previous) * 100 / abs(previous)).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def change_direction(change: Decimal | None, polarity: str) -> str:
    """ "better", "worse", "same" or "" (unknown) for a change, given the indicator's polarity."""
    if change is None:
        return ""
    if change == 0:
        return "same"
    higher_is_better = polarity == Polarity.HIGHER_IS_BETTER
    return "better" if (change > 0) == higher_is_better else "worse"


def _normal(value: Decimal | None) -> Decimal | None:
    """A stored value (4 decimal places) without trailing zeros: 1200.0000 -> 1200, 12.5000 -> 12.5."""
    if value is None:
        return None
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


# Populations ----------------------------------------------------------------------------------------


def _latest_populations(rows: Iterable[tuple[int, int, int]]) -> dict[int, int]:
    """{area_id: population} from (area_id, year, population) rows sorted by year: the last wins."""
    result: dict[int, int] = {}
    for area_id, _year, population in rows:
        result[area_id] = population
    return result


def population_for(area: Area, year: int) -> int | None:
    """The area's population in ``year`` (a calendar year), else in the latest earlier year known."""
    row = (
        AreaPopulation.objects.filter(area=area, year__lte=year)
        .order_by("-year")
        .values_list("population", flat=True)
        .first()
    )
    return row


def area_populations(*, year: int, areas: Iterable[Area | int] | None = None) -> dict[int, int]:
    """{area_id: population} in ``year`` (else the latest earlier year) for every area, or the given
    ones. One query."""
    queryset = AreaPopulation.objects.filter(year__lte=year)
    if areas is not None:
        queryset = queryset.filter(area_id__in=[getattr(area, "pk", area) for area in areas])
    return _latest_populations(queryset.order_by("year").values_list("area_id", "year", "population"))


def _populations_by_year(area_ids: Iterable[int], *, until: int) -> dict[int, list[tuple[int, int]]]:
    """{area_id: [(year, population), ...]} sorted by year, up to ``until``. One query."""
    result: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = AreaPopulation.objects.filter(area_id__in=list(area_ids), year__lte=until).order_by("year")
    for area_id, year, population in rows.values_list("area_id", "year", "population"):
        result[area_id].append((year, population))
    return result


def _population_in(history: Sequence[tuple[int, int]], year: int) -> int | None:
    found = None
    for known_year, population in history:
        if known_year > year:
            break
        found = population
    return found


# Indicators -----------------------------------------------------------------------------------------


def indicator_list() -> list[Indicator]:
    """Every indicator with its theme and how many values it holds."""
    return list(Indicator.objects.select_related("theme").annotate(value_count=Count("values")).order_by(Lower("name")))


def indicator_periods(indicator: Indicator) -> list[Period]:
    """The periods (financial years and quarters) the indicator has values for, latest first."""
    codes = IndicatorValue.objects.filter(indicator=indicator).values_list("period", flat=True).distinct()
    return sorted((parse_period_code(code) for code in codes), reverse=True)


def _default_period(indicator: Indicator) -> Period | None:
    """The latest financial year with values; failing that, the latest quarter."""
    periods = indicator_periods(indicator)
    years = [period for period in periods if period.kind == "FY"]
    return (years or periods or [None])[0]


@dataclass(frozen=True)
class AreaComparison:
    area: Area
    value: Decimal | None
    population: int | None
    rate: Decimal | None  # per 1,000 population; count indicators only
    previous_value: Decimal | None
    previous_rate: Decimal | None
    change: Decimal | None  # value minus the previous period's value
    change_percent: Decimal | None
    direction: str  # "better", "worse", "same" or "" (no previous value)

    @property
    def is_better(self) -> bool:
        return self.direction == "better"

    @property
    def is_worse(self) -> bool:
        return self.direction == "worse"


@dataclass(frozen=True)
class IndicatorComparison:
    indicator: Indicator
    period: Period | None
    previous_period: Period | None
    rows: list[AreaComparison]

    @property
    def period_code(self) -> str:
        return period_code(self.period) if self.period else ""


def indicator_comparison(indicator: Indicator, *, period: Period | str | None = None) -> IndicatorComparison:
    """Each area's value of ``indicator`` in ``period`` (default: the latest financial year with
    values) next to its population, its rate per 1,000 (count indicators only), the previous
    period's value (the previous financial year, or the previous quarter) and the change, absolute
    and in per cent, and whether the change is better or worse given the indicator's polarity.

    Areas are listed force area first, then local authorities, then CSPs, by name. Three queries
    at most, whatever the number of areas.
    """
    if isinstance(period, str):
        period = parse_period_code(period, kinds=("FY", "Q"))
    if period is None:
        period = _default_period(indicator)
    if period is None:
        return IndicatorComparison(indicator, None, None, [])
    previous = period.previous()
    codes = [period_code(period), period_code(previous)]
    current: dict[int, Decimal] = {}
    earlier: dict[int, Decimal] = {}
    areas: dict[int, Area] = {}
    values = IndicatorValue.objects.filter(indicator=indicator, period__in=codes).select_related("area")
    for row in values:
        areas[row.area_id] = row.area
        (current if row.period == codes[0] else earlier)[row.area_id] = row.value
    year, previous_year = period.fy.start_year, previous.fy.start_year
    history = _populations_by_year(areas, until=year) if indicator.is_count and areas else {}
    rows = []
    for area in sorted(areas.values(), key=lambda a: (AREA_TYPE_ORDER.get(a.type, 9), a.name.casefold(), a.code)):
        value, previous_value = current.get(area.pk), earlier.get(area.pk)
        population = _population_in(history.get(area.pk, ()), year) if indicator.is_count else None
        previous_population = _population_in(history.get(area.pk, ()), previous_year) if indicator.is_count else None
        change = value - previous_value if value is not None and previous_value is not None else None
        rows.append(
            AreaComparison(
                area=area,
                value=_normal(value),
                population=population,
                rate=rate_per_1000(value, population) if indicator.is_count else None,
                previous_value=_normal(previous_value),
                previous_rate=rate_per_1000(previous_value, previous_population) if indicator.is_count else None,
                change=_normal(change),
                change_percent=percent_change(value, previous_value),
                direction=change_direction(change, indicator.polarity),
            )
        )
    return IndicatorComparison(indicator, period, previous, rows)


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    value: Decimal
    population: int | None
    rate: Decimal | None

    @property
    def code(self) -> str:
        return period_code(self.period)

    @property
    def label(self) -> str:
        return self.period.label


def indicator_trend(indicator: Indicator, area: Area, *, kind: str | None = "FY") -> list[TrendPoint]:
    """The indicator's values in ``area`` over time, earliest first: financial years by default,
    ``kind="Q"`` for quarters, ``kind=None`` for both. Two queries."""
    values = IndicatorValue.objects.filter(indicator=indicator, area=area)
    if kind == "FY":
        values = values.filter(quarter__isnull=True)
    elif kind == "Q":
        values = values.filter(quarter__isnull=False)
    rows = list(values.order_by("fy", "quarter").values_list("period", "value"))
    if not rows:
        return []
    points = [(parse_period_code(code), value) for code, value in rows]
    history = (
        _populations_by_year([area.pk], until=max(p.fy.start_year for p, _ in points)).get(area.pk, [])
        if indicator.is_count
        else []
    )
    result = []
    for period, value in sorted(points, key=lambda item: item[0]):
        population = _population_in(history, period.fy.start_year) if indicator.is_count else None
        result.append(TrendPoint(period, _normal(value), population, rate_per_1000(value, population)))
    return result


@dataclass(frozen=True)
class ThemeIndicatorRate:
    """One count indicator's financial-year value in one area, as a rate per 1,000 population."""

    theme_id: int
    theme_name: str
    indicator_id: int
    indicator_name: str
    polarity: str
    area_id: int
    value: Decimal
    population: int | None
    rate: Decimal | None


def theme_indicator_rates(
    *, fy: int, area_types: Sequence[str] = (AreaType.LOCAL_AUTHORITY,)
) -> list[ThemeIndicatorRate]:
    """For need versus spend: per theme, per area of ``area_types`` (local authorities by default),
    the FY value of each count indicator of that theme and its rate per 1,000 population
    (population of the FY's starting year, else the latest earlier year). Sorted by theme,
    indicator and area name. Two queries."""
    values = list(
        IndicatorValue.objects.filter(
            fy=fy,
            quarter__isnull=True,
            indicator__is_count=True,
            indicator__theme__isnull=False,
            area__type__in=list(area_types),
        )
        .order_by(Lower("indicator__theme__name"), Lower("indicator__name"), Lower("area__name"))
        .values_list(
            "indicator__theme_id",
            "indicator__theme__name",
            "indicator_id",
            "indicator__name",
            "indicator__polarity",
            "area_id",
            "value",
        )
    )
    populations = area_populations(year=fy, areas={row[5] for row in values}) if values else {}
    return [
        ThemeIndicatorRate(
            theme_id=theme_id,
            theme_name=theme_name,
            indicator_id=indicator_id,
            indicator_name=indicator_name,
            polarity=polarity,
            area_id=area_id,
            value=_normal(value),
            population=populations.get(area_id),
            rate=rate_per_1000(value, populations.get(area_id)),
        )
        for theme_id, theme_name, indicator_id, indicator_name, polarity, area_id, value in values
    ]


# Areas ----------------------------------------------------------------------------------------------


def area_list() -> list[Area]:
    """Every area with its parent, force areas first, then local authorities, then CSPs."""
    areas = list(Area.objects.select_related("parent"))
    return sorted(areas, key=lambda a: (AREA_TYPE_ORDER.get(a.type, 9), a.name.casefold(), a.code))


# Assessments and findings ---------------------------------------------------------------------------


def assessment_list() -> QuerySet[NeedsAssessment]:
    """Assessments, latest year first, with their theme and number of findings."""
    return (
        NeedsAssessment.objects.select_related("theme")
        .annotate(finding_count=Count("findings"))
        .order_by("-fy", Lower("title"), "pk")
    )


def _finding_prefetches() -> list:
    return [
        Prefetch("areas", queryset=Area.objects.order_by("type", "name")),
        Prefetch("kpqs"),
        Prefetch(
            "evidence",
            queryset=IndicatorValue.objects.select_related("indicator", "area").order_by(
                Lower("indicator__name"), "area__name", "fy", "quarter"
            ),
        ),
        Prefetch(
            "intentions", queryset=CommissioningIntention.objects.select_related("theme", "lead").order_by("title")
        ),
    ]


@dataclass(frozen=True)
class AssessmentDetail:
    assessment: NeedsAssessment
    findings: list[Finding]
    indicators: list[Indicator]  # the indicators whose values are evidence for a finding


SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def assessment_detail(pk: int) -> AssessmentDetail:
    """An assessment with its findings (most severe first) and, on each, its theme, priority,
    areas, KPQs, evidence (with indicator and area) and the intentions answering it; and the
    indicators used as evidence. A fixed number of queries."""
    assessment = get_object_or_404(NeedsAssessment.objects.select_related("theme"), pk=pk)
    findings = list(
        Finding.objects.filter(assessment=assessment)
        .select_related("theme", "priority")
        .prefetch_related(*_finding_prefetches())
    )
    findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.title.casefold(), f.pk))
    indicators: dict[int, Indicator] = {}
    for finding in findings:
        for value in finding.evidence.all():
            indicators.setdefault(value.indicator_id, value.indicator)
    return AssessmentDetail(assessment, findings, sorted(indicators.values(), key=lambda i: i.name.casefold()))


def finding_detail(pk: int) -> Finding:
    """A finding with its assessment, theme, priority, areas, KPQs, evidence and intentions."""
    return get_object_or_404(
        Finding.objects.select_related("assessment", "theme", "priority").prefetch_related(*_finding_prefetches()),
        pk=pk,
    )


# Commissioning intentions ---------------------------------------------------------------------------


@dataclass
class IntentionGroup:
    rank: str
    label: str
    intentions: list[CommissioningIntention] = field(default_factory=list)


def _intentions(queryset: QuerySet[CommissioningIntention]) -> QuerySet[CommissioningIntention]:
    return queryset.select_related("theme", "lead", "priority").prefetch_related(
        Prefetch("findings", queryset=Finding.objects.select_related("assessment").order_by("title")),
    )


def intention_board(
    *,
    status: str | Sequence[str] | None = None,
    lead=None,
    priority=None,
    fy: int | None = None,
) -> list[IntentionGroup]:
    """Intentions grouped Must, Should, Could (in that order, every group present), each with its
    theme, lead, priority and findings (with their assessment). Filters: ``status`` (one or
    several), ``lead`` (a user or id), ``priority`` (a commissioning priority or id) and ``fy``:
    due in that financial year (its When is that year, or a date within it). A fixed number of
    queries."""
    queryset = CommissioningIntention.objects.all()
    if status:
        queryset = queryset.filter(status__in=[status] if isinstance(status, str) else list(status))
    if lead is not None:
        queryset = queryset.filter(lead=lead)
    if priority is not None:
        queryset = queryset.filter(priority=priority)
    if fy is not None:
        year = FinancialYear(int(fy))
        queryset = queryset.filter(Q(when_fy=year.start_year) | Q(when_date__gte=year.start, when_date__lte=year.end))
    groups = {rank: IntentionGroup(rank, IntentionRank(rank).label) for rank in RANK_ORDER}
    for intention in _intentions(queryset).order_by(Lower("title"), "pk"):
        groups[intention.rank].intentions.append(intention)
    return list(groups.values())


def intention_detail(pk: int) -> CommissioningIntention:
    """One intention with what the board shows, and its findings' evidence."""
    return get_object_or_404(
        _intentions(CommissioningIntention.objects.all()).prefetch_related(
            Prefetch("findings__evidence", queryset=IndicatorValue.objects.select_related("indicator", "area")),
        ),
        pk=pk,
    )


def intention_when(intention: CommissioningIntention) -> str:
    """The When of an intention in words: a date ("1 July 2020"), a year ("2020/21") or ""."""
    if intention.when_date:
        day: datetime.date = intention.when_date
        return f"{day.day} {day:%B %Y}"
    if intention.when_fy:
        return FinancialYear(intention.when_fy).label
    return ""


def intention_statuses() -> list[tuple[str, str]]:
    return list(IntentionStatus.choices)


# ----------------------------------------------------------------------------------------------------
# Added for the needs pages (views.py): the findings citing an indicator, for the indicator page.


def indicator_findings(indicator: Indicator) -> list[Finding]:
    """The findings whose evidence includes a value of ``indicator``, with their assessment and the
    intentions answering them, most severe first. Three queries."""
    findings = list(
        Finding.objects.filter(evidence__indicator=indicator)
        .distinct()
        .select_related("assessment")
        .prefetch_related(Prefetch("intentions", queryset=CommissioningIntention.objects.order_by(Lower("title"))))
    )
    findings.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.title.casefold(), f.pk))
    return findings
