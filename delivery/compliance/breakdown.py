"""A figure's breakdown: the same measure split by crime type or by a protected characteristic,
as a body supplies it. Stored as ``{"crime_type": {"Burglary": [40, 52], ...}, "sex": {...}}``
(each part's numerator and denominator) and written in a file's cell as
``crime_type:Burglary=40/52; crime_type:Domestic abuse=30/41; sex:Female=50/70``
(docs/formats.md "code_compliance").

A part may leave victims out (not every victim's ethnicity is recorded), so a dimension's parts
add up to at most the figure's own numbers, never to more."""

from __future__ import annotations

import re
from typing import Any

# Crime type and the protected characteristics of the Equality Act 2010: a breakdown by
# anything else would not line up across bodies, so it is refused rather than stored.
DIMENSIONS = {
    "crime_type": "Crime type",
    "age": "Age",
    "disability": "Disability",
    "gender_reassignment": "Gender reassignment",
    "marriage_civil_partnership": "Marriage and civil partnership",
    "pregnancy_maternity": "Pregnancy and maternity",
    "race": "Race",
    "religion_belief": "Religion or belief",
    "sex": "Sex",
    "sexual_orientation": "Sexual orientation",
}
MAX_CATEGORY = 100
_PART = re.compile(r"^(?P<dimension>[^:=]+):(?P<category>.+)=(?P<numerator>[^=/]+)/(?P<denominator>[^=/]+)$")
_WHOLE = re.compile(r"^\d{1,9}$")

Breakdown = dict[str, dict[str, list[int]]]


def dimension_label(key: str) -> str:
    return DIMENSIONS.get(key, key.replace("_", " ").capitalize())


class BreakdownError(ValueError):
    """A breakdown that cannot be read or does not add up; the message says which part."""


def parse_breakdown(text: str) -> Breakdown:
    """The cell format as the stored form. Raises BreakdownError naming the part at fault."""
    breakdown: Breakdown = {}
    for index, raw in enumerate(text.split(";"), start=1):
        part = raw.strip()
        if not part:
            continue
        match = _PART.match(part)
        if not match:
            raise BreakdownError(
                f"Part {index} ('{part}') is not in the form dimension:category=numerator/denominator, "
                "e.g. crime_type:Burglary=40/52."
            )
        dimension = match["dimension"].strip().lower()
        category = match["category"].strip()
        numbers = []
        for name in ("numerator", "denominator"):
            value = match[name].strip()
            if not _WHOLE.match(value):
                raise BreakdownError(f"Part {index} ('{part}'): the {name} '{value}' is not a whole number.")
            numbers.append(int(value))
        parts = breakdown.setdefault(dimension, {})
        if any(existing.lower() == category.lower() for existing in parts):
            raise BreakdownError(f"Part {index} ('{part}'): {dimension}:{category} is given twice.")
        parts[category] = numbers
    return breakdown


def format_breakdown(breakdown: dict[str, Any] | None) -> str:
    """The stored form as the cell format, dimensions in the order of ``DIMENSIONS``."""
    order = {key: position for position, key in enumerate(DIMENSIONS)}
    parts = []
    for dimension in sorted(breakdown or {}, key=lambda key: (order.get(key, len(order)), key)):
        for category, (numerator, denominator) in breakdown[dimension].items():
            parts.append(f"{dimension}:{category}={numerator}/{denominator}")
    return "; ".join(parts)


def breakdown_problems(breakdown: Any, *, numerator: int, denominator: int) -> list[str]:
    """What is wrong with a breakdown (already in the stored form) for a figure of
    ``numerator`` of ``denominator``, as sentences; [] when it is sound."""
    if not isinstance(breakdown, dict):
        return ["The breakdown must map each dimension to its parts."]
    problems = []
    for dimension, parts in breakdown.items():
        if dimension not in DIMENSIONS:
            problems.append(f"'{dimension}' is not a breakdown dimension: use one of {', '.join(DIMENSIONS)}.")
            continue
        if not isinstance(parts, dict) or not parts:
            problems.append(f"{dimension}: give at least one category.")
            continue
        total_numerator = total_denominator = 0
        for category, numbers in parts.items():
            where = f"{dimension}:{category}"
            if not isinstance(category, str) or not category.strip() or len(category) > MAX_CATEGORY:
                problems.append(f"{where}: a category needs a name of at most {MAX_CATEGORY} characters.")
                continue
            if (
                not isinstance(numbers, (list, tuple))
                or len(numbers) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers)
            ):
                problems.append(f"{where}: give a numerator and a denominator, both whole numbers.")
                continue
            if numbers[0] > numbers[1]:
                problems.append(f"{where}: the numerator {numbers[0]} is more than the denominator {numbers[1]}.")
            total_numerator += numbers[0]
            total_denominator += numbers[1]
        if total_denominator > denominator:
            problems.append(
                f"{dimension}: the parts count {total_denominator} victims, more than the figure's {denominator}."
            )
        if total_numerator > numerator:
            problems.append(
                f"{dimension}: the parts count {total_numerator} meeting the measure, more than the figure's "
                f"{numerator}."
            )
    return problems
