"""Finance views and exports: commitments and payments by stream, priority, provider and month;
their totals are funding_summary's standing at today (arrears paid after the year included); CSV and XLSX downloads (real
numbers, dates as dates, a header row, a totals row in XLSX); the finance pack; export_data;
who may see them; flat query counts at two sizes."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from grants.funding.selectors import funding_summary
from grants.models import AwardStatus
from pcc_commissioning import clock
from pcc_commissioning.interchange.exports import run_export
from providers.models import Organisation
from reports.exporters import finance_pack_bytes
from reports.finance import selectors as finance
from tests.factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    FundingLineFactory,
    FundingStreamFactory,
    OrganisationFactory,
    PaymentFactory,
    PriorityBudgetFactory,
    StreamAllocationFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


def build(count: int = 1, *, fy: int = 2019):
    """``count`` sets of: an active award over two streams with lines in fy and fy+1, payments
    paid in the year, one unpaid, one paid in arrears after the year and a refund; a planned
    award; a cancelled one (counts for nothing)."""
    from grants.models import FundingStream

    start = (
        FundingStream.objects.filter(name="MoJ core").count()
        and Organisation.objects.filter(name__startswith="Provider ").count()
    )
    if not start:
        streams = [FundingStreamFactory(name="MoJ core"), FundingStreamFactory(name="Precept")]
        for stream in streams:
            StreamAllocationFactory(stream=stream, fy=fy, amount=D("500000.00"))
    else:
        streams = [FundingStream.objects.get(name="MoJ core"), FundingStream.objects.get(name="Precept")]
    priorities = [
        CommissioningPriorityFactory(code="V", name="Victims"),
        CommissioningPriorityFactory(code="R", name="Reoffending"),
    ]
    if not start:
        PriorityBudgetFactory(priority=priorities[0], fy=fy, amount=D("400000.00"))
    for n in range(start, start + count):
        provider = OrganisationFactory(name=f"Provider {n:03d}", supplier_number=f"S{n:04d}")
        active = AwardFactory(provider=provider, priority=priorities[n % 2], status=AwardStatus.ACTIVE)
        FundingLineFactory(award=active, stream=streams[0], fy=fy, amount=D("12000.50"))
        FundingLineFactory(award=active, stream=streams[1], fy=fy, amount=D("3000.00"))
        FundingLineFactory(award=active, stream=streams[0], fy=fy + 1, amount=D("9999.00"))
        PaymentFactory(
            award=active,
            stream=streams[0],
            fy=fy,
            due_date=datetime.date(fy, 4, 30),
            paid_date=datetime.date(fy, 5, 2),
            amount=D("6000.25"),
        )
        PaymentFactory(
            award=active,
            stream=streams[1],
            fy=fy,
            due_date=datetime.date(fy, 7, 31),
            paid_date=datetime.date(fy, 7, 31),
            amount=D("3000.00"),
        )
        PaymentFactory(
            award=active, stream=streams[0], fy=fy, due_date=datetime.date(fy + 1, 1, 31), amount=D("3000.00")
        )  # scheduled, not paid
        PaymentFactory(
            award=active,
            stream=streams[0],
            fy=fy,
            due_date=datetime.date(fy + 1, 3, 31),
            paid_date=datetime.date(fy + 1, 4, 20),
            amount=D("3000.25"),
        )  # arrears
        PaymentFactory(
            award=active,
            stream=streams[0],
            fy=fy,
            due_date=datetime.date(fy + 1, 2, 1),
            paid_date=datetime.date(fy + 1, 2, 3),
            amount=D("-100.00"),
            reason="Underspend returned",
        )
        planned = AwardFactory(provider=provider, priority=priorities[0], status=AwardStatus.PLANNED)
        FundingLineFactory(award=planned, stream=streams[1], fy=fy, amount=D("7000.00"))
        cancelled = AwardFactory(priority=priorities[1], status=AwardStatus.CANCELLED)
        FundingLineFactory(award=cancelled, stream=streams[1], fy=fy, amount=D("50000.00"))
    return streams, priorities


def to_date(fy: int = 2019):
    """The funding summary the finance views are: the year's money standing at today."""
    return funding_summary(fy=fy, as_at=clock.today())


def test_every_view_totals_match_funding_summary():
    build(3)
    summary = to_date()
    views = finance.finance_views(fy=2019)
    assert (views.totals.committed, views.totals.planned, views.totals.paid) == (
        summary.totals.committed,
        summary.totals.planned,
        summary.totals.paid,
    )
    assert views.totals.committed == D("45001.50")  # 3 × (12,000.50 + 3,000); cancelled and 2020 lines excluded
    assert views.totals.planned == D("21000.00")
    assert views.totals.paid == D("35701.50")  # 3 × (6,000.25 + 3,000 + 3,000.25 − 100)
    for rows in (views.summary.streams, views.summary.priorities, views.providers):
        assert sum(row.committed for row in rows) == summary.totals.committed
        assert sum(row.planned for row in rows) == summary.totals.planned
        assert sum(row.paid for row in rows) == summary.totals.paid
    assert sum(row.paid for row in views.months) == summary.totals.paid
    assert views.totals.scheduled == D("9000.00")
    # The funding page stands at 31 March 2020: the same commitments, but not the 3 × 3,000.25
    # paid in April 2020: 35,701.50 − 9,000.75 = 26,700.75.
    at_year_end = funding_summary(fy=2019)
    assert (at_year_end.totals.committed, at_year_end.totals.paid) == (views.totals.committed, D("26700.75"))


def test_month_view_lists_the_twelve_months_and_arrears_outside_the_year():
    build(1)
    months = finance.finance_views(fy=2019).months
    labels = [row.label for row in months]
    assert labels[:12] == [
        "Apr 2019",
        "May 2019",
        "Jun 2019",
        "Jul 2019",
        "Aug 2019",
        "Sep 2019",
        "Oct 2019",
        "Nov 2019",
        "Dec 2019",
        "Jan 2020",
        "Feb 2020",
        "Mar 2020",
    ]
    by_label = {row.label: row for row in months}
    assert by_label["May 2019"].paid == D("6000.25")
    assert by_label["Jan 2020"].scheduled == D("3000.00")
    assert by_label["Feb 2020"].paid == D("-100.00")
    assert by_label["Apr 2020"].paid == D("3000.25") and not by_label["Apr 2020"].in_year
    assert all(row.in_year for row in months[:12])


def test_provider_view_leaves_out_providers_with_only_cancelled_awards():
    build(1)
    providers = finance.finance_views(fy=2019).providers
    assert [row.name for row in providers] == ["Provider 000"]
    assert (providers[0].committed, providers[0].planned, providers[0].paid) == (
        D("15000.50"),
        D("7000.00"),
        D("11900.50"),
    )
    assert providers[0].supplier_number == "S0000"


def _pack(fy=2019):
    return load_workbook(io.BytesIO(finance_pack_bytes(fy=fy)))


def test_finance_pack_has_one_sheet_per_view_with_numbers_dates_and_a_totals_row():
    build(2)
    workbook = _pack()
    assert workbook.sheetnames == ["By stream", "By priority", "By provider", "By month"]
    summary = to_date()
    stream = workbook["By stream"]
    rows = list(stream.iter_rows(values_only=True))
    assert rows[0] == finance.STREAM_COLUMNS
    data, total = rows[1:-1], rows[-1]
    assert total[0] == "Total" and total[3] == f"=SUM(D2:D{len(data) + 1})"
    assert all(isinstance(row[3], (int, float)) for row in data)
    assert D(str(sum(row[3] for row in data))).quantize(D("0.01")) == summary.totals.committed
    assert D(str(round(sum(row[5] for row in data), 2))).quantize(D("0.01")) == summary.totals.paid
    month = workbook["By month"]
    month_rows = list(month.iter_rows(values_only=True))
    assert month_rows[0] == finance.MONTH_COLUMNS
    assert month_rows[1][1] == datetime.datetime(2019, 4, 1)  # a date, not text
    assert month["B2"].number_format == "yyyy-mm-dd"
    assert month_rows[-1][0] == "Total" and month_rows[-1][4].startswith("=SUM(E2:")
    provider_rows = list(workbook["By provider"].iter_rows(values_only=True))
    assert provider_rows[0] == finance.PROVIDER_COLUMNS
    assert D(str(round(sum(row[5] for row in provider_rows[1:-1]), 2))).quantize(D("0.01")) == summary.totals.paid


def test_finance_pack_of_the_demo_matches_the_funding_summary():
    call_command("seed_demo", force=True, stdout=io.StringIO())
    summary = to_date()
    assert summary.totals.committed > 0
    workbook = _pack(2019)
    for title, committed, paid in (("By stream", 3, 5), ("By priority", 4, 6), ("By provider", 3, 5)):
        data = list(workbook[title].iter_rows(values_only=True))[1:-1]
        assert D(str(round(sum(row[committed] for row in data), 2))).quantize(D("0.01")) == summary.totals.committed, (
            title
        )
        assert D(str(round(sum(row[paid] for row in data), 2))).quantize(D("0.01")) == summary.totals.paid, title
    data = list(workbook["By month"].iter_rows(values_only=True))[1:-1]
    assert D(str(round(sum(row[4] for row in data), 2))).quantize(D("0.01")) == summary.totals.paid


@pytest.mark.parametrize(
    "kind", ["finance_by_stream", "finance_by_priority", "finance_by_provider", "finance_by_month"]
)
def test_export_data_writes_each_view_as_csv(kind, tmp_path):
    build(1)
    output = tmp_path / f"{kind}.csv"
    call_command("export_data", kind, fy="2019/20", output=str(output), stdout=io.StringIO())
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("fy,")
    assert any("2019" in line for line in lines[1:])
    assert "Total" not in output.read_text()  # CSV is data only: no totals row


def test_export_data_finance_pack_needs_a_year_and_xlsx(tmp_path):
    build(1)
    with pytest.raises(CommandError, match="financial year"):
        call_command("export_data", "finance_pack", output=str(tmp_path / "pack.xlsx"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="xlsx only"):
        call_command("export_data", "finance_pack", fy="2019", output=str(tmp_path / "pack.csv"), stdout=io.StringIO())
    output = tmp_path / "pack.xlsx"
    call_command("export_data", "finance_pack", fy="2019", output=str(output), stdout=io.StringIO())
    assert load_workbook(output).sheetnames == ["By stream", "By priority", "By provider", "By month"]


def test_csv_amounts_are_plain_numbers_and_months_iso_dates():
    build(1)
    buffer = io.BytesIO()
    run_export("finance_by_month", format="csv", output=buffer, fy=2019)
    lines = buffer.getvalue().decode("utf-8").splitlines()
    assert lines[0] == "fy,month,month_label,scheduled,paid"
    assert "2019,2019-05-01,May 2019,0.00,6000.25" in lines


def test_finance_text_that_looks_like_a_formula_is_guarded():
    build(1)
    provider = OrganisationFactory(name="=cmd")
    award = AwardFactory(provider=provider, status=AwardStatus.ACTIVE)
    FundingLineFactory(award=award, fy=2019, amount=D("10.00"))
    rows = list(_pack()["By provider"].iter_rows(values_only=True))
    assert (str(rows[1][0]), rows[1][1]) == ("2019", "'=cmd")


# Pages and downloads -------------------------------------------------------------------------------

# pytest-django's ``client`` is anonymous; the others are tests/conftest.py's signed-in clients.
ROLES = {"client": "login", "officer_client": 200, "finance_client": 200, "board_client": 403, "provider_client": 403}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(
    "url",
    [
        lambda: reverse("reports:finance") + "?fy=2019",
        lambda: reverse("reports:finance_download") + "?fy=2019&view=stream&format=csv",
        lambda: reverse("reports:finance_download") + "?fy=2019&view=pack",
    ],
)
def test_finance_pages_are_for_finance_and_officers(request, role, url):
    response = request.getfixturevalue(role).get(url())
    if ROLES[role] == "login":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == ROLES[role]


def test_finance_page_shows_the_four_views_with_the_funding_summary_totals(finance_client):
    build(1)
    page = finance_client.get(reverse("reports:finance") + "?fy=2019").content.decode()
    for caption in (
        "Funding streams in 2019/20",
        "Commissioning priorities in 2019/20",
        "Providers in 2019/20",
        "Payments counted against 2019/20 by month",
    ):
        assert caption in page
    assert "£15,000.50" in page  # committed total
    assert "£11,900.50" in page  # paid total
    assert "Provider 000" in page and "Apr 2020" in page
    assert "view=pack" in page and "format=xlsx" in page


def test_finance_downloads_are_attachments_kept_private(officer_client):
    build(1)
    response = officer_client.get(reverse("reports:finance_download") + "?fy=2019&view=provider&format=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="finance-by-provider-2019.xlsx"'
    assert "no-store" in response["Cache-Control"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "Provider 000" and rows[-1][0] == "Total"
    csv_text = officer_client.get(reverse("reports:finance_download") + "?fy=2019&view=stream").content.decode()
    assert csv_text.splitlines()[0] == "fy,stream,allocation,committed,planned,paid"


def test_an_unknown_view_is_not_found_and_a_bad_year_falls_back(officer_client):
    assert officer_client.get(reverse("reports:finance_download") + "?fy=2019&view=nope").status_code == 404
    assert officer_client.get(reverse("reports:finance") + "?fy=20x9").status_code == 200


def test_reports_index_lists_finance_for_finance_not_for_board(finance_client, board_client):
    assert reverse("reports:finance") in finance_client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:finance") not in board_client.get(reverse("reports:index")).content.decode()


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_query_counts_stay_flat(finance_client):
    build(2)
    small = (
        _queries(lambda: finance_client.get(reverse("reports:finance") + "?fy=2019")),
        _queries(lambda: finance_client.get(reverse("reports:finance_download") + "?fy=2019&view=pack")),
        _queries(lambda: finance_pack_bytes(fy=2019)),
    )
    build(20)
    large = (
        _queries(lambda: finance_client.get(reverse("reports:finance") + "?fy=2019")),
        _queries(lambda: finance_client.get(reverse("reports:finance_download") + "?fy=2019&view=pack")),
        _queries(lambda: finance_pack_bytes(fy=2019)),
    )
    assert small == large
    assert large[2] <= 9


def test_pack_builds_within_a_fixed_number_of_queries(django_assert_max_num_queries):
    build(15)
    with django_assert_max_num_queries(9):
        finance_pack_bytes(fy=2019)
