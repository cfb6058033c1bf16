"""The delivery plan's PDF: tagged, with the page's content (pdftotext shows the figures)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from delivery.models import PlanStatus
from delivery.public.pdf import build_plan_pdf, pdf_file_name
from delivery.public.selectors import UnknownPeriod

from .published_plan import build_plan

pytestmark = pytest.mark.django_db
needs_pdftotext = pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")


def _text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


@needs_pdftotext
def test_a_tagged_pdf_with_the_update_statuses_and_metric_changes(tmp_path):
    pdf = build_plan_pdf(build_plan().plan)
    (tmp_path / "plan.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(tmp_path / "plan.pdf")], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "A4" in info
    text = _text(pdf)
    assert "Force Delivery Plan 2013/14" in text
    assert "Progress update H2 2013/14 (October 2013 to March 2014)" in text
    assert "PCCG-2014-033: Force Delivery Plan: update monitored" in text
    assert "PCCG-2014-040" not in text
    assert "Objective 1.1: Increase the proportion of people" in text
    assert "Status: Some slippage (from its activities' updates)" in text
    assert "Activity 1.1.1: Hold PACT meetings in every ward Status: On track Lead: Insp Ann Lee" in text
    assert "Meetings held in every ward." in text
    assert "Submitted but not yet accepted text." not in text
    # 56.7% against 53%: up 3.7 points, and higher is better.
    assert "Latest value 56.7% (12 months to Sep 2013). Up 3.7 percentage points on the earlier value 53%" in text
    assert "Better" in text
    # 66.3% against the previous value 67.2%: down 0.9 points, worse.
    assert "Down 0.9 percentage points on the previous value 67.2% (31 December 2012): Worse" in text
    # Each chart's data table.
    assert "Police deal with community issues: the values" in text
    assert "Performance measures are currently being considered for this activity." in text
    assert "Draft: not published" not in text


@needs_pdftotext
def test_an_earlier_period():
    text = _text(build_plan_pdf(build_plan().plan, period="2013-H1"))
    assert "Progress update H1 2013/14 (April to September 2013)" in text
    assert "Meetings are being arranged." in text and "Meetings held in every ward." not in text


@needs_pdftotext
def test_an_unpublished_plan_says_so_on_every_page():
    text = _text(build_plan_pdf(build_plan(status=PlanStatus.DRAFT).plan))
    pages = text.count("Page ")
    assert pages >= 2
    assert text.count("DRAFT: NOT PUBLISHED") == pages - 1  # the running head; the cover has its own mark
    assert "Draft: not published" in text


def test_a_period_without_an_accepted_update_is_refused():
    with pytest.raises(UnknownPeriod, match="no accepted update for 2014-H1"):
        build_plan_pdf(build_plan().plan, period="2014-h1")


def test_the_file_name():
    plan = build_plan().plan
    assert pdf_file_name(plan) == "FDP-2013.pdf"
    assert pdf_file_name(plan, period="2013-h2") == "FDP-2013-2013-H2.pdf"
