"""The MoJ return written out: JSON, XLSX and PDF (docs/formats.md "MoJ bi-annual return")."""

import datetime
import io
import json
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from reports.moj.figures import moj_return_figures
from reports.moj.outputs import improved_share, render_json, render_pdf, render_xlsx
from tests.factories.grants import FundingLineFactory
from tests.reports.moj_dataset import build_moj_dataset, moj_award

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

SHEETS = ["Summary", "Streams", "Services", "Services by stream", "Breakdowns", "Outcomes", "Totals", "Issues"]


@pytest.fixture
def figures():
    build_moj_dataset()
    return moj_return_figures(fy=2019, half=1)


def _signed(figures: dict) -> dict:
    return {
        **figures,
        "status": "signed_off",
        "version": 2,
        "signed_off": {"name": "Fiona Finance", "role": "Chief Finance Officer", "at": "2019-11-04T10:30:00+00:00"},
        "explanations": [
            {
                "key": figures["issues"][0]["key"],
                "message": figures["issues"][0]["message"],
                "explanation": "Harbour's Q1 figures were lost in a flood; they follow in Q2.",
            }
        ],
    }


def test_json_parses_and_round_trips(figures):
    data = render_json(figures)
    assert data.startswith(b'{\n  "fy": 2019,')
    assert json.loads(data.decode("utf-8")) == figures
    assert json.loads(render_json(json.loads(data))) == figures


def test_xlsx_has_a_sheet_per_section_with_numbers_as_numbers(figures):
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(figures)))
    assert book.sheetnames == SHEETS

    streams = book["Streams"]
    assert [c.value for c in streams[1]] == [
        "Funding stream",
        "Ring-fenced for",
        "Allocation",
        "Committed",
        "Paid in half",
        "Paid year to date",
        "Unspent",
    ]
    core = [c.value for c in streams[2]]
    assert core == ["MoJ Core", None, 100000, 75000, 32000, 32000, 68000]
    assert streams["C2"].data_type == "n" and streams["C2"].number_format == "#,##0.00"
    assert [c.value for c in streams[4]] == ["Total", None, 130000, 100000, 44500, 44500, 85500]

    services = {row[0]: row for row in book["Services"].iter_rows(min_row=2, values_only=True)}
    assert services["AWD-2019-0003"][2:9] == (
        "Harbour",
        "domestic_abuse",
        "Domestic abuse support",
        20000,
        5000,
        30,
        25,
    )
    assert all(isinstance(v, int) for v in services["AWD-2019-0001"][7:9])

    breakdowns = list(book["Breakdowns"].iter_rows(min_row=2, values_only=True))
    assert [r[2:4] + r[5:] for r in breakdowns if r[0] == "AWD-2019-0001"] == [
        ("Crime type", "domestic_abuse", 22),
        ("Crime type", "violence", 11),
        ("Sex", "female", 12),
        ("Sex", "male", 3),
    ]
    assert len(breakdowns) == 2 + 2 + 2  # 0001 crime ×2 and sex ×2, 0002 age ×2

    outcomes = list(book["Outcomes"].iter_rows(min_row=2, values_only=True))
    cope = next(r for r in outcomes if r[0] == "AWD-2019-0001" and r[2] == "cope_recover")
    assert cope[4:6] == (22, 16)
    assert cope[6] == pytest.approx(0.7273)
    assert book["Outcomes"]["G2"].number_format == "0.0%"

    totals = {row[1]: row for row in book["Totals"].iter_rows(min_row=2, values_only=True)}
    assert totals["restorative_justice"][2:6] == (10000, 4500, 6, 5)
    assert totals["victim_services"][2:6] == (90000, 40000, 101, 79)
    assert totals["overall"][2:6] == (100000, 44500, 107, 84)

    issues = list(book["Issues"].iter_rows(min_row=2, values_only=True))
    assert issues[0][:6] == (
        "blocking",
        "missing_return",
        "AWD-2019-0003",
        "2019-Q1",
        None,
        "AWD-2019-0003 (Harbour): no monitoring return for Q1 2019/20.",
    )

    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Status"] == "Draft" and summary["Version"] == 1 and summary["Blocking issues"] == 2
    assert "Signed off by" not in summary


def test_xlsx_of_a_signed_off_h2_return(figures):
    h2 = moj_return_figures(fy=2019, half=2)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(_signed(h2))))
    summary = dict(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert summary["Status"] == "Signed off"
    assert summary["Signed off by"] == "Fiona Finance" and summary["Role"] == "Chief Finance Officer"
    assert isinstance(summary["Signed off at"], datetime.datetime)
    headers = [c.value for c in book["Services"][1]]
    assert headers[-3:] == ["Paid in the year (MoJ)", "Referrals in the year", "Victims supported in the year"]
    first = [c.value for c in book["Services"][2]]
    assert first[-3:] == [30000, 50, 38]
    explained = {row[7]: row[6] for row in book["Issues"].iter_rows(min_row=2, values_only=True)}
    assert explained[h2["issues"][0]["key"]].startswith("Harbour's Q1 figures")


def test_xlsx_guards_text_that_looks_like_a_formula():
    data = build_moj_dataset()
    award = moj_award("AWD-2019-0099", "=cmd|' /C calc'!A0", "general_support")
    FundingLineFactory(award=award, stream=data["core"], fy=2019, amount=Decimal("10.00"))
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(moj_return_figures(fy=2019, half=1))))
    row = next(r for r in book["Services"].iter_rows(min_row=2) if r[0].value == "AWD-2019-0099")
    assert row[2].value == "'=cmd|' /C calc'!A0"
    assert row[2].data_type == "s"


def test_improved_share():
    assert improved_share(0, 0) is None
    assert improved_share(22, 16) == Decimal("0.7273")


def _pdf_text(pdf: bytes, tmp_path, *, layout: bool = True) -> str:
    """The PDF's text: laid out as on the page (rows of tables on one line), or in reading
    order with runs of white space made one space (cells that wrap read whole)."""
    path = tmp_path / "return.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text if layout else " ".join(text.split())


@needs_poppler
def test_draft_pdf_shows_the_totals_the_issues_and_says_draft(figures, tmp_path):
    pdf = render_pdf(figures)
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf, tmp_path)
    assert "H1 2019/20 (April to September 2019)" in text
    assert "DRAFT: not signed off" in text
    # Stream totals, the restorative justice line and the overall line, exactly.
    assert "£130,000.00" in text and "£85,500.00" in text
    rj_line = next(line for line in text.splitlines() if line.strip().startswith("Restorative justice") and "£" in line)
    assert "£10,000.00" in rj_line and "£4,500.00" in rj_line
    overall = next(line for line in text.splitlines() if line.strip().startswith("Overall"))
    assert "£100,000.00" in overall and "£44,500.00" in overall and "107" in overall and "84" in overall
    flat = _pdf_text(pdf, tmp_path, layout=False)
    assert "AWD-2019-0003 (Harbour): no monitoring return for Q1 2019/20." in flat
    assert "Validation issues: 2 blocking, 4 in all" in flat
    # Exact counts (nothing suppressed, unlike the Panel report): 0005 supported 4.
    assert "<5" not in text
    info = subprocess.run(["pdfinfo", str(tmp_path / "return.pdf")], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "A4" in info


@needs_poppler
def test_the_providers_explanation_of_a_mismatch_is_in_every_output(tmp_path):
    from grants.models import MonitoringReturn

    build_moj_dataset()
    MonitoringReturn.objects.filter(award__reference="AWD-2019-0002", quarter=1).update(
        breakdown_explanation="One survivor did not give her age."
    )
    figures = moj_return_figures(fy=2019, half=1)
    said = "The provider's explanation: “One survivor did not give her age.”"

    issue = next(i for i in json.loads(render_json(figures))["issues"] if i["kind"] == "breakdown_mismatch")
    assert issue["provider_explanation"] == "One survivor did not give her age." and issue["message"].endswith(said)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(figures)))
    rows = [row for row in book["Issues"].iter_rows(min_row=2, values_only=True) if row[1] == "breakdown_mismatch"]
    assert len(rows) == 1 and rows[0][5].endswith(said)
    assert said in _pdf_text(render_pdf(figures), tmp_path, layout=False)


@needs_poppler
def test_signed_off_pdf_says_who_signed_and_shows_explanations(figures, tmp_path):
    text = _pdf_text(render_pdf(_signed(figures)), tmp_path, layout=False)
    assert "Signed off by Fiona Finance, Chief Finance Officer, on 4 November 2019" in text
    assert "DRAFT" not in text
    assert "lost in a flood" in text


@needs_poppler
def test_h2_pdf_carries_the_full_year(tmp_path):
    build_moj_dataset()
    text = _pdf_text(render_pdf(moj_return_figures(fy=2019, half=2)), tmp_path)
    assert "The whole year 2019/20 by service" in text
    assert "£54,500.00" in text  # the year's MoJ payments to the services
