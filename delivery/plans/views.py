"""Officers' pages of delivery plans: the list, a plan's whole tree, and the pages that add,
change and remove its priorities, objectives, activities and metrics, and a metric's values.
Thin: permission, a selector or a service, a template.

Every internal role reads (``delivery.view``); only officers change anything (``delivery.edit``):
the edit pages refuse everyone else, GET or POST, and the reading pages offer them no links."""

# long module: one page per row of the plan's tree (add, change, remove for four kinds of row),
# each a few lines over the shared helpers below.

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pcc_commissioning.charts import line_chart
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.transitions import available
from pcc_commissioning.web import form_data, show_errors

from ..models import Activity, DeliveryPlan, Metric, MetricValue, Objective, PlanPriority, PlanStatus
from . import selectors, services
from .forms import (
    ActivityForm,
    ConfirmForm,
    MetricForm,
    MetricValueForm,
    ObjectiveForm,
    PlanEditForm,
    PlanFilterForm,
    PlanForm,
    PriorityForm,
)
from .transitions import PLAN_MACHINE

PAGE_SIZE = 25
SECTION = "delivery"
MOVE_URLS = {
    "publish": "delivery:plan_publish",
    "unpublish": "delivery:plan_unpublish",
    "archive": "delivery:plan_archive",
}


def _context(request, plan: DeliveryPlan | None = None, **extra) -> dict:
    # An archived plan is read-only (the services refuse): its pages offer no changes.
    can_edit = has_capability(request.user, "delivery.edit") and (plan is None or plan.status != PlanStatus.ARCHIVED)
    return {"section": SECTION, "plan": plan, "can_edit": can_edit, **extra}


def _plan_url(plan: DeliveryPlan, anchor: str = "") -> str:
    url = reverse("delivery:plan", kwargs={"reference": plan.reference})
    return f"{url}#{anchor}" if anchor else url


# The list and the plan ----------------------------------------------------------------------


@capability_required("delivery.view")
@require_GET
def plan_list(request):
    filters = PlanFilterForm(request.GET or None, years=selectors.plan_years(), owners=selectors.plan_owners())
    page_obj = page_of(selectors.plan_list(**filters.chosen()), number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "delivery/plans/plan_list.html",
        _context(
            request,
            filter_form=filters,
            filtered=filters.is_filtered,
            page_obj=page_obj,
            plans=page_obj.object_list,
        ),
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def plan_create(request):
    form = PlanForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, plan, f"Plan {plan.reference} has been set up as a draft.")
            return redirect("delivery:plan", reference=plan.reference)
    return render(request, "delivery/plans/plan_form.html", _context(request, form=form))


@capability_required("delivery.view")
@require_GET
def plan_detail(request, reference: str):
    plan = selectors.access_plan(reference)
    return render(
        request,
        "delivery/plans/plan_detail.html",
        _context(
            request,
            plan,
            tree=selectors.plan_tree(plan),
            priorities=plan.priorities.all(),
            kpqs=plan.kpqs.order_by("number"),
            moves=[
                (move, MOVE_URLS[move.name]) for move in available(PLAN_MACHINE, state=plan.status, actor=request.user)
            ],
            rounds=list(selectors.rounds_of(plan)),
        ),
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def plan_edit(request, reference: str):
    plan = selectors.access_plan(reference)
    initial = {name: getattr(plan, name) for name in ("title", "reference", "owner", "fy", "summary")}
    initial.update(version=plan.version, priorities=list(plan.priorities.all()), kpqs=list(plan.kpqs.all()))
    form = PlanEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        try:
            plan = services.plan_update(actor=request.user, plan=plan, expected_version=version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"Plan {plan.reference} has been updated.")
            return redirect("delivery:plan", reference=plan.reference)
    return render(request, "delivery/plans/plan_form.html", _context(request, plan, form=form))


# Rows of the tree ---------------------------------------------------------------------------
#
# Each row's page is a form carrying the plan's version; saving calls the row's service, and a
# service's refusal (a stale version among them) goes on the form, nothing changed.


def _row_page(
    request,
    plan: DeliveryPlan,
    form,
    save: Callable[[dict, int], object],
    *,
    done: str,
    anchor: Callable[[object], str],
    heading: str,
    template: str = "delivery/plans/row_form.html",
    **extra,
):
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        try:
            row = save(fields, version)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, done)
            return redirect(_plan_url(plan, anchor(row)))
    return render(request, template, _context(request, plan, form=form, heading=heading, **extra))


def _row_of(model, plan: DeliveryPlan, pk: int):
    row = model.objects.filter(plan=plan, pk=pk).first()
    if row is None:
        raise Http404("No such row in this plan.")
    return row


def _priority_anchor(row) -> str:
    return f"priority-{row.pk}"


def _objective_anchor(row) -> str:
    return f"objective-{row.pk}"


def _activity_anchor(row) -> str:
    return f"activity-{row.pk}"


def _metric_anchor(row) -> str:
    return f"metric-{row.pk}"


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def priority_add(request, reference: str):
    plan = selectors.access_plan(reference)
    form = PriorityForm(form_data(request), initial={"version": plan.version})

    def save(fields, version):
        return services.plan_priority_save(actor=request.user, plan=plan, expected_version=version, **fields)

    return _row_page(
        request,
        plan,
        form,
        save,
        done="The priority has been added.",
        anchor=_priority_anchor,
        heading="Add a priority",
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def priority_edit(request, reference: str, pk: int):
    plan = selectors.access_plan(reference)
    row = _row_of(PlanPriority, plan, pk)
    initial = {name: getattr(row, name) for name in services.PRIORITY_FIELDS}
    form = PriorityForm(form_data(request), initial={**initial, "version": plan.version})

    def save(fields, version):
        return services.plan_priority_save(
            actor=request.user, plan=plan, expected_version=version, plan_priority=row, **fields
        )

    return _row_page(
        request,
        plan,
        form,
        save,
        done="The priority has been changed.",
        anchor=_priority_anchor,
        heading="Change the priority",
        row=row,
    )


def _id_param(request, name: str) -> int:
    """The id in the query's ``name`` (``?objective=12``), or 0 (no row) when it is not one."""
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else 0


def _next_number(numbers: list[str], prefix: str) -> str:
    """The number after the last of ``numbers`` under ``prefix`` ("1." → "1.4" after 1.3)."""
    last = 0
    for number in numbers:
        head, _, tail = number.rpartition(".")
        if f"{head}." == prefix and tail.isdigit():
            last = max(last, int(tail))
    return f"{prefix}{last + 1}"


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def objective_add(request, reference: str):
    plan = selectors.access_plan(reference)
    initial = {"version": plan.version}
    under = plan.plan_priorities.filter(pk=_id_param(request, "priority")).first()
    if under is not None:
        numbers = list(plan.objectives.values_list("number", flat=True))
        initial.update(plan_priority=under, number=_next_number(numbers, f"{under.position}."))
    form = ObjectiveForm(form_data(request), initial=initial, plan=plan)

    def save(fields, version):
        kpqs = fields.pop("kpqs")
        return services.objective_save(actor=request.user, plan=plan, expected_version=version, kpqs=kpqs, **fields)

    return _row_page(
        request,
        plan,
        form,
        save,
        done="The objective has been added.",
        anchor=_objective_anchor,
        heading="Add an objective",
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def objective_edit(request, reference: str, pk: int):
    plan = selectors.access_plan(reference)
    row = _row_of(Objective, plan, pk)
    initial = {name: getattr(row, name) for name in services.OBJECTIVE_FIELDS}
    initial.update(version=plan.version, kpqs=list(row.kpqs.all()))
    form = ObjectiveForm(form_data(request), initial=initial, plan=plan)

    def save(fields, version):
        kpqs = fields.pop("kpqs")
        return services.objective_save(
            actor=request.user, plan=plan, expected_version=version, objective=row, kpqs=kpqs, **fields
        )

    return _row_page(
        request,
        plan,
        form,
        save,
        done=f"Objective {row.number} has been changed.",
        anchor=_objective_anchor,
        heading=f"Change objective {row.number}",
        row=row,
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def activity_add(request, reference: str):
    plan = selectors.access_plan(reference)
    initial = {"version": plan.version, "lead_organisation": plan.owner}
    under = plan.objectives.filter(pk=_id_param(request, "objective")).first()
    if under is not None:
        numbers = list(plan.activities.values_list("number", flat=True))
        initial.update(objective=under, number=_next_number(numbers, f"{under.number}."))
    form = ActivityForm(form_data(request), initial=initial, plan=plan)

    def save(fields, version):
        return services.activity_save(actor=request.user, plan=plan, expected_version=version, **fields)

    return _row_page(
        request,
        plan,
        form,
        save,
        done="The activity has been added.",
        anchor=_activity_anchor,
        heading="Add an activity",
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def activity_edit(request, reference: str, pk: int):
    plan = selectors.access_plan(reference)
    row = _row_of(Activity, plan, pk)
    initial = {name: getattr(row, name) for name in services.ACTIVITY_FIELDS}
    form = ActivityForm(form_data(request), initial={**initial, "version": plan.version}, plan=plan)

    def save(fields, version):
        return services.activity_save(actor=request.user, plan=plan, expected_version=version, activity=row, **fields)

    return _row_page(
        request,
        plan,
        form,
        save,
        done=f"Activity {row.number} has been changed.",
        anchor=_activity_anchor,
        heading=f"Change activity {row.number}",
        row=row,
    )


def _metric_add(request, plan: DeliveryPlan, *, objective=None, activity=None):
    form = MetricForm(form_data(request), initial={"version": plan.version})
    owner = objective or activity

    def save(fields, version):
        return services.metric_save(
            actor=request.user, plan=plan, expected_version=version, objective=objective, activity=activity, **fields
        )

    return _row_page(
        request,
        plan,
        form,
        save,
        done=f"The metric has been added to {owner.number}.",
        anchor=_metric_anchor,
        heading=f"Add a metric to {'objective' if objective else 'activity'} {owner.number}",
        measured=owner,
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def objective_metric_add(request, reference: str, pk: int):
    plan = selectors.access_plan(reference)
    return _metric_add(request, plan, objective=_row_of(Objective, plan, pk))


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def activity_metric_add(request, reference: str, pk: int):
    plan = selectors.access_plan(reference)
    return _metric_add(request, plan, activity=_row_of(Activity, plan, pk))


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def metric_edit(request, reference: str, pk: int):
    plan = selectors.access_plan(reference)
    row = selectors.access_metric(plan, pk)
    initial = {name: getattr(row, name) for name in services.METRIC_FIELDS}
    form = MetricForm(form_data(request), initial={**initial, "version": plan.version})

    def save(fields, version):
        return services.metric_save(actor=request.user, plan=plan, expected_version=version, metric=row, **fields)

    return _row_page(
        request,
        plan,
        form,
        save,
        done=f"The metric {row.name} has been changed.",
        anchor=_metric_anchor,
        heading=f"Change the metric {row.name}",
        row=row,
    )


# Removing a row -----------------------------------------------------------------------------

# kind -> (model, removing service, the service's argument naming the row)
REMOVALS = {
    "priority": (PlanPriority, services.plan_priority_delete, "plan_priority"),
    "objective": (Objective, services.objective_delete, "objective"),
    "activity": (Activity, services.activity_delete, "activity"),
    "metric": (Metric, services.metric_delete, "metric"),
}


def _describe(kind: str, row) -> str:
    if kind == "priority":
        return f"the priority {row.title}"
    if kind == "metric":
        return f"the metric {row.name}"
    return f"{kind} {row.number}"


def _day(date) -> str:
    return f"{date.day} {date:%B %Y}"


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def row_delete(request, reference: str, pk: int, kind: str):
    """Confirm and remove a priority, an objective, an activity or a metric (a page of its own,
    so it works without JavaScript); the service says what stops it (rows still under it)."""
    plan = selectors.access_plan(reference)
    model, service, argument = REMOVALS[kind]
    row = _row_of(model, plan, pk)
    what = _describe(kind, row)
    form = ConfirmForm(form_data(request), initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, expected_version=form.cleaned_data["version"], **{argument: row})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{what[:1].upper()}{what[1:]} has been removed.")
            return redirect(_plan_url(plan))
    return render(
        request,
        "delivery/plans/row_delete.html",
        _context(request, plan, form=form, row=row, kind=kind, what=what),
    )


# One metric ---------------------------------------------------------------------------------


def _metric_chart(metric: Metric, rows: list):
    """The metric's values over time (and their comparisons, where any has one) as a line chart."""
    if not rows:
        return None
    labels = [row.value.period_label or f"{row.value.as_at:%d %b %Y}" for row in rows]
    series = {metric.name: [row.value.value for row in rows]}
    if any(row.value.comparison_value is not None for row in rows):
        series["Comparison"] = [row.value.comparison_value for row in rows]
    unit = {"percent": "%", "money": "£"}.get(metric.unit, "")
    return line_chart(title=f"{metric.name} over time", x_labels=labels, series=series, unit=unit, x_label="As at")


def _metric_page(request, plan: DeliveryPlan, metric: Metric, form, *, status: int = 200):
    rows = selectors.metric_values(metric)
    return render(
        request,
        "delivery/plans/metric_detail.html",
        _context(request, plan, metric=metric, rows=rows, chart=_metric_chart(metric, rows), form=form),
        status=status,
    )


@capability_required("delivery.view")
@require_GET
def metric_detail(request, reference: str, pk: int):
    plan = selectors.access_plan(reference)
    metric = selectors.access_metric(plan, pk)
    form = (
        MetricValueForm()
        if has_capability(request.user, "delivery.edit") and plan.status != PlanStatus.ARCHIVED
        else None
    )
    return _metric_page(request, plan, metric, form)


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def metric_value_add(request, reference: str, pk: int):
    """Record a value of the metric (the form is on the metric's page; a value for a date that
    already has one replaces it)."""
    plan = selectors.access_plan(reference)
    metric = selectors.access_metric(plan, pk)
    if request.method != "POST":
        return redirect(reverse("delivery:metric", kwargs={"reference": plan.reference, "pk": metric.pk}) + "#record")
    form = MetricValueForm(form_data(request))
    if form.is_valid():
        try:
            value = services.metric_value_record(actor=request.user, metric=metric, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, value, f"The value as at {_day(value.as_at)} has been recorded.")
            return redirect("delivery:metric", reference=plan.reference, pk=metric.pk)
    return _metric_page(request, plan, metric, form)


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def metric_value_delete(request, reference: str, pk: int, value_pk: int):
    plan = selectors.access_plan(reference)
    metric = selectors.access_metric(plan, pk)
    value = MetricValue.objects.filter(metric=metric, pk=value_pk).first()
    if value is None:
        raise Http404("No such value of this metric.")
    if request.method == "POST":
        # A value is not part of the plan's tree (leads record them too): no version to check,
        # and removing one already removed is a 404.
        try:
            services.metric_value_delete(actor=request.user, metric_value=value)
        except ValidationError as exc:
            show_errors(request, exc)
        else:
            messages.success(request, f"The value as at {_day(value.as_at)} has been removed.")
        return redirect("delivery:metric", reference=plan.reference, pk=metric.pk)
    return render(request, "delivery/plans/value_delete.html", _context(request, plan, metric=metric, value=value))
