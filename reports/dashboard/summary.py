"""Reads for the dashboard: the home page of every internal role (officers, finance, board
members and system administrators).

For one financial year it gathers the picture at a glance through the lower apps' selectors:

- the money: ``grants.funding.selectors.funding_summary`` — the one selector behind the funding page, the
  panel report and this dashboard, so the three always show the same budget, committed and paid.
  A past year stands at its last day (paid at 31 March, each award's status then), the current
  year at today (paid so far, each award's status now), as on the funding page;
- active awards (``grants.awards.selectors.award_list`` with the year and status *active*, the same
  query the awards register runs for those filters);
- returns late today (``grants.monitoring.selectors.returns_inbox``: the inbox's *late* list,
  whatever the year they are for);
- RAG by priority (``grants.monitoring.selectors.portfolio_rag``: each award's latest rated return
  of the year) and so the awards rated red;
- committed spend by KPQ (an award answering several KPQs counts in full under each);
- awards ending in the next 6 and 12 months (``award_list(ending_within_months=…)``, from today);
- Must-do commissioning intentions not yet commissioned: rank Must, neither commissioned nor
  dropped, and no award linked to them other than cancelled ones;
- need-versus-spend highlights (``reports.dashboard.selectors.need_versus_spend(fy=).flagged``);
- the MoJ return of each half of the year, the current half marked.

Every part runs a fixed number of queries, so the dashboard's query count does not grow with the
number of awards, returns, payments or intentions (tested at two sizes).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, F, OuterRef, Sum

from grants.awards import selectors as awards_selectors
from grants.funding import selectors as funding_selectors
from grants.models import COMMITTED_STATUSES, Award, AwardStatus, FundingLine
from grants.monitoring import selectors as monitoring_selectors
from needs_assessment.models import CommissioningIntention, IntentionRank, IntentionStatus
from outcomes.models import KPQ
from pcc_commissioning import clock
from pcc_commissioning.periods import FinancialYear, half_of

from . import selectors as report_selectors

ZERO = Decimal("0.00")
ONE_PLACE = Decimal("0.1")
# How many records each list on the dashboard shows (the count beside it gives the whole).
LIST_LIMIT = 10
# The stream chart shows the largest streams and one bar for the rest: a shared service may
# hold hundreds of streams, and a chart of them all is unreadable and slow to draw.
STREAMS_SHOWN = 8
ENDING_HORIZONS = (6, 12)  # months


def percentage(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to one decimal place (None when ``whole`` is 0)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


@dataclass
class KpqSpend:
    kpq: KPQ
    committed: Decimal


@dataclass
class EndingAwards:
    months: int
    count: int


@dataclass
class OtherStreams:
    """The streams beyond the largest ``STREAMS_SHOWN``, added together."""

    count: int
    allocation: Decimal
    committed: Decimal
    paid: Decimal


def split_streams(streams: list, shown: int = STREAMS_SHOWN) -> tuple[list, OtherStreams | None]:
    """The ``shown`` largest streams (by the larger of allocation and committed), in their
    usual order, and the rest added together (None if there is no rest)."""
    if len(streams) <= shown:
        return list(streams), None
    size = {id(row): max(row.allocation or Decimal(0), row.committed) for row in streams}
    largest = {id(row) for row in sorted(streams, key=lambda row: size[id(row)], reverse=True)[:shown]}
    kept = [row for row in streams if id(row) in largest]
    rest = [row for row in streams if id(row) not in largest]
    return kept, OtherStreams(
        count=len(rest),
        allocation=sum((row.allocation or Decimal(0) for row in rest), Decimal(0)),
        committed=sum((row.committed for row in rest), Decimal(0)),
        paid=sum((row.paid for row in rest), Decimal(0)),
    )


@dataclass
class MojStatus:
    fy: int
    half: int
    label: str  # "H1 2026/27"
    latest: object | None  # the newest MojReturn of the half, or None: not started
    current: bool = False  # today lies in this half


@dataclass
class Dashboard:
    fy: int
    label: str
    today: datetime.date
    funding: funding_selectors.FundingSummary
    active_awards: int
    returns_late: int
    rag: list  # of monitoring_selectors.PriorityRag
    kpq_spend: list[KpqSpend]
    ending: list[EndingAwards]
    ending_soonest: list[Award]  # the first LIST_LIMIT awards ending within the longest horizon
    must_do: list[CommissioningIntention]
    must_do_count: int
    need_flagged: list  # (ThemeTable, AreaRow) pairs, at most LIST_LIMIT
    need_flagged_count: int
    moj: list[MojStatus]  # the year's two halves
    years: list[int] = field(default_factory=list)

    @property
    def streams_split(self) -> tuple[list, OtherStreams | None]:
        return split_streams(self.funding.streams)

    @property
    def committed_pct(self) -> Decimal | None:
        """Committed as a percentage of the priorities' budgets."""
        return percentage(self.funding.totals.committed, self.funding.totals.budget)

    @property
    def paid_pct(self) -> Decimal | None:
        """Paid as a percentage of committed."""
        return percentage(self.funding.totals.paid, self.funding.totals.committed)

    @property
    def awards_red(self) -> int:
        return sum(row.red for row in self.rag)

    @property
    def rag_totals(self) -> dict[str, int]:
        return {
            "green": sum(row.green for row in self.rag),
            "amber": sum(row.amber for row in self.rag),
            "red": self.awards_red,
            "not_rated": sum(row.not_rated for row in self.rag),
        }


# The year -----------------------------------------------------------------------------------------


# The parts ------------------------------------------------------------------------------------------


def kpq_spend(*, fy: int, as_at: datetime.date | None = None) -> list[KpqSpend]:
    """Committed spend in ``fy`` answering each KPQ (all KPQs, in number order), counting the
    awards committed at the end of ``as_at`` (``grants.awards.selectors.status_at``; default today,
    their status now). Two queries."""
    totals = dict(
        FundingLine.objects.filter(fy=fy, award__kpqs__isnull=False)
        .alias(status_then=awards_selectors.status_at(as_at))
        .filter(status_then__in=COMMITTED_STATUSES)
        .order_by()
        .values("award__kpqs")
        .annotate(total=Sum("amount"))
        .values_list("award__kpqs", "total")
    )
    return [
        KpqSpend(kpq=kpq, committed=(totals.get(kpq.pk) or ZERO).quantize(ZERO))
        for kpq in KPQ.objects.order_by("number", "pk")
    ]


def must_do_not_commissioned():
    """Must-do intentions that are neither commissioned nor dropped and have no award (other
    than a cancelled one) linked: the soonest due first, those with no When last."""
    live_awards = Award.objects.filter(intention=OuterRef("pk")).exclude(status=AwardStatus.CANCELLED)
    return (
        CommissioningIntention.objects.filter(rank=IntentionRank.MUST)
        .exclude(status__in=[IntentionStatus.COMMISSIONED, IntentionStatus.DROPPED])
        .filter(~Exists(live_awards))
        .select_related("priority", "lead", "theme")
        .order_by(F("when_fy").asc(nulls_last=True), F("when_date").asc(nulls_last=True), "title", "pk")
    )


def moj_statuses(*, fy: int, today: datetime.date) -> list[MojStatus]:
    """The MoJ return of each half of ``fy`` (its newest version, or None), the half ``today``
    lies in marked current. One query."""
    from reports.models import MojReturn

    latest: dict[int, MojReturn] = {}
    for moj_return in MojReturn.objects.filter(fy=fy).select_related("signed_off_by").order_by("half", "-number"):
        latest.setdefault(moj_return.half, moj_return)
    current = half_of(today)
    return [
        MojStatus(fy=fy, half=half.number, label=half.label, latest=latest.get(half.number), current=half == current)
        for half in FinancialYear(fy).halves()
    ]


def dashboard(*, fy: int, today: datetime.date | None = None) -> Dashboard:
    """Everything the dashboard shows for financial year ``fy``, in a fixed number of queries."""
    fy = FinancialYear(int(fy)).start_year
    today = today or clock.today()
    longest = max(ENDING_HORIZONS)
    must_do = must_do_not_commissioned()
    need = report_selectors.need_versus_spend(fy=fy)
    flagged = need.flagged
    # A past year stands at its last day (31 March), the current year at today.
    funding = funding_selectors.funding_summary(
        fy=fy, as_at=funding_selectors.default_as_at(FinancialYear(fy).period, today)
    )
    return Dashboard(
        fy=fy,
        label=FinancialYear(fy).label,
        today=today,
        funding=funding,
        # A year that is over has no active awards left (the daily run ended them): count the
        # awards that ran in it instead (made: awarded, active or ended).
        active_awards=awards_selectors.award_list(
            fy=fy, status=list(COMMITTED_STATUSES) if funding.complete else AwardStatus.ACTIVE
        ).count(),
        returns_late=monitoring_selectors.returns_inbox(today=today).late.count(),
        rag=monitoring_selectors.portfolio_rag(fy=fy, with_flagged=False),  # counts only
        kpq_spend=kpq_spend(fy=fy, as_at=funding.as_at),
        ending=[
            EndingAwards(
                months=months,
                count=awards_selectors.award_list(ending_within_months=months, today=today).count(),
            )
            for months in ENDING_HORIZONS
        ],
        ending_soonest=list(
            awards_selectors.award_list(ending_within_months=longest, today=today).order_by("runs_until", "reference")[
                :LIST_LIMIT
            ]
        ),
        must_do=list(must_do[:LIST_LIMIT]),
        must_do_count=must_do.count(),
        need_flagged=flagged[:LIST_LIMIT],
        need_flagged_count=len(flagged),
        moj=moj_statuses(fy=fy, today=today),
    )
