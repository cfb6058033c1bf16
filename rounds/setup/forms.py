"""Forms for setting up a round. They check the shape of the input; the rules (money and dates
in order, keys, weights, the freeze once open) live in ``services`` and ``validation``.

A moment (when the round opens and closes) is a GOV.UK date and a time box, read in UK time."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone

from grants.models import FundingStream
from needs_assessment.models import Area
from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import MoneyField, date_field
from pcc_commissioning.forms import with_blank

from ..models import EligibilityKind, QuestionKind, RoundKind

TIME = re.compile(r"(\d{1,2})[:.](\d{2})")
TIME_HELP = "UK time, 24-hour clock, for example 09:00 or 17:30"
REASON_HELP = "Needed once the round has opened: say why its definition is changing"
YES_NO = [("", "Choose one"), ("yes", "Yes"), ("no", "No")]


def _number_box(width: int = 5) -> forms.TextInput:
    """A short text box for a number (GOV.UK asks for text inputs, not number inputs)."""
    return forms.TextInput(
        attrs={"class": f"govuk-input--width-{width}", "inputmode": "decimal", "spellcheck": "false"}
    )


def time_field(label: str, *, blank_message: str = "") -> forms.CharField:
    """The time box beside a date (read by ``MomentsMixin``): hours and minutes, UK time."""
    return forms.CharField(
        label=label,
        max_length=5,
        help_text=TIME_HELP,
        error_messages={"required": blank_message or f"Enter the {label.lower()}"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
    )


def read_time(text: str) -> datetime.time | None:
    match = TIME.fullmatch(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def moment(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """``day`` at ``time`` on the UK clock (GMT or BST as the day falls)."""
    return timezone.make_aware(datetime.datetime.combine(day, time), timezone.get_default_timezone())


class MomentsMixin:
    """Turns the pairs ``opens_on``/``opens_time`` and ``closes_on``/``closes_time`` into
    ``opens_at`` and ``closes_at`` in ``cleaned_data``."""

    MOMENTS = (("opens_on", "opens_time", "opens_at"), ("closes_on", "closes_time", "closes_at"))

    def clean(self):
        data = super().clean()
        for day_name, time_name, target in self.MOMENTS:
            day, text = data.pop(day_name, None), data.pop(time_name, None)
            if text is None:
                continue
            time = read_time(text)
            if time is None:
                self.add_error(time_name, "Enter the time as hours and minutes, for example 09:00 or 17:30")
            elif day is not None:
                data[target] = moment(day, time)
        return data


def initial_moments(round) -> dict:
    values = {}
    for prefix, at in (("opens", round.opens_at), ("closes", round.closes_at)):
        local = timezone.localtime(at)
        values[f"{prefix}_on"] = local.date()
        values[f"{prefix}_time"] = local.strftime("%H:%M")
    return values


class RoundForm(MomentsMixin, forms.Form):
    reference = forms.CharField(max_length=50, help_text="For example, CSF-2026")
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Kind of round", choices=RoundKind.choices, initial=RoundKind.OPEN_CALL)
    summary = forms.CharField(label="What it funds", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    who_can_apply = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    how_to_apply = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.ModelChoiceField(
        label="Commissioning priority", queryset=CommissioningPriority.objects.all(), empty_label="Choose one"
    )
    kpqs = forms.ModelMultipleChoiceField(
        label="Key performance questions",
        queryset=KPQ.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.ModelMultipleChoiceField(
        queryset=Area.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    funding_stream = forms.ModelChoiceField(queryset=FundingStream.objects.all(), empty_label="Choose one")
    fy = forms.IntegerField(
        label="Financial year", help_text="The year it starts: 2026 for 2026/27", widget=_number_box(4)
    )
    budget = MoneyField(label="Budget (£)", what="budget", allow_negative=False)
    overallocation_percent = forms.DecimalField(
        label="Over-allocation allowed (%)",
        max_digits=5,
        decimal_places=2,
        initial=0,
        min_value=0,
        max_value=100,
        widget=_number_box(),
    )
    min_amount = MoneyField(label="Smallest request (£)", what="smallest request", allow_negative=False)
    max_amount = MoneyField(label="Largest request (£)", what="largest request", allow_negative=False)
    opens_on = date_field("Opening date")
    opens_time = time_field("Opening time")
    closes_on = date_field("Closing date")
    closes_time = time_field("Closing time")
    panel_date = date_field("Panel date", required=False, help_text="Leave blank if not fixed yet")
    pass_mark = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        initial=0,
        min_value=0,
        max_value=100,
        help_text="Out of 100",
        widget=_number_box(),
    )
    award_start = date_field("Grants start", required=False)
    award_end = date_field("Grants end", required=False)


class RoundEditForm(VersionedForm, RoundForm):
    reason = forms.CharField(
        label="Reason for the change", required=False, help_text=REASON_HELP, widget=forms.Textarea(attrs={"rows": 2})
    )


class RoundCopyForm(MomentsMixin, forms.Form):
    reference = forms.CharField(max_length=50, label="New reference", help_text="For example, CSF-2027")
    name = forms.CharField(max_length=200, label="New name")
    fy = forms.IntegerField(
        label="Financial year", help_text="The year it starts: 2027 for 2027/28", widget=_number_box(4)
    )
    opens_on = date_field("Opening date")
    opens_time = time_field("Opening time")
    closes_on = date_field("Closing date")
    closes_time = time_field("Closing time")
    panel_date = date_field("Panel date", required=False, help_text="Leave blank if not fixed yet")


class DefinitionForm(VersionedForm):
    """A form about the round's definition: it carries the round's version and the reason."""

    reason = forms.CharField(
        label="Reason for the change", required=False, help_text=REASON_HELP, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name not in ("version", "reason")}


KEY_FIELD_HELP = "Small letters, digits and underscores, for example constituted"


class EligibilityForm(DefinitionForm):
    key = forms.CharField(max_length=40, help_text=KEY_FIELD_HELP)
    question = forms.CharField(max_length=500)
    kind = forms.ChoiceField(label="Kind of answer", choices=with_blank(EligibilityKind.choices))
    required_answer = forms.ChoiceField(label="Answer needed (yes or no questions)", choices=YES_NO, required=False)
    min_value = forms.DecimalField(
        label="At least (number questions)", max_digits=16, decimal_places=2, required=False, widget=_number_box(10)
    )
    max_value = forms.DecimalField(
        label="At most (number questions)", max_digits=16, decimal_places=2, required=False, widget=_number_box(10)
    )
    field_order = ["key", "question", "kind", "required_answer", "min_value", "max_value", "reason", "version"]

    def clean_required_answer(self):
        return {"yes": True, "no": False}.get(self.cleaned_data.get("required_answer"))


class QuestionForm(DefinitionForm):
    key = forms.CharField(max_length=40, help_text=KEY_FIELD_HELP)
    text = forms.CharField(label="Question", max_length=500)
    kind = forms.ChoiceField(label="Kind of answer", choices=with_blank(QuestionKind.choices))
    hint = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    word_limit = forms.IntegerField(required=False, min_value=1, help_text="Text questions only", widget=_number_box(4))
    choices = forms.CharField(
        required=False, help_text="Choice questions: one choice per line", widget=forms.Textarea(attrs={"rows": 4})
    )
    required = forms.BooleanField(label="An answer is required", required=False, initial=True)
    field_order = ["key", "text", "kind", "hint", "word_limit", "choices", "required", "reason", "version"]


class CriterionForm(DefinitionForm):
    key = forms.CharField(max_length=40, help_text=KEY_FIELD_HELP)
    text = forms.CharField(label="Criterion", max_length=500)
    guidance = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    weight = forms.DecimalField(
        max_digits=5, decimal_places=2, help_text="The round's weights add up to 100", widget=_number_box(4)
    )
    max_score = forms.IntegerField(label="Maximum score", min_value=1, initial=5, widget=_number_box(3))
    field_order = ["key", "text", "guidance", "weight", "max_score", "reason", "version"]


class RoundActionForm(VersionedForm):
    """A move of the round (publish, take back, cancel): the version shown, and a reason."""

    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DefinitionImportForm(forms.Form):
    file = forms.FileField(label="Round definition (JSON)", error_messages={"required": "Choose a file to upload"})
    update = forms.BooleanField(label="Replace the definition of an existing round that has not opened", required=False)
