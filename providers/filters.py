"""The providers list filters (django-filter). Used by ``selectors.organisation_list``."""

from __future__ import annotations

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q

from .models import Organisation, OrganisationKind

ACTIVE_CHOICES = (("yes", "Active"), ("no", "Not active"))


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        help_text="Name, charity, company or supplier number, or postcode",
    )
    kind = django_filters.ChoiceFilter(
        label="Kind of organisation", choices=OrganisationKind.choices, empty_label="Any kind"
    )
    active = django_filters.ChoiceFilter(
        label="Status", choices=ACTIVE_CHOICES, empty_label="Active or not", method="filter_active"
    )
    expiring = django_filters.BooleanFilter(
        label=f"Has documents expired or expiring within {settings.DUE_DILIGENCE_WARNING_DAYS} days",
        method="filter_expiring",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "active", "expiring"]

    def filter_search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        squashed = "".join(text.split())
        return queryset.filter(
            Q(name__icontains=text)
            | Q(charity_number__icontains=squashed)
            | Q(company_number__icontains=squashed)
            | Q(supplier_number__icontains=text)
            | Q(postcode__icontains=text)
        )

    def filter_active(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(active=True)
        if value == "no":
            return queryset.filter(active=False)
        return queryset

    def filter_expiring(self, queryset, name, value):
        # Needs the ``needs_attention`` annotation that ``organisation_list`` adds.
        if value:
            return queryset.filter(needs_attention=True)
        return queryset
