"""Reads of delivery plans for the officers' pages: the list, one plan's whole tree with each
objective's and activity's accepted progress and each metric's latest value, a metric's values,
and the metrics that answer a KPQ (for the KPQ page in reports).

Every read here costs a fixed number of queries however large the plan: rows are loaded level by
level (priorities, objectives, activities, metrics, values) and joined in Python."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from providers.models import Organisation

from ..models import (
    REPORTED_ROUNDS,
    Activity,
    DeliveryPlan,
    Metric,
    MetricValue,
    Objective,
    PlanPriority,
    PlanStatus,
    ProgressStatus,
    ProgressUpdate,
    UpdateRound,
    UpdateState,
)
from .metrics import Change, format_difference, format_metric_value, metric_change
from .progress import objective_status

# GOV.UK tag colours of a progress status (the tag's words say the status; colour only helps).
STATUS_TAGS = {
    ProgressStatus.NOT_STARTED: "grey",
    ProgressStatus.ON_TRACK: "green",
    ProgressStatus.SOME_SLIPPAGE: "yellow",
    ProgressStatus.OFF_TRACK: "red",
    ProgressStatus.COMPLETE: "blue",
}
STATUS_LABELS = dict(ProgressStatus.choices)


# The list -----------------------------------------------------------------------------------


def plan_list(*, fy: int | None = None, owner: int | None = None, status: str = "") -> QuerySet[DeliveryPlan]:
    """The officers' list of plans (of year ``fy``, of organisation ``owner``, with ``status``),
    newest year first, each with its owner and how many objectives and activities it has: one
    query whatever its length."""
    objectives = (
        Objective.objects.filter(plan=OuterRef("pk")).order_by().values("plan").annotate(n=Count("pk")).values("n")
    )
    activities = (
        Activity.objects.filter(plan=OuterRef("pk")).order_by().values("plan").annotate(n=Count("pk")).values("n")
    )
    rows = DeliveryPlan.objects.select_related("owner").annotate(
        objective_count=Subquery(objectives), activity_count=Subquery(activities)
    )
    if fy is not None:
        rows = rows.filter(fy=fy)
    if owner is not None:
        rows = rows.filter(owner_id=owner)
    if status in PlanStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-fy", "title", "pk")


def plan_years() -> list[int]:
    return sorted(set(DeliveryPlan.objects.values_list("fy", flat=True)), reverse=True)


def plan_owners() -> QuerySet[Organisation]:
    """The organisations that own at least one plan, by name (the list's filter)."""
    return Organisation.objects.filter(delivery_plans__isnull=False).distinct().order_by("name")


def access_plan(reference: str) -> DeliveryPlan:
    """The plan with ``reference`` (404 when there is none), its owner loaded. Who may read it is
    the view's capability check: every internal role reads every plan."""
    plan = DeliveryPlan.objects.select_related("owner").filter(reference=reference).first()
    if plan is None:
        raise Http404("No such delivery plan.")
    return plan


def rounds_of(plan: DeliveryPlan) -> QuerySet[UpdateRound]:
    """The plan's update rounds, latest period first, each with how many of its activities'
    updates there are and how many are accepted (one query)."""
    return plan.update_rounds.annotate(
        update_count=Count("updates", filter=Q(updates__activity__isnull=False)),
        accepted_count=Count("updates", filter=Q(updates__activity__isnull=False, updates__state=UpdateState.ACCEPTED)),
    ).order_by("-period_start")


# The tree -----------------------------------------------------------------------------------


@dataclass
class MetricRow:
    """A metric with its latest value and how that value compares."""

    metric: Metric
    latest: MetricValue | None
    change: Change | None

    @property
    def value_text(self) -> str:
        return format_metric_value(self.latest.value if self.latest else None, self.metric.unit)

    @property
    def comparison_text(self) -> str:
        if self.latest is None or self.latest.comparison_value is None:
            return ""
        return format_metric_value(self.latest.comparison_value, self.metric.unit)

    @property
    def difference_text(self) -> str:
        return format_difference(self.change, self.metric.unit) if self.change else ""

    @property
    def verdict(self) -> str:
        return self.change.verdict if self.change else ""

    @property
    def verdict_label(self) -> str:
        return self.change.verdict_label if self.change else "No comparison"


@dataclass
class Progress:
    status: str  # a ProgressStatus value, or "" when nothing accepted says
    from_activities: bool = False  # an objective's status worked out from its activities'

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, "No accepted update")

    @property
    def tag(self) -> str:
        return STATUS_TAGS.get(self.status, "grey")


@dataclass
class ActivityNode:
    activity: Activity
    progress: Progress
    metrics: list[MetricRow] = field(default_factory=list)


@dataclass
class ObjectiveNode:
    objective: Objective
    progress: Progress
    activities: list[ActivityNode] = field(default_factory=list)
    metrics: list[MetricRow] = field(default_factory=list)


@dataclass
class PriorityNode:
    plan_priority: PlanPriority
    objectives: list[ObjectiveNode] = field(default_factory=list)


@dataclass
class PlanTree:
    plan: DeliveryPlan
    priorities: list[PriorityNode]
    update_round: UpdateRound | None  # whose accepted updates give the progress shown

    @property
    def objective_count(self) -> int:
        return sum(len(node.objectives) for node in self.priorities)

    @property
    def activity_count(self) -> int:
        return sum(len(objective.activities) for node in self.priorities for objective in node.objectives)


def reported_round(plan: DeliveryPlan) -> UpdateRound | None:
    """The plan's most recent update round whose updates have been accepted (accepted, or since
    considered by a board)."""
    return UpdateRound.objects.filter(plan=plan, status__in=REPORTED_ROUNDS).order_by("-period_start", "-pk").first()


def _accepted_statuses(update_round: UpdateRound | None) -> tuple[dict[int, str], dict[int, str]]:
    """The round's accepted statuses: by activity id, and objectives' own by objective id."""
    by_activity: dict[int, str] = {}
    by_objective: dict[int, str] = {}
    if update_round is None:
        return by_activity, by_objective
    rows = ProgressUpdate.objects.filter(update_round=update_round, state=UpdateState.ACCEPTED).values_list(
        "activity_id", "objective_id", "progress"
    )
    for activity_id, objective_id, progress in rows:
        if activity_id:
            by_activity[activity_id] = progress
        elif objective_id:
            by_objective[objective_id] = progress
    return by_activity, by_objective


def latest_values(**metrics) -> dict[int, MetricValue]:
    """The latest value (by its as-at date) of each metric chosen by ``metrics`` (filters on
    the value, e.g. ``metric__plan=plan``), by metric id, in one query."""
    newest = MetricValue.objects.filter(metric=OuterRef("metric")).order_by("-as_at").values("as_at")[:1]
    values = MetricValue.objects.filter(**metrics).filter(as_at=Subquery(newest))
    return {value.metric_id: value for value in values}


def metric_row(metric: Metric, latest: MetricValue | None) -> MetricRow:
    change = None
    if latest is not None:
        change = metric_change(value=latest.value, comparison=latest.comparison_value, direction=metric.direction)
    return MetricRow(metric=metric, latest=latest, change=change)


def _metric_rows(plan: DeliveryPlan) -> tuple[dict[int, list[MetricRow]], dict[int, list[MetricRow]]]:
    """The plan's metrics with their latest values: by objective id and by activity id."""
    metrics = list(Metric.objects.filter(plan=plan).select_related("kpq").order_by("name", "pk"))
    latest = latest_values(metric__plan=plan)
    of_objective: dict[int, list[MetricRow]] = {}
    of_activity: dict[int, list[MetricRow]] = {}
    for metric in metrics:
        row = metric_row(metric, latest.get(metric.pk))
        if metric.activity_id:
            of_activity.setdefault(metric.activity_id, []).append(row)
        else:
            of_objective.setdefault(metric.objective_id, []).append(row)
    return of_objective, of_activity


def plan_tree(plan: DeliveryPlan) -> PlanTree:
    """The whole plan as its page shows it: priorities in order, their objectives and activities
    by number, each with its progress in the latest reported round and its metrics. An objective
    without an accepted update of its own takes its activities' overall status. At most eight
    queries whatever the plan's size."""
    update_round = reported_round(plan)
    by_activity, by_objective = _accepted_statuses(update_round)
    metrics_of_objective, metrics_of_activity = _metric_rows(plan)
    activities: dict[int, list[ActivityNode]] = {}
    rows = Activity.objects.filter(plan=plan).select_related("lead_organisation", "lead_user").order_by("sort_key")
    for activity in rows:
        node = ActivityNode(
            activity, Progress(by_activity.get(activity.pk, "")), metrics_of_activity.get(activity.pk, [])
        )
        activities.setdefault(activity.objective_id, []).append(node)
    objectives: dict[int, list[ObjectiveNode]] = {}
    for objective in Objective.objects.filter(plan=plan).prefetch_related("kpqs").order_by("sort_key"):
        children = activities.get(objective.pk, [])
        status, derived = objective_status(
            by_objective.get(objective.pk, ""), (child.progress.status for child in children)
        )
        progress = Progress(status, from_activities=derived)
        node = ObjectiveNode(objective, progress, children, metrics_of_objective.get(objective.pk, []))
        objectives.setdefault(objective.plan_priority_id, []).append(node)
    priorities = [
        PriorityNode(plan_priority, objectives.get(plan_priority.pk, []))
        for plan_priority in PlanPriority.objects.filter(plan=plan)
        .select_related("priority")
        .order_by("position", "pk")
    ]
    return PlanTree(plan=plan, priorities=priorities, update_round=update_round)


# One metric ---------------------------------------------------------------------------------


def access_metric(plan: DeliveryPlan, pk: int) -> Metric:
    """The plan's metric ``pk`` with what it measures (404 when the plan has no such metric)."""
    metric = (
        Metric.objects.select_related("objective", "activity", "kpq", "plan", "plan__owner")
        .filter(plan=plan, pk=pk)
        .first()
    )
    if metric is None:
        raise Http404("No such metric in this plan.")
    return metric


@dataclass
class ValueRow:
    value: MetricValue
    change: Change
    unit: str

    @property
    def value_text(self) -> str:
        return format_metric_value(self.value.value, self.unit)

    @property
    def comparison_text(self) -> str:
        return format_metric_value(self.value.comparison_value, self.unit, missing="")

    @property
    def difference_text(self) -> str:
        return format_difference(self.change, self.unit)


def metric_values(metric: Metric) -> list[ValueRow]:
    """The metric's values, oldest first, each with its comparison's change."""
    rows = []
    for value in MetricValue.objects.filter(metric=metric).order_by("as_at"):
        change = metric_change(value=value.value, comparison=value.comparison_value, direction=metric.direction)
        rows.append(ValueRow(value=value, change=change, unit=metric.unit))
    return rows


# The KPQ page -------------------------------------------------------------------------------


def kpq_metrics(kpq) -> list[MetricRow]:
    """The metrics of every plan that answer ``kpq``, with their latest values: two queries."""
    metrics = list(
        Metric.objects.filter(kpq=kpq)
        .select_related("plan", "objective", "activity")
        .order_by("-plan__fy", "plan__reference", "name", "pk")
    )
    latest = latest_values(metric__kpq=kpq)
    return [metric_row(metric, latest.get(metric.pk)) for metric in metrics]
