"""The import-linter contract (.importlinter, run by CI) covers every app of the project, so a
new app cannot escape the layer order by being left out of it."""

import configparser
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]


def _contract() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config


def _project_apps() -> set[str]:
    return {config.name for config in apps.get_app_configs() if Path(config.path).resolve().parent == ROOT}


def test_the_layers_contract_names_every_app_of_the_project():
    contract = _contract()
    layers = contract["importlinter:contract:layers"]["layers"].split()
    named = {name for name in layers if name != "|"}
    roots = set(contract["importlinter"]["root_packages"].split())
    project = _project_apps()
    assert project == {
        "pcc_commissioning",
        "providers",
        "outcomes",
        "needs_assessment",
        "delivery",
        "grants",
        "rounds",
        "reports",
        "portal",
        "demo",
    }
    assert named == project
    assert roots == project


def test_the_foundation_is_the_bottom_layer_and_reports_the_portal_and_the_demo_the_top():
    layers = [line.strip() for line in _contract()["importlinter:contract:layers"]["layers"].strip().splitlines()]
    assert layers[0] == "demo | reports | portal"
    assert layers[-1] == "pcc_commissioning"
    # Grant rounds stand on the register (they make awards) and under the portal and reports
    # (which show them).
    assert layers.index("rounds") == layers.index("grants") - 1
    # Plan delivery sits beside the needs assessment: both read the Plan and the register, and
    # grants (a decision records an update's monitoring) stand on them.
    assert layers.index("grants") < layers.index("needs_assessment | delivery") < layers.index("providers | outcomes")


def test_the_reports_contract_names_every_context_of_reports():
    """Inside ``reports`` each bounded context is a subpackage in the second contract, so a new one
    cannot import its way into a circle unseen (management, templates and data are not contexts)."""
    contract = _contract()["importlinter:contract:reports-contexts"]
    assert contract["containers"].split() == ["reports"]
    named = {name for name in contract["layers"].split() if name != "|"}
    packages = {path.parent.name for path in (ROOT / "reports").glob("*/__init__.py")} - {"management", "migrations"}
    modules = {"common"}  # shared by the contexts, below them all
    assert named == packages | modules
    layers = [line.strip() for line in contract["layers"].strip().splitlines()]
    assert layers[-2:] == ["engine", "common"]
