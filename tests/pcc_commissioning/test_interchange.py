import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from pcc_commissioning import interchange
from pcc_commissioning.interchange import (
    CellError,
    ImportFailed,
    ImportResult,
    RowReader,
    guard_formula,
    parse_choice,
    parse_date,
    parse_int,
    parse_money,
    read_table,
    row_savepoint,
    run_import,
    write_csv,
    write_xlsx,
)


def test_csv_with_bom_and_crlf_reads_headers_case_insensitively():
    data = "\ufeffName,KIND\r\nHarbour,voluntary_sector\r\n\r\nDAD , other\r\n".encode()
    table = read_table(data, filename="x.csv")
    assert table.headers == ["name", "kind"]
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, {"name": "Harbour", "kind": "voluntary_sector"}),
        (4, {"name": "DAD", "kind": "other"}),  # blank row 3 skipped, numbering kept
    ]


def test_xlsx_first_sheet_is_read_with_dates_and_numbers_as_text():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["reference", "amount", "start_date"])
    sheet.append(["AWD-1", 1234.5, dt.datetime(2019, 4, 1)])
    workbook.create_sheet("ignored").append(["other"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), filename="awards.xlsx")
    assert table.rows[0].cells == {"reference": "AWD-1", "amount": "1234.5", "start_date": "2019-04-01"}


def test_non_utf8_csv_is_refused_with_a_clear_message():
    with pytest.raises(ImportFailed) as failure:
        read_table("name\nCaf\xe9".encode("latin-1"), filename="x.csv")
    assert "not UTF-8" in str(failure.value.errors[0])


def test_duplicate_header_is_refused():
    with pytest.raises(ImportFailed) as failure:
        read_table(b"name,Name\na,b\n")
    assert failure.value.errors[0].column == "name"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234.56", Decimal("1234.56")),
        ("£1,234.56", Decimal("1234.56")),
        ("842100", Decimal("842100.00")),
        (" £ 12 ", Decimal("12.00")),
    ],
)
def test_money_tolerates_pound_sign_and_separators(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", ["12.345", "abc", "1e5", "£", "1,2,3.4.5", "NaN"])
def test_money_refuses_what_is_not_pounds(text):
    with pytest.raises(CellError):
        parse_money(text)


def test_negative_money_only_where_allowed():
    with pytest.raises(CellError, match="negative"):
        parse_money("-5")
    assert parse_money("-£5.00", allow_negative=True) == Decimal("-5.00")


def test_dates_ints_and_choices():
    assert parse_date("2019-04-01") == dt.date(2019, 4, 1)
    with pytest.raises(CellError, match="YYYY-MM-DD"):
        parse_date("01/04/2019")
    assert parse_int("1,200") == 1200
    with pytest.raises(CellError):
        parse_int("-1")
    with pytest.raises(CellError):
        parse_int("2.5")
    assert parse_choice("Voluntary_Sector", ["voluntary_sector", "other"]) == "voluntary_sector"
    with pytest.raises(CellError, match="not one of"):
        parse_choice("charity", ["voluntary_sector", "other"])


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
def test_text_survives_a_csv_round_trip_even_when_it_looks_like_a_formula(text):
    text = text.strip()
    output = io.StringIO()
    write_csv(["title"], [[text]], output)
    table = read_table(output.getvalue().encode(), filename="x.csv")
    assert (table.rows[0].get("title") if table.rows else "") == text


def test_export_neutralises_formulas_but_not_numbers():
    assert guard_formula("=SUM(A1)") == "'=SUM(A1)"
    assert guard_formula("-20% cut") == "'-20% cut"
    assert guard_formula(Decimal("-5")) == Decimal("-5")
    # Full-width = + - @ (read as formula starts by East Asian spreadsheets), DDE's pipe,
    # and a tab or carriage return hiding what follows.
    for text in ("\uff1dSUM(A1)", "\uff0b1", "\uff0d1", "\uff20SUM(A1)", "|cmd", "\t=1", "\r=1"):
        assert guard_formula(text) == "'" + text
    assert guard_formula("plain | pipe") == "plain | pipe"


@pytest.mark.parametrize(
    "text", ["=1+1", "-minus", "+plus", "@at", "'quoted", "''twice", "plain", "\uff1d1", "|pipe", "'\uff20at"]
)
def test_round_trip_of_texts_that_spreadsheets_treat_specially(text):
    output = io.StringIO()
    write_csv(["title"], [[text]], output)
    assert read_table(output.getvalue().encode()).rows[0].get("title") == text


def test_xlsx_writes_numbers_as_numbers_and_guards_text():
    buffer = io.BytesIO()
    write_xlsx(["title", "amount", "due"], [["@risk", Decimal("10.50"), dt.date(2019, 5, 1)]], buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    title, amount, due = (cell.value for cell in sheet[2])
    assert title == "'@risk"
    assert amount == 10.5
    assert due.date() == dt.date(2019, 5, 1)


@pytest.fixture
def groups_importer():
    """A tiny importer over auth groups, to exercise the runner without any app's models."""

    @interchange.importer("test_groups", columns=["name", "size"], required=["name"], capability="providers.import")
    def import_groups(rows, *, actor, update, context):
        result = ImportResult(kind="test_groups")
        for row in rows:
            reader = RowReader(row, context)
            name = reader.value("name", required=True)
            reader.value("size", parse_int)
            if not reader.ok:
                continue
            with row_savepoint(row, context, columns={"name": "name"}):
                if name == "boom":
                    from django.core.exceptions import ValidationError

                    Group.objects.create(name="partial write")
                    raise ValidationError({"name": "Boom is not allowed."})
                Group.objects.create(name=name)
                result.created += 1
        return result

    interchange.importers()  # let autodiscovery run first, so it cannot replace the fixture
    yield
    interchange._IMPORTERS.pop("test_groups")


@pytest.mark.django_db
def test_a_file_with_any_bad_row_changes_nothing_and_lists_every_bad_row(groups_importer):
    before = Group.objects.count()
    data = b"name,size\nalpha,1\nboom,2\nbeta,many\n,3\n"
    with pytest.raises(ImportFailed) as failure:
        run_import("test_groups", data)
    assert [(e.row, e.column) for e in failure.value.errors] == [(3, "name"), (4, "size"), (5, "name")]
    assert Group.objects.count() == before


@pytest.mark.django_db
def test_dry_run_reports_but_writes_nothing(groups_importer):
    before = Group.objects.count()
    result = run_import("test_groups", b"name\nalpha\nbeta\n", dry_run=True)
    assert (result.rows, result.created, result.dry_run) == (2, 2, True)
    assert "Would import" in result.summary()
    assert Group.objects.count() == before


@pytest.mark.django_db
def test_missing_required_column_is_reported_on_the_header_row(groups_importer):
    with pytest.raises(ImportFailed) as failure:
        run_import("test_groups", b"size\n1\n")
    assert str(failure.value.errors[0]) == "Row 1, column name: This required column is missing."
