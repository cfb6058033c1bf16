"""Reports pages: thin views that check permission (``reports.view``: officers, finance and
board members), call a selector and render."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from outcomes import selectors as outcomes_selectors
from outcomes.models import KPQ
from pcc_commissioning.charts import Chart, bar_chart
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import fy_param

from . import selectors

SECTION = "reports"


@dataclass(frozen=True)
class ReportEntry:
    """One report on the Reports page. Later reports add an entry to ``REPORTS``."""

    title: str
    url_name: str
    description: str
    capability: str = "reports.view"
    url_args: tuple = ()


REPORTS: list[ReportEntry] = [
    ReportEntry(
        title="Report archive: request a report",
        url_name="reports:report_archive",
        description="Request a report to publish, such as the Police and Crime Panel report, follow its "
        "progress and download it as a PDF; every report requested before, with its status.",
    ),
    ReportEntry(
        title="Need versus spend",
        url_name="reports:need_vs_spend",
        description="For each local authority and theme of need: the indicator rates per 1,000 population next "
        "to the committed spend per 1,000, showing where need is high and spend is low.",
    ),
    ReportEntry(
        title="Key performance questions",
        url_name="reports:kpq_index",
        description="For each KPQ of the Police and Crime Plan: its performance measures by period, the award KPIs "
        "that evidence it with their latest actuals, and the committed spend answering it.",
    ),
    ReportEntry(
        title="MoJ bi-annual returns",
        url_name="reports:moj_index",
        description="The victims' grant return to the Ministry of Justice for each half year: figures by stream and "
        "service, the issues to deal with before sign-off, finance sign-off, versions and downloads.",
        capability="moj.view",
    ),
    ReportEntry(
        title="Finance: commitments and payments",
        url_name="reports:finance",
        description="For a financial year: committed, planned and paid by funding stream, by priority, by provider "
        "and by month, with CSV and XLSX downloads and the XLSX finance pack.",
        capability="exports.finance",
    ),
    ReportEntry(
        title="Transparency lists: grants, contracts, decisions and spend over £500",
        url_name="reports:transparency_list",
        url_args=("grants_register",),
        description="Grants and contributions made (recipient, purpose, amount, conditions, reasons), the contracts "
        "register (over £10,000), published decisions and spend over £500, as pages and downloads.",
        capability="transparency.view",
    ),
    ReportEntry(
        title="Transparency: grants as 360Giving open data",
        url_name="reports:threesixty",
        description="The grants and contributions made, as a 360Giving file checked against the official schema; "
        "any award that cannot be published is listed with the reason.",
        capability="transparency.view",
    ),
]


@capability_required("reports.view")
def index(request):
    reports = [
        {"title": entry.title, "url": reverse(entry.url_name, args=entry.url_args), "description": entry.description}
        for entry in REPORTS
        if has_capability(request.user, entry.capability)
    ]
    return render(request, "reports/index.html", {"section": SECTION, "reports": reports})


def _chart(table: selectors.ThemeTable, report: selectors.NeedVersusSpend) -> Chart | None:
    """A bar chart of spend per 1,000 by local authority for one theme, with the force-area
    average as the last bar (the shared chart module; its data table comes with it)."""
    if not table.rows:
        return None
    return bar_chart(
        title=f"{table.theme.name}, {report.label}: committed spend per 1,000 population",
        categories=[*(row.area.name for row in table.rows), "Force area average"],
        series={"Spend per 1,000": [*(row.spend_per_1000 for row in table.rows), table.average_spend_per_1000]},
        unit="£",
        horizontal=True,
        category_label="Local authority",
        value_label="Spend per 1,000 population",
        decimals=2,
    )


@capability_required("reports.view")
def need_vs_spend(request):
    years = selectors.report_years()
    fy = fy_param(request, default=selectors.default_report_year(years))
    if fy not in years:
        years = sorted({*years, fy}, reverse=True)
    report = selectors.need_versus_spend(fy=fy)
    return render(
        request,
        "reports/need_vs_spend.html",
        {
            "section": SECTION,
            "report": report,
            "sections": [{"table": table, "chart": _chart(table, report)} for table in report.themes],
            "fy": fy,
            "year_choices": [(year, FinancialYear(year).label) for year in years],
        },
    )


# KPQ pages ---------------------------------------------------------------------------------------


@capability_required("reports.view")
def kpq_index(request):
    """The KPQs of the Plan, each linking to its KPQ page."""
    return render(request, "reports/kpq_index.html", {"section": SECTION, "outcomes": outcomes_selectors.plan_tree()})


@capability_required("reports.view")
def kpq(request, pk: int):
    try:
        question = outcomes_selectors.kpq_detail(pk)
    except KPQ.DoesNotExist:
        raise Http404("No such KPQ.") from None
    years = selectors.report_years()
    fy = fy_param(request, default=selectors.default_report_year(years))
    if fy not in years:
        years = sorted({*years, fy}, reverse=True)
    return render(
        request,
        "reports/kpq.html",
        {
            "section": SECTION,
            "page": selectors.kpq_page(question, fy=fy),
            "fy": fy,
            "year_choices": [(year, FinancialYear(year).label) for year in years],
        },
    )
