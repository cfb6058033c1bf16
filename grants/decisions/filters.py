"""The decision register's filters (django-filter), as the awards register has: the form is
django-filter's, the filtering itself is ``selectors.decision_list``."""

from __future__ import annotations

import django_filters

from grants.decisions import selectors as decisions_selectors
from grants.models import Decision, DecisionStatus
from pcc_commissioning.filters import RegisterFilter
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.widgets import FastSelect


class DecisionFilter(RegisterFilter):
    q = django_filters.CharFilter(label="Search", help_text="Reference, subject or summary")
    fy = django_filters.ChoiceFilter(
        label="Financial year decided", empty_label="Any year", choices=(), widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=DecisionStatus.choices, empty_label="Any status", widget=FastSelect
    )

    FIELDS = ("q", "fy", "status")

    class Meta:
        model = Decision
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, queryset=Decision.objects.none(), **kwargs)
        self.filters["fy"].extra["choices"] = [
            (str(year), FinancialYear(year).label) for year in decisions_selectors.decision_years()
        ]

    def selector_arguments(self) -> dict:
        """The chosen filters as ``selectors.decision_list`` arguments (invalid ones ignored)."""
        data = self.chosen()
        fy = data.get("fy")
        return {
            "search": data.get("q") or "",
            "fy": int(fy) if fy else None,
            "status": data.get("status") or None,
        }
