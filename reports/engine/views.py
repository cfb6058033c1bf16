"""Pages of the reports engine: request a report, follow its progress, download it, the archive.

Everyone who may see reports (``reports.view``: officers, finance, board members) sees every
report in the archive: they are OPCC documents, not personal ones. Requesting needs
``reports.request``. Jobs of kinds that are not listed (the Import page's checks and imports)
are not reports: they never show here, only on the page that started them, to its user.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from pcc_commissioning.roles import capability_required, has_capability
from reports.models import Report

from . import services
from .forms import ReportFilterForm, ReportKindForm
from .registry import REPORT_KINDS

SECTION = "reports"
PAGE_SIZE = 25


def _kinds():
    return [kind for kind in REPORT_KINDS.values() if kind.listed]


def _reports():
    """The reports these pages show: those of listed kinds."""
    return Report.objects.filter(kind__in=[kind.name for kind in _kinds()])


def _kind_label(name: str) -> str:
    kind = REPORT_KINDS.get(name)
    return kind.label if kind else name


@capability_required("reports.request")
def report_request(request):
    kinds = _kinds()
    chosen = request.POST.get("kind") or request.GET.get("kind")
    if len(kinds) == 1 and not chosen:
        chosen = kinds[0].name
    kind = REPORT_KINDS.get(chosen or "")
    if kind is None or not kind.listed:
        # Step 1: choose the kind of report (a GET form: it only picks the next page).
        form = ReportKindForm(request.GET or None, kinds=kinds)
        return render(request, "reports/report_choose.html", {"section": SECTION, "form": form})

    form = kind.parameters_form(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report, created = services.report_request(kind=kind.name, parameters=form.cleaned_data, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if created:
                messages.success(request, f"Your {kind.label} has been requested.")
            else:
                messages.info(
                    request, f"This {kind.label} was already being prepared: here it is, rather than a second copy."
                )
            return redirect("reports:report_detail", pk=report.pk)
    return render(request, "reports/report_request.html", {"section": SECTION, "form": form, "kind": kind})


def _status_context(report: Report) -> dict:
    return {"report": report, "kind_label": _kind_label(report.kind)}


@capability_required("reports.view")
def report_detail(request, pk: int):
    report = get_object_or_404(_reports().select_related("requested_by"), pk=pk)
    context = {"section": SECTION, **_status_context(report)}
    return render(request, "reports/report_detail.html", context)


@capability_required("reports.view")
def report_status(request, pk: int):
    """The status panel alone: what htmx polls every 2 seconds while the report is being built."""
    report = get_object_or_404(_reports(), pk=pk)
    return render(request, "reports/report_status.html", _status_context(report))


@capability_required("reports.view")
def report_download(request, pk: int):
    report = get_object_or_404(_reports(), pk=pk, status=Report.Status.SUCCEEDED)
    if not report.file:
        raise Http404("This report has no file.")
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The report's file is missing.") from error
    response = FileResponse(handle, as_attachment=True, filename=os.path.basename(report.file.name))
    # OPCC documents: never kept by a shared browser or a proxy.
    response["Cache-Control"] = "private, no-store"
    return response


def _archive_reports(*, kind: str | None, fy: int | None, period: str | None, status: str | None):
    reports = (
        _reports()
        .select_related("requested_by")
        .only(
            "pk",
            "kind",
            "parameters",
            "status",
            "progress",
            "requested_at",
            "finished_at",
            "requested_by__first_name",
            "requested_by__last_name",
            "requested_by__username",
        )
    )
    if kind:
        reports = reports.filter(kind=kind)
    if fy:
        reports = reports.filter(parameters__fy=fy)
    if period:
        reports = reports.filter(parameters__period=period)
    if status:
        reports = reports.filter(status=status)
    return reports.order_by("-requested_at", "-pk")


@capability_required("reports.view")
def report_archive(request):
    form = ReportFilterForm(request.GET or None, kinds=_kinds())
    filters = form.cleaned_data if form.is_valid() else {}
    reports = _archive_reports(
        kind=filters.get("kind"), fy=filters.get("fy"), period=filters.get("period"), status=filters.get("status")
    )
    page_obj = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"report": report, "kind_label": _kind_label(report.kind)} for report in page_obj]
    return render(
        request,
        "reports/report_archive.html",
        {
            "section": SECTION,
            "form": form,
            "page_obj": page_obj,
            "rows": rows,
            "can_request": has_capability(request.user, "reports.request"),
        },
    )
