"""export_data recoveries: one row per recovery, what its receipts brought back as a positive
amount (scheduled and cancelled receipts count for nothing), and a year filter on the year the
money was paid from."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from grants.models import AwardStatus, DecisionStatus, RecoveryReason, RecoveryStatus
from grants.recoveries.exporters import RECOVERY_COLUMNS, recoveries_table
from pcc_commissioning.interchange.exports import exporters, run_export
from tests.factories import AwardFactory, DecisionFactory, FundingStreamFactory, PaymentFactory
from tests.factories.after_decision_exports import RecoveryRowFactory

pytestmark = pytest.mark.django_db

D = Decimal
day = datetime.date
HEADER = "award_reference,reference,reason,amount,due_date,recovered,status,funding_stream,fy"


def receipt(recovery, amount: str, *, paid_date=None, **extra):
    return PaymentFactory(
        award=recovery.award,
        stream=recovery.stream,
        fy=recovery.fy,
        recovery=recovery,
        amount=D(amount),
        due_date=recovery.due_date,
        paid_date=paid_date,
        reason=f"Recovery {recovery.reference}",
        **extra,
    )


@pytest.fixture
def recoveries(db):
    award = AwardFactory(reference="AWD-1", status=AwardStatus.ENDED)
    core = FundingStreamFactory(name="MoJ Core")
    precept = FundingStreamFactory(name="Precept, general")
    underspend = RecoveryRowFactory(award=award, reference="REC-2019-0001", stream=core)
    receipt(underspend, "-1000.00", paid_date=day(2020, 5, 10))
    receipt(underspend, "-250.50", paid_date=day(2020, 6, 1))
    underspend.status = RecoveryStatus.RECOVERED
    underspend.save()
    ineligible = RecoveryRowFactory(
        award=award,
        reference="REC-2019-0002",
        reason=RecoveryReason.INELIGIBLE,
        amount=D("400.00"),
        stream=precept,
        due_date=day(2020, 3, 31),
        status=RecoveryStatus.PART_RECOVERED,
    )
    receipt(ineligible, "-150.00", paid_date=day(2020, 3, 20))
    receipt(ineligible, "-250.00")  # invoiced, not yet received
    receipt(ineligible, "-100.00", cancelled_at=timezone.now(), cancel_reason="Raised twice", approved_at=None)
    RecoveryRowFactory(
        award=award,
        reference="REC-2020-0001",
        reason=RecoveryReason.BREACH,
        amount=D("5000.00"),
        stream=core,
        fy=2020,
        due_date=day(2020, 9, 30),
        status=RecoveryStatus.WRITTEN_OFF,
        write_off_decision=DecisionFactory(status=DecisionStatus.SIGNED, decided_on=day(2020, 9, 1)),
    )
    return award


def csv_lines(**kwargs) -> list[str]:
    output = io.BytesIO()
    run_export("recoveries", format="csv", output=output, **kwargs)
    return output.getvalue().decode("utf-8").split("\r\n")[:-1]


def test_every_recovery_is_written_by_due_date_with_what_came_back(recoveries):
    assert csv_lines() == [
        HEADER,
        # £150 received; the £250 invoiced and the cancelled £100 are not money back.
        'AWD-1,REC-2019-0002,ineligible,400.00,2020-03-31,150.00,part_recovered,"Precept, general",2019',
        "AWD-1,REC-2019-0001,underspend,1250.50,2020-04-30,1250.50,recovered,MoJ Core,2019",
        "AWD-1,REC-2020-0001,breach,5000.00,2020-09-30,0.00,written_off,MoJ Core,2020",
    ]


def test_the_year_is_the_year_the_money_was_paid_from(recoveries):
    assert [line.split(",")[1] for line in csv_lines(fy=2019)[1:]] == ["REC-2019-0002", "REC-2019-0001"]
    assert [line.split(",")[1] for line in csv_lines(fy=2020)[1:]] == ["REC-2020-0001"]
    assert csv_lines(fy=2021) == [HEADER]


def test_the_columns_are_those_documented():
    assert ",".join(RECOVERY_COLUMNS) == HEADER
    spec = exporters()["recoveries"]
    assert spec.formats == ("csv", "xlsx") and not spec.fy_required and spec.capability == "grants.view"


def test_xlsx_and_the_command(recoveries, tmp_path):
    path = tmp_path / "recoveries.xlsx"
    call_command("export_data", "recoveries", "--fy", "2019", "--output", str(path), stdout=io.StringIO())
    sheet = load_workbook(path).active
    assert sheet.title == "Recoveries"
    assert [cell.value for cell in sheet[1]] == list(RECOVERY_COLUMNS)
    assert [cell.value for cell in sheet[3]] == [
        "AWD-1",
        "REC-2019-0001",
        "underspend",
        1250.5,
        datetime.datetime(2020, 4, 30),
        1250.5,
        "recovered",
        "MoJ Core",
        2019,
    ]
    assert sheet.max_row == 3


def _queries(count: int) -> int:
    for _ in range(count):
        recovery = RecoveryRowFactory()
        receipt(recovery, "-10.00", paid_date=day(2020, 5, 1))
    with CaptureQueriesContext(connection) as captured:
        recoveries_table()
    return len(captured)


def test_one_query_whatever_the_rows(db):
    assert _queries(2) == _queries(12) == 1
