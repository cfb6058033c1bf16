"""Pages and downloads of the finance views.

Thin views: parse the year, check the capability (``exports.finance``: finance and commissioning
officers), call ``reports.finance.selectors`` and render, or hand the same tables as
``manage.py export_data`` to the shared writer.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from grants.years import year_page
from pcc_commissioning.interchange.exports import export_response
from pcc_commissioning.roles import capability_required
from reports.common import download_format, private, report_years, year_choices

from . import selectors as finance

SECTION = "reports"
PAGE_SIZE = 25


# Finance -----------------------------------------------------------------------------------------------


@capability_required("exports.finance")
@year_page
def finance_page(request, *, year):
    fy = year.fy
    return render(
        request,
        "reports/finance.html",
        {
            "section": SECTION,
            "views": finance.finance_views(fy=fy),
            "fy": fy,
            "year_shown": year,
            "year_choices": year_choices(report_years(), fy),
            "downloads": [
                ("stream", "By funding stream"),
                ("priority", "By priority"),
                ("provider", "By provider"),
                ("month", "By month"),
            ],
        },
    )


@capability_required("exports.finance")
@year_page
def finance_download(request, *, year):
    """One view as CSV or XLSX, or the finance pack (``view=pack``, XLSX only)."""
    fy = year.fy
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
