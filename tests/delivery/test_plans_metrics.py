"""A metric's change against its comparison, and how values read (delivery.plans.metrics)."""

from decimal import Decimal

import pytest

from delivery.plans.metrics import (
    BETTER,
    SAME,
    WORSE,
    format_difference,
    format_metric_value,
    metric_change,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "comparison", "direction", "difference", "verdict"),
    [
        # "Police deal with community issues" 56.7% against 53%: up 3.7 points, better.
        ("56.7", "53", "higher_is_better", "3.7", BETTER),
        # Victim satisfaction with being kept informed 66.3% from 67.2%: down 0.9, worse.
        ("66.3", "67.2", "higher_is_better", "-0.9", WORSE),
        # Repeat victims: fewer is better.
        ("120", "140", "higher_is_worse", "-20", BETTER),
        ("141", "140", "higher_is_worse", "1", WORSE),
        ("50", "50", "higher_is_better", "0", SAME),
    ],
)
def test_the_verdict_follows_the_direction(value, comparison, direction, difference, verdict):
    change = metric_change(value=D(value), comparison=D(comparison), direction=direction)
    assert change.difference == D(difference)
    assert change.verdict == verdict


def test_without_a_comparison_there_is_no_verdict():
    change = metric_change(value=D("12"), comparison=None, direction="higher_is_better")
    assert (change.difference, change.verdict, change.verdict_label) == (None, "", "No comparison")
    assert format_difference(change, "count") == ""


def test_values_read_in_their_unit_without_padding():
    assert format_metric_value(D("56.7000"), "percent") == "56.7%"
    assert format_metric_value(D("1500.0000"), "count") == "1,500"
    assert format_metric_value(D("12.5000"), "rate") == "12.5"
    assert format_metric_value(D("1500"), "money") == "£1,500.00"
    assert format_metric_value(None, "count") == "–"


def test_a_percentage_moves_in_points():
    change = metric_change(value=D("56.7"), comparison=D("53"), direction="higher_is_better")
    assert format_difference(change, "percent") == "up 3.7 percentage points"
    one = metric_change(value=D("54"), comparison=D("53"), direction="higher_is_better")
    assert format_difference(one, "percent") == "up 1 percentage point"
    down = metric_change(value=D("80"), comparison=D("100"), direction="higher_is_worse")
    assert format_difference(down, "count") == "down 20"
