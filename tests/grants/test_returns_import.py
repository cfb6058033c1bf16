"""``import_data returns``: the returns format of docs/formats.md; every bad cell refused with its row and
column and nothing saved; re-importing updates a return until it is accepted."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from grants.models import AwardKPI, AwardStatus, MonitoringReturn, Rag, ReturnStatus
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from tests.factories import AwardFactory

pytestmark = pytest.mark.django_db

COLUMNS = [
    "award_reference",
    "fy",
    "quarter",
    "referrals",
    "supported",
    "crime:domestic_abuse",
    "crime:sexual_violence",
    "sex:female",
    "sex:male",
    "outcome:feel_safer:improved",
    "outcome:feel_safer:assessed",
    "kpi:People helped",
    "rag",
    "narrative",
    "status",
]


def table(*rows: dict, columns=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode()


def failures(data: bytes) -> dict[tuple[int, str], str]:
    with pytest.raises(ImportFailed) as failure:
        run_import("returns", data)
    return {(error.row, error.column): error.message for error in failure.value.errors}


@pytest.fixture
def award():
    award = AwardFactory(
        reference="AWD-1",
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2021, 3, 31),
    )
    AwardKPI.objects.create(award=award, name="People helped", unit="people", target=Decimal(30))
    return award


def good_row(**changes) -> dict:
    row = {
        "award_reference": "AWD-1",
        "fy": "2019",
        "quarter": "2",
        "referrals": "50",
        "supported": "40",
        "crime:domestic_abuse": "30",
        "crime:sexual_violence": "10",
        "sex:female": "35",
        "sex:male": "5",
        "outcome:feel_safer:improved": "20",
        "outcome:feel_safer:assessed": "25",
        "kpi:People helped": "41.5",
        "narrative": "=A good quarter",
        "status": "",
    }
    row.update(changes)
    return row


def test_a_return_is_imported_with_its_breakdowns_outcomes_and_kpi_values(award):
    result = run_import("returns", table(good_row()))

    assert (result.created, result.updated) == (1, 0)
    ret = MonitoringReturn.objects.get(award=award, fy=2019, quarter=2)
    assert ret.status == ReturnStatus.SUBMITTED
    assert (ret.referrals, ret.supported, ret.narrative) == (50, 40, "=A good quarter")
    assert {(b.code.list, b.code.code): b.count for b in ret.breakdowns.all()} == {
        ("crime", "domestic_abuse"): 30,
        ("crime", "sexual_violence"): 10,
        ("sex", "female"): 35,
        ("sex", "male"): 5,
    }
    assert [(o.code.code, o.assessed, o.improved) for o in ret.outcomes.all()] == [("feel_safer", 25, 20)]
    assert [(v.kpi.name, v.value) for v in ret.kpi_values.all()] == [("People helped", Decimal("41.5"))]


def test_reimporting_updates_the_return_until_it_is_accepted_then_refuses(award):
    run_import("returns", table(good_row()))
    result = run_import("returns", table(good_row(referrals="60", rag="amber", status="accepted")))
    assert (result.created, result.updated) == (0, 1)
    ret = MonitoringReturn.objects.get(award=award, fy=2019, quarter=2)
    assert (ret.referrals, ret.status, ret.rag) == (60, ReturnStatus.ACCEPTED, Rag.AMBER)

    errors = failures(table(good_row(referrals="70")))

    assert any("accepted" in message for message in errors.values())
    assert all(row == 2 for row, _column in errors)
    ret.refresh_from_db()
    assert ret.referrals == 60


def test_every_bad_cell_is_reported_with_row_and_column_and_nothing_is_saved(award):
    data = table(
        good_row(quarter="1"),  # fine on its own
        good_row(award_reference="NOPE"),
        good_row(quarter="3", referrals="-1", **{"crime:domestic_abuse": "-3"}),
        good_row(quarter="4", **{"outcome:feel_safer:improved": "26"}),
        good_row(fy="2021", quarter="1"),  # the award had ended
        good_row(quarter="5"),
        good_row(fy="2020", quarter="2", rag="purple", status="accepted"),
        good_row(fy="2020", quarter="3", **{"kpi:People helped": "lots"}),
    )

    errors = failures(data)

    assert errors[(3, "award_reference")] == "There is no award with the reference 'NOPE'."
    assert "negative" in errors[(4, "referrals")]
    assert "negative" in errors[(4, "crime:domestic_abuse")]
    assert "cannot be more than the number assessed" in errors[(5, "outcome:feel_safer:improved")]
    assert "not active" in errors[(6, "quarter")]
    assert (7, "quarter") in errors
    assert (8, "rag") in errors
    assert "not a number" in errors[(9, "kpi:people helped")]  # headers are read in lower case
    assert not MonitoringReturn.objects.exists()


def test_an_unknown_code_column_is_refused_as_a_header_error(award):
    columns = [*COLUMNS, "crime:nonsense", "colour"]
    errors = failures(table(good_row(**{"crime:nonsense": "1"}), columns=columns))

    assert errors[(1, "crime:nonsense")] == "'nonsense' is not a code of the crime type list."
    assert (1, "colour") in errors
    assert not MonitoringReturn.objects.exists()


def test_a_kpi_the_award_does_not_have_is_refused(award):
    columns = [*COLUMNS, "kpi:Cups of tea"]
    errors = failures(table(good_row(**{"kpi:Cups of tea": "3"}), columns=columns))
    assert errors == {(2, "kpi:cups of tea"): "Award AWD-1 has no KPI called 'cups of tea'."}


def test_breakdowns_that_do_not_add_up_are_saved(award):
    run_import("returns", table(good_row(**{"sex:female": "1"})))
    assert MonitoringReturn.objects.get(award=award, fy=2019, quarter=2).breakdowns.get(code__code="female").count == 1


def test_a_providers_explanation_survives_a_reimport_while_the_breakdowns_still_do_not_add_up(award, provider_user):
    from grants.monitoring.return_data import ReturnData
    from grants.monitoring.services import return_save

    award.provider = provider_user.provider_membership.organisation
    award.save()
    ret = MonitoringReturn.objects.create(award=award, fy=2019, quarter=2, due_date=datetime.date(2019, 10, 20))
    return_save(
        monitoring_return=ret,
        actor=provider_user,
        expected_version=1,
        data=ReturnData(
            referrals=50,
            supported=40,
            breakdowns={"sex": {"female": 30, "male": 5}},
            breakdown_explanation="Five people did not say.",
        ),
    )

    run_import("returns", table(good_row(**{"sex:female": "30"})))  # 30 + 5 = 35 of 40: still short
    assert MonitoringReturn.objects.get(pk=ret.pk).breakdown_explanation == "Five people did not say."

    run_import("returns", table(good_row()))  # 35 + 5 = 40: adds up, nothing left to explain
    assert MonitoringReturn.objects.get(pk=ret.pk).breakdown_explanation == ""


def test_an_impossible_count_is_refused_with_its_column(award):
    errors = failures(table(good_row(**{"crime:domestic_abuse": "41"})))
    assert errors == {
        (2, "crime:domestic_abuse"): "The number supported for crime type “Domestic abuse” (41) cannot be more "
        "than the number of victims supported (40).",
    }
    assert not MonitoringReturn.objects.exists()


def test_more_assessed_than_newly_supported_is_accepted(award):
    # Outcomes are often assessed as cases close, for people first supported in earlier quarters.
    run_import("returns", table(good_row(**{"outcome:feel_safer:assessed": "41", "outcome:feel_safer:improved": "20"})))
    assert MonitoringReturn.objects.get().outcomes.get().assessed == 41


def test_an_older_quarter_than_monitoring_start_can_be_imported(settings, award):
    settings.MONITORING_START = datetime.date(2020, 4, 1)
    run_import("returns", table(good_row(fy="2019", quarter="1")))
    assert MonitoringReturn.objects.filter(award=award, fy=2019, quarter=1).exists()


def test_the_command_line_import_reports_row_and_column(tmp_path, award):
    path = tmp_path / "returns.csv"
    path.write_bytes(table(good_row(referrals="-5")))
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_data", "returns", str(path), stdout=io.StringIO(), stderr=stderr)
    assert "Row 2, column referrals" in stderr.getvalue()
    assert not MonitoringReturn.objects.exists()

    path.write_bytes(table(good_row()))
    out = io.StringIO()
    call_command("import_data", "returns", str(path), stdout=out)
    assert MonitoringReturn.objects.filter(award=award).count() == 1


def _snapshot():
    return sorted(
        (
            r.award.reference,
            r.fy,
            r.quarter,
            r.status,
            r.referrals,
            r.supported,
            r.rag,
            r.narrative,
            tuple(sorted((b.code.list, b.code.code, b.count) for b in r.breakdowns.all())),
            tuple(sorted((o.code.code, o.assessed, o.improved) for o in r.outcomes.all())),
            tuple(sorted((v.kpi.name, v.value) for v in r.kpi_values.all())),
        )
        for r in MonitoringReturn.objects.all()
    )


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_exported_returns_import_back_to_the_same_returns(award, format):
    from pcc_commissioning.interchange.exports import run_export

    AwardKPI.objects.create(award=award, name="Satisfaction", unit="%", target=Decimal(85))
    run_import(
        "returns",
        table(
            good_row(quarter="1", rag="red", status="accepted", narrative="+plus sign"),
            good_row(quarter="2", referrals="44", supported="40", **{"kpi:People helped": "40"}),
            good_row(
                quarter="3",
                **{"outcome:feel_safer:improved": "", "outcome:feel_safer:assessed": "", "crime:domestic_abuse": "0"},
            ),
        ),
    )
    before = _snapshot()
    assert len(before) == 3
    output = io.BytesIO()
    run_export("returns", format=format, output=output)

    MonitoringReturn.objects.all().delete()
    result = run_import("returns", output.getvalue(), filename=f"returns.{format}")

    assert result.created == 3
    assert _snapshot() == before


def test_a_quarter_not_yet_begun_is_refused(award, time_machine):
    time_machine.move_to(datetime.datetime(2019, 9, 30, 12, 0))
    errors = failures(table(good_row(quarter="3")))  # Q3 2019/20 starts on 1 October
    assert errors == {(2, "quarter"): "Q3 2019/20 has not started yet: no return can be recorded for it."}
    time_machine.move_to(datetime.datetime(2019, 10, 1, 9, 0))
    run_import("returns", table(good_row(quarter="3")))
    assert MonitoringReturn.objects.filter(award=award, quarter=3).exists()
