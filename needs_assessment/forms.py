"""Forms for the needs pages. They check the shape of the input (a date is a date, a cost is a
number); the rules (a thematic assessment needs its theme, a date or a year but not both, the
uploaded document's type) live in ``services`` and come back through ``pcc_commissioning.forms.add_service_errors``."""

from __future__ import annotations

from django import forms
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Lower

from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import MoneyField, date_field
from pcc_commissioning.forms import UserChoiceField, fy_choices, officer_choices, with_blank
from pcc_commissioning.periods import FinancialYear, code_label, year_problem
from pcc_commissioning.widgets import FastSelect
from providers.uploads import ALLOWED_DESCRIPTION

from .models import (
    Area,
    AreaType,
    AssessmentScope,
    Finding,
    IndicatorValue,
    IntentionRank,
    IntentionStatus,
    Severity,
    Theme,
)


def year_choices(extra=()) -> list[tuple[str, str]]:
    current = FinancialYear.current().start_year
    years = sorted({*range(current - 8, current + 5), *(year for year in extra if year)}, reverse=True)
    return fy_choices(years)


def _areas():
    order = Case(
        When(type=AreaType.FORCE_AREA, then=Value(0)),
        When(type=AreaType.LOCAL_AUTHORITY, then=Value(1)),
        default=Value(2),
    )
    return Area.objects.order_by(order, Lower("name"), "pk")


class _KPQField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label}: {obj.question}"


class _AreaField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_type_display().lower()})"


class _EvidenceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.indicator.name}: {obj.area.name}, {code_label(obj.period)}: {obj.value.normalize():,f}"


class _FindingField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.assessment.title})"


# Needs assessments ---------------------------------------------------------------------------------


class AssessmentForm(forms.Form):
    title = forms.CharField(max_length=300, error_messages={"required": "Enter the title of the needs assessment"})
    scope = forms.ChoiceField(
        choices=AssessmentScope.choices,
        widget=forms.RadioSelect,
        initial=AssessmentScope.UNIFIED,
        error_messages={"required": "Choose whether it covers all needs or one theme"},
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(),
        required=False,
        empty_label="None",
        help_text="For a thematic assessment",
    )
    fy = forms.TypedChoiceField(
        label="Financial year",
        coerce=int,
        choices=(),
        error_messages={"required": "Choose the financial year it covers"},
    )
    author = forms.CharField(max_length=200, required=False)
    published_on = date_field("Published on", required=False, help_text="For example, 30 11 2019")
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    document = forms.FileField(
        required=False,
        help_text=f"The published assessment: {ALLOWED_DESCRIPTION}",
        error_messages={"empty": "The selected file is empty"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extra = [self.initial.get("fy")]
        if self.is_bound and not year_problem(self.data.get("fy", "")):  # a bookmarked year; never 99999999
            extra.append(int(self.data["fy"]))
        self.fields["fy"].choices = with_blank(year_choices(extra), "Choose a year")


class AssessmentEditForm(VersionedForm, AssessmentForm):
    document = forms.FileField(
        required=False,
        help_text=f"Leave empty to keep the current document. {ALLOWED_DESCRIPTION.capitalize()}",
        label="Replace the document",
        error_messages={"empty": "The selected file is empty"},
    )


# Findings -----------------------------------------------------------------------------------------


class FindingForm(forms.Form):
    title = forms.CharField(
        max_length=300,
        help_text="What the assessment found: a gap or unmet need",
        error_messages={"required": "Enter what the assessment found"},
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    severity = forms.ChoiceField(
        choices=Severity.choices,
        widget=forms.RadioSelect,
        initial=Severity.MEDIUM,
        error_messages={"required": "Choose how severe the gap is"},
    )
    theme = forms.ModelChoiceField(queryset=Theme.objects.all(), required=False, empty_label="None")
    priority = forms.ModelChoiceField(
        label="Commissioning priority",
        required=False,
        empty_label="None",
        queryset=CommissioningPriority.objects.order_by("sort_order", "name"),
    )
    areas = _AreaField(
        label="Areas affected",
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kpqs = _KPQField(
        label="Key performance questions",
        queryset=KPQ.objects.order_by("number"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = _EvidenceField(
        label="Evidence (indicator values)",
        queryset=IndicatorValue.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The values for the assessment's year and the year before",
    )

    def __init__(self, *args, fy: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = _areas()
        chosen = [getattr(value, "pk", value) for value in (self.initial.get("evidence") or [])]
        self.fields["evidence"].queryset = (
            IndicatorValue.objects.filter(Q(fy__in=[fy, fy - 1], quarter__isnull=True) | Q(pk__in=chosen))
            .select_related("indicator", "area")
            .order_by(Lower("indicator__name"), "area__name", "-fy", "pk")
        )


# Commissioning intentions -------------------------------------------------------------------------


class FindingEditForm(VersionedForm, FindingForm):
    pass


class IntentionForm(forms.Form):
    title = forms.CharField(
        max_length=300, error_messages={"required": "Enter the title of the commissioning intention"}
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    rank = forms.ChoiceField(
        label="Priority",
        choices=IntentionRank.choices,
        widget=forms.RadioSelect,
        help_text="Must, should or could do",
        error_messages={"required": "Choose must, should or could"},
    )
    status = forms.ChoiceField(choices=IntentionStatus.choices, initial=IntentionStatus.PROPOSED)
    findings = _FindingField(
        label="Findings it answers",
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(), required=False, empty_label="None", help_text="The theme of need it answers"
    )
    priority = forms.ModelChoiceField(
        label="Commissioning priority",
        required=False,
        empty_label="None",
        queryset=CommissioningPriority.objects.order_by("sort_order", "name"),
    )
    when_date = date_field(
        "When (a date)", required=False, help_text="For example, 1 7 2020. Or give a financial year below, not both"
    )
    when_fy = forms.TypedChoiceField(label="When (a financial year)", coerce=int, required=False, empty_value=None)
    lead = UserChoiceField(queryset=officer_choices(), required=False, empty_label="No lead yet", widget=FastSelect)
    estimated_annual_cost = MoneyField(
        label="Estimated annual cost",
        what="estimated annual cost",
        required=False,
        help_text="In pounds a year, for example 45000 or 45,000",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = Finding.objects.select_related("assessment").order_by(
            "-assessment__fy", Lower("assessment__title"), Lower("title"), "pk"
        )
        self.fields["lead"].queryset = officer_choices()
        extra = [self.initial.get("when_fy")]
        if self.is_bound and not year_problem(self.data.get("when_fy", "")):  # a bookmarked year; never 99999999
            extra.append(int(self.data["when_fy"]))
        self.fields["when_fy"].choices = with_blank(year_choices(extra), "Not given")


class IntentionEditForm(VersionedForm, IntentionForm):
    pass


class IntentionStatusForm(VersionedForm):
    status = forms.ChoiceField(label="New status", choices=IntentionStatus.choices)


# Themes --------------------------------------------------------------------------------------------


class ThemeForm(forms.Form):
    name = forms.CharField(max_length=100, error_messages={"required": "Enter the theme's name"})
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ThemeEditForm(VersionedForm, ThemeForm):
    pass
