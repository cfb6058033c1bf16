"""The round's figures: received, eligible, funded, requested against the budget, offered and
the success rate, for the round and by area and by kind of organisation."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..models import Application, ApplicationStatus, Round
from ..moderation.selectors import round_ranking
from ..screening.selectors import is_eligible

ZERO = Decimal("0.00")


@dataclass
class Figures:
    label: str
    received: int = 0
    eligible: int = 0
    funded: int = 0
    requested: Decimal = ZERO
    offered: Decimal = ZERO
    application_ids: set = field(default_factory=set, repr=False)

    @property
    def success_rate(self) -> Decimal | None:
        """Funded ÷ received as a percentage to one place, half up (None: nothing received)."""
        if not self.received:
            return None
        return (Decimal(self.funded) * 100 / self.received).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def add(self, application: Application, offered: Decimal) -> None:
        self.received += 1
        self.eligible += is_eligible(application)
        funded = application.status == ApplicationStatus.SUCCESSFUL
        self.funded += funded
        self.requested += application.amount_requested or ZERO
        self.offered += offered if funded else ZERO


@dataclass
class RoundReport:
    round: Round
    summary: Figures
    by_area: list[Figures]
    by_kind: list[Figures]


def round_report(round: Round) -> RoundReport:
    """Five queries whatever the size of the round."""
    ranking, applications = round_ranking(round)
    offered = {row.application.id: row.amount_offered for row in ranking.rows}
    areas: dict[int, list[str]] = defaultdict(list)
    for app_id, name in Application.areas.through.objects.filter(application__in=list(applications)).values_list(
        "application_id", "area__name"
    ):
        areas[app_id].append(name)
    summary = Figures("All applications")
    by_area: dict[str, Figures] = {}
    by_kind: dict[str, Figures] = {}
    for application in applications.values():
        amount = offered.get(application.pk, ZERO)
        summary.add(application, amount)
        for name in areas.get(application.pk) or ["No area given"]:
            by_area.setdefault(name, Figures(name)).add(application, amount)
        kind = application.organisation.kind.replace("_", " ").capitalize()
        by_kind.setdefault(kind, Figures(kind)).add(application, amount)
    return RoundReport(round, summary, [by_area[k] for k in sorted(by_area)], [by_kind[k] for k in sorted(by_kind)])
