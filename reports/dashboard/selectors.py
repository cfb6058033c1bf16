"""Reads for the reports: pages that combine layers (need versus spend, …) read the lower
apps through their selectors and models and combine the results here (README "Architecture in ten lines":
``reports`` is the lowest layer and sees everything).

Need versus spend
-----------------
For a financial year FY, the **spend on a theme** is the *committed* value in FY (funding
lines in FY of awards that are awarded, active or ended — docs/formats.md "Money"; planned,
procuring and cancelled awards count for nothing) of the awards whose commissioning
intention has that theme.

An award's FY value is **attributed to the areas it serves** (``Award.areas``), split between
them in proportion to their population: a local authority or community safety partnership
listed directly counts with its own population; a force area listed, or no area at all, means
every local authority of the force area. The split uses
``pcc_commissioning.periods.apportion_by_weights``, so the parts add up to the award's value to
the penny. A partnership's part is shown under the local authority it lies in (its parent);
one that lies in no local authority is shown as "not attributed to a local authority". If
none of the areas has a population recorded, the value is split equally between them.

**Populations** are each area's population for the calendar year FY starts in, else the latest
earlier year (``needs_assessment.selectors.area_populations``). **Spend per 1,000** is spend ÷
population × 1,000, to the penny.

**Need** is each count indicator of the theme: its FY rate per 1,000 population in each area
(``needs_assessment.selectors.theme_indicator_rates``). The **force-area average** of an
indicator is the sum of the local authorities' values ÷ the sum of their populations × 1,000;
the **average spend per 1,000** of a theme is the theme's spend over the local authorities ÷
their population × 1,000.

A row is flagged **high need, low spend** when, for at least one indicator of the theme, the
area's rate is above the force-area average while its spend per 1,000 on the theme is below
the theme's average.

Awards whose intention has no theme, or that name no intention, are counted in one "not linked
to a need" total, for transparency.

The number of queries is fixed, whatever the number of awards, areas or indicators: money is
summed in the database, then combined in Python over small dictionaries keyed by ids.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Lower

from delivery.plans import selectors as delivery_selectors
from grants.models import COMMITTED_STATUSES, Award, FundingLine
from needs_assessment import selectors as needs_selectors
from needs_assessment.models import Area, AreaType, Theme
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, apportion_by_weights, quarter_label

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
THOUSAND = Decimal(1000)


def per_thousand(amount: Decimal, population: int | None) -> Decimal | None:
    """``amount`` per 1,000 population, to two decimal places (None without a population)."""
    if not population:
        return None
    return (Decimal(amount) * THOUSAND / Decimal(population)).quantize(PENNY, rounding=ROUND_HALF_UP)


# The shape of the answer --------------------------------------------------------------------------


@dataclass
class IndicatorColumn:
    """One count indicator of a theme, with its force-area average rate per 1,000."""

    indicator_id: int
    name: str
    average: Decimal | None  # force-area rate per 1,000 (None: no values with populations)


@dataclass
class AreaRate:
    """An indicator's value and rate per 1,000 in one area."""

    indicator_id: int
    value: Decimal | None
    rate: Decimal | None
    above_average: bool


@dataclass
class AreaRow:
    area: Area
    population: int | None
    rates: list[AreaRate]  # in the order of the theme's ``indicators``
    spend: Decimal
    spend_per_1000: Decimal | None
    high_need_low_spend: bool = False
    reasons: list[str] = field(default_factory=list)  # why it is flagged, in words


@dataclass
class ThemeTable:
    theme: Theme
    indicators: list[IndicatorColumn]
    rows: list[AreaRow]
    spend: Decimal  # attributed to the local authorities
    population: int  # of the local authorities with a population
    average_spend_per_1000: Decimal | None
    not_attributed: Decimal = ZERO  # in areas that lie in no local authority

    @property
    def flagged(self) -> list[AreaRow]:
        return [row for row in self.rows if row.high_need_low_spend]

    @property
    def total(self) -> Decimal:
        return self.spend + self.not_attributed


@dataclass
class NeedVersusSpend:
    fy: int
    label: str
    themes: list[ThemeTable]
    areas: list[Area]  # the local authorities (the rows of every table)
    linked: Decimal  # committed on awards whose intention has a theme
    not_linked: Decimal  # committed on awards with no intention, or an intention with no theme
    not_linked_awards: int

    @property
    def committed(self) -> Decimal:
        return self.linked + self.not_linked

    @property
    def flagged(self) -> list[tuple[ThemeTable, AreaRow]]:
        return [(table, row) for table in self.themes for row in table.flagged]


# Spend ------------------------------------------------------------------------------------------


def _committed_by_award(fy: int) -> list[dict]:
    """One row per award with committed lines in ``fy``: award id, theme id (or None), value."""
    return list(
        FundingLine.objects.filter(fy=fy, award__status__in=COMMITTED_STATUSES)
        .order_by()
        .values("award_id", "award__intention__theme_id")
        .annotate(total=Sum("amount"))
    )


def _award_areas(fy: int) -> dict[int, list[int]]:
    """award id -> ids of the areas it serves, for the awards with a themed intention and
    committed lines in ``fy``."""
    awards = FundingLine.objects.filter(
        fy=fy, award__status__in=COMMITTED_STATUSES, award__intention__theme__isnull=False
    ).values("award_id")
    result: dict[int, list[int]] = defaultdict(list)
    rows = Award.areas.through.objects.filter(award_id__in=awards).order_by("award_id", "area_id")
    for award_id, area_id in rows.values_list("award_id", "area_id"):
        result[award_id].append(area_id)
    return result


class _Places:
    """The areas, with the rules that turn an award's areas into weighted parts."""

    def __init__(self, areas: list[Area], populations: dict[int, int]):
        self.by_id = {area.pk: area for area in areas}
        self.populations = populations
        self.local_authorities = sorted(
            (area for area in areas if area.type == AreaType.LOCAL_AUTHORITY), key=lambda a: (a.name.lower(), a.pk)
        )
        self.la_ids = [area.pk for area in self.local_authorities]
        self._las_under: dict[int, list[int]] = {}

    def _local_authority_of(self, area_id: int) -> int | None:
        """The local authority an area lies in (itself, or the nearest ancestor that is one)."""
        seen = set()
        current = self.by_id.get(area_id)
        while current is not None and current.pk not in seen:
            if current.type == AreaType.LOCAL_AUTHORITY:
                return current.pk
            seen.add(current.pk)
            current = self.by_id.get(current.parent_id) if current.parent_id else None
        return None

    def _las_in_force_area(self, force_area_id: int) -> list[int]:
        if force_area_id not in self._las_under:
            self._las_under[force_area_id] = [la for la in self.la_ids if self._in(la, force_area_id)]
        return self._las_under[force_area_id]

    def _in(self, area_id: int, ancestor_id: int) -> bool:
        seen = set()
        current = self.by_id.get(area_id)
        while current is not None and current.parent_id and current.pk not in seen:
            if current.parent_id == ancestor_id:
                return True
            seen.add(current.pk)
            current = self.by_id.get(current.parent_id)
        return False

    def units(self, area_ids: list[int]) -> list[int]:
        """The areas an award's value is split between: those listed (a force area standing for
        its local authorities), or every local authority when none is listed."""
        if not area_ids:
            return list(self.la_ids)
        units: dict[int, None] = {}
        for area_id in area_ids:
            area = self.by_id.get(area_id)
            if area is None:
                continue
            if area.type == AreaType.FORCE_AREA:
                for la in self._las_in_force_area(area_id) or self.la_ids:
                    units.setdefault(la, None)
            else:
                units.setdefault(area_id, None)
        return list(units) or list(self.la_ids)

    def attribute(self, amount: Decimal, area_ids: list[int]) -> list[tuple[int | None, Decimal]]:
        """(local authority id or None, part) for each area the value is split between."""
        units = self.units(area_ids)
        if not units:
            return [(None, amount)]
        weights = [self.populations.get(unit) or 0 for unit in units]
        if not any(weights):
            weights = [1] * len(units)
        parts = apportion_by_weights(amount, weights)
        return [(self._local_authority_of(unit), part) for unit, part in zip(units, parts, strict=False)]


# Need -------------------------------------------------------------------------------------------


@dataclass
class _Indicator:
    indicator_id: int
    name: str
    theme_id: int
    values: dict[int, Decimal | None]  # area id -> FY value
    rates: dict[int, Decimal | None]  # area id -> FY rate per 1,000


def _indicators(fy: int) -> list[_Indicator]:
    """The count indicators of each theme with their FY values and rates per 1,000 in each
    local authority (``needs_assessment.selectors.theme_indicator_rates``), in its order."""
    result: dict[int, _Indicator] = {}
    for item in needs_selectors.theme_indicator_rates(fy=fy):
        indicator = result.get(item.indicator_id)
        if indicator is None:
            indicator = result[item.indicator_id] = _Indicator(
                indicator_id=item.indicator_id, name=item.indicator_name, theme_id=item.theme_id, values={}, rates={}
            )
        indicator.values[item.area_id] = item.value
        indicator.rates[item.area_id] = item.rate
    return list(result.values())


# The report -------------------------------------------------------------------------------------


def need_versus_spend(*, fy: int) -> NeedVersusSpend:
    """Need (indicator rates per 1,000) next to committed spend per 1,000, per local authority
    and theme, for financial year ``fy``; the rules are in this module's docstring. A fixed
    number of queries whatever the size of the data."""
    fy = FinancialYear(int(fy)).start_year
    areas = list(Area.objects.order_by("pk"))
    populations = needs_selectors.area_populations(year=fy)
    places = _Places(areas, populations)
    spend = _theme_spend(fy, places)

    by_theme: dict[int, list[_Indicator]] = defaultdict(list)
    for indicator in _indicators(fy):
        by_theme[indicator.theme_id].append(indicator)
    themes = Theme.objects.filter(pk__in=set(by_theme) | spend.themes).order_by(Lower("name"), "pk")

    la_population = {la.pk: populations.get(la.pk) for la in places.local_authorities}
    tables = [
        _theme_table(theme, by_theme.get(theme.pk, []), spend.by_theme_and_area, places, la_population)
        for theme in themes
    ]
    return NeedVersusSpend(
        fy=fy,
        label=FinancialYear(fy).label,
        themes=tables,
        areas=places.local_authorities,
        linked=spend.linked,
        not_linked=spend.not_linked,
        not_linked_awards=spend.not_linked_awards,
    )


@dataclass
class _ThemeSpend:
    """The year's committed money: by (theme id, local authority id or None), on awards linked to
    a theme and not, and the themes with any."""

    by_theme_and_area: dict[tuple[int, int | None], Decimal]
    linked: Decimal = ZERO
    not_linked: Decimal = ZERO
    not_linked_awards: int = 0
    themes: set[int] = field(default_factory=set)


def _theme_spend(fy: int, places: _Places) -> _ThemeSpend:
    """Each award's committed value attributed to its theme and the areas it serves."""
    by_award = _committed_by_award(fy)
    award_areas = _award_areas(fy)
    spend = _ThemeSpend(by_theme_and_area=defaultdict(lambda: ZERO))
    for row in by_award:
        total = row["total"] or ZERO
        theme_id = row["award__intention__theme_id"]
        if theme_id is None:
            spend.not_linked += total
            spend.not_linked_awards += 1
            continue
        spend.linked += total
        spend.themes.add(theme_id)
        for la_id, part in places.attribute(Decimal(total).quantize(PENNY), award_areas.get(row["award_id"], [])):
            spend.by_theme_and_area[(theme_id, la_id)] += part
    return spend


def _theme_table(
    theme: Theme,
    indicators: list[_Indicator],
    spend: dict[tuple[int, int | None], Decimal],
    places: _Places,
    la_population: dict[int, int | None],
) -> ThemeTable:
    """A theme's table: its indicators' force-area averages, and a row per local authority."""
    population_total = sum(p for p in la_population.values() if p)
    columns = []
    for indicator in indicators:
        counted = [
            (indicator.values.get(la.pk), la_population[la.pk])
            for la in places.local_authorities
            if indicator.values.get(la.pk) is not None and la_population[la.pk]
        ]
        average = per_thousand(sum(v for v, _ in counted), sum(p for _, p in counted)) if counted else None
        columns.append(IndicatorColumn(indicator.indicator_id, indicator.name, average))
    theme_spend = sum((spend.get((theme.pk, la.pk), ZERO) for la in places.local_authorities), ZERO)
    spend_with_population = sum(
        (spend.get((theme.pk, la.pk), ZERO) for la in places.local_authorities if la_population[la.pk]), ZERO
    )
    average_spend = per_thousand(spend_with_population, population_total)
    rows = [
        _area_row(
            la,
            la_population[la.pk],
            spend.get((theme.pk, la.pk), ZERO),
            zip(indicators, columns, strict=False),
            average_spend=average_spend,
        )
        for la in places.local_authorities
    ]
    return ThemeTable(
        theme=theme,
        indicators=columns,
        rows=rows,
        spend=theme_spend,
        population=population_total,
        average_spend_per_1000=average_spend,
        not_attributed=spend.get((theme.pk, None), ZERO),
    )


def _area_row(la, population, amount: Decimal, indicators, *, average_spend: Decimal | None) -> AreaRow:
    """A local authority's row of a theme: its rates and spend per 1,000, flagged high need, low
    spend (with the reasons) where a rate is above its average while the spend is below."""
    row = AreaRow(
        area=la, population=population, rates=[], spend=amount, spend_per_1000=per_thousand(amount, population)
    )
    low_spend = row.spend_per_1000 is not None and average_spend is not None and row.spend_per_1000 < average_spend
    for indicator, column in indicators:
        rate = indicator.rates.get(la.pk)
        above = rate is not None and column.average is not None and rate > column.average
        row.rates.append(AreaRate(column.indicator_id, indicator.values.get(la.pk), rate, above))
        if above and low_spend:
            row.high_need_low_spend = True
            row.reasons.append(
                f"{column.name}: {rate:,.2f} per 1,000, above the force-area average of {column.average:,.2f}"
            )
    if row.high_need_low_spend:
        row.reasons.append(
            f"spend {format_pence(row.spend_per_1000)} per 1,000, below the average of {format_pence(average_spend)}"
        )
    return row


# KPQ page -----------------------------------------------------------------------------------------
#
# For a key performance question and a financial year FY: the KPQ's performance measures with
# their values by period (``outcomes``); the award KPIs that evidence the KPQ, each with its target
# and its latest reported actual (the value in the latest submitted or accepted return); and the
# **spend answering it**: the committed value in FY (funding lines in FY of awarded, active or
# ended awards) of the awards that name the KPQ among their KPQs. A fixed number of queries,
# whatever the number of awards, KPIs or returns.


@dataclass
class KPIRow:
    kpi: object  # grants.models.AwardKPI, with award and provider loaded
    latest_value: Decimal | None
    latest_period: str  # "2019/20 Q1", or "" when nothing was reported


@dataclass
class KPQSpendRow:
    award: Award
    committed: Decimal


@dataclass
class KPQPage:
    kpq: object  # outcomes.models.KPQ
    fy: int
    label: str
    measures: list
    kpis: list[KPIRow]
    spend: list[KPQSpendRow]
    delivery_metrics: list = field(default_factory=list)  # delivery.plans.selectors.MetricRow

    @property
    def total_spend(self) -> Decimal:
        return sum((row.committed for row in self.spend), ZERO)


def kpq_page(kpq, *, fy: int) -> KPQPage:
    from grants.models import AwardKPI, ReturnKPIValue, ReturnStatus
    from outcomes import selectors as outcomes_selectors

    kpis = list(
        AwardKPI.objects.filter(kpq=kpq).select_related("award", "award__provider").order_by("award__reference", "name")
    )
    latest: dict[int, tuple[Decimal, int, int]] = {}
    values = (
        ReturnKPIValue.objects.filter(
            kpi__kpq=kpq, monitoring_return__status__in=(ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)
        )
        .order_by("kpi_id", "-monitoring_return__fy", "-monitoring_return__quarter")
        .values_list("kpi_id", "value", "monitoring_return__fy", "monitoring_return__quarter")
    )
    for kpi_id, value, value_fy, quarter in values:
        latest.setdefault(kpi_id, (value, value_fy, quarter))
    kpi_rows = []
    for kpi in kpis:
        found = latest.get(kpi.pk)
        kpi_rows.append(
            KPIRow(
                kpi=kpi,
                latest_value=found[0] if found else None,
                latest_period=quarter_label(found[1], found[2]) if found else "",
            )
        )
    totals = dict(
        FundingLine.objects.filter(fy=fy, award__status__in=COMMITTED_STATUSES, award__kpqs=kpq)
        .order_by()
        .values("award_id")
        .annotate(total=Sum("amount"))
        .values_list("award_id", "total")
    )
    awards = Award.objects.filter(pk__in=totals).select_related("provider").order_by("reference")
    spend = [KPQSpendRow(award=award, committed=totals[award.pk] or ZERO) for award in awards]
    return KPQPage(
        kpq=kpq,
        fy=fy,
        label=FinancialYear(fy).label,
        measures=outcomes_selectors.kpq_measures(kpq),
        kpis=kpi_rows,
        spend=spend,
        delivery_metrics=delivery_selectors.kpq_metrics(kpq),
    )


# The KPQ index ------------------------------------------------------------------------------------
#
# Every KPQ of the Plan, by outcome, with what answers it in a financial year FY: the committed
# spend (as on the KPQ page: lines in FY of awarded, active or ended awards naming the KPQ), how
# many such awards there are, and each performance measure's latest value up to FY. Five queries
# however many KPQs, awards or values.


@dataclass
class KPQIndexRow:
    kpq: object  # outcomes.models.KPQ
    spend: Decimal
    awards: int
    measures: list  # outcomes.models.PerformanceMeasure, with latest_value, latest_target, latest_label


def kpq_index(*, fy: int) -> list[tuple[object, list[KPQIndexRow]]]:
    """(plan outcome, its KPQs' rows) in the Plan's order."""
    from outcomes import selectors as outcomes_selectors

    answering = {
        row["award__kpqs"]: row
        for row in FundingLine.objects.filter(fy=fy, award__status__in=COMMITTED_STATUSES, award__kpqs__isnull=False)
        .order_by()
        .values("award__kpqs")
        .annotate(spend=Sum("amount"), awards=Count("award", distinct=True))
    }
    measures = outcomes_selectors.latest_measure_values(up_to_fy=fy)
    for measure in (measure for group in measures.values() for measure in group):
        measure.latest_label = ""
        if measure.latest_fy is not None:
            measure.latest_label = FinancialYear(measure.latest_fy).label + (
                f" Q{measure.latest_quarter}" if measure.latest_quarter else ""
            )
    index = []
    for outcome in outcomes_selectors.plan_tree():
        rows = []
        for kpq in outcome.kpqs.all():
            found = answering.get(kpq.pk, {})
            rows.append(
                KPQIndexRow(
                    kpq=kpq,
                    spend=found.get("spend") or ZERO,
                    awards=found.get("awards", 0),
                    measures=measures.get(kpq.pk, []),
                )
            )
        index.append((outcome, rows))
    return index
