"""The return schedule follows the award: made, re-dated, extended, cancelled, imported."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import load_workbook

from grants.awards import rules as awards_rules
from grants.awards import services as awards_services
from grants.models import AwardStatus, MonitoringReturn, ReturnStatus
from grants.monitoring.return_data import ReturnData
from grants.monitoring.services import return_save, return_submit
from grants.schedules.returns import (
    SCHEDULE_COLUMNS,
    award_returns_reconcile,
    has_started,
    return_schedule_table,
    returns_reconcile_all,
)
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.periods import fys_between

from ...factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    FundingStreamFactory,
    MonitoringReturnFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def quarters(award) -> list[tuple[int, int, str, datetime.date]]:
    return list(
        MonitoringReturn.objects.filter(award=award)
        .order_by("fy", "quarter")
        .values_list("fy", "quarter", "status", "due_date")
    )


@pytest.fixture
def parts():
    return {
        "provider": OrganisationFactory(name="Harbour"),
        "priority": CommissioningPriorityFactory(),
        "stream": FundingStreamFactory(name="Precept"),
    }


def make(parts, *, start, end, status=AwardStatus.AWARDED, **extra):
    lines = [
        awards_rules.LineInput(stream=parts["stream"], fy=fy.start_year, amount=D("1000"))
        for fy in fys_between(start, end)
    ]
    return awards_services.award_create(
        actor=None,
        title="Outreach",
        provider=parts["provider"],
        kind="grant",
        priority=parts["priority"],
        start_date=start,
        end_date=end,
        lines=lines,
        status=status,
        **extra,
    )


def test_an_award_made_gets_a_return_for_every_quarter_it_runs_due_20_days_after(settings, parts):
    settings.RETURN_DUE_DAYS = 20
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2027, 3, 31))
    # Worked out by hand: quarter ends 30 Jun, 30 Sep, 31 Dec, 31 Mar, plus 20 days.
    assert quarters(award) == [
        (2026, 1, "due", datetime.date(2026, 7, 20)),
        (2026, 2, "due", datetime.date(2026, 10, 20)),
        (2026, 3, "due", datetime.date(2027, 1, 20)),
        (2026, 4, "due", datetime.date(2027, 4, 20)),
    ]


def test_a_planned_award_owes_nothing_until_it_is_marked_awarded(parts):
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 9, 30), status=AwardStatus.PLANNED)
    assert quarters(award) == []
    awards_services.award_transition(award=award, actor=None, to_status=AwardStatus.AWARDED)
    assert [(fy, q) for fy, q, *_ in quarters(award)] == [(2026, 1), (2026, 2)]


def test_part_quarters_count_and_monitoring_start_is_the_floor(settings, parts):
    settings.MONITORING_START = datetime.date(2026, 7, 1)
    # Runs 15 May 2026 to 1 Jan 2027: Q1 is before monitoring starts; Q4 has one day (1 January).
    award = make(parts, start=datetime.date(2026, 5, 15), end=datetime.date(2027, 1, 1))
    assert [(fy, q) for fy, q, *_ in quarters(award)] == [(2026, 2), (2026, 3), (2026, 4)]


def test_an_extension_taken_across_a_quarter_adds_its_return_and_giving_it_up_removes_it(parts):
    award = make(
        parts,
        start=datetime.date(2026, 4, 1),
        end=datetime.date(2026, 12, 31),
        extension_until=datetime.date(2027, 1, 1),
    )
    assert [q for _, q, *_ in quarters(award)] == [1, 2, 3]  # the extension is not taken yet
    award = awards_services.award_update(award=award, actor=None, expected_version=None, extension_taken=True)
    assert [q for _, q, *_ in quarters(award)] == [1, 2, 3, 4]  # 1 January 2027 is in Q4
    awards_services.award_update(award=award, actor=None, expected_version=None, extension_taken=False)
    assert [q for _, q, *_ in quarters(award)] == [1, 2, 3]


def test_shortening_removes_unstarted_returns_but_never_one_a_provider_has_touched(parts):
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2027, 3, 31))
    q3 = MonitoringReturn.objects.get(award=award, quarter=3)
    return_save(monitoring_return=q3, actor=None, data=ReturnData(referrals=3), expected_version=None)
    q1 = MonitoringReturn.objects.get(award=award, quarter=1)
    return_submit(monitoring_return=q1, actor=None, data=ReturnData(referrals=5, supported=4), expected_version=None)

    awards_services.award_update(
        award=award,
        actor=None,
        expected_version=None,
        end_date=datetime.date(2026, 6, 30),
        lines=[awards_rules.LineInput(stream=parts["stream"], fy=2026, amount=D("1000"))],
    )

    # Q2 and Q4 were never started: gone. Q3's draft stays for the officer to sort out; the
    # submitted Q1 is untouched.
    assert [(q, status) for _, q, status, _ in quarters(award)] == [(1, "submitted"), (3, "draft")]


def test_a_changed_start_date_after_a_return_was_submitted_keeps_it(parts):
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 12, 31))
    q1 = MonitoringReturn.objects.get(award=award, quarter=1)
    return_submit(monitoring_return=q1, actor=None, data=ReturnData(referrals=5, supported=4), expected_version=None)
    awards_services.award_update(award=award, actor=None, expected_version=None, start_date=datetime.date(2026, 7, 1))
    assert [(q, status) for _, q, status, _ in quarters(award)] == [(1, "submitted"), (2, "due"), (3, "due")]


def test_cancelling_removes_the_unstarted_returns(parts):
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2027, 3, 31))
    q1 = MonitoringReturn.objects.get(award=award, quarter=1)
    return_submit(monitoring_return=q1, actor=None, data=ReturnData(referrals=5, supported=4), expected_version=None)
    awards_services.award_transition(award=award, actor=None, to_status=AwardStatus.CANCELLED, note="Provider closed")
    assert [(q, status) for _, q, status, _ in quarters(award)] == [(1, "submitted")]


def test_a_changed_due_days_setting_re_dates_only_unstarted_returns(settings, parts):
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 9, 30))
    q1 = MonitoringReturn.objects.get(award=award, quarter=1)
    return_save(monitoring_return=q1, actor=None, data=ReturnData(referrals=1), expected_version=None)
    settings.RETURN_DUE_DAYS = 30
    result = award_returns_reconcile(award=award)
    assert (result.created, result.removed, result.redated) == (0, 0, 1)
    assert [due for *_, due in quarters(award)] == [datetime.date(2026, 7, 20), datetime.date(2026, 10, 30)]


def test_reconciling_twice_changes_nothing(parts):
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2027, 3, 31))
    assert award_returns_reconcile(award=award).changed == 0
    assert returns_reconcile_all().changed == 0


def test_the_safety_net_schedules_awards_written_without_the_services():
    # An award saved directly (as a data fix or an old migration would) with no returns yet.
    award = AwardFactory(
        status=AwardStatus.ACTIVE, start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2026, 9, 30)
    )
    MonitoringReturnFactory(award=AwardFactory(status=AwardStatus.CANCELLED), fy=2026, quarter=1)
    result = returns_reconcile_all()
    assert (result.created, result.removed) == (2, 1)
    assert [q for _, q, *_ in quarters(award)] == [1, 2]


def test_awards_made_by_import_get_their_schedule(parts):
    header = "reference,title,provider,kind,priority,start_date,end_date,status,funding_stream,fy,amount\n"
    row = f"IMP-1,Helpline,Harbour,grant,{parts['priority'].name},2026-10-01,2027-03-31,awarded,Precept,2026,5000\n"
    run_import("awards", (header + row).encode())
    assert list(MonitoringReturn.objects.filter(award__reference="IMP-1").values_list("quarter", flat=True)) == [3, 4]


def test_a_return_can_be_filled_in_from_the_first_day_of_its_quarter(parts, time_machine):
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 12, 31))
    q3 = MonitoringReturn.objects.get(award=award, quarter=3)
    assert not has_started(q3, datetime.date(2026, 9, 30))
    assert has_started(q3, datetime.date(2026, 10, 1))

    time_machine.move_to(datetime.datetime(2026, 9, 30, 12, 0))
    with pytest.raises(ValidationError) as excinfo:
        return_save(monitoring_return=q3, actor=None, data=ReturnData(referrals=3), expected_version=None)
    assert "from 1 October 2026" in excinfo.value.message_dict["status"][0]
    time_machine.move_to(datetime.datetime(2026, 10, 1, 9, 0))
    saved, _ = return_save(monitoring_return=q3, actor=None, data=ReturnData(referrals=3), expected_version=None)
    assert saved.status == ReturnStatus.DRAFT


# The schedule as a file (export_data return_schedule) ---------------------------------------------


def test_the_schedule_exports_every_return_with_its_dates_and_status(parts, tmp_path, time_machine):
    award = make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 12, 31))
    time_machine.move_to(datetime.datetime(2026, 10, 21, 9, 0))
    q1, q2, q3 = MonitoringReturn.objects.filter(award=award).order_by("quarter")
    return_submit(monitoring_return=q1, actor=None, data=ReturnData(referrals=5, supported=4), expected_version=None)
    return_save(monitoring_return=q3, actor=None, data=ReturnData(referrals=1), expected_version=None)
    output = tmp_path / "schedule.csv"
    call_command("export_data", "return_schedule", "--fy", "2026", "--output", str(output), stdout=io.StringIO())
    rows = list(csv.reader(output.read_text(encoding="utf-8-sig").splitlines()))
    # On 21 October: Q1 submitted; Q2 (due 20 October) never started, so overdue; Q3 a draft, due 20 January.
    assert rows == [
        ["award_reference", "provider", "fy", "quarter", "period_start", "period_end", "due_date", "status"],
        [award.reference, "Harbour", "2026", "1", "2026-04-01", "2026-06-30", "2026-07-20", "submitted"],
        [award.reference, "Harbour", "2026", "2", "2026-07-01", "2026-09-30", "2026-10-20", "overdue"],
        [award.reference, "Harbour", "2026", "3", "2026-10-01", "2026-12-31", "2027-01-20", "draft"],
    ]


def test_on_its_due_date_a_return_is_due_and_the_day_after_overdue(parts, time_machine):
    make(parts, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 6, 30))
    assert return_schedule_table(today=datetime.date(2026, 7, 20))[1][0][-1] == "due"
    assert return_schedule_table(today=datetime.date(2026, 7, 21))[1][0][-1] == "overdue"


def test_the_schedule_exports_as_xlsx_and_by_year(parts, tmp_path):
    make(parts, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 6, 30))  # Q4 2025/26 and Q1 2026/27
    output = tmp_path / "schedule.xlsx"
    call_command(
        "export_data",
        "return_schedule",
        "--fy",
        "2025",
        "--format",
        "xlsx",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    sheet = load_workbook(output).active
    assert [cell.value for cell in sheet[1]] == list(SCHEDULE_COLUMNS)
    assert sheet.max_row == 2 and sheet["D2"].value == 4 and sheet["G2"].value.date() == datetime.date(2026, 4, 20)
