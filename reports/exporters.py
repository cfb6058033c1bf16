"""The reports app's exports (``manage.py export_data KIND``; docs/formats.md "Exports"):
the finance views and pack, and the transparency lists. Found by
``pcc_commissioning.interchange.exports.exporters()`` (listed in ``ReportsConfig.exporter_modules``), like the grants contexts' ``exporters.py``.
"""

from __future__ import annotations

import io

from pcc_commissioning.interchange.exports import Sheet, exporter, write_sheets

from .finance import selectors as finance
from .transparency.lists import LISTS

# Finance (finance officers and commissioning officers) ---------------------------------------------

FINANCE_VIEWS = {
    "finance_by_stream": ("stream", "Committed, planned and paid by funding stream in one financial year."),
    "finance_by_priority": ("priority", "Budget, committed, planned, paid and forecast by priority in one year."),
    "finance_by_provider": ("provider", "Committed, planned and paid by provider in one financial year."),
    "finance_by_month": ("month", "Payments scheduled and paid by month for one financial year."),
}


def _register_view(kind: str, view: str, description: str) -> None:
    def export(*, fy: int | None) -> Sheet:
        return finance.VIEW_SHEETS[view](finance.finance_views(fy=fy))

    exporter(kind, capability="exports.finance", fy_required=True, description=description)(export)


for _kind, (_view, _description) in FINANCE_VIEWS.items():
    _register_view(_kind, _view, _description)


@exporter(
    "finance_pack",
    capability="exports.finance",
    formats=("xlsx",),
    fy_required=True,
    description="XLSX: one sheet per view (by stream, priority, provider and month) for one financial year.",
)
def export_finance_pack(*, fy: int | None) -> list[Sheet]:
    return finance.finance_pack_sheets(fy=fy)


def finance_pack_bytes(*, fy: int) -> bytes:
    """The finance pack of ``fy`` as an XLSX file (the benchmark's timing hook)."""
    buffer = io.BytesIO()
    write_sheets(export_finance_pack(fy=fy), format="xlsx", output=buffer)
    return buffer.getvalue()


# Transparency lists (every internal role) --------------------------------------------------------------


def _register_list(kind: str) -> None:
    entry = LISTS[kind]

    def export(*, fy: int | None) -> Sheet:
        return entry.sheet(fy=fy)

    exporter(kind, capability="transparency.view", description=entry.description)(export)


for _kind in LISTS:
    _register_list(_kind)
