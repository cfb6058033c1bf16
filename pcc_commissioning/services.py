"""Service helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models


def model_update(
    *, instance: models.Model, data: Mapping[str, Any], fields: Iterable[str] | None = None, save: bool = False
) -> list[str]:
    """Set on ``instance`` the values of ``data`` (only ``fields`` of it, if given) that differ
    from what it holds, and return the names of the fields changed, in ``data``'s order. A
    related record is compared by its key, so an unchanged one costs no query. With ``save``,
    the instance is saved (a whole save, so its history is written) if anything changed."""
    names = list(data) if fields is None else [name for name in fields if name in data]
    changed = []
    for name in names:
        value = data[name]
        if _current(instance, name) != (value.pk if isinstance(value, models.Model) else value):
            setattr(instance, name, value)
            changed.append(name)
    if save and changed:
        instance.save()
    return changed


def _current(instance: models.Model, name: str) -> Any:
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return getattr(instance, name)
    return getattr(instance, field.attname) if field.many_to_one or field.one_to_one else getattr(instance, name)
