"""Every write to a delivery plan: the plan, its priorities, objectives, activities and metrics,
and metric values.

The tree is one record to the people editing it: each edit of the plan or of a row in it carries
the plan's ``version`` (``expected_version``), so two officers editing the same plan never
silently overwrite each other; a stale edit changes nothing. An archived plan is read-only.
Metric values are the exception: leads record them in update rounds without holding the plan
(``metric_value_record`` keeps one value per metric and date).

Writes need ``delivery.edit`` (metric values: ``delivery.edit`` or ``delivery.contribute``; the
record-level rule for contributors is checked in ``delivery.updates.access`` before this is
called). ``actor`` None is the system (imports, the demo)."""

# long module: the plan's tree is edited row by row (priorities, objectives, activities, metrics
# and values), each with its own rules; they share the plan's lock and are kept together.

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import year_problem
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields

from ..models import (
    ACTIVITY_NUMBER,
    OBJECTIVE_NUMBER,
    Activity,
    ComparisonKind,
    DeliveryPlan,
    Direction,
    Metric,
    MetricUnit,
    MetricValue,
    Objective,
    PlanPriority,
    PlanStatus,
    UpdateRound,
    number_sort_key,
)

PLAN_FIELDS = ("reference", "title", "owner", "fy", "summary")
PRIORITY_FIELDS = ("title", "outcome", "strategy", "position", "priority")
OBJECTIVE_FIELDS = ("plan_priority", "number", "title")
ACTIVITY_FIELDS = ("objective", "number", "title", "lead", "lead_organisation", "lead_user", "start_date", "end_date")
METRIC_FIELDS = ("name", "unit", "source", "direction", "being_defined", "definition", "kpq")
READ_ONLY = "Plan {reference} is archived: it cannot be changed."
VALUE_LIMIT = Decimal("1e12")


def _too_long(errors: Errors, model, values: dict[str, Any]) -> None:
    for name, value in values.items():
        field = model._meta.get_field(name)
        if isinstance(value, str) and getattr(field, "max_length", None) and len(value) > field.max_length:
            add_error(errors, name, f"The {field.verbose_name} must be {field.max_length} characters or fewer.")


def _lock_plan(plan: DeliveryPlan, expected_version: int | None) -> DeliveryPlan:
    locked = lock_for_update(plan, expected_version=expected_version)
    if locked.status == PlanStatus.ARCHIVED:
        raise ValidationError(READ_ONLY.format(reference=locked.reference))
    return locked


def _save_plan_row(locked: DeliveryPlan, actor) -> None:
    """Save the locked plan (its version bumped by the lock), attributed to ``actor``."""
    attribute_to(locked, actor)
    locked.save()


def _related_changed(instance, name: str, items) -> bool:
    """Whether setting the many-to-many ``name`` of ``instance`` to ``items`` would change it
    (``items`` None: it is left as it is)."""
    if items is None:
        return False
    if instance.pk is None:
        return bool(list(items))
    return {item.pk for item in items} != set(getattr(instance, name).values_list("pk", flat=True))


def _unchanged(locked: DeliveryPlan) -> None:
    """Nothing was changed: the plan keeps its version (``lock_for_update`` counted one in
    memory only), so a colleague's form opened on the same version is still good."""
    locked.version -= 1


def _save(instance, actor, *, duplicate: tuple[str, str]) -> None:
    """Save ``instance``; a unique constraint caught only by the database (two people adding
    the same number at once) becomes the same message as the service's own check."""
    attribute_to(instance, actor)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        field, message = duplicate
        raise ValidationError({field: [message]}) from None


# The plan ------------------------------------------------------------------------------------


def _clean_plan(*, instance: DeliveryPlan, changes: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, PLAN_FIELDS, "plan")
    values = {name: getattr(instance, name) for name in ("reference", "title", "fy", "summary")}
    values["owner"] = instance.owner if instance.owner_id else None
    values.update(changes)
    errors: Errors = {}
    for name in ("reference", "title", "summary"):
        values[name] = clean_text(values[name])
    if not values["reference"]:
        add_error(errors, "reference", "Enter the plan's reference, e.g. FDP-2019.")
    elif DeliveryPlan.objects.filter(reference__iexact=values["reference"]).exclude(pk=instance.pk).exists():
        add_error(errors, "reference", f"There is already a plan with the reference {values['reference']}.")
    if not values["title"]:
        add_error(errors, "title", "Enter the plan's title, e.g. Force Delivery Plan 2019/20.")
    if values["owner"] is None:
        add_error(errors, "owner", "Choose the organisation that owns the plan.")
    if values["fy"] in (None, ""):
        add_error(errors, "fy", "Enter the financial year the plan is for, e.g. 2019 for 2019/20.")
    else:
        problem = year_problem(values["fy"], what="The financial year")
        if problem:
            add_error(errors, "fy", problem)
        else:
            values["fy"] = int(values["fy"])
    _too_long(errors, DeliveryPlan, values)
    raise_if_errors(errors)
    return values


@transaction.atomic
def plan_create(*, actor, priorities=(), kpqs=(), **fields: Any) -> DeliveryPlan:
    """A draft plan. ``fields``: reference, title, owner (an Organisation), fy, summary;
    ``priorities`` and ``kpqs``: the Police and Crime Plan's priorities and KPQs it serves."""
    require_capability(actor, "delivery.edit", "delivery.import")
    values = _clean_plan(instance=DeliveryPlan(), changes=fields)
    plan = DeliveryPlan(**values, status=PlanStatus.DRAFT, created_by=actor)
    _save(plan, actor, duplicate=("reference", f"There is already a plan with the reference {plan.reference}."))
    plan.priorities.set(list(priorities))
    plan.kpqs.set(list(kpqs))
    return plan


@transaction.atomic
def plan_update(
    *, actor, plan: DeliveryPlan, expected_version: int | None, priorities=None, kpqs=None, **fields: Any
) -> DeliveryPlan:
    """Change the plan's own details (``priorities``/``kpqs`` None: left as they are)."""
    require_capability(actor, "delivery.edit", "delivery.import")
    locked = _lock_plan(plan, expected_version)
    values = _clean_plan(instance=locked, changes=fields)
    priorities = None if priorities is None else list(priorities)
    kpqs = None if kpqs is None else list(kpqs)
    changed = model_update(instance=locked, data=values)
    if not (changed or _related_changed(locked, "priorities", priorities) or _related_changed(locked, "kpqs", kpqs)):
        _unchanged(locked)
        return locked
    _save(locked, actor, duplicate=("reference", f"There is already a plan with the reference {locked.reference}."))
    if priorities is not None:
        locked.priorities.set(list(priorities))
    if kpqs is not None:
        locked.kpqs.set(list(kpqs))
    return locked


# Priorities ----------------------------------------------------------------------------------


def _clean_priority(plan: DeliveryPlan, instance: PlanPriority, changes: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, PRIORITY_FIELDS, "priority")
    values = {name: getattr(instance, name) for name in ("title", "outcome", "strategy", "position")}
    values["priority"] = instance.priority if instance.priority_id else None
    values.update(changes)
    errors: Errors = {}
    for name in ("title", "outcome", "strategy"):
        values[name] = clean_text(values[name])
    if not values["title"]:
        add_error(errors, "title", "Enter the priority's title.")
    elif plan.plan_priorities.filter(title__iexact=values["title"]).exclude(pk=instance.pk).exists():
        add_error(errors, "title", f"The plan already has a priority called {values['title']}.")
    if values["position"] in (None, ""):
        values["position"] = (plan.plan_priorities.count() + 1) if instance.pk is None else instance.position
    _too_long(errors, PlanPriority, {"title": values["title"]})
    raise_if_errors(errors)
    return values


@transaction.atomic
def plan_priority_save(
    *, actor, plan: DeliveryPlan, expected_version: int | None, plan_priority: PlanPriority | None = None, **fields
) -> PlanPriority:
    """Add a priority to the plan (``plan_priority`` None) or change one of its priorities."""
    require_capability(actor, "delivery.edit", "delivery.import")
    locked = _lock_plan(plan, expected_version)
    instance = plan_priority if plan_priority is not None else PlanPriority(plan=locked)
    if instance.plan_id != locked.pk:
        raise ValidationError({"title": ["That priority belongs to another plan."]})
    values = _clean_priority(locked, instance, fields)
    if not model_update(instance=instance, data=values) and instance.pk is not None:
        _unchanged(locked)
        return instance
    _save(instance, actor, duplicate=("title", f"The plan already has a priority called {instance.title}."))
    _save_plan_row(locked, actor)
    return instance


@transaction.atomic
def plan_priority_delete(*, actor, plan_priority: PlanPriority, expected_version: int | None) -> None:
    """Remove a priority with no objectives left under it."""
    require_capability(actor, "delivery.edit")
    locked = _lock_plan(plan_priority.plan, expected_version)
    if plan_priority.objectives.exists():
        raise ValidationError("Move or remove the priority's objectives first.")
    plan_priority.delete()
    _save_plan_row(locked, actor)


# Objectives ----------------------------------------------------------------------------------


def _clean_objective(plan: DeliveryPlan, instance: Objective, changes: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, OBJECTIVE_FIELDS, "objective")
    values = {"number": instance.number, "title": instance.title}
    values["plan_priority"] = instance.plan_priority if instance.plan_priority_id else None
    values.update(changes)
    errors: Errors = {}
    values["number"] = clean_text(values["number"])
    values["title"] = clean_text(values["title"])
    if values["plan_priority"] is None:
        add_error(errors, "plan_priority", "Choose the priority the objective comes under.")
    elif values["plan_priority"].plan_id != plan.pk:
        add_error(errors, "plan_priority", "Choose one of this plan's priorities.")
    _check_number(errors, values["number"], OBJECTIVE_NUMBER, "objective", "1.2")
    if "number" not in errors and plan.objectives.filter(number=values["number"]).exclude(pk=instance.pk).exists():
        add_error(errors, "number", f"The plan already has an objective {values['number']}.")
    if not values["title"]:
        add_error(errors, "title", "Enter the objective.")
    raise_if_errors(errors)
    return values


def _check_number(errors: Errors, number: str, pattern: str, what: str, example: str) -> None:
    if not number:
        add_error(errors, "number", f"Enter the {what}'s number, e.g. {example}.")
    elif not re.fullmatch(pattern.removeprefix("^").removesuffix("$"), number):
        add_error(errors, "number", f"An {what}'s number looks like {example}, not {number}.")


@transaction.atomic
def objective_save(
    *, actor, plan: DeliveryPlan, expected_version: int | None, objective: Objective | None = None, kpqs=None, **fields
) -> Objective:
    """Add an objective (``objective`` None) or change one. Renumbering an objective renumbers
    its activities with it ("1.2.3" becomes "1.4.3" when 1.2 becomes 1.4)."""
    require_capability(actor, "delivery.edit", "delivery.import")
    locked = _lock_plan(plan, expected_version)
    instance = objective if objective is not None else Objective(plan=locked)
    if instance.plan_id != locked.pk:
        raise ValidationError({"number": ["That objective belongs to another plan."]})
    old_number = instance.number
    values = _clean_objective(locked, instance, fields)
    kpqs = None if kpqs is None else list(kpqs)
    changed = model_update(instance=instance, data=values)
    if instance.pk is not None and not changed and not _related_changed(instance, "kpqs", kpqs):
        _unchanged(locked)
        return instance
    instance.sort_key = number_sort_key(instance.number)
    _save(instance, actor, duplicate=("number", f"The plan already has an objective {instance.number}."))
    if instance.pk and old_number and old_number != instance.number:
        _renumber_activities(instance, old_number, actor)
    if kpqs is not None:
        instance.kpqs.set(list(kpqs))
    _save_plan_row(locked, actor)
    return instance


def _renumber_activities(objective: Objective, old_number: str, actor) -> None:
    activities = list(objective.activities.all())
    # Two passes, so a renumbering that swaps numbers never meets itself half way.
    for activity in activities:
        activity.number = f"tmp.{activity.pk}"
    for activity in activities:
        suffix = activity.sort_key.split(".")[-1].lstrip("0") or "0"
        activity.number = f"{objective.number}.{suffix}"
        activity.sort_key = number_sort_key(activity.number)
        _save(activity, actor, duplicate=("number", f"The plan already has an activity {activity.number}."))


@transaction.atomic
def objective_delete(*, actor, objective: Objective, expected_version: int | None) -> None:
    """Remove an objective with no activities left under it (its metrics and updates go too)."""
    require_capability(actor, "delivery.edit")
    locked = _lock_plan(objective.plan, expected_version)
    if objective.activities.exists():
        raise ValidationError("Move or remove the objective's activities first.")
    objective.delete()
    _save_plan_row(locked, actor)


# Activities ----------------------------------------------------------------------------------


def _clean_activity(plan: DeliveryPlan, instance: Activity, changes: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, ACTIVITY_FIELDS, "activity")
    values = {name: getattr(instance, name) for name in ("number", "title", "lead", "start_date", "end_date")}
    for name in ("objective", "lead_organisation", "lead_user"):
        values[name] = getattr(instance, name) if getattr(instance, f"{name}_id") else None
    values.update(changes)
    errors: Errors = {}
    for name in ("number", "title", "lead"):
        values[name] = clean_text(values[name])
    objective = values["objective"]
    if objective is None:
        add_error(errors, "objective", "Choose the objective the activity comes under.")
    elif objective.plan_id != plan.pk:
        add_error(errors, "objective", "Choose one of this plan's objectives.")
    _check_number(errors, values["number"], ACTIVITY_NUMBER, "activity", "1.2.3")
    if "number" not in errors and objective is not None:
        if values["number"].rsplit(".", 1)[0] != objective.number:
            add_error(
                errors,
                "number",
                f"Activity {values['number']} does not belong to objective {objective.number}: "
                f"its number starts {objective.number}.",
            )
        elif plan.activities.filter(number=values["number"]).exclude(pk=instance.pk).exists():
            add_error(errors, "number", f"The plan already has an activity {values['number']}.")
    if not values["title"]:
        add_error(errors, "title", "Enter the activity.")
    for name in ("start_date", "end_date"):
        if values[name] is not None and not isinstance(values[name], datetime.date):
            add_error(errors, name, "Enter a real date.")
    if (
        isinstance(values["start_date"], datetime.date)
        and isinstance(values["end_date"], datetime.date)
        and values["end_date"] < values["start_date"]
    ):
        add_error(errors, "end_date", "The end date must be on or after the start date.")
    user = values["lead_user"]
    if user is not None and not user.is_active:
        add_error(errors, "lead_user", f"{user.get_full_name() or user.username}'s account is not active.")
    _too_long(errors, Activity, {"lead": values["lead"]})
    raise_if_errors(errors)
    return values


@transaction.atomic
def activity_save(
    *, actor, plan: DeliveryPlan, expected_version: int | None, activity: Activity | None = None, **fields
) -> Activity:
    """Add an activity (``activity`` None) or change one: its number ("1.2.3", under objective
    1.2), what it is, its lead (a name, an organisation and the account asked for updates) and
    its dates."""
    require_capability(actor, "delivery.edit", "delivery.import")
    locked = _lock_plan(plan, expected_version)
    instance = activity if activity is not None else Activity(plan=locked)
    if instance.plan_id != locked.pk:
        raise ValidationError({"number": ["That activity belongs to another plan."]})
    values = _clean_activity(locked, instance, fields)
    if not model_update(instance=instance, data=values) and instance.pk is not None:
        _unchanged(locked)
        return instance
    instance.sort_key = number_sort_key(instance.number)
    _save(instance, actor, duplicate=("number", f"The plan already has an activity {instance.number}."))
    _save_plan_row(locked, actor)
    return instance


@transaction.atomic
def activity_delete(*, actor, activity: Activity, expected_version: int | None) -> None:
    """Remove an activity with no updates accepted for it (its metrics go too)."""
    require_capability(actor, "delivery.edit")
    locked = _lock_plan(activity.plan, expected_version)
    if activity.updates.exclude(state="requested").exists():
        raise ValidationError(f"Activity {activity.number} has updates: it is kept as part of the record.")
    activity.delete()
    _save_plan_row(locked, actor)


# Metrics -------------------------------------------------------------------------------------


def _clean_metric(instance: Metric, changes: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, METRIC_FIELDS, "metric")
    values = {name: getattr(instance, name) for name in METRIC_FIELDS if name != "kpq"}
    values["kpq"] = instance.kpq if instance.kpq_id else None
    values.update(changes)
    errors: Errors = {}
    for name in ("name", "source", "definition"):
        values[name] = clean_text(values[name])
    values["unit"] = clean_text(values["unit"]) or MetricUnit.PERCENT
    values["direction"] = clean_text(values["direction"]) or Direction.HIGHER_IS_BETTER
    values["being_defined"] = bool(values["being_defined"])
    if not values["name"]:
        add_error(errors, "name", "Enter the metric's name.")
    if values["unit"] not in MetricUnit.values:
        add_error(errors, "unit", f"The unit must be one of {', '.join(MetricUnit.values)}, not {values['unit']}.")
    if values["direction"] not in Direction.values:
        add_error(errors, "direction", "Choose whether higher is better or worse.")
    _too_long(errors, Metric, {"name": values["name"], "source": values["source"]})
    raise_if_errors(errors)
    return values


def _metric_name_taken(instance: Metric, name: str) -> bool:
    siblings = (
        Metric.objects.filter(activity=instance.activity_id)
        if instance.activity_id
        else Metric.objects.filter(objective=instance.objective_id, activity__isnull=True)
    )
    return siblings.filter(name__iexact=name).exclude(pk=instance.pk).exists()


@transaction.atomic
def metric_save(
    *,
    actor,
    plan: DeliveryPlan,
    expected_version: int | None,
    metric: Metric | None = None,
    objective: Objective | None = None,
    activity: Activity | None = None,
    **fields,
) -> Metric:
    """Add a metric to an objective or an activity (give one of them), or change ``metric``."""
    require_capability(actor, "delivery.edit", "delivery.import")
    locked = _lock_plan(plan, expected_version)
    if metric is None:
        if (objective is None) == (activity is None):
            raise ValidationError({"name": ["A metric measures an objective or an activity: choose one."]})
        owner = objective or activity
        if owner.plan_id != locked.pk:
            raise ValidationError({"name": ["Choose an objective or activity of this plan."]})
        metric = Metric(plan=locked, objective=objective, activity=activity)
    elif metric.plan_id != locked.pk:
        raise ValidationError({"name": ["That metric belongs to another plan."]})
    values = _clean_metric(metric, fields)
    if _metric_name_taken(metric, values["name"]):
        raise ValidationError({"name": [f"There is already a metric called {values['name']} here."]})
    if not model_update(instance=metric, data=values) and metric.pk is not None:
        _unchanged(locked)
        return metric
    _save(metric, actor, duplicate=("name", f"There is already a metric called {metric.name} here."))
    _save_plan_row(locked, actor)
    return metric


@transaction.atomic
def metric_delete(*, actor, metric: Metric, expected_version: int | None) -> None:
    require_capability(actor, "delivery.edit")
    locked = _lock_plan(metric.plan, expected_version)
    metric.delete()
    _save_plan_row(locked, actor)


# Metric values -------------------------------------------------------------------------------


def _decimal(errors: Errors, field: str, value: Any, what: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        add_error(errors, field, f"The {what} must be a number, not {value}.")
        return None
    if not number.is_finite() or abs(number) >= VALUE_LIMIT:
        add_error(errors, field, f"The {what} must be a number below a million million.")
        return None
    if number != number.quantize(Decimal("0.0001")):
        add_error(errors, field, f"The {what} may have at most 4 decimal places.")
        return None
    return number


def _clean_value(metric: Metric, values: dict[str, Any]) -> dict[str, Any]:
    errors: Errors = {}
    clean = {
        "value": _decimal(errors, "value", values["value"], "value"),
        "comparison_value": _decimal(errors, "comparison_value", values["comparison_value"], "comparison value"),
        "comparison_as_at": values["comparison_as_at"],
        "comparison_kind": clean_text(values["comparison_kind"]) or ComparisonKind.EARLIER,
        "period_label": clean_text(values["period_label"]),
    }
    if values["value"] in (None, ""):
        add_error(errors, "value", f"Enter the value of {metric.name}.")
    if metric.being_defined:
        add_error(errors, "value", f"{metric.name} is still being defined: it has no values yet.")
    if not isinstance(values["as_at"], datetime.date):
        add_error(errors, "as_at", "Enter the date the value is as at.")
    if clean["comparison_as_at"] is not None and clean["comparison_value"] is None and "comparison_value" not in errors:
        add_error(errors, "comparison_value", "Enter the comparison value, or leave its date blank.")
    if clean["comparison_kind"] not in ComparisonKind.values:
        add_error(errors, "comparison_kind", f"Choose one of {', '.join(ComparisonKind.values)}.")
    if metric.unit == MetricUnit.PERCENT:
        for name in ("value", "comparison_value"):
            if clean[name] is not None and not 0 <= clean[name] <= 100:
                add_error(errors, name, "A percentage is between 0 and 100.")
    _too_long(errors, MetricValue, {"period_label": clean["period_label"]})
    raise_if_errors(errors)
    return clean


@transaction.atomic
def metric_value_record(
    *,
    actor,
    metric: Metric,
    as_at: datetime.date,
    value: Decimal | str,
    comparison_value: Decimal | str | None = None,
    comparison_as_at: datetime.date | None = None,
    comparison_kind: str = ComparisonKind.EARLIER,
    period_label: str = "",
    update_round: UpdateRound | None = None,
) -> MetricValue:
    """Record ``metric``'s value as at a date (replacing the value already held for that date),
    with an optional comparison. Nothing is recorded for a metric still being defined."""
    require_capability(actor, "delivery.edit", "delivery.contribute", "delivery.import")
    if metric.plan.status == PlanStatus.ARCHIVED:
        raise ValidationError(READ_ONLY.format(reference=metric.plan.reference))
    clean = _clean_value(
        metric,
        {
            "value": value,
            "as_at": as_at,
            "comparison_value": comparison_value,
            "comparison_as_at": comparison_as_at,
            "comparison_kind": comparison_kind,
            "period_label": period_label,
        },
    )
    if update_round is not None and update_round.plan_id != metric.plan_id:
        raise ValidationError({"value": ["That update round is for another plan."]})
    record = MetricValue.objects.select_for_update().filter(metric=metric, as_at=as_at).first()
    if record is None:
        record = MetricValue(metric=metric, as_at=as_at)
    model_update(instance=record, data=clean)
    record.update_round = update_round if update_round is not None else record.update_round
    record.recorded_by = actor
    record.recorded_at = clock.now()
    _save(record, actor, duplicate=("as_at", f"{metric.name} already has a value as at {as_at:%d %B %Y}."))
    return record


@transaction.atomic
def metric_value_delete(*, actor, metric_value: MetricValue) -> None:
    require_capability(actor, "delivery.edit")
    if metric_value.metric.plan.status == PlanStatus.ARCHIVED:
        raise ValidationError(READ_ONLY.format(reference=metric_value.metric.plan.reference))
    metric_value.delete()
