import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from providers.models import Organisation, OrganisationKind

pytestmark = pytest.mark.django_db

HEADER = "name,kind,charity_number,company_number,org_id,address,postcode,website,email,phone,supplier_number\n"


def providers_csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def history_rows() -> int:
    return Organisation.history.count()


def test_new_organisations_are_created_with_derived_org_ids():
    result = run_import(
        "providers",
        providers_csv(
            "Harbour,Voluntary_Sector,1122334,,,,DL1 1AA,,,,SUP-1",
            "Acme Support Ltd,private,,01234567,,,,,,,",
        ),
    )
    assert (result.created, result.updated, result.skipped) == (2, 0, 0)
    harbour = Organisation.objects.get(name="Harbour")
    assert (harbour.kind, harbour.org_id, harbour.supplier_number) == ("voluntary_sector", "GB-CHC-1122334", "SUP-1")
    assert Organisation.objects.get(name="Acme Support Ltd").org_id == "GB-COH-01234567"


def test_reimporting_the_same_file_changes_nothing():
    data = providers_csv("Harbour,voluntary_sector,1122334,,,,DL1 1AA,,,,")
    run_import("providers", data)
    history_before = history_rows()
    result = run_import("providers", data)
    assert (result.created, result.updated, result.skipped) == (0, 0, 1)
    assert history_rows() == history_before


def test_a_matching_name_is_updated_from_non_blank_cells_only():
    run_import("providers", providers_csv("Harbour,voluntary_sector,,,,,DL1 1AA,,,,"))
    result = run_import("providers", providers_csv("HARBOUR,,,,,,,,,01325 000000,"))
    assert result.updated == 1
    harbour = Organisation.objects.get(name="Harbour")  # the stored name is kept
    assert (harbour.postcode, harbour.phone, harbour.kind) == ("DL1 1AA", "01325 000000", "voluntary_sector")


def test_every_bad_row_is_reported_and_nothing_is_saved():
    data = providers_csv(
        "Good Org,other,,,,,,,,,",
        "Bad Charity,voluntary_sector,12AB,,,,,,,,",
        "Bad Kind,charity,,,,,,,,,",
        "good org,other,,,,,,,,,",
        ",other,,,,,,,,,",
    )
    with pytest.raises(ImportFailed) as failure:
        run_import("providers", data)
    reported = {(error.row, error.column) for error in failure.value.errors}
    assert reported == {(3, "charity_number"), (4, "kind"), (5, "name"), (6, "name")}
    assert "row 2" in next(str(e) for e in failure.value.errors if e.row == 5)
    assert Organisation.objects.count() == 0


def test_xlsx_files_import_too():
    workbook = Workbook()
    workbook.active.append(["Name", "Kind", "Company_Number"])
    workbook.active.append(["Durham County Council", "local_authority", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run_import("providers", buffer.getvalue(), filename="providers.xlsx")
    assert result.created == 1
    assert Organisation.objects.get().kind == "local_authority"


def test_command_imports_and_reports(tmp_path):
    good = tmp_path / "providers.csv"
    good.write_bytes(providers_csv("Harbour,voluntary_sector,,,,,,,,,"))
    out = io.StringIO()
    call_command("import_data", "providers", str(good), "--dry-run", stdout=out)
    assert "Would import providers: 1 row(s) read, 1 created" in out.getvalue()
    assert not Organisation.objects.exists()
    call_command("import_data", "providers", str(good), stdout=out)
    assert Organisation.objects.filter(name="Harbour").exists()


def test_command_refuses_a_bad_file_with_every_row_on_stderr(tmp_path):
    bad = tmp_path / "providers.csv"
    bad.write_bytes(providers_csv("Bad,voluntary_sector,,123,,,,,,,", "Worse,nonsense,,,,,,,,,"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem\\(s\\) in providers.csv; nothing was imported"):
        call_command("import_data", "providers", str(bad), stderr=err)
    assert "Row 2, column company_number" in err.getvalue()
    assert "Row 3, column kind" in err.getvalue()
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_data", "providers", str(tmp_path / "missing.csv"))


def queries_to_import(data: bytes, **options) -> int:
    with CaptureQueriesContext(connection) as queries:
        run_import("providers", data, **options)
    return len(queries.captured_queries)


def numbered_providers(count: int, *, prefix: str, phone: str = "") -> bytes:
    return providers_csv(*(f"{prefix} {number},other,,,,,,,,{phone},SUP-{number}" for number in range(count)))


def test_a_file_takes_the_same_number_of_queries_whatever_its_rows(officer):
    # Every name is looked up at once and the writes are batched, so 40 more rows cost at most
    # two more queries (SQLite caps a batch at 999 parameters: about 58 history rows), where row
    # by row they cost about a dozen each. Each organisation still gets its history entry,
    # attributed to whoever imported the file.
    created_20 = queries_to_import(numbered_providers(20, prefix="Small"), actor=officer)
    created_60 = queries_to_import(numbered_providers(60, prefix="Large"), actor=officer)
    assert created_20 <= 10
    assert created_60 - created_20 <= 2
    assert Organisation.history.filter(history_type="+", history_user=officer).count() == 80

    updated_20 = queries_to_import(numbered_providers(20, prefix="small", phone="0100"), actor=officer)
    updated_60 = queries_to_import(numbered_providers(60, prefix="LARGE", phone="0100"), actor=officer)
    assert updated_20 <= 10
    assert updated_60 - updated_20 <= 2
    assert Organisation.objects.filter(phone="0100").count() == 80
    assert Organisation.history.filter(history_type="~", history_user=officer, phone="0100").count() == 80
    large = Organisation.objects.get(name="Large 7")  # the stored name is kept
    assert (large.version, large.supplier_number) == (2, "SUP-7")


def writes_in(queries: CaptureQueriesContext) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_a_dry_run_checks_every_row_and_stops_before_writing(officer):
    # Every row is checked before the first write, so a dry run reports the same as an import
    # would and then writes nothing at all (rather than writing and rolling back).
    run_import("providers", providers_csv("Harbour,voluntary_sector,,,,,,,,,"), actor=officer)
    data = providers_csv("harbour,,,,,,,,,0191 000 0000,", "Beacon,private,,,,,,,,,")
    with CaptureQueriesContext(connection) as queries:
        result = run_import("providers", data, actor=officer, dry_run=True)
    assert result.summary() == "Would import providers: 2 row(s) read, 1 created, 1 updated, 0 unchanged."
    assert writes_in(queries) == []
    assert list(Organisation.objects.values_list("name", "phone")) == [("Harbour", "")]
    with pytest.raises(ImportFailed) as failure:
        run_import("providers", providers_csv("Beacon,nonsense,,,,,,,,,"), dry_run=True)
    assert [str(error) for error in failure.value.errors] == [
        "Row 2, column kind: 'nonsense' is not one of: " + ", ".join(OrganisationKind.values) + "."
    ]
