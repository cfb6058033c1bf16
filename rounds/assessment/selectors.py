"""Reads for the panel: who may sit on it, which applications are assessed, each member's
progress and a member's own assignments, in a fixed number of queries."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet

from pcc_commissioning import clock
from pcc_commissioning.roles import Role

from ..models import (
    Application,
    ApplicationStatus,
    AssessorInvitation,
    Assignment,
    AssignmentStatus,
    PanelMember,
    Round,
)
from ..screening.selectors import ELIGIBLE


def assessable_applications(round: Round) -> QuerySet[Application]:
    """The applications the panel assesses: received and not withdrawn or decided, and either
    screened eligible or not screened yet with eligibility answers that meet every requirement
    (screening may come later; an officer who screens one ineligible unassigns it)."""
    return (
        Application.objects.filter(
            round=round, status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED]
        )
        .filter(ELIGIBLE)
        .order_by("reference", "pk")
    )


def panel_members(round: Round) -> list[PanelMember]:
    """The round's panel, each with ``scored`` (how many scores they have given: a member who
    has scored cannot be removed) and ``assigned``."""
    return list(
        PanelMember.objects.filter(round=round)
        .select_related("user")
        .annotate(
            scored=Count("assignments__scores", distinct=True),
            assigned=Count("assignments", distinct=True),
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )


def panel_candidates(round: Round):
    """Active officers and board members not on the panel yet, by name."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.OFFICER.value, Role.BOARD.value])
        .exclude(panel_places__round=round)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def pending_invitations(round: Round, *, now: datetime.datetime | None = None) -> list[AssessorInvitation]:
    now = now or clock.now()
    rows = list(AssessorInvitation.objects.filter(round=round, status="pending").order_by("-sent_at", "-pk"))
    for row in rows:
        row.expired = row.expires_at < now
    return rows


def assignments_of_round(round: Round) -> list[Assignment]:
    return list(
        Assignment.objects.filter(member__round=round)
        .select_related("member__user", "application__organisation")
        .annotate(scored=Count("scores"))
        .order_by("application__reference", "member__user__last_name", "pk")
    )


def _count(status: str) -> Count:
    return Count("assignments", filter=Q(assignments__status=status))


def progress(round: Round) -> list[PanelMember]:
    """Per panel member: assigned, conflicts declared, not declared yet, scoring, submitted."""
    return list(
        PanelMember.objects.filter(round=round)
        .select_related("user")
        .annotate(
            assigned=Count("assignments"),
            conflicted=_count(AssignmentStatus.CONFLICTED),
            undeclared=_count(AssignmentStatus.UNDECLARED),
            in_progress=_count(AssignmentStatus.IN_PROGRESS),
            submitted=_count(AssignmentStatus.SUBMITTED),
            last_scored=Max("assignments__scores__updated_at"),
        )
        .order_by("user__last_name", "user__first_name", "pk")
    )


def outstanding(member: PanelMember) -> list[Assignment]:
    """The member's assignments still to do: not declared yet, or being scored."""
    return list(
        member.assignments.filter(status__in=[AssignmentStatus.UNDECLARED, AssignmentStatus.IN_PROGRESS])
        .select_related("application")
        .order_by("application__reference")
    )


def my_assignments(user) -> list[Assignment]:
    """The user's assignments across rounds, newest round first."""
    return list(
        Assignment.objects.filter(member__user=user)
        .select_related("member__round", "application__organisation")
        .order_by("-member__round__closes_at", "member__round__reference", "application__reference")
    )
