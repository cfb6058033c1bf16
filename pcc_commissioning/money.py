"""Amounts of money (docs/formats.md "Money").

Written for people: whole pounds with thousands separators (£842,100) unless pence matter
(£1,234.56); a minus sign (U+2212, "−£250.00", as the GOV.UK style guide writes it) before the £.

Read from people and files by ``parse_amount``, the one reader every form field and import
uses. It accepts only what cannot be misread: an optional minus (a hyphen, or the minus sign the
pages write, so an amount copied from a page reads back; where negatives are allowed),
an optional £ (a space may follow it), digits with commas only between groups of three (``1,234``), and at most two
decimals after a single point. ``1,50`` (a European decimal comma, or a mistyped 150?),
``1.234,50``, ``1e5``, ``NaN`` and ``Infinity`` are refused rather than guessed at, and so is
anything beyond ``MAX_AMOUNT`` either way.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
POUND = Decimal("1")
# No single amount in a PCC's grants comes near a billion pounds: anything beyond is a typing
# slip (or an attack), and refusing it keeps every total far from the columns' 14 digits.
MAX_AMOUNT = Decimal("1000000000")
MAX_AMOUNT_TEXT = "£1,000,000,000"
# The minus sign written before a negative amount for people: U+2212, not the hyphen, which
# screen readers may skip and which a line can break after.
MINUS = "\u2212"
AMOUNT_EXAMPLE = "1234.50 or 1,234.50"
# A longer text cannot be an amount within the bounds; checked before the pattern runs.
_MAX_LENGTH = 30
# ASCII digits only (re.ASCII): other scripts' digits are not what a finance officer types.
_AMOUNT = re.compile(
    r"(?P<minus>[-\u2212])?(?:£ ?)?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d{1,2}))?", re.ASCII
)
_SEPARATORS_ONLY = re.compile(r"[-\u2212]?£?[0-9][0-9.,]*")
_TOO_PRECISE = re.compile(r"[-\u2212]?£?[0-9,]+\.[0-9]{3,}")


class AmountError(ValueError):
    """The text is not an acceptable amount; the message says why, naming what it is."""


def parse_amount(text: str, *, what: str = "amount", allow_negative: bool = False) -> Decimal:
    """The amount ``text`` writes, to the penny; raises AmountError naming ``what`` otherwise."""
    cleaned = str(text).strip()
    match = _AMOUNT.fullmatch(cleaned) if len(cleaned) <= _MAX_LENGTH else None
    if match is None:
        raise AmountError(_why_not(cleaned, what))
    amount = Decimal(match["whole"].replace(",", "") + "." + (match["pence"] or "0"))
    if match["minus"]:
        amount = -amount
    if amount < 0 and not allow_negative:
        raise AmountError(f"The {what} cannot be negative.")
    if abs(amount) > MAX_AMOUNT:
        raise AmountError(_beyond_bounds(amount, what))
    return amount.quantize(PENNY)


def _beyond_bounds(amount: Decimal, what: str) -> str:
    if amount < 0:
        return f"The {what} cannot be less than {MINUS}{MAX_AMOUNT_TEXT}."
    return f"The {what} cannot be more than {MAX_AMOUNT_TEXT}."


def _why_not(text: str, what: str) -> str:
    shown = text if len(text) <= _MAX_LENGTH else text[:_MAX_LENGTH] + "…"
    if _TOO_PRECISE.fullmatch(text):
        return f"The {what} '{shown}' has more than two decimal places: write pounds and pence, like {AMOUNT_EXAMPLE}."
    if "," in text and _SEPARATORS_ONLY.fullmatch(text):
        return (
            f"The {what} '{shown}' is ambiguous: commas may only separate thousands (1,234.50), and pence "
            "follow a point (1.50)."
        )
    return f"The {what} must be written in pounds, like {AMOUNT_EXAMPLE}, not '{shown}'."


def as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def to_penny(amount: Decimal | None) -> Decimal:
    """An amount to the penny, None as 0.00 (SQLite returns sums without their decimal places)."""
    return (amount or Decimal(0)).quantize(PENNY)


def format_pounds(value, *, missing: str = "–") -> str:
    """£842,100 (rounded half up to the pound); −£1,200 below zero."""
    amount = as_decimal(value)
    if amount is None:
        return missing
    whole = amount.quantize(POUND, rounding=ROUND_HALF_UP)
    return f"{MINUS if whole < 0 else ''}£{abs(whole):,.0f}"


def format_pence(value, *, missing: str = "–") -> str:
    """£1,234.56, for payments and the MoJ return; −£250.00 for a refund."""
    amount = as_decimal(value)
    if amount is None:
        return missing
    exact = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
    return f"{MINUS if exact < 0 else ''}£{abs(exact):,.2f}"


def amount_from(value, *, what: str = "amount", allow_negative: bool = True) -> Decimal:
    """An amount a service was given: text is read by ``parse_amount``; a number must be
    finite, to the penny and within ``MAX_AMOUNT``. Raises AmountError naming ``what``."""
    if isinstance(value, str):
        return parse_amount(value, what=what, allow_negative=allow_negative)
    if isinstance(value, (bool, float)) or not isinstance(value, (Decimal, int)) or not Decimal(value).is_finite():
        raise AmountError(f"The {what} must be written in pounds, like {AMOUNT_EXAMPLE}.")
    amount = Decimal(value)
    if abs(amount) > MAX_AMOUNT:
        raise AmountError(_beyond_bounds(amount, what))
    # Within the bounds the text is short, and parse_amount makes the remaining checks.
    return parse_amount(f"{amount:f}", what=what, allow_negative=allow_negative)
