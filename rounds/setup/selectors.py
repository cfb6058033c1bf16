"""Reads of rounds: the phase a round is in, the officers' list, the public list and the
permission-checked fetch of one round."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.http import Http404

from pcc_commissioning import clock
from pcc_commissioning.roles import require

from ..models import Application, ApplicationStatus, Round, RoundStatus, RoundVersion

PHASES = {
    "draft": "Draft",
    "upcoming": "Published, not open yet",
    "open": "Open for applications",
    "closed": "Closed",
    "decided": "Decided",
    "results_published": "Results published",
    "cancelled": "Cancelled",
}
PUBLIC_STATES = (RoundStatus.PUBLISHED, RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED)


def phase(round: Round, now: datetime.datetime | None = None) -> str:
    """Where ``round`` is: its status, and for a published round the clock's verdict (open
    from ``opens_at`` until, not including, ``closes_at``)."""
    if round.status != RoundStatus.PUBLISHED:
        return str(round.status)
    moment = clock.now() if now is None else now
    if moment < round.opens_at:
        return "upcoming"
    if moment < round.closes_at:
        return "open"
    return "closed"


def phase_label(name: str) -> str:
    return PHASES[name]


def rounds_list(*, fy: int | None = None, status: str = "") -> QuerySet[Round]:
    """The officers' list: every round (of year ``fy``, of ``status``), newest first. Two
    queries whatever its length (the rounds, and their priorities joined)."""
    rows = Round.objects.select_related("priority", "funding_stream")
    if fy is not None:
        rows = rows.filter(fy=fy)
    if status in RoundStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-fy", "-opens_at", "reference")


def round_years() -> list[int]:
    return sorted(set(Round.objects.values_list("fy", flat=True)), reverse=True)


def published_rounds() -> QuerySet[Round]:
    """The rounds the public sees: published, decided or with results published; soonest
    closing first."""
    return (
        Round.objects.filter(status__in=PUBLIC_STATES)
        .select_related("funding_stream")
        .order_by("-closes_at", "reference")
    )


def access_round(user, reference: str, *, capability: str = "rounds.view") -> Round:
    """The round ``reference`` for an officer page of any stage: PermissionDenied unless ``user``
    holds ``capability`` (``rounds.view`` to read; ``rounds.edit``, ``rounds.screen``,
    ``rounds.panel`` to change), 404 when there is no such round."""
    require(user, capability)
    round = Round.objects.select_related("priority", "funding_stream", "decision").filter(reference=reference).first()
    if round is None:
        raise Http404("No such round.")
    return round


def public_round(reference: str) -> Round:
    """A round the public may see (drafts and cancelled rounds are 404)."""
    round = (
        Round.objects.select_related("funding_stream")
        .filter(reference=reference, status__in=PUBLIC_STATES)
        .prefetch_related("eligibility_questions", "areas")
        .first()
    )
    if round is None:
        raise Http404("No such round.")
    return round


def round_versions(round: Round) -> QuerySet[RoundVersion]:
    return RoundVersion.objects.filter(round=round).select_related("changed_by").order_by("-number")


def round_results(round: Round) -> list[dict]:
    """The successful applications of a round whose results are published: organisation,
    project and the amount offered (the panel's amount, else the amount asked for)."""
    if round.status != RoundStatus.RESULTS_PUBLISHED:
        return []
    rows = (
        Application.objects.filter(round=round, status=ApplicationStatus.SUCCESSFUL)
        .select_related("organisation")
        .order_by("organisation__name", "reference")
    )
    return [
        {
            "organisation": row.organisation.name,
            "title": row.title,
            "amount": row.amount_offered_override if row.amount_offered_override is not None else row.amount_requested,
        }
        for row in rows
    ]
