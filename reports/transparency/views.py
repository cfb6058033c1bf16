"""Pages and downloads of the transparency lists and the 360Giving file.

Thin views: parse the year (and month), check the capability (``transparency.view``), call
``reports.transparency.lists`` or ``reports.transparency.threesixty`` and render, or hand the same
tables as ``manage.py export_data`` to the shared writer.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from grants.awards.selectors import award_years
from grants.years import YearChoice, year_page
from pcc_commissioning.interchange.exports import export_response
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import year_url
from reports.common import download_format, private, year_choices, years_with_lines

from . import threesixty
from .lists import LISTS, month_period

SECTION = "reports"
PAGE_SIZE = 25


# Transparency lists ---------------------------------------------------------------------------------


def _transparency_list(kind: str):
    try:
        return LISTS[kind]
    except KeyError:
        raise Http404("No such transparency list.") from None


def _filters(request, entry, year: YearChoice) -> tuple[int | None, str, str]:
    """(fy or None for every year, month code or "", the month's problem or "")."""
    fy = year.fy
    month = request.GET.get("month", "").strip().upper() if entry.by_month else ""
    if not month:
        return fy, "", ""
    if fy is None:
        return fy, "", "Month: choose a financial year first, then a month of it."
    try:
        month_period(fy, month)
    except ValueError:
        return fy, "", f"Month: '{month}' is not a month of the year; choose one from the list."
    return fy, month, ""


def _gaps(request, entry, queryset) -> tuple[QuerySet, dict | None, bool]:
    """For an officer (who can fill them in), the gaps the Order would find and, with
    ``missing=1``, only the records that have them; for others, the list as published."""
    if not entry.required or not has_capability(request.user, "grants.edit"):
        return queryset, None, False
    gaps = entry.gaps(queryset)
    only_missing = request.GET.get("missing") == "1"
    return (queryset.filter(entry.any_missing) if only_missing else queryset), gaps, only_missing


@capability_required("transparency.view")
@year_page(all_years=True)
def transparency_list(request, kind: str, *, year):
    entry = _transparency_list(kind)
    fy, month, month_error = _filters(request, entry, year)
    queryset, gaps, only_missing = _gaps(request, entry, entry.queryset(fy=fy, month=month or None))
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    shown = [position for position, column in enumerate(entry.columns) if column.name not in entry.page_omits]
    labels = {column.name: column.label for column in entry.columns}
    rows = []
    for record in page_obj.object_list:
        values = entry.row(record)
        missing = [labels[requirement.column] for requirement in entry.record_gaps(record)] if gaps else []
        rows.append(
            {
                "cells": [{"value": values[position], "kind": entry.columns[position].kind} for position in shown],
                "missing": missing,
                "fix": reverse(entry.fix_url, args=[record.pk]) if missing else "",
            }
        )
    months = [(period.code, period.label) for period in FinancialYear(fy).months()] if entry.by_month and fy else []
    return render(
        request,
        "reports/transparency_list.html",
        {
            "section": SECTION,
            "entry": entry,
            "columns": [entry.columns[position] for position in shown],
            "rows": rows,
            "gaps": gaps,
            "gap_labels": [
                (labels[requirement.column], requirement, count) for requirement, count in gaps["by_requirement"]
            ]
            if gaps
            else [],
            "only_missing": only_missing,
            "page_obj": page_obj,
            "fy": fy,
            "fy_label": FinancialYear(fy).label if fy else "",
            "year_shown": year,
            "month": month,
            "month_label": dict(months).get(month, ""),
            "months": months,
            "month_error": month_error,
            "year_choices": year_choices(award_years(), fy),
            "others": [other for other in LISTS.values() if other.kind != kind],
        },
    )


@capability_required("transparency.view")
@year_page(all_years=True)
def transparency_download(request, kind: str, *, year):
    entry = _transparency_list(kind)
    fy, month, _ = _filters(request, entry, year)
    name = "-".join(part for part in (kind.replace("_", "-"), str(fy) if fy else "", month.lower()) if part)
    return private(
        export_response(entry.sheet(fy=fy, month=month or None), format=download_format(request), filename=name)
    )


# 360Giving ------------------------------------------------------------------------------------------


@capability_required("transparency.view")
@year_page(all_years=True)
def threesixty_page(request, *, year):
    fy = year.fy
    export = threesixty.threesixty_giving(fy=fy)
    page_obj = export.listing(number=request.GET.get("page"), per_page=PAGE_SIZE)
    # Paged on their own: with a setting blank, every award of a national register is left out.
    left_out = Paginator(export.problems, PAGE_SIZE).get_page(request.GET.get("left_out_page"))
    return render(
        request,
        "reports/threesixty.html",
        {
            "section": SECTION,
            "export": export,
            "page_obj": page_obj,
            "grants": page_obj.object_list,
            "left_out": left_out,
            "fy": fy,
            "fy_label": FinancialYear(fy).label if fy else "",
            "year_shown": year,
            "year_choices": year_choices(years_with_lines(), fy),
        },
    )


@capability_required("transparency.view")
@year_page(all_years=True)
def threesixty_download(request, *, year):
    fy = year.fy
    export = threesixty.threesixty_giving(fy=fy)
    page = year_url("reports:threesixty", fy)
    if not export.grants:
        messages.error(request, "There is no grant to publish for this choice, so there is no file to download.")
        return redirect(page)
    response = HttpResponse(export.to_json(), content_type="application/json; charset=utf-8")
    name = f"360giving-{fy}" if fy else "360giving"
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return private(response)
