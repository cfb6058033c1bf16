"""Pages and downloads of the finance views.

Thin views: parse the year, check the capability (``exports.finance``: finance and commissioning
officers), call ``reports.finance.selectors`` and render, or hand the same tables as
``manage.py export_data`` to the shared writer.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from pcc_commissioning.interchange.exports import export_response
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import fy_param
from reports.common import default_report_year, download_format, private, report_years, year_choices

from . import selectors as finance

SECTION = "reports"
PAGE_SIZE = 25


# Finance -----------------------------------------------------------------------------------------------


def _finance_year(request) -> tuple[int, list[int]]:
    years = report_years()
    return fy_param(request, default=default_report_year(years)), years


@capability_required("exports.finance")
def finance_page(request):
    fy, years = _finance_year(request)
    return render(
        request,
        "reports/finance.html",
        {
            "section": SECTION,
            "views": finance.finance_views(fy=fy),
            "fy": fy,
            "year_choices": year_choices(years, fy),
            "downloads": [
                ("stream", "By funding stream"),
                ("priority", "By priority"),
                ("provider", "By provider"),
                ("month", "By month"),
            ],
        },
    )


@capability_required("exports.finance")
def finance_download(request):
    """One view as CSV or XLSX, or the finance pack (``view=pack``, XLSX only)."""
    fy, _ = _finance_year(request)
    view = request.GET.get("view", "")
    if view == "pack":
        return private(
            export_response(finance.finance_pack_sheets(fy=fy), format="xlsx", filename=f"finance-pack-{fy}")
        )
    build = finance.VIEW_SHEETS.get(view)
    if build is None:
        raise Http404("No such finance view: choose stream, priority, provider, month or pack.")
    sheet = build(finance.finance_views(fy=fy))
    return private(export_response(sheet, format=download_format(request), filename=f"finance-by-{view}-{fy}"))
