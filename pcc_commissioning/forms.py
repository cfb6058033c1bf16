"""Form helpers shared by the apps: a service's errors on a form, and choices."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from .periods import FinancialYear
from .roles import active_finance_officers, active_officers


def add_service_errors(
    form: forms.Form,
    exc: ValidationError,
    *,
    name_fields: bool = False,
    field_for: Callable[[str], str | None] | None = None,
) -> None:
    """Put a service's ``ValidationError`` on the form: each message on its field where the form
    has that field, otherwise at the top (a stale version, for instance). With ``name_fields``,
    a message about a field the form lacks starts with the field's name ("Status: …"), for
    messages that do not say what they are about; messages about no field are never named.
    ``field_for`` maps an error's key to the form field it is about (or None) where the keys
    are not the fields' names."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = None
        if name != NON_FIELD_ERRORS:
            target = field_for(name) if field_for else (name if name in form.fields else None)
        if target is not None:
            form.add_error(target, errors)
        elif name != NON_FIELD_ERRORS and name_fields:
            label = name.replace("_", " ").capitalize()
            form.add_error(None, [f"{label}: {message}" for error in errors for message in error.messages])
        else:
            form.add_error(None, errors)


def with_blank(choices, label: str = "Choose one") -> list[tuple[str, str]]:
    """``choices`` after a blank choice reading ``label``."""
    return [("", label), *choices]


def fy_choices(years) -> list[tuple[str, str]]:
    """One choice per financial year: ``("2019", "2019/20")``."""
    return [(str(year), FinancialYear(year).label) for year in years]


def officer_choices():
    """The officers a lead or an owner may be chosen from, by name."""
    return active_officers().order_by("first_name", "last_name", "username")


def finance_choices():
    """The finance officers an award's finance contact may be chosen from, by name."""
    return active_finance_officers().order_by("first_name", "last_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    """A choice of users, each shown by their name."""

    def label_from_instance(self, obj):
        return obj.display_name
