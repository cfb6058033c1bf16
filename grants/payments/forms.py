"""Forms for payments: recording, editing, marking paid, approving, cancelling, and payment plans."""

from __future__ import annotations

from django import forms
from django.db.models.functions import Lower

from grants.awards.forms import due_diligence_reason_field
from grants.models import FundingStream, PlanFrequency, PlanTiming
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import MoneyField, date_field
from pcc_commissioning.forms import fy_choices, with_blank


class PaymentPlanForm(VersionedForm):
    """Set up or change the plan: ``version`` is the plan's, or ``NO_RECORD_VERSION`` when the page showed none."""

    frequency = forms.ChoiceField(
        label="How often is the award paid?",
        choices=PlanFrequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how often the award is paid"},
    )
    timing = forms.ChoiceField(
        label="When does each instalment fall due?",
        choices=PlanTiming.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when each instalment falls due"},
    )


class PaymentApproveForm(VersionedForm):
    def __init__(self, *args, due_diligence: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if due_diligence:
            self.fields["due_diligence_reason"] = due_diligence_reason_field()


class PaymentCancelForm(VersionedForm):
    reason = forms.CharField(
        label="Why is it cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the payment, which then counts for nothing",
        error_messages={"required": "Say why the payment is cancelled"},
    )


# Payments -----------------------------------------------------------------------------------
class PaymentForm(forms.Form):
    stream = forms.ModelChoiceField(
        label="Funding stream",
        queryset=FundingStream.objects.none(),
        empty_label="Choose the stream",
        error_messages={"required": "Choose the funding stream the payment is made from"},
    )
    fy = forms.TypedChoiceField(
        label="Financial year it counts against",
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
        help_text="The year of the funding line it pays. Leave blank for the year of the due date",
    )
    due_date = date_field("Due date")
    paid_date = date_field("Paid date", required=False, help_text="Leave blank until it has been paid")
    amount = MoneyField(
        label="Amount (£)", help_text="Pounds and pence. A refund or credit note is negative, for example -250.00"
    )
    reason = forms.CharField(max_length=300, required=False, help_text="Required for a refund or credit note")
    invoice_reference = forms.CharField(max_length=100, required=False)
    po_number = forms.CharField(label="PO number", max_length=50, required=False)
    override = forms.BooleanField(
        label="Record a finance override",
        required=False,
        help_text="Only if this payment takes the payments beyond the award's funding line from this stream or "
        "beyond what is committed for the year, or a refund or credit note gives back more than was paid",
    )
    override_reason = forms.CharField(
        label="Finance override: reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Say why it is allowed. Kept with the payment and your name",
    )

    def __init__(
        self,
        *args,
        streams=(),
        years: list[int] = (),
        due_diligence: bool = False,
        can_override: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["stream"].queryset = FundingStream.objects.filter(pk__in=[s.pk for s in streams]).order_by(
            Lower("name")
        )
        self.fields["fy"].choices = with_blank(fy_choices(years), "The year of the due date")
        if due_diligence:
            self.fields["due_diligence_reason"] = due_diligence_reason_field()
        if not can_override:  # only finance may override (capability payments.override)
            del self.fields["override"], self.fields["override_reason"]

    def clean(self):
        """The values for the payment services: ``override_reason`` only when the override box is
        ticked (a reason alone overrides nothing), and never the box itself."""
        data = super().clean()
        if "override" not in self.fields:
            return data
        if data.pop("override", False):
            if not data.get("override_reason", "").strip():
                self.add_error("override_reason", "Say why the override is allowed")
        else:
            data["override_reason"] = ""
        return data


class PaymentEditForm(VersionedForm, PaymentForm):
    pass


class MarkPaidForm(VersionedForm):
    paid_date = date_field("Paid date", help_text="For example, 30 6 2019")
