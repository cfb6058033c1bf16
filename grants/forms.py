"""Forms for the grants pages. They check the shape of the input (a date is a date, an amount
is a number); the rules (end before start, lines within the award's dates, payments within
the commitment, the delegated limit, …) live in ``services`` and come back through
``add_service_errors`` / ``add_line_errors``."""

from __future__ import annotations

import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Div, Fieldset, Layout
from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Case, Value, When
from django.db.models.functions import Lower

from needs_assessment.models import Area, AreaType, CommissioningIntention, IntentionStatus
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import DateField, MoneyField
from pcc_commissioning.periods import FinancialYear, fys_between
from pcc_commissioning.roles import Role
from pcc_commissioning.widgets import FastSelect
from providers.models import Organisation
from providers.uploads import ALLOWED_DESCRIPTION

from .models import AwardDocumentKind, AwardKind, Decision, FundingStream, PlanFrequency, PlanTiming, StreamKind


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: each message on its field where the
    form has that field, otherwise at the top (a stale version, for instance)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields and name != NON_FIELD_ERRORS else None
            if target is None and name not in (NON_FIELD_ERRORS, "lines"):
                errors = [
                    ValidationError(f"{name.replace('_', ' ').capitalize()}: {message}")
                    for error in errors
                    for message in error.messages
                ]
            form.add_error(target, errors)
    else:
        form.add_error(None, exc)


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


def _with_blank(choices, label: str = "Choose one") -> list[tuple[str, str]]:
    return [("", label), *choices]


class _DateWidget(DateInputWidget):
    """The error summary links a date's error to its day box (Django's multi-widgets give no id)."""

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else ""


def date_field(label: str, *, required: bool = True, help_text: str = "For example, 1 4 2019") -> DateField:
    return DateField(label=label, required=required, help_text=help_text, widget=_DateWidget)


def fy_choices(years) -> list[tuple[str, str]]:
    return [(str(year), FinancialYear(year).label) for year in years]


def _officers():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.OFFICER.value)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class _KPQField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label}: {obj.question}"


class _CategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class _IntentionField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        rank = obj.get_rank_display()
        dropped = " (dropped)" if obj.status == IntentionStatus.DROPPED else ""
        return f"{obj.title} ({rank}){dropped}"


class _AreaField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_type_display().lower()})"


def _intentions():
    return CommissioningIntention.objects.order_by(Lower("title"), "pk")


def _areas():
    # The force area first, then its local authorities, then community safety partnerships.
    order = Case(
        When(type=AreaType.FORCE_AREA, then=Value(0)),
        When(type=AreaType.LOCAL_AUTHORITY, then=Value(1)),
        default=Value(2),
    )
    return Area.objects.order_by(order, Lower("name"), "pk")


# Awards -------------------------------------------------------------------------------------


class AwardForm(forms.Form):
    reference = forms.CharField(
        max_length=50,
        required=False,
        help_text="Leave blank to have one made for you, like AWD-2019-0042",
    )
    title = forms.CharField(max_length=300, error_messages={"required": "Enter the title of the award"})
    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by(Lower("name")),
        empty_label="Choose the provider",
        error_messages={"required": "Choose the provider the award is made to"},
        widget=FastSelect,
    )
    kind = forms.ChoiceField(
        label="Kind of award",
        choices=_with_blank(AwardKind.choices),
        error_messages={"required": "Choose the kind of award"},
    )
    priority = forms.ModelChoiceField(
        label="Commissioning priority",
        queryset=CommissioningPriority.objects.order_by("sort_order", "name"),
        empty_label="Choose the priority",
        error_messages={"required": "Choose the commissioning priority the award serves"},
    )
    kpqs = _KPQField(
        label="Key performance questions it answers",
        queryset=KPQ.objects.order_by("number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start_date = date_field("Start date")
    end_date = date_field("End date", help_text="For example, 31 3 2020")
    extension_months = forms.IntegerField(
        label="Extension option (months)",
        required=False,
        min_value=1,
        max_value=240,
        error_messages={"invalid": "The extension must be a whole number of months"},
    )
    extension_until = date_field(
        "End date if the extension is taken", required=False, help_text="Leave blank if there is no extension"
    )
    extension_taken = forms.BooleanField(label="The extension has been taken", required=False)
    duration = forms.CharField(max_length=100, required=False, help_text="As described, for example “2 years plus 1”")
    lead_officer = _UserChoiceField(queryset=_officers(), required=False, empty_label="None")
    decision = forms.ModelChoiceField(
        label="Decision of the PCC",
        queryset=Decision.objects.order_by("-decided_on", "-reference"),
        required=False,
        empty_label="None yet",
        help_text="Needed (signed) before an award above the delegated limit is made",
        widget=FastSelect,
    )
    cost_centre = forms.CharField(max_length=50, required=False)
    intention = _IntentionField(
        label="Intention it fulfils",
        queryset=_intentions(),
        required=False,
        empty_label="None",
        help_text="The commissioning intention (from a needs assessment) this award meets",
        widget=FastSelect,
    )
    areas = _AreaField(
        label="Areas served",
        queryset=_areas(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for the whole force area",
    )
    moj_category = _CategoryField(
        label="MoJ service category",
        queryset=CodeListEntry.objects.filter(list=CodeList.MOJ_CATEGORY).order_by("sort_order", "label"),
        required=False,
        empty_label="None",
    )
    purpose = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="What we want to achieve and why"
    )
    approach = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="How it is done")
    conditions = forms.CharField(label="Grant conditions", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reasons = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Why it serves the Police and Crime Plan"
    )
    key_activity = forms.CharField(
        label="Key activity for the year", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].queryset = _officers()
        self.fields["intention"].queryset = _intentions()
        self.fields["areas"].queryset = _areas()
        self.helper = FormHelper()
        self.helper.form_tag = False


class AwardEditForm(VersionedForm, AwardForm):
    reference = forms.CharField(max_length=50, error_messages={"required": "Enter the award's reference"})


def line_years(*dates) -> list[int]:
    """The years a funding line may be offered for: from a year before the earliest date to a
    year after the latest (the service checks the line lies within the award's dates)."""
    known = [day for day in dates if day]
    if not known:  # a new award: past years too, as awards are often recorded after the event
        current = FinancialYear.current().start_year
        return list(range(current - 8, current + 5))
    years = [fy.start_year for fy in fys_between(min(known), max(known))]
    return list(range(years[0] - 1, years[-1] + 2))


class FundingLineForm(forms.Form):
    stream = forms.ModelChoiceField(
        label="Funding stream",
        queryset=FundingStream.objects.order_by(Lower("name")),
        required=False,
        empty_label="Choose a stream",
        widget=FastSelect,
    )
    fy = forms.TypedChoiceField(label="Financial year", coerce=int, required=False, choices=())
    amount = MoneyField(label="Amount (£)", required=False, help_text="")

    def __init__(self, *args, years: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fy"].choices = _with_blank(fy_choices(years), "Choose a year")
        for name in ("stream", "fy", "amount"):  # fill their grid columns, no wider
            self.fields[name].widget.attrs["class"] = "govuk-!-width-full"
        index = (self.prefix or "").rsplit("-", 1)[-1]
        number = int(index) + 1 if index.isdigit() else None
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                Div(
                    Div("stream", css_class="govuk-grid-column-one-third"),
                    Div("fy", css_class="govuk-grid-column-one-third"),
                    Div("amount", css_class="govuk-grid-column-one-third"),
                    css_class="govuk-grid-row",
                ),
                legend=f"Funding line {number}" if number else "Funding line",
                legend_size="s",
                css_class="app-line",
            )
        )

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("stream") or data.get("fy") or data.get("amount") is not None)

    def clean(self):
        data = super().clean()
        if self.is_blank and not self.errors:
            return data
        # A row with anything in it needs all three (each missing one is reported at once).
        if not data.get("stream") and "stream" not in self.errors:
            self.add_error("stream", "Choose the funding stream")
        if not data.get("fy") and "fy" not in self.errors:
            self.add_error("fy", "Choose the financial year")
        if data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "Enter the amount")
        return data


class _BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, years: list[int] = (), **kwargs):
        self.years = list(years)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "years": self.years}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            years=self.years,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form


LineFormSet = forms.formset_factory(FundingLineForm, formset=_BaseLineFormSet, extra=3, max_num=60, validate_max=True)
EXTRA_ROWS_STEP = 3


class TransitionForm(VersionedForm):
    to_status = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_diligence_reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


DUE_DILIGENCE_REASON_LABEL = "Why go ahead although the due diligence is not in order?"


def due_diligence_reason_field() -> forms.CharField:
    return forms.CharField(
        label=DUE_DILIGENCE_REASON_LABEL,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the history with what was missing",
    )


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


class ForecastForm(forms.Form):
    fy = forms.TypedChoiceField(
        label="Financial year", coerce=int, choices=(), error_messages={"required": "Choose the financial year"}
    )
    amount = MoneyField(
        label="Forecast outturn (£)",
        what="forecast",
        required=False,
        help_text="What the award is now expected to cost that year. Leave blank to use the committed value",
    )

    def __init__(self, *args, years: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fy"].choices = _with_blank(fy_choices(years), "Choose a year")


class CoFundingForm(forms.Form):
    partner = forms.ModelChoiceField(
        label="Partner organisation",
        queryset=Organisation.objects.order_by(Lower("name")),
        empty_label="Choose the partner",
        error_messages={"required": "Choose the partner organisation"},
        widget=FastSelect,
    )
    fy = forms.TypedChoiceField(label="Financial year", coerce=int, required=False, empty_value=None, choices=())
    amount = MoneyField(
        label="Contribution (£)", what="contribution", required=False, help_text="Leave blank if not known"
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, years: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fy"].choices = _with_blank(fy_choices(years), "Not tied to a year")


class AwardDocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of document",
        choices=_with_blank(AwardDocumentKind.choices),
        error_messages={"required": "Choose what kind of document this is"},
    )
    title = forms.CharField(max_length=200, required=False, help_text="Leave blank to use the file's name")
    file = forms.FileField(
        help_text=f"Upload {ALLOWED_DESCRIPTION}",
        error_messages={"required": "Choose a file to upload", "empty": "The selected file is empty"},
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
        self.fields["fy"].choices = _with_blank(fy_choices(years), "The year of the due date")
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


# Decisions ----------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    reference = forms.CharField(
        max_length=50,
        help_text="For example, PCC-2019-033",
        error_messages={"required": "Enter the decision's reference, for example PCC-2019-033"},
    )
    subject = forms.CharField(max_length=300, error_messages={"required": "Enter what the decision is about"})
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    decision_text = forms.CharField(label="Decision", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decided_on = date_field("Date of the decision", required=False, help_text="Leave blank until it is signed")
    amount = MoneyField(
        label="Amount approved (£)",
        what="amount approved",
        required=False,
        help_text="The most the PCC approved. Needed before the signature is recorded; awards made under this "
        "decision may not be worth more in total",
    )
    decision_maker = forms.CharField(
        max_length=200,
        initial="Police and Crime Commissioner",
        error_messages={"required": "Enter who made the decision"},
    )
    declaration_of_interests = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contact_officer = forms.CharField(max_length=200, required=False)
    background_papers = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionEditForm(VersionedForm, DecisionForm):
    pass


class DecisionActionForm(VersionedForm):
    """Sign a decision: the page sends only the version it showed."""


class DecisionPublishForm(DecisionActionForm):
    published_on = date_field(
        "Date it was published", help_text="The day it went on the website. For example, 8 3 2019"
    )


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
        choices=_with_blank(StreamKind.choices),
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
        self.fields["fy"].choices = _with_blank(fy_choices(years), "Choose a year")

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
