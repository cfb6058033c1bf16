"""What a published plan shows: its tree, the update round it reports on, each part's status
and each metric's values with the change of the latest one.

One ``plan_report`` serves the public page, the PDF and the ``generate_report`` command (which
may also build an unpublished plan, for officers to preview). Its queries do not grow with the
size of the plan: the tree, the metrics and their values are each read in one query and put
together here.

Which update: the latest round the officer accepted (status accepted, or considered by the
board since), or the round of a period asked for. Only accepted updates are shown; an objective
without its own accepted update takes its status from its activities'
(``delivery.plans.progress.objective_status``). A metric's values run to the end of the round's
period (a later value is not yet news at that update); its latest value is compared with the
comparison recorded with it, or failing that with the metric's previous value.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from pcc_commissioning.charts import Chart, line_chart
from pcc_commissioning.periods import (
    day_label,
    fy_label,
    parse_period_code,
    parse_period_input,
    period_code,
    period_long_label,
)

from ..models import (
    REPORTED_ROUNDS,
    Activity,
    BoardMeeting,
    DeliveryPlan,
    Metric,
    MetricUnit,
    MetricValue,
    Objective,
    PlanPriority,
    PlanStatus,
    ProgressStatus,
    ProgressUpdate,
    UpdateRound,
    UpdateState,
)
from ..plans.metrics import BETTER, SAME, WORSE, Change, format_difference, format_metric_value, metric_change
from ..plans.progress import objective_status

# The grants.Decision status that makes a decision public (grants sits above this app, so the
# value is written here rather than imported).
DECISION_PUBLISHED = "published"
BEING_DEFINED = "Performance measures are currently being considered for this activity."
BEING_DEFINED_OBJECTIVE = "Performance measures are currently being considered for this objective."
# A status shown as a GOV.UK tag: its words always, the colour only to help.
STATUS_TAG_COLOURS = {
    ProgressStatus.ON_TRACK: "green",
    ProgressStatus.SOME_SLIPPAGE: "yellow",
    ProgressStatus.OFF_TRACK: "red",
    ProgressStatus.COMPLETE: "blue",
    ProgressStatus.NOT_STARTED: "grey",
    "": "grey",
}
VERDICT_WORDS = {BETTER: "better", WORSE: "worse", SAME: "no change", "": ""}
CHART_UNITS = {MetricUnit.PERCENT: "%", MetricUnit.MONEY: "£", MetricUnit.COUNT: "", MetricUnit.RATE: ""}
CHART_AXES = {
    MetricUnit.PERCENT: "Percentage",
    MetricUnit.MONEY: "Pounds",
    MetricUnit.COUNT: "Count",
    MetricUnit.RATE: "Rate",
}


class UnknownPeriod(ValueError):
    """The plan has no accepted update for the period asked for (or it is not a period)."""


@dataclass(frozen=True)
class Status:
    """A progress status as shown: ``code`` from ProgressStatus ("" for none), its words and
    the tag's colour."""

    code: str
    label: str
    colour: str
    derived: bool = False  # an objective's status worked out from its activities'

    @classmethod
    def of(cls, code: str, *, derived: bool = False, missing: str = "No update") -> Status:
        label = ProgressStatus(code).label if code else missing
        return cls(code, label, STATUS_TAG_COLOURS[code], derived)


@dataclass
class MetricReport:
    metric: Metric
    values: list[MetricValue]  # as at or before the end of the update's period, oldest first
    latest: MetricValue | None = None
    change: Change | None = None
    # What the latest value is compared with: "comparison" (the value recorded with it),
    # "previous" (the metric's value before it) or "" (nothing).
    basis: str = ""
    basis_value: Decimal | None = None
    basis_as_at: datetime.date | None = None
    basis_label: str = ""  # "earlier value", "baseline", "target", "previous value"
    chart: Chart | None = None

    @property
    def being_defined(self) -> bool:
        return self.metric.being_defined

    @property
    def being_defined_text(self) -> str:
        return BEING_DEFINED_OBJECTIVE if self.metric.activity_id is None else BEING_DEFINED

    @property
    def latest_text(self) -> str:
        return format_metric_value(self.latest.value if self.latest else None, self.metric.unit)

    @property
    def latest_as_at_text(self) -> str:
        if self.latest is None:
            return ""
        return self.latest.period_label or f"as at {day_label(self.latest.as_at)}"

    @property
    def basis_text(self) -> str:
        """ "earlier value 53% (30 September 2012)"; "" with nothing to compare with."""
        if not self.basis:
            return ""
        when = f" ({day_label(self.basis_as_at)})" if self.basis_as_at else ""
        return f"{self.basis_label} {format_metric_value(self.basis_value, self.metric.unit)}{when}"

    @property
    def difference_text(self) -> str:
        return format_difference(self.change, self.metric.unit) if self.change else ""

    @property
    def verdict(self) -> str:
        return self.change.verdict if self.change else ""

    @property
    def verdict_text(self) -> str:
        return VERDICT_WORDS[self.verdict]

    @property
    def summary(self) -> str:
        """One sentence: "56.7% (12 months to Sep 2013): up 3.7 percentage points on the
        earlier value 53% (30 September 2012), better." """
        if self.metric.being_defined:
            return self.being_defined_text
        if self.latest is None:
            return "No value reported yet."
        head = f"{self.latest_text} ({self.latest_as_at_text})"
        if not self.change or self.change.difference is None:
            return f"{head}: nothing to compare it with."
        if self.change.verdict == SAME:
            return f"{head}: no change on the {self.basis_text}."
        return f"{head}: {self.difference_text} on the {self.basis_text}, {self.verdict_text}."

    @property
    def rows(self) -> list[dict]:
        """The data table's rows: each value with its date, period and comparison."""
        unit = self.metric.unit
        return [
            {
                "as_at": value.as_at,
                "period_label": value.period_label,
                "value": format_metric_value(value.value, unit),
                "comparison": (
                    f"{format_metric_value(value.comparison_value, unit)} "
                    f"({value.get_comparison_kind_display().lower()}"
                    f"{', ' + day_label(value.comparison_as_at) if value.comparison_as_at else ''})"
                    if value.comparison_value is not None
                    else ""
                ),
            }
            for value in self.values
        ]


@dataclass
class ActivityReport:
    activity: Activity
    update: ProgressUpdate | None
    status: Status
    metrics: list[MetricReport] = field(default_factory=list)


@dataclass
class ObjectiveReport:
    objective: Objective
    update: ProgressUpdate | None  # the objective's own accepted update, if any
    status: Status
    activities: list[ActivityReport] = field(default_factory=list)
    metrics: list[MetricReport] = field(default_factory=list)


@dataclass
class PriorityReport:
    priority: PlanPriority
    objectives: list[ObjectiveReport] = field(default_factory=list)


@dataclass
class RoundChoice:
    code: str  # "2019-H1", for ?period=
    label: str  # "H1 2019/20 (April to September 2019)"
    update_round: UpdateRound


@dataclass
class PlanReport:
    plan: DeliveryPlan
    update_round: UpdateRound | None
    period_label: str  # the round's period as people read it; "" without a round
    rounds: list[RoundChoice]  # every accepted round, latest first (the period switch)
    priorities: list[PriorityReport]
    decisions: list  # the published grants.Decision rows recording the round
    meetings: list[BoardMeeting]

    @property
    def is_published(self) -> bool:
        return self.plan.status == PlanStatus.PUBLISHED

    @property
    def fy_label(self) -> str:
        return fy_label(self.plan.fy)

    @property
    def period_code(self) -> str:
        return _round_code(self.update_round) if self.update_round else ""

    @property
    def meetings_text(self) -> str:
        return "; ".join(f"{meeting.board_label}, {day_label(meeting.held_on)}" for meeting in self.meetings)

    @property
    def objectives(self) -> list[ObjectiveReport]:
        return [objective for priority in self.priorities for objective in priority.objectives]

    @property
    def status_counts(self) -> list[tuple[Status, int]]:
        """How many objectives are at each status (those with one), in ProgressStatus order."""
        counts: dict[str, int] = defaultdict(int)
        for objective in self.objectives:
            counts[objective.status.code] += 1
        order = [*ProgressStatus.values, ""]
        return [(Status.of(code), counts[code]) for code in order if counts.get(code)]


# Selectors ------------------------------------------------------------------------------------


def published_plans() -> QuerySet[DeliveryPlan]:
    """The plans the public sees, newest year first, each with ``latest_update_end`` (the end
    of its latest accepted update's period, or None)."""
    return (
        DeliveryPlan.objects.filter(status=PlanStatus.PUBLISHED)
        .select_related("owner")
        .annotate(
            latest_update_end=Max("update_rounds__period_end", filter=Q(update_rounds__status__in=REPORTED_ROUNDS))
        )
        .order_by("-fy", "title", "reference")
    )


def public_plan(reference: str) -> DeliveryPlan:
    """A published plan (drafts, archived plans and unknown references are 404)."""
    plan = DeliveryPlan.objects.select_related("owner").filter(reference=reference, status=PlanStatus.PUBLISHED).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def _round_code(update_round: UpdateRound) -> str:
    try:
        return period_code(parse_period_code(update_round.period))
    except ValueError:  # a round is stored with a period code; this is only a fallback
        return update_round.period


def _round_label(update_round: UpdateRound) -> str:
    try:
        return period_long_label(parse_period_code(update_round.period))
    except ValueError:
        return f"{day_label(update_round.period_start)} to {day_label(update_round.period_end)}"


def choose_round(plan: DeliveryPlan, period: str | None) -> tuple[UpdateRound | None, list[RoundChoice]]:
    """The accepted round to report (the latest, or the one for ``period``: any period code the
    periods module reads, such as "2019-H1") and every accepted round, latest first. Raises
    UnknownPeriod for text that is not a period or a period with no accepted update."""
    rounds = list(
        UpdateRound.objects.filter(plan=plan, status__in=REPORTED_ROUNDS).order_by("-period_end", "-period_start")
    )
    choices = [RoundChoice(_round_code(r), _round_label(r), r) for r in rounds]
    if not period:
        return (rounds[0] if rounds else None), choices
    try:
        wanted = period_code(parse_period_input(period))
    except ValueError as error:
        raise UnknownPeriod(str(error)) from None
    for choice in choices:
        if choice.code == wanted:
            return choice.update_round, choices
    raise UnknownPeriod(f"The plan {plan.reference} has no accepted update for {wanted}.")


def plan_report(plan: DeliveryPlan, *, period: str | None = None) -> PlanReport:
    """Everything the page and the PDF show of ``plan`` (whatever its status: callers decide
    who may see it) at its latest accepted update, or at the accepted update for ``period``."""
    update_round, rounds = choose_round(plan, period)
    priorities = list(PlanPriority.objects.filter(plan=plan).select_related("priority").order_by("position", "id"))
    objectives = list(Objective.objects.filter(plan=plan).order_by("sort_key", "id"))
    activities = list(Activity.objects.filter(plan=plan).select_related("lead_organisation").order_by("sort_key", "id"))
    metrics = _metric_reports(plan, update_round)

    updates_by_activity: dict[int, ProgressUpdate] = {}
    updates_by_objective: dict[int, ProgressUpdate] = {}
    decisions: list = []
    meetings: list[BoardMeeting] = []
    if update_round is not None:
        for update in ProgressUpdate.objects.filter(update_round=update_round, state=UpdateState.ACCEPTED):
            if update.activity_id is not None:
                updates_by_activity[update.activity_id] = update
            else:
                updates_by_objective[update.objective_id] = update
        decisions = list(update_round.decisions.filter(status=DECISION_PUBLISHED).order_by("decided_on", "reference"))
        meetings = list(update_round.meetings.order_by("held_on", "id"))

    activities_by_objective: dict[int, list[ActivityReport]] = defaultdict(list)
    for activity in activities:
        update = updates_by_activity.get(activity.id)
        activities_by_objective[activity.objective_id].append(
            ActivityReport(
                activity=activity,
                update=update,
                status=Status.of(update.progress if update else ""),
                metrics=metrics["activity"].get(activity.id, []),
            )
        )
    objectives_by_priority: dict[int, list[ObjectiveReport]] = defaultdict(list)
    for objective in objectives:
        own = updates_by_objective.get(objective.id)
        parts = activities_by_objective.get(objective.id, [])
        code, derived = objective_status(own.progress if own is not None else "", (part.status.code for part in parts))
        status = Status.of(code, derived=derived)
        objectives_by_priority[objective.plan_priority_id].append(
            ObjectiveReport(
                objective=objective,
                update=own,
                status=status,
                activities=parts,
                metrics=metrics["objective"].get(objective.id, []),
            )
        )
    return PlanReport(
        plan=plan,
        update_round=update_round,
        period_label=_round_label(update_round) if update_round else "",
        rounds=rounds,
        priorities=[PriorityReport(priority, objectives_by_priority.get(priority.id, [])) for priority in priorities],
        decisions=decisions,
        meetings=meetings,
    )


def _metric_reports(plan: DeliveryPlan, update_round: UpdateRound | None) -> dict[str, dict[int, list[MetricReport]]]:
    """The plan's metrics with their values to the end of the round's period (all of them
    without a round), by objective and by activity."""
    values_query = MetricValue.objects.filter(metric__plan=plan).order_by("metric_id", "as_at")
    if update_round is not None:
        values_query = values_query.filter(as_at__lte=update_round.period_end)
    values_by_metric: dict[int, list[MetricValue]] = defaultdict(list)
    for value in values_query:
        values_by_metric[value.metric_id].append(value)
    grouped: dict[str, dict[int, list[MetricReport]]] = {"objective": defaultdict(list), "activity": defaultdict(list)}
    for metric in Metric.objects.filter(plan=plan).order_by("name", "id"):
        report = metric_report(metric, values_by_metric.get(metric.id, []))
        if metric.activity_id is not None:
            grouped["activity"][metric.activity_id].append(report)
        else:
            grouped["objective"][metric.objective_id].append(report)
    return grouped


def metric_report(metric: Metric, values: list[MetricValue]) -> MetricReport:
    """A metric with ``values`` (oldest first): its latest value against the comparison
    recorded with it, else against the value before it; and its chart."""
    report = MetricReport(metric=metric, values=values)
    if metric.being_defined or not values:
        return report
    latest = values[-1]
    report.latest = latest
    if latest.comparison_value is not None:
        report.basis = "comparison"
        report.basis_value = latest.comparison_value
        report.basis_as_at = latest.comparison_as_at
        report.basis_label = latest.get_comparison_kind_display().lower()
    elif len(values) > 1:
        previous = values[-2]
        report.basis = "previous"
        report.basis_value = previous.value
        report.basis_as_at = previous.as_at
        report.basis_label = "previous value"
    report.change = metric_change(value=latest.value, comparison=report.basis_value, direction=metric.direction)
    report.chart = _chart(metric, values)
    return report


def _chart(metric: Metric, values: list[MetricValue]) -> Chart:
    labels = [f"{value.as_at:%b %Y}" for value in values]
    if len(set(labels)) < len(labels):  # two values in a month: the day tells them apart
        labels = [f"{value.as_at.day} {value.as_at:%b %Y}" for value in values]
    places = max((max(0, -value.value.normalize().as_tuple().exponent) for value in values), default=0)
    return line_chart(
        title=metric.name,
        x_labels=labels,
        series={metric.name: [value.value for value in values]},
        unit=CHART_UNITS.get(metric.unit, ""),
        x_label="As at",
        value_label=CHART_AXES.get(metric.unit, ""),
        decimals=min(places, 2),
    )
