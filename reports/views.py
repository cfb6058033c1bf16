"""The Reports page (``reports:index``): the reports of every context a user may open. Each
context's own pages are in its ``views`` module (``reports.dashboard.views``, ``reports.finance.views`` …)."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse

from pcc_commissioning.roles import capability_required, has_capability

SECTION = "reports"


@dataclass(frozen=True)
class ReportEntry:
    """One report on the Reports page. Later reports add an entry to ``REPORTS``."""

    title: str
    url_name: str
    description: str
    capability: str = "reports.view"
    url_args: tuple = ()
    query: str = ""  # added to the address, e.g. "kind=panel" to open that report's request form


# The reports people publish come first, each its own entry; the archive, last, is the history
# of every report requested.
REPORTS: list[ReportEntry] = [
    ReportEntry(
        title="Police and Crime Panel report",
        url_name="reports:report_request",
        query="kind=panel",
        description="The report to the Police and Crime Panel for a quarter, half or year: funding and spend, "
        "performance of the awards, outputs and the commissioning plan, as a PDF.",
        capability="reports.request",
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
    ReportEntry(
        title="Report archive",
        url_name="reports:report_archive",
        description="Every report requested before, such as past Police and Crime Panel reports, with its status "
        "and its PDF to download.",
    ),
]


def _address(entry: ReportEntry) -> str:
    url = reverse(entry.url_name, args=entry.url_args)
    return f"{url}?{entry.query}" if entry.query else url


@capability_required("reports.view")
def index(request):
    reports = [
        {"title": entry.title, "url": _address(entry), "description": entry.description}
        for entry in REPORTS
        if has_capability(request.user, entry.capability)
    ]
    return render(request, "reports/index.html", {"section": SECTION, "reports": reports})
