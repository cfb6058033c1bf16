"""How a metric's value reads, and whether it moved the right way (pure functions over plain
values, shared by the plan's pages, the public page and PDF, and the Panel report).

A value is compared with its own comparison (an earlier value, a baseline or a target) when it
has one. The difference is the value minus the comparison; whether that is better depends on the
metric's direction. A percentage's difference is in percentage points."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pcc_commissioning.money import format_pence

from ..models import Direction, MetricUnit

BETTER = "better"
WORSE = "worse"
SAME = "same"
VERDICT_LABELS = {BETTER: "Improved", WORSE: "Worse", SAME: "No change", "": "No comparison"}


@dataclass(frozen=True)
class Change:
    """A value against its comparison. ``difference`` and ``verdict`` are None and "" when
    there is nothing to compare with."""

    value: Decimal
    comparison: Decimal | None
    difference: Decimal | None
    verdict: str  # BETTER, WORSE, SAME or ""

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]


def metric_change(*, value: Decimal, comparison: Decimal | None, direction: str) -> Change:
    if comparison is None:
        return Change(value, None, None, "")
    difference = value - comparison
    if difference == 0:
        verdict = SAME
    else:
        went_up = difference > 0
        verdict = BETTER if went_up == (direction == Direction.HIGHER_IS_BETTER) else WORSE
    return Change(value, comparison, difference, verdict)


def plain_number(value: Decimal) -> str:
    """A stored value without its padding zeros, grouped in thousands: 56.7000 → "56.7",
    1500.0000 → "1,500"."""
    text = f"{value.normalize():,f}"
    return text


def format_metric_value(value: Decimal | None, unit: str, *, missing: str = "–") -> str:
    """56.7 percent → "56.7%"; 1500 count → "1,500"; 12.5 rate → "12.5"; money → "£1,500.00"."""
    if value is None:
        return missing
    if unit == MetricUnit.MONEY:
        return format_pence(value)
    if unit == MetricUnit.PERCENT:
        return f"{plain_number(value)}%"
    return plain_number(value)


def format_difference(change: Change, unit: str) -> str:
    """ "up 3.7 percentage points", "down 12", "no change"; "" without a comparison."""
    if change.difference is None:
        return ""
    if change.difference == 0:
        return "no change"
    word = "up" if change.difference > 0 else "down"
    size = abs(change.difference)
    if unit == MetricUnit.PERCENT:
        points = plain_number(size)
        return f"{word} {points} percentage point{'' if size == 1 else 's'}"
    return f"{word} {format_metric_value(size, unit)}"
