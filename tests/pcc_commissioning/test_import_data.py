"""manage.py import_data from the shell: what its start-up loads."""

import os
import subprocess
import sys

from django.conf import settings

# Runs the command as the shell would (checks included), then says whether the charts'
# drawing library was loaded on the way.
SCRIPT = """
import sys
from django.core.management import execute_from_command_line
try:
    execute_from_command_line(["manage.py", "import_data", "providers", sys.argv[1]])
except SystemExit:
    pass
print("matplotlib loaded:", "matplotlib" in sys.modules)
"""


def test_a_command_line_import_does_not_load_the_chart_library(tmp_path):
    # The system checks of the templates load every tag library, charts included, which cost
    # seconds of start-up on a busy machine: an import runs the model checks only.
    path = tmp_path / "providers.csv"
    path.write_text("kind\nother\n")  # no name column: refused before the database is used
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "pcc_commissioning.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Row 1, column name: This required column is missing." in completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "matplotlib loaded: False"
