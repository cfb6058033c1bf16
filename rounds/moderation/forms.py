"""The panel's change to one application's recommendation."""

from __future__ import annotations

from django import forms

from pcc_commissioning.concurrency import VersionedForm

CHOICES = (
    ("starting", "Back to the starting recommendation"),
    ("yes", "Recommended"),
    ("no", "Not recommended"),
)
AS_VALUE = {"starting": None, "yes": True, "no": False}


class RecommendationForm(VersionedForm, forms.Form):
    recommended = forms.ChoiceField(label="The panel's recommendation", choices=CHOICES, widget=forms.RadioSelect)
    amount_offered = forms.DecimalField(
        label="Amount offered (£)",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="Leave blank to offer the amount requested.",
    )
    reason = forms.CharField(label="Why the panel changed it", widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(
        label="Feedback to the applicant",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Sent with the outcome.",
    )

    field_order = ["recommended", "amount_offered", "reason", "feedback", "version"]

    def recommended_value(self) -> bool | None:
        return AS_VALUE[self.cleaned_data["recommended"]]
