"""Finance views of one financial year: commitments and payments by funding stream, by
commissioning priority, by provider and by month (docs/formats.md "Finance views").

The stream and priority views are ``grants.funding.selectors.funding_summary`` itself, standing at
today (``as_at=today``): the finance system wants every payment counted against the year,
arrears paid after 31 March included, so for a past year *paid* here can be more than the
funding page's and dashboard's "Paid at 31 March" (committed and planned are theirs: each
award's status now). The provider and month views sum the same funding lines and payments in
other groupings; their totals agree with the summary's (tested). Money follows the README's
"What 'paid' means": committed = lines of awarded, active or ended awards; planned = lines of planned or
procuring awards; paid = payments with a paid date counted against the year (``Payment.fy``).
Six queries in all, whatever the data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth

from grants.funding.selectors import FundingSummary, funding_summary
from grants.models import COMMITTED_STATUSES, PLANNED_STATUSES, FundingLine, Payment
from pcc_commissioning import clock
from pcc_commissioning.interchange.exports import Sheet
from pcc_commissioning.money import to_penny
from pcc_commissioning.periods import FinancialYear, month_of

ZERO = Decimal("0.00")


@dataclass
class ProviderRow:
    provider_id: int
    name: str
    supplier_number: str
    committed: Decimal = ZERO
    planned: Decimal = ZERO
    paid: Decimal = ZERO


@dataclass
class MonthRow:
    """One calendar month: payments counted against the year that fall due in it and are
    still unpaid (``scheduled``), and those paid in it (``paid``)."""

    month: datetime.date  # the first day of the month
    label: str
    in_year: bool  # False for arrears or advance payments dated outside the financial year
    scheduled: Decimal = ZERO
    paid: Decimal = ZERO


@dataclass
class Totals:
    committed: Decimal = ZERO
    planned: Decimal = ZERO
    paid: Decimal = ZERO
    scheduled: Decimal = ZERO


@dataclass
class FinanceViews:
    fy: int
    label: str
    summary: FundingSummary  # by stream and by priority
    providers: list[ProviderRow] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)


def finance_views(*, fy: int) -> FinanceViews:
    """The four views of ``fy`` with their totals. Six queries whatever the size of the data."""
    fy = int(fy)
    summary = funding_summary(fy=fy, as_at=clock.today())
    views = FinanceViews(fy=fy, label=summary.label, summary=summary)
    views.providers = _by_provider(fy)
    views.months = _by_month(fy)
    totals = views.totals
    totals.committed = summary.totals.committed
    totals.planned = summary.totals.planned
    totals.paid = summary.totals.paid
    totals.scheduled = sum((row.scheduled for row in views.months), ZERO)
    return views


def _by_provider(fy: int) -> list[ProviderRow]:
    """Committed, planned and paid per provider in ``fy`` (providers with a line or a paid
    payment in the year), by name. Two queries."""
    rows: dict[int, ProviderRow] = {}

    def row_for(values: dict) -> ProviderRow:
        key = values["award__provider"]
        if key not in rows:
            rows[key] = ProviderRow(
                provider_id=key,
                name=values["award__provider__name"],
                supplier_number=values["award__provider__supplier_number"],
            )
        return rows[key]

    group = ("award__provider", "award__provider__name", "award__provider__supplier_number")
    lines = (
        FundingLine.objects.filter(fy=fy)
        .order_by()
        .values(*group)
        .annotate(
            committed=Sum("amount", filter=Q(award__status__in=COMMITTED_STATUSES)),
            planned=Sum("amount", filter=Q(award__status__in=PLANNED_STATUSES)),
        )
    )
    for values in lines:
        row = row_for(values)
        row.committed, row.planned = to_penny(values["committed"]), to_penny(values["planned"])
    paid = Payment.objects.filter(fy=fy, paid_date__isnull=False).order_by().values(*group).annotate(paid=Sum("amount"))
    for values in paid:
        row_for(values).paid = to_penny(values["paid"])
    # Cancelled awards' lines give all-zero rows: they count for nothing, so leave them out.
    kept = [row for row in rows.values() if row.committed or row.planned or row.paid]
    return sorted(kept, key=lambda row: (row.name.casefold(), row.provider_id))


def _by_month(fy: int) -> list[MonthRow]:
    """Every month of the year, plus any month outside it that a payment counted against the
    year was paid or falls due in. Two queries."""
    year = FinancialYear(fy)
    rows: dict[datetime.date, MonthRow] = {}

    def row_for(day: datetime.date) -> MonthRow:
        period = month_of(day)
        start = period.start
        if start not in rows:
            rows[start] = MonthRow(month=start, label=period.label, in_year=period.fy == year)
        return rows[start]

    for period in year.months():
        row_for(period.start)
    paid = (
        Payment.objects.filter(fy=fy, paid_date__isnull=False)
        .annotate(month=TruncMonth("paid_date"))
        .order_by()
        .values("month")
        .annotate(total=Sum("amount"))
    )
    for values in paid:
        row_for(_as_date(values["month"])).paid = to_penny(values["total"])
    scheduled = (
        Payment.objects.filter(fy=fy, paid_date__isnull=True)
        .annotate(month=TruncMonth("due_date"))
        .order_by()
        .values("month")
        .annotate(total=Sum("amount"))
    )
    for values in scheduled:
        row_for(_as_date(values["month"])).scheduled = to_penny(values["total"])
    return [rows[key] for key in sorted(rows)]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# Sheets (exports) ---------------------------------------------------------------------------------
# Column names follow the interchange formats' style (lower case, underscores); amounts are
# Decimals and months are dates, so XLSX gets numbers and dates; XLSX adds a totals row.

STREAM_COLUMNS = ("fy", "stream", "allocation", "committed", "planned", "paid")
PRIORITY_COLUMNS = ("fy", "priority_code", "priority", "budget", "committed", "planned", "paid", "forecast_outturn")
PROVIDER_COLUMNS = ("fy", "provider", "supplier_number", "committed", "planned", "paid")
MONTH_COLUMNS = ("fy", "month", "month_label", "scheduled", "paid")


def stream_sheet(views: FinanceViews) -> Sheet:
    rows = [
        [views.fy, row.stream.name, row.allocation, row.committed, row.planned, row.paid]
        for row in views.summary.streams
    ]
    return Sheet("By stream", STREAM_COLUMNS, rows, totals=(2, 3, 4, 5))


def priority_sheet(views: FinanceViews) -> Sheet:
    rows = [
        [views.fy, row.priority.code, row.priority.name, row.budget, row.committed, row.planned, row.paid, row.forecast]
        for row in views.summary.priorities
    ]
    return Sheet("By priority", PRIORITY_COLUMNS, rows, totals=(3, 4, 5, 6, 7))


def provider_sheet(views: FinanceViews) -> Sheet:
    rows = [[views.fy, row.name, row.supplier_number, row.committed, row.planned, row.paid] for row in views.providers]
    return Sheet("By provider", PROVIDER_COLUMNS, rows, totals=(3, 4, 5))


def month_sheet(views: FinanceViews) -> Sheet:
    rows = [[views.fy, row.month, row.label, row.scheduled, row.paid] for row in views.months]
    return Sheet("By month", MONTH_COLUMNS, rows, totals=(3, 4))


VIEW_SHEETS = {
    "stream": stream_sheet,
    "priority": priority_sheet,
    "provider": provider_sheet,
    "month": month_sheet,
}


def finance_pack_sheets(*, fy: int) -> list[Sheet]:
    """The finance pack: one sheet per view (by stream, priority, provider and month)."""
    views = finance_views(fy=fy)
    return [build(views) for build in VIEW_SHEETS.values()]
