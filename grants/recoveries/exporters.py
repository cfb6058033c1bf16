"""The recoveries export: money to come back from providers, and how much has come back
(docs/formats.md "recoveries (export)")."""

from __future__ import annotations

from django.db.models import OuterRef, Q

from grants.export_tables import Table
from grants.models import Payment, Recovery
from grants.queries import sum_subquery
from pcc_commissioning.interchange.exports import Sheet, exporter
from pcc_commissioning.money import to_penny

RECOVERY_COLUMNS = (
    "award_reference",
    "reference",
    "reason",
    "amount",
    "due_date",
    "recovered",
    "status",
    "funding_stream",
    "fy",
)


def recoveries_table(*, fy: int | None = None) -> Table:
    """Every recovery (of ``fy``, the year the money was paid from, if given), by due date, with
    what its receipts have brought back. One query."""
    # Receipts are negative payments with a paid date; the counted manager leaves out cancelled ones.
    receipts = sum_subquery(
        Payment.objects.filter(recovery=OuterRef("pk")), "recovery", filter=Q(paid_date__isnull=False)
    )
    recoveries = Recovery.objects.select_related("award", "stream").annotate(received=receipts)
    if fy is not None:
        recoveries = recoveries.filter(fy=int(fy))
    rows = [
        [
            recovery.award.reference,
            recovery.reference,
            recovery.reason,
            to_penny(recovery.amount),
            recovery.due_date,
            # Written as money back in: the receipts are stored as negative payments.
            to_penny(-recovery.received) if recovery.received else to_penny(None),
            recovery.status,
            recovery.stream.name,
            recovery.fy,
        ]
        for recovery in recoveries.order_by("due_date", "award__reference", "reference", "pk")
    ]
    return list(RECOVERY_COLUMNS), rows


@exporter(
    "recoveries",
    capability="grants.view",
    description="Recoveries from providers: reason, amount, due date, what has come back and status.",
)
def export_recoveries(*, fy: int | None) -> Sheet:
    return Sheet("Recoveries", *recoveries_table(fy=fy))
