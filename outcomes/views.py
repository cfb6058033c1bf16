from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.periods import code_label
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data

from . import selectors, services
from .forms import CodeListYearForm, MeasureEditForm, MeasureForm, MeasureValueForm
from .models import KPQ, CodeList, PerformanceMeasure, Polarity


@require_GET
@capability_required("plan.view")
def plan(request):
    """The Police and Crime Plan: outcomes with their KPQs, and the commissioning priorities."""
    return render(
        request,
        "outcomes/plan.html",
        {
            "section": "outcomes",
            "outcomes": selectors.plan_tree(),
            "priorities": selectors.priority_list(),
            "measure_counts": selectors.measures_by_kpq(),
        },
    )


@require_GET
@capability_required("plan.view")
def code_lists(request):
    """Every code list, optionally only the entries valid in one financial year (GET ``fy``)."""
    form = CodeListYearForm(request.GET or None, years=selectors.code_list_years())
    fy = form.cleaned_data["fy"] if form.is_valid() else None
    grouped = selectors.codes_by_list(fy=fy)
    lists = [{"name": name, "label": label, "entries": grouped[name]} for name, label in CodeList.choices]
    return render(
        request,
        "outcomes/code_lists.html",
        {
            "section": "outcomes",
            "form": form,
            "fy": fy,
            "lists": lists,
            "counting_definitions": selectors.counting_definitions(),
        },
    )


# --- KPQ performance measures ------------------------------------------------------------------
# Everyone with ``plan.view`` reads them; commissioning officers (``grants.edit``) add and change.

MEASURE_EDIT = "grants.edit"


def _kpq_or_404(pk: int):
    try:
        return selectors.kpq_detail(pk)
    except KPQ.DoesNotExist:
        raise Http404("No such KPQ.") from None


def _measure_or_404(pk: int) -> PerformanceMeasure:
    return get_object_or_404(PerformanceMeasure.objects.select_related("kpq"), pk=pk)


@require_GET
@capability_required("plan.view")
def kpq_measures(request, pk: int):
    """A KPQ's performance measures with their values by period."""
    kpq = _kpq_or_404(pk)
    return render(
        request,
        "outcomes/kpq_measures.html",
        {
            "section": "outcomes",
            "kpq": kpq,
            "measures": selectors.kpq_measures(kpq),
            "can_edit": has_capability(request.user, MEASURE_EDIT),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(MEASURE_EDIT)
@create_once
def measure_create(request, pk: int):
    kpq = _kpq_or_404(pk)
    form = MeasureForm(form_data(request), initial={"polarity": Polarity.HIGHER_IS_BETTER})
    if request.method == "POST" and form.is_valid():
        try:
            measure = services.measure_create(actor=request.user, kpq=kpq, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, measure, f"The measure “{measure.name}” has been added to {kpq.label}.")
            return redirect("outcomes:kpq_measures", pk=kpq.pk)
    return render(request, "outcomes/measure_form.html", {"section": "outcomes", "kpq": kpq, "form": form})


@require_http_methods(["GET", "POST"])
@capability_required(MEASURE_EDIT)
def measure_edit(request, pk: int):
    measure = _measure_or_404(pk)
    initial = {name: getattr(measure, name) for name in ("name", "unit", "polarity", "source", "definition", "version")}
    form = MeasureEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            services.measure_update(actor=request.user, measure=measure, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"The measure “{fields.get('name') or measure.name}” has been updated.")
            return redirect("outcomes:kpq_measures", pk=measure.kpq_id)
    return render(
        request,
        "outcomes/measure_form.html",
        {"section": "outcomes", "kpq": measure.kpq, "measure": measure, "form": form},
    )


@require_http_methods(["GET", "POST"])
@capability_required(MEASURE_EDIT)
def measure_value_add(request, pk: int):
    """Record a value (and target) for a period; a period already recorded is corrected."""
    measure = _measure_or_404(pk)
    form = MeasureValueForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            row, created = services.measure_value_set(actor=request.user, measure=measure, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            verb = "recorded" if created else "corrected"
            messages.success(request, f"The value for {code_label(row.period)} has been {verb}.")
            return redirect("outcomes:kpq_measures", pk=measure.kpq_id)
    return render(
        request,
        "outcomes/measure_value_form.html",
        {"section": "outcomes", "kpq": measure.kpq, "measure": measure, "form": form},
    )
