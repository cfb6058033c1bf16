"""Reads of the decision register: the list, one decision, and the awards it covers."""

from __future__ import annotations

from django.db.models import (
    Count,
    F,
    OuterRef,
    QuerySet,
)
from django.db.models.functions import Lower
from django.http import Http404

from grants.models import (
    Award,
    Decision,
    FundingLine,
)
from grants.queries import sum_subquery


def decision_list() -> QuerySet[Decision]:
    """Decisions, newest first, with the number of awards each made (``award_count``)."""
    return (
        Decision.objects.select_related("signed_by")
        .annotate(award_count=Count("awards"))
        .order_by(F("decided_on").desc(nulls_first=True), "-reference", "pk")
    )


def decision_detail(pk: int) -> Decision:
    try:
        return Decision.objects.select_related("signed_by").get(pk=pk)
    except (Decision.DoesNotExist, ValueError, TypeError):
        raise Http404("No such decision.") from None


def decision_awards(decision: Decision) -> QuerySet[Award]:
    return (
        decision.awards.select_related("provider")
        .annotate(
            value_fy=sum_subquery(FundingLine.objects.filter(award=OuterRef("pk")), "award"),
        )
        .order_by(Lower("reference"))
    )
