"""What the filter panels of the registers share (django-filter): the form is django-filter's,
the filtering itself is each register's selector, given ``chosen()``'s values."""

from __future__ import annotations

import django_filters


class RegisterFilter(django_filters.FilterSet):
    """A filter panel's form. ``FIELDS`` are the query names that count as a filter."""

    FIELDS: tuple[str, ...] = ()

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in self.FIELDS) if self.data else False

    def chosen(self) -> dict:
        """The filters' cleaned values; one the reader got wrong is left out (the form says why)."""
        self.form.is_valid()
        return getattr(self.form, "cleaned_data", {})
