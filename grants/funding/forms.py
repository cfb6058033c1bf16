"""Forms for funding streams, their yearly allocations and the priority budgets."""

from __future__ import annotations

from django import forms
from django.db.models.functions import Lower

from grants.models import StreamKind
from outcomes.models import CommissioningPriority
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import MoneyField
from pcc_commissioning.forms import fy_choices, with_blank
from pcc_commissioning.widgets import FastSelect
from providers.models import Organisation


# Streams, allocations and budgets ----------------------------------------------------------------
class StreamForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the name of the funding stream"})
    source = forms.ModelChoiceField(
        label="Where the money comes from",
        queryset=Organisation.objects.order_by(Lower("name")),
        empty_label="Choose the organisation",
        error_messages={"required": "Choose the organisation the money comes from"},
        widget=FastSelect,
    )
    kind = forms.ChoiceField(
        label="Kind of stream",
        choices=with_blank(StreamKind.choices),
        error_messages={"required": "Choose the kind of funding stream"},
    )
    moj_reported = forms.BooleanField(label="Reported to the MoJ (in the bi-annual compliance return)", required=False)
    ring_fenced_for = forms.CharField(
        max_length=100, required=False, help_text="Blank, or what the money may only be spent on, for example ISVA"
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class StreamEditForm(VersionedForm, StreamForm):
    pass


class YearAmountForm(VersionedForm):
    """An allocation of a stream, or a budget of a priority, for one year.

    ``version`` is that of the figure the page showed for the year it was opened with
    (``shown_fy``), or ``NO_RECORD_VERSION`` when it showed none; ``expected_version()`` applies
    it only if the same figure is saved: another year chosen on the form is set as asked."""

    fy = forms.TypedChoiceField(
        label="Financial year", coerce=int, choices=(), error_messages={"required": "Choose the financial year"}
    )
    amount = MoneyField(label="Amount (£)")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    shown_fy = forms.IntegerField(widget=forms.HiddenInput, required=False)
    field_order = ["fy", "amount", "notes"]

    def __init__(self, *args, years: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fy"].choices = with_blank(fy_choices(years), "Choose a year")

    def shows_saved_figure(self) -> bool:
        """Whether the figure being saved is the one the page showed (or showed was not set)."""
        return self.cleaned_data.get("shown_fy") == self.cleaned_data["fy"]

    def expected_version(self) -> int | None:
        """The version to check the stored figure against, None to set it without a check."""
        return self.cleaned_data["version"] if self.shows_saved_figure() else None

    def figure(self) -> dict:
        """The cleaned fields the service sets (not the hidden state of the page)."""
        return {name: self.cleaned_data[name] for name in ("fy", "amount", "notes")}


class BudgetForm(YearAmountForm):
    priority = forms.ModelChoiceField(
        label="Commissioning priority",
        queryset=CommissioningPriority.objects.order_by("sort_order", "name"),
        empty_label="Choose the priority",
        error_messages={"required": "Choose the commissioning priority"},
    )
    shown_priority = forms.IntegerField(widget=forms.HiddenInput, required=False)
    field_order = ["priority", "fy", "amount", "notes"]

    def shows_saved_figure(self) -> bool:
        shown = self.cleaned_data.get("shown_priority")
        return super().shows_saved_figure() and shown == self.cleaned_data["priority"].pk
