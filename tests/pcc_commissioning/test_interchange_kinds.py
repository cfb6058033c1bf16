"""Every import and export kind of docs/formats.md is found from the modules the apps declare,
whichever modules happen to have been imported before (a kind missing here would be missing
from `import_data`, `export_data` and the Import page)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORT_KINDS = {
    "applications",
    "areas",
    "awards",
    "delivery_plan",
    "code_compliance",
    "indicators",
    "needs",
    "panel",
    "payments",
    "plan_updates",
    "providers",
    "returns",
    "round_definition",
    "scores",
    "streams",
}
EXPORT_KINDS = {
    "awards",
    "code_compliance",
    "commitments",
    "contracts_register",
    "decisions",
    "delivery_plan",
    "finance_by_month",
    "finance_by_priority",
    "finance_by_provider",
    "finance_by_stream",
    "finance_pack",
    "grants_register",
    "payments",
    "recoveries",
    "return_schedule",
    "returns",
    "round_definition",
    "round_report",
    "round_results",
    "spend_over_500",
    "variations",
}


def _kinds_in_a_fresh_process() -> dict[str, list[str]]:
    """The kinds as a fresh interpreter finds them, with nothing imported but the settings (in
    the test process, pages and other tests have imported most modules already)."""
    script = (
        "import json, django; django.setup()\n"
        "from pcc_commissioning.interchange.exports import exporters\n"
        "from pcc_commissioning.interchange.imports import importers\n"
        "print(json.dumps({'import': sorted(importers()), 'export': sorted(exporters())}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pcc_commissioning.settings", "DEBUG": "1"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_import_and_export_kind_is_registered():
    kinds = _kinds_in_a_fresh_process()
    assert set(kinds["import"]) == IMPORT_KINDS
    assert set(kinds["export"]) == EXPORT_KINDS
