"""Reads of spend returns, recoveries and carry-forwards, shaped so query counts stay flat: an
award's spend and recovery, the list of all recoveries with its totals, a recovery's receipts,
and the sums the services check against (what was paid, what is being recovered)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Sum
from django.http import Http404

from grants.models import (
    Award,
    CarryForward,
    Decision,
    FundingLine,
    FundingStream,
    Payment,
    Recovery,
    RecoveryStatus,
    SpendLine,
    SpendReturn,
    SpendReturnKind,
)
from grants.queries import ZERO, sum_subquery
from grants.recoveries.transitions import OPEN_RECOVERY_STATUSES
from pcc_commissioning import clock
from pcc_commissioning.money import to_penny
from pcc_commissioning.periods import fy_label
from pcc_commissioning.roles import require

# A variance needs a reason when actual spend differs from plan by more than this share of
# the plan, or by more than this many pounds: the thresholds finance teams commonly use for a
# budget return (small differences are rounding and timing, not worth a sentence).
VARIANCE_SHARE = Decimal("0.10")
VARIANCE_POUNDS = Decimal("500")


def needs_reason(planned: Decimal, actual: Decimal) -> bool:
    difference = abs(actual - planned)
    return difference > VARIANCE_POUNDS or difference > planned * VARIANCE_SHARE


def _sum(queryset: QuerySet, amount: str = "amount") -> Decimal:
    return to_penny(queryset.aggregate(total=Sum(amount))["total"])


# Access -----------------------------------------------------------------------------------------------
def access_award(user, pk: int) -> Award:
    """The award ``pk`` for the spend and recovery pages: internal roles only (provider users
    and everyone else are refused, whatever their organisation)."""
    require(user, "grants.view")
    try:
        return Award.objects.select_related("provider").get(pk=pk)
    except (Award.DoesNotExist, ValueError, TypeError):
        raise Http404("No such award.") from None


def access_recovery(user, pk: int) -> Recovery:
    require(user, "grants.view")
    try:
        return recovery_queryset().get(pk=pk)
    except (Recovery.DoesNotExist, ValueError, TypeError):
        raise Http404("No such recovery.") from None


def award_spend_return(award: Award, pk: int) -> SpendReturn:
    try:
        return SpendReturn.objects.prefetch_related("lines").get(award=award, pk=pk)
    except (SpendReturn.DoesNotExist, ValueError, TypeError):
        raise Http404("No such spend return.") from None


# Money of an award's year ----------------------------------------------------------------------------
def paid_q() -> Q:
    """Counted payments that have been paid (or, negative, received back)."""
    return Q(paid_date__isnull=False)


def award_year_money(award: Award, fy: int) -> tuple[Decimal, Decimal]:
    """(committed, paid) of ``award`` for ``fy``: its funding lines, and its counted payments
    with a paid date, positive and negative (refunds and recovery receipts lower it)."""
    committed = _sum(FundingLine.objects.filter(award=award, fy=fy))
    paid = _sum(Payment.objects.filter(paid_q(), award=award, fy=fy))
    return committed, paid


def recoverable(*, award: Award, stream: FundingStream, fy: int, exclude_pk: int | None = None) -> Decimal:
    """What may still be raised as a recovery of ``award`` from ``stream`` in ``fy``: what was
    paid (positive payments with a paid date) less every refund and credit note that is not a
    recovery receipt, less what recoveries already claim (the amount of each one not written
    off, and what came back on those written off)."""
    payments = Payment.objects.filter(award=award, stream=stream, fy=fy)
    paid = _sum(payments.filter(paid_q(), amount__gt=0))
    refunded = -_sum(payments.filter(amount__lt=0, recovery__isnull=True))
    recoveries = Recovery.objects.filter(award=award, stream=stream, fy=fy).exclude(pk=exclude_pk)
    claimed = _sum(recoveries.exclude(status=RecoveryStatus.WRITTEN_OFF))
    came_back = -_sum(payments.filter(recovery__status=RecoveryStatus.WRITTEN_OFF, recovery__in=recoveries))
    return paid - refunded - claimed - came_back


def received_on(recovery: Recovery) -> Decimal:
    """What has come back on ``recovery`` (its receipts, as a positive sum)."""
    return -_sum(Payment.objects.filter(recovery=recovery))


# Recoveries ---------------------------------------------------------------------------------------------
def recovery_queryset() -> QuerySet[Recovery]:
    """Recoveries with ``received`` (the receipts, positive) and ``left`` (still to come back;
    nothing for a recovered or written-off one) in the same query."""
    receipts = Payment.objects.filter(recovery=OuterRef("pk"))
    return (
        Recovery.objects.select_related("award", "award__provider", "stream", "write_off_decision", "spend_return")
        .annotate(received=-sum_subquery(receipts, "recovery"))
        .annotate(owed=F("amount") - F("received"))
    )


def recovery_left(recovery: Recovery) -> Decimal:
    if recovery.status not in OPEN_RECOVERY_STATUSES:
        return ZERO
    return to_penny(recovery.owed)


def is_overdue(recovery: Recovery, today: datetime.date | None = None) -> bool:
    return recovery.status in OPEN_RECOVERY_STATUSES and recovery.due_date < (today or clock.today())


@dataclass
class RecoveryTotals:
    count: int = 0
    outstanding: Decimal = ZERO
    recovered: Decimal = ZERO
    written_off: Decimal = ZERO


def recovery_list(*, status: str | None = None, fy: int | None = None) -> QuerySet[Recovery]:
    queryset = recovery_queryset().order_by("due_date", "pk")
    if status:
        queryset = queryset.filter(status=status)
    if fy:
        queryset = queryset.filter(fy=fy)
    return queryset


def recovery_totals(queryset: QuerySet[Recovery]) -> RecoveryTotals:
    """Outstanding (still to come back on open recoveries), recovered (every receipt) and
    written off (the amount less its receipts) over the whole of ``queryset``, in one query."""
    open_q = Q(status__in=OPEN_RECOVERY_STATUSES)
    written_q = Q(status=RecoveryStatus.WRITTEN_OFF)
    sums = queryset.order_by().aggregate(
        outstanding=Sum("owed", filter=open_q),
        recovered=Sum("received"),
        written_off=Sum("owed", filter=written_q),
        count=Count("pk"),
    )
    return RecoveryTotals(
        count=sums["count"] or 0,
        outstanding=to_penny(sums["outstanding"]),
        recovered=to_penny(sums["recovered"]),
        written_off=to_penny(sums["written_off"]),
    )


def recovery_years() -> list[int]:
    return list(Recovery.objects.order_by("-fy").values_list("fy", flat=True).distinct())


def recovery_receipts(recovery: Recovery) -> list[Payment]:
    return list(Payment.objects.filter(recovery=recovery).select_related("recorded_by").order_by("paid_date", "pk"))


def award_recoveries(award: Award) -> list[Recovery]:
    return list(recovery_queryset().filter(award=award).order_by("due_date", "pk"))


@dataclass
class AwardOutstanding:
    """What an award still has to pay back: the total and the earliest due date of its open
    recoveries."""

    total: Decimal = ZERO
    due_by: datetime.date | None = None
    overdue: bool = False


def award_outstanding(recoveries: list[Recovery]) -> AwardOutstanding:
    open_ones = [recovery for recovery in recoveries if recovery.status in OPEN_RECOVERY_STATUSES]
    if not open_ones:
        return AwardOutstanding()
    due_by = min(recovery.due_date for recovery in open_ones)
    return AwardOutstanding(
        total=sum((recovery_left(recovery) for recovery in open_ones), ZERO),
        due_by=due_by,
        overdue=due_by < clock.today(),
    )


def signed_decisions() -> QuerySet[Decision]:
    return Decision.objects.filter(status__in=("signed", "published")).order_by("-decided_on", "-pk")


# Spend returns -----------------------------------------------------------------------------------------
@dataclass
class SpendRow:
    line: SpendLine
    variance: Decimal  # actual less planned: negative is an underspend

    @property
    def needs_reason(self) -> bool:
        return needs_reason(self.line.planned, self.line.actual)


@dataclass
class SpendSummary:
    """A spend return with each line's variance, the totals, and beside them what the award
    was committed and paid for the year; ``underspend`` is paid less actual spend (when
    positive), the default amount of a recovery raised from a final return."""

    spend_return: SpendReturn
    rows: list[SpendRow] = field(default_factory=list)
    planned: Decimal = ZERO
    actual: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def variance(self) -> Decimal:
        return self.actual - self.planned

    @property
    def underspend(self) -> Decimal:
        return max(self.paid - self.actual, ZERO)

    @property
    def label(self) -> str:
        return f"{self.spend_return.get_kind_display()} {fy_label(self.spend_return.fy)}"

    @property
    def is_final(self) -> bool:
        return self.spend_return.kind == SpendReturnKind.FINAL


def award_spend_summaries(award: Award) -> list[SpendSummary]:
    """The award's spend returns, by year and kind, each with its lines and the year's money:
    four queries however many returns and lines."""
    returns = list(SpendReturn.objects.filter(award=award).prefetch_related("lines").order_by("-fy", "kind"))
    committed = dict(
        FundingLine.objects.filter(award=award)
        .order_by()
        .values("fy")
        .annotate(total=Sum("amount"))
        .values_list("fy", "total")
    )
    paid = dict(
        Payment.objects.filter(paid_q(), award=award)
        .order_by()
        .values("fy")
        .annotate(total=Sum("amount"))
        .values_list("fy", "total")
    )
    summaries = []
    for spend_return in returns:
        summary = SpendSummary(
            spend_return,
            committed=to_penny(committed.get(spend_return.fy)),
            paid=to_penny(paid.get(spend_return.fy)),
        )
        for line in spend_return.lines.all():
            summary.rows.append(SpendRow(line, line.actual - line.planned))
            summary.planned += line.planned
            summary.actual += line.actual
        summaries.append(summary)
    return summaries


def suggested_recovery(spend_return: SpendReturn) -> Decimal:
    """The default amount of a recovery raised from a final spend return: what the award was
    paid for the year less what the provider spent, less what open recoveries of that year
    already claim (never below zero)."""
    _committed, paid = award_year_money(spend_return.award, spend_return.fy)
    actual = _sum(SpendLine.objects.filter(spend_return=spend_return), "actual")
    open_claims = _sum(
        recovery_queryset().filter(award=spend_return.award, fy=spend_return.fy, status__in=OPEN_RECOVERY_STATUSES),
        "owed",
    )
    return max(paid - actual - open_claims, ZERO)


def award_streams_of_year(award: Award) -> list[FundingStream]:
    return list(FundingStream.objects.filter(lines__award=award).distinct().order_by("name"))


def award_years(award: Award) -> list[int]:
    return sorted(set(FundingLine.objects.filter(award=award).values_list("fy", flat=True)))


# Carry-forward --------------------------------------------------------------------------------------------
def carry_forward_list(*, fy: int | None = None) -> QuerySet[CarryForward]:
    queryset = CarryForward.objects.select_related("stream", "decision", "award").order_by("-from_fy", "stream__name")
    if fy:
        queryset = queryset.filter(from_fy=fy)
    return queryset
