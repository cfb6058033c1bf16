"""Every non-trivial read of the grants register, shaped so query counts stay flat.

Money follows DESIGN.md "Money": *committed* is the funding lines of awards that are awarded,
active or ended; lines of planned or procuring awards are *planned*; cancelled awards count
for nothing. *Paid* is payments with a paid date, counted against their ``fy`` (the year of
the line they pay), whatever the award's status now. Amounts are summed in the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils import timezone

from outcomes.models import CommissioningPriority
from pcc_commissioning.periods import FinancialYear, fys_between
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require

from .models import (
    COMMITTED_STATUSES,
    OPEN_STATUSES,
    PLANNED_STATUSES,
    Award,
    AwardStatus,
    ForecastOutturn,
    FundingLine,
    FundingStream,
    Payment,
    PriorityBudget,
    StreamAllocation,
)

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")

# Awards a provider user may see on the portal: planned, procuring and cancelled awards are
# internal (procurement is confidential until an award is made).
PROVIDER_VISIBLE_STATUSES = COMMITTED_STATUSES


def _penny(amount: Decimal | None) -> Decimal:
    """An amount to the penny (SQLite returns sums without their decimal places)."""
    return (amount or ZERO).quantize(ZERO)


def _zero() -> Value:
    return Value(ZERO, output_field=MONEY_FIELD)


def _sum_subquery(queryset: QuerySet, group_by: str, *, amount: str = "amount", filter: Q | None = None) -> Coalesce:
    """Coalesce((SELECT SUM(amount) … GROUP BY group_by), 0) for use as an annotation."""
    summed = (
        queryset.order_by()
        .values(group_by)
        .annotate(total=Sum(amount, filter=filter))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=MONEY_FIELD), _zero(), output_field=MONEY_FIELD)


# One award -----------------------------------------------------------------------------------------


def _award_queryset() -> QuerySet[Award]:
    return Award.objects.select_related("provider", "priority", "decision", "lead_officer", "moj_category")


def award_detail(pk: int) -> Award:
    try:
        return _award_queryset().get(pk=pk)
    except (Award.DoesNotExist, ValueError, TypeError):
        raise Http404("No such award.") from None


def access_award(user, pk: int, *, for_edit: bool = False) -> Award:
    """The award ``pk`` if ``user`` may see it (or, with ``for_edit``, change it).

    Internal roles with ``grants.view`` may read any award; changing one needs ``grants.edit``.
    A provider user may read only its own organisation's awards that have been made (awarded,
    active or ended); any other is 404, so its existence is not revealed. Provider users
    change none.
    """
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    if is_provider_user(user):
        if for_edit:
            raise PermissionDenied("Provider users cannot change awards.")
        award = award_detail(pk)
        organisation_id = provider_organisation_id(user)
        if organisation_id is None or award.provider_id != organisation_id or award.status not in PROVIDER_VISIBLE_STATUSES:
            raise Http404("No such award.")
        return award
    require(user, "grants.edit" if for_edit else "grants.view")
    return award_detail(pk)


# The register ----------------------------------------------------------------------------------------

# The last day an award runs: the end of its extension once taken, else its end date.
RUNS_UNTIL = Case(
    When(extension_taken=True, extension_until__isnull=False, then=F("extension_until")),
    default=F("end_date"),
)

SORT_FIELDS = {
    "reference": Lower("reference"),
    "title": Lower("title"),
    "provider": Lower("provider__name"),
    "priority": F("priority__sort_order"),
    "kind": F("kind"),
    "status": F("status"),
    "start_date": F("start_date"),
    "end_date": F("end_date"),
    "value": F("value_fy"),
    "paid": F("paid_fy"),
}
DEFAULT_SORT = "reference"


def _ordering(sort: str) -> list:
    key = (sort or "").removeprefix("-")
    if key not in SORT_FIELDS:
        key, descending = DEFAULT_SORT, False
    else:
        descending = sort.startswith("-")
    expression = SORT_FIELDS[key]
    first = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return [first, Lower("reference").asc(), "pk"]


def _pk(value):
    return getattr(value, "pk", value)


def award_list(
    *,
    fy: int | None = None,
    priority=None,
    kpq=None,
    kind: str | None = None,
    status: str | list[str] | tuple[str, ...] | None = None,
    provider=None,
    stream=None,
    ending_within_months: int | None = None,
    search: str = "",
    sort: str = DEFAULT_SORT,
    today: datetime.date | None = None,
) -> QuerySet[Award]:
    """The awards register, filtered and sorted (``SORT_FIELDS``; "-" for descending).

    ``fy``: awards whose dates (with a taken extension) touch that financial year (funding
    lines always lie within them). ``priority``, ``kpq``, ``provider``, ``stream``: an instance or a pk. ``status``:
    one value or several. ``ending_within_months``: open awards ending between today and that
    many months ahead. ``search``: reference, title or provider name, ignoring capitals.

    Annotations: ``runs_until`` (the end date, or the extension's end once taken),
    ``value_fy`` (sum of the award's lines in ``fy``, or over all years when
    ``fy`` is None; whatever the status, so read it with ``status``) and ``paid_fy`` (paid
    payments counted against ``fy``, or all). One query, whatever the number of awards;
    KPQs are not prefetched (add ``prefetch_related("kpqs")`` when showing them).
    """
    lines = FundingLine.objects.filter(award=OuterRef("pk"))
    paid = Payment.objects.filter(award=OuterRef("pk"), paid_date__isnull=False)
    if fy is not None:
        lines, paid = lines.filter(fy=fy), paid.filter(fy=fy)
    queryset = _award_queryset().annotate(
        value_fy=_sum_subquery(lines, "award"),
        paid_fy=_sum_subquery(paid, "award"),
        runs_until=RUNS_UNTIL,
    )
    if fy is not None:
        year = FinancialYear(int(fy))
        queryset = queryset.filter(start_date__lte=year.end, runs_until__gte=year.start)
    if priority:
        queryset = queryset.filter(priority_id=_pk(priority))
    if kpq:
        queryset = queryset.filter(Exists(Award.kpqs.through.objects.filter(award_id=OuterRef("pk"), kpq_id=_pk(kpq))))
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status__in=[status] if isinstance(status, str) else list(status))
    if provider:
        queryset = queryset.filter(provider_id=_pk(provider))
    if stream:
        queryset = queryset.filter(Exists(FundingLine.objects.filter(award=OuterRef("pk"), stream_id=_pk(stream))))
    if ending_within_months is not None:
        today = today or timezone.localdate()
        queryset = queryset.filter(
            status__in=OPEN_STATUSES,
            runs_until__gte=today,
            runs_until__lte=today + relativedelta(months=int(ending_within_months)),
        )
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(
            Q(reference__icontains=search) | Q(title__icontains=search) | Q(provider__name__icontains=search)
        )
    return queryset.order_by(*_ordering(sort))


def award_list_totals(queryset: QuerySet[Award], *, fy: int | None) -> dict[str, Decimal]:
    """Committed, planned and paid over the awards of ``queryset`` (e.g. a filtered
    ``award_list``), in ``fy`` (all years when None). Two queries."""
    award_ids = queryset.order_by().values("pk")
    lines = FundingLine.objects.filter(award__in=award_ids)
    payments = Payment.objects.filter(award__in=award_ids, paid_date__isnull=False)
    if fy is not None:
        lines, payments = lines.filter(fy=fy), payments.filter(fy=fy)
    money = lines.aggregate(
        committed=Sum("amount", filter=Q(award__status__in=COMMITTED_STATUSES)),
        planned=Sum("amount", filter=Q(award__status__in=PLANNED_STATUSES)),
    )
    paid = payments.aggregate(paid=Sum("amount"))["paid"]
    return {"committed": _penny(money["committed"]), "planned": _penny(money["planned"]), "paid": _penny(paid)}


# One award's money by year -------------------------------------------------------------------------


@dataclass
class StreamAmount:
    stream: FundingStream
    amount: Decimal


@dataclass
class YearMoney:
    """One financial year of an award. ``value`` is committed if ``committed`` (the award is
    awarded, active or ended), else planned; for a cancelled award it counts for nothing
    (``counts`` is False) but is still shown."""

    fy: int
    label: str
    lines: list[StreamAmount]
    value: Decimal  # sum of the lines
    committed: bool
    counts: bool
    scheduled: Decimal  # payments not yet paid
    paid: Decimal
    forecast: Decimal | None  # the officer's forecast outturn, if set
    outturn: Decimal  # forecast if set, else the value

    @property
    def remaining(self) -> Decimal:
        """Value not yet paid."""
        return self.value - self.paid


def award_money_by_year(award: Award) -> list[YearMoney]:
    """Every financial year the award's dates touch (and any year with lines, payments or a
    forecast), oldest first. Three queries."""
    lines = list(FundingLine.objects.filter(award=award).select_related("stream").order_by("fy", Lower("stream__name")))
    payment_rows = (
        Payment.objects.filter(award=award).order_by().values("fy")
        .annotate(
            paid=Sum("amount", filter=Q(paid_date__isnull=False)),
            scheduled=Sum("amount", filter=Q(paid_date__isnull=True)),
        )
    )
    payments = {row["fy"]: row for row in payment_rows}
    forecasts = dict(ForecastOutturn.objects.filter(award=award).values_list("fy", "amount"))
    until = award.extension_until if award.extension_taken and award.extension_until else award.end_date
    years = {fy.start_year for fy in fys_between(award.start_date, max(until, award.end_date))}
    years |= {line.fy for line in lines} | set(payments) | set(forecasts)
    by_year: dict[int, list[StreamAmount]] = {year: [] for year in years}
    for line in lines:
        by_year[line.fy].append(StreamAmount(line.stream, line.amount))
    committed = award.status in COMMITTED_STATUSES
    counts = award.status != AwardStatus.CANCELLED
    result = []
    for year in sorted(years):
        value = sum((part.amount for part in by_year[year]), ZERO)
        row = payments.get(year, {})
        forecast = forecasts.get(year)
        result.append(YearMoney(
            fy=year,
            label=FinancialYear(year).label,
            lines=by_year[year],
            value=value,
            committed=committed,
            counts=counts,
            scheduled=_penny(row.get("scheduled")),
            paid=_penny(row.get("paid")),
            forecast=forecast,
            outturn=forecast if forecast is not None else value,
        ))
    return result


# The funding summary (funding page, dashboard, panel report) ------------------------------------------


@dataclass
class StreamSummary:
    stream: FundingStream
    allocation: Decimal | None  # None: no allocation recorded for the year
    committed: Decimal
    planned: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        """Allocation not yet committed (negative when over-committed)."""
        return (self.allocation or ZERO) - self.committed

    @property
    def over_committed(self) -> bool:
        return self.committed > (self.allocation or ZERO)


@dataclass
class PrioritySummary:
    priority: CommissioningPriority
    budget: Decimal | None  # None: no budget recorded for the year
    committed: Decimal
    planned: Decimal
    paid: Decimal
    forecast: Decimal  # forecast outturn: each award's forecast where set, else its committed value

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
    paid: Decimal = ZERO
    forecast: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.allocation - self.committed

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
    streams: list[StreamSummary] = field(default_factory=list)
    priorities: list[PrioritySummary] = field(default_factory=list)
    totals: SummaryTotals = field(default_factory=SummaryTotals)


def _committed_q(prefix: str = "award__") -> Q:
    return Q(**{f"{prefix}status__in": COMMITTED_STATUSES})


def _planned_q(prefix: str = "award__") -> Q:
    return Q(**{f"{prefix}status__in": PLANNED_STATUSES})


def funding_summary(*, fy: int) -> FundingSummary:
    """Income against commitment for one financial year, by funding stream and by
    commissioning priority, with totals. The one selector behind the funding page, the
    dashboard and the panel report. Two queries whatever the size of the data.

    Streams listed: those with an allocation, a funding line or a payment in the year.
    Priorities listed: all of them. Forecast outturn per priority is the sum over its awards
    (not cancelled) of the forecast where one is set for the year, else the committed value.
    """
    fy = int(fy)
    year_lines = FundingLine.objects.filter(fy=fy)
    year_paid = Payment.objects.filter(fy=fy, paid_date__isnull=False)

    streams = (
        FundingStream.objects.select_related("source")
        .annotate(
            allocation=Subquery(
                StreamAllocation.objects.filter(stream=OuterRef("pk"), fy=fy).values("amount")[:1],
                output_field=MONEY_FIELD,
            ),
            committed=_sum_subquery(year_lines.filter(stream=OuterRef("pk")), "stream", filter=_committed_q()),
            planned=_sum_subquery(year_lines.filter(stream=OuterRef("pk")), "stream", filter=_planned_q()),
            paid=_sum_subquery(year_paid.filter(stream=OuterRef("pk")), "stream"),
        )
        .filter(
            Q(allocation__isnull=False)
            | Exists(year_lines.filter(stream=OuterRef("pk")))
            | Exists(Payment.objects.filter(fy=fy, stream=OuterRef("pk")))
        )
        .order_by(Lower("name"), "pk")
    )

    # An award's committed lines count towards the forecast only when it has no forecast.
    has_forecast = Exists(ForecastOutturn.objects.filter(award=OuterRef("award"), fy=fy))
    forecasts = ForecastOutturn.objects.filter(fy=fy, award__priority=OuterRef("pk")).exclude(
        award__status=AwardStatus.CANCELLED
    )
    priority_lines = year_lines.filter(award__priority=OuterRef("pk"))
    priorities = CommissioningPriority.objects.annotate(
        budget=Subquery(
            PriorityBudget.objects.filter(priority=OuterRef("pk"), fy=fy).values("amount")[:1],
            output_field=MONEY_FIELD,
        ),
        committed=_sum_subquery(priority_lines, "award__priority", filter=_committed_q()),
        planned=_sum_subquery(priority_lines, "award__priority", filter=_planned_q()),
        paid=_sum_subquery(year_paid.filter(award__priority=OuterRef("pk")), "award__priority"),
        committed_unforecast=_sum_subquery(
            priority_lines, "award__priority", filter=_committed_q() & ~Q(has_forecast)
        ),
        forecast_set=_sum_subquery(forecasts, "award__priority"),
    ).order_by("sort_order", "name", "pk")

    summary = FundingSummary(fy=fy, label=FinancialYear(fy).label)
    totals = summary.totals
    for stream in streams:
        row = StreamSummary(
            stream=stream, allocation=None if stream.allocation is None else _penny(stream.allocation),
            committed=_penny(stream.committed), planned=_penny(stream.planned), paid=_penny(stream.paid),
        )
        summary.streams.append(row)
        totals.allocation += row.allocation or ZERO
        totals.committed += row.committed
        totals.planned += row.planned
        totals.paid += row.paid
    for priority in priorities:
        row = PrioritySummary(
            priority=priority, budget=None if priority.budget is None else _penny(priority.budget),
            committed=_penny(priority.committed), planned=_penny(priority.planned), paid=_penny(priority.paid),
            forecast=_penny(priority.committed_unforecast + priority.forecast_set),
        )
        summary.priorities.append(row)
        totals.budget += row.budget or ZERO
        totals.forecast += row.forecast
    return summary
