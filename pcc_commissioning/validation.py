"""How every service collects what is wrong with its input: messages gathered per field in an
``Errors`` dict and raised together as one ``ValidationError``, so a form shows every problem at
once and names the field at fault."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

Errors = dict[str, list[str]]


def add_error(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def clean_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def raise_if_errors(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def refuse_unknown_fields(fields: Iterable[str], allowed: Iterable[str], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {what} fields: {', '.join(sorted(unknown))}")
