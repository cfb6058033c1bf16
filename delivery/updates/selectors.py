"""Reads of the update cycle, each with the related rows it shows fetched up front, so a page's
queries do not grow with its rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from ..models import (
    DeliveryPlan,
    Metric,
    MetricValue,
    Objective,
    ProgressUpdate,
    UpdateRound,
    UpdateRoundStatus,
    UpdateState,
)

# A plan's rounds are read by the plan's page too (a part below this one), so they live there.
from ..plans.selectors import rounds_of as rounds_of
from .access import contributor_updates


def plan_by_reference(reference: str) -> DeliveryPlan:
    plan = DeliveryPlan.objects.select_related("owner").filter(reference=reference).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def update_round_for(pk: int) -> UpdateRound:
    update_round = UpdateRound.objects.select_related("plan__owner").filter(pk=pk).first()
    if update_round is None:
        raise Http404("No such update round.")
    return update_round


def round_meetings(update_round: UpdateRound) -> list:
    """The board meetings that considered the round, earliest first."""
    return list(update_round.meetings.order_by("held_on", "id"))


def round_decisions(update_round: UpdateRound) -> list:
    """The Commissioner's decisions recording the monitoring of the round. They are grants'
    records: read through the relation (this part may not import grants) and linked by URL name."""
    return list(update_round.decisions.order_by("reference"))


@dataclass
class RoundProgress:
    update_round: UpdateRound
    activity_updates: list[ProgressUpdate]
    objective_updates: list[ProgressUpdate]
    counts: dict[str, int]
    no_one_to_ask: list[ProgressUpdate]
    objectives_without_update: list[Objective]

    @property
    def all_accepted(self) -> bool:
        return bool(self.activity_updates) and all(u.state == UpdateState.ACCEPTED for u in self.activity_updates)


def round_progress(update_round: UpdateRound) -> RoundProgress:
    """Every update of the round with its activity (or objective), lead and lead's account, in
    the plan's order; how many are in each state; the activities with nobody to ask."""
    updates = list(
        update_round.updates.select_related("activity__lead_user", "activity__lead_organisation", "objective")
        .annotate(evidence_count=Count("evidence"))
        .order_by("activity__sort_key", "objective__sort_key", "pk")
    )
    activity_updates = [u for u in updates if u.activity_id is not None]
    counts = {state: 0 for state in UpdateState.values}
    for update in activity_updates:
        counts[update.state] += 1
    objective_updates = [u for u in updates if u.activity_id is None]
    written = {u.objective_id for u in objective_updates}
    return RoundProgress(
        update_round=update_round,
        activity_updates=activity_updates,
        objective_updates=objective_updates,
        counts=counts,
        no_one_to_ask=[u for u in activity_updates if u.activity.lead_user_id is None],
        objectives_without_update=[
            o
            for o in Objective.objects.filter(plan_id=update_round.plan_id).order_by("sort_key")
            if o.pk not in written
        ],
    )


def update_metrics(update: ProgressUpdate, *, with_objective: bool) -> list[Metric]:
    """The metrics of the update's activity (and, for officers, its objective's), each with
    ``round_value``: the value recorded with this round, if any, and ``latest``: the latest
    value held before it."""
    if update.activity_id is not None:
        where = Q(activity_id=update.activity_id)
        objective_id = update.activity.objective_id
    else:
        where = Q(pk__in=[])
        objective_id = update.objective_id
    if with_objective:
        where |= Q(objective_id=objective_id, activity__isnull=True)
    metrics = list(
        Metric.objects.filter(where)
        .prefetch_related(Prefetch("values", queryset=MetricValue.objects.order_by("as_at")))
        .order_by("activity_id", "name")
    )
    for metric in metrics:
        values = list(metric.values.all())
        metric.round_value = next((v for v in reversed(values) if v.update_round_id == update.update_round_id), None)
        metric.latest = values[-1] if values else None
    return metrics


def contributor_home(user) -> tuple[list[ProgressUpdate], list[ProgressUpdate]]:
    """The updates ``user`` leads: those of open rounds (to write), and earlier ones (to read)."""
    updates = list(
        contributor_updates(user)
        .select_related("update_round__plan")
        .order_by("update_round__deadline", "activity__sort_key")
    )
    current = [u for u in updates if u.update_round.status == UpdateRoundStatus.OPEN]
    earlier = sorted(
        (u for u in updates if u.update_round.status != UpdateRoundStatus.OPEN),
        key=lambda u: (u.update_round.period_start, u.activity.sort_key),
        reverse=True,
    )
    return current, earlier
