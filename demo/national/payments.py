"""The national dataset's payments: instalments of the committed awards' lines, and a few refunds."""

from __future__ import annotations

import datetime
import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKind,
    AwardStatus,
    FundingLine,
    Payment,
)
from pcc_commissioning import clock
from pcc_commissioning.periods import FinancialYear, apportion_by_weights

from .common import AS_OF, _bulk, _Context

REFUND_REASONS = (
    "Underspend returned at the year-end reconciliation",
    "Post vacant for part of the year; unspent grant returned",
    "Credit note: duplicate invoice",
    "Service started late; overpayment recovered",
)


INSTALMENT_WEIGHTS = {  # weights of 1, 2 and 4 instalments a year
    AwardKind.CONTRACT: (60, 30, 10),
    AwardKind.SLA: (55, 30, 15),
    AwardKind.GRANT: (88, 10, 2),
    AwardKind.CONTRIBUTION: (90, 8, 2),
}


def _instalments(rng: random.Random, award: Award, line: FundingLine, serials: Iterator[int]) -> list[Payment]:
    """The line's instalments over the part of its year the award runs in."""
    code = award.reference.split("-")[1]
    year = FinancialYear(line.fy)
    first, last = max(award.start_date, year.start), min(award.end_date, year.end)
    count = rng.choices((1, 2, 4), weights=INSTALMENT_WEIGHTS[award.kind])[0]
    days = (last - first).days + 1
    payments = []
    for number, amount in enumerate(apportion_by_weights(line.amount, [1] * count), start=1):
        if amount == 0:
            continue
        due = first + datetime.timedelta(days=days * (number - 1) // count + rng.randint(0, 10))
        due = min(due, last)
        paid = min(due + datetime.timedelta(days=rng.randint(0, 20)), AS_OF) if due <= AS_OF else None
        payments.append(
            Payment(
                award=award,
                stream=line.stream,
                fy=line.fy,
                due_date=due,
                paid_date=paid,
                amount=amount,
                invoice_reference=f"INV-{award.reference[4:]}-{number}" if award.kind == AwardKind.CONTRACT else "",
                po_number=f"PO-{code}-{next(serials):07d}",
                approved_at=_approved(due),
            )
        )
    return payments


def _refund(rng: random.Random, award: Award, line: FundingLine) -> Payment | None:
    """Now and then, a refund of part of an ended award's line, after its year (by ``AS_OF``)."""
    if not (award.status == AwardStatus.ENDED and rng.random() < 0.02):
        return None
    refund = min(line.amount, Decimal(rng.randint(1, 50) * 100))
    day = FinancialYear(line.fy).end + datetime.timedelta(days=rng.randint(20, 90))
    if not (refund > 0 and day <= AS_OF):
        return None
    return Payment(
        award=award,
        stream=line.stream,
        fy=line.fy,
        due_date=day,
        paid_date=day,
        amount=-refund,
        reason=rng.choice(REFUND_REASONS),
        approved_at=_approved(day),
    )


def seed_payments(ctx: _Context) -> None:
    """Instalments of every line of awarded, active and ended awards: contracts mostly
    quarterly, grants mostly once or twice a year, spread over the part of the year the award
    runs. Paid a few days after they fall due when that is on or before ``AS_OF``, else
    scheduled. Some years of ended awards end with a refund (a negative payment with a reason,
    after the year, counted against it). Per award and year, payments never exceed the lines."""
    rng = ctx.rng
    payments: list[Payment] = []
    serials = itertools.count(1)  # numbers the purchase orders
    lines_by_award: dict[int, list[FundingLine]] = defaultdict(list)
    for line in ctx.lines:
        lines_by_award[line.award_id].append(line)
    for award in ctx.awards:
        if award.status not in COMMITTED_STATUSES:
            continue
        for line in lines_by_award[award.pk]:
            payments.extend(_instalments(rng, award, line, serials))
            refund = _refund(rng, award, line)
            if refund is not None:
                payments.append(refund)
    _bulk(Payment, payments)
    ctx.counts["payments"] = len(payments)


def _approved(due: datetime.date) -> datetime.datetime:
    """Finance approved each payment on the morning it fell due (a paid payment was approved)."""
    return clock.start_of(due)
