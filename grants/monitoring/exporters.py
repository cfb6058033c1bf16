"""The monitoring returns export and the return schedule export."""

from __future__ import annotations

from typing import Any

from grants.export_tables import Table
from grants.schedules.returns import return_schedule_table
from pcc_commissioning.interchange.exports import Sheet, exporter


# Monitoring returns ----------------------------------------------------------------------------------
def returns_table(*, fy: int | None = None) -> Table:
    """Submitted and accepted monitoring returns (of ``fy`` if given) in the returns import format:
    a column per code-list entry and per KPI name any exported return has a value for. Drafts,
    returns sent back and returns still due are left out: the format has no status for them.
    A fixed number of queries."""
    from grants.models import MonitoringReturn, ReturnStatus
    from grants.monitoring.importers import RETURN_BREAKDOWN_LISTS, RETURN_COLUMNS
    from outcomes.models import CodeListEntry

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
