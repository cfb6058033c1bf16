"""Forms of the plan's pages. They check the shape of the input; the rules (numbers, the plan's
own rows, dates in order, a metric still being defined) are the services'.

Every form that changes the plan's tree carries the plan's version (``VersionedForm``): the tree
is one record to the officers editing it."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.fields import date_field
from pcc_commissioning.forms import UserChoiceField
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.roles import Role, active_users_with
from pcc_commissioning.widgets import FastSelect
from providers.models import Organisation

from ..models import ComparisonKind, Direction, MetricUnit, PlanStatus

LONG_TEXT = {"rows": 3}


def _number_box(width: int = 5, mode: str = "decimal") -> forms.TextInput:
    """A short text box for a number (GOV.UK asks for text inputs, not number inputs)."""
    return forms.TextInput(attrs={"class": f"govuk-input--width-{width}", "inputmode": mode, "spellcheck": "false"})


class OrganisationChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(queryset=Organisation.objects.order_by("name"), **kwargs)

    def label_from_instance(self, obj):
        return obj.name


class KPQChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=KPQ.objects.order_by("number"), required=False, widget=forms.CheckboxSelectMultiple, **kwargs
        )

    def label_from_instance(self, obj):
        return f"{obj.label}: {obj.question}"


# The list's filters -------------------------------------------------------------------------


class PlanFilterForm(forms.Form):
    fy = forms.TypedChoiceField(label="Financial year", required=False, coerce=int, empty_value=None, widget=FastSelect)
    owner = forms.TypedChoiceField(label="Owner", required=False, coerce=int, empty_value=None, widget=FastSelect)
    status = forms.ChoiceField(label="Status", required=False, widget=FastSelect)

    FIELDS = ("fy", "owner", "status")

    def __init__(self, data=None, *, years, owners):
        super().__init__(data)
        self.fields["fy"].choices = [("", "Any year"), *((str(y), FinancialYear(y).label) for y in years)]
        self.fields["owner"].choices = [("", "Any owner"), *((str(o.pk), o.name) for o in owners)]
        self.fields["status"].choices = [("", "Any status"), *PlanStatus.choices]

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.FIELDS) if self.data else False

    def chosen(self) -> dict:
        """The filters as ``selectors.plan_list`` arguments; one that does not read is left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"fy": data.get("fy"), "owner": data.get("owner"), "status": data.get("status") or ""}


# The plan -----------------------------------------------------------------------------------


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="For example, Force Delivery Plan 2019/20")
    reference = forms.CharField(max_length=50, help_text="For example, FDP-2019", widget=_number_box(10, "text"))
    owner = OrganisationChoiceField(
        label="Owner organisation",
        empty_label="Choose one",
        help_text="The organisation that delivers the plan: the Force, the OPCC or a partnership",
    )
    fy = forms.IntegerField(
        label="Financial year", help_text="The year it starts: 2019 for 2019/20", widget=_number_box(4, "numeric")
    )
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs=LONG_TEXT))
    priorities = forms.ModelMultipleChoiceField(
        label="Police and Crime Plan priorities it serves",
        queryset=CommissioningPriority.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kpqs = KPQChoiceField(label="Key performance questions it answers")


class PlanEditForm(VersionedForm, PlanForm):
    pass


# The tree -----------------------------------------------------------------------------------


class PriorityForm(VersionedForm):
    title = forms.CharField(max_length=300)
    outcome = forms.CharField(label="Outcome sought", required=False, widget=forms.Textarea(attrs=LONG_TEXT))
    strategy = forms.CharField(required=False, widget=forms.Textarea(attrs=LONG_TEXT))
    position = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=30000,
        help_text="Where it comes in the plan: 1 first. Leave blank to put it last",
        widget=_number_box(3, "numeric"),
    )
    priority = forms.ModelChoiceField(
        label="Police and Crime Plan priority",
        queryset=CommissioningPriority.objects.all(),
        required=False,
        empty_label="None",
    )


class ObjectiveForm(VersionedForm):
    plan_priority = forms.ModelChoiceField(label="Priority", queryset=None, empty_label="Choose one")
    number = forms.CharField(max_length=20, help_text="For example, 1.2", widget=_number_box(5, "text"))
    title = forms.CharField(label="Objective", widget=forms.Textarea(attrs=LONG_TEXT))
    kpqs = KPQChoiceField(label="Key performance questions it answers")

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_priority"].queryset = plan.plan_priorities.order_by("position", "pk")


def lead_accounts():
    """Who may be an activity's lead account: active Partner contributors and officers."""
    partners = active_users_with(Role.PARTNER).values("pk")
    officers = active_users_with(Role.OFFICER).values("pk")
    return (
        get_user_model()
        .objects.filter(Q(pk__in=partners) | Q(pk__in=officers))
        .order_by("first_name", "last_name", "username")
    )


class ActivityForm(VersionedForm):
    objective = forms.ModelChoiceField(queryset=None, empty_label="Choose one")
    number = forms.CharField(
        max_length=30, help_text="For example, 1.2.3 under objective 1.2", widget=_number_box(5, "text")
    )
    title = forms.CharField(label="Activity", widget=forms.Textarea(attrs=LONG_TEXT))
    lead = forms.CharField(label="Lead person", max_length=200, required=False, help_text="The name shown on the plan")
    lead_organisation = OrganisationChoiceField(label="Lead organisation", required=False, empty_label="None")
    lead_user = UserChoiceField(
        label="Lead's account",
        queryset=None,
        required=False,
        empty_label="Nobody",
        help_text="Who is asked for the activity's updates: a Partner contributor or an officer",
    )
    start_date = date_field("Start date", required=False)
    end_date = date_field("End date", required=False)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = plan.objectives.order_by("sort_key")
        self.fields["lead_user"].queryset = lead_accounts()


class MetricForm(VersionedForm):
    name = forms.CharField(max_length=300)
    unit = forms.ChoiceField(choices=MetricUnit.choices, initial=MetricUnit.PERCENT)
    direction = forms.ChoiceField(
        choices=Direction.choices, initial=Direction.HIGHER_IS_BETTER, widget=forms.RadioSelect
    )
    source = forms.CharField(max_length=300, required=False, help_text="For example, the Crime Survey")
    being_defined = forms.BooleanField(
        label="The measure is still being defined (it has no values yet)", required=False
    )
    definition = forms.CharField(required=False, widget=forms.Textarea(attrs=LONG_TEXT))
    kpq = forms.ModelChoiceField(
        label="Key performance question it answers",
        queryset=KPQ.objects.order_by("number"),
        required=False,
        empty_label="None",
    )


class ConfirmForm(VersionedForm):
    """A removal's confirmation: only the plan's version."""


# Metric values ------------------------------------------------------------------------------


class MetricValueForm(forms.Form):
    as_at = date_field("As at", help_text="The date the value is as at, for example 31 12 2019")
    period_label = forms.CharField(
        label="Period", max_length=100, required=False, help_text="For example, 12 months to Sep 2013"
    )
    value = forms.CharField(label="Value", max_length=40, widget=_number_box(10))
    comparison_value = forms.CharField(label="Comparison value", max_length=40, required=False, widget=_number_box(10))
    comparison_as_at = date_field("Comparison date", required=False)
    comparison_kind = forms.ChoiceField(
        label="What the comparison is", choices=ComparisonKind.choices, initial=ComparisonKind.EARLIER
    )
