"""The intentions board's filters (django-filter). The form is django-filter's; the filtering
itself is ``selectors.intention_board``."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model

from outcomes.models import CommissioningPriority
from pcc_commissioning.filters import RegisterFilter
from pcc_commissioning.periods import FinancialYear

from .models import CommissioningIntention, IntentionStatus


def _leads():
    return (
        get_user_model()
        .objects.filter(led_intentions__isnull=False)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _when_years() -> list[int]:
    """The financial years intentions are due in (a When year, or the year of a When date)."""
    years = set(CommissioningIntention.objects.exclude(when_fy=None).values_list("when_fy", flat=True).distinct())
    for day in CommissioningIntention.objects.exclude(when_date=None).values_list("when_date", flat=True).distinct():
        years.add(FinancialYear.of(day).start_year)
    return sorted(years, reverse=True)


class IntentionFilter(RegisterFilter):
    status = django_filters.ChoiceFilter(label="Status", choices=IntentionStatus.choices, empty_label="Any status")
    lead = django_filters.ModelChoiceFilter(label="Lead", queryset=_leads(), empty_label="Any lead")
    priority = django_filters.ModelChoiceFilter(
        label="Commissioning priority",
        queryset=CommissioningPriority.objects.order_by("sort_order", "name"),
        empty_label="Any priority",
    )
    fy = django_filters.ChoiceFilter(label="Due in", choices=(), empty_label="Any year")

    FIELDS = ("status", "lead", "priority", "fy")

    class Meta:
        model = CommissioningIntention
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, queryset=CommissioningIntention.objects.none(), **kwargs)
        self.filters["lead"].queryset = _leads()
        self.filters["lead"].field.label_from_instance = lambda user: user.display_name
        self.filters["fy"].extra["choices"] = [(str(year), FinancialYear(year).label) for year in _when_years()]

    def selector_arguments(self) -> dict:
        """The chosen filters as ``selectors.intention_board`` arguments (invalid ones ignored)."""
        data = self.chosen()
        fy = data.get("fy")
        return {
            "status": data.get("status") or None,
            "lead": data.get("lead"),
            "priority": data.get("priority"),
            "fy": int(fy) if fy else None,
        }
