"""Forms of the compliance pages. They check the shape of the input; the rules (numerator within
denominator, a breakdown that adds up, the edition in force, dates) live in ``services``."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import date_field
from pcc_commissioning.forms import with_blank

from ..models import ActionStatus, CodeRight
from .breakdown import BreakdownError, format_breakdown, parse_breakdown
from .selectors import bodies_for_choice, justice_bodies_for_choice, measures_for_choice

QUARTER_CHOICES = [(str(q), f"Quarter {q}") for q in (1, 2, 3, 4)]
BREAKDOWN_HELP = (
    "Optional. Parts separated by semicolons, each dimension:category=numerator/denominator, for example "
    "crime_type:Burglary=40/52; sex:Female=50/70. Dimensions: crime_type, age, disability, race, "
    "religion_belief, sex, sexual_orientation, gender_reassignment, marriage_civil_partnership, "
    "pregnancy_maternity."
)


def _number_box(width: int = 5) -> forms.TextInput:
    """A short text box for a number (GOV.UK asks for text inputs, not number inputs)."""
    return forms.TextInput(
        attrs={"class": f"govuk-input--width-{width}", "inputmode": "numeric", "spellcheck": "false"}
    )


def _whole_number(label: str, *, required: bool = True, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        help_text=help_text,
        widget=_number_box(),
        error_messages={
            "required": f"Enter the {label[:1].lower()}{label[1:]}",
            "invalid": f"{label} must be a whole number",
            "min_value": f"{label} must be 0 or more",
        },
    )


class MeasureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.key}, {obj.edition.name})"


class FigureForm(forms.Form):
    body = forms.ModelChoiceField(
        label="Criminal justice body",
        queryset=bodies_for_choice(),
        empty_label="Choose one",
        error_messages={"required": "Choose the criminal justice body"},
    )
    measure = MeasureChoiceField(
        queryset=measures_for_choice(), empty_label="Choose one", error_messages={"required": "Choose the measure"}
    )
    fy = forms.IntegerField(
        label="Financial year",
        help_text="The year it starts, for example 2025 for 2025/26",
        widget=_number_box(4),
        error_messages={"required": "Enter the financial year", "invalid": "The financial year must be a year"},
    )
    quarter = forms.TypedChoiceField(
        choices=with_blank(QUARTER_CHOICES), coerce=int, error_messages={"required": "Choose the quarter"}
    )
    numerator = _whole_number("Victims meeting the measure", help_text="For example 412")
    denominator = _whole_number("Victims counted", help_text="For example 500")
    breakdown = forms.CharField(
        label="Breakdown", required=False, help_text=BREAKDOWN_HELP, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_breakdown(self):
        text = self.cleaned_data["breakdown"].strip()
        try:
            return parse_breakdown(text) if text else {}
        except BreakdownError as exc:
            raise forms.ValidationError(str(exc)) from None

    @staticmethod
    def initial_from(figure) -> dict:
        return {
            "numerator": figure.numerator,
            "denominator": figure.denominator,
            "breakdown": format_breakdown(figure.breakdown),
        }


class ReviewMeetingForm(forms.Form):
    fy = forms.IntegerField(
        label="Financial year reviewed",
        help_text="The year it starts, for example 2025 for 2025/26",
        widget=_number_box(4),
        error_messages={"required": "Enter the financial year", "invalid": "The financial year must be a year"},
    )
    quarter = forms.TypedChoiceField(
        label="Quarter reviewed",
        choices=with_blank(QUARTER_CHOICES),
        coerce=int,
        error_messages={"required": "Choose the quarter"},
    )
    held_on = date_field("Date of the meeting")
    bodies = forms.ModelMultipleChoiceField(
        label="Bodies at the meeting",
        help_text="The criminal justice bodies on the register, and any other body that has reported figures",
        queryset=justice_bodies_for_choice(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))


class ReviewMeetingEditForm(VersionedForm, ReviewMeetingForm):
    pass


class ReviewActionForm(forms.Form):
    action = forms.CharField(
        label="What is to be done",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what is to be done"},
    )
    body = forms.ModelChoiceField(
        label="Body responsible", queryset=justice_bodies_for_choice(), required=False, empty_label="None"
    )
    owner = forms.CharField(label="Owner", required=False, max_length=200, help_text="Who will do it")
    due_on = date_field("Due date", required=False)


class ReviewActionEditForm(VersionedForm, ReviewActionForm):
    status = forms.ChoiceField(choices=ActionStatus.choices, widget=forms.RadioSelect)
    outcome = forms.CharField(
        required=False,
        help_text="What was done, or why the action was dropped",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CodeEditionForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        help_text="For example, Code of Practice for Victims of Crime 2026",
        error_messages={"required": "Enter the edition's name"},
    )
    in_force_from = date_field("In force from", blank_message="Enter the date the edition comes into force")
    in_force_to = date_field("In force until", required=False, help_text="Leave blank while it is in force")


class CodeRightForm(forms.Form):
    number = forms.IntegerField(
        min_value=1,
        max_value=100,
        widget=_number_box(3),
        error_messages={"required": "Enter the right's number", "invalid": "The number must be a whole number"},
    )
    title = forms.CharField(max_length=300, error_messages={"required": "Enter the right's title"})
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ComplianceMeasureForm(forms.Form):
    key = forms.CharField(
        max_length=50,
        help_text="Names the measure in files: lower-case letters, digits and underscores, for example vps",
        error_messages={"required": "Enter the measure's key"},
    )
    name = forms.CharField(max_length=300, error_messages={"required": "Enter the measure's name"})
    right = forms.ModelChoiceField(
        label="Right it measures", queryset=CodeRight.objects.none(), required=False, empty_label="None"
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, edition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["right"].queryset = edition.rights.order_by("number")
