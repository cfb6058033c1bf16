"""Import and export kinds of this stage of a round (pcc_commissioning.interchange): the round's
figures as ``round_report`` (docs/formats.md)."""

from __future__ import annotations

from pcc_commissioning.interchange.exports import Sheet, exporter

from ..moderation.exporters import round_named
from .selectors import Figures, RoundReport, round_report

REPORT_COLUMNS = ("group", "received", "eligible", "funded", "amount_requested", "amount_offered", "success_rate")


def _rows(figures: list[Figures]) -> list[list]:
    return [[f.label, f.received, f.eligible, f.funded, f.requested, f.offered, f.success_rate] for f in figures]


def report_sheets(report: RoundReport) -> list[Sheet]:
    """By area first (the CSV is that sheet alone), then by kind of organisation and the round."""
    budget_row = ["Budget available", None, None, None, report.round.budget, None, None]
    return [
        Sheet("By area", list(REPORT_COLUMNS), _rows(report.by_area)),
        Sheet("By kind of organisation", list(REPORT_COLUMNS), _rows(report.by_kind)),
        Sheet("Round", list(REPORT_COLUMNS), [*_rows([report.summary]), budget_row]),
    ]


@exporter(
    "round_report",
    capability="rounds.view",
    options=("round",),
    # Several sheets, so XLSX only here; the report page also offers the by-area table as CSV.
    formats=("xlsx",),
    description="A round's figures by area, by kind of organisation and for the round.",
)
def export_round_report(*, fy: int | None, round: str) -> list[Sheet]:
    return report_sheets(round_report(round_named(round)))
