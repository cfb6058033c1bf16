"""The awards register's filters (django-filter). The form is django-filter's; the filtering
itself is ``selectors.award_list``, so the page, the totals and the downloads filter alike."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models.functions import Lower
from django.http import QueryDict

from grants.awards import selectors as awards_selectors
from grants.models import COMMITTED_STATUSES, Award, AwardKind, AwardStatus, FundingStream
from grants.years import YearChoice
from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning.filters import RegisterFilter
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.web import ALL_YEARS
from pcc_commissioning.widgets import FastSelect

# A status choice of its own: every award that has been made (what "committed" counts).
MADE = "made"


class AwardFilter(RegisterFilter):
    q = django_filters.CharFilter(label="Search", help_text="Reference, title or provider")
    # Never empty: the year rule's year when the address names none, ``all`` for every year.
    fy = django_filters.ChoiceFilter(label="Financial year", empty_label=None, choices=(), widget=FastSelect)
    priority = django_filters.ModelChoiceFilter(
        label="Commissioning priority",
        queryset=CommissioningPriority.objects.order_by("sort_order", "name"),
        empty_label="Any priority",
        widget=FastSelect,
    )
    kpq = django_filters.ModelChoiceFilter(
        label="KPQ", queryset=KPQ.objects.order_by("number"), empty_label="Any KPQ", widget=FastSelect
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", choices=AwardKind.choices, empty_label="Any kind", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[*AwardStatus.choices, (MADE, "Made (awarded, active or ended)")],
        empty_label="Any status",
        widget=FastSelect,
    )
    # Typed, not chosen: a shared service has thousands of providers, too many for a list to
    # be usable or quick; the provider's own page has an "Awards" tab for exactly one.
    provider = django_filters.CharFilter(label="Provider", help_text="All or part of the provider's name")
    # Its choices (set below) are (id, name) pairs, not records: a shared service has hundreds of streams.
    stream = django_filters.TypedChoiceFilter(
        label="Funding stream", coerce=int, empty_value=None, choices=(), widget=FastSelect
    )
    ending = django_filters.NumberFilter(
        label="Ending within (months)",
        min_value=0,
        max_value=120,
        help_text="Open awards ending between today and this many months ahead",
    )

    FIELDS = ("q", "fy", "priority", "kpq", "kind", "status", "provider", "stream", "ending")

    class Meta:
        model = Award
        fields: list[str] = []

    def __init__(self, data=None, *args, year: YearChoice, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        data["fy"] = year.query  # the year the page shows, whatever the address said
        super().__init__(data, *args, queryset=Award.objects.none(), **kwargs)
        self.year = year
        years = sorted({*awards_selectors.award_years(), *([year.fy] if year.fy else [])}, reverse=True)
        self.filters["fy"].extra["choices"] = [
            (ALL_YEARS, "All years"),
            *((str(option), FinancialYear(option).label) for option in years),
        ]
        self.filters["stream"].extra["choices"] = [
            ("", "Any stream"),
            *FundingStream.objects.order_by(Lower("name"), "pk").values_list("pk", "name"),
        ]
        self.filters["kpq"].field.label_from_instance = lambda kpq: f"{kpq.label}: {kpq.question}"
        # A text box, as the GOV.UK Design System asks for numbers (a number input's spinner
        # changes the value on a scroll); still checked as a whole number from 0 to 120.
        self.form.fields["ending"].widget = forms.TextInput(
            attrs={"inputmode": "numeric", "class": "govuk-input--width-3", "spellcheck": "false"}
        )
        self.form.fields["fy"].help_text = year.note

    @property
    def is_filtered(self) -> bool:
        """Whether the reader chose a filter (the year counts once they chose it)."""
        return self.year.chosen or any(self.data.get(name) for name in self.FIELDS if name != "fy")

    def selector_arguments(self) -> dict:
        """The chosen filters as ``selectors.award_list`` arguments (invalid ones ignored)."""
        data = self.chosen()
        ending = data.get("ending")
        return {
            "fy": self.year.fy,
            "priority": data.get("priority"),
            "kpq": data.get("kpq"),
            "kind": data.get("kind") or None,
            "status": list(COMMITTED_STATUSES) if data.get("status") == MADE else data.get("status") or None,
            "provider_name": data.get("provider") or "",
            "stream": data.get("stream"),
            "ending_within_months": int(ending) if ending is not None else None,
            "search": data.get("q") or "",
        }
