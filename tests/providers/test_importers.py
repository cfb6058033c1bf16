import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from pcc_commissioning.interchange import ImportFailed, run_import
from providers.models import Organisation

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
