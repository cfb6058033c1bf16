import datetime as dt
import io
import re
import time
import tracemalloc
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from pcc_commissioning.interchange import imports as interchange_imports
from pcc_commissioning.interchange.cells import guard_formula, parse_choice, parse_date, parse_int, parse_money
from pcc_commissioning.interchange.exports import write_csv, write_xlsx
from pcc_commissioning.interchange.imports import ImportResult, RowReader, row_savepoint, run_import
from pcc_commissioning.interchange.rows import CellError, ImportFailed
from pcc_commissioning.interchange.tables import read_table
from tests.factories.archives import MB, members_of, zip_of


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


def test_non_utf8_csv_is_refused_naming_every_bad_cell():
    data = "name,town\nCaf\xe9,Leeds\nDeli,York\nBar,M\xe1laga\n".encode("latin-1")
    with pytest.raises(ImportFailed) as failure:
        read_table(data, filename="x.csv")
    advice = "Save the file as 'CSV UTF-8' and try again."
    assert [str(error) for error in failure.value.errors] == [
        f"Row 2, column name: The cell is not UTF-8 text (it has the byte 0xE9). {advice}",
        f"Row 4, column town: The cell is not UTF-8 text (it has the byte 0xE1). {advice}",
    ]


def test_a_nul_character_is_an_error_naming_its_row_and_column():
    with pytest.raises(ImportFailed) as failure:
        read_table(b"name,size\nal\x00pha,1\nbeta,2\ngamma,\x00\n")
    assert [(error.row, error.column) for error in failure.value.errors] == [(2, "name"), (4, "size")]
    assert "NUL character" in failure.value.errors[0].message
    with pytest.raises(ImportFailed) as failure:
        read_table(b"name,si\x00ze\nalpha,1\n")
    assert [(error.row, error.column) for error in failure.value.errors] == [(1, "B")]


def test_a_cell_longer_than_excel_allows_is_an_error():
    read_table(b"name\n" + b"x" * 32_767 + b"\n")  # Excel's own limit: accepted
    with pytest.raises(ImportFailed) as failure:
        read_table(b"name\n" + b"x" * 32_768 + b"\n")
    assert str(failure.value.errors[0]) == (
        "Row 2, column name: The cell has 32,768 characters; the most a cell can have is 32,767."
    )


def test_a_value_beyond_the_hundredth_column_refuses_the_file():
    read_table((",".join(f"c{n}" for n in range(100)) + ",,,\n").encode())  # empty cells beyond are fine
    with pytest.raises(ImportFailed) as failure:
        read_table((",".join(f"c{n}" for n in range(100)) + ",c100\n").encode())
    assert str(failure.value.errors[0]) == (
        "Row 1: The row has a value beyond column CV: a file can have at most 100 columns."
    )


def xlsx_of(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("filename", ["big.csv", "big.xlsx"])
def test_a_file_over_the_row_limit_is_refused_without_reading_on(filename, settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [["name"]] + [[f"row {n}"] for n in range(2, 12)]
    data = xlsx_of(rows) if filename.endswith(".xlsx") else "".join(f"{row[0]}\n" for row in rows).encode()
    with pytest.raises(ImportFailed) as failure:
        read_table(data, filename=filename)
    assert [str(error) for error in failure.value.errors] == [
        "Row 7: The file has more than 5 rows after the header, the most one import takes. Split it into smaller files."
    ]
    assert len(read_table(xlsx_of(rows[:6]), filename="ok.xlsx").rows) == 5


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked():
    workbook = members_of(xlsx_of([["name"], ["Harbour"]]))
    bomb = zip_of(workbook, zeros={"xl/media/padding.bin": 60 * MB})
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ImportFailed) as failure:
            read_table(bomb, filename="bomb.xlsx")
        seconds, peak = time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(failure.value.errors[0]) == "Row 1: The file unpacks to more than 50 MB, which is more than we accept."
    assert seconds < 2 and peak < 5 * MB


def test_an_xlsx_whose_declared_size_is_wrong_is_read_whole():
    members = members_of(xlsx_of([["name"], ["Harbour"], ["Lighthouse"]]))
    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:A1"/>', members[sheet])
    assert b'<dimension ref="A1:A1"/>' in members[sheet]
    table = read_table(zip_of(members), filename="x.xlsx")
    assert [row.cells["name"] for row in table.rows] == ["Harbour", "Lighthouse"]


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
    # In the form, but no such day: the GOV.UK wording, not Python's.
    with pytest.raises(CellError) as impossible:
        parse_date("2020-02-30")
    assert str(impossible.value) == "'2020-02-30' is not a real date: check the day and the month."
    assert "out of range" not in str(impossible.value)
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

    @interchange_imports.importer(
        "test_groups", columns=["name", "size"], required=["name"], capability="providers.import"
    )
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

    interchange_imports.importers()  # let autodiscovery run first, so it cannot replace the fixture
    yield
    interchange_imports._IMPORTERS.pop("test_groups")


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
def test_progress_is_told_rows_checked_of_the_total_every_500_rows_and_at_the_end(groups_importer, monkeypatch):
    calls = []
    data = b"name\n" + "".join(f"group {n}\n" for n in range(1, 1201)).encode()

    result = run_import("test_groups", data, dry_run=True, progress=lambda done, total: calls.append((done, total)))

    # 0 once the file is read, then after rows 500 and 1,000, then after the last (1,200).
    assert calls == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]
    assert result.rows == 1200 and result.created == 1200


@pytest.mark.django_db
def test_progress_is_told_before_the_transaction_and_then_inside_it(groups_importer):
    from django.db import connection

    in_transaction = []
    base = len(connection.atomic_blocks)  # a test runs inside the test case's own transaction
    run_import(
        "test_groups",
        b"name\nalpha\n",
        dry_run=True,
        progress=lambda done, total: in_transaction.append(len(connection.atomic_blocks) > base),
    )
    assert in_transaction == [False, True]


@pytest.mark.django_db
def test_missing_required_column_is_reported_on_the_header_row(groups_importer):
    with pytest.raises(ImportFailed) as failure:
        run_import("test_groups", b"size\n1\n")
    assert str(failure.value.errors[0]) == "Row 1, column name: This required column is missing."


@pytest.mark.django_db
def test_a_nul_character_is_a_row_error_through_run_import_and_nothing_is_written(groups_importer):
    before = Group.objects.count()
    with pytest.raises(ImportFailed) as failure:
        run_import("test_groups", b"name,size\nalpha,1\nbe\x00ta,2\n")
    assert [(error.row, error.column) for error in failure.value.errors] == [(3, "name")]
    assert Group.objects.count() == before


def test_a_utf16_csv_is_refused_as_a_whole():
    with pytest.raises(ImportFailed) as failure:
        read_table("name\nHarbour\n".encode("utf-16"), filename="x.csv")
    assert [str(error) for error in failure.value.errors] == [
        "Row 1: The file is UTF-16 text, not UTF-8. Save it as 'CSV UTF-8' and try again."
    ]


def test_bad_cells_are_listed_up_to_a_thousand():
    data = b"name\n" + b"a\x00\n" * 1_500
    with pytest.raises(ImportFailed) as failure:
        read_table(data)
    errors = failure.value.errors
    assert len(errors) == 1_001
    assert (errors[999].row, errors[999].column) == (1_001, "name")
    assert str(errors[-1]) == "Row 1001: There are more problems: only the first 1,000 are listed."
