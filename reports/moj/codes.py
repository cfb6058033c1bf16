"""The code lists the MoJ return reports by: the breakdown dimensions, their labels as valid
in the year, and the order codes are shown in."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from outcomes.models import CodeList, CodeListEntry

DIMENSIONS = ("crime", "age", "sex", "ethnicity", "disability")
DIMENSION_NAMES = {
    "crime": "crime type",
    "age": "age band",
    "sex": "sex",
    "ethnicity": "ethnicity",
    "disability": "disability",
}


def code_labels(fy: int) -> dict[str, dict[str, str]]:
    """{list: {code: label}} of the code lists the return uses, as valid in the year, each list
    in its sort order (the order forms and the PDF show them in)."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    wanted = [*DIMENSIONS, CodeList.OUTCOME, CodeList.MOJ_CATEGORY]
    for row in (
        CodeListEntry.objects.filter(list__in=wanted)
        .filter(Q(valid_from_fy__isnull=True) | Q(valid_from_fy__lte=fy))
        .filter(Q(valid_to_fy__isnull=True) | Q(valid_to_fy__gte=fy))
        .order_by("list", "sort_order", "code", "valid_from_fy")
        .values("list", "code", "label")
    ):
        labels[str(row["list"])][row["code"]] = row["label"]
    return labels


def ordered_codes(figures: dict, list_name: str, used) -> list[str]:
    """The codes in ``used`` in their code list's order; codes no longer listed last, sorted."""
    used = set(used)
    known = figures.get("code_order", {}).get(list_name) or list(figures.get("labels", {}).get(list_name, {}))
    return [code for code in known if code in used] + sorted(used - set(known))
