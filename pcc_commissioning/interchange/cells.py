"""Single cells: parsing amounts, dates, whole numbers, choices and lists, and guarding text that a
spreadsheet would run as a formula."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from pcc_commissioning.interchange.rows import CellError
from pcc_commissioning.money import AmountError, parse_amount
from pcc_commissioning.periods import date_problem

# First characters that make a spreadsheet treat text as a formula or a command. Besides the
# ASCII four, spreadsheets in East Asian locales read the full-width forms of = + - @ as formula
# starts too, "|" starts a DDE command in older Excel, and a tab or carriage return in front
# hides any of these from a reader while some programs still evaluate what follows.
FORMULA_PREFIXES = (
    "=",
    "+",
    "-",
    "@",
    "|",
    "\uff1d",
    "\uff0b",
    "\uff0d",
    "\uff20",  # full-width = + - @
    "\t",
    "\r",
)


# ---------------------------------------------------------------------------------------------
# Cells
def guard_formula(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers pass.

    Text that already starts with an apostrophe gets one more, because the import removes
    one: that keeps the round trip exact.
    """
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, "'")):
        return "'" + value
    return value


def unguard_formula(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def parse_money(text: str, *, allow_negative: bool = False) -> Decimal:
    """Pounds as ``1234.56`` or ``1,234.56`` (a leading £ allowed), read by the one rule of
    ``money.parse_amount``: ``1,50`` and ``1e5`` are refused, not guessed at."""
    try:
        return parse_amount(text, allow_negative=allow_negative)
    except AmountError as exc:
        raise CellError(str(exc)) from None


def parse_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD. A date in that form that cannot be ("2020-02-30") is "not a
    real date" (the GOV.UK wording), never Python's "day is out of range for month"."""
    cleaned = text.strip()
    try:
        day = dt.date.fromisoformat(cleaned)
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned, re.ASCII):
            raise CellError(f"'{text}' is not a real date: check the day and the month.") from None
        raise CellError(f"'{text}' is not a date in the form YYYY-MM-DD.") from None
    problem = date_problem(day)
    if problem:
        raise CellError(problem)
    return day


def parse_int(text: str, *, minimum: int | None = 0) -> int:
    cleaned = text.strip().replace(",", "")
    try:
        value = int(Decimal(cleaned)) if re.fullmatch(r"-?\d+(\.0+)?", cleaned) else None
    except InvalidOperation:
        value = None
    if value is None:
        raise CellError(f"'{text}' is not a whole number.")
    if minimum is not None and value < minimum:
        raise CellError(f"The number must be at least {minimum}.")
    return value


def parse_choice(text: str, choices: Iterable[str]) -> str:
    """A coded value, case-insensitive; returns the code as declared."""
    by_lower = {choice.lower(): choice for choice in choices}
    try:
        return by_lower[text.strip().lower()]
    except KeyError:
        raise CellError(f"'{text}' is not one of: {', '.join(by_lower.values())}.") from None


def parse_yes_no(text: str) -> bool:
    return parse_choice(text, ("yes", "no")) == "yes"


def parse_multi(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]
