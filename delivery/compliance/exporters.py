"""The ``code_compliance`` export (docs/formats.md): a year's figures in the import's columns,
with the quarter each belongs to."""

from __future__ import annotations

from pcc_commissioning.interchange.exports import Sheet, exporter

from ..models import ComplianceFigure
from .breakdown import format_breakdown

EXPORT_COLUMNS = ("fy", "quarter", "body", "measure", "numerator", "denominator", "breakdown")


def compliance_rows(*, fy: int) -> list[list]:
    figures = (
        ComplianceFigure.objects.filter(fy=fy)
        .select_related("body", "measure__edition")
        .order_by("quarter", "body__name", "measure__edition__in_force_from", "measure__position", "measure__key")
    )
    return [
        [f.fy, f.quarter, f.body.name, f.measure.key, f.numerator, f.denominator, format_breakdown(f.breakdown)]
        for f in figures
    ]


@exporter(
    "code_compliance",
    capability="delivery.view",
    fy_required=True,
    description="A year's Victims' Code compliance figures, by quarter, body and measure.",
)
def export_code_compliance(*, fy: int | None) -> Sheet:
    return Sheet(f"Code compliance {fy}", list(EXPORT_COLUMNS), compliance_rows(fy=fy))
