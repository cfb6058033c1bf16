"""The round's report: its figures, by area and by kind of organisation, and as CSV or XLSX."""

from __future__ import annotations

from django.shortcuts import render

from pcc_commissioning.interchange.exports import export_response

from ..setup.pages import round_context
from ..setup.selectors import access_round
from .exporters import report_sheets
from .selectors import round_report


def report(request, reference: str):
    round = access_round(request.user, reference)
    figures = round_report(round)
    context = round_context(request, round, current="rounds:report", report=figures, summary_list=[figures.summary])
    return render(request, "rounds/report.html", context)


def report_export(request, reference: str):
    round = access_round(request.user, reference)
    sheets = report_sheets(round_report(round))
    if request.GET.get("format") == "xlsx":
        return export_response(sheets, format="xlsx", filename=f"round-report-{round.reference}")
    return export_response(sheets[0], format="csv", filename=f"round-report-{round.reference}-by-area")
