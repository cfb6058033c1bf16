"""Import kind ``plan_updates`` (pcc_commissioning.interchange; docs/formats.md "plan_updates
(import)"): a plan's progress updates and metric values for a period, from the spreadsheet a
force keeps. Needs ``--plan REF --period CODE``; all or nothing.

A row is about an activity (``activity_number``) or, without one, about its objective. Its
``status``/``update`` are that activity's (or objective's own) progress update, submitted by the
importing officer and left for acceptance on the round's page; its ``metric`` and ``value`` are
a value of that metric (created, with the row's ``unit``, if the objective or activity has no
metric of that name). The round for the period is opened, without e-mails, if there is none."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError

from pcc_commissioning import clock
from pcc_commissioning.interchange.cells import parse_choice, parse_date
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer, row_savepoint
from pcc_commissioning.periods import parse_period_input, period_code

from ..models import (
    Activity,
    DeliveryPlan,
    Metric,
    MetricUnit,
    Objective,
    ProgressStatus,
    UpdateRound,
    UpdateRoundStatus,
    UpdateState,
)
from ..plans.services import metric_save, metric_value_record
from .services import ROUND_KINDS, objective_update_get_or_create, progress_update_submit, update_round_open

COLUMNS = (
    "objective_number",
    "activity_number",
    "status",
    "update",
    "metric",
    "value",
    "unit",
    "as_at",
    "comparison_value",
    "comparison_as_at",
)
UPDATE_COLUMNS = {"progress": "status", "narrative": "update", "__all__": ""}
VALUE_COLUMNS = {"value": "value", "as_at": "as_at", "comparison_value": "comparison_value"}


def _plan_and_period(context: RowContext) -> tuple[DeliveryPlan | None, str]:
    plan = DeliveryPlan.objects.filter(reference__iexact=context.options["plan"]).first()
    if plan is None:
        context.add(1, "", f"There is no delivery plan {context.options['plan']} (--plan).")
    try:
        code = period_code(parse_period_input(context.options["period"], kinds=ROUND_KINDS))
    except ValueError as exc:
        context.add(1, "", f"--period: {exc}")
        code = ""
    return plan, code


class _Plan:
    """The plan's objectives, activities and metrics, read once."""

    def __init__(self, plan: DeliveryPlan):
        self.plan = plan
        self.objectives = {o.number: o for o in Objective.objects.filter(plan=plan)}
        self.activities = {a.number: a for a in Activity.objects.filter(plan=plan).select_related("objective")}
        self.metrics: dict[tuple[str, int, str], Metric] = {}
        for metric in Metric.objects.filter(plan=plan):
            owner = ("activity", metric.activity_id) if metric.activity_id else ("objective", metric.objective_id)
            self.metrics[(*owner, metric.name.lower())] = metric


def _row_owner(reader: RowReader, tree: _Plan) -> tuple[Objective | None, Activity | None]:
    """The objective and activity the row is about (errors recorded when unknown)."""
    objective_number = reader.value("objective_number")
    activity_number = reader.value("activity_number")
    objective = activity = None
    if activity_number:
        activity = tree.activities.get(activity_number)
        if activity is None:
            reader.error("activity_number", f"Plan {tree.plan.reference} has no activity {activity_number}.")
        elif objective_number and activity.objective.number != objective_number:
            reader.error(
                "activity_number",
                f"Activity {activity_number} comes under objective {activity.objective.number}, not {objective_number}.",
            )
        else:
            objective = activity.objective
    elif objective_number:
        objective = tree.objectives.get(objective_number)
        if objective is None:
            reader.error("objective_number", f"Plan {tree.plan.reference} has no objective {objective_number}.")
    else:
        reader.error("objective_number", "Give the objective's number (and the activity's, for an activity's row).")
    return objective, activity


def _check(reader: RowReader, tree: _Plan, seen: dict) -> dict | None:
    """The row's cells checked against the plan; None if the row is bad (errors recorded)."""
    objective, activity = _row_owner(reader, tree)
    status = reader.value("status", partial(parse_choice, choices=ProgressStatus.values), default="")
    narrative = reader.value("update", default="")
    metric_name = reader.value("metric", default="")
    unit = reader.value("unit", partial(parse_choice, choices=MetricUnit.values), default="")
    value = reader.value("value", default="")
    as_at = reader.value("as_at", parse_date)
    comparison_value = reader.value("comparison_value", default="")
    comparison_as_at = reader.value("comparison_as_at", parse_date)
    has_update = bool(status or narrative)
    if not has_update and not metric_name:
        reader.error("", "The row has neither a status or update nor a metric: give one of them.")
    if not metric_name:
        for column, given in (
            ("value", value),
            ("unit", unit),
            ("as_at", as_at),
            ("comparison_value", comparison_value),
        ):
            if given:
                reader.error(column, "A value needs the metric it belongs to (the metric column is empty).")
    else:
        if not value:
            reader.error("value", f"Give the value of {metric_name}.")
        if not reader.row.get("as_at"):
            reader.error("as_at", f"Give the date the value of {metric_name} is as at (YYYY-MM-DD).")
    if not reader.ok:
        return None
    owner = ("activity", activity.pk) if activity else ("objective", objective.pk)
    metric = tree.metrics.get((*owner, metric_name.lower())) if metric_name else None
    if metric_name and metric is None and not unit:
        where = f"activity {activity.number}" if activity else f"objective {objective.number}"
        reader.error("unit", f"{where.capitalize()} has no metric {metric_name}: give its unit to create it.")
    elif metric is not None and unit and metric.unit != unit:
        reader.error("unit", f"{metric.name} is measured as {metric.unit}, not {unit}.")
    if has_update:
        earlier = seen.get(owner)
        if earlier is not None and earlier[1] != (status, narrative):
            what = f"Activity {activity.number}" if activity else f"Objective {objective.number}"
            reader.error("update", f"{what}'s update is given differently on row {earlier[0]} already.")
        seen.setdefault(owner, (reader.row.number, (status, narrative)))
    if not reader.ok:
        return None
    return {
        "objective": objective,
        "activity": activity,
        "status": status,
        "narrative": narrative,
        "has_update": has_update and seen[owner][0] == reader.row.number,
        "metric_name": metric_name,
        "metric": metric,
        "unit": unit,
        "value": value,
        "as_at": as_at,
        "comparison_value": comparison_value,
        "comparison_as_at": comparison_as_at,
    }


def _round(plan: DeliveryPlan, code: str, actor, context: RowContext) -> UpdateRound | None:
    found = UpdateRound.objects.filter(plan=plan, period=code).first()
    if found is not None:
        if found.status != UpdateRoundStatus.OPEN:
            context.add(1, "", f"The {code} update round of {plan.reference} is {found.get_status_display().lower()}.")
            return None
        return found
    period = parse_period_input(code, kinds=ROUND_KINDS)
    today = clock.today()
    try:
        update_round = update_round_open(
            actor=actor, plan=plan, period=code, deadline=max(period.end, today), notify=False
        )
    except ValidationError as exc:
        for message in exc.messages:
            context.add(1, "", message)
        return None
    # The officer brings in what the leads have already sent: nobody is reminded of it.
    update_round.reminded_on = today
    update_round.save(update_fields=["reminded_on"])
    return update_round


def _write_update(checked: dict, update_round: UpdateRound, actor, result: ImportResult) -> None:
    if checked["activity"] is not None:
        update = (
            update_round.updates.select_related("update_round", "activity").filter(activity=checked["activity"]).first()
        )
        if update is None:  # an activity added after the round opened
            update = update_round.updates.create(activity=checked["activity"])
    else:
        update = objective_update_get_or_create(actor=actor, update_round=update_round, objective=checked["objective"])
    if update.state in (UpdateState.SUBMITTED, UpdateState.ACCEPTED) and (update.progress, update.narrative) == (
        checked["status"],
        checked["narrative"],
    ):
        result.skipped += 1
        return
    if update.state in (UpdateState.SUBMITTED, UpdateState.ACCEPTED):
        raise ValidationError(
            {"narrative": [f"This update is {update.get_state_display().lower()} already with another text."]}
        )
    progress_update_submit(actor=actor, update=update, progress=checked["status"], narrative=checked["narrative"])
    result.updated += 1


def _write_value(checked: dict, tree: _Plan, update_round: UpdateRound, actor, result: ImportResult) -> None:
    metric = checked["metric"]
    if metric is None:
        owner = {"activity": checked["activity"]} if checked["activity"] else {"objective": checked["objective"]}
        key = ("activity", checked["activity"].pk) if checked["activity"] else ("objective", checked["objective"].pk)
        metric = tree.metrics.get((*key, checked["metric_name"].lower()))
        if metric is None:
            metric = metric_save(
                actor=actor,
                plan=tree.plan,
                expected_version=None,
                name=checked["metric_name"],
                unit=checked["unit"],
                **owner,
            )
            tree.metrics[(*key, metric.name.lower())] = metric
    metric_value_record(
        actor=actor,
        metric=metric,
        as_at=checked["as_at"],
        value=checked["value"],
        comparison_value=checked["comparison_value"] or None,
        comparison_as_at=checked["comparison_as_at"],
        update_round=update_round,
    )
    result.created += 1


@importer(
    "plan_updates",
    columns=COLUMNS,
    required=("objective_number", "activity_number"),
    capability="delivery.import",
    options=("plan", "period"),
    description="A delivery plan's progress updates and metric values for a period (--plan REF --period CODE).",
)
def import_plan_updates(rows, *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult("plan_updates")
    plan, code = _plan_and_period(context)
    if plan is None or not code:
        return result
    tree = _Plan(plan)
    seen: dict = {}
    checked_rows = []
    for row in rows:
        checked = _check(RowReader(row, context), tree, seen)
        if checked is not None:
            checked_rows.append((row, checked))
    if context.errors:
        return result  # nothing is written when any row is bad
    update_round = _round(plan, code, actor, context)
    if update_round is None:
        return result
    for row, checked in checked_rows:
        if checked["has_update"]:
            with row_savepoint(row, context, UPDATE_COLUMNS):
                _write_update(checked, update_round, actor, result)
        if checked["metric_name"]:
            with row_savepoint(row, context, VALUE_COLUMNS | {"name": "metric", "unit": "unit"}):
                _write_value(checked, tree, update_round, actor, result)
    return result
