"""``manage.py moj_return``: the return straight to a file, or a one-line reason and no file."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from reports.models import MojReturn, MojReturnStatus
from tests.reports.moj_dataset import build_moj_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    return build_moj_dataset()


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("moj_return", *args, stdout=out)
    return out.getvalue()


def test_json_of_a_half_nobody_has_started_is_the_live_draft_version_1(dataset, tmp_path):
    target = tmp_path / "return.json"
    message = _run("--fy", "2019", "--half", "1", "--format", "json", "--output", str(target))
    figures = json.loads(target.read_text(encoding="utf-8"))
    assert (figures["fy"], figures["half"], figures["status"], figures["version"]) == (2019, 1, "draft", 1)
    assert figures["totals"]["paid_half"] == "44500.00"
    assert message.startswith(f"Wrote {target}") and "version 1, draft" in message


def test_xlsx_and_pdf_are_written(dataset, tmp_path):
    xlsx, pdf = tmp_path / "return.xlsx", tmp_path / "return.pdf"
    _run("--fy", "2019", "--half", "2", "--format", "xlsx", "--output", str(xlsx))
    _run("--fy", "2019", "--half", "2", "--format", "PDF", "--output", str(pdf))
    assert "Totals" in openpyxl.load_workbook(xlsx).sheetnames
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_latest_version_live_with_its_status_and_number(dataset, tmp_path):
    MojReturn.objects.create(fy=2019, half=1, number=1, status=MojReturnStatus.SUBMITTED)
    target = tmp_path / "r.json"
    _run("--fy", "2019", "--half", "1", "--format", "json", "--output", str(target))
    figures = json.loads(target.read_text())
    assert (figures["status"], figures["version"]) == ("submitted", 1)


def test_a_signed_off_version_gives_its_frozen_figures(dataset, tmp_path):
    frozen = {
        "fy": 2019,
        "half": 1,
        "status": "signed_off",
        "version": 1,
        "frozen": "as signed",
        "streams": [],
        "services": [],
        "totals": {},
        "issues": [],
    }
    MojReturn.objects.create(
        fy=2019,
        half=1,
        number=1,
        status=MojReturnStatus.SIGNED_OFF,
        figures=frozen,
        signed_off_at=timezone.now(),
        signed_off_name="Fiona Finance",
    )
    MojReturn.objects.create(fy=2019, half=1, number=2, status=MojReturnStatus.DRAFT)
    first, latest = tmp_path / "v1.json", tmp_path / "v2.json"
    _run("--fy", "2019", "--half", "1", "--format", "json", "--output", str(first), "--version", "1")
    _run("--fy", "2019", "--half", "1", "--format", "json", "--output", str(latest))
    assert json.loads(first.read_text()) == frozen
    assert json.loads(latest.read_text())["version"] == 2


@pytest.mark.parametrize(
    "args, reason",
    [
        (["--fy", "20x9", "--half", "1", "--format", "json"], "--fy must be a whole number such as 2019, not '20x9'."),
        (["--fy", "1999", "--half", "1", "--format", "json"], "--fy 1999 is out of range (2000 to 2099)."),
        (
            ["--fy", "2019", "--half", "3", "--format", "json"],
            "--half must be 1 (April to September) or 2 (October to March), not '3'.",
        ),
        (["--fy", "2019", "--half", "1", "--format", "csv"], "Unknown format 'csv': use json, xlsx or pdf."),
        (
            ["--fy", "2019", "--half", "1", "--format", "json", "--version", "4"],
            "There is no version 4 of the H1 2019/20 MoJ return.",
        ),
        (
            ["--fy", "2018", "--half", "2", "--format", "pdf"],
            "No funding stream reported to the MoJ has an allocation or funding lines in 2018/19.",
        ),
    ],
)
def test_bad_arguments_and_a_half_out_of_scope_write_nothing(dataset, tmp_path, args, reason):
    target = tmp_path / "out.file"
    with pytest.raises(CommandError) as error:
        _run(*args, "--output", str(target))
    assert str(error.value) == reason
    assert "\n" not in str(error.value)
    assert not target.exists()


def test_from_the_command_line_the_reason_is_one_line_and_the_status_non_zero(tmp_path):
    # A real process (the arguments are refused before the database is read): status 1, one line.
    target = tmp_path / "out.pdf"
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "moj_return",
            "--fy",
            "2019",
            "--half",
            "3",
            "--format",
            "pdf",
            "--output",
            str(target),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "CommandError: --half must be 1 (April to September) or 2 (October to March), not '3'."
    ]
    assert not target.exists()
