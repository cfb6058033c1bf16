"""Reads of the decision register: the list, one decision, and the awards it covers."""

from __future__ import annotations

from django.db.models import (
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Lower
from django.http import Http404

from delivery.models import UpdateRound
from grants.models import (
    Award,
    Decision,
    FundingLine,
)
from grants.queries import sum_subquery
from pcc_commissioning.periods import FinancialYear


def decision_list(*, search: str = "", fy: int | None = None, status: str | None = None) -> QuerySet[Decision]:
    """Decisions, newest first (drafts with no date at the top), with the number of awards each
    made (``award_count``). ``search``: part of the reference, subject or summary, in any case;
    ``fy``: decided in that financial year (drafts with no date are in none); ``status``: one
    status."""
    decisions = Decision.objects.all()
    search = (search or "").strip()
    if search:
        decisions = decisions.filter(
            Q(reference__icontains=search) | Q(subject__icontains=search) | Q(summary__icontains=search)
        )
    if fy is not None:
        year = FinancialYear(int(fy))
        decisions = decisions.filter(decided_on__gte=year.start, decided_on__lte=year.end)
    if status:
        decisions = decisions.filter(status=status)
    return (
        decisions.select_related("signed_by")
        .annotate(award_count=Count("awards"))
        .order_by(F("decided_on").desc(nulls_first=True), "-reference", "pk")
    )


def decision_years() -> list[int]:
    """Every financial year from the earliest decision's to the latest's, and the current
    year, newest first (one query)."""
    span = Decision.objects.order_by().aggregate(first=Min("decided_on"), last=Max("decided_on"))
    years = {FinancialYear.current().start_year}
    if span["first"] is not None:
        years.update(range(FinancialYear.of(span["first"]).start_year, FinancialYear.of(span["last"]).start_year + 1))
    return sorted(years, reverse=True)


def decision_detail(pk: int) -> Decision:
    try:
        return Decision.objects.select_related("signed_by").get(pk=pk)
    except (Decision.DoesNotExist, ValueError, TypeError):
        raise Http404("No such decision.") from None


def update_round_to_monitor(pk: int) -> UpdateRound:
    try:
        return UpdateRound.objects.select_related("plan").get(pk=pk)
    except (UpdateRound.DoesNotExist, ValueError, TypeError):
        raise Http404("No such update.") from None


def decision_monitored_update(decision: Decision) -> dict | None:
    """The delivery plan's update the decision records the monitoring of, with the board
    meeting (the latest) whose page shows it; None for any other decision."""
    if decision.update_round_id is None:
        return None
    update_round = UpdateRound.objects.select_related("plan").get(pk=decision.update_round_id)
    return {"update_round": update_round, "meeting": update_round.meetings.order_by("-held_on", "-id").first()}


def decision_awards(decision: Decision) -> QuerySet[Award]:
    return (
        decision.awards.select_related("provider")
        .annotate(
            value_fy=sum_subquery(FundingLine.objects.filter(award=OuterRef("pk")), "award"),
        )
        .order_by(Lower("reference"))
    )
