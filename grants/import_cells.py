"""Reading the cells of the grants imports: financial years, amounts, KPQ lists, and finding the
organisation, stream or award a cell names."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from grants.models import Award, FundingStream
from pcc_commissioning.interchange.cells import parse_money, parse_multi
from pcc_commissioning.interchange.rows import CellError
from pcc_commissioning.periods import parse_fy_input
from providers.models import Organisation

IMPORT_NOTE = "Imported from a file."


# Cells ----------------------------------------------------------------------------------------------
def cell_fy(text: str) -> int:
    try:
        return parse_fy_input(text).start_year
    except (TypeError, ValueError) as exc:
        raise CellError(str(exc)) from None


def cell_money(text: str) -> Decimal:
    return parse_money(text)


def cell_signed_money(text: str) -> Decimal:
    return parse_money(text, allow_negative=True)


_KPQ_RE = re.compile(r"^(?:kpq)?\s*(\d{1,4})$", re.IGNORECASE)


def cell_kpq_numbers(text: str) -> list[int]:
    numbers = []
    for part in parse_multi(text):
        match = _KPQ_RE.match(part)
        if not match:
            raise CellError(f"'{part}' is not a KPQ number: list the numbers separated by ';', like 3;4.")
        numbers.append(int(match.group(1)))
    return sorted(set(numbers))


class Finder:
    """Finds records by a name (ignoring capitals), remembering answers for the whole file."""

    def __init__(self, lookup: Callable[[str], Any]):
        self._lookup = lookup
        self._found: dict[str, Any] = {}

    def __call__(self, name: str):
        key = name.strip().casefold()
        if key not in self._found:
            self._found[key] = self._lookup(name.strip())
        return self._found[key]


def organisation_named(name: str) -> Organisation | None:
    return Organisation.objects.filter(name__iexact=name).first()


def stream_named(name: str) -> FundingStream | None:
    return FundingStream.objects.filter(name__iexact=name).first()


def award_with_reference(reference: str) -> Award | None:
    return Award.objects.filter(reference__iexact=reference).first()


# Coded or named cells compared ignoring capitals; free text compared exactly.
CASE_INSENSITIVE = {"provider", "kind", "priority", "status", "moj_category", "decision_reference"}
