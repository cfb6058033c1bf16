"""The streams, awards and payments imports: each bad input refused with its row and column,
nothing saved; --update, --dry-run and harmless re-imports of payments."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from grants.awards.importers import AWARD_COLUMNS
from grants.funding.importers import STREAM_COLUMNS
from grants.models import (
    Award,
    AwardStatus,
    AwardTransition,
    Decision,
    DecisionStatus,
    FundingStream,
    Payment,
    PlanFrequency,
    PlanTiming,
    StreamAllocation,
)
from grants.payments.importers import PAYMENT_COLUMNS
from grants.schedules.instalments import payment_plan_set
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from tests.factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    FundingLineFactory,
    FundingStreamFactory,
    KPQFactory,
    OrganisationFactory,
    PaymentFactory,
    StreamAllocationFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


def table(columns, *rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue().encode()


def xlsx(columns, *rows: dict) -> bytes:
    workbook = Workbook()
    workbook.active.append(list(columns))
    for row in rows:
        workbook.active.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def failures(kind: str, data: bytes, **options) -> set[tuple[int, str]]:
    with pytest.raises(ImportFailed) as failure:
        run_import(kind, data, **options)
    return {(error.row, error.column) for error in failure.value.errors}


def messages(kind: str, data: bytes, **options) -> dict[tuple[int, str], str]:
    with pytest.raises(ImportFailed) as failure:
        run_import(kind, data, **options)
    return {(error.row, error.column): error.message for error in failure.value.errors}


@pytest.fixture
def plan(db):
    moj = OrganisationFactory(name="Ministry of Justice", kind="central_government")
    return {
        "moj": moj,
        "provider": OrganisationFactory(name="Victim Care Durham"),
        "victims": CommissioningPriorityFactory(code="V", name="Victims services"),
        "kpq3": KPQFactory(number=3),
        "kpq4": KPQFactory(number=4),
        "core": FundingStreamFactory(name="MoJ Core", source=moj),
        "precept": FundingStreamFactory(name="Precept", source=moj, kind="precept"),
    }


def award_row(**overrides) -> dict:
    row = {
        "reference": "AWD-1",
        "title": "Victim support hub",
        "provider": "victim care durham",
        "kind": "Grant",
        "priority": "VICTIMS SERVICES",
        "kpqs": "3;4",
        "purpose": "Support",
        "start_date": "2019-04-01",
        "end_date": "2021-03-31",
        "status": "planned",
        "funding_stream": "MoJ Core",
        "fy": "2019",
        "amount": "£10,000",
    }
    row.update(overrides)
    return row


# Streams ------------------------------------------------------------------------------------------


def test_streams_are_created_and_gain_or_update_a_year(plan):
    data = table(
        STREAM_COLUMNS,
        {
            "name": "ISVA grant",
            "source": "ministry of justice",
            "kind": "Central_Government",
            "moj_reported": "yes",
            "ring_fenced_for": "ISVA",
            "fy": "2019",
            "allocation": "50000",
        },
        {"name": "isva grant", "fy": "2020/21", "allocation": "55,000.00"},
        {"name": "MoJ Core", "fy": "2019", "allocation": "100000"},
    )
    result = run_import("streams", data)
    assert (result.rows, result.created, result.updated, result.skipped) == (3, 3, 0, 0)
    isva = FundingStream.objects.get(name="ISVA grant")
    assert (isva.source, isva.kind, isva.moj_reported, isva.ring_fenced_for) == (
        plan["moj"],
        "central_government",
        True,
        "ISVA",
    )
    assert dict(isva.allocations.values_list("fy", "amount")) == {2019: D("50000.00"), 2020: D("55000.00")}

    again = run_import(
        "streams",
        table(
            STREAM_COLUMNS,
            {"name": "ISVA GRANT", "fy": "2019", "allocation": "60000"},
            {"name": "ISVA grant", "fy": "2020", "allocation": "55000"},
        ),
    )
    assert (again.created, again.updated, again.skipped) == (0, 1, 1)
    assert StreamAllocation.objects.get(stream=isva, fy=2019).amount == D("60000.00")
    assert FundingStream.objects.filter(name__iexact="isva grant").count() == 1


def test_an_updated_allocation_keeps_its_notes(plan):
    StreamAllocationFactory(stream=plan["core"], fy=2019, amount=D("1.00"), notes="Letter of 3 April")
    run_import("streams", table(STREAM_COLUMNS, {"name": "MoJ Core", "fy": "2019", "allocation": "2.00"}))
    allocation = StreamAllocation.objects.get(stream=plan["core"], fy=2019)
    assert (allocation.amount, allocation.notes) == (D("2.00"), "Letter of 3 April")


def test_bad_stream_rows_are_all_reported_and_nothing_is_saved(plan):
    data = table(
        STREAM_COLUMNS,
        {"name": "New", "source": "Nobody Ltd", "kind": "central_government", "fy": "2019", "allocation": "1"},
        {"name": "Other", "source": "Ministry of Justice", "kind": "grant", "fy": "2019", "allocation": "ten"},
        {
            "name": "Third",
            "source": "Ministry of Justice",
            "kind": "other",
            "moj_reported": "maybe",
            "fy": "19/20",
            "allocation": "-5",
        },
        {"name": "MoJ Core", "fy": "2019", "allocation": "1"},
        {"name": "moj core", "fy": "2019", "allocation": "2"},
        {"name": "Lonely", "source": "Ministry of Justice", "kind": "other", "allocation": "2"},
        {"name": "No source", "kind": "other", "fy": "2019", "allocation": "2"},
    )
    reported = messages("streams", data)
    assert set(reported) == {
        (2, "source"),
        (3, "kind"),
        (3, "allocation"),
        (4, "moj_reported"),
        (4, "fy"),
        (4, "allocation"),
        (6, "fy"),
        (7, "fy"),
        (8, "source"),
    }
    assert "Nobody Ltd" in reported[(2, "source")]
    assert "row 5" in reported[(6, "fy")].lower()
    assert not FundingStream.objects.exclude(pk__in=[plan["core"].pk, plan["precept"].pk]).exists()
    assert not StreamAllocation.objects.exists()


def test_rows_of_one_stream_must_agree(plan):
    data = table(
        STREAM_COLUMNS,
        {"name": "ISVA", "source": "Ministry of Justice", "kind": "other", "fy": "2019", "allocation": "1"},
        {"name": "isva", "kind": "precept", "fy": "2020", "allocation": "1"},
    )
    assert failures("streams", data) == {(3, "kind")}


# Awards -------------------------------------------------------------------------------------------


def test_awards_are_created_with_their_lines_kpqs_decision_and_category(plan):
    data = table(
        AWARD_COLUMNS,
        award_row(
            status="active",
            decision_reference="PCC-2019-033",
            decision_date="2019-03-01",
            moj_category="ISVA",
            duration="2 years",
            key_activity="Open the hub",
            cost_centre="CC-12",
        ),
        award_row(
            funding_stream="precept",
            fy="2020",
            amount="5000.50",
            status="Active",
            decision_reference="pcc-2019-033",
            moj_category="isva",
            decision_date="2019-03-01",
        ),
        award_row(
            reference="",
            title="Small grant",
            kpqs="",
            funding_stream="",
            fy="",
            amount="",
            start_date="2019-06-01",
            end_date="2019-12-31",
        ),
    )
    result = run_import("awards", data)
    assert (result.rows, result.created, result.updated, result.skipped) == (3, 2, 0, 0)
    award = Award.objects.get(reference="AWD-1")
    assert (award.title, award.provider, award.priority, award.kind, award.status) == (
        "Victim support hub",
        plan["provider"],
        plan["victims"],
        "grant",
        "active",
    )
    assert (award.duration, award.key_activity, award.cost_centre, award.moj_category.code) == (
        "2 years",
        "Open the hub",
        "CC-12",
        "isva",
    )
    assert sorted(award.kpqs.values_list("number", flat=True)) == [3, 4]
    assert sorted(award.lines.values_list("stream__name", "fy", "amount")) == [
        ("MoJ Core", 2019, D("10000.00")),
        ("Precept", 2020, D("5000.50")),
    ]
    assert (award.decision.reference, award.decision.decided_on, award.decision.status) == (
        "PCC-2019-033",
        datetime.date(2019, 3, 1),
        DecisionStatus.SIGNED,
    )
    assert AwardTransition.objects.get(award=award).to_status == "active"
    generated = Award.objects.get(title="Small grant")
    assert generated.reference == "AWD-2019-0001"
    assert not generated.lines.exists()


@pytest.mark.parametrize(
    "overrides, column, words",
    [
        ({"provider": "Nobody Ltd"}, "provider", "no provider called 'Nobody Ltd'"),
        ({"priority": "Cheese"}, "priority", "no commissioning priority called 'Cheese'"),
        ({"funding_stream": "Lottery"}, "funding_stream", "no funding stream called 'Lottery'"),
        ({"kpqs": "3;9"}, "kpqs", "no KPQ 9"),
        ({"kpqs": "three"}, "kpqs", "not a KPQ number"),
        ({"amount": "ten pounds"}, "amount", "must be written in pounds"),
        ({"amount": "1,50"}, "amount", "'1,50' is ambiguous"),
        ({"amount": "-5"}, "amount", "cannot be negative"),
        ({"fy": "2022"}, "fy", "2022/23 is outside the award's dates"),
        ({"fy": "next year"}, "fy", "not a financial year"),
        ({"start_date": "01/04/2019"}, "start_date", "not a date in the form YYYY-MM-DD"),
        ({"end_date": "2019-02-30"}, "end_date", "is not a real date"),
        ({"decision_date": "yesterday", "decision_reference": "PCC-1"}, "decision_date", "not a date"),
        ({"decision_date": "2019-03-01"}, "decision_date", "decision's reference"),
        ({"status": "approved"}, "status", "is not one of"),
        ({"kind": "loan"}, "kind", "is not one of"),
        ({"moj_category": "knitting"}, "moj_category", "not an MoJ service category"),
        ({"title": ""}, "title", "required"),
        ({"end_date": "2019-01-01"}, "end_date", "after the start date"),
        ({"amount": ""}, "amount", "required"),
    ],
)
def test_a_bad_award_cell_is_refused_naming_row_and_column(plan, overrides, column, words):
    data = table(AWARD_COLUMNS, award_row(reference="AWD-OK"), award_row(**overrides))
    reported = messages("awards", data)
    assert (3, column) in reported, reported
    assert words.lower() in reported[(3, column)].lower()
    assert not Award.objects.exists()
    assert not Decision.objects.exists()


def test_every_bad_row_is_reported_at_once(plan):
    data = table(
        AWARD_COLUMNS,
        award_row(reference="A", provider="Nobody"),
        award_row(reference="B", amount="x"),
        award_row(reference="C"),
        award_row(reference="D", priority="Nothing", fy="2030"),
    )
    assert failures("awards", data) == {(2, "provider"), (3, "amount"), (5, "priority"), (5, "fy")}
    assert not Award.objects.exists()


def test_rows_of_one_award_must_agree_on_the_award_cells(plan):
    data = table(
        AWARD_COLUMNS,
        award_row(),
        award_row(funding_stream="Precept", title="Another title", kpqs="4;3", provider="VICTIM CARE DURHAM"),
        award_row(funding_stream="MoJ Core", fy="2020", purpose="", status="active"),
    )
    reported = messages("awards", data)
    assert set(reported) == {(3, "title"), (4, "status")}  # the same KPQs in another order, capitals and blanks agree
    assert "row 2" in reported[(3, "title")]
    assert not Award.objects.exists()


def test_two_lines_for_one_stream_and_year_are_refused(plan):
    data = table(AWARD_COLUMNS, award_row(), award_row(funding_stream="moj core", amount="1"))
    reported = messages("awards", data)
    assert set(reported) == {(3, "funding_stream")}
    assert "Row 2" in reported[(3, "funding_stream")]


def test_an_existing_reference_is_refused_without_update(plan):
    AwardFactory(reference="AWD-1", title="Stored")
    reported = messages("awards", table(AWARD_COLUMNS, award_row(reference="awd-1")))
    assert set(reported) == {(2, "reference")}
    assert "--update" in reported[(2, "reference")]
    assert Award.objects.get().title == "Stored"


def test_above_the_delegated_limit_a_committed_award_needs_a_signed_decision(plan):
    data = table(AWARD_COLUMNS, award_row(status="awarded", amount="30000"))
    reported = messages("awards", data)
    assert set(reported) == {(2, "decision_reference")}
    assert "delegated limit" in reported[(2, "decision_reference")]
    assert not Award.objects.exists()


def test_a_decision_date_that_contradicts_the_stored_decision_is_refused(plan):
    run_import("awards", table(AWARD_COLUMNS, award_row(decision_reference="PCC-1", decision_date="2019-03-01")))
    data = table(AWARD_COLUMNS, award_row(reference="AWD-2", decision_reference="PCC-1", decision_date="2019-03-02"))
    assert failures("awards", data) == {(2, "decision_date")}
    assert Award.objects.count() == 1


def test_update_replaces_fields_lines_and_kpqs_and_moves_the_status(plan):
    run_import("awards", table(AWARD_COLUMNS, award_row(), award_row(funding_stream="Precept", fy="2020")))
    award = Award.objects.get()
    data = table(
        AWARD_COLUMNS,
        award_row(title="Renamed hub", kpqs="4", status="active", amount="12000", purpose=""),
    )
    result = run_import("awards", data, update=True)
    assert (result.created, result.updated, result.skipped) == (0, 1, 0)
    award.refresh_from_db()
    assert (award.title, award.purpose, award.status) == ("Renamed hub", "", "active")
    assert list(award.kpqs.values_list("number", flat=True)) == [4]
    assert list(award.lines.values_list("stream__name", "fy", "amount")) == [("MoJ Core", 2019, D("12000.00"))]
    # planned -> awarded -> active, each move on the timeline
    assert list(award.transitions.values_list("from_status", "to_status")) == [
        ("", "planned"),
        ("planned", "awarded"),
        ("awarded", "active"),
    ]
    unchanged = run_import("awards", data, update=True)
    assert (unchanged.created, unchanged.updated, unchanged.skipped) == (0, 0, 1)


def test_update_refuses_a_status_the_award_cannot_return_to(plan):
    run_import("awards", table(AWARD_COLUMNS, award_row(status="active")))
    data = table(AWARD_COLUMNS, award_row(status="planned", title="Changed"))
    reported = messages("awards", data, update=True)
    assert set(reported) == {(2, "status")}
    assert "cannot be marked planned" in reported[(2, "status")]
    assert Award.objects.get().title == "Victim support hub"


def test_update_leaves_fields_whose_column_is_not_in_the_file(plan):
    run_import("awards", table(AWARD_COLUMNS, award_row(purpose="Keep me")))
    columns = ("reference", "title", "provider", "kind", "priority", "start_date", "end_date")
    run_import("awards", table(columns, award_row(title="New title")), update=True)
    award = Award.objects.get()
    assert (award.title, award.purpose, award.lines.count(), award.kpqs.count()) == ("New title", "Keep me", 1, 2)


def test_dry_run_reports_and_writes_nothing(plan, tmp_path):
    path = tmp_path / "awards.csv"
    path.write_bytes(table(AWARD_COLUMNS, award_row(decision_reference="PCC-9", decision_date="2019-03-01")))
    out = io.StringIO()
    call_command("import_data", "awards", str(path), "--dry-run", stdout=out)
    assert "Would import awards: 1 row(s) read, 1 created" in out.getvalue()
    assert not Award.objects.exists() and not Decision.objects.exists()
    call_command("import_data", "awards", str(path), stdout=out)
    assert Award.objects.filter(reference="AWD-1").exists()


def test_the_command_reports_every_bad_row_and_exits_non_zero(plan, tmp_path):
    path = tmp_path / "awards.csv"
    path.write_bytes(table(AWARD_COLUMNS, award_row(provider="Nobody"), award_row(reference="B", amount="x")))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_data", "awards", str(path), stderr=err)
    assert "Row 2, column provider" in err.getvalue()
    assert "Row 3, column amount" in err.getvalue()


def test_awards_import_from_xlsx_with_numbers_and_dates_as_cells(plan):
    data = xlsx(
        AWARD_COLUMNS,
        award_row(
            start_date=datetime.date(2019, 4, 1),
            end_date=datetime.datetime(2021, 3, 31),
            fy=2020,
            amount=1234.5,
            kpqs=3,
            title="'=SUM(A1)",
        ),
    )
    run_import("awards", data, filename="awards.xlsx")
    award = Award.objects.get()
    assert award.title == "=SUM(A1)"
    assert list(award.lines.values_list("fy", "amount")) == [(2020, D("1234.50"))]
    assert list(award.kpqs.values_list("number", flat=True)) == [3]


# Payments -----------------------------------------------------------------------------------------


@pytest.fixture
def active_award(plan):
    award = AwardFactory(
        reference="AWD-7", status=AwardStatus.ACTIVE, provider=plan["provider"], priority=plan["victims"]
    )
    FundingLineFactory(award=award, stream=plan["core"], fy=2019, amount=D("10000"))
    return award


def payment_row(**overrides) -> dict:
    row = {
        "award_reference": "awd-7",
        "funding_stream": "moj core",
        "due_date": "2019-06-30",
        "amount": "2500",
        "invoice_reference": "INV-1",
    }
    row.update(overrides)
    return row


def test_payments_are_recorded_and_a_reimport_is_harmless(active_award):
    data = table(
        PAYMENT_COLUMNS,
        payment_row(paid_date="2019-07-02", po_number="PO-9"),
        payment_row(due_date="2019-09-30", invoice_reference=""),
        payment_row(due_date="2019-09-30", invoice_reference=""),  # two equal instalments
        payment_row(due_date="2020-04-10", amount="1000", invoice_reference="INV-ARREARS", fy="2019"),
    )
    result = run_import("payments", data)
    assert (result.created, result.updated, result.skipped) == (4, 0, 0)
    assert Payment.objects.filter(due_date=datetime.date(2019, 9, 30)).count() == 2
    arrears = Payment.objects.get(invoice_reference="INV-ARREARS")
    assert arrears.fy == 2019  # counts against the line it pays, not the year of its due date
    first = Payment.objects.get(invoice_reference="INV-1")
    assert (first.paid_date, first.po_number, first.fy) == (datetime.date(2019, 7, 2), "PO-9", 2019)

    again = run_import("payments", data)
    assert (again.created, again.updated, again.skipped) == (0, 0, 4)
    assert Payment.objects.count() == 4


def test_a_reimported_row_with_a_paid_date_marks_the_scheduled_payment_paid(active_award, plan):
    PaymentFactory(
        award=active_award,
        stream=plan["core"],
        amount=D("2500"),
        invoice_reference="INV-1",
        due_date=datetime.date(2019, 6, 30),
    )
    result = run_import("payments", table(PAYMENT_COLUMNS, payment_row(paid_date="2019-07-01")))
    assert (result.created, result.updated, result.skipped) == (0, 1, 0)
    assert Payment.objects.get().paid_date == datetime.date(2019, 7, 1)


def test_bad_payment_rows_are_reported_and_nothing_is_saved(active_award):
    data = table(
        PAYMENT_COLUMNS,
        payment_row(),
        payment_row(award_reference="AWD-NONE"),
        payment_row(funding_stream="Lottery"),
        payment_row(amount="2,5OO"),
        payment_row(due_date="30/06/2019"),
        payment_row(fy="2020"),
        payment_row(amount="9000", invoice_reference="INV-BIG"),
        payment_row(amount="-10", invoice_reference="CREDIT"),
    )
    reported = messages("payments", data)
    assert set(reported) == {
        (3, "award_reference"),
        (4, "funding_stream"),
        (5, "amount"),
        (6, "due_date"),
        (7, "fy"),
        (8, "amount"),
        (9, "reason"),
    }
    assert "more than its £10,000.00 funding line from that stream" in reported[(8, "amount")]
    assert not Payment.objects.exists()


def test_payments_imports_hold_each_stream_to_its_own_line(active_award, plan):
    # £10,000 from MoJ Core plus a £2,000 precept line: £12,000 for the year, but the precept
    # money may not pay for MoJ work, so £10,500 from MoJ Core is refused though the year has room.
    FundingLineFactory(award=active_award, stream=plan["precept"], fy=2019, amount=D("2000"))
    reported = messages(
        "payments",
        table(
            PAYMENT_COLUMNS,
            payment_row(amount="6000"),
            payment_row(amount="4500", invoice_reference="INV-2"),
        ),
    )
    assert set(reported) == {(3, "amount")}
    assert "£500.00 more than its £10,000.00 funding line from that stream" in reported[(3, "amount")]
    assert not Payment.objects.exists()
    run_import(
        "payments",
        table(
            PAYMENT_COLUMNS,
            payment_row(amount="6000"),
            payment_row(amount="4000", invoice_reference="INV-2"),
            payment_row(amount="2000", funding_stream="precept", invoice_reference="INV-3"),
        ),
    )
    assert Payment.objects.count() == 3


@pytest.mark.due_diligence
def test_payments_imports_record_what_happened_whatever_the_due_diligence(active_award, finance_officer):
    # The provider holds none of the documents a voluntary organisation must: the payment form
    # would ask for a reason; the import (from the upload page, as finance) records it.
    assert active_award.provider.kind == "voluntary_sector"
    run_import("payments", table(PAYMENT_COLUMNS, payment_row()), actor=finance_officer)
    assert Payment.objects.get().due_diligence_note == ""


def test_an_import_beyond_the_funding_says_the_override_is_on_the_form(active_award):
    reported = messages("payments", table(PAYMENT_COLUMNS, payment_row(amount="10000.01")))
    assert reported[(2, "amount")].endswith(
        "Change the amount (a finance override can be recorded on the payment form only)."
    )


def test_a_refund_with_a_reason_column_is_recorded(active_award):
    run_import("payments", table(PAYMENT_COLUMNS, payment_row(paid_date="2019-07-01")))
    data = table(
        (*PAYMENT_COLUMNS, "reason"), payment_row(amount="-100", invoice_reference="CN-1", reason="Underspend")
    )
    run_import("payments", data)
    assert Payment.objects.get(invoice_reference="CN-1").amount == D("-100.00")


def test_payments_of_an_award_not_yet_made_are_refused(plan):
    award = AwardFactory(reference="AWD-7", provider=plan["provider"], priority=plan["victims"])
    FundingLineFactory(award=award, stream=plan["core"], fy=2019)
    reported = messages("payments", table(PAYMENT_COLUMNS, payment_row()))
    assert set(reported) == {(2, "award_reference")}


def test_a_payments_file_takes_the_same_number_of_queries_whatever_its_rows(plan, finance_officer):
    # N payments on N/4 awards (one £10,000 line each from MoJ Core for 2019): the awards,
    # streams, stored payments and funding are loaded once for the file and the payments
    # inserted in batches, so 40 more rows cost at most two more queries (SQLite caps a batch
    # at 999 parameters); row by row each payment cost about fifteen.
    def awards(prefix: str, count: int) -> None:
        for number in range(count):
            award = AwardFactory(
                reference=f"{prefix}-{number}",
                status=AwardStatus.ACTIVE,
                provider=plan["provider"],
                priority=plan["victims"],
            )
            FundingLineFactory(award=award, stream=plan["core"], fy=2019, amount=D("10000"))

    def queries(prefix: str, rows: int) -> int:
        data = table(
            PAYMENT_COLUMNS,
            *(
                payment_row(
                    award_reference=f"{prefix.lower()}-{number % (rows // 4)}", invoice_reference=f"INV-{number}"
                )
                for number in range(rows)
            ),
        )
        with CaptureQueriesContext(connection) as captured:
            result = run_import("payments", data, actor=finance_officer)
        assert result.created == rows
        return len(captured.captured_queries)

    awards("SMALL", 5)
    awards("LARGE", 15)
    small, large = queries("SMALL", 20), queries("LARGE", 60)
    assert small <= 20
    assert large - small <= 2
    assert Payment.history.filter(history_type="+", history_user=finance_officer).count() == 80
    assert Payment.objects.filter(award__reference="LARGE-3").count() == 4
    # Stored payments count against the line: a fifth £2,500 payment goes beyond £10,000.
    data = table(PAYMENT_COLUMNS, payment_row(award_reference="large-3", invoice_reference="INV-MORE"))
    assert "£2,500.00 more than its £10,000.00 funding line" in messages("payments", data)[(2, "amount")]


def test_imported_payments_shrink_a_plans_instalments_once_per_file(plan, officer):
    award = AwardFactory(
        reference="AWD-9",
        status=AwardStatus.AWARDED,
        provider=plan["provider"],
        priority=plan["victims"],
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    FundingLineFactory(award=award, stream=plan["precept"], fy=2026, amount=D("4000"))
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    rescheduled_before = Payment.history.filter(history_type="~").count()
    run_import(
        "payments",
        table(
            PAYMENT_COLUMNS,
            payment_row(award_reference="awd-9", funding_stream="precept", due_date="2026-04-10", amount="600"),
            payment_row(
                award_reference="awd-9",
                funding_stream="precept",
                due_date="2026-04-20",
                amount="400",
                invoice_reference="INV-2",
            ),
        ),
    )
    # £4,000 less £1,000 paid in advance: £3,000 over the four quarters, each instalment
    # rescheduled once for the file (row by row it was twice: to £850, then to £750).
    pending = Payment.objects.filter(award=award).exclude(plan_period="").order_by("due_date")
    assert [payment.amount for payment in pending] == [D("750.00")] * 4
    assert Payment.history.filter(history_type="~").count() - rescheduled_before == 4


def test_an_ambiguous_amount_is_refused_naming_its_row_and_column(active_award):
    # "1,50" was once read as £150.00: a European decimal comma taken for a thousands separator.
    reported = messages(
        "payments",
        table(
            PAYMENT_COLUMNS,
            payment_row(amount="1,234.50"),
            payment_row(amount="1,50", invoice_reference="INV-2"),
            payment_row(amount="1.234,50", invoice_reference="INV-3"),
            payment_row(amount="1e5", invoice_reference="INV-4"),
        ),
    )
    assert set(reported) == {(3, "amount"), (4, "amount"), (5, "amount")}
    assert "'1,50' is ambiguous" in reported[(3, "amount")]
    assert not Payment.objects.exists()
    run_import("payments", table(PAYMENT_COLUMNS, payment_row(amount="1,234.50")))
    assert Payment.objects.get().amount == D("1234.50")


def test_a_refund_beyond_what_was_paid_is_refused_in_an_import(active_award):
    data = table(
        (*PAYMENT_COLUMNS, "reason"),
        payment_row(paid_date="2019-07-01"),
        payment_row(amount="-2500.01", invoice_reference="CN-1", reason="Clawback"),
    )
    reported = messages("payments", data)
    assert set(reported) == {(3, "amount")}
    assert "£0.01 more than the £2,500.00 paid" in reported[(3, "amount")]
    assert reported[(3, "amount")].endswith("(a finance override can be recorded on the payment form only).")
    assert not Payment.objects.exists()


@pytest.mark.parametrize("column, value", [("due_date", "0001-01-01"), ("paid_date", "9999-12-31"), ("fy", "1989")])
def test_years_outside_1990_to_2100_are_refused_in_an_import(active_award, column, value):
    reported = messages("payments", table(PAYMENT_COLUMNS, payment_row(**{column: value})))
    assert set(reported) == {(2, column)}
    assert "1990 and 2100" in reported[(2, column)]


def test_a_payments_dry_run_checks_every_row_and_stops_before_writing(active_award, finance_officer):
    # The new rows are all checked (here against the line and each other) before the first
    # insert, so a dry run reports what an import would and writes nothing at all.
    data = table(PAYMENT_COLUMNS, payment_row(), payment_row(amount="7500", invoice_reference="INV-2"))
    with CaptureQueriesContext(connection) as captured:
        result = run_import("payments", data, actor=finance_officer, dry_run=True)
    assert result.summary() == "Would import payments: 2 row(s) read, 2 created, 0 updated, 0 unchanged."
    writes = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert not Payment.objects.exists()
    one_too_many = table(PAYMENT_COLUMNS, payment_row(), payment_row(amount="7500.01", invoice_reference="INV-2"))
    reported = messages("payments", one_too_many, actor=finance_officer, dry_run=True)
    assert set(reported) == {(3, "amount")}
    assert "£0.01 more than its £10,000.00 funding line" in reported[(3, "amount")]
