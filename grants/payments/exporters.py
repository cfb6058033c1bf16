"""The payments export: the columns of the payments import plus the reason a refund needs."""

from __future__ import annotations

from django.db.models import QuerySet

from grants.export_tables import Table
from grants.models import Payment
from grants.payments.importers import PAYMENT_COLUMNS, PAYMENT_OPTIONAL_COLUMNS
from pcc_commissioning.interchange.exports import Sheet, exporter

# The payments format and, last, the reason a refund or credit note needs (without it a refund
# could not be imported again).
PAYMENT_EXPORT_COLUMNS = (*PAYMENT_COLUMNS, *PAYMENT_OPTIONAL_COLUMNS)


def payments_table(payments: QuerySet[Payment] | None = None, *, fy: int | None = None) -> Table:
    """The payments of ``payments`` (default: all), counted against ``fy`` if given, in the
    payments import format (with the ``reason`` column last), by due date. One query."""
    if payments is None:
        payments = Payment.objects.all()
    if fy is not None:
        payments = payments.filter(fy=fy)
    selected = payments.select_related("award", "stream").order_by("due_date", "award__reference", "pk")
    rows = [
        [
            payment.award.reference,
            payment.stream.name,
            payment.due_date,
            payment.paid_date,
            payment.amount,
            payment.invoice_reference,
            payment.fy,
            payment.po_number,
            payment.reason,
        ]
        for payment in selected
    ]
    return list(PAYMENT_EXPORT_COLUMNS), rows


@exporter("payments", capability="grants.view", description="Payments in the payments import format.")
def export_payments(*, fy: int | None) -> Sheet:
    return Sheet("Payments", *payments_table(fy=fy))
