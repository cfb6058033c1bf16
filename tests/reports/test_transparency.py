"""The transparency lists of the Specified Information Order (docs/formats.md "Transparency lists"): what
each list holds and leaves out, year and month filters, the documented columns in CSV and XLSX,
export_data kinds, pages for every internal role, pagination, bad input, flat query counts."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from grants.models import AwardKind, AwardStatus, DecisionStatus
from pcc_commissioning.interchange.exports import run_export
from reports.transparency.lists import LISTS
from tests.factories import (
    AwardFactory,
    DecisionFactory,
    FundingLineFactory,
    OrganisationFactory,
    PaymentFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal

# The documented columns (docs/formats.md "Transparency lists"): a public contract.
COLUMNS = {
    "grants_register": "reference,recipient,charity_number,company_number,kind,title,purpose,conditions,reasons,"
    "amount,start_date,end_date,decision_reference,decision_date",
    "contracts_register": "reference,supplier,kind,title,value,start_date,end_date,decision_reference,decision_date",
    "decisions": "reference,subject,decided_on,published_on,decision_maker,summary",
    "spend_over_500": "paid_date,supplier,supplier_number,amount,award_reference,purpose,funding_stream",
}


def _published(reference: str, decided_on: datetime.date, **extra):
    return DecisionFactory(
        reference=reference,
        status=DecisionStatus.PUBLISHED,
        decided_on=decided_on,
        published_on=decided_on + datetime.timedelta(days=7),
        **extra,
    )


def _award(reference: str, *, kind=AwardKind.GRANT, status=AwardStatus.ACTIVE, lines=((2019, "20000.00"),), **extra):
    award = AwardFactory(reference=reference, kind=kind, status=status, **extra)
    for fy, amount in lines:
        FundingLineFactory(award=award, fy=fy, amount=D(amount))
    return award


def _csv(kind: str, fy: int | None = None) -> list[str]:
    buffer = io.BytesIO()
    run_export(kind, format="csv", output=buffer, fy=fy)
    return buffer.getvalue().decode("utf-8").splitlines()


def _references(kind: str, fy: int | None = None, column: int = 0) -> list[str]:
    return sorted(line.split(",")[column] for line in _csv(kind, fy)[1:])


def test_each_list_exports_its_documented_columns():
    for kind, header in COLUMNS.items():
        assert _csv(kind)[0] == header, kind


def test_grants_register_holds_grants_and_contributions_made_with_their_total():
    decision = _published("PCC-2019-010", datetime.date(2019, 3, 1))
    provider = OrganisationFactory(name="Harbour", charity_number="1122334")
    _award(
        "G-1",
        provider=provider,
        decision=decision,
        purpose="Support for victims",
        conditions="Quarterly returns",
        reasons="Meets KPQ 3",
        lines=((2019, "20000.00"), (2020, "5000.50")),
    )
    _award("G-2", kind=AwardKind.CONTRIBUTION, status=AwardStatus.ENDED, lines=((2018, "1000.00"),))
    _award("G-planned", status=AwardStatus.PLANNED)
    _award("G-procuring", status=AwardStatus.PROCURING)
    _award("G-cancelled", status=AwardStatus.CANCELLED)
    _award("C-1", kind=AwardKind.CONTRACT)
    assert _references("grants_register") == ["G-1", "G-2"]
    assert _references("grants_register", 2019) == ["G-1"]
    assert _references("grants_register", 2020) == ["G-1"]
    row = LISTS["grants_register"].row(LISTS["grants_register"].queryset(fy=2019).get())
    assert row == [
        "G-1",
        "Harbour",
        "1122334",
        "",
        "grant",
        row[5],
        "Support for victims",
        "Quarterly returns",
        "Meets KPQ 3",
        D("25000.50"),
        datetime.date(2019, 4, 1),
        datetime.date(2020, 3, 31),
        "PCC-2019-010",
        datetime.date(2019, 3, 1),
    ]


def test_contracts_register_holds_contracts_and_slas_over_10000():
    _award("C-big", kind=AwardKind.CONTRACT, lines=((2019, "6000.00"), (2020, "6000.00")))
    _award("SLA-big", kind=AwardKind.SLA, status=AwardStatus.AWARDED, lines=((2019, "10000.01"),))
    _award("C-exactly", kind=AwardKind.CONTRACT, lines=((2019, "10000.00"),))
    _award("C-procuring", kind=AwardKind.CONTRACT, status=AwardStatus.PROCURING, lines=((2019, "90000.00"),))
    _award("C-cancelled", kind=AwardKind.CONTRACT, status=AwardStatus.CANCELLED, lines=((2019, "90000.00"),))
    _award("G-big", lines=((2019, "90000.00"),))
    assert _references("contracts_register") == ["C-big", "SLA-big"]
    assert _references("contracts_register", 2020) == ["C-big"]
    lines = _csv("contracts_register")
    assert any(line.startswith("C-big,") and ",12000.00," in line for line in lines)


def test_decisions_lists_published_decisions_of_the_year():
    _published(
        "PCC-2019-001", datetime.date(2019, 4, 1), subject="Victims' services", summary="Award of the hub contract"
    )
    _published("PCC-2018-009", datetime.date(2019, 3, 31))
    DecisionFactory(reference="PCC-2019-002", status=DecisionStatus.SIGNED, decided_on=datetime.date(2019, 5, 1))
    DecisionFactory(reference="PCC-2019-003")  # draft
    assert _references("decisions") == ["PCC-2018-009", "PCC-2019-001"]
    assert _references("decisions", 2019) == ["PCC-2019-001"]
    assert _references("decisions", 2018) == ["PCC-2018-009"]
    assert (
        "PCC-2019-001,Victims' services,2019-04-01,2019-04-08,Police and Crime Commissioner,Award of the hub contract"
        in _csv("decisions")
    )


def test_spend_over_500_lists_paid_payments_over_500_by_paid_date():
    award = _award("A-1", provider=OrganisationFactory(name="Harbour", supplier_number="SUP-9"))
    PaymentFactory(award=award, amount=D("500.01"), paid_date=datetime.date(2019, 4, 30))
    PaymentFactory(award=award, amount=D("500.00"), paid_date=datetime.date(2019, 4, 30))  # not over £500
    PaymentFactory(award=award, amount=D("9000.00"))  # not paid
    PaymentFactory(award=award, amount=D("-800.00"), reason="Refund", paid_date=datetime.date(2019, 5, 1))
    # Counted against 2019/20 but paid in 2020/21: listed in the year it was paid.
    PaymentFactory(award=award, amount=D("700.00"), fy=2019, paid_date=datetime.date(2020, 4, 2))
    lines = _csv("spend_over_500")
    assert len(lines) == 3
    assert lines[2].startswith("2019-04-30,Harbour,SUP-9,500.01,A-1,")
    assert [line.split(",")[0] for line in _csv("spend_over_500", 2019)[1:]] == ["2019-04-30"]
    assert [line.split(",")[0] for line in _csv("spend_over_500", 2020)[1:]] == ["2020-04-02"]


def test_xlsx_has_dates_as_dates_and_amounts_as_numbers():
    _award("G-1", decision=_published("PCC-1", datetime.date(2019, 3, 1)))
    buffer = io.BytesIO()
    run_export("grants_register", format="xlsx", output=buffer, fy=2019)
    rows = list(load_workbook(buffer).active.iter_rows(values_only=True))
    assert ",".join(rows[0]) == COLUMNS["grants_register"]
    assert rows[1][9] == 20000 and isinstance(rows[1][9], (int, float))
    assert rows[1][10] == datetime.datetime(2019, 4, 1)


def test_text_that_looks_like_a_formula_is_guarded():
    _award("G-1", title='=HYPERLINK("x")', purpose="+44 line", lines=((2019, "1000.00"),))
    line = _csv("grants_register")[1]
    assert "'=HYPERLINK" in line and "'+44 line" in line


@pytest.mark.parametrize("kind", list(COLUMNS))
def test_export_data_writes_each_list(kind, tmp_path):
    _award("G-1")
    output = tmp_path / f"{kind}.xlsx"
    call_command("export_data", kind, fy="2019", output=str(output), stdout=io.StringIO())
    assert ",".join(next(load_workbook(output).active.iter_rows(values_only=True))) == COLUMNS[kind]


# Pages ----------------------------------------------------------------------------------------------

# pytest-django's ``client`` is anonymous; the others are tests/conftest.py's signed-in clients.
READ = {"client": "login", "officer_client": 200, "finance_client": 200, "board_client": 200, "provider_client": 403}


@pytest.mark.parametrize("role", list(READ))
@pytest.mark.parametrize("kind", list(COLUMNS))
def test_every_internal_role_may_read_and_download_the_lists(request, role, kind):
    client = request.getfixturevalue(role)
    for url in (
        reverse("reports:transparency_list", args=[kind]),
        reverse("reports:transparency_download", args=[kind]),
    ):
        response = client.get(url)
        if READ[role] == "login":
            assert response.status_code == 302
            assert urlsplit(response["Location"]).path == reverse("login")
        else:
            assert response.status_code == READ[role]


def test_an_unknown_list_is_not_found(board_client):
    assert board_client.get(reverse("reports:transparency_list", args=["salaries"])).status_code == 404
    assert board_client.get(reverse("reports:transparency_download", args=["salaries"])).status_code == 404


def test_grants_register_page_shows_recipient_purpose_amount_conditions_and_reasons(board_client):
    _award(
        "G-1",
        provider=OrganisationFactory(name="Harbour"),
        purpose="Support for victims",
        conditions="Quarterly returns",
        reasons="Meets KPQ 3",
        lines=((2019, "20000.00"), (2020, "1000.00")),
    )
    page = board_client.get(
        reverse("reports:transparency_list", args=["grants_register"]) + "?fy=2019"
    ).content.decode()
    for text in (
        "Grants register, 2019/20",
        "Harbour",
        "Support for victims",
        "Quarterly returns",
        "Meets KPQ 3",
        "£21,000",
    ):
        assert text in page
    assert "format=xlsx" in page and "fy=2019" in page


def test_spend_page_filters_by_month_and_explains_a_bad_month(board_client):
    award = _award("A-1")
    PaymentFactory(award=award, amount=D("600.00"), paid_date=datetime.date(2019, 4, 30))
    PaymentFactory(award=award, amount=D("700.00"), paid_date=datetime.date(2019, 5, 15))
    url = reverse("reports:transparency_list", args=["spend_over_500"])
    page = board_client.get(url + "?fy=2019&month=M2").content.decode()
    assert "Spend over £500, 2019/20: May 2019" in page
    assert "£700.00" in page and "£600.00" not in page
    bad = board_client.get(url + "?fy=2019&month=Q4")
    assert bad.status_code == 200
    assert "Month: &#x27;Q4&#x27; is not a month of the year" in bad.content.decode()
    assert "£600.00" in bad.content.decode()  # the month is ignored, the year kept
    # No year named: the year rule's, 2019/20 (the only year with funding lines), so the month
    # is May 2019. With every year, a month cannot be chosen.
    no_year = board_client.get(url + "?month=M2").content.decode()
    assert "Spend over £500, 2019/20: May 2019" in no_year and "£700.00" in no_year
    every_year = board_client.get(url + "?fy=all&month=M2").content.decode()
    assert "Month: choose a financial year first" in every_year
    download = board_client.get(reverse("reports:transparency_download", args=["spend_over_500"]) + "?fy=2019&month=M1")
    assert download["Content-Disposition"] == 'attachment; filename="spend-over-500-2019-m1.csv"'
    assert len(download.content.decode().splitlines()) == 2


def test_lists_paginate(board_client):
    for n in range(27):
        _published(f"PCC-2019-{n:03d}", datetime.date(2019, 5, 1))
    # Every year: with no funding lines the page would open on the current year, not 2019/20.
    url = reverse("reports:transparency_list", args=["decisions"]) + "?fy=all"
    first = board_client.get(url).content.decode()
    assert "Showing 1 to 25 of 27" in first
    second = board_client.get(url + "&page=2").content.decode()
    assert "Showing 26 to 27 of 27" in second


def _build(count: int, start: int = 0):
    for n in range(start, start + count):
        decision = _published(f"PCC-Q-{n:03d}", datetime.date(2019, 6, 1))
        grant = _award(f"G-{n:03d}", decision=decision, lines=((2019, "20000.00"), (2020, "100.00")))
        _award(f"C-{n:03d}", kind=AwardKind.CONTRACT, decision=decision)
        PaymentFactory(award=grant, amount=D("900.00"), paid_date=datetime.date(2019, 7, 1))


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_query_counts_stay_flat(board_client):
    def counts():
        result = []
        for kind in COLUMNS:
            for url in (
                reverse("reports:transparency_list", args=[kind]) + "?fy=2019",
                reverse("reports:transparency_download", args=[kind]) + "?fy=2019&format=xlsx",
            ):
                result.append(_queries(lambda: board_client.get(url)))  # noqa: B023 (used at once)
        return result

    _build(3)
    small = counts()
    _build(30, start=3)
    assert counts() == small


def test_reports_index_links_the_transparency_lists(board_client):
    page = board_client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:transparency_list", args=["grants_register"]) in page
    assert reverse("reports:threesixty") in page


# What the Order requires, flagged to officers --------------------------------------------------------

GRANTS = reverse("reports:transparency_list", args=["grants_register"])


@pytest.fixture
def gaps():
    """Four grants of 2019/20: one complete; one with blank conditions; one with blank conditions
    and reasons of only spaces; one whose only line is £0. Missing: conditions from 2, reasons
    from 1, the amount from 1; 3 records missing something."""
    return {
        "complete": _award("G-OK", conditions="Quarterly returns", reasons="Meets KPQ 3"),
        "conditions": _award("G-NOCOND", conditions="", reasons="Meets KPQ 1"),
        "both": _award("G-BOTH", conditions="", reasons="   \n "),
        "zero": _award("G-ZERO", conditions="None", reasons="Meets KPQ 2", lines=((2019, "0.00"),)),
    }


def test_the_grants_register_counts_each_gap_once_in_one_query(gaps, django_assert_num_queries):
    entry = LISTS["grants_register"]
    with django_assert_num_queries(1):
        found = entry.gaps(entry.queryset(fy=2019))
    assert found["records"] == 3
    assert [(requirement.column, count) for requirement, count in found["by_requirement"]] == [
        ("conditions", 2),
        ("reasons", 1),
        ("amount", 1),
    ]
    assert [r.column for r in entry.record_gaps(entry.queryset().get(reference="G-BOTH"))] == ["conditions", "reasons"]
    assert entry.record_gaps(entry.queryset().get(reference="G-OK")) == []
    assert sorted(entry.queryset(fy=2019).filter(entry.any_missing).values_list("reference", flat=True)) == [
        "G-BOTH",
        "G-NOCOND",
        "G-ZERO",
    ]


def test_officers_see_the_warning_the_marked_rows_and_where_to_fix_them(officer_client, gaps):
    page = officer_client.get(GRANTS, {"fy": "2019"}).content.decode()
    assert "3 records of 2019/20 are missing information the Specified Information Order requires" in page
    assert "Conditions: missing from 2 records" in page
    assert "Reasons: missing from 1 record " in page and "Amount: missing from 1 record " in page
    both = reverse("grants:award_edit", args=[gaps["both"].pk])
    assert f'Missing: conditions, reasons</strong> <a class="govuk-link" href="{both}">Fill in' in page
    assert page.count("govuk-tag--red") == 3
    assert reverse("grants:award_edit", args=[gaps["complete"].pk]) not in page


def test_officers_can_list_only_the_records_with_gaps(officer_client, gaps):
    page = officer_client.get(GRANTS, {"fy": "2019", "missing": "1"}).content.decode()
    assert "G-OK" not in page and "G-BOTH" in page and "G-ZERO" in page
    assert "records missing information" in page and "Show every record" in page


def test_a_complete_register_says_so(officer_client):
    _award("G-OK", conditions="None", reasons="Meets KPQ 3")
    page = officer_client.get(GRANTS).content.decode()
    assert "Every record listed has the information the Specified Information Order requires" in page


def test_the_published_list_is_unchanged(board_client, gaps):
    """The board reads the list as the public does (no warning, no marks, no filter), and the
    download still holds every grant with the blanks as blanks."""
    page = board_client.get(GRANTS, {"fy": "2019", "missing": "1"}).content.decode()
    assert "Specified Information Order requires" not in page and "govuk-tag--red" not in page
    assert "G-OK" in page
    buffer = io.BytesIO()
    run_export("grants_register", format="csv", output=buffer, fy=2019)
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8-sig"))))
    assert len(rows) == 5
    both = next(row for row in rows if row[0] == "G-BOTH")
    assert (both[7], both[8]) == ("", "   \n ")  # conditions and reasons as recorded


def test_other_lists_have_no_requirements_to_flag(officer_client):
    _published("PCC-2019-001", datetime.date(2019, 5, 1))
    page = officer_client.get(reverse("reports:transparency_list", args=["decisions"])).content.decode()
    assert "Specified Information Order requires." not in page and "govuk-tag--red" not in page


def test_officer_query_counts_stay_flat(officer_client):
    def count():
        return _queries(lambda: officer_client.get(GRANTS, {"fy": "2019"}))

    _build(3)
    small = count()
    _build(30, start=3)
    assert count() == small
