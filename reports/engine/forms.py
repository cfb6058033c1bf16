"""Forms of the reports engine: choosing a kind, a kind's parameters, the archive filters."""

from __future__ import annotations

from django import forms

from pcc_commissioning import clock
from pcc_commissioning.periods import fy_label
from reports.models import Report

PERIOD_CHOICES = [
    ("Q1", "Q1 (April to June)"),
    ("Q2", "Q2 (July to September)"),
    ("Q3", "Q3 (October to December)"),
    ("Q4", "Q4 (January to March)"),
    ("H1", "H1 (April to September)"),
    ("H2", "H2 (October to March)"),
    ("FY", "Full financial year"),
]
FIRST_YEAR = 2015


def financial_year_choices() -> list[tuple[int, str]]:
    today = clock.today()
    current = today.year if today.month >= 4 else today.year - 1
    return [(year, fy_label(year)) for year in range(current, FIRST_YEAR - 1, -1)]


class FinancialYearPeriodForm(forms.Form):
    """Parameters of a report about one period of a financial year: ``{"fy": 2019, "period": "H1"}``."""

    fy = forms.TypedChoiceField(label="Financial year", coerce=int, choices=financial_year_choices)
    period = forms.ChoiceField(label="Period", choices=PERIOD_CHOICES, widget=forms.RadioSelect)


class ReportKindForm(forms.Form):
    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label="Which report?", choices=[(kind.name, kind.label) for kind in kinds], widget=forms.RadioSelect
        )


class ReportFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Report", required=False)
    fy = forms.TypedChoiceField(
        label="Financial year",
        required=False,
        coerce=int,
        empty_value=None,
        choices=lambda: [("", "Any")] + financial_year_choices(),
    )
    period = forms.ChoiceField(label="Period", required=False, choices=[("", "Any")] + PERIOD_CHOICES)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any")] + Report.Status.choices)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any")] + [(kind.name, kind.label) for kind in kinds]
