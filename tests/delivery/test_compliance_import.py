"""The code_compliance import and export: a good file, bad rows named by row and column with
nothing written, the options, the command line, and a round trip through the export."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from delivery.compliance.breakdown import BreakdownError, format_breakdown, parse_breakdown
from delivery.models import ComplianceFigure
from pcc_commissioning.interchange.exports import run_export
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

HEADER = "body,measure,numerator,denominator,breakdown\n"
GOOD = (
    HEADER + "durham constabulary,vps,412,500,crime_type:Burglary=40/52; crime_type:Domestic abuse=30/41; "
    "sex:Female=50/70\n"
    "CPS North East,Offer of a Victim Personal Statement,45,50,\n"
    "Durham Constabulary,acknowledgement,90,100,\n"
)


@pytest.fixture
def bodies():
    return OrganisationFactory(name="Durham Constabulary"), OrganisationFactory(name="CPS North East")


def _import(text: str, fy="2025", quarter="1", **kwargs):
    return run_import(
        "code_compliance", text.encode(), filename="figures.csv", options={"fy": fy, "quarter": quarter}, **kwargs
    )


def _problems(text: str, **kwargs) -> list[str]:
    with pytest.raises(ImportFailed) as excinfo:
        _import(text, **kwargs)
    assert not ComplianceFigure.objects.exists()
    return [str(error) for error in excinfo.value.errors]


def test_breakdown_cells_read_and_write_the_stored_form():
    text = "crime_type:Burglary=40/52; crime_type:Domestic abuse=30/41; sex:Female=50/70"
    stored = parse_breakdown(text)
    assert stored == {"crime_type": {"Burglary": [40, 52], "Domestic abuse": [30, 41]}, "sex": {"Female": [50, 70]}}
    assert format_breakdown(stored) == text
    assert parse_breakdown("  ;  ") == {}
    for bad in ("Burglary=40/52", "crime_type:Burglary=40", "crime_type:Burglary=4x/52", "sex:F=1/2; sex:f=1/2"):
        with pytest.raises(BreakdownError):
            parse_breakdown(bad)


def test_a_good_file_is_imported(bodies):
    police, cps = bodies
    result = _import(GOOD)
    assert (result.rows, result.created, result.updated, result.skipped) == (3, 3, 0, 0)
    vps = ComplianceFigure.objects.get(body=police, measure__key="vps")
    assert (vps.fy, vps.quarter, vps.numerator, vps.denominator) == (2025, 1, 412, 500)
    assert vps.breakdown["crime_type"]["Domestic abuse"] == [30, 41]
    assert ComplianceFigure.objects.get(body=cps).measure.key == "vps"  # matched by the measure's name
    again = _import(GOOD)
    assert (again.created, again.updated, again.skipped) == (0, 0, 3)


def test_a_dry_run_writes_nothing(bodies):
    result = _import(GOOD, dry_run=True)
    assert result.created == 3
    assert not ComplianceFigure.objects.exists()


def test_bad_rows_are_named_and_nothing_is_written(bodies):
    text = (
        HEADER + "Durham Constabulary,vps,412,500,\n"  # good, but not written
        "Nowhere Police,vps,1,2,\n"
        "Durham Constabulary,satisfaction,1,2,\n"
        "CPS North East,vps,60,50,\n"
        "CPS North East,referral,ten,50,\n"
        "CPS North East,updates,10,50,sex:Female=20/30\n"
        "CPS North East,release,10,50,Female=2/3\n"
        "Durham Constabulary,VPS,1,2,\n"
    )
    problems = _problems(text)
    assert "Row 3, column body: There is no organisation called 'Nowhere Police' on the register." in problems
    assert any(p.startswith("Row 4, column measure: 'satisfaction' is not a measure of the Code") for p in problems)
    assert any(p.startswith("Row 5, column numerator: The number meeting the measure (60)") for p in problems)
    assert "Row 6, column numerator: 'ten' is not a whole number." in problems
    assert any(p.startswith("Row 7, column breakdown: sex: the parts count 20 meeting the measure") for p in problems)
    assert any(p.startswith("Row 8, column breakdown: Part 1 ('Female=2/3') is not in the form") for p in problems)
    assert "Row 9, column measure: Row 2 already gives this body's figure for this measure." in problems


def test_missing_columns_and_options_are_reported(bodies):
    assert _problems("body,measure,numerator\nDurham Constabulary,vps,1\n") == [
        "Row 1, column denominator: This required column is missing."
    ]
    assert _problems(GOOD, quarter="5") == ["Row 1: The quarter (--quarter) must be 1, 2, 3 or 4, not '5'."]
    assert _problems(GOOD, fy="20x5") == ["Row 1: The financial year (--fy) must be between 1990 and 2100."]
    assert _problems(GOOD, fy="2019") == [
        "Row 1: No edition of the Victims' Code was in force at the end of Q1 2019/20."
    ]
    with pytest.raises(ImportFailed) as excinfo:
        run_import("code_compliance", GOOD.encode(), filename="f.csv", options={"fy": "2025"})
    assert [str(e) for e in excinfo.value.errors] == ["Row 1: The code_compliance import needs --quarter."]


def test_a_row_for_another_quarter_is_refused(bodies):
    text = "fy,quarter,body,measure,numerator,denominator\n2025,2,Durham Constabulary,vps,1,2\n"
    assert _problems(text) == ["Row 2, column quarter: This row is for quarter 2, but the import is for quarter 1."]


def test_the_export_gives_back_what_was_imported(bodies, tmp_path):
    _import(GOOD)
    exported = io.BytesIO()
    run_export("code_compliance", format="csv", output=exported, fy=2025)
    text = exported.getvalue().decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "fy,quarter,body,measure,numerator,denominator,breakdown"
    assert lines[1] == "2025,1,CPS North East,vps,45,50,"
    assert lines[2] == "2025,1,Durham Constabulary,acknowledgement,90,100,"
    assert lines[3] == (
        "2025,1,Durham Constabulary,vps,412,500,"
        "crime_type:Burglary=40/52; crime_type:Domestic abuse=30/41; sex:Female=50/70"
    )
    before = sorted(
        ComplianceFigure.objects.values_list("body__name", "measure__key", "numerator", "denominator", "breakdown")
    )
    ComplianceFigure.objects.all().delete()
    result = _import(text)
    assert result.created == 3
    after = sorted(
        ComplianceFigure.objects.values_list("body__name", "measure__key", "numerator", "denominator", "breakdown")
    )
    assert after == before


def test_the_command_line(bodies, tmp_path):
    source = tmp_path / "q1.csv"
    source.write_text(GOOD)
    out = io.StringIO()
    call_command("import_data", "code_compliance", str(source), "--fy", "2025", "--quarter", "1", stdout=out)
    assert out.getvalue().strip() == "Imported code_compliance: 3 row(s) read, 3 created, 0 updated, 0 unchanged."
    target = tmp_path / "year.xlsx"
    call_command("export_data", "code_compliance", "--fy", "2025", "--output", str(target), stdout=io.StringIO())
    from openpyxl import load_workbook

    sheet = load_workbook(target).active
    assert [cell.value for cell in sheet[1]] == [
        "fy",
        "quarter",
        "body",
        "measure",
        "numerator",
        "denominator",
        "breakdown",
    ]
    assert [cell.value for cell in sheet[2]] == [2025, 1, "CPS North East", "vps", 45, 50, None]
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_data", "code_compliance", str(source), "--fy", "2025", stderr=errors)
    assert errors.getvalue().strip() == "Row 1: The code_compliance import needs --quarter."
    with pytest.raises(CommandError, match="needs a financial year"):
        call_command("export_data", "code_compliance", "--output", str(target))
