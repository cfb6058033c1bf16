"""Small helpers every app's services and selectors share."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Lower


def attribute_to(instance: models.Model, actor) -> None:
    """Record ``actor`` on the next history row of ``instance`` (outside a request there is
    no middleware to do it; ``None`` leaves the row unattributed, as for imports)."""
    if actor is not None:
        instance._history_user = actor


def save_unique(instance: models.Model, *, field: str, message: str) -> None:
    """Save ``instance``; if a unique constraint refuses it (someone saved the same value
    between the service's check and this write), raise ``ValidationError({field: [message]})``
    instead of an IntegrityError, leaving the surrounding transaction usable."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError({field: [message]}) from None


def ordering_for(sort: str, *, fields: Mapping[str, BaseExpression], default: str, tiebreak: str) -> list:
    """The ``order_by`` arguments for a list's ``?sort=`` value: a key of ``fields``, with a
    leading ``-`` for descending. Unknown keys fall back to ``default``; ties are broken by
    ``tiebreak`` (case-insensitively) and then the primary key, so pages never overlap."""
    key = (sort or "").removeprefix("-")
    if key not in fields:
        key, descending = default, False
    else:
        descending = sort.startswith("-")
    expression = fields[key]
    first = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return [first, Lower(tiebreak).asc(), "pk"]


def page_of(queryset: QuerySet, *, number, per_page: int) -> Page:
    """One page of ``queryset``, paginated on primary keys first and then loaded in full.

    With ``LIMIT/OFFSET`` the database computes every selected column of each row it skips,
    so per-row subqueries (money sums) on a late page would run for thousands of rows. Here
    they run for the rows shown only: two queries (plus the count) whatever the page.
    """
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids]
    return page


# Enough values per ``IN (...)`` to keep each query's parameter list well inside every
# database's limit (SQLite's is the smallest) while a file of 50,000 rows still takes few queries.
IN_CHUNK = 2000


def chunked(values, size: int = IN_CHUNK):
    """``values`` (any iterable) in lists of at most ``size``."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def by_text_ignoring_case(queryset: QuerySet, *, field: str, values) -> dict[str, models.Model]:
    """The records whose ``field`` equals one of ``values`` ignoring capitals, keyed by the
    casefolded text, in a few queries however many values there are (imports look up every
    name or reference of a file at once rather than row by row). Matching uses ``Lower(field)``,
    which the case-insensitive unique constraints and indexes are declared on. When two
    records match one value, the lowest primary key wins, as ``.order_by("pk").first()`` would."""
    wanted = {str(value).strip().lower() for value in values if str(value).strip()}
    found: dict[str, models.Model] = {}
    for chunk in chunked(sorted(wanted)):
        records = queryset.annotate(_lower_text=Lower(field)).filter(_lower_text__in=chunk).order_by("pk")
        for record in records:
            found.setdefault(getattr(record, field).casefold(), record)
    return found
