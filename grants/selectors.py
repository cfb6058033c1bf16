"""Every non-trivial read of the grants register, shaped so query counts stay flat.

Money follows docs/formats.md "Money": *committed* is the funding lines of awards that are awarded,
active or ended; lines of planned or procuring awards are *planned*; cancelled awards count
for nothing. *Paid* is payments with a paid date, counted against their ``fy`` (the year of
the line they pay), whatever the award's status now. Amounts are summed in the database.

The funding summary stands at one day (``funding_summary``'s ``as_at``): payments paid by then,
and each award with the status it had then (``status_at``), so a past period's figures do not
move when payments are made or statuses change later.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    CharField,
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

from outcomes.models import CommissioningPriority
from pcc_commissioning import clock
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, Period, day_label, fys_between
from pcc_commissioning.records import ordering_for
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require
from providers.models import Organisation

from .models import (
    COMMITTED_STATUSES,
    OPEN_STATUSES,
    PLANNED_STATUSES,
    Award,
    AwardStatus,
    AwardTransition,
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
    summed = queryset.order_by().values(group_by).annotate(total=Sum(amount, filter=filter)).values("total")
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
        if (
            organisation_id is None
            or award.provider_id != organisation_id
            or award.status not in PROVIDER_VISIBLE_STATUSES
        ):
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
    return ordering_for(sort, fields=SORT_FIELDS, default=DEFAULT_SORT, tiebreak="reference")


def _pk(value):
    return getattr(value, "pk", value)


def _providers_named(text: str) -> QuerySet:
    """The organisations whose name contains ``text`` (ignoring capitals), as a subquery: the
    database matches the few thousand names once instead of joining them to every award."""
    return Organisation.objects.filter(name__icontains=text).values("pk")


def award_list(
    *,
    fy: int | None = None,
    priority=None,
    kpq=None,
    kind: str | None = None,
    status: str | list[str] | tuple[str, ...] | None = None,
    provider=None,
    provider_name: str = "",
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
    many months ahead. ``provider_name``: providers whose name contains it; ``search``: reference,
    title or provider name; both ignoring capitals.

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
    provider_name = (provider_name or "").strip()
    if provider_name:
        queryset = queryset.filter(provider__in=_providers_named(provider_name))
    if stream:
        queryset = queryset.filter(Exists(FundingLine.objects.filter(award=OuterRef("pk"), stream_id=_pk(stream))))
    if ending_within_months is not None:
        today = today or clock.today()
        queryset = queryset.filter(
            status__in=OPEN_STATUSES,
            runs_until__gte=today,
            runs_until__lte=today + relativedelta(months=int(ending_within_months)),
        )
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(
            Q(reference__icontains=search) | Q(title__icontains=search) | Q(provider__in=_providers_named(search))
        )
    return queryset.order_by(*_ordering(sort))


def award_list_totals(queryset: QuerySet[Award], *, fy: int | None) -> dict[str, Decimal]:
    """Committed, planned and paid over the awards of ``queryset`` (e.g. a filtered
    ``award_list``), in ``fy`` (all years when None). Two queries."""
    lines = FundingLine.objects.all()
    payments = Payment.objects.filter(paid_date__isnull=False)
    if queryset.query.where:  # the whole register needs no restricting (half the time at national scale)
        award_ids = queryset.order_by().values("pk")
        lines, payments = lines.filter(award__in=award_ids), payments.filter(award__in=award_ids)
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
        Payment.objects.filter(award=award)
        .order_by()
        .values("fy")
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
        result.append(
            YearMoney(
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
            )
        )
    return result


# An award's status on a given day -------------------------------------------------------------------


def status_at(day: datetime.date | None, *, award: str = "award"):
    """The status an award had at the end of ``day``, as an expression for a queryset whose
    rows reach the award through the field ``award`` ("award" for funding lines, payments and
    forecasts; "" for a queryset of awards).

    On or after today (or with no day) it is the award's status now: a page "as at today"
    reads what the register says (the timeline's last entry, without looking it up). For an earlier day it is read from the award's timeline
    (``AwardTransition``): the status recorded by its last transition at or before the end of
    that day in the service's time zone. An award with no transition by then was entered later
    (by an import, the demo seeder, or an officer recording a past year late), so its timeline
    says nothing about that day: it takes the last status it was given other than cancelled —
    what the officer made of it, while a cancellation never reaches back to before it was made.
    One with no transition at all (never through the services) takes its status now.

    One correlated subquery per row that asks (two lookups on the transitions' award index),
    so a report that sums thousands of lines still runs one query.
    """
    prefix = f"{award}__" if award else ""
    now = F(f"{prefix}status")
    if day is None or day >= clock.today():
        return now
    transitions = AwardTransition.objects.filter(award=OuterRef(award or "pk")).order_by()
    last_by_then = transitions.filter(at__lt=clock.end_of(day)).order_by("-at", "-pk").values("to_status")[:1]
    entered_later = transitions.exclude(to_status=AwardStatus.CANCELLED).order_by("-at", "-pk").values("to_status")[:1]
    return Coalesce(
        Subquery(last_by_then, output_field=CharField()),
        Subquery(entered_later, output_field=CharField()),
        now,
        output_field=CharField(),
    )


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

    The year's lines and payments are each summed in one grouped scan (by stream, priority and
    status) and the groups added up here: correlated sums per stream and priority re-read the
    lines hundreds of times at national scale (a shared service has hundreds of streams).
    """
    fy = int(fy)
    span = summary_period(fy, period)
    as_at = as_at or default_as_at(span)
    status = status_at(as_at)
    has_forecast = Exists(ForecastOutturn.objects.filter(award=OuterRef("award"), fy=fy))
    # Grouped by each award's status at as_at (a few values) rather than summed with a filter
    # per status: the status subquery is then evaluated once per line.
    line_groups = (
        FundingLine.objects.filter(fy=fy)
        .order_by()
        .annotate(status_then=status)
        .values_list("stream_id", "award__priority_id", "status_then")
        .annotate(total=Sum("amount"), unforecast=Sum("amount", filter=~Q(has_forecast)))
    )
    in_period = Q(paid_date__lte=min(span.end, as_at))
    if not span.opens_year:
        in_period &= Q(paid_date__gte=span.start)
    payment_groups = (
        Payment.objects.filter(fy=fy, paid_date__isnull=False, paid_date__lte=as_at)
        .order_by()
        .values_list("stream_id", "award__priority_id")
        .annotate(to_date=Sum("amount"), in_period=Sum("amount", filter=in_period))
    )
    by_stream: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_priority: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for stream_id, priority_id, status_then, total, unforecast in line_groups:
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
    for stream_id, priority_id, to_date, paid_in_period in payment_groups:
        for sums in (by_stream[stream_id], by_priority[priority_id]):
            sums["paid_to_date"] += to_date or ZERO
            sums["paid_in_period"] += paid_in_period or ZERO
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

    streams = (
        FundingStream.objects.select_related("source")
        .annotate(allocation=_amount_of_year(StreamAllocation, owner="stream", fy=fy))
        .filter(Q(allocation__isnull=False) | Q(pk__in=list(by_stream)))
        .order_by(Lower("name"), "pk")
    )
    priorities = CommissioningPriority.objects.annotate(
        budget=_amount_of_year(PriorityBudget, owner="priority", fy=fy)
    ).order_by("sort_order", "name", "pk")

    summary = FundingSummary(fy=fy, label=FinancialYear(fy).label, period=span, as_at=as_at)
    totals = summary.totals
    for stream in streams:
        sums = by_stream.get(stream.pk, {})
        row = StreamSummary(
            stream=stream,
            allocation=None if stream.allocation is None else _penny(stream.allocation),
            committed=_penny(sums.get("committed")),
            planned=_penny(sums.get("planned")),
            paid_in_period=_penny(sums.get("paid_in_period")),
            paid_to_date=_penny(sums.get("paid_to_date")),
        )
        summary.streams.append(row)
        totals.allocation += row.allocation or ZERO
        totals.committed += row.committed
        totals.planned += row.planned
        totals.paid_in_period += row.paid_in_period
        totals.paid_to_date += row.paid_to_date
    for priority in priorities:
        sums = by_priority.get(priority.pk, {})
        row = PrioritySummary(
            priority=priority,
            budget=None if priority.budget is None else _penny(priority.budget),
            committed=_penny(sums.get("committed")),
            planned=_penny(sums.get("planned")),
            paid_in_period=_penny(sums.get("paid_in_period")),
            paid_to_date=_penny(sums.get("paid_to_date")),
            forecast=_penny(sums.get("committed_unforecast", ZERO) + forecast_set.get(priority.pk, ZERO)),
        )
        summary.priorities.append(row)
        totals.budget += row.budget or ZERO
        totals.forecast += row.forecast
    return summary


# Pages (added for the grants pages: views.py) -----------------------------------------------------
# Reads the award, decision, stream and funding pages need beyond the selectors above; each
# keeps its query count flat whatever the number of rows.

from django.contrib.auth import get_user_model  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402

from .models import (  # noqa: E402
    AwardDocument,
    CoFunding,
    Decision,
    PaymentPlan,
)


def _years_spanned(*models) -> list[int]:
    """Every financial year from the earliest to the latest ``fy`` of these tables' rows, and
    the current year, newest first. Their first and last years come from the ``fy`` indexes:
    listing the distinct years would read every row (tens of thousands of funding lines)."""
    spans = [model.objects.order_by().aggregate(first=Min("fy"), last=Max("fy")) for model in models]
    spans = [span for span in spans if span["first"] is not None]
    years = {FinancialYear.current().start_year}
    if spans:
        years.update(range(min(span["first"] for span in spans), max(span["last"] for span in spans) + 1))
    return sorted(years, reverse=True)


def award_years() -> list[int]:
    """The financial years of the register's funding lines, with the current year, newest first."""
    return _years_spanned(FundingLine)


def funding_years() -> list[int]:
    """The years of allocations, budgets and funding lines, with the current year, newest first."""
    return _years_spanned(FundingLine, StreamAllocation, PriorityBudget)


def award_page_data(award: Award) -> dict:
    """Everything the award page lists besides the award itself: KPQs, payments, co-funders,
    documents. One query each."""
    return {
        "kpqs": list(award.kpqs.order_by("number")),
        # Cancelled payments too: they are shown, marked, and count for nothing.
        "payments": list(
            Payment.all_objects.filter(award=award)
            .select_related("stream", "override_by", "approved_by", "cancelled_by", "awaits_return")
            .order_by("due_date", "pk")
        ),
        "payment_plan": award_payment_plan(award),
        "co_funding": list(CoFunding.objects.filter(award=award).select_related("partner").order_by("fy", "pk")),
        "documents": list(AwardDocument.objects.filter(award=award).select_related("uploaded_by")),
    }


def award_payment_plan(award: Award) -> PaymentPlan | None:
    return PaymentPlan.objects.filter(award=award).first()


def award_streams(award: Award) -> list[FundingStream]:
    """The streams the award has funding lines from (the streams a payment may come from)."""
    return list(FundingStream.objects.filter(lines__award=award).distinct().order_by(Lower("name")))


def award_payment(award: Award, payment_pk: int) -> Payment:
    try:
        return Payment.objects.select_related("stream").get(award=award, pk=payment_pk)
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such payment.") from None


def award_document(award: Award, document_pk: int) -> AwardDocument:
    try:
        return AwardDocument.objects.get(award=award, pk=document_pk)
    except (AwardDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("No such document.") from None


def award_cofunding(award: Award, cofunding_pk: int) -> CoFunding:
    try:
        return CoFunding.objects.select_related("partner").get(award=award, pk=cofunding_pk)
    except (CoFunding.DoesNotExist, ValueError, TypeError):
        raise Http404("No such co-funding.") from None


@dataclass
class TimelineEntry:
    when: datetime.datetime
    who: str
    title: str
    note: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)


_AWARD_TRACKED = (
    "reference",
    "title",
    "provider",
    "kind",
    "priority",
    "start_date",
    "end_date",
    "extension_months",
    "extension_until",
    "extension_taken",
    "duration",
    "lead_officer",
    "decision",
    "cost_centre",
    "moj_category",
    "purpose",
    "approach",
    "conditions",
    "reasons",
    "key_activity",
    "intention",
)
_LONG_TEXT = {"purpose", "approach", "conditions", "reasons", "key_activity"}


def _who(user) -> str:
    return user.display_name if user is not None else "System"


def award_timeline(award: Award) -> list[TimelineEntry]:
    """The award's history, newest first: its status changes (with their notes), changes to its
    fields and to its funding lines, payments and documents. A fixed number of queries."""
    from outcomes.models import CodeListEntry
    from providers.models import Organisation

    entries: list[TimelineEntry] = []
    for transition in AwardTransition.objects.filter(award=award).select_related("by"):
        title = (
            f"Created as {transition.get_to_status_display().lower()}"
            if not transition.from_status
            else f"Status changed from {transition.get_from_status_display().lower()} to "
            f"{transition.get_to_status_display().lower()}"
        )
        note = "\n\n".join(part for part in (transition.note, transition.due_diligence_note) if part)
        who = "the daily run (the award's dates)" if transition.automatic else _who(transition.by)
        entries.append(TimelineEntry(when=transition.at, who=who, title=title, note=note))

    rows = list(Award.history.filter(id=award.pk).select_related("history_user").order_by("history_date", "history_id"))
    ids: dict[str, set] = {
        "provider": set(),
        "priority": set(),
        "lead_officer": set(),
        "decision": set(),
        "moj_category": set(),
    }
    for row in rows:
        for name in ids:
            value = getattr(row, f"{name}_id")
            if value is not None:
                ids[name].add(value)
    names = {
        "provider": dict(Organisation.objects.filter(pk__in=ids["provider"]).values_list("pk", "name")),
        "priority": dict(CommissioningPriority.objects.filter(pk__in=ids["priority"]).values_list("pk", "name")),
        "lead_officer": {u.pk: u.display_name for u in get_user_model().objects.filter(pk__in=ids["lead_officer"])},
        "decision": dict(Decision.objects.filter(pk__in=ids["decision"]).values_list("pk", "reference")),
        "moj_category": dict(CodeListEntry.objects.filter(pk__in=ids["moj_category"]).values_list("pk", "label")),
    }

    def shown(name: str, value) -> str:
        if value in (None, ""):
            return "none"
        if name in names:
            return str(names[name].get(value, value))
        if name == "kind":
            return str(dict(Award._meta.get_field("kind").choices).get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, datetime.date):
            return value.strftime("%-d %B %Y")
        return str(value)

    previous = None
    for row in rows:
        if row.history_type == "~" and previous is not None:
            changes = []
            for name in _AWARD_TRACKED:
                attname = Award._meta.get_field(name).attname
                old, new = getattr(previous, attname), getattr(row, attname)
                if old != new:
                    label = str(Award._meta.get_field(name).verbose_name).capitalize()
                    if name in _LONG_TEXT:
                        changes.append((label, "(text)", "changed"))
                    else:
                        changes.append((label, shown(name, old), shown(name, new)))
            if changes:
                entries.append(
                    TimelineEntry(
                        when=row.history_date, who=_who(row.history_user), title="Details changed", changes=changes
                    )
                )
        previous = row

    line_rows = list(
        FundingLine.history.filter(award_id=award.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    stream_names = dict(
        FundingStream.objects.filter(pk__in={row.stream_id for row in line_rows}).values_list("pk", "name")
    )
    last_amount: dict[int, Decimal] = {}
    for row in line_rows:
        what = f"{stream_names.get(row.stream_id, 'a stream')}, {FinancialYear(row.fy).label}"
        if row.history_type == "+":
            title, changes = f"Funding line added: {what}", [("Amount", "none", format_pence(row.amount))]
        elif row.history_type == "-":
            title, changes = f"Funding line removed: {what}", []
        else:
            old = last_amount.get(row.id)
            title = f"Funding line changed: {what}"
            changes = [("Amount", format_pence(old, missing="?"), format_pence(row.amount))]
        last_amount[row.id] = row.amount
        entries.append(TimelineEntry(when=row.history_date, who=_who(row.history_user), title=title, changes=changes))

    entries.extend(_payment_timeline(award))
    for row in AwardDocument.history.filter(award_id=award.pk, history_type__in=["+", "-"]).select_related(
        "history_user"
    ):
        verb = "uploaded" if row.history_type == "+" else "removed"
        entries.append(
            TimelineEntry(when=row.history_date, who=_who(row.history_user), title=f"Document {verb}: {row.title}")
        )

    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _payment_timeline(award: Award) -> list[TimelineEntry]:
    """What happened to the award's payments: recorded (or scheduled by the payment plan),
    approved, paid, cancelled, and instalments withdrawn when the plan rescheduled them. One query."""
    entries = []
    previous: dict[int, object] = {}
    rows = (
        Payment.history.filter(award_id=award.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        what = f"{format_pence(row.amount)} due {row.due_date.strftime('%-d %B %Y')}"
        instalment = f"Instalment {row.plan_period} of {what}" if row.plan_period else f"Payment of {what}"
        if row.history_type == "+":
            title = f"{instalment} scheduled by the payment plan" if row.plan_period else f"{instalment} recorded"
        elif row.history_type == "-":
            title = (
                f"{instalment} withdrawn (rescheduled by the payment plan)"
                if row.plan_period
                else f"{instalment} deleted"
            )
        elif before is not None and row.cancelled_at and not before.cancelled_at:
            title = f"{instalment} cancelled: {row.cancel_reason}"
        elif before is not None and row.paid_date and not before.paid_date:
            title = f"{instalment} paid on {row.paid_date.strftime('%-d %B %Y')}"
        elif before is not None and row.approved_at and not before.approved_at:
            title = f"{instalment} approved for paying"
        else:
            continue
        entries.append(
            TimelineEntry(
                when=row.history_date,
                who=_who(row.history_user),
                title=title,
                note=row.due_diligence_note if "approved" in title or "recorded" in title else "",
            )
        )
    return entries


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
            value_fy=_sum_subquery(FundingLine.objects.filter(award=OuterRef("pk")), "award"),
        )
        .order_by(Lower("reference"))
    )


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
    rows = []
    for year in sorted(set(allocations) | set(lines) | set(paid), reverse=True):
        allocation = allocations.get(year)
        committed = _penny(lines.get(year, {}).get("committed"))
        rows.append(
            {
                "fy": year,
                "label": FinancialYear(year).label,
                "allocation": allocation.amount if allocation else None,
                "notes": allocation.notes if allocation else "",
                "committed": committed,
                "planned": _penny(lines.get(year, {}).get("planned")),
                "paid": _penny(paid.get(year)),
                "over": committed > (allocation.amount if allocation else ZERO),
            }
        )
    return rows
