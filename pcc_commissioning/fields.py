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
    must be a message, not a crash.

    Its messages follow the GOV.UK date input pattern and name the field by its label: "Due
    date must be a real date" for 31 2 2020 or letters, "Due date must include a month" for a
    box left empty, "Due date must be between 1990 and 2100" for a year out of bounds; never
    Python's "day is out of range for month"."""

    widget = DateWidget
    PARTS = ("day", "month", "year")

    def __init__(self, *args, blank_message: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # GOV.UK: "Enter [whatever it is]" when nothing is entered, not "Enter the day, month and year".
        label = str(self.label or "date")
        self.error_messages["required"] = blank_message or f"Enter the {label[:1].lower()}{label[1:]}"

    @property
    def _name(self) -> str:
        label = str(self.label or "The date")
        return label[:1].upper() + label[1:]

    def _real_date(self) -> ValidationError:
        return ValidationError(f"{self._name} must be a real date", code="invalid")

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            parts = [("" if part is None else str(part).strip()) for part in list(value)[:3]]
            parts += [""] * (3 - len(parts))
            missing = [name for name, part in zip(self.PARTS, parts, strict=True) if not part]
            if 0 < len(missing) < 3:
                # Some boxes filled, some not: say which are missing, required or not (an
                # optional date half typed in is a slip, not a blank).
                raise ValidationError(f"{self._name} must include a {' and a '.join(missing)}", code="incomplete")
            if not missing and not all(part.isascii() and part.isdigit() for part in parts):
                raise self._real_date()
        return super().clean(value)

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        problem = year_problem(year, what=self._name)
        if problem:
            raise ValidationError(problem.rstrip("."), code="invalid")
        try:
            return datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            raise self._real_date() from None


def date_field(
    label: str, *, required: bool = True, help_text: str = "For example, 1 4 2019", blank_message: str = ""
) -> DateField:
    """The date field every form uses (a ``DateField`` with a hint). Left blank, a required one
    says "Enter the <label>" ("Enter the due date"), or ``blank_message`` where that reads badly."""
    return DateField(label=label, required=required, help_text=help_text, blank_message=blank_message)
