"""Merge fields: an agreement template's wording with ``{{ name }}`` filled from the figures the
agreement is issued from (``grants.agreements.figures.award_figures`` plus the agreement's own).

Templates are written by officers, so their text is never given to Django's template engine
(which would run any tag in it): each ``{{ name }}`` is replaced by plain text, and a name that
is not a merge field is refused when the template is saved, naming the field and the known ones.
Amounts by year and stream, the payment plan, the monitoring requirements and the signature
block are not merge fields: every agreement prints them as schedules after the terms.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from pcc_commissioning.money import format_pence
from pcc_commissioning.validation import Errors, add_error

FIELD = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def day_words(value: str) -> str:
    """An ISO date from the figures as "1 April 2019" ("" stays "")."""
    if not value:
        return ""
    day = datetime.date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


def pounds(value: str | None) -> str:
    return format_pence(Decimal(value)) if value not in (None, "") else ""


def _names(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _variation(name: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda figures: str((figures.get("variation") or {}).get(name) or "")


def _address(figures: Mapping[str, Any]) -> str:
    provider = figures["provider"]
    return ", ".join(
        part for part in (provider.get("address", "").replace("\n", ", "), provider.get("postcode")) if part
    )


# name -> (what it is, for the template form's help; how it is filled from the figures)
MERGE_FIELDS: dict[str, tuple[str, Callable[[Mapping[str, Any]], str]]] = {
    "funder": ("The OPCC's name.", lambda f: f["funder"]),
    "provider": ("The provider's name.", lambda f: f["provider"]["name"]),
    "provider_address": ("The provider's address and postcode.", _address),
    "award_reference": ("The award's reference, e.g. AWD-2019-0042.", lambda f: f["reference"]),
    "award_title": ("The award's title (the service funded).", lambda f: f["title"]),
    "award_kind": ("Grant or contract.", lambda f: f["kind_label"].lower()),
    "purpose": ("What the award is for.", lambda f: f["purpose"]),
    "total_value": ("The award's total value in pounds, e.g. £60,000.00.", lambda f: pounds(f["total"])),
    "start_date": ("The day the award starts, e.g. 1 April 2019.", lambda f: day_words(f["start_date"])),
    "end_date": ("The day the award ends (before any extension).", lambda f: day_words(f["end_date"])),
    "extension_until": (
        "The end of the extension offered in the award (blank if none).",
        lambda f: day_words(f["extension_until"]),
    ),
    "decision": ("The reference of the PCC decision that made the award.", lambda f: f["decision"]),
    "approval": (
        'What made the award: "PCC decision PCC-2019-033", or "the delegated authority of the OPCC\'s officers".',
        lambda f: (
            f"PCC decision {f['decision']}" if f["decision"] else "the delegated authority of the OPCC's officers"
        ),
    ),
    "lead_officer": ("The OPCC's lead officer for the award.", lambda f: f["lead_officer"]),
    "signatories": ("The provider's authorised signatories, by name.", lambda f: _names(f["signatories"])),
    "version": ("The agreement's version number.", lambda f: str(f["agreement"]["number"])),
    "issue_date": ("The day the agreement is issued.", lambda f: day_words(f["agreement"]["issued_on"])),
    "variation_reference": ("Variation letters: the variation's reference.", _variation("reference")),
    "variation_kind": ("Variation letters: what kind of change it is.", _variation("kind_label")),
    "variation_reason": ("Variation letters: why the change was made.", _variation("reason")),
    "new_end_date": (
        "Variation letters: the new end date (blank if the dates do not change).",
        lambda f: day_words((f.get("variation") or {}).get("new_end_date") or ""),
    ),
}


def merge_field_help() -> list[tuple[str, str]]:
    """(``{{ name }}``, what it is) for every merge field, for the template form."""
    return [(f"{{{{ {name} }}}}", description) for name, (description, _fill) in MERGE_FIELDS.items()]


def unknown_fields(text: str) -> list[str]:
    """The names in double braces in ``text`` that are not merge fields, in order, once each."""
    found: list[str] = []
    for match in FIELD.finditer(text or ""):
        name = match.group(1).strip()
        if name not in MERGE_FIELDS and name not in found:
            found.append(name)
    return found


def check_fields(text: str, errors: Errors, *, field: str) -> None:
    """Refuse ``text`` naming a field that is not a merge field: the message names it and the
    known ones."""
    unknown = unknown_fields(text)
    if unknown:
        named = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        known = ", ".join(MERGE_FIELDS)
        word = "is not a merge field" if len(unknown) == 1 else "are not merge fields"
        add_error(errors, field, f"{named} {word}. The merge fields are: {known}.")


def merge(terms: str, figures: Mapping[str, Any]) -> str:
    """``terms`` with every ``{{ name }}`` replaced by its value from ``figures``, as plain text.
    A name that is not a merge field is left as written (templates are checked when saved)."""

    def fill(match: re.Match) -> str:
        entry = MERGE_FIELDS.get(match.group(1).strip())
        return match.group(0) if entry is None else entry[1](figures)

    return FIELD.sub(fill, terms or "")
