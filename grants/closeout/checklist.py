"""What an award still needs before it can be closed: one rule, read by the close page, the
"closing soon" list and ``award_close`` alike.

An award can be closed once it has ended (or was cancelled) and:

- its final monitoring return (the return for the last quarter it ran, as
  ``grants.schedules.returns.quarters_owed`` schedules it) is accepted;
- a final budget return (``SpendReturn`` of kind final) is recorded for its last financial year;
- every recovery is recovered or written off;
- no payment is waiting to be paid (cancelled ones count for nothing);
- no variation is still open.

A cancelled award may be closed without the final returns: it owes what it owed when it
stopped, and the officer closes it with the money settled. ``checklists_for`` answers for a
whole page of awards in a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.urls import reverse

from grants.models import (
    OPEN_VARIATION_STATUSES,
    SETTLED_RECOVERY_STATUSES,
    Award,
    AwardStatus,
    MonitoringReturn,
    Payment,
    Recovery,
    ReturnStatus,
    SpendReturn,
    SpendReturnKind,
    Variation,
)
from grants.schedules.returns import quarters_owed
from pcc_commissioning.periods import FinancialYear, fy_label, quarter_label

CLOSABLE_STATUSES = (AwardStatus.ENDED, AwardStatus.CANCELLED)


@dataclass(frozen=True)
class Item:
    """One thing a close needs: what it is, whether it is done, where to go to do it, the form
    field a refusal names, and the refusal itself."""

    label: str
    done: bool
    link_name: str
    link_args: tuple = ()
    anchor: str = ""
    field: str = "__all__"
    missing: str = ""

    @property
    def href(self) -> str:
        return reverse(self.link_name, args=self.link_args) + (f"#{self.anchor}" if self.anchor else "")


@dataclass
class Facts:
    """What the checklist reads about one award, gathered for many at once."""

    final_return: MonitoringReturn | None = None
    final_spend: SpendReturn | None = None
    open_recoveries: int = 0
    unpaid_payments: int = 0
    open_variations: int = 0


def final_quarter(award: Award) -> tuple[int, int] | None:
    """(financial year, quarter) of the award's final monitoring return, or None if it owes none."""
    owed = quarters_owed(award)
    if not owed:
        return None
    return owed[-1].fy.start_year, owed[-1].number


def last_year(award: Award) -> int:
    """The financial year of the award's last day: its final budget return is for that year."""
    return FinancialYear.of(award.last_day).start_year


def _facts(awards: Sequence[Award]) -> dict[int, Facts]:
    """Five queries for any number of awards."""
    facts = {award.pk: Facts() for award in awards}
    if not awards:
        return facts
    ids = list(facts)
    wanted = {award.pk: final_quarter(award) for award in awards}
    keys = [Q(award_id=pk, fy=key[0], quarter=key[1]) for pk, key in wanted.items() if key]
    if keys:
        for ret in MonitoringReturn.objects.filter(reduce(or_, keys)).only("pk", "award_id", "fy", "quarter", "status"):
            facts[ret.award_id].final_return = ret
    years = {award.pk: last_year(award) for award in awards}
    for spend in SpendReturn.objects.filter(award_id__in=ids, kind=SpendReturnKind.FINAL).only("pk", "award_id", "fy"):
        if years[spend.award_id] == spend.fy:
            facts[spend.award_id].final_spend = spend
    counts = (
        ("open_recoveries", Recovery.objects.filter(award_id__in=ids).exclude(status__in=SETTLED_RECOVERY_STATUSES)),
        ("unpaid_payments", Payment.objects.filter(award_id__in=ids, paid_date__isnull=True)),
        ("open_variations", Variation.objects.filter(award_id__in=ids, status__in=OPEN_VARIATION_STATUSES)),
    )
    for name, queryset in counts:
        for award_id, count in Counter(queryset.values_list("award_id", flat=True)).items():
            setattr(facts[award_id], name, count)
    return facts


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _ended_item(award: Award) -> Item:
    done = award.status in CLOSABLE_STATUSES
    return Item(
        label="The award has ended" if award.status != AwardStatus.CANCELLED else "The award was cancelled",
        done=done,
        link_name="grants:award_detail",
        link_args=(award.pk,),
        field="award",
        missing=(
            f"Award {award.reference} is {award.get_status_display().lower()}: only an ended or cancelled "
            "award can be closed."
        ),
    )


def _return_item(award: Award, facts: Facts) -> Item:
    key = final_quarter(award)
    if key is None:
        return Item(
            label="No monitoring return is owed", done=True, link_name="grants:award_performance", link_args=(award.pk,)
        )
    label = quarter_label(*key)
    ret = facts.final_return
    status = ret.get_status_display().lower() if ret else "not scheduled"
    return Item(
        label=f"Final monitoring return ({label}) accepted",
        done=ret is not None and ret.status == ReturnStatus.ACCEPTED,
        link_name="grants:return_review" if ret else "grants:award_performance",
        link_args=(ret.pk,) if ret else (award.pk,),
        field="final_return",
        missing=f"The final monitoring return ({label}) must be accepted first; it is {status}.",
    )


def _spend_item(award: Award, facts: Facts) -> Item:
    year = fy_label(last_year(award))
    return Item(
        label=f"Final budget return for {year} recorded",
        done=facts.final_spend is not None,
        link_name="grants:award_detail",
        link_args=(award.pk,),
        anchor="spend",
        field="final_spend",
        missing=f"Record the provider's final budget return for {year} (what it spent against what it was paid).",
    )


def _money_items(award: Award, facts: Facts) -> list[Item]:
    recoveries, payments, variations = facts.open_recoveries, facts.unpaid_payments, facts.open_variations
    return [
        Item(
            label="Every recovery recovered or written off",
            done=not recoveries,
            link_name="grants:award_detail",
            link_args=(award.pk,),
            anchor="recoveries",
            field="recoveries",
            missing=f"{_plural(recoveries, 'recovery is', 'recoveries are')} still open: "
            "recover the money or write it off first.",
        ),
        Item(
            label="No payment waiting to be paid",
            done=not payments,
            link_name="grants:award_detail",
            link_args=(award.pk,),
            anchor="payments",
            field="payments",
            missing=f"{_plural(payments, 'payment has', 'payments have')} not been paid: "
            "mark them paid or cancel them first.",
        ),
        Item(
            label="No variation open",
            done=not variations,
            link_name="grants:award_detail",
            link_args=(award.pk,),
            anchor="variations",
            field="variations",
            missing=f"{_plural(variations, 'variation is', 'variations are')} still open: "
            "approve, decline or withdraw them first.",
        ),
    ]


def _items(award: Award, facts: Facts) -> list[Item]:
    items = [_ended_item(award)]
    if award.status != AwardStatus.CANCELLED:
        items += [_return_item(award, facts), _spend_item(award, facts)]
    return items + _money_items(award, facts)


def checklists_for(awards: Iterable[Award]) -> dict[int, list[Item]]:
    """Each award's checklist, by award id (five queries, however many awards)."""
    awards = list(awards)
    facts = _facts(awards)
    return {award.pk: _items(award, facts[award.pk]) for award in awards}


def award_closing_checklist(award: Award) -> list[Item]:
    """What closing ``award`` needs, in order, each done or not."""
    return checklists_for([award])[award.pk]


def closing_state(award: Award) -> tuple[list[Item], Facts]:
    """The award's checklist with what it was read from (its final return and final budget
    return, for the close form and ``award_close``)."""
    facts = _facts([award])[award.pk]
    return _items(award, facts), facts


def personal_data_until(closed_on: datetime.date, years: int) -> datetime.date:
    """The day ``years`` after ``closed_on`` (the same day and month; 29 February gives
    28 February in a year that has none)."""
    try:
        return closed_on.replace(year=closed_on.year + years)
    except ValueError:
        return closed_on.replace(year=closed_on.year + years, day=28)
