"""The transparency lists of the Elected Local Policing Bodies (Specified Information) Order
2011, which every OPCC must publish (docs/formats.md "Transparency lists").

Each list is a ``TransparencyList``: its columns (export header, page heading, kind of value),
a queryset filtered by financial year (and, for spend over £500, month) and a function turning
one record into a row. The page paginates the queryset and the export writes every row, so
both show the same records in the same order. Each list is one query per page of rows (plus
the page count), whatever the number of records. A list may name the columns the Order requires
that a record can leave blank (``required``): officers see how many records lack each, one
more query, with those rows marked; the published list and its downloads are not changed.

What each list holds (docs/formats.md "Transparency lists"):

- ``grants_register``: grants and contributions that have been made (awarded, active or ended;
  planned, procuring and cancelled awards are not yet, or no longer, grants). ``amount`` is the
  award's total over all its funding lines; with a year, the awards with a line in that year.
- ``contracts_register``: contracts and service level agreements made (same statuses) whose
  total value is over £10,000. SLAs are included: they are agreements to pay for services,
  which the Order's "contract" covers whoever the counterparty is; the ``kind`` column tells
  them apart.
- ``decisions``: published decision records; with a year, those decided in it.
- ``spend_over_500``: payments of more than £500 that have been paid; with a year, those paid
  in it (by paid date, not by the year of the line they pay), and on the page a month of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from grants.models import COMMITTED_STATUSES, Award, AwardKind, Decision, DecisionStatus, FundingLine, Payment
from grants.queries import ZERO, sum_subquery
from pcc_commissioning.interchange.exports import Sheet
from pcc_commissioning.periods import FinancialYear, Period

CONTRACT_THRESHOLD = Decimal("10000.00")
SPEND_THRESHOLD = Decimal("500.00")


@dataclass(frozen=True)
class Column:
    name: str  # the export's header
    label: str  # the page's column heading
    kind: str = "text"  # text, money, pence, date, long (long text, shown smaller)


def _blank(text) -> bool:
    return not (text or "").strip()


def _blank_q(field: str) -> Q:
    """Rows whose text ``field`` is empty or only spaces (the same on PostgreSQL and SQLite)."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__regex": r"^\s*$"})


@dataclass(frozen=True)
class Requirement:
    """A column the Order requires: records that leave it blank are flagged to officers."""

    column: str  # the column's name (``Column.name``)
    order: str  # what the Order asks for, for the officer who fills it in
    missing: Q  # the records that lack it, for counting in the database
    lacks: Callable[[Any], bool]  # the same test on one record of the list's queryset


@dataclass(frozen=True)
class TransparencyList:
    kind: str  # the export_data kind and the URL slug
    title: str
    description: str
    columns: tuple[Column, ...]
    queryset: Callable[..., QuerySet]  # queryset(fy=None, month=None)
    row: Callable[[Any], list]
    by_month: bool = False
    page_omits: tuple[str, ...] = ()  # columns only in the export (the page would be too wide)
    required: tuple[Requirement, ...] = ()  # what the Order requires that a record may leave blank
    fix_url: str = ""  # the URL name (taking the record's pk) of the page where a gap is filled in

    @property
    def headers(self) -> list[str]:
        return [column.name for column in self.columns]

    def rows(self, records) -> list[list]:
        return [self.row(record) for record in records]

    def sheet(self, *, fy: int | None = None, month: str | None = None) -> Sheet:
        return Sheet(self.title[:31], self.headers, self.rows(self.queryset(fy=fy, month=month)))

    @property
    def any_missing(self) -> Q:
        """The records that lack at least one required column (none if nothing is required)."""
        query = Q(pk__in=[])
        for requirement in self.required:
            query |= requirement.missing
        return query

    def gaps(self, queryset: QuerySet) -> dict:
        """How many records of ``queryset`` lack something the Order requires: ``records``
        (lacking anything) and, per requirement in order, ``(requirement, count)``. One query."""
        if not self.required:
            return {"records": 0, "by_requirement": []}
        counts = queryset.order_by().aggregate(
            records=Count("pk", filter=self.any_missing),
            **{f"gap_{n}": Count("pk", filter=r.missing) for n, r in enumerate(self.required)},
        )
        return {
            "records": counts["records"],
            "by_requirement": [(r, counts[f"gap_{n}"]) for n, r in enumerate(self.required) if counts[f"gap_{n}"]],
        }

    def record_gaps(self, record) -> list[Requirement]:
        """The requirements ``record`` leaves blank."""
        return [requirement for requirement in self.required if requirement.lacks(record)]


def _total_value():
    return sum_subquery(FundingLine.objects.filter(award=OuterRef("pk")), "award")


def _made_awards(kinds, *, fy: int | None) -> QuerySet[Award]:
    awards = (
        Award.objects.filter(kind__in=kinds, status__in=COMMITTED_STATUSES)
        .select_related("provider", "decision")
        .annotate(total_value=_total_value())
    )
    if fy is not None:
        awards = awards.filter(Exists(FundingLine.objects.filter(award=OuterRef("pk"), fy=int(fy))))
    return awards.order_by("-start_date", "reference", "pk")


def _decision_cells(award: Award) -> list:
    decision = award.decision
    return [decision.reference if decision else "", decision.decided_on if decision else None]


# Grants register ----------------------------------------------------------------------------------


def grants_queryset(*, fy: int | None = None, month: str | None = None) -> QuerySet[Award]:
    return _made_awards((AwardKind.GRANT, AwardKind.CONTRIBUTION), fy=fy)


def grant_row(award: Award) -> list:
    return [
        award.reference,
        award.provider.name,
        award.provider.charity_number,
        award.provider.company_number,
        award.kind,
        award.title,
        award.purpose,
        award.conditions,
        award.reasons,
        (award.total_value or ZERO).quantize(ZERO),
        award.start_date,
        # As varied: a no-cost extension taken moves the award's last day, not its end date.
        award.last_day,
        *_decision_cells(award),
    ]


GRANTS_REGISTER = TransparencyList(
    kind="grants_register",
    title="Grants register",
    description="Each crime and disorder reduction grant and contribution made: recipient, purpose, amount, "
    "conditions and the reasons it was made, with its dates and decision.",
    columns=(
        Column("reference", "Reference"),
        Column("recipient", "Recipient"),
        Column("charity_number", "Charity number"),
        Column("company_number", "Company number"),
        Column("kind", "Kind"),
        Column("title", "Title"),
        Column("purpose", "Purpose", "long"),
        Column("conditions", "Conditions", "long"),
        Column("reasons", "Reasons", "long"),
        Column("amount", "Amount", "money"),
        Column("start_date", "Start", "date"),
        Column("end_date", "End", "date"),
        Column("decision_reference", "Decision"),
        Column("decision_date", "Decided on", "date"),
    ),
    queryset=grants_queryset,
    row=grant_row,
    page_omits=("charity_number", "company_number", "decision_date"),
    # The Order asks for each grant "including the conditions (if any) attached to the grant, and
    # the body's reasons for considering that the grant would secure, or contribute to securing,
    # crime and disorder reduction"; blank conditions cannot tell "none" from "not recorded".
    required=(
        Requirement(
            "conditions",
            'the conditions attached to the grant (write "None" if there are none)',
            _blank_q("conditions"),
            lambda award: _blank(award.conditions),
        ),
        Requirement(
            "reasons",
            "the reasons for considering that the grant will secure, or contribute to securing, crime and "
            "disorder reduction",
            _blank_q("reasons"),
            lambda award: _blank(award.reasons),
        ),
        Requirement(
            "amount",
            "the amount of the grant (its funding lines)",
            Q(total_value__isnull=True) | Q(total_value__lte=0),
            lambda award: not award.total_value or award.total_value <= 0,
        ),
    ),
    fix_url="grants:award_edit",
)


# Contracts register -------------------------------------------------------------------------------


def contracts_queryset(*, fy: int | None = None, month: str | None = None) -> QuerySet[Award]:
    return _made_awards((AwardKind.CONTRACT, AwardKind.SLA), fy=fy).filter(total_value__gt=CONTRACT_THRESHOLD)


def contract_row(award: Award) -> list:
    return [
        award.reference,
        award.provider.name,
        award.kind,
        award.title,
        (award.total_value or ZERO).quantize(ZERO),
        award.start_date,
        # As varied: a no-cost extension taken moves the award's last day, not its end date.
        award.last_day,
        *_decision_cells(award),
    ]


CONTRACTS_REGISTER = TransparencyList(
    kind="contracts_register",
    title="Contracts register",
    description="Each contract and service level agreement made whose value is over £10,000: supplier, title, "
    "value, start and end, and the decision that made it.",
    columns=(
        Column("reference", "Reference"),
        Column("supplier", "Supplier"),
        Column("kind", "Kind"),
        Column("title", "Title"),
        Column("value", "Value", "money"),
        Column("start_date", "Start", "date"),
        Column("end_date", "End", "date"),
        Column("decision_reference", "Decision"),
        Column("decision_date", "Decided on", "date"),
    ),
    queryset=contracts_queryset,
    row=contract_row,
)


# Decisions ------------------------------------------------------------------------------------------


def decisions_queryset(*, fy: int | None = None, month: str | None = None) -> QuerySet[Decision]:
    decisions = Decision.objects.filter(status=DecisionStatus.PUBLISHED)
    if fy is not None:
        year = FinancialYear(int(fy))
        decisions = decisions.filter(decided_on__gte=year.start, decided_on__lte=year.end)
    return decisions.order_by("-decided_on", "-reference", "pk")


def decision_row(decision: Decision) -> list:
    return [
        decision.reference,
        decision.subject,
        decision.decided_on,
        decision.published_on,
        decision.decision_maker,
        decision.summary,
    ]


DECISIONS = TransparencyList(
    kind="decisions",
    title="Published decisions",
    description="The decisions of the Police and Crime Commissioner published as decision records: reference, "
    "subject, date and summary.",
    columns=(
        Column("reference", "Reference"),
        Column("subject", "Subject"),
        Column("decided_on", "Decided on", "date"),
        Column("published_on", "Published on", "date"),
        Column("decision_maker", "Decision maker"),
        Column("summary", "Summary", "long"),
    ),
    queryset=decisions_queryset,
    row=decision_row,
)


# Spend over £500 ------------------------------------------------------------------------------------


def month_period(fy: int, month: str | None) -> Period | None:
    """The month ``month`` ("M1" = April … "M12" = March) of ``fy``; None for the whole year.
    Raises ValueError for a code that is not a month."""
    if not month:
        return None
    period = Period.parse(FinancialYear(int(fy)), month)
    if period.kind != "M":
        raise ValueError(f"'{month}' is not a month: use M1 (April) to M12 (March).")
    return period


def spend_queryset(*, fy: int | None = None, month: str | None = None) -> QuerySet[Payment]:
    payments = Payment.objects.filter(paid_date__isnull=False, amount__gt=SPEND_THRESHOLD).select_related(
        "award__provider", "stream"
    )
    if fy is not None:
        period = month_period(fy, month) or FinancialYear(int(fy)).period
        payments = payments.filter(paid_date__gte=period.start, paid_date__lte=period.end)
    return payments.order_by("-paid_date", Lower("award__provider__name"), "pk")


def spend_row(payment: Payment) -> list:
    award = payment.award
    return [
        payment.paid_date,
        award.provider.name,
        award.provider.supplier_number,
        payment.amount,
        award.reference,
        award.title,
        payment.stream.name,
    ]


SPEND_OVER_500 = TransparencyList(
    kind="spend_over_500",
    title="Spend over £500",
    description="Each payment of more than £500, by the month it was paid: date, supplier, amount, the award it "
    "paid and the funding stream it came from.",
    columns=(
        Column("paid_date", "Paid on", "date"),
        Column("supplier", "Supplier"),
        Column("supplier_number", "Supplier number"),
        Column("amount", "Amount", "pence"),
        Column("award_reference", "Award"),
        Column("purpose", "Purpose"),
        Column("funding_stream", "Funding stream"),
    ),
    queryset=spend_queryset,
    row=spend_row,
    by_month=True,
)


LISTS: dict[str, TransparencyList] = {
    entry.kind: entry for entry in (GRANTS_REGISTER, CONTRACTS_REGISTER, DECISIONS, SPEND_OVER_500)
}


__all__ = [
    "CONTRACT_THRESHOLD",
    "LISTS",
    "SPEND_THRESHOLD",
    "Column",
    "Requirement",
    "TransparencyList",
    "month_period",
]
