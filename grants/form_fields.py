"""Form pieces shared by the grants forms: funding-line errors on their rows."""

from __future__ import annotations

import re

from django import forms

# "Funding line 2 (Precept, 2019/20): the amount cannot be negative."
_LINE_MESSAGE = re.compile(r"^Funding line (?P<number>\d+) \((?P<what>.*)\): (?P<message>.+)$", re.S)


def add_line_errors(formset: forms.BaseFormSet, messages: list[str], line_forms: list[forms.Form]) -> None:
    """Put the service's ``lines`` messages on the rows they are about. ``line_forms`` are the
    forms whose lines were sent, in the order they were sent (``Funding line N`` is the Nth).
    A message about no particular line goes above the rows."""
    formset.non_form_errors()  # make sure the list exists
    for text in messages:
        match = _LINE_MESSAGE.match(text)
        number = int(match["number"]) if match else 0
        if not match or not 1 <= number <= len(line_forms):
            formset._non_form_errors.append(text)
            continue
        message = match["message"]
        message = message[0].upper() + message[1:]
        lowered = message.lower()
        if "amount" in lowered:
            field = "amount"
        elif "outside the award" in lowered or "financial year" in lowered:
            field = "fy"
        elif "stream" in lowered:
            field = "stream"
        else:
            field = None
        line_forms[number - 1].add_error(field, message)
