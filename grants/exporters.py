"""The grants register's exports (docs/formats.md "Exports"): awards, payments and commitments.

``awards_table`` and ``payments_table`` write the import formats, so an export can be edited
and imported again; list pages pass their filtered querysets to them for their downloads
(``pcc_commissioning.interchange.export_response``). Amounts are Decimals and dates are dates:
the writers put them in a spreadsheet as numbers and dates, and guard text against formulas.
Each table is a fixed number of queries, whatever the number of records.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Lower

from outcomes.models import KPQ
from pcc_commissioning.interchange import Sheet, exporter

from .importers import AWARD_COLUMNS, PAYMENT_COLUMNS, PAYMENT_OPTIONAL_COLUMNS
from .models import COMMITTED_STATUSES, PLANNED_STATUSES, Award, FundingLine, Payment
from .schedules.returns import return_schedule_table
from .selectors import MONEY_FIELD, ZERO

Table = tuple[list[str], list[list[Any]]]

# The payments format and, last, the reason a refund or credit note needs (without it a refund
# could not be imported again).
PAYMENT_EXPORT_COLUMNS = (*PAYMENT_COLUMNS, *PAYMENT_OPTIONAL_COLUMNS)
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


def _penny(amount: Decimal | None) -> Decimal:
    return (amount or ZERO).quantize(ZERO)


def awards_table(awards: QuerySet[Award], *, fy: int | None = None) -> Table:
    """The awards of ``awards`` in the awards import format: one row per funding line (an award
    with no lines has one row with blank line cells), ordered by reference, year and stream.
    With ``fy``, the awards that have a line in that year, with all their lines. Three queries."""
    selected = Award.objects.filter(pk__in=awards.order_by().values("pk"))
    if fy is not None:
        selected = selected.filter(Exists(FundingLine.objects.filter(award=OuterRef("pk"), fy=fy)))
    selected = (
        selected.select_related("provider", "priority", "decision", "moj_category")
        .prefetch_related(
            Prefetch("kpqs", queryset=KPQ.objects.order_by("number")),
            Prefetch(
                "lines",
                queryset=FundingLine.objects.select_related("stream").order_by(
                    "fy", Lower("stream__name"), "stream_id"
                ),
            ),
        )
        .order_by("reference", "pk")
    )
    rows = []
    for award in selected:
        common = {
            "reference": award.reference,
            "title": award.title,
            "provider": award.provider.name,
            "kind": award.kind,
            "priority": award.priority.name,
            "kpqs": ";".join(str(kpq.number) for kpq in award.kpqs.all()),
            "purpose": award.purpose,
            "approach": award.approach,
            "start_date": award.start_date,
            "end_date": award.end_date,
            "status": award.status,
            "duration": award.duration,
            "key_activity": award.key_activity,
            "moj_category": award.moj_category.code if award.moj_category else "",
            "decision_reference": award.decision.reference if award.decision else "",
            "decision_date": award.decision.decided_on if award.decision else None,
            "cost_centre": award.cost_centre,
        }
        lines = list(award.lines.all()) or [None]
        for line in lines:
            cells = {
                **common,
                "funding_stream": line.stream.name if line else "",
                "fy": line.fy if line else None,
                "amount": line.amount if line else None,
            }
            rows.append([cells[column] for column in AWARD_COLUMNS])
    return list(AWARD_COLUMNS), rows


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
                _penny(line.amount if award.status in COMMITTED_STATUSES else None),
                _penny(line.amount if award.status in PLANNED_STATUSES else None),
                _penny(line.paid),
            ]
        )
    return list(COMMITMENT_COLUMNS), rows


# The registry: ``manage.py export_data KIND`` ----------------------------------------------------------


@exporter(
    "awards", capability="grants.view", description="Awards in the awards import format, one row per funding line."
)
def export_awards(*, fy: int | None) -> Sheet:
    return Sheet("Awards", *awards_table(Award.objects.all(), fy=fy))


@exporter("payments", capability="grants.view", description="Payments in the payments import format.")
def export_payments(*, fy: int | None) -> Sheet:
    return Sheet("Payments", *payments_table(fy=fy))


@exporter(
    "commitments",
    capability="grants.view",
    fy_required=True,
    description="Committed, planned and paid per award and funding stream in one financial year.",
)
def export_commitments(*, fy: int | None) -> Sheet:
    return Sheet("Commitments", *commitments_table(fy=fy))


# Monitoring returns ----------------------------------------------------------------------------------


def returns_table(*, fy: int | None = None) -> Table:
    """Submitted and accepted monitoring returns (of ``fy`` if given) in the returns import format:
    a column per code-list entry and per KPI name any exported return has a value for. Drafts,
    returns sent back and returns still due are left out: the format has no status for them.
    A fixed number of queries."""
    from outcomes.models import CodeListEntry

    from .importers import RETURN_BREAKDOWN_LISTS, RETURN_COLUMNS
    from .models import MonitoringReturn, ReturnStatus

    returns = (
        MonitoringReturn.objects.filter(status__in=(ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED))
        .select_related("award")
        .prefetch_related("breakdowns__code", "outcomes__code", "kpi_values__kpi")
        .order_by("award__reference", "fy", "quarter")
    )
    if fy is not None:
        returns = returns.filter(fy=fy)
    returns = list(returns)
    entries = CodeListEntry.objects.filter(list__in=(*RETURN_BREAKDOWN_LISTS, "outcome")).order_by(
        "list", "sort_order", "code"
    )
    code_columns: dict[tuple[str, str], None] = {}
    for list_name in (*RETURN_BREAKDOWN_LISTS, "outcome"):
        for entry in entries:
            if entry.list == list_name:
                code_columns[(list_name, entry.code)] = None
    kpi_names = sorted({value.kpi.name for ret in returns for value in ret.kpi_values.all()}, key=str.casefold)
    headers = [*RETURN_COLUMNS[:5]]
    for list_name, code in code_columns:
        if list_name == "outcome":
            headers += [f"outcome:{code}:improved", f"outcome:{code}:assessed"]
        else:
            headers.append(f"{list_name}:{code}")
    headers += [f"kpi:{name}" for name in kpi_names]
    headers += list(RETURN_COLUMNS[5:])
    rows = []
    for ret in returns:
        cells: dict[str, Any] = {
            "award_reference": ret.award.reference,
            "fy": ret.fy,
            "quarter": ret.quarter,
            "referrals": ret.referrals,
            "supported": ret.supported,
            "rag": ret.rag,
            "narrative": ret.narrative,
            "status": ret.status,
        }
        for row in ret.breakdowns.all():
            cells[f"{row.code.list}:{row.code.code}"] = row.count
        for row in ret.outcomes.all():
            cells[f"outcome:{row.code.code}:improved"] = row.improved
            cells[f"outcome:{row.code.code}:assessed"] = row.assessed
        for value in ret.kpi_values.all():
            number = value.value
            cells[f"kpi:{value.kpi.name}"] = int(number) if number == number.to_integral_value() else number.normalize()
        rows.append([cells.get(header) for header in headers])
    return headers, rows


@exporter(
    "returns",
    capability="grants.view",
    description="Submitted and accepted monitoring returns in the returns import format.",
)
def export_returns(*, fy: int | None) -> Sheet:
    return Sheet("Returns", *returns_table(fy=fy))


@exporter(
    "return_schedule",
    capability="grants.view",
    description="Every scheduled monitoring return: award, provider, quarter, its dates, due date and status.",
)
def export_return_schedule(*, fy: int | None) -> Sheet:
    return Sheet("Return schedule", *return_schedule_table(fy=fy))


__all__ = [
    "COMMITMENT_COLUMNS",
    "PAYMENT_EXPORT_COLUMNS",
    "awards_table",
    "commitments_table",
    "payments_table",
    "returns_table",
]
