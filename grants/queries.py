"""Query pieces shared by the grants selectors: the money field, rounding to the penny and summing
in a subquery."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import (
    DecimalField,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


ZERO = Decimal("0.00")


def _zero() -> Value:
    return Value(ZERO, output_field=MONEY_FIELD)


def sum_subquery(queryset: QuerySet, group_by: str, *, amount: str = "amount", filter: Q | None = None) -> Coalesce:
    """Coalesce((SELECT SUM(amount) … GROUP BY group_by), 0) for use as an annotation."""
    summed = queryset.order_by().values(group_by).annotate(total=Sum(amount, filter=filter)).values("total")
    return Coalesce(Subquery(summed, output_field=MONEY_FIELD), _zero(), output_field=MONEY_FIELD)
