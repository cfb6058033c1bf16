"""``manage.py generate_report``: writes the PDF, refuses bad arguments with a one-line reason."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from delivery.models import PlanStatus
from tests.delivery.published_plan import build_plan

pytestmark = pytest.mark.django_db


def test_writes_the_panel_report(tmp_path):
    output = tmp_path / "panel.pdf"
    call_command("generate_report", "panel", "--fy", "2019", "--period", "h1", "--output", str(output), verbosity=0)
    assert output.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(output), "-"], capture_output=True, text=True, check=True).stdout
        # A year with no data still gives a report that says so.
        assert "No awards were made in the period." in " ".join(text.split())


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["panel", "--fy", "2019", "--period", "Q5"], "Unknown period 'Q5'"),
        (["panel", "--fy", "twenty", "--period", "H1"], "--fy must be a year"),
        (["annual", "--fy", "2019", "--period", "H1"], "Unknown report 'annual'"),
    ],
)
def test_refuses_bad_arguments(tmp_path, args, reason):
    output = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match=reason):
        call_command("generate_report", *args, "--output", str(output))
    assert not output.exists()


def test_exit_status_and_one_line_reason_on_stderr(tmp_path):
    """As run from a shell: status 1 and one line on stderr (no traceback)."""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [
            sys.executable,
            str(root / "manage.py"),
            "generate_report",
            "panel",
            "--fy",
            "2019",
            "--period",
            "Q9",
            "--output",
            str(tmp_path / "x.pdf"),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: Unknown period 'Q9': use one of Q1, Q2, Q3, Q4, H1, H2, FY."
    ]


def test_the_panel_report_needs_its_year(tmp_path):
    with pytest.raises(CommandError, match="The panel report needs --fy") as raised:
        call_command("generate_report", "panel", "--output", str(tmp_path / "x.pdf"))
    assert raised.value.returncode == 2


# The delivery plan --------------------------------------------------------------------------


def _pdf_text(path: Path) -> str:
    return " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )


def test_writes_a_delivery_plan_at_an_earlier_update(tmp_path):
    build_plan()
    output = tmp_path / "plan.pdf"
    call_command(
        "generate_report",
        "delivery_plan",
        "--plan",
        "FDP-2013",
        "--period",
        "2013-h1",
        "--output",
        str(output),
        verbosity=0,
    )
    assert output.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = _pdf_text(output)
        assert "Progress update H1 2013/14 (April to September 2013)" in text
        assert "Up 3.7 percentage points on the earlier value 53%" in text


def test_a_draft_plan_is_built_for_a_preview_and_marked(tmp_path):
    build_plan(status=PlanStatus.DRAFT)
    output = tmp_path / "plan.pdf"
    call_command("generate_report", "delivery_plan", "--plan", "FDP-2013", "--output", str(output), verbosity=0)
    if shutil.which("pdftotext"):
        assert "Draft: not published" in _pdf_text(output)


@pytest.mark.parametrize(
    ("args", "reason", "status"),
    [
        (["--plan", "NOPE"], "Unknown plan 'NOPE': no delivery plan has this reference.", 1),
        (["--plan", "FDP-2013", "--period", "2014-H1"], "The plan FDP-2013 has no accepted update for 2014-H1.", 1),
        (["--plan", "FDP-2013", "--period", "H7"], "'H7' is not a period", 1),
        ([], "The delivery_plan report needs --plan", 2),
    ],
)
def test_a_delivery_plan_refuses_bad_arguments(tmp_path, args, reason, status):
    build_plan()
    output = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match=re.escape(reason)) as raised:
        call_command("generate_report", "delivery_plan", *args, "--output", str(output))
    assert raised.value.returncode == status
    assert not output.exists()
