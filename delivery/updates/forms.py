"""Forms of the update cycle. They check the shape of the input; the rules live in
``services`` (and ``delivery.plans.services`` for metric values)."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import date_field
from providers.models import Organisation

from ..models import ProgressStatus

# The order a lead thinks in, best first; "not started" last.
STATUS_CHOICES = [
    (ProgressStatus.ON_TRACK.value, "On track"),
    (ProgressStatus.SOME_SLIPPAGE.value, "Some slippage"),
    (ProgressStatus.OFF_TRACK.value, "Off track"),
    (ProgressStatus.COMPLETE.value, "Complete"),
    (ProgressStatus.NOT_STARTED.value, "Not started"),
]
VALUE_BOX = {"class": "govuk-input--width-10", "inputmode": "decimal", "spellcheck": "false"}


class UpdateRoundOpenForm(forms.Form):
    period = forms.CharField(
        label="Period",
        max_length=10,
        help_text="A half year like 2019-H1 (April to September 2019), a quarter like 2019-Q3, or a year like 2019",
        error_messages={"required": "Enter the period, for example 2019-H1"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    deadline = date_field("Deadline for updates", help_text="For example, 31 10 2019")
    reminder_days = forms.IntegerField(
        label="Remind leads this many days before the deadline",
        min_value=0,
        max_value=90,
        initial=7,
        error_messages={"required": "Enter how many days before the deadline to remind leads, for example 7"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
    )


class ChangesForm(VersionedForm):
    comment = forms.CharField(
        label="What needs to change",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what needs to change"},
    )


class MoveForm(VersionedForm):
    """A move's button (accept, reopen, cancel): only the version it was shown at."""


class ContributorInviteForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=301, error_messages={"required": "Enter their full name"})
    email = forms.EmailField(
        label="Email address",
        max_length=150,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.order_by("name"),
        empty_label="Choose the organisation they work for",
        error_messages={"required": "Choose the organisation they work for"},
        help_text="Usually the police force",
    )


class ProgressUpdateForm(VersionedForm):
    """A lead's update: status, narrative and, per metric, its latest value with an optional
    comparison. The metric boxes are named ``metric_<id>_<field>`` (as the service names its
    errors)."""

    progress = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, widget=forms.RadioSelect, required=False)
    narrative = forms.CharField(
        label="Progress update",
        required=False,
        help_text="What has been done in the period, what is next, and any risks or slippage",
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    evidence = forms.FileField(
        label="Add evidence (optional)",
        required=False,
        help_text="A PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG or JPEG file",
    )

    def __init__(self, *args, metrics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.metrics = list(metrics)
        for metric in self.metrics:
            prefix = f"metric_{metric.pk}_"
            self.fields[f"{prefix}value"] = forms.DecimalField(
                label=f"{metric.name}: latest value",
                required=False,
                max_digits=16,
                decimal_places=4,
                help_text=metric.get_unit_display(),
                widget=forms.TextInput(attrs=VALUE_BOX),
                error_messages={"invalid": f"Enter the value of {metric.name} as a number"},
            )
            self.fields[f"{prefix}as_at"] = date_field(
                f"{metric.name}: as at", required=False, help_text="For example, 30 9 2019"
            )
            self.fields[f"{prefix}comparison_value"] = forms.DecimalField(
                label=f"{metric.name}: compared with",
                required=False,
                max_digits=16,
                decimal_places=4,
                help_text="An earlier value, if there is one",
                widget=forms.TextInput(attrs=VALUE_BOX),
                error_messages={"invalid": f"Enter the comparison value of {metric.name} as a number"},
            )
            self.fields[f"{prefix}comparison_as_at"] = date_field(
                f"{metric.name}: compared with the value as at", required=False, help_text="For example, 30 9 2018"
            )

    def metric_rows(self):
        """Each metric with its four boxes, for the template."""
        return [
            (
                metric,
                [
                    self[f"metric_{metric.pk}_{name}"]
                    for name in ("value", "as_at", "comparison_value", "comparison_as_at")
                ],
            )
            for metric in self.metrics
        ]

    def metric_values(self) -> list[dict]:
        values = []
        for metric in self.metrics:
            prefix = f"metric_{metric.pk}_"
            given = {
                name: self.cleaned_data.get(f"{prefix}{name}")
                for name in ("value", "as_at", "comparison_value", "comparison_as_at")
            }
            values.append({"metric": metric, **given})
        return values
