"""Forms of the screening pages: their shape only; the rules are in ``services``."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm

from .selectors import SCREENING_FILTERS


class ScreeningFilterForm(forms.Form):
    screening = forms.ChoiceField(label="Screening", required=False, choices=[("", "All received"), *SCREENING_FILTERS])


class ScreenForm(VersionedForm):
    eligible = forms.TypedChoiceField(
        label="Is the application eligible?",
        choices=[("yes", "Eligible"), ("no", "Not eligible")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose eligible or not eligible"},
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "Give the reason"}
    )


class RequestInfoForm(forms.Form):
    request = forms.CharField(
        label="What information is needed",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what information is needed"},
    )
    until = forms.DateTimeField(
        label="Reopened until",
        help_text="UK time, for example 2026-05-10 17:00",
        error_messages={
            "required": "Enter the date and time",
            "invalid": "Enter a date and time like 2026-05-10 17:00",
        },
    )
