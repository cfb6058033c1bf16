"""The ``round_definition`` export (docs/formats.md): a round's definition as one JSON document,
the same document the import reads."""

from __future__ import annotations

from pcc_commissioning.interchange.exports import ExportError, exporter

from ..models import Round
from .documents import definition_document


@exporter(
    "round_definition",
    capability="rounds.view",
    formats=("json",),
    options=("round",),
    description="A round's definition: its money, dates, eligibility questions, questions and criteria.",
)
def export_round_definition(*, fy, round: str) -> dict:
    found = Round.objects.select_related("priority", "funding_stream").filter(reference=round).first()
    if found is None:
        raise ExportError(f"There is no round {round}.")
    return definition_document(found)
