"""The plan_updates import (delivery.updates.importers): all or nothing, errors by row and column."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from delivery.models import Metric, MetricValue, ProgressUpdate, UpdateRound, UpdateState
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from tests.factories.delivery import (
    ActivityFactory,
    DeliveryPlanFactory,
    MetricFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
)

pytestmark = pytest.mark.django_db

HEADER = "objective_number,activity_number,status,update,metric,value,unit,as_at,comparison_value,comparison_as_at\n"


@pytest.fixture
def plan():
    plan = DeliveryPlanFactory(reference="FDP-2019")
    objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=plan), number="1.1")
    ActivityFactory(objective=objective, number="1.1.1")
    ActivityFactory(objective=objective, number="1.1.2")
    MetricFactory(objective=objective, name="Satisfaction with policing", unit="percent")
    return plan


def _import(text: str, *, plan="FDP-2019", period="2019-H1", actor=None):
    return run_import(
        "plan_updates",
        (HEADER + text).encode(),
        filename="updates.csv",
        options={"plan": plan, "period": period},
        actor=actor,
    )


def test_updates_and_values_come_in_with_a_round_opened_without_emails(plan, mailoutbox):
    result = _import(
        "1.1,1.1.1,on_track,Recruited 12 officers.,,,,,,\n"
        "1.1,,,,Satisfaction with policing,56.7,,2019-09-30,53,2018-09-30\n"
        "1.1,1.1.2,some_slippage,Slower than planned.,Calls answered in 10 seconds,88,percent,2019-09-30,,\n"
        "1.1,,off_track,The objective overall is behind.,,,,,,\n"
    )
    update_round = UpdateRound.objects.get(plan=plan, period="2019-H1")
    assert update_round.status == "open" and mailoutbox == []
    first = ProgressUpdate.objects.get(update_round=update_round, activity__number="1.1.1")
    assert (first.state, first.progress, first.narrative) == (
        UpdateState.SUBMITTED,
        "on_track",
        "Recruited 12 officers.",
    )
    objective_update = ProgressUpdate.objects.get(update_round=update_round, activity__isnull=True)
    assert (objective_update.objective.number, objective_update.progress) == ("1.1", "off_track")
    satisfaction = MetricValue.objects.get(metric__name="Satisfaction with policing")
    assert (
        satisfaction.value,
        satisfaction.comparison_value,
        satisfaction.comparison_as_at,
        satisfaction.update_round,
    ) == (
        Decimal("56.7"),
        Decimal("53"),
        datetime.date(2018, 9, 30),
        update_round,
    )
    created = Metric.objects.get(name="Calls answered in 10 seconds")
    assert (created.activity.number, created.unit) == ("1.1.2", "percent")
    assert (result.updated, result.created) == (3, 2)


def test_every_bad_row_is_named_with_its_column_and_nothing_is_written(plan):
    with pytest.raises(ImportFailed) as failure:
        _import(
            "1.1,1.1.1,on_track,Fine.,,,,,,\n"
            "1.1,1.1.9,on_track,No such activity.,,,,,,\n"
            "1.1,1.1.2,sideways,Bad status.,,,,,,\n"
            "1.1,,,,New measure,12,,2019-09-30,,\n"
            "1.1,,,,Satisfaction with policing,12,furlongs,2019-31-09,,\n"
            "2.7,,on_track,No such objective.,,,,,,\n"
            "1.1,1.1.2,,,Calls,,count,2019-09-30,,\n"
        )
    assert [(error.row, error.column) for error in failure.value.errors] == [
        (3, "activity_number"),
        (4, "status"),
        (5, "unit"),
        (6, "as_at"),
        (6, "unit"),
        (7, "objective_number"),
        (8, "value"),
    ]
    assert not UpdateRound.objects.exists() and not MetricValue.objects.exists()


def test_a_value_the_service_refuses_is_named_too(plan):
    with pytest.raises(ImportFailed) as failure:
        _import("1.1,,,,Satisfaction with policing,140,,2019-09-30,,\n")
    assert [(e.row, e.column, e.message) for e in failure.value.errors] == [
        (2, "value", "A percentage is between 0 and 100.")
    ]
    assert not UpdateRound.objects.exists()


def test_an_update_needs_its_status_and_text(plan):
    with pytest.raises(ImportFailed) as failure:
        _import("1.1,1.1.1,on_track,,,,,,,\n")
    assert [(e.row, e.column) for e in failure.value.errors] == [(2, "update")]


def test_importing_the_same_file_again_changes_nothing(plan):
    text = "1.1,1.1.1,complete,Done.,,,,,,\n"
    _import(text)
    again = _import(text)
    assert (again.updated, again.skipped) == (0, 1)


def test_the_plan_and_period_must_be_known(plan):
    with pytest.raises(ImportFailed) as failure:
        _import("1.1,1.1.1,complete,Done.,,,,,,\n", plan="NOPE", period="2019-H7")
    messages = [error.message for error in failure.value.errors]
    assert any("no delivery plan NOPE" in message for message in messages)
    assert any("--period" in message for message in messages)


def test_the_command_line_takes_plan_and_period(plan, tmp_path):
    path = tmp_path / "updates.csv"
    path.write_text(HEADER + "1.1,1.1.1,complete,Done.,,,,,,\n", encoding="utf-8")
    out = StringIO()
    call_command("import_data", "plan_updates", str(path), "--plan", "FDP-2019", "--period", "2019-H1", stdout=out)
    assert "Imported plan_updates" in out.getvalue()
    assert ProgressUpdate.objects.get(activity__number="1.1.1").state == UpdateState.SUBMITTED
