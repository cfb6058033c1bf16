"""The round_results export: columns, rank order, ineligible last with no rank or score."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from pcc_commissioning.interchange.exports import ExportError, run_export

from .scored import ineligible, scored_application, scored_round

pytestmark = pytest.mark.django_db


def test_round_results_rows():
    round, criterion, members = scored_round(reference="CSF-26")
    # A: 7, 8 -> 75.0 asks 15,000 -> recommended (15,000). B: 9, 9 -> 90.0 asks 6,000 -> first.
    # C: 4, 5 -> 45.0 below the pass mark. D ineligible.
    a = scored_application(round, criterion, members, [7, 8], reference="CSF-26-A", amount_requested=Decimal("15000"))
    scored_application(round, criterion, members, [9, 9], reference="CSF-26-B", amount_requested=Decimal("6000"))
    scored_application(round, criterion, members, [4, 5], reference="CSF-26-C", amount_requested=Decimal("1000"))
    ineligible(scored_application(round, criterion, members, [9, 9], reference="CSF-26-D"))
    output = io.BytesIO()
    run_export("round_results", format="csv", output=output, options={"round": "CSF-26"})
    lines = output.getvalue().decode().splitlines()
    assert lines[0] == (
        "rank,application_reference,organisation,amount_requested,weighted_score,"
        "eligible,recommended,amount_offered,running_total"
    )
    org = a.organisation.name
    # 6,000 + 15,000 = 21,000 > 20,000: A is passed over; C below the pass mark.
    assert lines[1].startswith("1,CSF-26-B,")
    assert lines[1].endswith(",6000.00,90.0,yes,yes,6000.00,6000.00")
    assert lines[2] == f"2,CSF-26-A,{org},15000.00,75.0,yes,no,0.00,6000.00"
    assert lines[3].endswith(",1000.00,45.0,yes,no,0.00,6000.00")
    assert lines[4].startswith(",CSF-26-D,") and lines[4].endswith(",10000.00,,no,no,0.00,")


def test_unknown_round():
    with pytest.raises(ExportError, match="no round with the reference NOPE"):
        run_export("round_results", format="csv", output=io.BytesIO(), options={"round": "NOPE"})
    with pytest.raises(ExportError, match="needs --round"):
        run_export("round_results", format="csv", output=io.BytesIO())
