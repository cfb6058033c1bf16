"""The Panel report's plan delivery section: how each published delivery plan stood at its
latest accepted update within the report's period, and the criminal justice bodies' Victims'
Code compliance in the period's quarters.

Which plans: only those that have been published (status published, or archived after being
published). The Panel report is itself published, and a draft plan is never shown to the public,
so a draft stays out of it even while the report is still internal.

Which update: for each plan, the latest update round the officer accepted (accepted, or
considered by the board since) whose whole period lies within the report's period: an H2 round
is not in an H1 report, and an H1 round is not in a Q1 or Q2 report (the half is not over by
the quarter's end). An objective's status is its own accepted update's, else the status of its
activities' accepted updates (``delivery.plans.progress.objective_status``); one with neither is
"not reported".

Which metric value: each metric's latest value dated within the period, against the comparison
recorded with it, else against the metric's value before it (whenever that was); whether the
change is better or worse follows the metric's direction.

Compliance: each body's figure for each measure in each quarter of the period, as a percentage to
one decimal place (half up, from the exact fraction), with the change from the same body and
measure's figure in the quarter before (worked out from the exact fractions, then rounded the
same way). The report is published, so its rule for counts of people holds here too: a count of
victims from 1 to ``PUBLISHED_COUNT_THRESHOLD - 1`` is shown as "<5", and a figure counting
so few victims shows no percentage (it would give the count away).

A fixed number of queries, whatever the number of plans, objectives, metrics and figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from delivery.models import (
    REPORTED_ROUNDS,
    ComplianceFigure,
    DeliveryPlan,
    Metric,
    MetricUnit,
    MetricValue,
    Objective,
    PlanStatus,
    ProgressStatus,
    ProgressUpdate,
    UpdateRound,
    UpdateState,
)
from delivery.plans.metrics import BETTER, SAME, WORSE, Change, format_difference, format_metric_value, metric_change
from delivery.plans.progress import objective_status
from pcc_commissioning.periods import Period, day_label

NOT_REPORTED = ""
# The order the status counts are shown in: the worst news first, then "not reported".
STATUS_ORDER = (
    ProgressStatus.OFF_TRACK,
    ProgressStatus.SOME_SLIPPAGE,
    ProgressStatus.ON_TRACK,
    ProgressStatus.COMPLETE,
    ProgressStatus.NOT_STARTED,
    NOT_REPORTED,
)
STATUS_LABELS = {**dict(ProgressStatus.choices), NOT_REPORTED: "Not reported"}
VERDICT_WORDS = {BETTER: "Better", WORSE: "Worse", SAME: "No change", "": "No comparison"}
TENTH = Decimal("0.1")


# Objectives and metrics ----------------------------------------------------------------------


@dataclass
class ObjectiveRow:
    objective: Objective
    status: str  # a ProgressStatus value, or "" when nothing was reported
    from_activities: bool  # the status is its activities' (the objective has no update of its own)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class MetricRow:
    metric: Metric
    number: str  # the objective's or activity's number, "1.2" or "1.2.3"
    latest: MetricValue | None = None  # the latest value dated within the period
    basis_label: str = ""  # "target", "baseline", "earlier value" or "previous value"
    basis_value: Decimal | None = None
    basis_as_at: object = None
    change: Change | None = None

    @property
    def value_text(self) -> str:
        if self.metric.being_defined:
            return "Being defined"
        if self.latest is None:
            return "No value in the period"
        return format_metric_value(self.latest.value, self.metric.unit)

    @property
    def as_at_text(self) -> str:
        if self.latest is None:
            return ""
        return self.latest.period_label or day_label(self.latest.as_at)

    @property
    def comparison_text(self) -> str:
        if self.basis_value is None:
            return "–"
        when = f" at {day_label(self.basis_as_at)}" if self.basis_as_at else ""
        return f"{format_metric_value(self.basis_value, self.metric.unit)} ({self.basis_label}{when})"

    @property
    def change_text(self) -> str:
        if self.change is None or self.change.difference is None:
            return "–"
        return format_difference(self.change, self.metric.unit)

    @property
    def verdict_text(self) -> str:
        """ "Better", "Worse", "No change" with the metric's direction: "Better (higher is better)"."""
        if self.change is None or not self.change.verdict:
            return "–"
        direction = self.metric.get_direction_display().lower()
        return f"{VERDICT_WORDS[self.change.verdict]} ({direction})"


@dataclass
class PlanDelivery:
    plan: DeliveryPlan
    update_round: UpdateRound
    objectives: list[ObjectiveRow] = field(default_factory=list)
    metrics: list[MetricRow] = field(default_factory=list)

    @property
    def round_label(self) -> str:
        return f"{self.update_round.period} ({day_label(self.update_round.period_start)} to {day_label(self.update_round.period_end)})"

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        """(label, number of objectives) for each status, the worst first; every status is
        listed, even at zero, so plans read alike."""
        counts = defaultdict(int)
        for row in self.objectives:
            counts[row.status] += 1
        return [(STATUS_LABELS[status], counts[status]) for status in STATUS_ORDER]


def published_plans():
    """The plans that may appear in a published report: published, or archived after being published."""
    return DeliveryPlan.objects.filter(
        Q(status=PlanStatus.PUBLISHED) | Q(status=PlanStatus.ARCHIVED, published_on__isnull=False)
    )


def plan_delivery(span: Period) -> tuple[list[PlanDelivery], list[DeliveryPlan]]:
    """For each published plan, its latest accepted update round lying within ``span`` with
    its objectives' statuses and its metrics' latest values in ``span``; and the published
    plans of ``span``'s year with no such round (the Panel should know which are missing)."""
    rounds = (
        UpdateRound.objects.filter(
            plan__in=published_plans(),
            status__in=REPORTED_ROUNDS,
            period_start__gte=span.start,
            period_end__lte=span.end,
        )
        .select_related("plan", "plan__owner")
        .order_by("plan__title", "plan__reference", "-period_end", "-period_start")
    )
    chosen: dict[int, UpdateRound] = {}
    for update_round in rounds:
        chosen.setdefault(update_round.plan_id, update_round)
    missing = list(
        published_plans()
        .filter(fy=span.fy.start_year)
        .exclude(pk__in=list(chosen))
        .select_related("owner")
        .order_by("title", "reference")
    )
    if not chosen:
        return [], missing
    plans = {
        plan_id: PlanDelivery(plan=update_round.plan, update_round=update_round)
        for plan_id, update_round in chosen.items()
    }
    _objective_rows(plans)
    _metric_rows(plans, span)
    return list(plans.values()), missing


def _objective_rows(plans: dict[int, PlanDelivery]) -> None:
    """Each objective's status from the accepted updates of its plan's chosen round."""
    own: dict[int, str] = {}
    from_activities: dict[int, list[str]] = defaultdict(list)
    updates = (
        ProgressUpdate.objects.filter(
            update_round__in=[delivery.update_round.pk for delivery in plans.values()], state=UpdateState.ACCEPTED
        )
        .order_by()
        .values_list("objective_id", "activity__objective_id", "progress")
    )
    for objective_id, activity_objective_id, progress in updates:
        if objective_id is not None:
            own[objective_id] = progress
        else:
            from_activities[activity_objective_id].append(progress)
    for objective in Objective.objects.filter(plan_id__in=list(plans)).order_by("plan_id", "sort_key", "pk"):
        status, derived = objective_status(own.get(objective.pk, ""), from_activities.get(objective.pk, []))
        row = ObjectiveRow(objective, status, from_activities=derived)
        plans[objective.plan_id].objectives.append(row)


def _metric_rows(plans: dict[int, PlanDelivery], span: Period) -> None:
    """Each metric with its latest value in ``span`` and what it is compared with."""
    # The two latest values of each metric up to the period's end: the latest (if it lies in the
    # period) and the one before it, the comparison when the latest has none of its own.
    ranked = (
        MetricValue.objects.filter(metric__plan_id__in=list(plans), as_at__lte=span.end)
        .annotate(rank=Window(RowNumber(), partition_by=[F("metric_id")], order_by=[F("as_at").desc()]))
        .filter(rank__lte=2)
        .order_by("metric_id", "-as_at")
    )
    latest_two: dict[int, list[MetricValue]] = defaultdict(list)
    for value in ranked:
        latest_two[value.metric_id].append(value)
    metrics = (
        Metric.objects.filter(plan_id__in=list(plans))
        .select_related("objective", "activity")
        .order_by("plan_id", "objective__sort_key", "activity__sort_key", "name", "pk")
    )
    rows = []
    for metric in metrics:
        number = metric.activity.number if metric.activity_id else metric.objective.number
        sort_key = metric.activity.sort_key if metric.activity_id else metric.objective.sort_key
        row = MetricRow(metric=metric, number=number)
        values = latest_two.get(metric.pk, [])
        if not metric.being_defined and values and values[0].as_at >= span.start:
            _compare(row, values)
        rows.append((metric.plan_id, sort_key, metric.name.lower(), metric.pk, row))
    for plan_id, _key, _name, _pk, row in sorted(rows, key=lambda item: item[:4]):
        plans[plan_id].metrics.append(row)


def _compare(row: MetricRow, values: list[MetricValue]) -> None:
    latest = values[0]
    row.latest = latest
    if latest.comparison_value is not None:
        row.basis_value = latest.comparison_value
        row.basis_as_at = latest.comparison_as_at
        row.basis_label = latest.get_comparison_kind_display().lower()
    elif len(values) > 1:
        row.basis_value = values[1].value
        row.basis_as_at = values[1].as_at
        row.basis_label = "previous value"
    row.change = metric_change(value=latest.value, comparison=row.basis_value, direction=row.metric.direction)


# Victims' Code compliance --------------------------------------------------------------------


def percentage(numerator: int, denominator: int) -> Decimal | None:
    """``numerator`` of ``denominator`` as a percentage to one decimal place, half up, from the
    exact fraction (412 of 500 → 82.4); None when there were no victims to count."""
    if not denominator:
        return None
    return _tenths(Fraction(numerator * 100, denominator))


def _tenths(exact: Fraction) -> Decimal:
    """An exact number to one decimal place, halves away from zero (2.25 → 2.3, -2.25 → -2.3)."""
    tenths = exact * 10
    whole = (abs(tenths.numerator) * 2 + tenths.denominator) // (2 * tenths.denominator)
    return (Decimal(whole if tenths >= 0 else -whole) * TENTH).quantize(TENTH, rounding=ROUND_HALF_UP)


def _threshold() -> int:
    return int(getattr(settings, "PUBLISHED_COUNT_THRESHOLD", 5))


def _too_few(figure: ComplianceFigure) -> bool:
    """True when the figure counts so few victims (1 to threshold-1) that it is not published."""
    return 0 < figure.denominator < _threshold()


def _count_text(value: int) -> str:
    threshold = _threshold()
    return f"<{threshold}" if 0 < value < threshold else f"{value:,}"


def _percentage_text(figure: ComplianceFigure) -> str:
    if _too_few(figure):
        return "Too few to show"
    value = percentage(figure.numerator, figure.denominator)
    return "–" if value is None else f"{value}%"


@dataclass
class ComplianceRow:
    figure: ComplianceFigure
    percentage: Decimal | None
    previous: ComplianceFigure | None
    change: Change | None  # against the previous quarter's figure, in percentage points

    @property
    def met_text(self) -> str:
        return _count_text(self.figure.numerator)

    @property
    def victims_text(self) -> str:
        return _count_text(self.figure.denominator)

    @property
    def percentage_text(self) -> str:
        return _percentage_text(self.figure)

    @property
    def previous_text(self) -> str:
        if self.previous is None:
            return "No figure"
        return _percentage_text(self.previous)

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "–"
        return format_difference(self.change, MetricUnit.PERCENT)


@dataclass
class ComplianceQuarter:
    quarter: Period
    previous: Period
    rows: list[ComplianceRow]


def compliance(span: Period) -> list[ComplianceQuarter]:
    """The quarters of ``span`` that have figures, each with every body's figure per measure
    and its change from the quarter before (one query, the quarter before the first included)."""
    quarters = list(span.quarters())
    wanted = [quarters[0].previous(), *quarters]
    condition = Q()
    for quarter in wanted:
        condition |= Q(fy=quarter.fy.start_year, quarter=quarter.number)
    figures = (
        ComplianceFigure.objects.filter(condition)
        .select_related("body", "measure")
        .order_by("body__name", "body_id", "measure__position", "measure__key", "measure_id")
    )
    by_key = {(figure.fy, figure.quarter, figure.body_id, figure.measure_id): figure for figure in figures}
    out = []
    for quarter in quarters:
        before = quarter.previous()
        rows = []
        for figure in figures:
            if (figure.fy, figure.quarter) != (quarter.fy.start_year, quarter.number):
                continue
            previous = by_key.get((before.fy.start_year, before.number, figure.body_id, figure.measure_id))
            rows.append(
                ComplianceRow(
                    figure=figure,
                    percentage=percentage(figure.numerator, figure.denominator),
                    previous=previous,
                    change=_compliance_change(figure, previous),
                )
            )
        if rows:
            out.append(ComplianceQuarter(quarter=quarter, previous=before, rows=rows))
    return out


def _compliance_change(figure: ComplianceFigure, previous: ComplianceFigure | None) -> Change | None:
    if previous is None or not figure.denominator or not previous.denominator:
        return None
    if _too_few(figure) or _too_few(previous):
        return None
    now = Fraction(figure.numerator * 100, figure.denominator)
    then = Fraction(previous.numerator * 100, previous.denominator)
    difference = _tenths(now - then)
    verdict = SAME if difference == 0 else (BETTER if difference > 0 else WORSE)
    # Higher compliance is better.
    return Change(value=_tenths(now), comparison=_tenths(then), difference=difference, verdict=verdict)
