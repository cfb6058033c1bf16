import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from needs_assessment.models import Area, AreaPopulation, AreaType, Indicator, IndicatorValue, Theme
from pcc_commissioning.interchange.imports import importers, run_import
from pcc_commissioning.interchange.rows import ImportFailed

from ..factories import AreaFactory, IndicatorFactory, IndicatorValueFactory, ThemeFactory

pytestmark = pytest.mark.django_db

AREAS = "code,name,type,parent_code,population,year\n"
INDICATORS = "name,theme,unit,source,definition,polarity\n"
NEEDS = "indicator,area_code,period,value\n"


def csv(header: str, *rows: str) -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode()


def problems(kind: str, data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(ImportFailed) as excinfo:
        run_import(kind, data)
    return [(error.row, error.column) for error in excinfo.value.errors]


def messages(kind: str, data: bytes) -> list[str]:
    with pytest.raises(ImportFailed) as excinfo:
        run_import(kind, data)
    return [str(error) for error in excinfo.value.errors]


def test_the_needs_importers_are_registered_for_officers():
    registered = importers()
    for kind in ("areas", "indicators", "needs"):
        assert registered[kind].capability == "needs.import"


# Areas --------------------------------------------------------------------------------------------


def test_areas_import_with_a_parent_given_later_in_the_file_and_populations_by_year():
    result = run_import(
        "areas",
        csv(
            AREAS,
            "E06000005,Darlington,local_authority,E23000008,105564,2017",
            "E06000005,,,,106566,2018",
            "E23000008,Durham,FORCE_AREA,,,",
        ),
    )
    assert (result.created, result.updated, result.skipped) == (2, 0, 0)
    darlington = Area.objects.get(code="E06000005")
    assert darlington.parent == Area.objects.get(code="E23000008", type=AreaType.FORCE_AREA)
    assert dict(darlington.populations.values_list("year", "population")) == {2017: 105_564, 2018: 106_566}


def test_reimporting_areas_changes_nothing_and_a_new_population_updates():
    data = csv(AREAS, "E23000008,Durham,force_area,,,", "E06000005,Darlington,local_authority,E23000008,106566,2018")
    run_import("areas", data)
    history = Area.history.count() + AreaPopulation.history.count()
    result = run_import("areas", data)
    assert (result.created, result.updated, result.skipped) == (0, 0, 2)
    assert Area.history.count() + AreaPopulation.history.count() == history
    result = run_import("areas", csv(AREAS, "e06000005,,,,106803,2019"))
    assert result.updated == 1
    assert AreaPopulation.objects.filter(area__code="E06000005").count() == 2


def test_bad_area_rows_are_all_reported_and_nothing_is_saved():
    data = csv(
        AREAS,
        "E23000008,Durham,force_area,,,",
        "E0600005,Bad code,local_authority,,,",
        "E06000047,County Durham,county,,,",
        "E06000005,Darlington,local_authority,E99999999,,",
        "E06000001,Hartlepool,local_authority,,lots,2019",
        "E06000002,Middlesbrough,local_authority,,1000,",
        "E06000003,Redcar,local_authority,,0,2019",
        "E06000004,,local_authority,,,",
        "E06000006,Halton,local_authority,E06000006,,",
        "E06000007,Warrington,local_authority,,1000,2019",
        "E06000007,Warrington,local_authority,,2000,2019",
        "E06000009,Blackpool,local_authority,,,",
        "E06000009,Blackburn,local_authority,,,",
    )
    assert problems("areas", data) == [
        (3, "code"),
        (4, "type"),
        (5, "parent_code"),
        (6, "population"),
        (7, "year"),
        (8, "population"),
        (9, "name"),
        (10, "parent_code"),
        (12, "year"),
        (14, "name"),
    ]
    assert not Area.objects.exists()


def test_a_service_rule_broken_by_an_area_row_is_reported_against_it():
    data = csv(AREAS, "E23000008,Durham,force_area,,,", "E23000009,Cleveland,force_area,E23000008,,")
    assert messages("areas", data) == [
        "Row 3, column parent_code: A police force area does not lie within another area: leave the parent blank."
    ]
    assert not Area.objects.exists()


# Indicators ---------------------------------------------------------------------------------------


def test_indicators_import_creates_themes_and_infers_counts_from_the_unit():
    ThemeFactory(name="Domestic abuse")
    result = run_import(
        "indicators",
        csv(
            INDICATORS,
            "Domestic abuse-related crimes,domestic ABUSE,crimes,Police recorded crime,Crimes flagged DA,higher_is_worse",
            "Proven reoffending rate (%),Reoffending,%,MoJ proven reoffending,Share reoffending,Higher_Is_Worse",
            "Victim satisfaction,Victims' needs,per cent,Survey,,higher_is_better",
        ),
    )
    assert result.created == 3
    assert Theme.objects.count() == 3
    crimes = Indicator.objects.get(name="Domestic abuse-related crimes")
    assert (crimes.theme.name, crimes.is_count, crimes.unit) == ("Domestic abuse", True, "crimes")
    assert not Indicator.objects.get(name__startswith="Proven").is_count
    satisfaction = Indicator.objects.get(name="Victim satisfaction")
    assert (satisfaction.is_count, satisfaction.polarity) == (False, "higher_is_better")


def test_an_indicator_matched_by_name_is_updated_from_non_blank_cells():
    IndicatorFactory(name="Hate crimes", unit="crimes", source="Old source")
    result = run_import("indicators", csv(INDICATORS, "HATE CRIMES,,,New source,,"))
    assert (result.updated, result.created) == (1, 0)
    indicator = Indicator.objects.get()
    assert (indicator.name, indicator.unit, indicator.source) == ("Hate crimes", "crimes", "New source")
    result = run_import("indicators", csv(INDICATORS, "Hate crimes,,,New source,,"))
    assert result.skipped == 1


def test_bad_indicator_rows_are_reported_and_nothing_is_saved():
    data = csv(
        INDICATORS,
        "Good one,New theme,crimes,,,",
        ",Theme,crimes,,,",
        "Bad polarity,,crimes,,,lower_is_better",
        "good ONE,,,,,",
    )
    assert problems("indicators", data) == [(3, "name"), (4, "polarity"), (5, "name")]
    assert not Indicator.objects.exists()
    assert not Theme.objects.exists()


# Needs values -------------------------------------------------------------------------------------


@pytest.fixture
def crimes_and_areas():
    crimes = IndicatorFactory(name="Hate crimes")
    return crimes, AreaFactory(code="E06000005"), AreaFactory(code="E06000047")


def test_needs_import_stores_years_and_quarters(crimes_and_areas):
    crimes, darlington, durham = crimes_and_areas
    result = run_import(
        "needs",
        csv(
            NEEDS,
            "hate crimes,E06000005,2019,212",
            'Hate crimes,e06000047,2019-Q1,"1,020.5"',
            "Hate crimes,E06000047,2019/20,4100",
        ),
    )
    assert result.created == 3
    assert IndicatorValue.objects.get(area=darlington).value == Decimal("212")
    quarter = IndicatorValue.objects.get(area=durham, period="2019-Q1")
    assert (quarter.fy, quarter.quarter, quarter.value) == (2019, 1, Decimal("1020.5"))
    assert IndicatorValue.objects.filter(area=durham, period="2019", quarter__isnull=True).exists()


def test_a_stored_value_is_updated_and_an_equal_one_skipped(crimes_and_areas):
    crimes, darlington, _ = crimes_and_areas
    IndicatorValueFactory(indicator=crimes, area=darlington, fy=2019, value=Decimal("200"))
    result = run_import("needs", csv(NEEDS, "Hate crimes,E06000005,2019,212", "Hate crimes,E06000005,2018,190"))
    assert (result.created, result.updated, result.skipped) == (1, 1, 0)
    assert IndicatorValue.objects.get(period="2019").value == Decimal("212")
    result = run_import("needs", csv(NEEDS, "Hate crimes,E06000005,2019,212.0"))
    assert (result.created, result.updated, result.skipped) == (0, 0, 1)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("Knife crimes,E06000005,2019,10", "indicator", "There is no indicator called 'Knife crimes'"),
        ("Hate crimes,E06000999,2019,10", "area_code", "There is no area with the code E06000999"),
        ("Hate crimes,Darlington,2019,10", "area_code", "is not an ONS GSS code"),
        ("Hate crimes,E06000005,2019,ten", "value", "'ten' is not a number"),
        ("Hate crimes,E06000005,2019,1.23456", "value", "more than 4 decimal places"),
        ("Hate crimes,E06000005,19/20,10", "period", "is not a period"),
        ("Hate crimes,E06000005,2019-H1,10", "period", "is not a period"),
        ("Hate crimes,E06000005,Q1 2019,10", "period", "is not a period"),
        ("Hate crimes,E06000005,,10", "period", "A value is required"),
        ("Hate crimes,E06000005,2019,", "value", "A value is required"),
    ],
)
def test_each_bad_needs_row_is_refused_with_row_and_column(crimes_and_areas, row, column, reason):
    data = csv(NEEDS, "Hate crimes,E06000047,2019,4100", row)
    (message,) = messages("needs", data)
    assert message.startswith(f"Row 3, column {column}: ")
    assert reason in message
    assert not IndicatorValue.objects.exists()


def test_the_same_indicator_area_and_period_twice_in_a_file_is_refused(crimes_and_areas):
    data = csv(
        NEEDS, "Hate crimes,E06000005,2019,212", "Hate crimes,E06000047,2019,4100", "HATE CRIMES,e06000005,2019/20,213"
    )
    assert messages("needs", data) == [
        "Row 4, column period: Row 2 already gives Hate crimes for E06000005 in 2019/20: give each value once."
    ]
    assert not IndicatorValue.objects.exists()


def test_every_bad_needs_row_is_reported_at_once(crimes_and_areas):
    data = csv(NEEDS, "Nope,E06000005,2019,1", "Hate crimes,E06000005,2019,1", "Hate crimes,E06000005,2020-Q9,x")
    assert problems("needs", data) == [(2, "indicator"), (4, "period"), (4, "value")]


def test_a_missing_required_column_is_reported(crimes_and_areas):
    assert problems("needs", b"indicator,area_code,value\nHate crimes,E06000005,1\n") == [(1, "period")]


def test_needs_import_reads_xlsx(crimes_and_areas):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["indicator", "area_code", "period", "value"])
    sheet.append(["Hate crimes", "E06000005", 2019, 212.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run_import("needs", buffer.getvalue(), filename="needs.xlsx")
    assert result.created == 1
    assert IndicatorValue.objects.get().value == Decimal("212.5")


def test_import_data_command_imports_areas_and_refuses_a_bad_file(tmp_path):
    good = tmp_path / "areas.csv"
    good.write_bytes(csv(AREAS, "E23000008,Durham,force_area,,,"))
    out = io.StringIO()
    call_command("import_data", "areas", str(good), stdout=out)
    assert Area.objects.filter(code="E23000008").exists()
    bad = tmp_path / "needs.csv"
    bad.write_bytes(csv(NEEDS, "Nope,E23000008,2019,1"))
    with pytest.raises(CommandError):
        call_command("import_data", "needs", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    assert not IndicatorValue.objects.exists()


def test_dry_run_writes_nothing(crimes_and_areas):
    result = run_import("needs", csv(NEEDS, "Hate crimes,E06000005,2019,212"), dry_run=True)
    assert result.created == 1
    assert not IndicatorValue.objects.exists()
