"""A delivery plan and its latest accepted update as a tagged A4 PDF: the same content as the
public page (the tree, each part's status and update, each metric's chart with its data table),
written by the project's one PDF writer (``pcc_commissioning.pdf``).

The public page serves only published plans; ``generate_report delivery_plan`` may build any
plan so officers can preview it, and then every page says it is not published."""

from __future__ import annotations

import re

from django.conf import settings
from django.template.loader import render_to_string

from pcc_commissioning import clock
from pcc_commissioning import pdf as pdf_writer
from pcc_commissioning.periods import parse_period_input, period_code

from ..models import DeliveryPlan
from .selectors import plan_report

STYLESHEET = "delivery/public/plan_pdf.css"


def build_plan_pdf(plan: DeliveryPlan, period: str | None = None) -> bytes:
    """The plan at its latest accepted update (or the accepted update for ``period``, a code
    such as "2019-H1") as PDF bytes. Raises ``selectors.UnknownPeriod`` (a ValueError) when
    the plan has no accepted update for ``period``."""
    report = plan_report(plan, period=period)
    html = render_to_string(
        "delivery/public/plan_pdf.html",
        {"report": report, "plan": plan, "opcc_name": settings.OPCC_NAME, "generated": clock.today()},
    )
    return pdf_writer.tagged_pdf(html, stylesheets=[STYLESHEET])


def pdf_file_name(plan: DeliveryPlan, *, period: str | None = None) -> str:
    """ "FDP-2019.pdf", or "FDP-2019-2019-H1.pdf" for an earlier update (``period`` already
    checked by ``build_plan_pdf``)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", plan.reference).strip("-") or "delivery-plan"
    if period:
        name = f"{name}-{period_code(parse_period_input(period))}"
    return f"{name}.pdf"
