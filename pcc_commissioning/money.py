"""How amounts of money are written for people (docs/formats.md "Money"): whole pounds with
thousands separators (£842,100) unless pence matter (£1,234.56); a minus sign before the £."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
POUND = Decimal("1")


def as_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def format_pounds(value, *, missing: str = "–") -> str:
    """£842,100 (rounded half up to the pound)."""
    amount = as_decimal(value)
    if amount is None:
        return missing
    whole = amount.quantize(POUND, rounding=ROUND_HALF_UP)
    return f"{'-' if whole < 0 else ''}£{abs(whole):,.0f}"


def format_pence(value, *, missing: str = "–") -> str:
    """£1,234.56, for payments and the MoJ return."""
    amount = as_decimal(value)
    if amount is None:
        return missing
    exact = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
    return f"{'-' if exact < 0 else ''}£{abs(exact):,.2f}"
