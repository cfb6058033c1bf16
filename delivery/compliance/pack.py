"""The quarterly compliance pack, for the joint review and the return to the Secretary of State:
per measure and body the numerator, denominator, percentage and change from the quarter
before; the breakdowns supplied; and the actions of the quarter's review meeting. As a tagged
PDF (``pcc_commissioning.pdf``, in the look of the other reports) and as an XLSX workbook."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from pcc_commissioning import clock, pdf
from pcc_commissioning.charts import Chart, bar_chart, line_chart
from pcc_commissioning.interchange.exports import write_xlsx_sheet
from pcc_commissioning.periods import FinancialYear

from ..models import ReviewMeeting
from .selectors import QUARTERS, QuarterTable, breakdown_groups, quarter_meeting, quarter_table

TITLE = "Victims' Code compliance pack"
PERCENT_FORMAT = "0.0"


@dataclass
class Pack:
    table: QuarterTable
    meeting: ReviewMeeting | None

    @property
    def label(self) -> str:
        return self.table.label

    def measure_rows(self) -> list[dict]:
        """One row per measure and body, in the table's order (measures first)."""
        rows = []
        for position, measure in enumerate(self.table.measures):
            for row in self.table.rows:
                cell = row.cells[position]
                rows.append({"measure": measure, "body": row.body, "cell": cell})
        return rows

    def breakdown_rows(self) -> list[dict]:
        rows = []
        for position, measure in enumerate(self.table.measures):
            for row in self.table.rows:
                figure = row.cells[position].figure
                if figure is None:
                    continue
                for group in breakdown_groups(figure):
                    for part in group.parts:
                        rows.append({"measure": measure, "body": row.body, "group": group, "part": part})
        return rows


def pack_for(*, fy: int, quarter: int) -> Pack:
    return Pack(table=quarter_table(fy=fy, quarter=quarter), meeting=quarter_meeting(fy=fy, quarter=quarter))


def quarter_chart(table: QuarterTable) -> Chart | None:
    """The quarter's percentages: a group of bars per measure, one bar per body."""
    if not table.rows or not table.measures:
        return None
    return bar_chart(
        title=f"Compliance by measure and body, {table.label}",
        categories=[measure.name for measure in table.measures],
        series={row.body.name: [cell.percentage for cell in row.cells] for row in table.rows},
        unit="%",
        horizontal=True,
        category_label="Measure",
        value_label="Victims meeting the measure",
        decimals=1,
    )


def trend_charts(table: QuarterTable) -> list[Chart]:
    """Each measure's percentage over the year's four quarters, one line per body."""
    charts = []
    labels = [f"Q{q}" for q in QUARTERS]
    for measure in table.measures:
        trend = table.trend(measure)
        if not any(value is not None for _body, values in trend for value in values):
            continue
        charts.append(
            line_chart(
                title=f"{measure.name}: {FinancialYear(table.fy).label} by quarter",
                x_labels=labels,
                series={body.name: values for body, values in trend},
                unit="%",
                x_label="Quarter",
                value_label="Victims meeting the measure",
                decimals=1,
            )
        )
    return charts


def pack_html(pack: Pack) -> str:
    return render_to_string(
        "delivery/compliance/pack_pdf.html",
        {
            "pack": pack,
            "table": pack.table,
            "measure_rows": pack.measure_rows(),
            "breakdown_rows": pack.breakdown_rows(),
            "meeting": pack.meeting,
            "chart": quarter_chart(pack.table),
            "title": TITLE,
            "opcc_name": settings.OPCC_NAME,
            "generated": clock.today(),
        },
    )


def pack_pdf(*, fy: int, quarter: int) -> bytes:
    """The pack as a tagged A4 PDF (PDF/UA-1)."""
    return pdf.tagged_pdf(pack_html(pack_for(fy=fy, quarter=quarter)), stylesheets=["delivery/compliance/pack.css"])


def pack_filename(fy: int, quarter: int, extension: str) -> str:
    return f"victims-code-compliance-{FinancialYear(fy).label.replace('/', '-')}-Q{quarter}.{extension}"


def _percent_cells(sheet, columns: tuple[int, ...]) -> None:
    for row in sheet.iter_rows(min_row=2):
        for position in columns:
            row[position].number_format = PERCENT_FORMAT


def _widths(sheet, widths: tuple[int, ...]) -> None:
    from openpyxl.utils import get_column_letter

    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width


def _figures_sheet(workbook, pack: Pack) -> None:
    sheet = workbook.create_sheet("Figures")
    headers = [
        "Quarter",
        "Measure key",
        "Measure",
        "Right",
        "Body",
        "Numerator",
        "Denominator",
        "Percentage",
        f"Percentage {pack.table.previous_label}",
        "Change (points)",
    ]
    rows = []
    for row in pack.measure_rows():
        measure, cell = row["measure"], row["cell"]
        rows.append(
            [
                pack.label,
                measure.key,
                measure.name,
                measure.right.number if measure.right else None,
                row["body"].name,
                cell.figure.numerator if cell.figure else None,
                cell.figure.denominator if cell.figure else None,
                cell.percentage,
                cell.previous_percentage,
                cell.change,
            ]
        )
    write_xlsx_sheet(sheet, headers, rows)
    _percent_cells(sheet, (7, 8, 9))
    _widths(sheet, (14, 16, 44, 7, 32, 11, 12, 11, 14, 14))


def _breakdowns_sheet(workbook, pack: Pack) -> None:
    sheet = workbook.create_sheet("Breakdowns")
    rows = [
        [
            row["measure"].key,
            row["body"].name,
            row["group"].label,
            row["part"].category,
            row["part"].numerator,
            row["part"].denominator,
            row["part"].percentage,
        ]
        for row in pack.breakdown_rows()
    ]
    write_xlsx_sheet(
        sheet, ["Measure key", "Body", "Dimension", "Category", "Numerator", "Denominator", "Percentage"], rows
    )
    _percent_cells(sheet, (6,))
    _widths(sheet, (16, 32, 20, 30, 11, 12, 11))


def _actions_sheet(workbook, pack: Pack) -> None:
    sheet = workbook.create_sheet("Actions")
    meeting = pack.meeting
    rows = [
        [
            meeting.held_on,
            action.action,
            action.body.name if action.body else "",
            action.owner,
            action.due_on,
            action.get_status_display(),
            action.outcome,
        ]
        for action in (meeting.actions.all() if meeting else [])
    ]
    write_xlsx_sheet(sheet, ["Meeting", "Action", "Body", "Owner", "Due", "Status", "Outcome"], rows)
    _widths(sheet, (12, 60, 30, 24, 12, 10, 40))


def pack_xlsx(*, fy: int, quarter: int) -> bytes:
    """The pack as a workbook: Figures, Breakdowns and Actions sheets. Numbers are numbers;
    percentages are to one decimal place, as on the page and in the PDF."""
    from openpyxl import Workbook

    pack = pack_for(fy=fy, quarter=quarter)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for write_sheet in (_figures_sheet, _breakdowns_sheet, _actions_sheet):
        write_sheet(workbook, pack)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
