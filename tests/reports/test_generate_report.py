"""``manage.py generate_report``: writes the PDF, refuses bad arguments with a one-line reason."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

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
