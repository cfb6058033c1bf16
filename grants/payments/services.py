"""Every write to a payment: record, update, mark paid, approve, cancel and delete.

Payments are recorded by finance officers (capability ``payments.edit``): every write checks it
itself, whichever page, import or command calls it (``actor`` None: the system). A payment may
not take an award's funding line beyond its amount, nor a refund take it below zero, unless
finance overrides with a reason."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from grants.agreements.acceptance import payment_block_reason
from grants.awards.documents import due_diligence_check
from grants.awards.services import lock_award
from grants.models import (
    COMMITTED_STATUSES,
    Award,
    FundingLine,
    FundingStream,
    Payment,
    ReturnStatus,
)
from grants.schedules.instalments import award_instalments_reconcile, pending_instalments_q
from grants.validation import check_award_open, check_lengths, date_value, financial_year_value, money_value
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import (
    FinancialYear,
    fy_label,
)
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import has_capability, require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields

# Payments -----------------------------------------------------------------------------------------
PAYMENT_FIELDS = (
    "stream",
    "fy",
    "due_date",
    "paid_date",
    "amount",
    "invoice_reference",
    "po_number",
    "reason",
    "override_reason",
)


# Once a payment is paid, these are fixed: correct it with a refund or credit note instead.
_PAID_FIXED = ("stream", "fy", "due_date", "amount")


def clean_payment(
    *,
    award: Award,
    values: dict[str, Any],
    exclude_pk: int | None,
    actor,
    errors: Errors,
    imported: bool = False,
    funding: AwardFunding | None = None,
) -> dict[str, Any]:
    """Check a payment's values against the rules and its award; returns them cleaned, with
    ``override_by`` set when the year's commitment is exceeded and an override reason is given.
    ``funding`` answers the questions about the award's lines and payments (by default from the
    database; an import answers from what it loaded once for the whole file)."""
    funding = funding or _StoredFunding()
    for name in ("invoice_reference", "po_number", "reason", "override_reason"):
        values[name] = clean_text(values[name])
    today = clock.today()
    if award.status not in COMMITTED_STATUSES:
        add_error(
            errors,
            "award",
            f"Award {award.reference} is {award.get_status_display().lower()}: only awarded, "
            "active or ended awards can be paid.",
        )
    amount = money_value(values["amount"], "amount", errors)
    if amount is not None and amount == 0:
        add_error(errors, "amount", "The amount cannot be zero.")
    if amount is not None and amount < 0 and not values["reason"]:
        add_error(errors, "reason", "Give the reason for the refund or credit note (a negative amount).")
    values["amount"] = amount
    due = date_value(values["due_date"], "due_date", errors, what="due date")
    paid = date_value(values["paid_date"], "paid_date", errors, what="paid date", required=False)
    if paid and paid > today:
        add_error(errors, "paid_date", "The paid date cannot be in the future: leave it blank until it is paid.")
    if values["fy"] in (None, ""):
        values["fy"] = FinancialYear.of(due).start_year if due else None
    else:
        values["fy"] = financial_year_value(values["fy"], "fy", errors)
    _check_stream_funds_year(award, stream=values["stream"], fy=values["fy"], funding=funding, errors=errors)
    values["override_by"] = None
    if amount is not None and values["fy"] is not None and not errors:
        _check_within_funding(
            award, values=values, exclude_pk=exclude_pk, funding=funding, actor=actor, imported=imported, errors=errors
        )
    return values


def _check_stream_funds_year(
    award: Award, *, stream: Any, fy: int | None, funding: AwardFunding, errors: Errors
) -> None:
    """The payment is made from a stream the award has a funding line from in the payment's year."""
    if not isinstance(stream, FundingStream):
        add_error(errors, "stream", "Choose the funding stream the payment is made from.")
        return
    if fy is None:
        return
    stream_years = funding.stream_years(award=award, stream=stream)
    if not stream_years:
        add_error(errors, "stream", f"Award {award.reference} has no funding from {stream.name}.")
    elif fy not in stream_years:
        years = ", ".join(fy_label(year) for year in sorted(stream_years))
        add_error(
            errors,
            "fy",
            f"Award {award.reference} has no funding from {stream.name} in {fy_label(fy)} (it has in {years}).",
        )


def _check_within_funding(
    award: Award,
    *,
    values: dict[str, Any],
    exclude_pk: int | None,
    funding: AwardFunding,
    actor,
    imported: bool,
    errors: Errors,
) -> None:
    """A payment may not take the award's line beyond its amount, nor a refund take it below
    zero, unless overridden."""
    amount, stream, fy = values["amount"], values["stream"], values["fy"]
    sums = funding.sums(award=award, stream=stream, fy=fy, exclude_pk=exclude_pk)
    if amount > 0:
        problem = _beyond_message(award=award, stream=stream, fy=fy, amount=amount, sums=sums)
    else:
        problem = _below_zero(award=award, stream=stream, fy=fy, amount=amount, sums=sums)
    if problem:
        _allow_override(problem, values=values, actor=actor, imported=imported, errors=errors)


def _allow_override(problem: str, *, values: dict[str, Any], actor, imported: bool, errors: Errors) -> None:
    """A payment that breaks a funding rule goes ahead only with a finance officer's override:
    a reason, recorded against the named officer (``override_by``) on the payment form. A
    file cannot carry one, since each override is a judgement about one payment."""
    if imported:
        add_error(
            errors,
            "amount",
            f"{problem} Change the amount (a finance override can be recorded on the payment form only).",
        )
    elif not values["override_reason"]:
        add_error(errors, "amount", f"{problem} Change the amount, or record a finance override with a reason.")
    elif actor is None or not has_capability(actor, "payments.override"):
        add_error(errors, "override_reason", "An override must be recorded by a named finance officer.")
    else:
        values["override_by"] = actor


def _counted_payments(*, award: Award, fy: int, exclude_pk: int | None):
    """The award's payments of a year that use up its funding: every payment that counts except
    instalments a payment plan may still reschedule (they shrink to what is left)."""
    return Payment.objects.filter(award=award, fy=fy).exclude(pending_instalments_q()).exclude(pk=exclude_pk)


@dataclass(frozen=True)
class FundingSums:
    """What a payment of an award from a stream in a year is checked against: the line from
    that stream and the payments already counted from it, and the same for the whole year."""

    line: Decimal  # the award's funding line(s) from the stream for the year
    from_stream: Decimal  # counted payments from the stream for the year
    committed: Decimal  # all the award's funding lines for the year
    in_year: Decimal  # all the award's counted payments for the year
    paid: Decimal = Decimal(0)  # counted payments from the stream for the year with a paid date (positive ones)
    refunded: Decimal = Decimal(0)  # counted refunds and credit notes from the stream for the year, as a positive sum


class AwardFunding:
    """Answers ``_clean_payment``'s questions about an award's funding lines and payments."""

    def stream_years(self, *, award: Award, stream: FundingStream) -> set[int]:
        raise NotImplementedError

    def sums(self, *, award: Award, stream: FundingStream, fy: int, exclude_pk: int | None) -> FundingSums:
        raise NotImplementedError


class _StoredFunding(AwardFunding):
    """From the database, a few queries per payment (the forms' one payment at a time)."""

    def stream_years(self, *, award: Award, stream: FundingStream) -> set[int]:
        return set(FundingLine.objects.filter(award=award, stream=stream).values_list("fy", flat=True))

    def sums(self, *, award: Award, stream: FundingStream, fy: int, exclude_pk: int | None) -> FundingSums:
        others = _counted_payments(award=award, fy=fy, exclude_pk=exclude_pk)
        lines = FundingLine.objects.filter(award=award, fy=fy)
        from_stream = others.filter(stream=stream)
        return FundingSums(
            line=lines.filter(stream=stream).aggregate(t=Sum("amount"))["t"] or Decimal(0),
            from_stream=from_stream.aggregate(t=Sum("amount"))["t"] or Decimal(0),
            committed=lines.aggregate(t=Sum("amount"))["t"] or Decimal(0),
            in_year=others.aggregate(t=Sum("amount"))["t"] or Decimal(0),
            paid=from_stream.filter(amount__gt=0, paid_date__isnull=False).aggregate(t=Sum("amount"))["t"]
            or Decimal(0),
            refunded=-(from_stream.filter(amount__lt=0).aggregate(t=Sum("amount"))["t"] or Decimal(0)),
        )


def _beyond_message(*, award: Award, stream: FundingStream, fy: int, amount: Decimal, sums: FundingSums) -> str:
    """Why a payment of ``amount`` would go beyond the award's funding ("" if it would not):
    the award's payments of the year beyond its funding lines of the year, or its payments from
    the stream beyond its line from that stream (so money of one stream is never charged to
    another, say precept-funded work to the MoJ grant)."""
    label = fy_label(fy)
    line = sums.line
    from_stream = sums.from_stream + amount
    if from_stream > line:
        return (
            f"This would take the payments of award {award.reference} from {stream.name} for {label} to "
            f"{format_pence(from_stream)}, {format_pence(from_stream - line)} more than its "
            f"{format_pence(line)} funding line from that stream."
        )
    committed = sums.committed
    total = sums.in_year + amount
    if total > committed:
        return (
            f"This would take the payments of award {award.reference} for {label} to {format_pence(total)}, "
            f"{format_pence(total - committed)} more than the {format_pence(committed)} committed for that year."
        )
    return ""


def _below_zero(*, award: Award, stream: FundingStream, fy: int, amount: Decimal, sums: FundingSums) -> str:
    """Why a refund or credit note of ``amount`` (negative) would give back more than was paid
    ("" if it would not): the award's paid payments from the stream for the year, less every
    refund and credit note recorded against them (this one included, and those not yet paid),
    may not fall below zero. Money never paid cannot be refunded."""
    paid = sums.paid
    refunded = sums.refunded - amount
    if refunded <= paid:
        return ""
    return (
        f"This would take the refunds and credit notes of award {award.reference} from {stream.name} for "
        f"{fy_label(fy)} to {format_pence(refunded)}, {format_pence(refunded - paid)} more than the "
        f"{format_pence(paid)} paid."
    )


@transaction.atomic
def payment_record(
    *,
    actor,
    award: Award,
    stream: FundingStream,
    amount: Decimal,
    due_date: datetime.date,
    paid_date: datetime.date | None = None,
    fy: int | None = None,
    invoice_reference: str = "",
    po_number: str = "",
    reason: str = "",
    override_reason: str = "",
    due_diligence_reason: str = "",
    imported: bool = False,
    recovery=None,
) -> Payment:
    """Record a scheduled (no ``paid_date``) or actual payment of an award from a stream (or, with
    ``recovery``, money that came back for that recovery: negative, allowed on a closed award).

    For finance officers (``payments.edit``, checked here). ``fy`` (the year of the funding line it pays)
    defaults to the financial year of ``due_date``. The award must be awarded, active or ended and have a
    funding line for that stream and year. A negative amount is a refund or credit note and needs a ``reason``.
    If the award's payments for that year (scheduled and paid, this one included) would exceed what is committed
    for the year, the payment is refused unless ``override_reason`` is given; the override is then recorded with
    ``override_by`` = ``actor`` (so it needs a named actor). The same holds per stream: the payments from a
    stream may not go beyond the award's line from that stream for the year. An override reason given when none
    is needed is not stored. Recorded by a person, it is approved as recorded, after the provider's due diligence
    is checked. Pending instalments of that stream and year shrink to what is left. ``imported``: a row of a
    payments file, which records what already happened (no due-diligence check) and has no override column."""
    require_capability(actor, "payments.edit")
    locked_award = lock_award(award)
    values = {
        "stream": stream,
        "fy": fy,
        "due_date": due_date,
        "paid_date": paid_date,
        "amount": amount,
        "invoice_reference": invoice_reference,
        "po_number": po_number,
        "reason": reason,
        "override_reason": override_reason,
    }
    values, note = _checked_new_payment(
        locked_award,
        values,
        actor=actor,
        due_diligence_reason=due_diligence_reason,
        imported=imported,
        receipt=recovery,
    )
    return _save_new_payment(locked_award, values, note=note, actor=actor, recovery=recovery)


def _save_new_payment(award: Award, values: dict[str, Any], *, note: str, actor, recovery) -> Payment:
    # Recorded by finance (or brought in by an import): approved as it is recorded.
    payment = Payment(
        award=award,
        recovery=recovery,
        recorded_by=actor,
        approved_by=actor,
        approved_at=clock.now(),
        due_diligence_note=note,
        **values,
    )
    attribute_to(payment, actor)
    payment.save()
    award_instalments_reconcile(award=award, actor=actor)
    return payment


def _checked_new_payment(
    award: Award, values: dict[str, Any], *, actor, due_diligence_reason: str, imported: bool, receipt=None
) -> tuple[dict[str, Any], str]:
    """The new payment's cleaned values and its due-diligence note; raises ValidationError with
    every problem. An override reason given when none is needed is dropped. ``receipt``: the
    recovery the (negative) payment brings money back for."""
    if receipt is None:
        _refuse_closed(award)
    errors: Errors = {}
    values = clean_payment(award=award, values=values, exclude_pk=None, actor=actor, errors=errors, imported=imported)
    if values["paid_date"]:
        _check_agreement_accepted(award, amount=values["amount"], actor=actor, imported=imported, errors=errors)
    check_lengths(Payment, {k: values[k] for k in ("invoice_reference", "po_number", "reason")}, errors)
    note = ""
    if not errors and values["amount"] > 0 and not imported:
        note = due_diligence_check(
            organisation=award.provider,
            actor=actor,
            reason=due_diligence_reason,
            field="due_diligence_reason",
            doing="this payment",
            errors=errors,
        )
    raise_if_errors(errors)
    if values["override_by"] is None:
        values["override_reason"] = ""
    return values, note


def _refuse_closed(award: Award, payment: Payment | None = None) -> None:
    """A closed award is read-only, except money coming back for one of its recoveries."""
    if payment is not None and payment.recovery_id is not None:
        return
    errors: Errors = {}
    check_award_open(award, errors, field="award")
    raise_if_errors(errors)


def _check_agreement_accepted(award: Award, *, amount, actor, imported: bool, errors: Errors) -> None:
    """A payment to the provider is marked paid only once the award's agreement is accepted
    (``grants.agreements.acceptance.payment_block_reason``; a setting turns the rule off).
    Refunds and recovery receipts (negative amounts) bring money back, so they never wait.
    Imports and the system (``actor`` None) record history loaded from the finance system:
    the money has already gone, and refusing it would only leave the records wrong."""
    if actor is None or imported or amount is None or amount <= 0:
        return
    reason = payment_block_reason(award)
    if reason:
        add_error(errors, "paid_date", reason)


def _refuse_cancelled(payment: Payment, errors: Errors) -> None:
    if payment.is_cancelled:
        add_error(errors, "status", "This payment was cancelled: it counts for nothing and cannot be changed.")


@transaction.atomic
def payment_update(*, payment: Payment, actor, expected_version: int | None, **fields: Any) -> Payment:
    """Change a payment (any of ``PAYMENT_FIELDS``), re-checking every rule. Once paid, its
    stream, year, due date and amount are fixed (record a refund or credit note instead).
    For finance officers."""
    require_capability(actor, "payments.edit")
    refuse_unknown_fields(fields, PAYMENT_FIELDS, "payment")
    locked_award = lock_award(payment.award)
    locked = lock_for_update(payment, expected_version=expected_version)
    _refuse_closed(locked_award, locked)
    errors: Errors = {}
    _refuse_cancelled(locked, errors)
    raise_if_errors(errors)

    def changes(name: str) -> bool:
        return name in fields and fields[name] != (locked.stream if name == "stream" else getattr(locked, name))

    if locked.is_paid:
        for name in _PAID_FIXED:
            if changes(name):
                add_error(
                    errors,
                    name,
                    "This payment has been paid, so this cannot be changed: record a refund or credit note instead.",
                )
    elif locked.plan_period and not locked.is_approved:
        for name in _PAID_FIXED:
            if changes(name):
                add_error(
                    errors,
                    name,
                    "This instalment comes from the award's payment plan, which sets it: change the "
                    "plan or the funding lines, or cancel the instalment.",
                )
    if not locked.is_approved and fields.get("paid_date"):
        add_error(
            errors, "paid_date", "This payment has not been approved yet: approve it before recording it as paid."
        )
    raise_if_errors(errors)
    current = {name: getattr(locked, name) for name in PAYMENT_FIELDS if name != "stream"}
    current["stream"] = locked.stream
    values = clean_payment(
        award=locked_award, values={**current, **fields}, exclude_pk=locked.pk, actor=actor, errors=errors
    )
    if values["paid_date"] and not locked.is_paid:
        _check_agreement_accepted(locked_award, amount=values["amount"], actor=actor, imported=False, errors=errors)
    check_lengths(Payment, {k: values[k] for k in ("invoice_reference", "po_number", "reason")}, errors)
    raise_if_errors(errors)
    override_by = values.pop("override_by")
    if override_by is None:
        values["override_reason"] = ""
        values["override_by"] = None
    elif values["override_reason"] != locked.override_reason or locked.override_by_id is None:
        values["override_by"] = override_by
    if not model_update(instance=locked, data=values):
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    locked.save()
    award_instalments_reconcile(award=locked_award, actor=actor)
    return locked


@transaction.atomic
def payment_mark_paid(
    *, payment: Payment, actor, paid_date: datetime.date, expected_version: int | None = None, imported: bool = False
) -> Payment:
    """Record that a scheduled payment was paid on ``paid_date``. For finance officers.
    ``imported``: a row of a payments file (what already happened: no agreement check)."""
    require_capability(actor, "payments.edit")
    locked = lock_for_update(payment, expected_version=expected_version)
    _refuse_closed(locked.award, locked)
    errors: Errors = {}
    day = date_value(paid_date, "paid_date", errors, what="paid date")
    _refuse_cancelled(locked, errors)
    if locked.is_paid:
        add_error(errors, "paid_date", f"This payment was already marked paid on {locked.paid_date.isoformat()}.")
    elif day and day > clock.today():
        add_error(errors, "paid_date", "The paid date cannot be in the future.")
    elif not locked.is_approved:
        add_error(
            errors, "paid_date", "This payment has not been approved yet: approve it before recording it as paid."
        )
    if locked.award.status not in COMMITTED_STATUSES:
        add_error(
            errors,
            "award",
            f"Award {locked.award.reference} is {locked.award.get_status_display().lower()}: "
            "only awarded, active or ended awards can be paid.",
        )
    if not locked.is_paid:
        _check_agreement_accepted(locked.award, amount=locked.amount, actor=actor, imported=imported, errors=errors)
    raise_if_errors(errors)
    locked.paid_date = day
    attribute_to(locked, actor)
    locked.save(update_fields=["paid_date", "version"])
    return locked


@transaction.atomic
def payment_delete(*, payment: Payment, actor, expected_version: int | None = None) -> None:
    """Delete a scheduled payment. A paid one is a record: correct it with a refund instead."""
    require_capability(actor, "payments.edit")
    locked = lock_for_update(payment, expected_version=expected_version)
    _refuse_closed(locked.award, locked)
    if locked.is_paid:
        raise ValidationError(
            {
                "paid_date": [
                    "This payment has been paid, so it cannot be deleted: record a refund or credit note instead."
                ]
            }
        )
    attribute_to(locked, actor)
    award = locked.award
    locked.delete()
    award_instalments_reconcile(award=award, actor=actor)


def _payment_label(payment: Payment) -> str:
    return f"the payment of {format_pence(payment.amount)} from {payment.stream.name} due {payment.due_date:%-d %B %Y}"


@transaction.atomic
def payment_approve(
    *, payment: Payment, actor, due_diligence_reason: str = "", expected_version: int | None = None
) -> Payment:
    """Finance approves a scheduled payment (an instalment of a payment plan) for paying. An
    instalment paid on acceptance of a return waits until that return is accepted. The
    provider's due diligence is checked (``due_diligence_check``)."""
    require_capability(actor, "payments.edit")
    locked_award = lock_award(payment.award)
    locked = lock_for_update(payment, expected_version=expected_version)
    _refuse_closed(locked_award, locked)
    errors: Errors = {}
    _refuse_cancelled(locked, errors)
    if locked.is_approved:
        add_error(errors, "status", f"This payment was already approved on {locked.approved_at:%-d %B %Y}.")
    if locked_award.status not in COMMITTED_STATUSES:
        add_error(
            errors,
            "award",
            f"Award {locked_award.reference} is {locked_award.get_status_display().lower()}: only "
            "awarded, active or ended awards can be paid.",
        )
    waiting = locked.awaits_return
    if waiting is not None and waiting.status != ReturnStatus.ACCEPTED:
        add_error(
            errors,
            "status",
            f"This instalment is paid once the monitoring return for Q{waiting.quarter} "
            f"{fy_label(waiting.fy)} is accepted; it is {waiting.get_status_display().lower()}.",
        )
    raise_if_errors(errors)
    note = due_diligence_check(
        organisation=locked_award.provider,
        actor=actor,
        reason=due_diligence_reason,
        field="due_diligence_reason",
        doing=f"approving {_payment_label(locked)}",
        errors=errors,
    )
    raise_if_errors(errors)
    locked.approved_at = clock.now()
    locked.approved_by = actor
    locked.due_diligence_note = note
    attribute_to(locked, actor)
    locked.save(update_fields=["approved_at", "approved_by", "due_diligence_note", "version"])
    return locked


@transaction.atomic
def payment_cancel(*, payment: Payment, actor, reason: str, expected_version: int | None = None) -> Payment:
    """Finance cancels a payment that has not been paid (entered by mistake, or an instalment
    not to be paid). It is kept, with who cancelled it, when and why, and counts for nothing;
    a cancelled instalment is not scheduled again."""
    require_capability(actor, "payments.edit")
    locked_award = lock_award(payment.award)
    locked = lock_for_update(payment, expected_version=expected_version)
    _refuse_closed(locked_award, locked)
    errors: Errors = {}
    _refuse_cancelled(locked, errors)
    if locked.is_paid:
        add_error(
            errors,
            "status",
            "This payment has been paid, so it cannot be cancelled: record a refund or credit note instead.",
        )
    reason = clean_text(reason)
    if not reason:
        add_error(errors, "reason", "Say why the payment is cancelled (this is kept with it).")
    raise_if_errors(errors)
    locked.cancelled_at = clock.now()
    locked.cancelled_by = actor
    locked.cancel_reason = reason
    attribute_to(locked, actor)
    locked.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason", "version"])
    award_instalments_reconcile(award=locked_award, actor=actor)
    return locked
