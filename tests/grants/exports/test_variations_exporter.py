"""export_data variations: one row per variation in the documented columns, the change of value as
money that moved, the decision that approved it, and a year filter on the day requested."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from grants.models import AwardStatus, DecisionStatus, VariationKind, VariationStatus
from grants.variations.exporters import VARIATION_COLUMNS, variations_table
from pcc_commissioning.interchange.exports import exporters, run_export
from tests.factories import AwardFactory, DecisionFactory
from tests.factories.after_decision_exports import VariationRowFactory

pytestmark = pytest.mark.django_db

D = Decimal
day = datetime.date
HEADER = (
    "award_reference,variation_reference,kind,status,requested_on,decided_on,decision_reference,"
    "old_end_date,new_end_date,value_change,reason"
)


@pytest.fixture
def varied(db):
    """AWD-1 (£30,000 to 31 March 2020) as its variations left it: extended to 30 September 2020,
    raised to £36,000 by a PCC decision, then lowered by £1,250.50; one uplift declined, a
    virement approved, and a further extension still waiting."""
    award = AwardFactory(reference="AWD-1", status=AwardStatus.ACTIVE, end_date=day(2020, 9, 30))
    decision = DecisionFactory(reference="PCC-2019-050", status=DecisionStatus.SIGNED, decided_on=day(2019, 12, 1))
    approved = {"status": VariationStatus.APPROVED, "award": award}
    VariationRowFactory(
        **approved,
        reference="AWD-1-V1",
        kind=VariationKind.EXTENSION,
        requested_on=day(2019, 10, 1),
        decided_on=day(2019, 10, 20),
        old_end_date=day(2020, 3, 31),
        new_end_date=day(2020, 9, 30),
        old_value=D("30000.00"),
        new_value=D("30000.00"),
        reason="Six more months to see the last referrals through.",
    )
    VariationRowFactory(
        **approved,
        reference="AWD-1-V2",
        kind=VariationKind.VALUE,
        requested_on=day(2019, 11, 5),
        decided_on=day(2019, 12, 2),
        decision=decision,
        old_end_date=day(2020, 9, 30),
        old_value=D("30000.00"),
        new_value=D("36000.00"),
        reason="Real Living Wage uplift",
    )
    VariationRowFactory(
        **approved,
        reference="AWD-1-V3",
        kind=VariationKind.VALUE,
        requested_on=day(2020, 1, 10),
        decided_on=day(2020, 1, 15),
        old_end_date=day(2020, 9, 30),
        old_value=D("36000.00"),
        new_value=D("34749.50"),
        reason="A post left vacant",
    )
    VariationRowFactory(
        award=award,
        reference="AWD-1-V4",
        kind=VariationKind.VALUE,
        status=VariationStatus.DECLINED,
        requested_on=day(2020, 2, 1),
        decided_on=day(2020, 2, 3),
        decision_note="No money left in the stream.",
        old_end_date=day(2020, 9, 30),
        old_value=D("34749.50"),
        new_value=D("44749.50"),
        reason="=Extra outreach",
    )
    VariationRowFactory(
        **approved,
        reference="AWD-1-V5",
        kind=VariationKind.VIREMENT,
        requested_on=day(2020, 3, 2),
        decided_on=day(2020, 3, 9),
        old_end_date=day(2020, 9, 30),
        old_value=D("34749.50"),
        new_value=D("34749.50"),
        reason="Move £2,000 into 2020/21",
    )
    VariationRowFactory(
        award=award,
        reference="AWD-1-V6",
        kind=VariationKind.EXTENSION,
        status=VariationStatus.AWAITING_DECISION,
        requested_on=day(2020, 4, 2),
        new_end_date=day(2021, 3, 31),
        reason="A second year",
    )
    return award


def csv_lines(**kwargs) -> list[str]:
    output = io.BytesIO()
    run_export("variations", format="csv", output=output, **kwargs)
    return output.getvalue().decode("utf-8").split("\r\n")[:-1]


def test_every_variation_is_written_by_the_day_requested(varied):
    assert csv_lines() == [
        HEADER,
        "AWD-1,AWD-1-V1,extension,approved,2019-10-01,2019-10-20,,2020-03-31,2020-09-30,,"
        "Six more months to see the last referrals through.",
        "AWD-1,AWD-1-V2,value,approved,2019-11-05,2019-12-02,PCC-2019-050,2020-09-30,,6000.00,Real Living Wage uplift",
        "AWD-1,AWD-1-V3,value,approved,2020-01-10,2020-01-15,,2020-09-30,,-1250.50,A post left vacant",
        # Declined: no money moved, whatever was asked for; the reason's formula is neutralised.
        "AWD-1,AWD-1-V4,value,declined,2020-02-01,2020-02-03,,2020-09-30,,,'=Extra outreach",
        # A virement moves money between years or streams, not the award's value.
        'AWD-1,AWD-1-V5,virement,approved,2020-03-02,2020-03-09,,2020-09-30,,0.00,"Move £2,000 into 2020/21"',
        # Still open: its "old" end date is the award's last day now.
        "AWD-1,AWD-1-V6,extension,awaiting_decision,2020-04-02,,,2020-09-30,2021-03-31,,A second year",
    ]


def test_the_year_selects_variations_requested_in_it(varied):
    lines = csv_lines(fy=2019)
    assert [line.split(",")[1] for line in lines[1:]] == [f"AWD-1-V{n}" for n in range(1, 6)]
    assert [line.split(",")[1] for line in csv_lines(fy=2020)[1:]] == ["AWD-1-V6"]
    assert csv_lines(fy=2018) == [HEADER]


def test_the_columns_are_those_documented():
    assert ",".join(VARIATION_COLUMNS) == HEADER
    spec = exporters()["variations"]
    assert spec.formats == ("csv", "xlsx") and not spec.fy_required and spec.capability == "grants.view"


def test_xlsx_writes_money_as_numbers_and_dates_as_dates(varied):
    output = io.BytesIO()
    run_export("variations", format="xlsx", output=output, fy=2019)
    sheet = load_workbook(output).active
    assert sheet.title == "Variations"
    assert [cell.value for cell in sheet[1]] == list(VARIATION_COLUMNS)
    row = [cell.value for cell in sheet[3]]
    assert row[1] == "AWD-1-V2"
    assert row[4] == datetime.datetime(2019, 11, 5)
    assert row[9] == 6000
    assert sheet.cell(row=4, column=10).value == -1250.5
    assert sheet.cell(row=2, column=10).value is None


def test_export_data_writes_the_file(varied, tmp_path):
    path = tmp_path / "variations.csv"
    out = io.StringIO()
    call_command("export_data", "variations", "--fy", "2019/20", "--output", str(path), stdout=out)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(VARIATION_COLUMNS)
    assert len(rows) == 6
    assert "Wrote the variations export (csv)" in out.getvalue()


def _queries(count: int) -> int:
    for number in range(count):
        award = AwardFactory(reference=f"Q-{count}-{number}")
        VariationRowFactory(award=award, decision=DecisionFactory())
    with CaptureQueriesContext(connection) as captured:
        variations_table()
    return len(captured)


def test_one_query_whatever_the_rows():
    assert _queries(2) == _queries(12) == 1
