"""Forms of the screening pages: their shape only; the rules are in ``services``."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import date_field

from ..setup.forms import MomentsMixin, time_field
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


class RequestInfoForm(MomentsMixin, forms.Form):
    """What the applicant must send, and until when: a GOV.UK date and a time box, read in UK
    time (as a round's opening and closing), combined into ``until`` in ``cleaned_data``."""

    MOMENTS = (("until_on", "until_time", "until"),)

    request = forms.CharField(
        label="What information is needed",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what information is needed"},
    )
    until_on = date_field(
        "Date reopened until",
        help_text="The last day the applicant can send it, for example 10 5 2026",
        blank_message="Enter the date the application is reopened until",
    )
    until_time = time_field("Time reopened until", blank_message="Enter the time the application is reopened until")
