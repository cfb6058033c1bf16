"""The national dataset's quarterly monitoring returns and their parts."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings

from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKPI,
    KPIPeriod,
    MonitoringReturn,
    Rag,
    ReturnBreakdown,
    ReturnKPIValue,
    ReturnOutcome,
    ReturnStatus,
    award_runs_until,
)
from outcomes.models import CodeList, CodeListEntry
from pcc_commissioning.periods import due_date as period_due_date
from pcc_commissioning.periods import quarter_of

from .common import AS_OF, _bulk, _Context, _split_count

# Monitoring returns: one in RETURN_DETAIL_SHARE filled-in returns carries breakdowns (crime type
# and sex), outcome measures and its KPI value, so the child tables have realistic volume without
# multiplying the load time; every committed award has one KPI with a quarterly target.
RETURN_DETAIL_SHARE = 8
RAG_COMMENTS = {
    Rag.AMBER: (
        "Referrals below profile this quarter; recovery plan agreed at the contract meeting.",
        "Staff vacancy slowed assessments; recruitment under way.",
        "Outcome measures recorded for fewer clients than agreed.",
    ),
    Rag.RED: (
        "Return late and well below target; escalated to the head of commissioning.",
        "Service paused for part of the quarter; improvement notice issued.",
        "Serious concerns about case recording; an audit visit is booked.",
    ),
}


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def _return_status(rng: random.Random, quarter_end: datetime.date, due: datetime.date) -> str:
    """What has happened to a return by ``AS_OF``: mostly accepted once due, some late."""
    roll = rng.random()
    if quarter_end >= AS_OF:
        return ReturnStatus.DRAFT if roll < 0.3 else ReturnStatus.DUE
    if due > AS_OF:
        return ReturnStatus.SUBMITTED if roll < 0.5 else ReturnStatus.DRAFT if roll < 0.75 else ReturnStatus.DUE
    if roll < 0.85:
        return ReturnStatus.ACCEPTED
    if roll < 0.92:
        return ReturnStatus.SUBMITTED
    if roll < 0.96:
        return ReturnStatus.RETURNED
    return ReturnStatus.DUE  # late


def _seed_kpis(committed: list[Award], sizes: dict[int, int]) -> list[AwardKPI]:
    return _bulk(
        AwardKPI,
        [
            AwardKPI(
                award=award,
                name="Victims supported",
                unit="people",
                target=Decimal(sizes[award.pk]),
                target_period=KPIPeriod.QUARTER,
                description="New victims supported in the quarter.",
            )
            for award in committed
        ],
    )


def _fill_in(rng: random.Random, ret: MonitoringReturn, *, size: int, quarter_end: datetime.date) -> None:
    """What the provider reported and, for an accepted or returned return, what the officer said."""
    status, due = ret.status, ret.due_date
    if status != ReturnStatus.DUE:
        ret.referrals = max(0, round(size * rng.uniform(0.8, 1.5)))
        ret.supported = round(ret.referrals * rng.uniform(0.55, 0.95))
        ret.narrative = rng.choice(RETURN_NARRATIVES)
    if status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED, ReturnStatus.RETURNED):
        submitted = min(due - datetime.timedelta(days=rng.randint(-10, 15)), AS_OF)
        ret.submitted_at = _at(max(submitted, quarter_end), 10)
    if status == ReturnStatus.ACCEPTED:
        ret.rag = rng.choices((Rag.GREEN, Rag.AMBER, Rag.RED), weights=(70, 22, 8))[0]
        ret.rag_comment = rng.choice(RAG_COMMENTS[ret.rag]) if ret.rag != Rag.GREEN else ""
        reviewed = min(ret.submitted_at.date() + datetime.timedelta(days=rng.randint(1, 20)), AS_OF)
        ret.reviewed_at = _at(reviewed, 15)
    elif status == ReturnStatus.RETURNED:
        ret.returned_reason = "Please add the outcome measures and the breakdown by crime type."


def _award_returns(rng: random.Random, award: Award, size: int) -> list[tuple[MonitoringReturn, bool]]:
    """The award's returns (not saved), a quarter at a time up to ``AS_OF``, each with whether it
    carries details (drawn as it is made, before the next quarter's)."""
    until = min(
        award_runs_until(
            end_date=award.end_date,
            extension_until=award.extension_until,
            extension_taken=award.extension_taken,
        ),
        AS_OF,
    )
    start = max(settings.MONITORING_START, award.start_date)
    if start > until:
        return []
    returns = []
    quarter = quarter_of(start)
    while quarter.start <= until:
        due = period_due_date(quarter, settings.RETURN_DUE_DAYS)
        status = _return_status(rng, quarter.end, due)
        ret = MonitoringReturn(
            award=award,
            fy=quarter.fy.start_year,
            quarter=quarter.number,
            due_date=due,
            status=status,
        )
        _fill_in(rng, ret, size=size, quarter_end=quarter.end)
        detailed = ret.supported is not None and rng.randrange(RETURN_DETAIL_SHARE) == 0
        returns.append((ret, detailed))
        quarter = quarter.next()
    return returns


def _breakdowns(
    rng: random.Random, ret: MonitoringReturn, supported: int, entries: dict[str, list[CodeListEntry]]
) -> list[ReturnBreakdown]:
    """The return's counts by crime type and by sex (a few deliberately not adding up)."""
    breakdowns = []
    for name in (CodeList.CRIME, CodeList.SEX):
        codes = entries[name]
        total = supported + (rng.randint(1, 3) if rng.random() < 0.03 else 0)  # a few do not add up
        weights = [rng.randint(0, 10) for _ in codes]
        weights[0] += 5
        for entry, count in zip(codes, _split_count(total, weights), strict=True):
            if count:
                breakdowns.append(ReturnBreakdown(monitoring_return=ret, code=entry, count=count))
    return breakdowns


def _seed_details(
    rng: random.Random, detailed: list[MonitoringReturn], kpi_of: dict[int, AwardKPI]
) -> tuple[list[ReturnBreakdown], list[ReturnOutcome], list[ReturnKPIValue]]:
    """The breakdowns, outcome measures and KPI value of the returns that carry details."""
    entries = {
        name: list(CodeListEntry.objects.filter(list=name).order_by("sort_order", "code", "pk"))
        for name in (CodeList.CRIME, CodeList.SEX, CodeList.OUTCOME)
    }
    breakdowns: list[ReturnBreakdown] = []
    outcomes: list[ReturnOutcome] = []
    values: list[ReturnKPIValue] = []
    for ret in detailed:
        supported = ret.supported
        breakdowns.extend(_breakdowns(rng, ret, supported, entries))
        for entry in entries[CodeList.OUTCOME]:
            assessed = round(supported * rng.uniform(0.3, 0.8))
            outcomes.append(
                ReturnOutcome(
                    monitoring_return=ret,
                    code=entry,
                    assessed=assessed,
                    improved=round(assessed * rng.uniform(0.4, 0.95)),
                )
            )
        values.append(ReturnKPIValue(monitoring_return=ret, kpi=kpi_of[ret.award_id], value=Decimal(supported)))
    _bulk(ReturnBreakdown, breakdowns)
    _bulk(ReturnOutcome, outcomes)
    _bulk(ReturnKPIValue, values)
    return breakdowns, outcomes, values


def seed_monitoring_returns(ctx: _Context) -> None:
    """The quarterly monitoring returns (about 50,000 × scale_factor): one per
    committed award and quarter it runs in, from ``MONITORING_START`` (or the award's start) up to
    the quarter holding ``AS_OF``, due ``RETURN_DUE_DAYS`` after the quarter ends. By ``AS_OF``
    most past returns are accepted and rated (mostly green, some amber and red with a comment),
    some await review, a few were returned for changes and a few are late; the latest quarter's
    are due or in draft. Each committed award gets one quarterly KPI; one filled-in return in
    ``RETURN_DETAIL_SHARE`` carries crime-type and sex breakdowns (a few deliberately not adding
    up), outcome measures and the KPI value. Bulk-created, drawing on ``ctx.rng`` after the rows
    above so they keep their values."""
    rng = ctx.rng
    committed = [award for award in ctx.awards if award.status in COMMITTED_STATUSES]
    sizes = {award.pk: rng.randint(8, 160) for award in committed}
    kpis = _seed_kpis(committed, sizes)
    drawn = [pair for award in committed for pair in _award_returns(rng, award, sizes[award.pk])]
    returns = _bulk(MonitoringReturn, [ret for ret, _detailed in drawn])
    detailed = [ret for ret, is_detailed in drawn if is_detailed]
    breakdowns, outcomes, values = _seed_details(rng, detailed, {kpi.award_id: kpi for kpi in kpis})
    ctx.counts.update(
        award_kpis=len(kpis),
        monitoring_returns=len(returns),
        return_breakdowns=len(breakdowns),
        return_outcomes=len(outcomes),
        return_kpi_values=len(values),
    )


RETURN_NARRATIVES = (
    "Referrals steady; waiting times within target.",
    "More self-referrals after the awareness campaign.",
    "Two new volunteers trained; group sessions restarted.",
    "Demand up after the court backlog eased; caseloads high.",
    "Partnership work with the local authority's MARAC continues.",
)
