"""The quarterly compliance pack: the PDF's text (read back with pdftotext) and the XLSX's cells
carry each measure and body's numerator, denominator, percentage and change, the breakdowns and
the review meeting's actions."""

import datetime
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from delivery.compliance.pack import pack_pdf, pack_xlsx
from delivery.models import ComplianceMeasure
from tests.factories import OrganisationFactory
from tests.factories.delivery import ComplianceFigureFactory, ReviewActionFactory, ReviewMeetingFactory

pytestmark = pytest.mark.django_db

CODE_2020 = "Code of Practice for Victims of Crime 2020"


@pytest.fixture
def quarter():
    police = OrganisationFactory(name="Durham Constabulary")
    cps = OrganisationFactory(name="CPS North East")
    vps = ComplianceMeasure.objects.get(edition__name=CODE_2020, key="vps")
    release = ComplianceMeasure.objects.get(edition__name=CODE_2020, key="release")
    # VPS: the police 150/200 = 75.0 in Q4 2024/25, then 2/3 = 66.7 in Q1: down 8.3 points.
    ComplianceFigureFactory(body=police, measure=vps, fy=2024, quarter=4, numerator=150, denominator=200)
    ComplianceFigureFactory(
        body=police,
        measure=vps,
        fy=2025,
        quarter=1,
        numerator=2,
        denominator=3,
        breakdown={"crime_type": {"Burglary": [1, 2]}},
    )
    # Release: the CPS 45/50 = 90.0, nothing the quarter before.
    ComplianceFigureFactory(body=cps, measure=release, fy=2025, quarter=1, numerator=45, denominator=50)
    meeting = ReviewMeetingFactory(fy=2025, quarter=1, held_on=datetime.date(2025, 7, 15))
    meeting.bodies.add(police, cps)
    ReviewActionFactory(
        meeting=meeting, action="Offer every victim a VPS at the first statement.", body=police, owner="DCI Shaw"
    )
    return police, cps


def _pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode("utf-8").split())


def test_the_pdf_carries_the_figures_breakdowns_and_actions(quarter):
    data = pack_pdf(fy=2025, quarter=1)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "Victims' Code compliance pack" in text
    assert "Q1 2025/26" in text
    assert "Offer of a Victim Personal Statement (right 7), Q1 2025/26" in text
    assert "Durham Constabulary 2 3 66.7% 75.0% -8.3" in text
    assert "CPS North East 45 50 90.0% – –" in text
    assert "Burglary 1 2 50.0%" in text
    assert "Offer every victim a VPS at the first statement." in text
    assert "DCI Shaw" in text


def test_the_pdf_is_tagged_a4(quarter, tmp_path):
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo is not installed")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pack_pdf(fy=2025, quarter=1))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "A4" in info
    assert "Title:           Victims' Code compliance pack: Q1 2025/26" in info


def test_the_xlsx_cells(quarter):
    workbook = load_workbook(io.BytesIO(pack_xlsx(fy=2025, quarter=1)))
    assert workbook.sheetnames == ["Figures", "Breakdowns", "Actions"]
    figures = workbook["Figures"]
    rows = {(row[1], row[4]): row for row in figures.iter_rows(min_row=2, values_only=True)}
    police_vps = rows[("vps", "Durham Constabulary")]
    assert police_vps[0] == "Q1 2025/26"
    assert police_vps[3] == 7
    assert police_vps[5:] == (2, 3, Decimal("66.7"), Decimal("75.0"), Decimal("-8.3")) or police_vps[5:] == (
        2,
        3,
        66.7,
        75.0,
        -8.3,
    )
    cps_release = rows[("release", "CPS North East")]
    assert cps_release[5:8] in ((45, 50, Decimal("90.0")), (45, 50, 90.0))
    assert cps_release[8] is None and cps_release[9] is None
    # A body with no figure for a measure has an empty row, not a zero.
    assert rows[("referral", "CPS North East")][5:] == (None, None, None, None, None)
    assert figures["H2"].number_format == "0.0"
    breakdowns = list(workbook["Breakdowns"].iter_rows(min_row=2, values_only=True))
    assert [row[:6] for row in breakdowns] == [("vps", "Durham Constabulary", "Crime type", "Burglary", 1, 2)]
    actions = list(workbook["Actions"].iter_rows(min_row=2, values_only=True))
    assert actions[0][1:4] == ("Offer every victim a VPS at the first statement.", "Durham Constabulary", "DCI Shaw")
    assert actions[0][5] == "Open"


def test_an_empty_quarter_still_makes_a_pack():
    text = _pdf_text(pack_pdf(fy=2025, quarter=3))
    assert "No body has reported figures for Q3 2025/26." in text
    assert "No review meeting has been recorded for Q3 2025/26." in text
    workbook = load_workbook(io.BytesIO(pack_xlsx(fy=2025, quarter=3)))
    values = [cell for row in workbook["Figures"].iter_rows(min_row=2, values_only=True) for cell in row]
    assert all(value is None for value in values)
