"""Reads of awards, shaped so query counts stay flat: the register list with its filters and totals,
an award's page (money by year, status on a past day, payment plan) and its timeline."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404

from grants.models import (
    COMMITTED_STATUSES,
    OPEN_STATUSES,
    PLANNED_STATUSES,
    Award,
    AwardDocument,
    AwardStatus,
    AwardTransition,
    CoFunding,
    ForecastOutturn,
    FundingLine,
    FundingStream,
    MonitoringReturn,
    Payment,
    PaymentPlan,
)
from grants.queries import ZERO, sum_subquery
from pcc_commissioning import clock
from pcc_commissioning.money import to_penny
from pcc_commissioning.periods import FinancialYear, fys_between
from pcc_commissioning.records import ordering_for
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require
from providers.models import Organisation

# Awards a provider user may see on the portal: planned, procuring and cancelled awards are
# internal (procurement is confidential until an award is made).
PROVIDER_VISIBLE_STATUSES = COMMITTED_STATUSES


# One award -----------------------------------------------------------------------------------------
def _award_queryset() -> QuerySet[Award]:
    return Award.objects.select_related(
        "provider", "priority", "decision", "lead_officer", "finance_contact", "moj_category"
    )


def award_detail(pk: int) -> Award:
    try:
        return _award_queryset().get(pk=pk)
    except (Award.DoesNotExist, ValueError, TypeError):
        raise Http404("No such award.") from None


def access_award(user, pk: int, *, for_edit: bool = False) -> Award:
    """The award ``pk`` if ``user`` may see it (or, with ``for_edit``, change it).

    Internal roles with ``grants.view`` may read any award; changing one needs ``grants.edit``.
    A provider user may read only its own organisation's awards that have been made (awarded,
    active or ended); any other is 404, so its existence is not revealed. Provider users
    change none.
    """
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    if is_provider_user(user):
        if for_edit:
            raise PermissionDenied("Provider users cannot change awards.")
        award = award_detail(pk)
        organisation_id = provider_organisation_id(user)
        if (
            organisation_id is None
            or award.provider_id != organisation_id
            or award.status not in PROVIDER_VISIBLE_STATUSES
        ):
            raise Http404("No such award.")
        return award
    require(user, "grants.edit" if for_edit else "grants.view")
    return award_detail(pk)


# The last day an award runs: the end of its extension once taken, else its end date.
RUNS_UNTIL = Case(
    When(extension_taken=True, extension_until__isnull=False, then=F("extension_until")),
    default=F("end_date"),
)


SORT_FIELDS = {
    "reference": Lower("reference"),
    "title": Lower("title"),
    "provider": Lower("provider__name"),
    "priority": F("priority__sort_order"),
    "kind": F("kind"),
    "status": F("status"),
    "start_date": F("start_date"),
    "end_date": F("end_date"),
    "value": F("value_fy"),
    "paid": F("paid_fy"),
}


DEFAULT_SORT = "reference"


def _ordering(sort: str) -> list:
    return ordering_for(sort, fields=SORT_FIELDS, default=DEFAULT_SORT, tiebreak="reference")


def _pk(value):
    return getattr(value, "pk", value)


def _providers_named(text: str) -> QuerySet:
    """The organisations whose name contains ``text`` (ignoring capitals), as a subquery: the
    database matches the few thousand names once instead of joining them to every award."""
    return Organisation.objects.filter(name__icontains=text).values("pk")


def award_list(
    *,
    fy: int | None = None,
    priority=None,
    kpq=None,
    kind: str | None = None,
    status: str | list[str] | tuple[str, ...] | None = None,
    provider=None,
    provider_name: str = "",
    stream=None,
    ending_within_months: int | None = None,
    search: str = "",
    sort: str = DEFAULT_SORT,
    today: datetime.date | None = None,
) -> QuerySet[Award]:
    """The awards register, filtered and sorted (``SORT_FIELDS``; "-" for descending).

    ``fy``: awards whose dates (with a taken extension) touch that financial year (funding
    lines always lie within them). ``priority``, ``kpq``, ``provider``, ``stream``: an instance or a pk. ``status``:
    one value or several. ``ending_within_months``: open awards ending between today and that
    many months ahead. ``provider_name``: providers whose name contains it; ``search``: reference,
    title or provider name; both ignoring capitals.

    Annotations: ``runs_until`` (the end date, or the extension's end once taken),
    ``value_fy`` (sum of the award's lines in ``fy``, or over all years when
    ``fy`` is None; whatever the status, so read it with ``status``) and ``paid_fy`` (paid
    payments counted against ``fy``, or all). One query, whatever the number of awards;
    KPQs are not prefetched (add ``prefetch_related("kpqs")`` when showing them).
    """
    queryset = _register_queryset(fy)
    queryset = _filter_by_fields(
        queryset,
        priority=priority,
        kpq=kpq,
        kind=kind,
        status=status,
        provider=provider,
        provider_name=provider_name,
        stream=stream,
    )
    if ending_within_months is not None:
        today = today or clock.today()
        queryset = queryset.filter(
            status__in=OPEN_STATUSES,
            runs_until__gte=today,
            runs_until__lte=today + relativedelta(months=int(ending_within_months)),
        )
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(
            Q(reference__icontains=search) | Q(title__icontains=search) | Q(provider__in=_providers_named(search))
        )
    return queryset.order_by(*_ordering(sort))


def _register_queryset(fy: int | None) -> QuerySet[Award]:
    """The awards touching ``fy`` (all when None), with ``value_fy``, ``paid_fy`` and ``runs_until``."""
    lines = FundingLine.objects.filter(award=OuterRef("pk"))
    paid = Payment.objects.filter(award=OuterRef("pk"), paid_date__isnull=False)
    if fy is not None:
        lines, paid = lines.filter(fy=fy), paid.filter(fy=fy)
    queryset = _award_queryset().annotate(
        value_fy=sum_subquery(lines, "award"),
        paid_fy=sum_subquery(paid, "award"),
        runs_until=RUNS_UNTIL,
    )
    if fy is not None:
        year = FinancialYear(int(fy))
        queryset = queryset.filter(start_date__lte=year.end, runs_until__gte=year.start)
    return queryset


def _filter_by_fields(
    queryset: QuerySet[Award], *, priority, kpq, kind, status, provider, provider_name: str, stream
) -> QuerySet[Award]:
    if priority:
        queryset = queryset.filter(priority_id=_pk(priority))
    if kpq:
        queryset = queryset.filter(Exists(Award.kpqs.through.objects.filter(award_id=OuterRef("pk"), kpq_id=_pk(kpq))))
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status__in=[status] if isinstance(status, str) else list(status))
    if provider:
        queryset = queryset.filter(provider_id=_pk(provider))
    provider_name = (provider_name or "").strip()
    if provider_name:
        queryset = queryset.filter(provider__in=_providers_named(provider_name))
    if stream:
        queryset = queryset.filter(Exists(FundingLine.objects.filter(award=OuterRef("pk"), stream_id=_pk(stream))))
    return queryset


def award_list_totals(queryset: QuerySet[Award], *, fy: int | None) -> dict[str, Decimal]:
    """Committed, planned and paid over the awards of ``queryset`` (e.g. a filtered
    ``award_list``), in ``fy`` (all years when None). Two queries."""
    lines = FundingLine.objects.all()
    payments = Payment.objects.filter(paid_date__isnull=False)
    if queryset.query.where:  # the whole register needs no restricting (half the time at national scale)
        award_ids = queryset.order_by().values("pk")
        lines, payments = lines.filter(award__in=award_ids), payments.filter(award__in=award_ids)
    if fy is not None:
        lines, payments = lines.filter(fy=fy), payments.filter(fy=fy)
    money = lines.aggregate(
        committed=Sum("amount", filter=Q(award__status__in=COMMITTED_STATUSES)),
        planned=Sum("amount", filter=Q(award__status__in=PLANNED_STATUSES)),
    )
    paid = payments.aggregate(paid=Sum("amount"))["paid"]
    return {"committed": to_penny(money["committed"]), "planned": to_penny(money["planned"]), "paid": to_penny(paid)}


# One award's money by year -------------------------------------------------------------------------
@dataclass
class StreamAmount:
    stream: FundingStream
    amount: Decimal


@dataclass
class YearMoney:
    """One financial year of an award. ``value`` is committed if ``committed`` (the award is
    awarded, active or ended), else planned; for a cancelled award it counts for nothing
    (``counts`` is False) but is still shown."""

    fy: int
    label: str
    lines: list[StreamAmount]
    value: Decimal  # sum of the lines
    committed: bool
    counts: bool
    scheduled: Decimal  # payments not yet paid
    paid: Decimal
    forecast: Decimal | None  # the officer's forecast outturn, if set
    outturn: Decimal  # forecast if set, else the value

    @property
    def remaining(self) -> Decimal:
        """Value not yet paid."""
        return self.value - self.paid


def award_money_by_year(award: Award) -> list[YearMoney]:
    """Every financial year the award's dates touch (and any year with lines, payments or a
    forecast), oldest first. Three queries."""
    lines = list(FundingLine.objects.filter(award=award).select_related("stream").order_by("fy", Lower("stream__name")))
    payment_rows = (
        Payment.objects.filter(award=award)
        .order_by()
        .values("fy")
        .annotate(
            paid=Sum("amount", filter=Q(paid_date__isnull=False)),
            scheduled=Sum("amount", filter=Q(paid_date__isnull=True)),
        )
    )
    payments = {row["fy"]: row for row in payment_rows}
    forecasts = dict(ForecastOutturn.objects.filter(award=award).values_list("fy", "amount"))
    until = award.extension_until if award.extension_taken and award.extension_until else award.end_date
    years = {fy.start_year for fy in fys_between(award.start_date, max(until, award.end_date))}
    years |= {line.fy for line in lines} | set(payments) | set(forecasts)
    by_year: dict[int, list[StreamAmount]] = {year: [] for year in years}
    for line in lines:
        by_year[line.fy].append(StreamAmount(line.stream, line.amount))
    committed = award.status in COMMITTED_STATUSES
    counts = award.status != AwardStatus.CANCELLED
    result = []
    for year in sorted(years):
        value = sum((part.amount for part in by_year[year]), ZERO)
        row = payments.get(year, {})
        forecast = forecasts.get(year)
        result.append(
            YearMoney(
                fy=year,
                label=FinancialYear(year).label,
                lines=by_year[year],
                value=value,
                committed=committed,
                counts=counts,
                scheduled=to_penny(row.get("scheduled")),
                paid=to_penny(row.get("paid")),
                forecast=forecast,
                outturn=forecast if forecast is not None else value,
            )
        )
    return result


# An award's status on a given day -------------------------------------------------------------------
def status_at(day: datetime.date | None, *, award: str = "award"):
    """The status an award had at the end of ``day``, as an expression for a queryset whose
    rows reach the award through the field ``award`` ("award" for funding lines, payments and
    forecasts; "" for a queryset of awards).

    On or after today (or with no day) it is the award's status now: a page "as at today"
    reads what the register says (the timeline's last entry, without looking it up). For an earlier day it is read from the award's timeline
    (``AwardTransition``): the status recorded by its last transition at or before the end of
    that day in the service's time zone. An award with no transition by then was entered later
    (by an import, the demo seeder, or an officer recording a past year late), so its timeline
    says nothing about that day: it takes the last status it was given other than cancelled —
    what the officer made of it, while a cancellation never reaches back to before it was made.
    One with no transition at all (never through the services) takes its status now.

    One correlated subquery per row that asks (two lookups on the transitions' award index),
    so a report that sums thousands of lines still runs one query.
    """
    prefix = f"{award}__" if award else ""
    now = F(f"{prefix}status")
    if day is None or day >= clock.today():
        return now
    transitions = AwardTransition.objects.filter(award=OuterRef(award or "pk")).order_by()
    last_by_then = transitions.filter(at__lt=clock.end_of(day)).order_by("-at", "-pk").values("to_status")[:1]
    entered_later = transitions.exclude(to_status=AwardStatus.CANCELLED).order_by("-at", "-pk").values("to_status")[:1]
    return Coalesce(
        Subquery(last_by_then, output_field=CharField()),
        Subquery(entered_later, output_field=CharField()),
        now,
        output_field=CharField(),
    )


def years_spanned(*models) -> list[int]:
    """Every financial year from the earliest to the latest ``fy`` of these tables' rows, and
    the current year, newest first. Their first and last years come from the ``fy`` indexes:
    listing the distinct years would read every row (tens of thousands of funding lines)."""
    spans = [model.objects.order_by().aggregate(first=Min("fy"), last=Max("fy")) for model in models]
    spans = [span for span in spans if span["first"] is not None]
    years = {FinancialYear.current().start_year}
    if spans:
        years.update(range(min(span["first"] for span in spans), max(span["last"] for span in spans) + 1))
    return sorted(years, reverse=True)


def award_years() -> list[int]:
    """The financial years of the register's funding lines, with the current year, newest first."""
    return years_spanned(FundingLine)


def register_years() -> list[int]:
    """The financial years of the register's funding lines and monitoring returns, with the
    current year, newest first (two queries)."""
    return years_spanned(FundingLine, MonitoringReturn)


def award_page_data(award: Award) -> dict:
    """Everything the award page lists besides the award itself: KPQs, payments, co-funders,
    documents. One query each."""
    return {
        "kpqs": list(award.kpqs.order_by("number")),
        # Cancelled payments too: they are shown, marked, and count for nothing.
        "payments": list(
            Payment.all_objects.filter(award=award)
            .select_related("stream", "override_by", "approved_by", "cancelled_by", "awaits_return")
            .order_by("due_date", "pk")
        ),
        "payment_plan": award_payment_plan(award),
        "co_funding": list(CoFunding.objects.filter(award=award).select_related("partner").order_by("fy", "pk")),
        "documents": list(AwardDocument.objects.filter(award=award).select_related("uploaded_by")),
    }


def award_payment_plan(award: Award) -> PaymentPlan | None:
    return PaymentPlan.objects.filter(award=award).first()


def award_streams(award: Award) -> list[FundingStream]:
    """The streams the award has funding lines from (the streams a payment may come from)."""
    return list(FundingStream.objects.filter(lines__award=award).distinct().order_by(Lower("name")))


def award_payment(award: Award, payment_pk: int) -> Payment:
    try:
        return Payment.objects.select_related("stream").get(award=award, pk=payment_pk)
    except (Payment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such payment.") from None


def award_document(award: Award, document_pk: int) -> AwardDocument:
    try:
        return AwardDocument.objects.get(award=award, pk=document_pk)
    except (AwardDocument.DoesNotExist, ValueError, TypeError):
        raise Http404("No such document.") from None


def award_cofunding(award: Award, cofunding_pk: int) -> CoFunding:
    try:
        return CoFunding.objects.select_related("partner").get(award=award, pk=cofunding_pk)
    except (CoFunding.DoesNotExist, ValueError, TypeError):
        raise Http404("No such co-funding.") from None
