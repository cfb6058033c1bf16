"""The quarterly monitoring returns an award owes, kept in step with the award.

An award that has been made (awarded, active or ended) owes one return for every quarter it
runs in, from ``settings.MONITORING_START`` or its start, whichever is later, to its end (the
end of a taken extension), each due ``settings.RETURN_DUE_DAYS`` after its quarter. The whole
schedule is made at once, so providers and officers see what is coming; a return can be filled
in once its quarter has started.

``award_returns_reconcile`` makes the stored returns match: missing quarters are added,
quarters no longer covered lose their returns that nobody has started (status due), and the due
date of an unstarted return follows the setting. A return somebody has saved, submitted or had
accepted is never deleted, whatever happens to the award's dates. Award services call it
whenever an award's status, dates, extension or lines change; the daily run calls it for every
award as a safety net. A closed award is read-only: its returns are left as they were.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from pcc_commissioning import clock
from pcc_commissioning.periods import Period, due_date, quarter_of

from ..models import COMMITTED_STATUSES, Award, AwardClosure, MonitoringReturn, ReturnStatus


@dataclass
class ReconcileResult:
    created: int = 0
    removed: int = 0
    redated: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.removed + self.redated


def quarters_between(first: datetime.date, last: datetime.date) -> list[Period]:
    """The quarters that have at least one day in ``first``..``last`` (empty if last < first)."""
    quarters = []
    if last < first:
        return quarters
    period = quarter_of(first)
    while period.start <= last:
        quarters.append(period)
        period = period.next()
    return quarters


def quarters_owed(award: Award) -> list[Period]:
    """The quarters ``award`` owes a return for (none unless it has been made)."""
    if award.status not in COMMITTED_STATUSES:
        return []
    return quarters_between(max(settings.MONITORING_START, award.start_date), award.last_day)


def return_due_on(period: Period) -> datetime.date:
    return due_date(period, settings.RETURN_DUE_DAYS)


def _key(period: Period) -> tuple[int, int]:
    return period.fy.start_year, period.number


def _reconcile(award: Award, stored: Iterable[MonitoringReturn]) -> tuple[list, list, list]:
    """(returns to create, unstarted returns to delete, unstarted returns to re-date)."""
    wanted = {_key(period): period for period in quarters_owed(award)}
    to_delete, to_redate = [], []
    seen = set()
    for ret in stored:
        key = (ret.fy, ret.quarter)
        seen.add(key)
        unstarted = ret.status == ReturnStatus.DUE
        if key not in wanted:
            if unstarted:
                to_delete.append(ret)
        elif unstarted and ret.due_date != return_due_on(wanted[key]):
            ret.due_date = return_due_on(wanted[key])
            to_redate.append(ret)
    to_create = [
        MonitoringReturn(
            award_id=award.pk, fy=key[0], quarter=key[1], status=ReturnStatus.DUE, due_date=return_due_on(period)
        )
        for key, period in wanted.items()
        if key not in seen
    ]
    return to_create, to_delete, to_redate


def _apply(to_create: list, to_delete: list, to_redate: list) -> ReconcileResult:
    if to_create:
        # ignore_conflicts: two reconcilers at once (a page and the daily run) add the same quarter once.
        bulk_create_with_history(to_create, MonitoringReturn, batch_size=1000, ignore_conflicts=True)
    for ret in to_delete:
        ret.delete()  # history keeps it
    for ret in to_redate:
        ret.save(update_fields=["due_date"])
    return ReconcileResult(created=len(to_create), removed=len(to_delete), redated=len(to_redate))


@transaction.atomic
def award_returns_reconcile(*, award: Award) -> ReconcileResult:
    """Make ``award``'s stored returns match the quarters it owes (see the module's rules)."""
    award = Award.objects.only("pk", "status", "start_date", "end_date", "extension_until", "extension_taken").get(
        pk=award.pk
    )
    if AwardClosure.objects.filter(award_id=award.pk).exists():
        return ReconcileResult()  # a closed award is read-only: its schedule stays as it was closed
    stored = MonitoringReturn.objects.filter(award=award).only("pk", "award_id", "fy", "quarter", "status", "due_date")
    return _apply(*_reconcile(award, stored))


@transaction.atomic
def returns_reconcile_all() -> ReconcileResult:
    """Reconcile every award's returns (the daily safety net): one query for the awards, one
    for their returns, then only the writes that are needed."""
    awards = list(
        Award.objects.filter(Q(status__in=COMMITTED_STATUSES) | Q(returns__status=ReturnStatus.DUE))
        .filter(closure__isnull=True)
        .distinct()
        .only("pk", "status", "start_date", "end_date", "extension_until", "extension_taken")
    )
    stored: dict[int, list[MonitoringReturn]] = {}
    for ret in (
        MonitoringReturn.objects.filter(award__in=[award.pk for award in awards])
        .only("pk", "award_id", "fy", "quarter", "status", "due_date")
        .iterator(chunk_size=2000)
    ):
        stored.setdefault(ret.award_id, []).append(ret)
    creates, deletes, redates = [], [], []
    for award in awards:
        to_create, to_delete, to_redate = _reconcile(award, stored.get(award.pk, []))
        creates += to_create
        deletes += to_delete
        redates += to_redate
    return _apply(creates, deletes, redates)


# Whether a return can be filled in yet ------------------------------------------------------------


def quarter_has_begun(fy: int, quarter: int, today: datetime.date | None = None) -> bool:
    return Period.parse(fy, f"Q{quarter}").start <= (today or clock.today())


def has_started(monitoring_return: MonitoringReturn, today: datetime.date | None = None) -> bool:
    """Whether the return's quarter has begun (only then can it be filled in)."""
    return quarter_has_begun(monitoring_return.fy, monitoring_return.quarter, today)


def started_q(today: datetime.date | None = None, prefix: str = "") -> Q:
    """A filter for returns whose quarter has begun by ``today``."""
    current = quarter_of(today or clock.today())
    year, number = current.fy.start_year, current.number
    return Q(**{f"{prefix}fy__lt": year}) | Q(**{f"{prefix}fy": year, f"{prefix}quarter__lte": number})


def opens_on(monitoring_return: MonitoringReturn) -> datetime.date:
    """The first day the return can be filled in: its quarter's first day."""
    return Period.parse(monitoring_return.fy, f"Q{monitoring_return.quarter}").start


# The schedule as a table ----------------------------------------------------------------------------

SCHEDULE_COLUMNS = ("award_reference", "provider", "fy", "quarter", "period_start", "period_end", "due_date", "status")
# Not yet handed in: past its due date, such a return is "overdue" in the schedule.
_NOT_HANDED_IN = (ReturnStatus.DUE, ReturnStatus.DRAFT)


def schedule_status(monitoring_return: MonitoringReturn, today: datetime.date) -> str:
    """The return's status in the schedule: "overdue" for one not handed in (due or a draft)
    after its due date, else its own status (due, draft, submitted, returned, accepted)."""
    if monitoring_return.status in _NOT_HANDED_IN and monitoring_return.due_date < today:
        return "overdue"
    return monitoring_return.status


def return_schedule_table(*, fy: int | None = None, today: datetime.date | None = None) -> tuple[list[str], list[list]]:
    """Every scheduled return (of every year, or of ``fy``), by award and quarter, in the
    ``return_schedule`` format. One query."""
    today = today or clock.today()
    returns = MonitoringReturn.objects.select_related("award__provider").order_by(
        "award__reference", "fy", "quarter", "pk"
    )
    if fy is not None:
        returns = returns.filter(fy=fy)
    rows = []
    for ret in returns.only("fy", "quarter", "due_date", "status", "award__reference", "award__provider__name"):
        period = Period.parse(ret.fy, f"Q{ret.quarter}")
        rows.append(
            [
                ret.award.reference,
                ret.award.provider.name,
                ret.fy,
                ret.quarter,
                period.start,
                period.end,
                ret.due_date,
                schedule_status(ret, today),
            ]
        )
    return list(SCHEDULE_COLUMNS), rows
