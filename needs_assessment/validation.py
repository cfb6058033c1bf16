"""Checks the needs services share: text lengths, choices, optional values, financial years and
lists of related records (each adds its message to ``errors`` under the field at fault)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from pcc_commissioning.periods import (
    parse_fy_input,
)
from pcc_commissioning.records import attribute_to
from pcc_commissioning.validation import Errors, add_error, clean_text


# Helpers ------------------------------------------------------------------------------------------
def check_lengths(model: type[models.Model], values: Mapping[str, Any], errors: Errors) -> None:
    for name, value in values.items():
        limit = model._meta.get_field(name).max_length
        if limit and isinstance(value, str) and len(value) > limit:
            add_error(errors, name, f"This must be {limit} characters or fewer (it has {len(value)}).")


def choice_value(value: Any, choices: type[models.TextChoices], field: str, errors: Errors, *, what: str) -> str:
    text = clean_text(value).lower()
    if text not in choices.values:
        add_error(errors, field, f"Choose the {what} ({', '.join(choices.values)}).")
    return text


def optional_record(value: Any, model: type[models.Model], field: str, errors: Errors, *, message: str):
    if value is None:
        return None
    if not isinstance(value, model):
        add_error(errors, field, message)
        return None
    return value


def fy_value(value: Any, field: str, errors: Errors, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            add_error(errors, field, "Enter the financial year, like 2019 (for 2019/20).")
        return None
    try:
        return parse_fy_input(value).start_year
    except (TypeError, ValueError) as exc:
        add_error(errors, field, str(exc))
        return None


def records_named(
    values: Iterable | None, model: type[models.Model], field: str, errors: Errors, *, message: str
) -> list | None:
    if values is None:
        return None
    values = list(values)
    if any(not isinstance(value, model) or value.pk is None for value in values):
        add_error(errors, field, message)
        return None
    return values


def set_m2m(instance: models.Model, name: str, values: list | None, *, actor) -> bool:
    """Replace a many-to-many set if it differs; True if it changed."""
    if values is None:
        return False
    manager = getattr(instance, name)
    if {value.pk for value in values} == set(manager.values_list("pk", flat=True)):
        return False
    attribute_to(instance, actor)
    manager.set(values)
    return True


def current_values(instance: models.Model, fields: Iterable[str], relations: Iterable[str]) -> dict[str, Any]:
    """The record's present values of ``fields``; a relation not yet set is None (reading it
    would raise on an unsaved record)."""
    relations = set(relations)
    return {
        name: (getattr(instance, name) if getattr(instance, f"{name}_id") is not None else None)
        if name in relations
        else getattr(instance, name)
        for name in fields
    }
