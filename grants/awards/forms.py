"""Forms for an award: its fields and funding lines, status changes, forecasts, co-funders and
documents. They check the shape of the input; the rules live in ``grants.awards.rules`` and come
back through ``pcc_commissioning.forms.add_service_errors`` / ``add_line_errors``."""

from __future__ import annotations

from dataclasses import dataclass

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Div, Fieldset, Layout
from django import forms
from django.db.models import Case, Value, When
from django.db.models.functions import Lower

from grants.models import AwardDocumentKind, AwardKind, Decision, FundingStream
from needs_assessment.models import Area, AreaType, CommissioningIntention, IntentionStatus
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import MoneyField, date_field
from pcc_commissioning.forms import UserChoiceField, finance_choices, fy_choices, officer_choices, with_blank
from pcc_commissioning.periods import FinancialYear, fys_between
from pcc_commissioning.widgets import FastSelect
from providers.models import Organisation
from providers.uploads import ALLOWED_DESCRIPTION


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
        choices=with_blank(AwardKind.choices),
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
    lead_officer = UserChoiceField(queryset=officer_choices(), required=False, empty_label="None")
    finance_contact = UserChoiceField(
        queryset=finance_choices(),
        required=False,
        empty_label="None",
        help_text="The finance officer who approves its payments",
    )
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
        self.fields["lead_officer"].queryset = officer_choices()
        self.fields["finance_contact"].queryset = finance_choices()
        self.fields["intention"].queryset = _intentions()
        self.fields["areas"].queryset = _areas()
        self.helper = FormHelper()
        self.helper.form_tag = False


class AwardEditForm(VersionedForm, AwardForm):
    reference = forms.CharField(max_length=50, error_messages={"required": "Enter the award's reference"})

    def sections(self) -> list[tuple[AwardStep, list]]:
        """The edit page's sections, the steps of adding an award: (step, its bound fields)."""
        return [(step, [self[name] for name in step.fields]) for step in AWARD_STEPS]


@dataclass(frozen=True)
class AwardStep:
    """A page of adding an award (and a section of the edit page). To ask a new field, add it
    to ``AwardForm`` and its name to one step's ``fields``: the step, the check-answers page and
    the edit page follow."""

    slug: str
    title: str
    fields: tuple[str, ...]
    hint: str = ""
    lines: bool = False  # the funding lines are asked on this step, before its fields


AWARD_STEPS = (
    AwardStep("about", "About the award", ("title", "reference", "provider", "kind", "priority")),
    AwardStep(
        "dates",
        "Dates",
        ("start_date", "end_date", "extension_months", "extension_until", "extension_taken", "duration"),
    ),
    AwardStep(
        "funding",
        "Funding",
        ("decision", "cost_centre"),
        hint="How much each funding stream puts in, per financial year. Each line must fall within the "
        "award's dates; leave spare rows empty.",
        lines=True,
    ),
    AwardStep(
        "plan",
        "Plan, places and people",
        ("lead_officer", "finance_contact", "intention", "kpqs", "areas", "moj_category"),
        hint="All optional: what the award does for the Police and Crime Plan, where, and who looks after it.",
    ),
    AwardStep(
        "description",
        "Description",
        ("purpose", "approach", "conditions", "reasons", "key_activity"),
        hint="All optional. The grant conditions and the reasons are published in the grants register.",
    ),
)


def award_step(slug: str) -> AwardStep | None:
    return next((step for step in AWARD_STEPS if step.slug == slug), None)


class AwardStepForm(AwardForm):
    """The fields of one step of adding an award (``AwardForm``'s, in the step's order)."""

    def __init__(self, *args, step: AwardStep, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields = {name: self.fields[name] for name in step.fields}


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
        self.fields["fy"].choices = with_blank(fy_choices(years), "Choose a year")
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
        self.fields["fy"].choices = with_blank(fy_choices(years), "Choose a year")


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
        self.fields["fy"].choices = with_blank(fy_choices(years), "Not tied to a year")


class AwardDocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of document",
        choices=with_blank(AwardDocumentKind.choices),
        error_messages={"required": "Choose what kind of document this is"},
    )
    title = forms.CharField(max_length=200, required=False, help_text="Leave blank to use the file's name")
    file = forms.FileField(
        help_text=f"Upload {ALLOWED_DESCRIPTION}",
        error_messages={"required": "Choose a file to upload", "empty": "The selected file is empty"},
    )
