"""Checks shared by the grants services: each adds a message to ``errors`` under the field at fault,
and ``raise_if_errors`` raises them together, so a form shows every problem at once."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from pcc_commissioning.money import AmountError, amount_from
from pcc_commissioning.periods import (
    FIRST_ACCEPTED_YEAR,
    LAST_ACCEPTED_YEAR,
    FinancialYear,
    parse_fy_input,
)
from pcc_commissioning.validation import Errors, add_error


def money_value(value: Any, field: str, errors: Errors, *, what: str = "amount") -> Decimal | None:
    """A Decimal amount in pounds and pence within the bounds of ``money.amount_from``, or
    None (with an error added)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        add_error(errors, field, f"Enter the {what}.")
        return None
    try:
        return amount_from(value, what=what)
    except AmountError as exc:
        add_error(errors, field, str(exc))
        return None


def financial_year_value(value: Any, field: str, errors: Errors) -> int | None:
    """The starting year of a financial year (2019 for 2019/20), or None with an error."""
    if isinstance(value, FinancialYear):
        return value.start_year
    if value is None or value == "":
        add_error(errors, field, "Enter the financial year (e.g. 2019 for 2019/20).")
        return None
    try:
        return parse_fy_input(value if isinstance(value, (int, str)) else str(value)).start_year
    except (TypeError, ValueError):
        add_error(
            errors,
            field,
            f"“{value}” is not a financial year: write it like 2019 (for 2019/20), between "
            f"{FIRST_ACCEPTED_YEAR} and {LAST_ACCEPTED_YEAR}.",
        )
        return None


def date_value(value: Any, field: str, errors: Errors, *, what: str, required: bool = True) -> datetime.date | None:
    if value is None or value == "":
        if required:
            add_error(errors, field, f"Enter the {what}.")
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        add_error(errors, field, f"The {what} must be a date.")
        return None
    return value


def check_lengths(model: type[models.Model], values: Mapping[str, Any], errors: Errors) -> None:
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        field = model._meta.get_field(name)
        if field.max_length and len(value) > field.max_length:
            add_error(errors, name, f"The {field.verbose_name} must be {field.max_length} characters or fewer.")


def check_award_open(award, errors: Errors, *, field: str = "__all__", doing: str = "changed") -> None:
    """A closed award is read-only: add why to ``errors`` if ``award`` is closed (its closure is
    read from the database, so a closure made since the award was loaded counts)."""
    from grants.models import AwardClosure

    closure = AwardClosure.objects.filter(award_id=award.pk).only("closed_on").first() if award.pk else None
    if closure is not None:
        add_error(
            errors,
            field,
            f"Award {award.reference} was closed on {closure.closed_on:%-d %B %Y}, so it cannot be {doing}.",
        )
