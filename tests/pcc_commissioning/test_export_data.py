"""manage.py export_data: writes the registered exports; bad arguments exit non-zero with a
one-line reason."""

import csv
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from grants.models import AwardStatus
from pcc_commissioning.interchange.exports import exporters
from tests.factories import AwardFactory, FundingLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(db):
    award = AwardFactory(reference="AWD-1", title="=cmd|' /C calc'!A0", status=AwardStatus.ACTIVE)
    FundingLineFactory(award=award, fy=2019, amount=Decimal("1234.50"))
    return award


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_the_grants_exports_are_registered():
    specs = exporters()
    assert {"awards", "payments", "commitments"} <= set(specs)
    assert specs["commitments"].fy_required and not specs["awards"].fy_required


def test_awards_are_written_as_csv_with_formulas_guarded(award, tmp_path):
    output = tmp_path / "awards.csv"
    out = io.StringIO()
    call_command("export_data", "awards", "--format", "csv", "--output", str(output), stdout=out)
    rows = read_csv(output)
    assert rows[0][:3] == ["reference", "title", "provider"]
    assert rows[1][:2] == ["AWD-1", "'=cmd|' /C calc'!A0"]
    assert "Wrote the awards export (csv)" in out.getvalue()


def test_the_format_follows_the_output_extension_and_fy_filters(award, tmp_path):
    output = tmp_path / "commitments.xlsx"
    call_command("export_data", "commitments", "--fy", "2019/20", "--output", str(output), stdout=io.StringIO())
    sheet = load_workbook(output).active
    assert [cell.value for cell in sheet[1]][:2] == ["fy", "stream"]
    assert sheet.cell(row=2, column=5).value == "AWD-1"
    assert sheet.cell(row=2, column=7).value == 1234.5
    empty = tmp_path / "empty.csv"
    call_command("export_data", "awards", "--fy", "2020", "--output", str(empty), stdout=io.StringIO())
    assert len(read_csv(empty)) == 1  # the header only


@pytest.mark.parametrize(
    "arguments, reason",
    [
        (["budgets", "--output", "{dir}/x.csv"], "Unknown export 'budgets'"),
        (["awards", "--fy", "20/21", "--output", "{dir}/x.csv"], "not a financial year"),
        (["commitments", "--output", "{dir}/x.csv"], "needs a financial year"),
        (["awards", "--format", "pdf", "--output", "{dir}/x.pdf"], "Unknown format 'pdf'"),
        (["awards", "--output", "{dir}/missing/x.csv"], "Cannot write"),
        (["awards"], "--output"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(tmp_path, arguments, reason):
    arguments = [argument.format(dir=tmp_path) for argument in arguments]
    with pytest.raises(CommandError, match=reason):
        call_command("export_data", *arguments)
    assert list(tmp_path.iterdir()) == []


def test_from_the_shell_a_bad_argument_exits_non_zero_with_one_line(tmp_path):
    environment = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    completed = subprocess.run(
        [sys.executable, "manage.py", "export_data", "budgets", "--output", str(tmp_path / "x.csv")],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "Unknown export 'budgets'" in lines[0]
