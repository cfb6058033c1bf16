"""The commitments export: committed and paid money by financial year, stream, priority and provider."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, Lower

from grants.export_tables import Table
from grants.models import COMMITTED_STATUSES, PLANNED_STATUSES, FundingLine, Payment
from grants.queries import MONEY_FIELD, ZERO
from pcc_commissioning.interchange.exports import Sheet, exporter
from pcc_commissioning.money import to_penny

COMMITMENT_COLUMNS = (
    "fy",
    "stream",
    "priority",
    "provider",
    "award_reference",
    "status",
    "committed",
    "planned",
    "paid",
)


def commitments_table(*, fy: int) -> Table:
    """One row per award and funding stream with a line in ``fy``: the line's amount as
    committed (awarded, active, ended) or planned (planned, procuring) — a cancelled award's
    counts for neither — and what has been paid against it in that year. One query."""
    paid = (
        Payment.objects.filter(award=OuterRef("award"), stream=OuterRef("stream"), fy=fy, paid_date__isnull=False)
        .order_by()
        .values("award")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    lines = (
        FundingLine.objects.filter(fy=fy)
        .select_related("award__provider", "award__priority", "stream")
        .annotate(paid=Coalesce(Subquery(paid, output_field=MONEY_FIELD), ZERO, output_field=MONEY_FIELD))
        .order_by(Lower("stream__name"), "stream_id", "award__reference", "award_id")
    )
    rows = []
    for line in lines:
        award = line.award
        rows.append(
            [
                fy,
                line.stream.name,
                award.priority.name,
                award.provider.name,
                award.reference,
                award.status,
                to_penny(line.amount if award.status in COMMITTED_STATUSES else None),
                to_penny(line.amount if award.status in PLANNED_STATUSES else None),
                to_penny(line.paid),
            ]
        )
    return list(COMMITMENT_COLUMNS), rows


@exporter(
    "commitments",
    capability="grants.view",
    fy_required=True,
    description="Committed, planned and paid per award and funding stream in one financial year.",
)
def export_commitments(*, fy: int | None) -> Sheet:
    return Sheet("Commitments", *commitments_table(fy=fy))
