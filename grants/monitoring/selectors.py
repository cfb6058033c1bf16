"""Monitoring reads: who may see a return, the return form's code lists, the officers' inbox,
an award's performance, the portfolio RAG view and a provider's returns.

Every list here runs a fixed number of queries whatever the number of rows (tested).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Prefetch, QuerySet, Value, When
from django.http import Http404

from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKPI,
    KPIPeriod,
    MonitoringReturn,
    Rag,
    ReturnBreakdown,
    ReturnKPIValue,
    ReturnOutcome,
    ReturnStatus,
)
from grants.monitoring.return_data import BREAKDOWN_LISTS
from grants.monitoring.services import OUTSTANDING_STATUSES
from grants.schedules.returns import started_q
from outcomes.models import CodeList, CodeListEntry, CommissioningPriority, CountingDefinition, CountingTerm
from outcomes.selectors import codes_by_list, priority_list
from pcc_commissioning import clock, periods
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require

# Awards a provider user may see (and so their returns): those that have been made.
PROVIDER_VISIBLE_STATUSES = COMMITTED_STATUSES


# Returns with data from the provider (shown on the performance tab).
REPORTED_STATUSES = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)


def quarter_label(fy: int, quarter: int) -> str:
    """ "Q1 2019/20" (``periods.quarter_label``)."""
    return periods.quarter_label(fy, quarter)


# One return ----------------------------------------------------------------------------------------
def _return_queryset() -> QuerySet[MonitoringReturn]:
    return MonitoringReturn.objects.select_related(
        "award", "award__provider", "award__priority", "award__lead_officer", "submitted_by", "reviewed_by"
    )


def return_detail(pk: int) -> MonitoringReturn:
    """A return with its award and provider, breakdowns and outcomes (with their codes) and KPI
    values (with their KPIs) prefetched. 404 if there is none."""
    try:
        return (
            _return_queryset()
            .prefetch_related(
                Prefetch(
                    "breakdowns",
                    queryset=ReturnBreakdown.objects.select_related("code").order_by(
                        "code__list", "code__sort_order", "code__code"
                    ),
                ),
                Prefetch(
                    "outcomes",
                    queryset=ReturnOutcome.objects.select_related("code").order_by("code__sort_order", "code__code"),
                ),
                Prefetch("kpi_values", queryset=ReturnKPIValue.objects.select_related("kpi").order_by("kpi__name")),
            )
            .get(pk=pk)
        )
    except (MonitoringReturn.DoesNotExist, ValueError, TypeError):
        raise Http404("No such return.") from None


def access_return(user, pk: int, *, for_edit: bool = False) -> MonitoringReturn:
    """The return ``pk`` if ``user`` may see it (``for_edit``: fill it in or review it).

    A provider user sees, and may fill in, only its own organisation's returns of awards that
    have been made; any other is 404, so its existence is not revealed. Officers see and review
    all; finance officers and board members read only. Whether the return's *status* allows a
    change is the services' business (``grants.monitoring``)."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    if is_provider_user(user):
        require(user, "portal.view")
        ret = return_detail(pk)
        organisation_id = provider_organisation_id(user)
        if (
            organisation_id is None
            or ret.award.provider_id != organisation_id
            or ret.award.status not in PROVIDER_VISIBLE_STATUSES
        ):
            raise Http404("No such return.")
        return ret
    require(user, "grants.edit" if for_edit else "grants.view")
    return return_detail(pk)


def is_late(ret: MonitoringReturn, today: datetime.date | None = None) -> bool:
    """Past its due date and not yet handed in (due, a draft, or returned for changes)."""
    today = today or clock.today()
    return ret.status in OUTSTANDING_STATUSES and ret.due_date < today


# The return form -----------------------------------------------------------------------------------
@dataclass
class ReturnFormCodes:
    """What a return form of financial year ``fy`` shows: each list's entries valid that year
    (each with its ``definition``) and the counting definitions of "referral" and "victim
    supported" (``definitions["referral"]``, ``definitions["supported"]``; absent if not set)."""

    fy: int
    lists: dict[str, list[CodeListEntry]]
    definitions: dict[str, CountingDefinition]

    @property
    def breakdown_lists(self) -> list[tuple[str, str, list[CodeListEntry]]]:
        """(list name, label, entries) for crime type, age band, sex, ethnicity, disability."""
        labels = dict(CodeList.choices)
        return [(name, labels[name], self.lists.get(name, [])) for name in BREAKDOWN_LISTS]

    @property
    def outcome_measures(self) -> list[CodeListEntry]:
        return self.lists.get(CodeList.OUTCOME, [])

    @property
    def referral(self) -> CountingDefinition | None:
        return self.definitions.get(CountingTerm.REFERRAL)

    @property
    def supported(self) -> CountingDefinition | None:
        return self.definitions.get(CountingTerm.SUPPORTED)


def return_form_codes(fy: int) -> ReturnFormCodes:
    """Two queries."""
    return ReturnFormCodes(
        fy=fy,
        lists=codes_by_list(fy),
        definitions={item.term: item for item in CountingDefinition.objects.all()},
    )


@dataclass
class Chasing:
    """Who can hand in a return that is still outstanding, and the reminders already sent."""

    portal_users: int
    reminders: list  # ReminderSent, oldest first


def return_chasing(ret: MonitoringReturn) -> Chasing:
    """For an officer looking at a return not yet handed in: how many of the provider's people
    can sign in to the portal to fill it in, and which reminders went out. Two queries."""
    from grants.models import ReminderSent
    from providers.models import ProviderMembership

    return Chasing(
        portal_users=ProviderMembership.objects.filter(
            organisation_id=ret.award.provider_id, user__is_active=True
        ).count(),
        reminders=list(ReminderSent.objects.filter(item=f"return:{ret.pk}").order_by("sent_at")),
    )


# The officers' inbox -------------------------------------------------------------------------------
@dataclass
class ReturnsInbox:
    """Three lists of returns, each with award, provider and lead officer loaded: ``due`` (not
    handed in, not yet late; soonest first), ``late`` (past due and not handed in; oldest first)
    and ``awaiting_review`` (submitted; longest waiting first). Querysets, so a view can page them."""

    today: datetime.date
    due: QuerySet[MonitoringReturn]
    late: QuerySet[MonitoringReturn]
    awaiting_review: QuerySet[MonitoringReturn]


def _inbox_queryset() -> QuerySet[MonitoringReturn]:
    return MonitoringReturn.objects.select_related("award", "award__provider", "award__lead_officer", "award__priority")


def returns_inbox(*, today: datetime.date | None = None) -> ReturnsInbox:
    today = today or clock.today()
    # Quarters that have not begun are on the schedule but nobody can fill them in yet.
    outstanding = _inbox_queryset().filter(started_q(today), status__in=OUTSTANDING_STATUSES)
    return ReturnsInbox(
        today=today,
        due=outstanding.filter(due_date__gte=today).order_by("due_date", "award__reference", "pk"),
        late=outstanding.filter(due_date__lt=today).order_by("due_date", "award__reference", "pk"),
        awaiting_review=_inbox_queryset()
        .filter(status=ReturnStatus.SUBMITTED)
        .order_by("submitted_at", "due_date", "award__reference", "pk"),
    )


# An award's performance -----------------------------------------------------------------------------
@dataclass
class KPIPoint:
    """One quarter of a KPI: the value reported (None if none), the target it is compared with,
    the year-to-date total (for a yearly target) and whether the target was met (None: no
    target or no value)."""

    fy: int
    quarter: int
    label: str
    actual: Decimal | None
    year_to_date: Decimal | None
    target: Decimal | None
    met: bool | None
    status: str


@dataclass
class KPIPerformance:
    kpi: AwardKPI
    points: list[KPIPoint] = field(default_factory=list)

    @property
    def yearly(self) -> bool:
        return self.kpi.target_period == KPIPeriod.YEAR


@dataclass
class RagPoint:
    fy: int
    quarter: int
    label: str
    rag: str
    rag_comment: str
    reviewed_at: datetime.datetime | None
    return_id: int


@dataclass
class AwardPerformance:
    award: Award
    kpis: list[KPIPerformance]
    rag_history: list[RagPoint]
    quarters: list[tuple[int, int, str]]  # (fy, quarter, label) of the returns reported, in order


def award_performance(award: Award) -> AwardPerformance:
    """Per KPI, per reported quarter (submitted or accepted returns): actual against target;
    and the RAG ratings of accepted returns in order. Three queries."""
    kpis = list(AwardKPI.objects.filter(award=award).select_related("kpq").order_by("name"))
    returns = list(
        MonitoringReturn.objects.filter(award=award, status__in=REPORTED_STATUSES)
        .order_by("fy", "quarter")
        .only("pk", "fy", "quarter", "status", "rag", "rag_comment", "reviewed_at")
    )
    values: dict[tuple[int, int], Decimal] = {
        (row.kpi_id, row.monitoring_return_id): row.value
        for row in ReturnKPIValue.objects.filter(monitoring_return__award=award).only(
            "kpi_id", "monitoring_return_id", "value"
        )
    }
    performance = [_kpi_performance(kpi, returns, values) for kpi in kpis]
    rag_history = [
        RagPoint(
            fy=ret.fy,
            quarter=ret.quarter,
            label=quarter_label(ret.fy, ret.quarter),
            rag=ret.rag,
            rag_comment=ret.rag_comment,
            reviewed_at=ret.reviewed_at,
            return_id=ret.pk,
        )
        for ret in returns
        if ret.status == ReturnStatus.ACCEPTED and ret.rag
    ]
    return AwardPerformance(
        award=award,
        kpis=performance,
        rag_history=rag_history,
        quarters=[(ret.fy, ret.quarter, quarter_label(ret.fy, ret.quarter)) for ret in returns],
    )


def _kpi_performance(
    kpi: AwardKPI, returns: list[MonitoringReturn], values: dict[tuple[int, int], Decimal]
) -> KPIPerformance:
    """One KPI across the reported returns, with its running total in each year."""
    item = KPIPerformance(kpi=kpi)
    running: dict[int, Decimal] = defaultdict(Decimal)
    for ret in returns:
        actual = values.get((kpi.pk, ret.pk))
        if actual is not None:
            running[ret.fy] += actual
        year_to_date = running.get(ret.fy)
        item.points.append(
            KPIPoint(
                fy=ret.fy,
                quarter=ret.quarter,
                label=quarter_label(ret.fy, ret.quarter),
                actual=actual,
                year_to_date=year_to_date,
                target=kpi.target,
                met=_target_met(kpi, year_to_date if item.yearly else actual, yearly=item.yearly, quarter=ret.quarter),
                status=ret.status,
            )
        )
    return item


def _target_met(kpi: AwardKPI, compared: Decimal | None, *, yearly: bool, quarter: int) -> bool | None:
    """Whether the value compared met the KPI's target (None: no target or no value, or a
    yearly target not met before the year is over)."""
    if kpi.target is None or compared is None:
        return None
    if yearly and quarter < 4:
        return True if compared >= kpi.target else None  # the year is not over yet
    return compared >= kpi.target


def award_returns(award: Award) -> QuerySet[MonitoringReturn]:
    """An award's returns, latest quarter first."""
    return MonitoringReturn.objects.filter(award=award).select_related("award").order_by("-fy", "-quarter")


# The portfolio RAG view ------------------------------------------------------------------------------
@dataclass
class PriorityRag:
    """One commissioning priority's awards by RAG rating, with the red and amber returns named."""

    priority: CommissioningPriority
    green: int = 0
    amber: int = 0
    red: int = 0
    not_rated: int = 0
    flagged: list[MonitoringReturn] = field(default_factory=list)  # red first, then amber

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red + self.not_rated


def _latest_ratings(*, fy: int, quarter: int | None) -> dict[int, tuple[int, int, str]]:
    """Award id → (return pk, priority id, rating) of the return each award counts with: the
    quarter's return, or with no quarter its latest rated return of the year ("" when not rated).
    One query over plain tuples (a national service has tens of thousands of returns a year)."""
    returns = MonitoringReturn.objects.filter(fy=fy, award__status__in=COMMITTED_STATUSES)
    if quarter is not None:
        returns = returns.filter(quarter=quarter)
    facts = returns.order_by("award_id", "quarter").values_list("pk", "award_id", "award__priority_id", "status", "rag")
    # Ordered by quarter: the latest rated return wins; an award with none counts as not rated.
    latest: dict[int, tuple[int, int, str]] = {}
    for pk, award_id, priority_id, status, rag in facts:
        held = latest.get(award_id)
        rated_now = rag if status == ReturnStatus.ACCEPTED and rag else ""
        if held is None or rated_now or not held[2]:
            latest[award_id] = (pk, priority_id, rated_now)
    return latest


FLAGGED = (Rag.RED, Rag.AMBER)


def _flagged_returns(pks: list[int]) -> QuerySet[MonitoringReturn]:
    """These red and amber returns by priority (in the Plan's order), red first, then by award."""
    return (
        MonitoringReturn.objects.filter(pk__in=pks)
        .select_related("award", "award__provider", "award__priority")
        .order_by(
            "award__priority__sort_order",
            "award__priority__name",
            "award__priority_id",
            Case(When(rag=Rag.RED, then=Value(0)), default=Value(1)),
            "award__reference",
            "pk",
        )
    )


def portfolio_rag(*, fy: int, quarter: int | None = None, with_flagged: bool = True) -> list[PriorityRag]:
    """Per commissioning priority (all of them, in order): how many awards were rated green,
    amber or red, or are not rated yet, for quarter ``quarter`` of ``fy`` — or, with no quarter,
    on each award's latest rated return of the year. Three queries; two without
    ``with_flagged``, when each row's ``flagged`` stays empty (the counts are wanted, or the
    red and amber returns are listed a page at a time from ``portfolio_flagged``)."""
    rows = {priority.pk: PriorityRag(priority=priority) for priority in priority_list()}
    flagged_pks = []
    for pk, priority_id, rating in _latest_ratings(fy=fy, quarter=quarter).values():
        row = rows.get(priority_id)
        if row is None:
            continue
        if rating == Rag.GREEN:
            row.green += 1
        elif rating == Rag.AMBER:
            row.amber += 1
        elif rating == Rag.RED:
            row.red += 1
        else:
            row.not_rated += 1
        if with_flagged and rating in FLAGGED:
            flagged_pks.append(pk)
    if flagged_pks:
        for ret in _flagged_returns(flagged_pks):
            rows[ret.award.priority_id].flagged.append(ret)
    return list(rows.values())


def portfolio_flagged(*, fy: int, quarter: int | None = None) -> QuerySet[MonitoringReturn]:
    """The red and amber returns ``portfolio_rag`` counts, across every priority, as one
    queryset to paginate: by priority, red first, then by award. One query to choose them."""
    pks = [pk for pk, _, rating in _latest_ratings(fy=fy, quarter=quarter).values() if rating in FLAGGED]
    return _flagged_returns(pks)


# The provider portal -----------------------------------------------------------------------------------
def provider_returns(organisation, *, today: datetime.date | None = None) -> QuerySet[MonitoringReturn]:
    """An organisation's returns (of awards that have been made) whose quarter has begun by
    ``today``, latest quarter first. Later quarters are on each award's page."""
    organisation_id = getattr(organisation, "pk", organisation)
    return (
        MonitoringReturn.objects.filter(award__provider_id=organisation_id, award__status__in=PROVIDER_VISIBLE_STATUSES)
        .filter(started_q(today))
        .select_related("award")
        .order_by("-fy", "-quarter", "award__reference")
    )
