"""What a browser posts for the project's form widgets, for tests that post forms by hand."""

from __future__ import annotations

import datetime


def date_boxes(prefix: str, day: datetime.date | None) -> dict:
    """The day, month and year boxes of the date field ``prefix`` (all empty for None)."""
    if day is None:
        return {f"{prefix}_0": "", f"{prefix}_1": "", f"{prefix}_2": ""}
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}
