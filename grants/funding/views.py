"""Funding pages: the funding summary, streams, allocations, budgets and the commitments export.
Finance owns the figures (``payments.edit``), officers the streams (``grants.edit``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from grants.funding import exporters as funding_exporters
from grants.funding import selectors as funding_selectors
from grants.funding import services as funding_services
from grants.funding.forms import BudgetForm, StreamEditForm, StreamForm, YearAmountForm
from grants.models import PriorityBudget, StreamAllocation
from grants.pages import export_format, page_context, private_download
from grants.years import asked_year, year_page
from outcomes.models import CommissioningPriority
from pcc_commissioning.concurrency import NO_RECORD_VERSION
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.interchange.exports import Sheet, export_response
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data


# Funding: streams, allocations, budgets and the funding page -----------------------------------------
@capability_required("grants.view")
@year_page
def funding(request, *, year):
    fy = year.fy
    summary = funding_selectors.funding_summary(fy=fy)
    years = funding_selectors.funding_years()
    if fy not in years:
        years = sorted({*years, fy}, reverse=True)
    return render(
        request,
        "grants/funding.html",
        page_context(
            request,
            summary=summary,
            fy=fy,
            year_shown=year,
            years=[(option, FinancialYear(option).label) for option in years],
        ),
    )


@capability_required("grants.view")
def stream_list(request):
    return render(request, "grants/stream_list.html", page_context(request, streams=funding_selectors.stream_list()))


@capability_required("grants.view")
def stream_detail(request, pk: int):
    stream = funding_selectors.stream_detail(pk)
    return render(
        request,
        "grants/stream_detail.html",
        page_context(request, stream=stream, rows=funding_selectors.stream_years(stream)),
    )


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def stream_create(request):
    form = StreamForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            stream = funding_services.stream_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, stream, f"{stream.name} has been added.")
            return redirect("grants:stream_detail", pk=stream.pk)
    return render(request, "grants/stream_form.html", page_context(request, form=form))


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def stream_edit(request, pk: int):
    stream = funding_selectors.stream_detail(pk)
    initial = {name: getattr(stream, name) for name in funding_services.STREAM_FIELDS}
    initial["version"] = stream.version
    form = StreamEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            funding_services.stream_update(
                stream=stream, actor=request.user, expected_version=expected_version, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"{fields['name']} has been updated.")
            return redirect("grants:stream_detail", pk=stream.pk)
    return render(request, "grants/stream_form.html", page_context(request, form=form, stream=stream))


def _year_choices(extra=()) -> list[int]:
    current = FinancialYear.current().start_year
    return sorted({*range(current - 10, current + 4), *extra}, reverse=True)


def _year_figure_initial(figure, *, fy: int | None) -> dict:
    """The form's first values for a year's figure: the stored one if any, and the hidden state
    saying which figure (and which version of it) the page showed."""
    initial = {"fy": fy, "shown_fy": fy, "version": figure.version if figure else NO_RECORD_VERSION}
    if figure:
        initial.update(amount=figure.amount, notes=figure.notes)
    return initial


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def allocation_set(request, pk: int):
    stream = funding_selectors.stream_detail(pk)
    fy = asked_year(request)
    initial = _year_figure_initial(funding_selectors.year_figure(StreamAllocation, stream=stream, fy=fy), fy=fy)
    form = YearAmountForm(form_data(request), initial=initial, years=_year_choices([fy] if fy else []))
    if request.method == "POST" and form.is_valid():
        try:
            funding_services.allocation_set(
                actor=request.user, stream=stream, expected_version=form.expected_version(), **form.figure()
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            label = FinancialYear(form.cleaned_data["fy"]).label
            messages.success(request, f"The {label} allocation of {stream.name} has been saved.")
            return redirect("grants:stream_detail", pk=stream.pk)
    return render(request, "grants/allocation_form.html", page_context(request, form=form, stream=stream))


@capability_required("payments.edit")
@require_http_methods(["GET", "POST"])
def budget_set(request):
    fy = asked_year(request)
    priority_pk = request.GET.get("priority", "")
    priority_pk = int(priority_pk) if priority_pk.isdigit() else None
    figure = funding_selectors.year_figure(PriorityBudget, priority_id=priority_pk, fy=fy) if priority_pk else None
    initial = {**_year_figure_initial(figure, fy=fy), "priority": priority_pk, "shown_priority": priority_pk}
    form = BudgetForm(form_data(request), initial=initial, years=_year_choices([fy] if fy else []))
    if request.method == "POST" and form.is_valid():
        priority: CommissioningPriority = form.cleaned_data["priority"]
        try:
            funding_services.budget_set(
                actor=request.user, priority=priority, expected_version=form.expected_version(), **form.figure()
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            label = FinancialYear(form.cleaned_data["fy"]).label
            messages.success(request, f"The {label} budget of {priority.name} has been saved.")
            return redirect(f"{reverse('grants:funding')}?fy={form.cleaned_data['fy']}")
    return render(request, "grants/budget_form.html", page_context(request, form=form))


@capability_required("grants.view")
@year_page
def commitments_export(request, *, year):
    fy = year.fy
    sheet = Sheet("Commitments", *funding_exporters.commitments_table(fy=fy))
    return private_download(export_response(sheet, format=export_format(request), filename=f"commitments-{fy}"))
