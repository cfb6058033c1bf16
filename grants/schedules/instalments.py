"""Payment plans and the instalments they schedule.

An award may carry a ``PaymentPlan``: instalments each quarter or month, due in advance (the
first day of the period, or the award's start), in arrears (the day after the period, or after
the award's end) or on acceptance of the quarter's monitoring return (due with the return, and
not approvable until the return is accepted). Each funding line (stream × year) is split across
the periods of its year that the award runs in — equally for whole periods, in proportion to
the days for a part period — to the penny.

``award_instalments_reconcile`` keeps the *pending* instalments (scheduled from the plan, not
yet approved, paid or cancelled) in step with the award. For each line, what is still to be
scheduled is the line's amount less every other payment of that stream and year that counts
(approved or paid instalments, payments finance recorded by hand) and less the instalments
finance cancelled (a cancelled instalment is not scheduled again). That sum is spread over the
periods that have no approved, paid or cancelled instalment yet. So a payment recorded by hand
reduces the instalments still to come instead of paying the line twice, and the plan never
schedules more than the line. Idempotent: a second run changes nothing. A closed award is
read-only: its payments are left as they were when it was closed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum

from pcc_commissioning.concurrency import NO_RECORD_VERSION, STALE_MESSAGE, lock_for_update
from pcc_commissioning.periods import (
    FinancialYear,
    Period,
    apportion_by_weights,
    overlap_days,
    parse_period_code,
    period_code,
)
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability

from ..models import (
    COMMITTED_STATUSES,
    Award,
    AwardClosure,
    FundingLine,
    MonitoringReturn,
    Payment,
    PaymentPlan,
    PlanFrequency,
    PlanTiming,
)
from ..validation import check_award_open
from .returns import return_due_on

ZERO = Decimal("0.00")
# Weights for the split: a whole period weighs this much, a part period its share of the days.
_WHOLE = 10_000


def pending_instalments_q(prefix: str = "") -> Q:
    """Instalments a plan may still reschedule: scheduled from a plan (they name the period they
    pay for), not yet approved, paid or cancelled."""
    return ~Q(**{f"{prefix}plan_period": ""}) & Q(
        **{
            f"{prefix}approved_at__isnull": True,
            f"{prefix}paid_date__isnull": True,
            f"{prefix}cancelled_at__isnull": True,
        }
    )


def is_pending_instalment(payment: Payment) -> bool:
    return (
        bool(payment.plan_period)
        and payment.approved_at is None
        and payment.paid_date is None
        and payment.cancelled_at is None
    )


@dataclass(frozen=True)
class Instalment:
    stream_id: int
    fy: int
    period: Period
    amount: Decimal
    due_date: datetime.date
    awaits_return_id: int | None

    @property
    def key(self) -> tuple[int, int, str]:
        return self.stream_id, self.fy, period_code(self.period)


def _periods(award: Award, fy: int, frequency: str) -> list[tuple[Period, int]]:
    """The periods of year ``fy`` the award runs in, each with its weight for the split."""
    year = FinancialYear(fy)
    periods = year.quarters() if frequency == PlanFrequency.QUARTERLY else year.months()
    weighted = []
    for period in periods:
        days = overlap_days(award.start_date, award.last_day, period.start, period.end)
        if days:
            weighted.append((period, _WHOLE * days // period.days))
    return weighted


def _due(award: Award, period: Period, timing: str, returns: dict[tuple[int, int], MonitoringReturn]):
    """(due date, the return it waits for or None)."""
    if timing == PlanTiming.ADVANCE:
        return max(period.start, award.start_date), None
    if timing == PlanTiming.ON_RETURN:
        ret = returns.get((period.fy.start_year, period.number))
        if ret is not None:
            return return_due_on(period), ret.pk
    return min(period.end, award.last_day) + datetime.timedelta(days=1), None


def _wanted(award: Award, plan: PaymentPlan, payments: list[Payment]) -> dict[tuple[int, int, str], Instalment]:
    """The pending instalments the plan calls for now, by (stream, year, period code)."""
    if award.status not in COMMITTED_STATUSES:
        return {}
    returns = {
        (ret.fy, ret.quarter): ret for ret in MonitoringReturn.objects.filter(award=award).only("pk", "fy", "quarter")
    }
    consumed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    fixed_periods: dict[tuple[int, int], list[Period]] = defaultdict(list)
    for payment in payments:
        if is_pending_instalment(payment):
            continue  # what this function recomputes
        if payment.cancelled_at is not None and not payment.plan_period:
            continue  # a cancelled payment recorded by hand counts for nothing
        # Counted payments use up the line; so does a cancelled instalment, which is not
        # scheduled again (finance decided not to pay it).
        consumed[(payment.stream_id, payment.fy)] += payment.amount
        if payment.plan_period:
            fixed_periods[(payment.stream_id, payment.fy)].append(parse_period_code(payment.plan_period))
    wanted = {}
    for line in FundingLine.objects.filter(award=award).order_by("fy", "stream_id"):
        left = line.amount - consumed.get((line.stream_id, line.fy), ZERO)
        # A period already paid for (or cancelled) by an instalment is not scheduled again, even
        # under a new frequency: months inside an approved quarter stay covered by it.
        taken = fixed_periods.get((line.stream_id, line.fy), [])
        periods = [
            (period, weight)
            for period, weight in _periods(award, line.fy, plan.frequency)
            if not any(period.start <= other.end and other.start <= period.end for other in taken)
        ]
        if left <= 0 or not periods:
            continue
        amounts = apportion_by_weights(left, [weight for _, weight in periods])
        for (period, _), amount in zip(periods, amounts, strict=False):
            if amount <= 0:
                continue
            due, waits_for = _due(award, period, plan.timing, returns)
            instalment = Instalment(line.stream_id, line.fy, period, amount, due, waits_for)
            wanted[instalment.key] = instalment
    return wanted


@dataclass
class InstalmentsResult:
    created: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed


@transaction.atomic
def award_instalments_reconcile(*, award: Award, actor=None) -> InstalmentsResult:
    """Bring the award's pending instalments in line with its plan, lines, dates and status
    (see the module's rules). Without a plan, pending instalments of an earlier plan go."""
    award = Award.objects.select_for_update().get(pk=award.pk)
    if AwardClosure.objects.filter(award_id=award.pk).exists():
        return InstalmentsResult()
    plan = PaymentPlan.objects.filter(award=award).first()
    payments = list(Payment.all_objects.filter(award=award))
    pending = {
        (payment.stream_id, payment.fy, payment.plan_period): payment
        for payment in payments
        if is_pending_instalment(payment)
    }
    wanted = _wanted(award, plan, payments) if plan is not None else {}
    result = InstalmentsResult()
    for key, payment in pending.items():
        if key not in wanted:
            attribute_to(payment, actor)
            payment.delete()  # never approved: the history keeps it
            result.removed += 1
    for key, instalment in wanted.items():
        payment = pending.get(key)
        if payment is None:
            payment = Payment(
                award=award,
                stream_id=instalment.stream_id,
                fy=instalment.fy,
                plan=plan,
                plan_period=key[2],
                recorded_by=None,
            )
            result.created += 1
        elif (payment.amount, payment.due_date, payment.awaits_return_id, payment.plan_id) == (
            instalment.amount,
            instalment.due_date,
            instalment.awaits_return_id,
            plan.pk,
        ):
            continue
        else:
            result.updated += 1
        payment.amount = instalment.amount
        payment.due_date = instalment.due_date
        payment.awaits_return_id = instalment.awaits_return_id
        payment.plan = plan
        attribute_to(payment, actor)
        payment.save()
    return result


def instalments_reconcile_all() -> InstalmentsResult:
    """Every planned award (the daily safety net)."""
    total = InstalmentsResult()
    awards = Award.objects.filter(
        Q(payment_plan__isnull=False) | Q(pk__in=Payment.objects.filter(pending_instalments_q()).values("award_id"))
    ).filter(closure__isnull=True)
    for award in awards:
        result = award_instalments_reconcile(award=award)
        total.created += result.created
        total.updated += result.updated
        total.removed += result.removed
    return total


# The plan itself ----------------------------------------------------------------------------------


@transaction.atomic
def payment_plan_set(
    *, actor, award: Award, frequency: str, timing: str, expected_version: int | None = None
) -> PaymentPlan:
    """Give the award a payment plan (or change it) and schedule its instalments. For
    commissioning officers (``grants.edit``); the instalments still need finance's approval.
    ``expected_version`` is the plan's version the editor loaded, ``NO_RECORD_VERSION`` if the
    award had no plan then (None skips the check): if someone set, changed or removed the plan
    since, nothing changes."""
    require_capability(actor, "grants.edit")
    errors: dict[str, list[str]] = {}
    if frequency not in PlanFrequency.values:
        errors.setdefault("frequency", []).append("Choose how often the award is paid: quarterly or monthly.")
    if timing not in PlanTiming.values:
        errors.setdefault("timing", []).append("Choose when each instalment falls due.")
    if timing == PlanTiming.ON_RETURN and frequency != PlanFrequency.QUARTERLY:
        errors.setdefault("timing", []).append(
            "Instalments paid on acceptance of the quarter's return must be quarterly."
        )
    if errors:
        raise ValidationError(errors)
    check_award_open(award, errors)  # after the choices: they are checked before any award is read
    if errors:
        raise ValidationError(errors)
    # The award's row lock makes two officers setting up a first plan at once take turns.
    Award.objects.select_for_update().filter(pk=award.pk).first()
    plan = PaymentPlan.objects.filter(award=award).first()
    if plan is None:
        if expected_version not in (None, NO_RECORD_VERSION):  # removed since the page was drawn
            raise ValidationError(STALE_MESSAGE, code="stale")
        plan = PaymentPlan(award=award)
    else:
        plan = lock_for_update(plan, expected_version=expected_version)
        if (plan.frequency, plan.timing) == (frequency, timing):
            plan.version -= 1  # nothing changed: lock_for_update's bump is not saved
            award_instalments_reconcile(award=award, actor=actor)
            return plan
    plan.frequency, plan.timing = frequency, timing
    attribute_to(plan, actor)
    plan.save()
    # A new frequency or timing reschedules every pending instalment from scratch.
    for payment in Payment.objects.filter(pending_instalments_q(), award=award):
        attribute_to(payment, actor)
        payment.delete()
    award_instalments_reconcile(award=award, actor=actor)
    return plan


@transaction.atomic
def payment_plan_remove(*, actor, award: Award) -> None:
    """Take the plan off the award: its pending instalments go; approved, paid and cancelled
    ones stay as they are."""
    require_capability(actor, "grants.edit")
    errors: dict[str, list[str]] = {}
    check_award_open(award, errors)
    if errors:
        raise ValidationError(errors)
    plan = PaymentPlan.objects.filter(award=award).first()
    if plan is None:
        return
    for payment in Payment.objects.filter(pending_instalments_q(), award=award):
        attribute_to(payment, actor)
        payment.delete()
    attribute_to(plan, actor)
    plan.delete()


def pending_total(*, award: Award, stream_id: int | None = None, fy: int | None = None) -> Decimal:
    """What pending instalments of the award add up to (optionally of one stream and year)."""
    queryset = Payment.objects.filter(pending_instalments_q(), award=award)
    if stream_id is not None:
        queryset = queryset.filter(stream_id=stream_id)
    if fy is not None:
        queryset = queryset.filter(fy=fy)
    return queryset.aggregate(total=Sum("amount"))["total"] or ZERO
