"""The awards export (docs/formats.md "Awards"): one row per funding line, the same columns the
awards import reads, so an export can be edited and imported again."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Lower

from grants.awards.importers import AWARD_COLUMNS
from grants.export_tables import Table
from grants.models import Award, FundingLine
from outcomes.models import KPQ
from pcc_commissioning.interchange.exports import Sheet, exporter


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


# The registry: ``manage.py export_data KIND`` ----------------------------------------------------------
@exporter(
    "awards", capability="grants.view", description="Awards in the awards import format, one row per funding line."
)
def export_awards(*, fy: int | None) -> Sheet:
    return Sheet("Awards", *awards_table(Award.objects.all(), fy=fy))
