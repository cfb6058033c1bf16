"""An issued agreement as a tagged PDF (through ``pcc_commissioning.pdf``, the reports' look) and
as an editable DOCX (python-docx).

Both are built only from ``agreement.figures``, what was captured when it was issued (the
award's figures, the merged wording, the variation's details), never from the award as it is
now: printed again after a variation, version 1 still says what version 1 said. The terms come
first, then the schedules every agreement has (funding by year and by stream, payments,
monitoring, special conditions) and the signature block."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from grants.agreements.merge import day_words, pounds
from grants.models import Agreement
from pcc_commissioning import pdf as pdf_writer

STYLESHEET = "grants/agreements/agreement_pdf.css"


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    total: tuple[str, ...] | None = None
    numeric: frozenset[int] = frozenset()  # the columns of amounts, aligned right
    css_class: str = ""


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def paragraphs(text: str) -> list[str]:
    """The paragraphs of officer-written text (blank lines between them)."""
    parts = [part.strip() for part in (text or "").replace("\r\n", "\n").split("\n\n")]
    return [part for part in parts if part]


def _funding(figures: dict[str, Any]) -> Section:
    total = ("Total", pounds(figures["total"]))
    return Section(
        "Schedule 1: funding",
        [f"The total value of the award is {pounds(figures['total'])}, funded as follows."],
        [
            Table(
                "Funding by financial year",
                ("Financial year", "Amount"),
                [(year["fy_label"], pounds(year["amount"])) for year in figures["years"]],
                total,
                frozenset({1}),
            ),
            Table(
                "Funding by stream",
                ("Funding stream", "Amount"),
                [(stream["stream"], pounds(stream["amount"])) for stream in figures["streams"]],
                total,
                frozenset({1}),
            ),
        ],
    )


def _payments(figures: dict[str, Any]) -> Section:
    plan = figures["payment_plan"]
    intro = (
        f"Payments are made {plan['frequency'].lower()}, {plan['timing'].lower()}."
        if plan
        else "Payments are made as scheduled below."
    )
    rows = [
        (day_words(item["due_date"]), item["stream"], _fy(figures, item["fy"]), pounds(item["amount"]))
        for item in figures["payments"]
    ]
    if not rows:
        return Section("Schedule 2: payments", [intro, "No payments were scheduled when this agreement was issued."])
    total = sum_pounds(item["amount"] for item in figures["payments"])
    return Section(
        "Schedule 2: payments",
        [intro],
        [
            Table(
                "Scheduled payments",
                ("Due date", "Funding stream", "Financial year", "Amount"),
                rows,
                ("Total scheduled", "", "", total),
                frozenset({3}),
            )
        ],
    )


def _fy(figures: dict[str, Any], fy: int) -> str:
    labels = {year["fy"]: year["fy_label"] for year in figures["years"]}
    return labels.get(fy, str(fy))


def sum_pounds(amounts) -> str:
    return pounds(str(sum((Decimal(amount) for amount in amounts), Decimal(0))))


def _monitoring(figures: dict[str, Any]) -> Section:
    section = Section("Schedule 3: monitoring")
    if figures["returns"]:
        section.paragraphs.append("The provider sends a monitoring return for each period below by its due date.")
        section.tables.append(
            Table(
                "Monitoring returns",
                ("Return", "Due by"),
                [(item["label"], day_words(item["due_date"])) for item in figures["returns"]],
            )
        )
    else:
        section.paragraphs.append("No monitoring returns were scheduled when this agreement was issued.")
    if figures["kpis"]:
        section.tables.append(
            Table(
                "Key performance indicators and targets",
                ("Indicator", "Target", "Per"),
                [(kpi["name"], target_words(kpi), kpi["target_period"]) for kpi in figures["kpis"]],
            )
        )
    else:
        section.paragraphs.append("No key performance indicators were set when this agreement was issued.")
    return section


def _conditions(figures: dict[str, Any]) -> Section:
    texts = paragraphs(figures.get("standard_conditions", "")) + paragraphs(figures.get("special_conditions", ""))
    return Section("Schedule 4: special conditions", texts or ["None."])


def _signatures(figures: dict[str, Any]) -> Section:
    provider = figures["provider"]["name"]
    people = figures["signatories"] or ["Authorised signatory"]
    rows = [(provider, name, "", "") for name in people]
    rows.append((figures["funder"], figures["lead_officer"] or "For the OPCC", "", ""))
    return Section(
        "Signatures",
        ["Signed for each party by its authorised signatory, agreeing to the terms and schedules above."],
        [Table("Signature block", ("For", "Name", "Signature", "Date"), rows, css_class="signatures")],
    )


def _variation(figures: dict[str, Any]) -> Section | None:
    variation = figures.get("variation")
    if not variation:
        return None
    rows = [
        ("Variation", variation["reference"]),
        ("Kind of change", variation["kind_label"]),
        ("Reason", variation["reason"]),
    ]
    if variation.get("new_end_date"):
        rows.append(("New end date", day_words(variation["new_end_date"])))
    if variation.get("decision"):
        rows.append(("PCC decision", variation["decision"]))
    return Section("The variation", [], [Table("What the variation changes", ("Item", "Detail"), rows)])


def schedules(figures: dict[str, Any]) -> list[Section]:
    """The parts every agreement prints after its terms, from its figures."""
    parts = [_variation(figures), _funding(figures), _payments(figures), _monitoring(figures)]
    return [part for part in parts if part] + [_conditions(figures), _signatures(figures)]


def version_line(figures: dict[str, Any]) -> str:
    """ "Version 2, issued 1 April 2019": on the first page and at the top of every other."""
    return f"Version {figures['agreement']['number']}, issued {day_words(figures['agreement']['issued_on'])}"


def summary(agreement: Agreement) -> list[tuple[str, str]]:
    """The agreement's particulars, under its title."""
    figures = agreement.figures
    rows = [
        ("Between", f"{figures['funder']} and {figures['provider']['name']}"),
        ("Award", f"{figures['reference']}: {figures['title']}"),
        ("Runs", f"{day_words(figures['start_date'])} to {day_words(figures['end_date'])}"),
        ("Total value", pounds(figures["total"])),
    ]
    if figures["decision"]:
        rows.insert(4, ("PCC decision", figures["decision"]))
    return rows


def agreement_pdf(agreement: Agreement) -> bytes:
    """The agreement as a tagged A4 PDF."""
    figures = agreement.figures
    html = render_to_string(
        "grants/agreements/agreement_pdf.html",
        {
            "figures": figures,
            "title": figures["agreement"]["title"],
            "summary": summary(agreement),
            "version_line": version_line(figures),
            "terms": paragraphs(figures["terms"]),
            "schedules": schedules(figures),
        },
    )
    return pdf_writer.tagged_pdf(html, stylesheets=[STYLESHEET])


def _docx_table(document, table: Table) -> None:
    document.add_paragraph(table.caption, style="Caption")
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    for index, text in enumerate(table.headers):
        cell = grid.rows[0].cells[index]
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in [*table.rows, *([table.total] if table.total else [])]:
        cells = grid.add_row().cells
        for index, text in enumerate(row):
            cells[index].text = text
            if index in table.numeric:
                cells[index].paragraphs[0].alignment = 2  # right
    if table.total:
        for cell in grid.rows[-1].cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True


def agreement_docx(agreement: Agreement) -> bytes:
    """The agreement as an editable Word document: the same words and tables as the PDF."""
    import docx

    figures = agreement.figures
    document = docx.Document()
    document.core_properties.title = figures["agreement"]["title"]
    document.core_properties.author = figures["funder"]
    document.add_paragraph(figures["funder"])
    document.add_heading(figures["agreement"]["title"], level=0)
    document.add_paragraph(version_line(figures))
    for label, value in summary(agreement):
        line = document.add_paragraph()
        line.add_run(f"{label}: ").bold = True
        line.add_run(value)
    document.add_heading("Terms", level=1)
    for text in paragraphs(figures["terms"]):
        document.add_paragraph(text)
    for section in schedules(figures):
        document.add_heading(section.heading, level=1)
        for text in section.paragraphs:
            document.add_paragraph(text)
        for table in section.tables:
            _docx_table(document, table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def stored_or_rebuilt(agreement: Agreement, fmt: str) -> bytes:
    """The agreement's file as issued (``fmt`` "pdf" or "docx"); rebuilt from its figures when
    the stored file is missing."""
    stored = agreement.pdf if fmt == "pdf" else agreement.docx
    if stored:
        try:
            with stored.open("rb") as handle:
                return handle.read()
        except FileNotFoundError:
            pass
    return agreement_pdf(agreement) if fmt == "pdf" else agreement_docx(agreement)


def file_name(agreement: Agreement, fmt: str) -> str:
    """ "AWD-2019-0042-grant_agreement-v2.pdf" (a letter: its variation's reference)."""
    figures = agreement.figures
    reference = (figures.get("variation") or {}).get("reference") or figures["reference"]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{reference}-{figures['agreement']['kind']}").strip("-")
    return f"{slug}-v{figures['agreement']['number']}.{fmt}"


def target_words(kpi: dict) -> str:
    """ "85%", "19 people", "No target": a percentage sign sits against its number."""
    if kpi["target"] == "":
        return "No target"
    unit = kpi["unit"].strip()
    if unit in ("%", "per cent"):
        return f"{kpi['target']}%"
    return f"{kpi['target']} {unit}".strip()
