"""The funding summary: for a financial year, each stream's allocation, committed, planned and paid
money and each priority's budget, standing at one day (``as_at``) so a past period's figures do
not move when payments are made or statuses change later."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Lower
from django.http import Http404

from grants.awards.selectors import status_at, years_spanned
from grants.models import (
    COMMITTED_STATUSES,
    PLANNED_STATUSES,
    AwardStatus,
    CarryForward,
    ForecastOutturn,
    FundingLine,
    FundingStream,
    Payment,
    PriorityBudget,
    StreamAllocation,
)
from grants.queries import MONEY_FIELD, ZERO
from outcomes.models import CommissioningPriority
from pcc_commissioning import clock
from pcc_commissioning.money import to_penny
from pcc_commissioning.periods import FinancialYear, Period, day_label


# The funding summary (funding page, dashboard, panel report) ------------------------------------------
@dataclass
class StreamSummary:
    stream: FundingStream
    allocation: Decimal | None  # None: no allocation recorded for the year
    committed: Decimal
    planned: Decimal
    paid_in_period: Decimal
    paid_to_date: Decimal

    @property
    def paid(self) -> Decimal:
        """What had been paid at the summary's ``as_at`` day (``paid_to_date``)."""
        return self.paid_to_date

    @property
    def uncommitted(self) -> Decimal:
        """Allocation not committed (negative when over-committed)."""
        return (self.allocation or ZERO) - self.committed

    @property
    def unspent(self) -> Decimal:
        """Allocation not paid out by the ``as_at`` day."""
        return (self.allocation or ZERO) - self.paid_to_date

    @property
    def over_committed(self) -> bool:
        return self.committed > (self.allocation or ZERO)


@dataclass
class PrioritySummary:
    priority: CommissioningPriority
    budget: Decimal | None  # None: no budget recorded for the year
    committed: Decimal
    planned: Decimal
    paid_in_period: Decimal
    paid_to_date: Decimal
    forecast: Decimal  # forecast outturn: each award's forecast where set, else its committed value

    @property
    def paid(self) -> Decimal:
        """What had been paid at the summary's ``as_at`` day (``paid_to_date``)."""
        return self.paid_to_date

    @property
    def uncommitted(self) -> Decimal:
        """Budget not committed (negative when over-committed)."""
        return (self.budget or ZERO) - self.committed

    @property
    def variance(self) -> Decimal:
        """Budget minus forecast outturn (negative when forecast to overspend)."""
        return (self.budget or ZERO) - self.forecast

    @property
    def over(self) -> bool:
        return self.forecast > (self.budget or ZERO)


@dataclass
class SummaryTotals:
    allocation: Decimal = ZERO
    budget: Decimal = ZERO
    committed: Decimal = ZERO
    planned: Decimal = ZERO
    paid_in_period: Decimal = ZERO
    paid_to_date: Decimal = ZERO
    forecast: Decimal = ZERO

    @property
    def paid(self) -> Decimal:
        return self.paid_to_date

    @property
    def uncommitted(self) -> Decimal:
        """The streams' allocations not committed."""
        return self.allocation - self.committed

    @property
    def unspent(self) -> Decimal:
        """The streams' allocations not paid out by the ``as_at`` day."""
        return self.allocation - self.paid_to_date

    @property
    def variance(self) -> Decimal:
        return self.budget - self.forecast

    @property
    def over_committed(self) -> bool:
        return self.committed > self.allocation

    @property
    def over(self) -> bool:
        return self.forecast > self.budget


@dataclass
class FundingSummary:
    fy: int
    label: str
    period: Period  # the period reported on: the whole year on the funding page and the dashboard
    as_at: datetime.date  # the figures stand at the end of this day
    streams: list[StreamSummary] = field(default_factory=list)
    priorities: list[PrioritySummary] = field(default_factory=list)
    totals: SummaryTotals = field(default_factory=SummaryTotals)

    @property
    def as_at_label(self) -> str:
        """ "30 June 2019"."""
        return day_label(self.as_at)

    @property
    def complete(self) -> bool:
        """Whether the period had ended by the ``as_at`` day (else its figures are so far)."""
        return self.as_at >= self.period.end

    @property
    def paid_label(self) -> str:
        """ "Paid at 31 March 2020": the label of ``paid`` on the funding page and dashboard."""
        return f"Paid at {self.as_at_label}"

    @property
    def paid_in_period_label(self) -> str:
        """ "Paid in Q1 2019/20"; "Paid in 2019/20" for the whole year."""
        return f"Paid in {self.period.label}"

    @property
    def paid_to_date_label(self) -> str:
        """ "Paid to date at 30 June 2019"."""
        return f"Paid to date at {self.as_at_label}"

    @property
    def committed_label(self) -> str:
        """ "Committed at 30 June 2019"."""
        return f"Committed at {self.as_at_label}"


def _committed_q(prefix: str = "award__") -> Q:
    return Q(**{f"{prefix}status__in": COMMITTED_STATUSES})


def _planned_q(prefix: str = "award__") -> Q:
    return Q(**{f"{prefix}status__in": PLANNED_STATUSES})


def _amount_of_year(model, *, owner: str, fy: int) -> Subquery:
    """The ``amount`` of the one ``model`` row (an allocation or a budget) for the outer row and ``fy``."""
    return Subquery(
        model.objects.filter(**{owner: OuterRef("pk")}, fy=fy).order_by().values("amount")[:1],
        output_field=MONEY_FIELD,
    )


def summary_period(fy: int, period: Period | str | None) -> Period:
    """The period ``funding_summary`` reports on: ``period`` (a Period of ``fy`` or a code such
    as "Q1"), the whole year when None."""
    year = FinancialYear(int(fy))
    if period is None:
        return year.period
    if isinstance(period, str):
        return Period.parse(year, period)
    if period.fy != year:
        raise ValueError(f"{period.label} is not a period of {year.label}.")
    return period


def default_as_at(period: Period, today: datetime.date | None = None) -> datetime.date:
    """The day a period's figures stand at: its last day, or today while it has not ended."""
    return min(period.end, today or clock.today())


def funding_summary(
    *, fy: int, period: Period | str | None = None, as_at: datetime.date | None = None
) -> FundingSummary:
    """Income against commitment for one financial year, by funding stream and by
    commissioning priority, with totals, as they stood at the end of one day. The one selector
    behind the funding page, the dashboard, the Panel report and the finance views. Five
    queries whatever the size of the data.

    ``period`` (a ``Period`` of ``fy``, or its code; default the whole year) is what the
    report covers; ``as_at`` is the day the figures stand at, by default the period's last
    day, or today while the period has not ended. So the funding page and the dashboard show a
    past year at 31 March and the current year at today; a Panel report for Q1 2019/20 stands
    at 30 June 2019 however late it is generated; the finance views pass today to count
    arrears paid after the year.

    - *Committed* and *planned*: the year's funding lines of awards whose status at the end of
      ``as_at`` (``status_at``) was committed (awarded, active, ended) or planned (planned,
      procuring); an award cancelled after that day still counts, one awarded after it does not.
    - *Paid in the period* (``paid_in_period``): payments counted against ``fy`` whose paid
      date falls in the period and not after ``as_at``; the period that opens the year (FY,
      H1, Q1, April) also takes those paid before 1 April (in advance).
    - *Paid to date* (``paid_to_date``, also ``paid``): payments counted against ``fy`` paid on
      or before ``as_at``. Nothing paid after ``as_at`` counts, so arrears paid in April
      after the year are not in a past year's figures at 31 March.

    Refunds (negative) count; unpaid and cancelled payments do not, whatever the award's status.
    Streams listed: those with an allocation, a funding line or such a payment in the year.
    Priorities listed: all of them. Forecast outturn per priority is the sum over its awards
    not cancelled at ``as_at`` of the forecast where one is set for the year, else the
    committed value.
    """
    fy = int(fy)
    span = summary_period(fy, period)
    as_at = as_at or default_as_at(span)
    status = status_at(as_at)
    by_stream, by_priority = _sums_by_stream_and_priority(fy=fy, span=span, as_at=as_at, status=status)
    forecast_set = _forecast_set_by_priority(fy=fy, status=status)
    summary = FundingSummary(fy=fy, label=FinancialYear(fy).label, period=span, as_at=as_at)
    _add_stream_rows(summary, by_stream)
    _add_priority_rows(summary, by_priority, forecast_set)
    return summary


_Sums = dict[int, dict[str, Decimal]]  # {stream or priority id: {"committed": …, "paid_to_date": …}}


def _sums_by_stream_and_priority(*, fy: int, span: Period, as_at: datetime.date, status) -> tuple[_Sums, _Sums]:
    """Committed, planned and paid money of ``fy`` by stream and by priority, and the committed
    money of awards without a forecast by priority.

    The year's lines and payments are each summed in one grouped scan (by stream, priority and
    status) and the groups added up here: correlated sums per stream and priority re-read the
    lines hundreds of times at national scale (a shared service has hundreds of streams)."""
    by_stream: _Sums = defaultdict(lambda: defaultdict(Decimal))
    by_priority: _Sums = defaultdict(lambda: defaultdict(Decimal))
    for stream_id, priority_id, status_then, total, unforecast in _line_groups(fy=fy, status=status):
        # Touched even for a cancelled award's line: its stream is still listed for the year.
        stream_sums = by_stream[stream_id]
        if status_then in COMMITTED_STATUSES:
            kind = "committed"
            by_priority[priority_id]["committed_unforecast"] += unforecast or ZERO
        elif status_then in PLANNED_STATUSES:
            kind = "planned"
        else:
            continue
        for sums in (stream_sums, by_priority[priority_id]):
            sums[kind] += total or ZERO
    for stream_id, priority_id, to_date, paid_in_period in _payment_groups(fy=fy, span=span, as_at=as_at):
        for sums in (by_stream[stream_id], by_priority[priority_id]):
            sums["paid_to_date"] += to_date or ZERO
            sums["paid_in_period"] += paid_in_period or ZERO
    return by_stream, by_priority


def _line_groups(*, fy: int, status) -> QuerySet:
    """(stream id, priority id, award status at as_at, total, total without a forecast) of the
    year's funding lines."""
    has_forecast = Exists(ForecastOutturn.objects.filter(award=OuterRef("award"), fy=fy))
    # Grouped by each award's status at as_at (a few values) rather than summed with a filter
    # per status: the status subquery is then evaluated once per line.
    return (
        FundingLine.objects.filter(fy=fy)
        .order_by()
        .annotate(status_then=status)
        .values_list("stream_id", "award__priority_id", "status_then")
        .annotate(total=Sum("amount"), unforecast=Sum("amount", filter=~Q(has_forecast)))
    )


def _payment_groups(*, fy: int, span: Period, as_at: datetime.date) -> QuerySet:
    """(stream id, priority id, paid to date, paid in the period) of the year's payments."""
    in_period = Q(paid_date__lte=min(span.end, as_at))
    if not span.opens_year:
        in_period &= Q(paid_date__gte=span.start)
    return (
        Payment.objects.filter(fy=fy, paid_date__isnull=False, paid_date__lte=as_at)
        .order_by()
        .values_list("stream_id", "award__priority_id")
        .annotate(to_date=Sum("amount"), in_period=Sum("amount", filter=in_period))
    )


def _forecast_set_by_priority(*, fy: int, status) -> dict[int, Decimal]:
    """The forecasts set for ``fy`` by priority, over awards not cancelled at as_at."""
    forecast_set: dict[int, Decimal] = defaultdict(Decimal)
    for priority_id, status_then, total in (
        ForecastOutturn.objects.filter(fy=fy)
        .order_by()
        .annotate(status_then=status)
        .values_list("award__priority_id", "status_then")
        .annotate(total=Sum("amount"))
    ):
        if status_then != AwardStatus.CANCELLED:
            forecast_set[priority_id] += total or ZERO
    return forecast_set


def _add_stream_rows(summary: FundingSummary, by_stream: _Sums) -> None:
    streams = (
        FundingStream.objects.select_related("source")
        .annotate(allocation=_amount_of_year(StreamAllocation, owner="stream", fy=summary.fy))
        .filter(Q(allocation__isnull=False) | Q(pk__in=list(by_stream)))
        .order_by(Lower("name"), "pk")
    )
    totals = summary.totals
    for stream in streams:
        sums = by_stream.get(stream.pk, {})
        row = StreamSummary(
            stream=stream,
            allocation=None if stream.allocation is None else to_penny(stream.allocation),
            committed=to_penny(sums.get("committed")),
            planned=to_penny(sums.get("planned")),
            paid_in_period=to_penny(sums.get("paid_in_period")),
            paid_to_date=to_penny(sums.get("paid_to_date")),
        )
        summary.streams.append(row)
        totals.allocation += row.allocation or ZERO
        totals.committed += row.committed
        totals.planned += row.planned
        totals.paid_in_period += row.paid_in_period
        totals.paid_to_date += row.paid_to_date


def _add_priority_rows(summary: FundingSummary, by_priority: _Sums, forecast_set: dict[int, Decimal]) -> None:
    """Every priority, with its budget and its forecast outturn."""
    priorities = CommissioningPriority.objects.annotate(
        budget=_amount_of_year(PriorityBudget, owner="priority", fy=summary.fy)
    ).order_by("sort_order", "name", "pk")
    totals = summary.totals
    for priority in priorities:
        sums = by_priority.get(priority.pk, {})
        row = PrioritySummary(
            priority=priority,
            budget=None if priority.budget is None else to_penny(priority.budget),
            committed=to_penny(sums.get("committed")),
            planned=to_penny(sums.get("planned")),
            paid_in_period=to_penny(sums.get("paid_in_period")),
            paid_to_date=to_penny(sums.get("paid_to_date")),
            forecast=to_penny(sums.get("committed_unforecast", ZERO) + forecast_set.get(priority.pk, ZERO)),
        )
        summary.priorities.append(row)
        totals.budget += row.budget or ZERO
        totals.forecast += row.forecast


def funding_years() -> list[int]:
    """The years of allocations, budgets and funding lines, with the current year, newest first."""
    return years_spanned(FundingLine, StreamAllocation, PriorityBudget)


def stream_list() -> QuerySet[FundingStream]:
    return FundingStream.objects.select_related("source").annotate(award_count=Count("lines__award", distinct=True))


def stream_detail(pk: int) -> FundingStream:
    try:
        return FundingStream.objects.select_related("source").get(pk=pk)
    except (FundingStream.DoesNotExist, ValueError, TypeError):
        raise Http404("No such funding stream.") from None


def year_figure(model, *, fy: int | None, **owner) -> StreamAllocation | PriorityBudget | None:
    """The stored figure (a ``StreamAllocation`` or ``PriorityBudget``) of one owner for a year, if any."""
    if fy is None:
        return None
    return model.objects.filter(fy=fy, **owner).first()


def stream_years(stream: FundingStream) -> list[dict]:
    """Each year the stream has an allocation or lines: allocation, committed, planned, paid."""
    allocations = {a.fy: a for a in StreamAllocation.objects.filter(stream=stream)}
    lines = {
        row["fy"]: row
        for row in FundingLine.objects.filter(stream=stream)
        .order_by()
        .values("fy")
        .annotate(
            committed=Sum("amount", filter=_committed_q()),
            planned=Sum("amount", filter=_planned_q()),
        )
    }
    paid = dict(
        Payment.objects.filter(stream=stream, paid_date__isnull=False)
        .order_by()
        .values("fy")
        .annotate(total=Sum("amount"))
        .values_list("fy", "total")
    )
    # Money carried into a year from the year before, with the decision that allowed it.
    carried: dict[int, list[CarryForward]] = {}
    for carry in CarryForward.objects.filter(stream=stream).select_related("decision").order_by("from_fy", "pk"):
        carried.setdefault(carry.to_fy, []).append(carry)
    rows = []
    for year in sorted(set(allocations) | set(lines) | set(paid) | set(carried), reverse=True):
        allocation = allocations.get(year)
        committed = to_penny(lines.get(year, {}).get("committed"))
        rows.append(
            {
                "fy": year,
                "label": FinancialYear(year).label,
                "allocation": allocation.amount if allocation else None,
                "notes": allocation.notes if allocation else "",
                "committed": committed,
                "planned": to_penny(lines.get(year, {}).get("planned")),
                "paid": to_penny(paid.get(year)),
                "over": committed > (allocation.amount if allocation else ZERO),
                "carry_forwards": carried.get(year, []),
                "carried_forward": sum((carry.amount for carry in carried.get(year, [])), ZERO),
            }
        )
    return rows
