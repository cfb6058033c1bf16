"""Every write to spend returns, recoveries and carry-forwards.

An officer (``recoveries.edit``) records a provider's budget return, raises a recovery, writes
one off under a signed PCC decision and records money a stream carries into the next year.
Finance (``payments.edit``) records money coming back: each receipt is a negative payment
(``grants.payments.services.payment_record``) against the stream and year the recovery was
paid from, so the funding page, the Panel report and the MoJ return all see it.

A closed award is read-only, except that a receipt may still be recorded and a recovery still
written off: closing needs every recovery settled, yet a cheque can arrive after close, and
refusing it would leave money received and never recorded.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from grants.awards.services import lock_award
from grants.models import (
    Award,
    CarryForward,
    Decision,
    FundingLine,
    FundingStream,
    Recovery,
    RecoveryReason,
    SpendLine,
    SpendReturn,
    SpendReturnKind,
)
from grants.payments.services import payment_record
from grants.recoveries import selectors
from grants.recoveries.transitions import RECOVERY_MACHINE, receipt_move
from grants.validation import check_award_open, date_value, financial_year_value, money_value
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import fy_label
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.transitions import Move, run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors


# Spend returns ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpendLineInput:
    """One cost line of a budget return as given to the services."""

    cost_line: str
    planned: Any
    actual: Any
    variance_reason: str = ""


def _line_inputs(lines: Iterable[SpendLineInput | Mapping[str, Any]]) -> list[SpendLineInput]:
    return [line if isinstance(line, SpendLineInput) else SpendLineInput(**line) for line in lines]


def _clean_lines(lines: Iterable[SpendLineInput | Mapping[str, Any]], errors: Errors) -> list[SpendLine]:
    """The cost lines as unsaved ``SpendLine`` s; every problem is added under ``lines`` as
    "Line N (cost line): …", so a form can put it on its row."""
    cleaned: list[SpendLine] = []
    seen: set[str] = set()
    inputs = _line_inputs(lines)
    if not inputs:
        add_error(errors, "lines", "Enter at least one cost line, with what was planned and what was spent.")
    for number, line in enumerate(inputs, start=1):
        name = clean_text(line.cost_line)
        where = f"Line {number} ({name})" if name else f"Line {number}"
        line_errors: Errors = {}
        planned = money_value(line.planned, "planned", line_errors, what="planned amount")
        actual = money_value(line.actual, "actual", line_errors, what="actual spend")
        reason = clean_text(line.variance_reason)
        if not name:
            add_error(errors, "lines", f"{where}: enter the cost line, for example Staff.")
        elif len(name) > 200:
            add_error(errors, "lines", f"{where}: the cost line must be 200 characters or fewer.")
        elif name.lower() in seen:
            add_error(errors, "lines", f"{where}: this cost line is already in the return.")
        seen.add(name.lower())
        for message in (m for messages in line_errors.values() for m in messages):
            add_error(errors, "lines", f"{where}: {message[0].lower()}{message[1:]}")
        for amount, what in ((planned, "planned amount"), (actual, "actual spend")):
            if amount is not None and amount < 0:
                add_error(errors, "lines", f"{where}: the {what} cannot be negative.")
        if planned is not None and actual is not None and not reason and selectors.needs_reason(planned, actual):
            add_error(
                errors,
                "lines",
                f"{where}: give the reason for the variance: {format_pence(actual)} spent against "
                f"{format_pence(planned)} planned (a reason is needed beyond 10% or £500).",
            )
        cleaned.append(SpendLine(cost_line=name, planned=planned, actual=actual, variance_reason=reason))
    return cleaned


def _check_received_on(received_on: Any, errors: Errors) -> datetime.date | None:
    day = date_value(received_on, "received_on", errors, what="date the return was received")
    if day and day > clock.today():
        add_error(errors, "received_on", "The date the return was received cannot be in the future.")
    return day


@transaction.atomic
def spend_return_record(
    *,
    actor,
    award: Award,
    fy: Any,
    kind: str,
    received_on: datetime.date,
    lines: Iterable[SpendLineInput | Mapping[str, Any]],
    notes: str = "",
) -> SpendReturn:
    """Record a provider's mid-year or final budget return for ``award`` and year ``fy``: planned
    against actual by cost line, with the reason for each variance beyond 10% or £500. One
    return of each kind per year; the award must have funding in that year and be open."""
    require_capability(actor, "recoveries.edit")
    locked = lock_award(award)
    errors: Errors = {}
    check_award_open(locked, errors, doing="given a spend return")
    year = financial_year_value(fy, "fy", errors)
    if kind not in SpendReturnKind.values:
        add_error(errors, "kind", "Choose whether it is the mid-year or the final budget return.")
    if year is not None and not FundingLine.objects.filter(award=locked, fy=year).exists():
        add_error(errors, "fy", f"Award {locked.reference} has no funding in {fy_label(year)}.")
    elif year is not None and SpendReturn.objects.filter(award=locked, fy=year, kind=kind).exists():
        what = SpendReturnKind(kind).label.lower()
        add_error(errors, "kind", f"There is already a {what} for {fy_label(year)}: change that one instead.")
    day = _check_received_on(received_on, errors)
    new_lines = _clean_lines(lines, errors)
    raise_if_errors(errors)
    spend_return = SpendReturn(
        award=locked,
        fy=year,
        kind=kind,
        received_on=day,
        notes=clean_text(notes),
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    attribute_to(spend_return, actor)
    spend_return.save()
    for line in new_lines:
        line.spend_return = spend_return
    SpendLine.objects.bulk_create(new_lines)
    return spend_return


@transaction.atomic
def spend_return_update(
    *,
    actor,
    spend_return: SpendReturn,
    expected_version: int | None,
    received_on: datetime.date,
    lines: Iterable[SpendLineInput | Mapping[str, Any]],
    notes: str = "",
) -> SpendReturn:
    """Correct a budget return: its date received, notes and cost lines (which replace the old
    ones). Its year and kind stay. Refused on a closed award or a stale form."""
    require_capability(actor, "recoveries.edit")
    lock_award(spend_return.award)
    locked = lock_for_update(spend_return, expected_version=expected_version)
    errors: Errors = {}
    check_award_open(locked.award, errors, doing="changed")
    day = _check_received_on(received_on, errors)
    new_lines = _clean_lines(lines, errors)
    raise_if_errors(errors)
    if not _return_changes(locked, received_on=day, notes=clean_text(notes), lines=new_lines):
        locked.version -= 1  # saving the form unchanged leaves another person's form current
        return locked
    locked.received_on = day
    locked.notes = clean_text(notes)
    attribute_to(locked, actor)
    locked.save()
    locked.lines.all().delete()
    for line in new_lines:
        line.spend_return = locked
    SpendLine.objects.bulk_create(new_lines)
    return locked


def _return_changes(spend_return: SpendReturn, *, received_on, notes: str, lines: list[SpendLine]) -> bool:
    def rows(items) -> list[tuple]:
        return [(line.cost_line, line.planned, line.actual, line.variance_reason) for line in items]

    stored = (spend_return.received_on, spend_return.notes, rows(spend_return.lines.all()))
    return stored != (received_on, notes, rows(lines))


# Recoveries ----------------------------------------------------------------------------------------------
def _next_reference(fy: int) -> str:
    prefix = f"REC-{fy}-"
    taken = Recovery.objects.filter(reference__startswith=prefix).values_list("reference", flat=True)
    numbers = [int(reference[len(prefix) :]) for reference in taken if reference[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _check_recovery_source(
    award: Award, *, stream: Any, fy: int | None, spend_return: SpendReturn | None, errors: Errors
) -> None:
    if not isinstance(stream, FundingStream):
        add_error(errors, "stream", "Choose the funding stream the money was paid from.")
    elif fy is not None and not FundingLine.objects.filter(award=award, stream=stream, fy=fy).exists():
        add_error(errors, "stream", f"Award {award.reference} has no funding from {stream.name} in {fy_label(fy)}.")
    if spend_return is not None and spend_return.award_id != award.pk:
        add_error(errors, "spend_return", "This spend return is of another award.")
    elif spend_return is not None and fy is not None and spend_return.fy != fy:
        add_error(
            errors, "fy", f"The spend return is for {fy_label(spend_return.fy)}: raise the recovery for that year."
        )


def _check_recovery_amount(award: Award, *, amount: Any, stream: Any, fy: int | None, errors: Errors):
    value = money_value(amount, "amount", errors, what="amount to recover")
    if value is not None and value <= 0:
        add_error(errors, "amount", "The amount to recover must be more than zero.")
    elif value is not None and fy is not None and isinstance(stream, FundingStream) and "stream" not in errors:
        room = selectors.recoverable(award=award, stream=stream, fy=fy)
        if value > room:
            add_error(
                errors,
                "amount",
                f"{format_pence(value)} is more than can be recovered from {stream.name} for {fy_label(fy)}: "
                f"{format_pence(max(room, Decimal(0)))} (what was paid, less refunds and recoveries already raised).",
            )
    return value


@transaction.atomic
def recovery_raise(
    *,
    actor,
    award: Award,
    reason: str,
    amount: Any,
    stream: FundingStream,
    fy: Any,
    due_date: datetime.date,
    note: str = "",
    spend_return: SpendReturn | None = None,
) -> Recovery:
    """Raise a recovery of ``amount`` from ``award`` (reference ``REC-<fy>-<nnnn>``): money paid
    from ``stream`` in ``fy`` to come back by ``due_date``. The amount is more than zero and no
    more than was paid from that stream that year, less refunds and what other recoveries
    already claim. ``spend_return``: the budget return that showed the underspend."""
    require_capability(actor, "recoveries.edit")
    locked = lock_award(award)
    errors: Errors = {}
    check_award_open(locked, errors, doing="given a recovery")
    if reason not in RecoveryReason.values:
        add_error(errors, "reason", "Choose why the money is to come back: underspend, ineligible spend or breach.")
    year = financial_year_value(fy, "fy", errors)
    _check_recovery_source(locked, stream=stream, fy=year, spend_return=spend_return, errors=errors)
    value = _check_recovery_amount(locked, amount=amount, stream=stream, fy=year, errors=errors)
    due = date_value(due_date, "due_date", errors, what="due date")
    if due and due < clock.today():
        add_error(errors, "due_date", "The due date cannot be in the past.")
    note = clean_text(note)
    raise_if_errors(errors)
    recovery = Recovery(
        award=locked,
        reference=_next_reference(year),
        reason=reason,
        amount=value,
        stream=stream,
        fy=year,
        due_date=due,
        spend_return=spend_return,
        note=note,
        raised_at=clock.now(),
        raised_by=actor,
    )
    attribute_to(recovery, actor)
    recovery.save()
    return recovery


@transaction.atomic
def recovery_receipt_record(
    *,
    actor,
    recovery: Recovery,
    amount: Any,
    received_on: datetime.date,
    reference: str = "",
    expected_version: int | None = None,
) -> Recovery:
    """Finance records money received on ``recovery``: a negative payment against its stream
    and year, paid (received) on ``received_on`` and approved as it is recorded. The recovery
    becomes part recovered, or recovered once its receipts reach the amount; a receipt above
    what is left is refused. Allowed on a closed award (money may arrive after close)."""
    require_capability(actor, "payments.edit")
    errors: Errors = {}
    value = money_value(amount, "amount", errors, what="amount received")
    day = date_value(received_on, "received_on", errors, what="date it was received")
    if day and day > clock.today():
        add_error(errors, "received_on", "The date it was received cannot be in the future.")
    reference = clean_text(reference)
    if len(reference) > 100:
        add_error(errors, "reference", "The reference must be 100 characters or fewer.")
    lock_award(recovery.award)
    left = selectors.recovery_left(selectors.recovery_queryset().get(pk=recovery.pk))
    context = {"amount": value, "left": left, "received_on": day, "reference": reference, "errors": errors}
    move = receipt_move(amount=value or Decimal(0), left=left)
    return run(
        RECOVERY_MACHINE,
        recovery,
        move,
        actor=actor,
        context=context,
        lock=lambda obj: lock_for_update(obj, expected_version=expected_version),
        apply=_record_receipt,
    )


def _record_receipt(move: Move) -> None:
    """Before the new status is saved: the receipt, as a negative payment."""
    recovery = move.obj
    reason = RecoveryReason(recovery.reason).label.lower()
    move.context["payment"] = payment_record(
        actor=move.actor,
        award=recovery.award,
        stream=recovery.stream,
        fy=recovery.fy,
        amount=-move.context["amount"],
        due_date=move.context["received_on"],
        paid_date=move.context["received_on"],
        invoice_reference=move.context["reference"],
        reason=f"Recovery {recovery.reference}: {reason}",
        recovery=recovery,
    )


@transaction.atomic
def recovery_write_off(
    *, actor, recovery: Recovery, decision: Decision | None, note: str = "", expected_version: int | None = None
) -> Recovery:
    """An officer writes off what is left of ``recovery`` under a signed PCC decision. What came
    back before stays as received. Allowed on a closed award."""
    require_capability(actor, "recoveries.edit")
    note = clean_text(note)

    def apply(move: Move) -> None:
        locked = move.obj
        locked.write_off_decision = decision
        locked.written_off_at = clock.now()
        locked.written_off_by = actor
        if note:
            stamp = f"Written off under {decision.reference}: {note}"
            locked.note = f"{locked.note}\n\n{stamp}" if locked.note else stamp

    return run(
        RECOVERY_MACHINE,
        recovery,
        "write_off",
        actor=actor,
        context={"decision": decision, "note": note},
        lock=lambda obj: lock_for_update(obj, expected_version=expected_version),
        apply=apply,
    )


# Carry-forward ------------------------------------------------------------------------------------------
@transaction.atomic
def carry_forward_record(
    *,
    actor,
    stream: FundingStream,
    from_fy: Any,
    amount: Any,
    decision: Decision | None,
    award: Award | None = None,
    note: str = "",
) -> CarryForward:
    """Record money of ``stream`` carried from ``from_fy`` into the next year's allocation, under
    a signed PCC decision; ``award``: the award whose underspend it is (it must be open and
    funded from that stream in that year)."""
    require_capability(actor, "recoveries.edit")
    errors: Errors = {}
    if not isinstance(stream, FundingStream):
        add_error(errors, "stream", "Choose the funding stream the money is carried forward in.")
    year = financial_year_value(from_fy, "from_fy", errors)
    value = money_value(amount, "amount", errors, what="amount carried forward")
    if value is not None and value <= 0:
        add_error(errors, "amount", "The amount carried forward must be more than zero.")
    if decision is None:
        add_error(errors, "decision", "Choose the signed PCC decision that allows the carry-forward.")
    elif not decision.is_signed:
        add_error(
            errors, "decision", f"Decision {decision.reference} is not signed: a carry-forward needs a signed decision."
        )
    if award is not None:
        check_award_open(award, errors, field="award", doing="given a carry-forward")
        funded = FundingLine.objects.filter(award=award, stream=stream, fy=year).exists() if year else True
        if isinstance(stream, FundingStream) and not funded:
            add_error(
                errors, "award", f"Award {award.reference} has no funding from {stream.name} in {fy_label(year)}."
            )
    note = clean_text(note)
    raise_if_errors(errors)
    carry = CarryForward(
        stream=stream,
        from_fy=year,
        amount=value,
        decision=decision,
        award=award,
        note=note,
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    attribute_to(carry, actor)
    carry.save()
    return carry
