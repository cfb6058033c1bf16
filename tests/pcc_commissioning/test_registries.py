"""Every import and export kind declared in the code is known to a fresh process.

The registries of pcc_commissioning.interchange import each app's ``importers`` and
``exporters`` module and nothing deeper, so a kind declared in a subpackage is registered only if
its app's module imports it. Inside the test run the URLs have imported every view (and with
them every importer), which would hide a missing link: the check runs in a new process, as
``manage.py import_data`` and ``export_data`` do.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DECLARATION = re.compile(r"^@(importer|exporter)\(\s*\"([a-z0-9_]+)\"", re.MULTILINE)
SKIPPED = {".venv", "tests", "node_modules", ".git"}

SCRIPT = """
import django
django.setup()
from pcc_commissioning.interchange import exporters, importers
print("importer", *sorted(importers()))
print("exporter", *sorted(exporters()))
"""


def declared_kinds() -> dict[str, set[str]]:
    kinds: dict[str, set[str]] = {"importer": set(), "exporter": set()}
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        if SKIPPED & set(path.relative_to(settings.BASE_DIR).parts):
            continue
        for registry, kind in DECLARATION.findall(path.read_text(encoding="utf-8")):
            kinds[registry].add(kind)
    return kinds


def test_a_fresh_process_knows_every_declared_import_and_export(tmp_path):
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "pcc_commissioning.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    registered = {line.split()[0]: set(line.split()[1:]) for line in completed.stdout.splitlines() if line.strip()}
    declared = declared_kinds()
    assert declared["importer"] and declared["exporter"]
    # Some exports are registered in a loop (the finance views, the transparency lists), so the
    # registry may hold more than the decorators found here; it must hold at least those.
    assert declared["importer"] <= registered["importer"]
    assert declared["exporter"] <= registered["exporter"]
