"""Reads of the board's scrutiny: meetings, one meeting with what it led to (the plan's version
it made and the Commissioner's decisions on its update round), a plan's versions and the
differences a version made. Related rows are fetched with the rows, so a list costs the same
number of queries however long it is."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from ..models import BoardMeeting, DeliveryPlan, PlanVersion, UpdateRound, UpdateRoundStatus
from ..plans.versions import Difference, plan_snapshot, versions_diff


def meeting_list() -> QuerySet[BoardMeeting]:
    """Every meeting, latest first, with its round and plan and how many versions it made."""
    return (
        BoardMeeting.objects.select_related("update_round__plan", "recorded_by")
        .annotate(version_count=Count("plan_versions"))
        .order_by("-held_on", "-id")
    )


def meeting_detail(pk: int) -> BoardMeeting:
    return get_object_or_404(
        BoardMeeting.objects.select_related("update_round__plan__owner", "recorded_by").prefetch_related(
            Prefetch("plan_versions", queryset=PlanVersion.objects.select_related("made_by").order_by("number"))
        ),
        pk=pk,
    )


def round_for_meeting(pk: int) -> UpdateRound:
    return get_object_or_404(UpdateRound.objects.select_related("plan"), pk=pk)


def round_decisions(update_round: UpdateRound) -> list:
    """The Commissioner's decisions recording the monitoring of this update (the grants app
    links them to the round; this app only reads them back through the relation)."""
    return list(update_round.decisions.order_by("reference"))


def plan_for_versions(pk: int) -> DeliveryPlan:
    return get_object_or_404(DeliveryPlan.objects.select_related("owner"), pk=pk)


def plan_versions(plan: DeliveryPlan) -> QuerySet[PlanVersion]:
    """The plan's versions, latest first, each with who made it and the meeting behind it."""
    return plan.versions.select_related("made_by", "meeting").order_by("-number")


def plan_version(plan: DeliveryPlan, number: int) -> PlanVersion:
    return get_object_or_404(plan.versions.select_related("made_by", "meeting"), number=number)


def version_differences(version: PlanVersion) -> list[Difference] | None:
    """What ``version`` changed from the version before it; None for version 1 (nothing before)."""
    before = PlanVersion.objects.filter(plan_id=version.plan_id, number__lt=version.number).order_by("-number").first()
    if before is None:
        return None
    return versions_diff(before.snapshot, version.snapshot)


def pending_differences(plan: DeliveryPlan) -> list[Difference] | None:
    """What has changed in the plan since its latest version; None if it has no version yet."""
    latest = plan.versions.order_by("-number").first()
    if latest is None:
        return None
    return versions_diff(latest.snapshot, plan_snapshot(plan))


def is_accepted(update_round: UpdateRound) -> bool:
    return update_round.status == UpdateRoundStatus.ACCEPTED
