"""What waits on a person: the one read behind the "My work" page and the top of the dashboard.

Each kind of work is a ``Section``: which capability acts on it, and how to find its rows for one
person or for the whole team. Work on an award belongs to the award's lead officer (payments to
its finance contact); work on an award nobody leads is everybody's who may do it, so nothing
falls between desks. Work with no person attached (the MoJ return) is everybody's who holds the
capability. Board members change nothing: they see the whole team's work, for information.

Every answer is plain data (``Item``s and counts). Each section costs two queries (a count and a
page of rows) and the MoJ sections three between them, however many items there are.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from grants.models import (
    COMMITTED_STATUSES,
    Agreement,
    AgreementStatus,
    Award,
    AwardStatus,
    MonitoringReturn,
    Payment,
    Recovery,
    RecoveryStatus,
    ReturnStatus,
    Variation,
    VariationStatus,
)
from grants.monitoring.services import OUTSTANDING_STATUSES
from grants.schedules.returns import started_q
from pcc_commissioning import clock
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, day_label, period_for
from pcc_commissioning.roles import has_capability
from providers.models import DueDiligenceDocument, InvitationStatus, ProviderInvitation
from providers.selectors import documents_expiring
from reports.models import MojReturnStatus
from reports.moj.selectors import moj_index_rows

# Awards that are running: their documents, returns and ends need watching.
RUNNING_STATUSES = (AwardStatus.AWARDED, AwardStatus.ACTIVE)
# A scheduled payment is ready to approve once it falls due within this many days: finance
# teams approve a month's payments at a time, not a three-year plan on its first day.
PAYMENT_APPROVAL_DAYS = 31
# A half's MoJ return not started is shown for a year after the half ends; older halves are history.
MOJ_NOT_STARTED_DAYS = 365
# How many items of each section the summary shows (the section's own page shows them all, paged).
SUMMARY_ITEMS = 5


@dataclass(frozen=True)
class Item:
    """One thing waiting: what it is, when, and which record it is on (the page links it)."""

    section: str
    title: str
    detail: str
    when: datetime.date | None
    award_id: int | None = None
    record_id: int | None = None  # the return, payment, document or invitation
    organisation_id: int | None = None
    fy: int | None = None
    half: int | None = None
    warning: bool = False  # late, expired or overdue
    unassigned: bool = False  # on an award with nobody named for this work


@dataclass(frozen=True)
class SectionWork:
    key: str
    heading: str
    count: int
    items: list[Item]
    can_act: bool


@dataclass(frozen=True)
class MyWork:
    sections: list[SectionWork]
    everyone: bool
    read_only: bool
    today: datetime.date

    @property
    def total(self) -> int:
        return sum(section.count for section in self.sections)

    @property
    def counts(self) -> dict[str, int]:
        return {section.key: section.count for section in self.sections}


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    capability: str  # who acts on it
    rows: Callable[..., QuerySet | list]  # (user, everyone, today) -> rows
    item: Callable[..., Item]  # (row, today) -> Item


# Who a row belongs to ---------------------------------------------------------------------------------
def _led_by(user, prefix: str = "") -> Q:
    """Awards the user leads, or that nobody leads."""
    return Q(**{f"{prefix}lead_officer": user}) | Q(**{f"{prefix}lead_officer__isnull": True})


def _paid_by(user, prefix: str = "") -> Q:
    """Awards whose payments the user approves, or whose finance contact is not named."""
    return Q(**{f"{prefix}finance_contact": user}) | Q(**{f"{prefix}finance_contact__isnull": True})


def _runs_until_between(start: datetime.date, end: datetime.date) -> Q:
    """Awards whose last day (the end of a taken extension, else the end date) is in [start, end]."""
    return Q(extension_taken=True, extension_until__gte=start, extension_until__lte=end) | (
        ~Q(extension_taken=True) & Q(end_date__gte=start, end_date__lte=end)
    )


# Rows ------------------------------------------------------------------------------------------------
def _returns(user, everyone: bool) -> QuerySet[MonitoringReturn]:
    rows = MonitoringReturn.objects.select_related("award", "award__provider")
    return rows if everyone else rows.filter(_led_by(user, "award__"))


def _review_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    return (
        _returns(user, everyone)
        .filter(status=ReturnStatus.SUBMITTED)
        .order_by("submitted_at", "due_date", "award__reference", "pk")
    )


def _late_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    return (
        _returns(user, everyone)
        .filter(started_q(today), status__in=OUTSTANDING_STATUSES, due_date__lt=today)
        .order_by("due_date", "award__reference", "pk")
    )


def _document_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    awards = Award.objects.filter(provider=OuterRef("organisation"), status__in=RUNNING_STATUSES)
    if not everyone:
        awards = awards.filter(_led_by(user))
    return documents_expiring(today=today).filter(Exists(awards))


def _ending_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    limit = today + datetime.timedelta(days=settings.CONTRACT_ENDING_DAYS)
    rows = Award.objects.filter(status__in=RUNNING_STATUSES).filter(_runs_until_between(today, limit))
    if not everyone:
        rows = rows.filter(_led_by(user))
    return rows.select_related("provider").order_by("end_date", "reference", "pk")


def _invitation_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    rows = ProviderInvitation.objects.filter(status=InvitationStatus.PENDING).select_related("organisation")
    if not everyone:
        led = Award.objects.filter(provider=OuterRef("organisation"), lead_officer=user, status__in=COMMITTED_STATUSES)
        rows = rows.filter(Q(sent_by=user) | Exists(led))
    return rows.order_by("sent_at", "pk")


def _variation_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    """Variations an officer decides: new requests, and those whose PCC decision is now awaited."""
    rows = Variation.objects.filter(
        status__in=(VariationStatus.REQUESTED, VariationStatus.AWAITING_DECISION)
    ).select_related("award__provider")
    if not everyone:
        rows = rows.filter(_led_by(user, "award__"))
    return rows.order_by("requested_on", "pk")


def _finance_variation_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    rows = Variation.objects.filter(status=VariationStatus.AWAITING_FINANCE).select_related("award__provider")
    if not everyone:
        rows = rows.filter(_paid_by(user, "award__"))
    return rows.order_by("requested_on", "pk")


def _countersign_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    """Agreements the provider has accepted and the OPCC has not yet signed."""
    rows = Agreement.objects.filter(status=AgreementStatus.ACCEPTED).select_related("award__provider")
    if not everyone:
        rows = rows.filter(_led_by(user, "award__"))
    return rows.order_by("accepted_at", "pk")


def _recovery_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    """Money to come back that is due within the payments' month, or overdue."""
    rows = Recovery.objects.filter(
        status__in=(RecoveryStatus.RAISED, RecoveryStatus.PART_RECOVERED),
        due_date__lte=today + datetime.timedelta(days=PAYMENT_APPROVAL_DAYS),
    ).select_related("award__provider")
    if not everyone:
        rows = rows.filter(_paid_by(user, "award__"))
    return rows.order_by("due_date", "pk")


def _payment_rows(user, everyone: bool, today: datetime.date) -> QuerySet:
    rows = (
        Payment.objects.filter(
            approved_at__isnull=True,
            paid_date__isnull=True,
            award__status__in=COMMITTED_STATUSES,
            due_date__lte=today + datetime.timedelta(days=PAYMENT_APPROVAL_DAYS),
        )
        # An instalment paid on acceptance of a return cannot be approved before.
        .filter(Q(awaits_return__isnull=True) | Q(awaits_return__status=ReturnStatus.ACCEPTED))
        .select_related("award", "award__provider")
    )
    if not everyone:
        rows = rows.filter(_paid_by(user, "award__"))
    return rows.order_by("due_date", "award__reference", "pk")


def _moj_rows(status: str) -> Callable[..., list]:
    def rows(user, everyone: bool, today: datetime.date, halves: list | None = None) -> list:
        found = []
        for row in moj_index_rows() if halves is None else halves:
            ended = period_for(row.fy, f"H{row.half}").end
            started = row.latest is not None and row.latest.status == status
            # Preparing includes starting: a half in scope that has ended, not long ago, with no return.
            not_started = (
                status == MojReturnStatus.DRAFT
                and row.latest is None
                and row.in_scope
                and 0 < (today - ended).days <= MOJ_NOT_STARTED_DAYS
            )
            if started or not_started:
                found.append((row, ended))
        return sorted(found, key=lambda pair: (pair[0].fy, pair[0].half))

    return rows


# Items -----------------------------------------------------------------------------------------------
def _quarter(ret: MonitoringReturn) -> str:
    return f"Q{ret.quarter} {FinancialYear(ret.fy).label}"


def _days(count: int) -> str:
    return f"{count:,} day{'' if count == 1 else 's'}"


def _review_item(ret: MonitoringReturn, today: datetime.date) -> Item:
    submitted = clock.localtime(ret.submitted_at).date() if ret.submitted_at else None
    return Item(
        section="review",
        title=f"{ret.award.reference} {ret.award.title}: {_quarter(ret)} return",
        detail=f"From {ret.award.provider.name}" + (f", submitted {day_label(submitted)}" if submitted else ""),
        when=submitted,
        award_id=ret.award_id,
        record_id=ret.pk,
        unassigned=ret.award.lead_officer_id is None,
    )


def _late_item(ret: MonitoringReturn, today: datetime.date) -> Item:
    return Item(
        section="late",
        title=f"{ret.award.reference} {ret.award.title}: {_quarter(ret)} return",
        detail=f"From {ret.award.provider.name}, due {day_label(ret.due_date)}, "
        f"{_days((today - ret.due_date).days)} late",
        when=ret.due_date,
        award_id=ret.award_id,
        record_id=ret.pk,
        warning=True,
        unassigned=ret.award.lead_officer_id is None,
    )


def _document_item(document: DueDiligenceDocument, today: datetime.date) -> Item:
    expired = document.expires_on < today
    return Item(
        section="documents",
        title=f"{document.organisation.name}: {document.get_kind_display().lower()}",
        detail=f"{'Expired' if expired else 'Expires'} on {day_label(document.expires_on)}",
        when=document.expires_on,
        record_id=document.pk,
        organisation_id=document.organisation_id,
        warning=expired,
    )


def _ending_item(award: Award, today: datetime.date) -> Item:
    last = award.last_day
    return Item(
        section="ending",
        title=f"{award.reference} {award.title}",
        detail=f"{award.provider.name}, ends on {day_label(last)} (in {_days((last - today).days)})",
        when=last,
        award_id=award.pk,
        unassigned=award.lead_officer_id is None,
    )


def _invitation_item(invitation: ProviderInvitation, today: datetime.date) -> Item:
    sent = clock.localtime(invitation.sent_at).date()
    expires = clock.localtime(invitation.expires_at).date()
    expired = invitation.expires_at <= clock.now()
    return Item(
        section="invitations",
        title=f"{invitation.full_name}, {invitation.organisation.name}",
        detail=f"Sent {day_label(sent)}; the link {'expired' if expired else 'expires'} on {day_label(expires)}",
        when=sent,
        record_id=invitation.pk,
        organisation_id=invitation.organisation_id,
        warning=expired,
    )


def _payment_item(payment: Payment, today: datetime.date) -> Item:
    overdue = payment.due_date < today
    return Item(
        section="payments",
        title=f"{payment.award.reference} {payment.award.title}: {format_pence(payment.amount)}",
        detail=f"To {payment.award.provider.name}, due {day_label(payment.due_date)}",
        when=payment.due_date,
        award_id=payment.award_id,
        record_id=payment.pk,
        warning=overdue,
        unassigned=payment.award.finance_contact_id is None,
    )


def _variation_item(variation: Variation, today: datetime.date) -> Item:
    award = variation.award
    return Item(
        section="variations" if variation.status != VariationStatus.AWAITING_FINANCE else "variations_finance",
        title=f"{variation.reference} {award.title}: {variation.get_kind_display().lower()}",
        detail=f"{award.provider.name}, asked {day_label(variation.requested_on)}; "
        f"{variation.get_status_display().lower()}",
        when=variation.requested_on,
        award_id=award.pk,
        record_id=variation.pk,
        unassigned=award.lead_officer_id is None,
    )


def _countersign_item(agreement: Agreement, today: datetime.date) -> Item:
    accepted = clock.localtime(agreement.accepted_at).date()
    return Item(
        section="countersign",
        title=f"{agreement.award.reference} {agreement.award.title}: {agreement.get_kind_display().lower()}, "
        f"version {agreement.number}",
        detail=f"Accepted by {agreement.accepted_name} of {agreement.award.provider.name} on {day_label(accepted)}",
        when=accepted,
        award_id=agreement.award_id,
        record_id=agreement.pk,
        unassigned=agreement.award.lead_officer_id is None,
    )


def _recovery_item(recovery: Recovery, today: datetime.date) -> Item:
    return Item(
        section="recoveries",
        title=f"{recovery.reference} {recovery.award.title}: {format_pence(recovery.amount)}",
        detail=f"From {recovery.award.provider.name}, due {day_label(recovery.due_date)}; "
        f"{recovery.get_status_display().lower()}",
        when=recovery.due_date,
        award_id=recovery.award_id,
        record_id=recovery.pk,
        warning=recovery.due_date < today,
        unassigned=recovery.award.finance_contact_id is None,
    )


def _moj_item(section: str) -> Callable[..., Item]:
    def item(pair, today: datetime.date) -> Item:
        row, ended = pair
        if row.latest is None:
            detail = f"Not started; the half ended on {day_label(ended)}"
        else:
            detail = f"Version {row.latest.number}, {row.latest.get_status_display().lower()}"
        return Item(
            section=section, title=f"MoJ return {row.label}", detail=detail, when=ended, fy=row.fy, half=row.half
        )

    return item


SECTIONS: tuple[Section, ...] = (
    Section("review", "Returns to review", "grants.edit", _review_rows, _review_item),
    Section("payments", "Payments to approve", "payments.edit", _payment_rows, _payment_item),
    Section("late", "Returns overdue", "grants.edit", _late_rows, _late_item),
    Section("documents", "Documents expiring or expired", "grants.edit", _document_rows, _document_item),
    Section("ending", "Awards ending", "grants.edit", _ending_rows, _ending_item),
    Section("invitations", "Invitations not accepted", "providers.edit", _invitation_rows, _invitation_item),
    Section("variations", "Variations to decide", "variations.approve", _variation_rows, _variation_item),
    Section(
        "variations_finance",
        "Variations waiting for finance",
        "variations.finance",
        _finance_variation_rows,
        _variation_item,
    ),
    Section("countersign", "Agreements to countersign", "agreements.edit", _countersign_rows, _countersign_item),
    Section("recoveries", "Money to recover", "payments.edit", _recovery_rows, _recovery_item),
    Section(
        "moj_prepare",
        "MoJ returns to prepare",
        "moj.prepare",
        _moj_rows(MojReturnStatus.DRAFT),
        _moj_item("moj_prepare"),
    ),
    Section(
        "moj_sign_off",
        "MoJ returns to sign off",
        "moj.sign_off",
        _moj_rows(MojReturnStatus.SUBMITTED),
        _moj_item("moj_sign_off"),
    ),
)


# The answers -----------------------------------------------------------------------------------------
def is_read_only(user) -> bool:
    """True for someone who may act on none of the work (a board member): they see the whole team's."""
    return not any(has_capability(user, section.capability) for section in SECTIONS)


def sections_for(user) -> list[Section]:
    """The sections a person sees: those they may act on, or all of them, read only."""
    if is_read_only(user):
        return list(SECTIONS)
    return [section for section in SECTIONS if has_capability(user, section.capability)]


def section_rows(user, key: str, *, everyone: bool = False, today: datetime.date | None = None):
    """All the rows of one section (a queryset or a list, to page), or None for a section the
    person does not see."""
    today = today or clock.today()
    section = next((each for each in sections_for(user) if each.key == key), None)
    if section is None:
        return None
    return section.rows(user, everyone or is_read_only(user), today)


def section_items(key: str, rows, *, today: datetime.date | None = None) -> list[Item]:
    """Rows of section ``key`` (a page of ``section_rows``) as items."""
    today = today or clock.today()
    section = next(each for each in SECTIONS if each.key == key)
    return [section.item(row, today) for row in rows]


def my_work(user, *, everyone: bool = False, today: datetime.date | None = None, items: int = SUMMARY_ITEMS) -> MyWork:
    """What waits on ``user`` (or, ``everyone``, on the whole team): each section they see, with
    its count and its first ``items`` items (0: counts only, as the dashboard shows them)."""
    today = today or clock.today()
    read_only = is_read_only(user)
    everyone = everyone or read_only
    found = []
    halves = None  # the MoJ halves, read once for both MoJ sections
    for section in sections_for(user):
        if section.key.startswith("moj_"):
            halves = moj_index_rows() if halves is None else halves
            rows = section.rows(user, everyone, today, halves)
        else:
            rows = section.rows(user, everyone, today)
        if isinstance(rows, list):
            count, first = len(rows), rows[:items]
        else:
            count = rows.count()
            first = list(rows[:items]) if items and count else []
        found.append(
            SectionWork(
                key=section.key,
                heading=section.heading,
                count=count,
                items=[section.item(row, today) for row in first],
                can_act=not read_only and has_capability(user, section.capability),
            )
        )
    return MyWork(sections=found, everyone=everyone, read_only=read_only, today=today)
