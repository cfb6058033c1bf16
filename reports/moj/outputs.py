"""The MoJ return written out from its figures (the dict of ``reports.moj.figures``, live or
frozen at sign-off): JSON for the record and scripts, XLSX for finance and the MoJ template, a
tagged A4 PDF for the record and the Panel.

The MoJ gets exact counts: unlike the Panel report, nothing here is suppressed.
"""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from pcc_commissioning import pdf
from pcc_commissioning.interchange.exports import write_xlsx_sheet

from .codes import DIMENSION_NAMES, DIMENSIONS, ordered_codes

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
TITLE = "Ministry of Justice bi-annual return: victims' services"


# ---------------------------------------------------------------------------------------------
# Shared helpers


def render_json(figures: dict) -> bytes:
    """The figures as UTF-8 JSON, indented by two spaces."""
    return (json.dumps(figures, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def improved_share(assessed: int, improved: int) -> Decimal | None:
    """The share of those assessed who improved (0.7273), or None when nobody was assessed."""
    if not assessed:
        return None
    return (Decimal(improved) / Decimal(assessed)).quantize(Decimal("0.0001"))


def _percent(share: Decimal | None) -> str:
    return "–" if share is None else f"{share * 100:.1f}%"


def _label(figures: dict, list_name: str, code: str | None) -> str:
    if code is None:
        return "Uncategorised"
    return figures.get("labels", {}).get(list_name, {}).get(code, code)


def _when(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    moment = datetime.datetime.fromisoformat(text)
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _explanations(figures: dict) -> dict[str, str]:
    return {item["key"]: item.get("explanation", "") for item in figures.get("explanations") or []}


def _status_label(status: str) -> str:
    return {"draft": "Draft", "submitted": "Submitted for sign-off", "signed_off": "Signed off"}.get(status, status)


def _groups(figures: dict) -> list[tuple[str, str, dict]]:
    """(name, code, figures) of each total line: categories, victim services, RJ, overall."""
    totals = figures["totals"]
    rows = [(group["label"], code, group) for code, group in totals["by_category"].items()]
    rows += [
        ("All victim services (not restorative justice)", "victim_services", totals["victim_services"]),
        ("Restorative justice", "restorative_justice", totals["restorative_justice"]),
        ("Overall", "overall", totals["overall"]),
    ]
    return rows


# ---------------------------------------------------------------------------------------------
# XLSX


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _sheet(
    workbook,
    title: str,
    headers: list[str],
    rows: list[list[Any]],
    *,
    money: tuple[int, ...] = (),
    percent: tuple[int, ...] = (),
    bold_last: bool = False,
) -> None:
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title)
    write_xlsx_sheet(sheet, headers, rows)
    for row in sheet.iter_rows(min_row=2):
        for position in money:
            row[position].number_format = MONEY_FORMAT
        for position in percent:
            row[position].number_format = PERCENT_FORMAT
    if bold_last and rows:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for position, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[position - 1])) for r in rows if r[position - 1] is not None])
        sheet.column_dimensions[sheet.cell(row=1, column=position).column_letter].width = min(max(width + 2, 10), 60)


def render_xlsx(figures: dict) -> bytes:
    """The return as a workbook, one sheet per section. Money cells are numbers formatted
    #,##0.00, counts whole numbers, text guarded against formulas."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for write_sheet in _XLSX_SHEETS:
        write_sheet(workbook, figures)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _summary_sheet(workbook, figures: dict) -> None:
    signed = figures.get("signed_off") or {}
    issues = figures.get("issues", [])
    summary = [
        ["Financial year", figures["fy_label"]],
        ["Half", figures["half"]],
        ["Period", figures["period_label"]],
        ["Status", _status_label(figures["status"])],
        ["Version", figures["version"]],
        ["Figures computed at", _when(figures.get("computed_at"))],
        ["Blocking issues", sum(1 for i in issues if i["severity"] == "blocking")],
        ["Warnings", sum(1 for i in issues if i["severity"] == "warning")],
    ]
    if signed:
        summary += [
            ["Signed off by", signed.get("name", "")],
            ["Role", signed.get("role", "")],
            ["Signed off at", _when(signed.get("at"))],
        ]
    summary = [[k, v.replace(tzinfo=None) if isinstance(v, datetime.datetime) else v] for k, v in summary]
    _sheet(workbook, "Summary", ["Item", "Value"], summary)
    for row in workbook["Summary"].iter_rows(min_row=2):
        if isinstance(row[1].value, datetime.datetime):
            row[1].number_format = "yyyy-mm-dd hh:mm"


_STREAM_MONEY = ("allocation", "committed", "paid_half", "paid_ytd", "remaining")


def _streams_sheet(workbook, figures: dict) -> None:
    totals = figures["totals"]
    stream_rows = [
        [s["name"], s["ring_fenced_for"], *(_money(s[k]) for k in _STREAM_MONEY)] for s in figures["streams"]
    ]
    stream_rows.append(["Total", "", *(_money(totals[k]) for k in _STREAM_MONEY)])
    _sheet(
        workbook,
        "Streams",
        [
            "Funding stream",
            "Ring-fenced for",
            "Allocation",
            "Committed",
            "Paid in half",
            "Paid year to date",
            "Unspent",
        ],
        stream_rows,
        money=(2, 3, 4, 5, 6),
        bold_last=True,
    )


def _services_sheet(workbook, figures: dict) -> None:
    full_year = figures["half"] == 2
    service_headers = [
        "Award reference",
        "Title",
        "Provider",
        "MoJ category",
        "Category",
        "Committed (MoJ)",
        "Paid in half (MoJ)",
        "Referrals",
        "Victims supported",
        "Quarters reported",
    ]
    if full_year:
        service_headers += ["Paid in the year (MoJ)", "Referrals in the year", "Victims supported in the year"]
    service_rows = []
    for s in figures["services"]:
        row = [
            s["award_reference"],
            s["award_title"],
            s["provider"],
            s["category"] or "",
            _label(figures, "moj_category", s["category"]),
            _money(s["committed"]),
            _money(s["paid_half"]),
            s["referrals"],
            s["supported"],
            "; ".join(s["quarters_reported"]),
        ]
        if full_year:
            row += [_money(s["full_year"]["paid"]), s["full_year"]["referrals"], s["full_year"]["supported"]]
        service_rows.append(row)
    _sheet(workbook, "Services", service_headers, service_rows, money=(5, 6, 10) if full_year else (5, 6))


def _services_by_stream_sheet(workbook, figures: dict) -> None:
    split_rows = [
        [s["award_reference"], s["provider"], name, _money(part["committed"]), _money(part["paid_half"])]
        for s in figures["services"]
        for name, part in s["streams"].items()
    ]
    _sheet(
        workbook,
        "Services by stream",
        ["Award reference", "Provider", "Funding stream", "Committed", "Paid in half"],
        split_rows,
        money=(3, 4),
    )


def _breakdowns_sheet(workbook, figures: dict) -> None:
    breakdown_rows = [
        [
            s["award_reference"],
            s["provider"],
            DIMENSION_NAMES[dimension].capitalize(),
            code,
            _label(figures, dimension, code),
            count,
        ]
        for s in figures["services"]
        for dimension in DIMENSIONS
        for code, count in s["breakdowns"].get(dimension, {}).items()
    ]
    _sheet(
        workbook,
        "Breakdowns",
        ["Award reference", "Provider", "Dimension", "Code", "Category", "Count"],
        breakdown_rows,
    )


def _outcomes_sheet(workbook, figures: dict) -> None:
    outcome_rows = [
        [
            s["award_reference"],
            s["provider"],
            code,
            _label(figures, "outcome", code),
            o["assessed"],
            o["improved"],
            improved_share(o["assessed"], o["improved"]),
        ]
        for s in figures["services"]
        for code, o in s["outcomes"].items()
    ]
    _sheet(
        workbook,
        "Outcomes",
        ["Award reference", "Provider", "Outcome code", "Outcome", "Assessed", "Improved", "Improved (%)"],
        outcome_rows,
        percent=(6,),
    )


def _totals_sheet(workbook, figures: dict) -> None:
    full_year = figures["half"] == 2
    total_headers = ["Line", "Code", "Committed (MoJ)", "Paid in half (MoJ)", "Referrals", "Victims supported"]
    if full_year:
        total_headers += ["Paid in the year (MoJ)", "Referrals in the year", "Victims supported in the year"]
    total_rows = []
    for name, code, group in _groups(figures):
        row = [
            name,
            code,
            _money(group["committed"]),
            _money(group["paid_half"]),
            group["referrals"],
            group["supported"],
        ]
        if full_year:
            row += [
                _money(group["full_year"]["paid"]),
                group["full_year"]["referrals"],
                group["full_year"]["supported"],
            ]
        total_rows.append(row)
    _sheet(workbook, "Totals", total_headers, total_rows, money=(2, 3, 6) if full_year else (2, 3), bold_last=True)


def _issues_sheet(workbook, figures: dict) -> None:
    explained = _explanations(figures)
    issue_rows = [
        [
            i["severity"],
            i["kind"],
            i.get("award_reference", ""),
            i.get("quarter", ""),
            i.get("stream", ""),
            i["message"],
            explained.get(i["key"], ""),
            i["key"],
        ]
        for i in figures.get("issues", [])
    ]
    _sheet(
        workbook,
        "Issues",
        ["Severity", "Kind", "Award reference", "Quarter", "Funding stream", "Issue", "Explanation", "Key"],
        issue_rows,
    )


# The workbook's sheets, in order.
_XLSX_SHEETS = (
    _summary_sheet,
    _streams_sheet,
    _services_sheet,
    _services_by_stream_sheet,
    _breakdowns_sheet,
    _outcomes_sheet,
    _totals_sheet,
    _issues_sheet,
)


# ---------------------------------------------------------------------------------------------
# PDF


def _codes_used(figures: dict, list_name: str, per_service: list[dict]) -> list[tuple[str, str]]:
    """(code, label) of the codes any service reports, in the code list's order."""
    used = {code for counts in per_service for code in counts}
    return [(code, _label(figures, list_name, code)) for code in ordered_codes(figures, list_name, used)]


def _breakdown_tables(figures: dict) -> list[dict]:
    """One table per dimension: a row per service reporting it, a column per code used."""
    tables = []
    for dimension in DIMENSIONS:
        reporting = [s for s in figures["services"] if s["breakdowns"].get(dimension)]
        if not reporting:
            continue
        codes = _codes_used(figures, dimension, [s["breakdowns"][dimension] for s in reporting])
        tables.append(
            {
                "name": DIMENSION_NAMES[dimension],
                "codes": codes,
                "rows": [
                    {
                        "award_reference": s["award_reference"],
                        "supported": s["supported"],
                        "counts": [s["breakdowns"][dimension].get(code, 0) for code, _ in codes],
                        "total": sum(s["breakdowns"][dimension].values()),
                    }
                    for s in reporting
                ],
            }
        )
    return tables


def _outcome_table(figures: dict) -> dict | None:
    """A row per service with outcomes, a column per outcome measure used:
    improved of assessed and the percentage."""
    reporting = [s for s in figures["services"] if s["outcomes"]]
    if not reporting:
        return None
    codes = _codes_used(figures, "outcome", [s["outcomes"] for s in reporting])
    rows = []
    for s in reporting:
        cells = []
        for code, _ in codes:
            o = s["outcomes"].get(code)
            cells.append(
                None if o is None else {**o, "percent": _percent(improved_share(o["assessed"], o["improved"]))}
            )
        rows.append({"award_reference": s["award_reference"], "cells": cells})
    return {"codes": codes, "rows": rows}


def _pdf_context(figures: dict) -> dict:
    explained = _explanations(figures)
    services = [
        {
            **s,
            "category_label": _label(figures, "moj_category", s["category"]),
            "quarters": ", ".join(q.split("-", 1)[-1] for q in s["quarters_reported"]) or "none",
        }
        for s in figures["services"]
    ]
    signed = figures.get("signed_off") or {}
    return {
        "f": figures,
        "title": TITLE,
        "opcc_name": settings.OPCC_NAME,
        "full_year": figures["half"] == 2,
        "status_label": _status_label(figures["status"]),
        "signed_off": signed and {**signed, "when": _when(signed.get("at"))},
        "computed_at": _when(figures.get("computed_at")),
        "services": services,
        "breakdown_tables": _breakdown_tables(figures),
        "outcome_table": _outcome_table(figures),
        "categories": [{"name": n, "code": c, **g} for n, c, g in _groups(figures)[:-3]],
        "lines": [{"name": n, "code": c, **g} for n, c, g in _groups(figures)[-3:]],
        "issues": [{**i, "explanation": explained.get(i["key"], "")} for i in figures.get("issues", [])],
        "blocking": sum(1 for i in figures.get("issues", []) if i["severity"] == "blocking"),
    }


def render_pdf_html(figures: dict) -> str:
    return render_to_string("reports/moj/return_pdf.html", _pdf_context(figures))


def render_pdf(figures: dict) -> bytes:
    """The return as a tagged A4 PDF: signed off (by whom, when) or clearly marked DRAFT."""
    return pdf.tagged_pdf(
        render_pdf_html(figures), stylesheets=["reports/panel/report.css", "reports/moj/return_pdf.css"]
    )
