"""Import and export kinds of this stage of a round (pcc_commissioning.interchange): the
panel's ranking as ``round_results`` (docs/formats.md)."""

from __future__ import annotations

from pcc_commissioning.interchange.exports import ExportError, Sheet, exporter
from pcc_commissioning.money import to_penny

from ..models import Round
from .selectors import round_ranking

RESULTS_COLUMNS = (
    "rank",
    "application_reference",
    "organisation",
    "amount_requested",
    "weighted_score",
    "eligible",
    "recommended",
    "amount_offered",
    "running_total",
)


def round_results_table(round: Round) -> tuple[list[str], list[list]]:
    """The ranking in rank order, ineligible applications last with no rank or score."""
    ranking, applications = round_ranking(round)
    rows = []
    for row in ranking.rows:
        app = applications[row.application.id]
        rows.append(
            [
                row.rank,
                app.reference,
                app.organisation.name,
                app.amount_requested,
                row.score_shown,
                row.rank is not None,
                row.recommended,
                to_penny(row.amount_offered),
                None if row.running_total is None else to_penny(row.running_total),
            ]
        )
    return list(RESULTS_COLUMNS), rows


def round_named(reference: str) -> Round:
    round = Round.objects.filter(reference=reference).first()
    if round is None:
        raise ExportError(f"There is no round with the reference {reference}.")
    return round


@exporter(
    "round_results",
    capability="rounds.view",
    options=("round",),
    description="A round's ranking: scores, the panel's recommendation and the running total.",
)
def export_round_results(*, fy: int | None, round: str) -> Sheet:
    found = round_named(round)
    return Sheet(f"Results {found.reference}", *round_results_table(found))
