"""The command line's door to the round kinds: ``--round`` is asked for, an unknown round is a
one-line refusal, and the extension picks JSON or a table."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import ApplicationFactory, CriterionFactory, RoundFactory

pytestmark = pytest.mark.django_db


def test_an_import_about_one_round_needs_the_round(tmp_path):
    path = tmp_path / "panel.csv"
    path.write_text("username,name,email\nofficer,,\n")
    errors = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_data", "panel", str(path), stdout=io.StringIO(), stderr=errors)
    assert "Row 1: The panel import needs --round." in errors.getvalue()


def test_an_export_about_one_round_needs_the_round_and_a_known_one(tmp_path):
    with pytest.raises(CommandError, match="needs --round"):
        call_command("export_data", "round_results", output=str(tmp_path / "r.csv"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="NOPE"):
        call_command("export_data", "round_results", round="NOPE", output=str(tmp_path / "r.csv"), stdout=io.StringIO())
    assert not (tmp_path / "r.csv").exists()


def test_the_results_export_writes_the_round_in_rank_order(tmp_path):
    round = RoundFactory(reference="CSF-2026")
    CriterionFactory(round=round)
    ApplicationFactory(round=round, reference="CSF-2026-0001")
    output = tmp_path / "results.csv"
    call_command("export_data", "round_results", round="CSF-2026", output=str(output), stdout=io.StringIO())
    rows = list(csv.reader(output.open(encoding="utf-8-sig")))
    assert rows[0] == [
        "rank",
        "application_reference",
        "organisation",
        "amount_requested",
        "weighted_score",
        "eligible",
        "recommended",
        "amount_offered",
        "running_total",
    ]
    assert [row[1] for row in rows[1:]] == ["CSF-2026-0001"]


def test_a_json_file_gets_the_definition_as_json(tmp_path):
    RoundFactory(reference="CSF-2026")
    output = tmp_path / "round.json"
    call_command("export_data", "round_definition", round="CSF-2026", output=str(output), stdout=io.StringIO())
    assert json.loads(output.read_text())["reference"] == "CSF-2026"
    with pytest.raises(CommandError, match="json only"):
        call_command(
            "export_data", "round_definition", round="CSF-2026", output=str(tmp_path / "r.csv"), stdout=io.StringIO()
        )
