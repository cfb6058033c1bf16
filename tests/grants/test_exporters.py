"""The awards, payments and commitments exports: the import formats (so an export imports back
into an empty register unchanged), the formula guard, and flat query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from grants.awards import services as awards_services
from grants.awards.exporters import awards_table
from grants.awards.importers import AWARD_COLUMNS
from grants.awards.rules import LineInput
from grants.decisions import services as decisions_services
from grants.funding.exporters import COMMITMENT_COLUMNS, commitments_table
from grants.models import Award, AwardStatus, AwardTransition, Decision, FundingLine, MonitoringReturn, Payment
from grants.payments import services as payments_services
from grants.payments.exporters import PAYMENT_EXPORT_COLUMNS, payments_table
from outcomes.selectors import code_list
from pcc_commissioning.interchange.exports import Sheet, export_response, run_export, write_sheets
from pcc_commissioning.interchange.imports import run_import
from tests.factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    FundingLineFactory,
    FundingStreamFactory,
    KPQFactory,
    OrganisationFactory,
    PaymentFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
TRICKY_PURPOSE = 'Support for victims, "quickly";\nwith a second line, and commas, too'


@pytest.fixture
def plan(db):
    moj = OrganisationFactory(name="Ministry of Justice", kind="central_government")
    return {
        "providers": [OrganisationFactory(name="Victim Care Durham"), OrganisationFactory(name="Harbour, Ltd")],
        "priorities": [
            CommissioningPriorityFactory(code="V", name="Victims services"),
            CommissioningPriorityFactory(code="R", name="Reducing reoffending"),
        ],
        "kpqs": [KPQFactory(number=number) for number in (1, 3, 4)],
        "streams": [
            FundingStreamFactory(name="MoJ Core", source=moj),
            FundingStreamFactory(name="Precept", source=moj, kind="precept"),
        ],
    }


def build_awards(plan):
    core, precept = plan["streams"]
    decision, _ = decisions_services.decision_get_or_create(
        actor=None, reference="PCC-2019-033", decided_on=datetime.date(2019, 3, 1)
    )
    draft, _ = decisions_services.decision_get_or_create(actor=None, reference="PCC-2019-040")
    isva = code_list("moj_category").get(code="isva")
    awards_services.award_create(
        actor=None,
        reference="AWD-2019-0001",
        title='=HYPERLINK("http://example.org","click")',
        provider=plan["providers"][0],
        kind="grant",
        priority=plan["priorities"][0],
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2021, 3, 31),
        status="active",
        kpqs=plan["kpqs"][1:],
        decision=decision,
        moj_category=isva,
        purpose=TRICKY_PURPOSE,
        approach="'Quoted' approach",
        duration="2 years",
        key_activity="Open the hub",
        cost_centre="0123",
        lines=[
            LineInput(stream=core, fy=2019, amount=D("30000.00")),
            LineInput(stream=precept, fy=2019, amount=D("1234.56")),
            LineInput(stream=core, fy=2020, amount=D("31000.10")),
        ],
    )
    awards_services.award_create(
        actor=None,
        reference="AWD-2019-0002",
        title="-5 off the waiting list",
        provider=plan["providers"][1],
        kind="contract",
        priority=plan["priorities"][1],
        start_date=datetime.date(2019, 10, 1),
        end_date=datetime.date(2020, 9, 30),
        status="planned",
        kpqs=plan["kpqs"][:1],
        decision=draft,
        lines=[LineInput(stream=precept, fy=2020, amount=D("500.00"))],
    )
    awards_services.award_create(
        actor=None,
        reference="AWD-2019-0003",
        title="+@ plain title",
        provider=plan["providers"][1],
        kind="sla",
        priority=plan["priorities"][0],
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2019, 9, 30),
    )


def wipe_awards():
    Payment.all_objects.all().delete()
    MonitoringReturn.objects.all().delete()
    AwardTransition.objects.all().delete()
    FundingLine.objects.all().delete()
    Award.objects.all().delete()
    Decision.objects.all().delete()


def export(kind: str, format: str, fy=None) -> bytes:
    buffer = io.BytesIO()
    run_export(kind, format=format, output=buffer, fy=fy)
    return buffer.getvalue()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_awards_export_imports_back_into_an_empty_register_unchanged(plan, format):
    build_awards(plan)
    headers, original = awards_table(Award.objects.all())
    assert len(original) == 5  # one row per funding line; the award with no lines has one row
    data = export("awards", format)

    wipe_awards()
    result = run_import("awards", data, filename=f"awards.{format}")
    assert (result.created, result.rows) == (3, 5)

    assert awards_table(Award.objects.all()) == (headers, original)
    hub = Award.objects.get(reference="AWD-2019-0001")
    assert hub.title.startswith("=HYPERLINK") and hub.purpose == TRICKY_PURPOSE
    assert hub.approach == "'Quoted' approach" and hub.cost_centre == "0123"
    assert Award.objects.get(reference="AWD-2019-0002").title == "-5 off the waiting list"


def test_the_awards_table_is_in_the_import_format(plan):
    build_awards(plan)
    headers, rows = awards_table(Award.objects.all())
    assert headers == list(AWARD_COLUMNS)
    first = dict(zip(headers, rows[0], strict=False))
    assert first == {
        "reference": "AWD-2019-0001",
        "title": first["title"],
        "provider": "Victim Care Durham",
        "kind": "grant",
        "priority": "Victims services",
        "kpqs": "3;4",
        "purpose": TRICKY_PURPOSE,
        "approach": "'Quoted' approach",
        "start_date": datetime.date(2019, 4, 1),
        "end_date": datetime.date(2021, 3, 31),
        "status": "active",
        "funding_stream": "MoJ Core",
        "fy": 2019,
        "amount": D("30000.00"),
        "duration": "2 years",
        "key_activity": "Open the hub",
        "moj_category": "isva",
        "decision_reference": "PCC-2019-033",
        "decision_date": datetime.date(2019, 3, 1),
        "cost_centre": "0123",
    }
    # by reference, then year, then stream
    assert [(row[0], row[12], row[11]) for row in rows] == [
        ("AWD-2019-0001", 2019, "MoJ Core"),
        ("AWD-2019-0001", 2019, "Precept"),
        ("AWD-2019-0001", 2020, "MoJ Core"),
        ("AWD-2019-0002", 2020, "Precept"),
        ("AWD-2019-0003", None, ""),
    ]


def test_with_a_year_every_line_of_each_award_with_a_line_in_that_year(plan):
    build_awards(plan)
    _, rows = awards_table(Award.objects.all(), fy=2020)
    assert [(row[0], row[12]) for row in rows] == [
        ("AWD-2019-0001", 2019),
        ("AWD-2019-0001", 2019),
        ("AWD-2019-0001", 2020),
        ("AWD-2019-0002", 2020),
    ]
    _, filtered = awards_table(Award.objects.filter(reference="AWD-2019-0002"))
    assert [row[0] for row in filtered] == ["AWD-2019-0002"]


def test_text_that_a_spreadsheet_would_run_is_guarded_and_numbers_stay_numbers(plan):
    build_awards(plan)
    rows = csv_rows(export("awards", "csv"))
    titles = [row[1] for row in rows[1:]]
    assert titles[0] == '\'=HYPERLINK("http://example.org","click")'
    assert titles[3] == "'-5 off the waiting list"
    assert titles[4] == "'+@ plain title"
    assert rows[1][AWARD_COLUMNS.index("approach")] == "''Quoted' approach"
    assert rows[1][AWARD_COLUMNS.index("amount")] == "30000.00"

    sheet = load_workbook(io.BytesIO(export("awards", "xlsx"))).active
    title = sheet.cell(row=2, column=2)
    assert (title.data_type, title.value) == ("s", '\'=HYPERLINK("http://example.org","click")')
    amount = sheet.cell(row=2, column=AWARD_COLUMNS.index("amount") + 1)
    assert amount.data_type == "n" and amount.value == 30000
    start = sheet.cell(row=2, column=AWARD_COLUMNS.index("start_date") + 1)
    assert start.is_date and start.value.date() == datetime.date(2019, 4, 1)


def active_award(plan, reference: str, *, stream=None) -> Award:
    award = AwardFactory(
        reference=reference, status=AwardStatus.ACTIVE, provider=plan["providers"][0], priority=plan["priorities"][0]
    )
    FundingLineFactory(award=award, stream=stream or plan["streams"][0], fy=2019, amount=D("10000"))
    return award


def test_payments_export_round_trip_and_a_reimport_is_harmless(plan):
    award = active_award(plan, "AWD-7")
    payments_services.payment_record(
        actor=None,
        award=award,
        stream=plan["streams"][0],
        amount=D("2500.00"),
        due_date=datetime.date(2019, 6, 30),
        paid_date=datetime.date(2019, 7, 1),
        invoice_reference="=INV-1",
        po_number="PO-1",
    )
    payments_services.payment_record(
        actor=None,
        award=award,
        stream=plan["streams"][0],
        amount=D("2500.00"),
        due_date=datetime.date(2020, 4, 30),
        fy=2019,
    )
    payments_services.payment_record(
        actor=None,
        award=award,
        stream=plan["streams"][0],
        amount=D("-100.00"),
        due_date=datetime.date(2020, 5, 30),
        fy=2019,
        reason="Credit note: -unused sessions",
    )
    headers, rows = payments_table(Payment.objects.all())
    assert headers == list(PAYMENT_EXPORT_COLUMNS)
    assert headers[:8] == [
        "award_reference",
        "funding_stream",
        "due_date",
        "paid_date",
        "amount",
        "invoice_reference",
        "fy",
        "po_number",
    ]
    assert rows[0] == [
        "AWD-7",
        "MoJ Core",
        datetime.date(2019, 6, 30),
        datetime.date(2019, 7, 1),
        D("2500.00"),
        "=INV-1",
        2019,
        "PO-1",
        "",
    ]
    for format in ("csv", "xlsx"):
        data = export("payments", format)
        result = run_import("payments", data, filename=f"payments.{format}")
        assert (result.created, result.updated, result.skipped) == (0, 0, 3)
        Payment.objects.all().delete()
        run_import("payments", data, filename=f"payments.{format}")
        assert payments_table(Payment.objects.all()) == (headers, rows)


def test_payments_export_for_a_year_uses_the_year_they_count_against(plan):
    award = active_award(plan, "AWD-7")
    PaymentFactory(award=award, stream=plan["streams"][0], fy=2019, due_date=datetime.date(2020, 4, 30))
    assert len(csv_rows(export("payments", "csv", fy=2019))) == 2
    assert len(csv_rows(export("payments", "csv", fy=2020))) == 1


def test_commitments_split_committed_planned_and_paid_by_award_and_stream(plan):
    core, precept = plan["streams"]
    active = active_award(plan, "AWD-A")
    FundingLineFactory(award=active, stream=precept, fy=2019, amount=D("500"))
    FundingLineFactory(award=active, stream=core, fy=2020, amount=D("999"))
    PaymentFactory(award=active, stream=core, fy=2019, amount=D("2500"), paid_date=datetime.date(2019, 7, 1))
    PaymentFactory(
        award=active, stream=core, fy=2019, amount=D("-100"), paid_date=datetime.date(2019, 8, 1), reason="Refund"
    )
    PaymentFactory(award=active, stream=core, fy=2019, amount=D("2500"))  # scheduled, not paid
    PaymentFactory(award=active, stream=core, fy=2020, amount=D("999"), paid_date=datetime.date(2020, 5, 1))
    planned = AwardFactory(reference="AWD-B", provider=plan["providers"][1], priority=plan["priorities"][1])
    FundingLineFactory(award=planned, stream=core, fy=2019, amount=D("700"))
    cancelled = AwardFactory(
        reference="AWD-C", status=AwardStatus.CANCELLED, provider=plan["providers"][1], priority=plan["priorities"][1]
    )
    FundingLineFactory(award=cancelled, stream=core, fy=2019, amount=D("800"))

    headers, rows = commitments_table(fy=2019)
    assert headers == list(COMMITMENT_COLUMNS)
    assert rows == [
        [
            2019,
            "MoJ Core",
            "Victims services",
            "Victim Care Durham",
            "AWD-A",
            "active",
            D("10000.00"),
            D("0.00"),
            D("2400.00"),
        ],
        [
            2019,
            "MoJ Core",
            "Reducing reoffending",
            "Harbour, Ltd",
            "AWD-B",
            "planned",
            D("0.00"),
            D("700.00"),
            D("0.00"),
        ],
        [
            2019,
            "MoJ Core",
            "Reducing reoffending",
            "Harbour, Ltd",
            "AWD-C",
            "cancelled",
            D("0.00"),
            D("0.00"),
            D("0.00"),
        ],
        [
            2019,
            "Precept",
            "Victims services",
            "Victim Care Durham",
            "AWD-A",
            "active",
            D("500.00"),
            D("0.00"),
            D("0.00"),
        ],
    ]


def grow(plan, count: int) -> None:
    kpqs = plan["kpqs"]
    for number in range(count):
        award = active_award(plan, f"AWD-{number:03d}", stream=plan["streams"][number % 2])
        award.kpqs.set(kpqs[: number % 3 + 1])
        FundingLineFactory(award=award, stream=plan["streams"][(number + 1) % 2], fy=2019, amount=D("5"))
        PaymentFactory(award=award, stream=plan["streams"][number % 2], fy=2019, paid_date=datetime.date(2019, 7, 1))


def queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


@pytest.mark.parametrize(
    "make",
    [
        lambda: awards_table(Award.objects.all()),
        lambda: awards_table(Award.objects.all(), fy=2019),
        lambda: payments_table(Payment.objects.all()),
        lambda: commitments_table(fy=2019),
    ],
    ids=["awards", "awards-fy", "payments", "commitments"],
)
def test_query_counts_stay_flat(plan, make):
    grow(plan, 3)
    small = queries(make)
    grow_more = 27
    for number in range(3, 3 + grow_more):
        award = active_award(plan, f"AWD-{number:03d}")
        award.kpqs.set(plan["kpqs"])
        PaymentFactory(award=award, stream=plan["streams"][0], fy=2019)
    assert queries(make) == small


def test_a_csv_export_of_several_sheets_is_refused_and_downloads_are_attachments():
    sheets = [Sheet("A", ["a"], [[1]]), Sheet("B", ["b"], [[2]])]
    with pytest.raises(ValueError, match="only be made as XLSX"):
        write_sheets(sheets, format="csv", output=io.BytesIO())
    response = export_response(Sheet("Awards", ["title"], [["=1+1"]]), format="csv", filename="awards 2019/20")
    assert response["Content-Disposition"] == 'attachment; filename="awards-2019-20.csv"'
    assert response["Cache-Control"] == "private, no-store"  # never kept by a shared browser or proxy
    assert response.content == b"title\r\n'=1+1\r\n"
    workbook = load_workbook(io.BytesIO(export_response(sheets, format="xlsx", filename="x").content))
    assert workbook.sheetnames == ["A", "B"]
