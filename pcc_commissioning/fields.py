"""Form fields shared by the apps: every money box and every date of the project uses these, so
an amount or a year is read by one rule everywhere (docs/formats.md "Money" and "Dates")."""

from __future__ import annotations

import datetime
from decimal import Decimal

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError

from .money import AmountError, parse_amount
from .periods import year_problem
from .widgets import DateWidget

MONEY_HELP = "In pounds, for example 12500 or 12,500.50"


class MoneyField(forms.CharField):
    """An amount in pounds read by ``money.parse_amount``: ``1234.56``, ``1,234.56`` and
    ``£1,234.56`` give a ``Decimal``; anything ambiguous or beyond the bounds is refused with a
    message naming ``what`` ("the forecast"). A minus sign is read unless ``allow_negative`` is
    False: the services decide whether an amount may be negative (a refund) or zero, and say so
    in their own words."""

    def __init__(self, *, what: str = "amount", allow_negative: bool = True, **kwargs):
        self.what = what
        self.allow_negative = allow_negative
        kwargs.setdefault("help_text", MONEY_HELP)
        kwargs["error_messages"] = {"required": f"Enter the {what}", **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("class", "govuk-input--width-10")
        self.widget.attrs.setdefault("spellcheck", "false")

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_amount(text, what=self.what, allow_negative=self.allow_negative)
        except AmountError as exc:
            raise ValidationError(str(exc), code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return value


class DateField(DateInputField):
    """A GOV.UK date input (day, month and year boxes) whose year must be one this system
    accepts (``periods.year_problem``): year 1 or 9999 is a slip, and a year of twenty digits
    must be a message, not a crash."""

    widget = DateWidget

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        problem = year_problem(year)
        if problem:
            raise ValidationError(problem, code="invalid")
        try:
            return datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            raise ValidationError("Enter a real date: check the day and the month", code="invalid") from None


def date_field(label: str, *, required: bool = True, help_text: str = "For example, 1 4 2019") -> DateField:
    """The date field every form uses (a ``DateField`` with a hint)."""
    return DateField(label=label, required=required, help_text=help_text)
