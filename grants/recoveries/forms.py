"""Forms for spend returns (with their cost lines), recoveries, receipts, write-offs,
carry-forwards and the recoveries list's filters."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models.functions import Lower

from grants.models import (
    Award,
    Decision,
    FundingStream,
    Recovery,
    RecoveryReason,
    RecoveryStatus,
    SpendReturnKind,
)
from grants.recoveries import selectors
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import MoneyField, date_field
from pcc_commissioning.filters import RegisterFilter
from pcc_commissioning.forms import fy_choices, with_blank
from pcc_commissioning.periods import fy_label
from pcc_commissioning.widgets import FastSelect


# Spend returns -----------------------------------------------------------------------------------------
class SpendReturnEditForm(VersionedForm):
    received_on = date_field("Date the return was received", help_text="For example, 30 4 2020")
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="For example, who signed the return"
    )


class SpendReturnForm(forms.Form):
    fy = forms.TypedChoiceField(
        label="Financial year",
        coerce=int,
        choices=(),
        error_messages={"required": "Choose the financial year the return is for"},
    )
    kind = forms.ChoiceField(
        label="Which return is it?",
        choices=SpendReturnKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it is the mid-year or the final budget return"},
    )
    received_on = SpendReturnEditForm.base_fields["received_on"]
    notes = SpendReturnEditForm.base_fields["notes"]

    def __init__(self, *args, years: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fy"].choices = with_blank(fy_choices(years), "Choose the year")


class SpendLineForm(forms.Form):
    cost_line = forms.CharField(label="Cost line", max_length=200, required=False, help_text="For example, Staff")
    planned = MoneyField(label="Planned (£)", required=False, allow_negative=False, help_text="")
    actual = MoneyField(label="Actual spend (£)", required=False, allow_negative=False, help_text="")
    variance_reason = forms.CharField(
        label="Reason for the variance",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when actual spend differs from the plan by more than 10% or £500",
    )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) not in (None, "") for name in self.fields)


SpendLineFormSet = forms.formset_factory(SpendLineForm, extra=3, max_num=100)

_LINE_MESSAGE = re.compile(r"^Line (?P<number>\d+)(?: \(.*?\))?: (?P<message>.+)$", re.S)
_FIELD_WORDS = (
    ("reason for the variance", "variance_reason"),
    ("cost line", "cost_line"),
    ("planned", "planned"),
    ("actual spend", "actual"),
)


def put_line_errors(formset, messages: list[str], sent: list[forms.Form]) -> None:
    """Put the service's ``lines`` messages on the rows and boxes they are about (``Line N``
    is the Nth row sent); others go above the rows."""
    formset.non_form_errors()
    for text in messages:
        match = _LINE_MESSAGE.match(text)
        number = int(match["number"]) if match else 0
        if not match or not 1 <= number <= len(sent):
            formset._non_form_errors.append(text)
            continue
        message = match["message"][0].upper() + match["message"][1:]
        field = next((name for words, name in _FIELD_WORDS if words in message.lower()), None)
        sent[number - 1].add_error(field, message)


def sent_lines(formset) -> tuple[list[dict], list[forms.Form]]:
    """The rows filled in (blank rows are left out) and their forms, in order."""
    lines, forms_sent = [], []
    for form in formset.forms:
        if not form.is_valid() or form.is_blank():
            continue
        lines.append({name: form.cleaned_data.get(name) for name in SpendLineForm.base_fields})
        forms_sent.append(form)
    return lines, forms_sent


# Recoveries --------------------------------------------------------------------------------------------
class RecoveryForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the money to come back?",
        choices=RecoveryReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the money is to come back"},
    )
    stream = forms.ModelChoiceField(
        label="Funding stream it was paid from",
        queryset=FundingStream.objects.none(),
        empty_label="Choose the stream",
        error_messages={"required": "Choose the funding stream the money was paid from"},
    )
    fy = forms.TypedChoiceField(
        label="Financial year it was paid for",
        coerce=int,
        choices=(),
        error_messages={"required": "Choose the financial year it was paid for"},
    )
    amount = MoneyField(label="Amount to recover (£)", what="amount to recover", allow_negative=False)
    due_date = date_field("Due date", help_text="When the provider should have paid it back. For example, 30 6 2020")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept with the recovery")
    spend_return = forms.ModelChoiceField(
        label="From the budget return",
        queryset=Award.objects.none(),
        required=False,
        empty_label="Not from a budget return",
    )

    def __init__(self, *args, award: Award, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stream"].queryset = (
            FundingStream.objects.filter(lines__award=award).distinct().order_by(Lower("name"))
        )
        self.fields["fy"].choices = with_blank(fy_choices(selectors.award_years(award)), "Choose the year")
        self.fields["spend_return"].queryset = award.spend_returns.order_by("-fy", "kind")
        self.fields["spend_return"].label_from_instance = lambda item: f"{item.get_kind_display()} {fy_label(item.fy)}"


class ReceiptForm(VersionedForm):
    amount = MoneyField(label="Amount received (£)", what="amount received", allow_negative=False)
    received_on = date_field("Date it was received", help_text="For example, 15 5 2020")
    reference = forms.CharField(
        label="Remittance reference", max_length=100, required=False, help_text="As shown on the bank statement"
    )


class WriteOffForm(VersionedForm):
    decision = forms.ModelChoiceField(
        label="PCC decision that allows the write-off",
        queryset=Decision.objects.none(),
        empty_label="Choose a signed decision",
        widget=FastSelect,
        error_messages={"required": "Choose the signed PCC decision that allows the write-off"},
    )
    note = forms.CharField(
        label="Why is it written off?", widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept with the recovery"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = selectors.signed_decisions()


class RecoveryFilter(RegisterFilter):
    status = django_filters.ChoiceFilter(
        label="Status", choices=RecoveryStatus.choices, empty_label="Any status", widget=FastSelect
    )
    fy = django_filters.ChoiceFilter(label="Financial year", empty_label="Any year", choices=(), widget=FastSelect)

    FIELDS = ("status", "fy")

    class Meta:
        model = Recovery
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, queryset=Recovery.objects.none(), **kwargs)
        self.filters["fy"].extra["choices"] = fy_choices(selectors.recovery_years())

    def selector_arguments(self) -> dict:
        data = self.chosen()
        fy = data.get("fy")
        return {"status": data.get("status") or None, "fy": int(fy) if fy else None}


# Carry-forward -------------------------------------------------------------------------------------------
class CarryForwardForm(forms.Form):
    stream = forms.ModelChoiceField(
        label="Funding stream",
        queryset=FundingStream.objects.order_by(Lower("name")),
        empty_label="Choose the stream",
        error_messages={"required": "Choose the funding stream the money is carried forward in"},
    )
    from_fy = forms.TypedChoiceField(
        label="Carried forward from",
        coerce=int,
        choices=(),
        help_text="It is added to the next year's allocation",
        error_messages={"required": "Choose the year the money is carried forward from"},
    )
    amount = MoneyField(label="Amount (£)", what="amount carried forward", allow_negative=False)
    decision = forms.ModelChoiceField(
        label="PCC decision that allows it",
        queryset=Decision.objects.none(),
        empty_label="Choose a signed decision",
        widget=FastSelect,
        error_messages={"required": "Choose the signed PCC decision that allows the carry-forward"},
    )
    award = forms.CharField(
        label="Award reference (optional)",
        required=False,
        max_length=60,
        help_text="The award whose underspend it is, if any. For example, AWD-2019-0042",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, years: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_fy"].choices = with_blank(fy_choices(years), "Choose the year")
        self.fields["decision"].queryset = selectors.signed_decisions()

    def clean_award(self):
        reference = self.cleaned_data.get("award", "").strip()
        if not reference:
            return None
        award = Award.objects.filter(reference__iexact=reference).first()
        if award is None:
            raise forms.ValidationError(f"There is no award {reference}")
        return award
