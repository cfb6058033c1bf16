"""The payments import (docs/formats.md "Imports"): reading the file's rows, matching them with
payments already stored, and recording them in batches with the same checks as the payment form
(a payment beyond its funding line, or a refund below zero, is refused unless finance overrides)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from grants.import_cells import cell_fy, cell_signed_money
from grants.models import (
    Award,
    FundingLine,
    FundingStream,
    Payment,
    PaymentPlan,
)
from grants.payments import services as payments_services
from grants.payments.services import AwardFunding, FundingSums, clean_payment
from grants.schedules.instalments import award_instalments_reconcile, pending_instalments_q
from grants.validation import check_lengths
from pcc_commissioning import clock
from pcc_commissioning.interchange.cells import parse_date
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer, row_savepoint
from pcc_commissioning.interchange.rows import Row
from pcc_commissioning.records import by_text_ignoring_case, chunked
from pcc_commissioning.validation import Errors

PAYMENT_COLUMNS = (
    "award_reference",
    "funding_stream",
    "due_date",
    "paid_date",
    "amount",
    "invoice_reference",
    "fy",
    "po_number",
)


# Optional: the reason a refund or credit note (a negative amount) needs (docs/formats.md "payments").
PAYMENT_OPTIONAL_COLUMNS = ("reason",)


# Payments -------------------------------------------------------------------------------------------
PAYMENT_ERROR_COLUMNS = {
    "award": "award_reference",
    "stream": "funding_stream",
    "override_reason": "amount",
    "reason": "reason",
}


@importer(
    "payments",
    columns=(*PAYMENT_COLUMNS, *PAYMENT_OPTIONAL_COLUMNS),
    required=["award_reference", "funding_stream", "due_date", "amount"],
    capability="payments.import",
    description="Scheduled and made payments. A row identical to a stored payment (award, stream, due date, "
    "amount, invoice reference) is skipped, so importing a file again is harmless.",
)
def import_payments(rows: Sequence[Row], *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult(kind="payments")
    # Every award and stream the file names, looked up once for the file (not once per row).
    awards = by_text_ignoring_case(
        Award.objects.all(), field="reference", values=[r.get("award_reference") for r in rows]
    )
    streams = by_text_ignoring_case(
        FundingStream.objects.all(), field="name", values=[r.get("funding_stream") for r in rows]
    )
    read: list[tuple[Row, ImportedPayment]] = []
    for row in rows:
        reader = RowReader(row, context)
        reference = reader.value("award_reference", required=True)
        stream_name = reader.value("funding_stream", required=True)
        due_date = reader.value("due_date", parse_date, required=True)
        paid_date = reader.value("paid_date", parse_date)
        amount = reader.value("amount", cell_signed_money, required=True)
        fy = reader.value("fy", cell_fy)
        award = stream = None
        if reference:
            award = awards.get(reference.strip().casefold())
            if award is None:
                reader.error("award_reference", f"There is no award with the reference '{reference}'.")
        if stream_name:
            stream = streams.get(stream_name.strip().casefold())
            if stream is None:
                reader.error("funding_stream", f"There is no funding stream called '{stream_name}'.")
        if reader.ok:
            read.append(
                (
                    row,
                    ImportedPayment(
                        award=award,
                        stream=stream,
                        amount=amount,
                        due_date=due_date,
                        paid_date=paid_date,
                        fy=fy,
                        invoice_reference=row.get("invoice_reference"),
                        po_number=row.get("po_number"),
                        reason=row.get("reason"),
                    ),
                )
            )
    new = _match_stored(read, context, result, actor=actor)
    # One service call records every new row (batched inserts, each award locked and checked
    # once); row by row, payment_record cost about fifteen queries a row and reloaded the
    # award's payments each time, so a file took longer per row the more rows it had. Every
    # new row is checked before the first insert, so a dry run stops there.
    outcomes = payments_record_imported(actor=actor, rows=[payment for _, payment in new], check_only=context.dry_run)
    for (row, _), outcome in zip(new, outcomes, strict=True):
        if isinstance(outcome, ValidationError):
            context.add_validation_error(row, outcome, PAYMENT_ERROR_COLUMNS)
        else:
            result.created += 1
    return result


def _match_stored(
    read: list[tuple[Row, ImportedPayment]], context: RowContext, result: ImportResult, *, actor
) -> list[tuple[Row, ImportedPayment]]:
    """Rows identical to a stored payment are skipped, or mark it paid; returns the other rows.
    Stored payments are taken per identity before this file adds any: each absorbs one row."""
    stored: dict[tuple, list[Payment]] = defaultdict(list)
    award_ids = sorted({payment.award.pk for _, payment in read})
    for chunk in chunked(award_ids):
        for payment in Payment.objects.filter(award_id__in=chunk).order_by("pk"):
            stored[
                _identity(
                    payment.award_id, payment.stream_id, payment.due_date, payment.amount, payment.invoice_reference
                )
            ].append(payment)
    new = []
    for row, payment in read:
        key = _identity(
            payment.award.pk, payment.stream.pk, payment.due_date, payment.amount, payment.invoice_reference
        )
        match = _take_match(stored.get(key, []), payment.paid_date)
        if match is None:
            new.append((row, payment))
        elif payment.paid_date and not match.is_paid:
            # Kept one row at a time (a few queries each): marking paid locks and checks the
            # stored payment and writes its history entry, and such rows are few.
            with row_savepoint(row, context, columns=PAYMENT_ERROR_COLUMNS):
                payments_services.payment_mark_paid(
                    payment=match, actor=actor, paid_date=payment.paid_date, imported=True
                )
                result.updated += 1
        else:
            result.skipped += 1
    return new


def _identity(award_id: int, stream_id: int, due_date, amount: Decimal, invoice_reference: str) -> tuple:
    return (award_id, stream_id, due_date, amount, invoice_reference)


def _take_match(candidates: list[Payment], paid_date: datetime.date | None) -> Payment | None:
    """Remove and return the stored payment a row stands for: one paid on the same date, else
    (for a paid row) one still scheduled, else any."""
    if not candidates:
        return None
    preferences = [lambda p: p.paid_date == paid_date]
    if paid_date:
        preferences.append(lambda p: not p.is_paid)
    preferences.append(lambda p: True)
    for wanted in preferences:
        for payment in candidates:
            if wanted(payment):
                candidates.remove(payment)
                return payment
    return None


@dataclass(frozen=True)
class ImportedPayment:
    """One row of a payments file, its award and stream found (``payments_record_imported``)."""

    award: Award
    stream: FundingStream
    amount: Decimal
    due_date: datetime.date
    paid_date: datetime.date | None = None
    fy: int | None = None
    invoice_reference: str = ""
    po_number: str = ""
    reason: str = ""


class _FileFunding(AwardFunding):
    """The funding lines and counted payments of every award of a file, loaded in a few
    queries; each payment accepted is added, so later rows are checked against it as they
    would be had it been saved (``_counted_payments``: every payment except pending instalments)."""

    def __init__(self, award_ids: Iterable[int]):
        # Keyed (award, stream, fy), and (award, fy) for the year's totals.
        self.lines: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        self.committed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        self.counted: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        self.counted_in_year: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        self.paid: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)  # positive, with a paid date
        self.refunded: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)  # negatives, as a positive sum
        self.years: dict[tuple[int, int], set[int]] = defaultdict(set)  # (award, stream) -> years of its lines
        for chunk in chunked(award_ids):
            for award_id, stream_id, fy, amount in FundingLine.objects.filter(award_id__in=chunk).values_list(
                "award_id", "stream_id", "fy", "amount"
            ):
                self.lines[(award_id, stream_id, fy)] += amount
                self.committed[(award_id, fy)] += amount
                self.years[(award_id, stream_id)].add(fy)
            counted = (
                Payment.objects.filter(award_id__in=chunk)
                .exclude(pending_instalments_q())
                .values_list("award_id", "stream_id", "fy", "amount", "paid_date")
            )
            for award_id, stream_id, fy, amount, paid_date in counted.iterator(chunk_size=2000):
                self._count(award_id, stream_id, fy, amount, paid=paid_date is not None)

    def _count(self, award_id: int, stream_id: int, fy: int, amount: Decimal, *, paid: bool) -> None:
        key = (award_id, stream_id, fy)
        self.counted[key] += amount
        self.counted_in_year[(award_id, fy)] += amount
        if amount < 0:
            self.refunded[key] -= amount
        elif paid:
            self.paid[key] += amount

    def stream_years(self, *, award: Award, stream: FundingStream) -> set[int]:
        return set(self.years.get((award.pk, stream.pk), ()))

    def sums(self, *, award: Award, stream: FundingStream, fy: int, exclude_pk: int | None) -> FundingSums:
        key = (award.pk, stream.pk, fy)
        return FundingSums(
            line=self.lines.get(key, Decimal(0)),
            from_stream=self.counted.get(key, Decimal(0)),
            committed=self.committed.get((award.pk, fy), Decimal(0)),
            in_year=self.counted_in_year.get((award.pk, fy), Decimal(0)),
            paid=self.paid.get(key, Decimal(0)),
            refunded=self.refunded.get(key, Decimal(0)),
        )

    def add(self, payment: Payment) -> None:
        self._count(payment.award_id, payment.stream_id, payment.fy, payment.amount, paid=payment.paid_date is not None)


@transaction.atomic
def payments_record_imported(
    *, actor, rows: Sequence[ImportedPayment], check_only: bool = False
) -> list[Payment | ValidationError]:
    """``payment_record(imported=True)`` for every new row of a payments file at once: the same
    rules and messages, each row checked against the stored payments and the file's earlier
    rows, in a number of queries that does not grow with the rows. Returns per row the payment
    or the ``ValidationError``; if any row is refused, nothing is written.

    The awards are locked once (``payment_record`` locks the award of each payment); payments
    are inserted in batches with their history rows (one "created" entry each, attributed to
    ``actor``, as a save writes); each award with a payment plan or pending instalments then has
    its instalments reconciled once, rather than after every payment. ``check_only`` (a dry
    run) checks every row and returns the same outcomes, unsaved, writing nothing.
    """
    award_ids = sorted({row.award.pk for row in rows})
    awards = {}
    for chunk in chunked(award_ids):
        awards.update(Award.objects.select_for_update().in_bulk(chunk))
    funding = _FileFunding(award_ids)
    outcomes: list[Payment | ValidationError] = []
    for row in rows:
        award = awards[row.award.pk]
        errors: Errors = {}
        values = clean_payment(
            award=award,
            values={
                "stream": row.stream,
                "fy": row.fy,
                "due_date": row.due_date,
                "paid_date": row.paid_date,
                "amount": row.amount,
                "invoice_reference": row.invoice_reference,
                "po_number": row.po_number,
                "reason": row.reason,
                "override_reason": "",
            },
            exclude_pk=None,
            actor=actor,
            errors=errors,
            imported=True,
            funding=funding,
        )
        check_lengths(Payment, {k: values[k] for k in ("invoice_reference", "po_number", "reason")}, errors)
        if errors:
            outcomes.append(ValidationError(errors))
            continue
        values["override_reason"] = ""
        payment = Payment(award=award, recorded_by=actor, approved_by=actor, approved_at=clock.now(), **values)
        funding.add(payment)
        outcomes.append(payment)
    if check_only or any(isinstance(outcome, ValidationError) for outcome in outcomes):
        return outcomes
    bulk_create_with_history(outcomes, Payment, batch_size=_IMPORT_BATCH, default_user=actor)
    for award_id in _awards_with_instalments(award_ids):
        award_instalments_reconcile(award=awards[award_id], actor=actor)
    return outcomes


# Rows per INSERT statement of an import.
_IMPORT_BATCH = 500


def _awards_with_instalments(award_ids: Sequence[int]) -> list[int]:
    """Of these awards, those whose instalments a reconcile may change: with a payment plan or
    with pending instalments (for the others it would load their payments to change nothing)."""
    found: set[int] = set()
    for chunk in chunked(award_ids):
        found.update(PaymentPlan.objects.filter(award_id__in=chunk).values_list("award_id", flat=True))
        found.update(
            Payment.all_objects.filter(pending_instalments_q(), award_id__in=chunk).values_list("award_id", flat=True)
        )
    return sorted(found)
