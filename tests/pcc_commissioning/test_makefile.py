"""`make run` serves on PORT when one is given (8000 otherwise)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _serve_line(*arguments: str) -> str:
    dry = subprocess.run(["make", "-n", "run", *arguments], cwd=ROOT, capture_output=True, text=True, check=True)
    return next(line for line in dry.stdout.splitlines() if "runserver" in line)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_on_the_port_asked_for():
    assert _serve_line().endswith("runserver 127.0.0.1:8000")
    assert _serve_line("PORT=8001").endswith("runserver 127.0.0.1:8001")
