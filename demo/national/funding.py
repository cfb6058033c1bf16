"""The national dataset's money in: funding streams, their allocations and the priority budgets."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from grants.models import (
    AwardStatus,
    FundingStream,
    PriorityBudget,
    StreamAllocation,
    StreamKind,
)
from outcomes.models import CommissioningPriority
from providers.models import Organisation, OrganisationKind
from providers.services import organisation_create

from .common import FYS, _bulk, _Context, _round_up


def _funder(name: str) -> Organisation:
    found = Organisation.objects.filter(name__iexact=name).first()
    return found or organisation_create(actor=None, name=name, kind=OrganisationKind.CENTRAL_GOVERNMENT)


STREAM_KINDS = ("moj_core", "moj_general", "police_grant", "precept", "partners")


def seed_streams(ctx: _Context) -> None:
    """Five streams per force: the MoJ victims' grant (Core, and General ring-fenced for ISVA
    and IDVA; both reported to the MoJ), the Home Office police grant, the precept and partners'
    contributions. Allocations come later, sized to what the awards commit."""
    moj, home_office = _funder("Ministry of Justice"), _funder("Home Office")
    streams = []
    for force in ctx.forces:
        specs = {
            "moj_core": (
                f"{force.area}: MoJ victims' services grant (Core)",
                moj,
                StreamKind.CENTRAL_GOVERNMENT,
                True,
                "",
            ),
            "moj_general": (
                f"{force.area}: MoJ victims' services grant (General: ISVA and IDVA)",
                moj,
                StreamKind.CENTRAL_GOVERNMENT,
                True,
                "ISVA and IDVA",
            ),
            "police_grant": (
                f"{force.area}: Home Office police grant",
                home_office,
                StreamKind.CENTRAL_GOVERNMENT,
                False,
                "",
            ),
            "precept": (f"{force.area}: Police precept", force.opcc, StreamKind.PRECEPT, False, ""),
            "partners": (
                f"{force.area}: Partner contributions",
                force.partner_source or force.opcc,
                StreamKind.PARTNER,
                False,
                "",
            ),
        }
        for key in STREAM_KINDS:
            name, source, kind, moj_reported, ring_fenced = specs[key]
            stream = FundingStream(
                name=name, source=source, kind=kind, moj_reported=moj_reported, ring_fenced_for=ring_fenced
            )
            force.streams[key] = stream
            streams.append(stream)
    _bulk(FundingStream, streams)
    ctx.counts["streams"] = len(streams)


def seed_money_in(ctx: _Context) -> None:
    """Allocations per stream and year, and budgets per priority and year, sized a little above
    what the awards commit and plan (cancelled awards count for nothing). An existing budget
    (the demo's) is raised by the national amount, since the data is one service's load."""
    rng = ctx.rng
    status_of = {award.pk: award.status for award in ctx.awards}
    priority_of = {award.pk: award.priority_id for award in ctx.awards}
    by_stream: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    by_priority: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in ctx.lines:
        if status_of[line.award_id] == AwardStatus.CANCELLED:
            continue
        by_stream[(line.stream_id, line.fy)] += line.amount
        by_priority[(priority_of[line.award_id], line.fy)] += line.amount
    allocations = []
    for force in ctx.forces:
        for key in STREAM_KINDS:
            stream = force.streams[key]
            for fy in FYS:
                used = by_stream.get((stream.pk, fy), Decimal(0))
                base = used * Decimal(100 + rng.randint(0, 15)) / 100 if used else Decimal(20000 * force.weight)
                allocations.append(StreamAllocation(stream=stream, fy=fy, amount=_round_up(base)))
    _bulk(StreamAllocation, allocations)

    existing = {(budget.priority_id, budget.fy): budget for budget in PriorityBudget.objects.order_by("pk")}
    new_budgets, updated = [], 0
    for priority in CommissioningPriority.objects.order_by("sort_order", "code"):
        for fy in FYS:
            used = by_priority.get((priority.pk, fy), Decimal(0))
            amount = _round_up(used * Decimal(102 + rng.randint(0, 8)) / 100)
            budget = existing.get((priority.pk, fy))
            if budget is None:
                new_budgets.append(PriorityBudget(priority=priority, fy=fy, amount=amount))
            elif amount:
                PriorityBudget.objects.filter(pk=budget.pk).update(amount=budget.amount + amount)
                updated += 1
    _bulk(PriorityBudget, new_budgets)
    ctx.counts.update(allocations=len(allocations), budgets=len(new_budgets), budgets_raised=updated)
