"""The daily reminder e-mails (sent by the daily run, ``grants.calendar.daily``).

Four kinds (``ReminderKind``):

- a return due within ``settings.REMINDER_DUE_SOON_DAYS`` days, and a late return (past its due
  date, neither submitted nor accepted) -> the provider's contacts that have an e-mail address
  (the main contact first), else the organisation's own address;
- a due-diligence document expiring within ``settings.DUE_DILIGENCE_WARNING_DAYS`` days (or
  already expired) and an award ending within ``settings.CONTRACT_ENDING_DAYS`` days (awarded or
  active, its end including a taken extension) -> the commissioning officers that have an e-mail
  address, the lead officer(s) first.

Each reminder is sent once per item and stage: the stage is the date it is about (the due date,
the expiry date, the end date), so a changed date reminds again. The ``ReminderSent`` row is
written in the same transaction as the e-mail is sent: if sending fails, nothing is recorded and
the next run tries again. An item with nobody to write to is not recorded either (counted under
``NO_RECIPIENT``), so it is reminded as soon as someone can receive it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from grants.models import (
    Award,
    AwardStatus,
    MonitoringReturn,
    ReminderKind,
    ReminderSent,
    ReturnStatus,
    award_runs_until,
)
from pcc_commissioning import clock
from pcc_commissioning.periods import period_for
from pcc_commissioning.roles import active_officers
from providers.models import Organisation
from providers.selectors import documents_expiring

NO_RECIPIENT = "no_recipient"


OPEN_RETURN_STATUSES = (ReturnStatus.DUE, ReturnStatus.DRAFT, ReturnStatus.RETURNED)


RUNNING_AWARD_STATUSES = (AwardStatus.AWARDED, AwardStatus.ACTIVE)


@dataclass(frozen=True)
class Reminder:
    kind: str
    item: str
    stage: str
    subject: str
    body: str
    recipients: tuple[str, ...]


def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send every reminder that is due today and not sent before; return how many were sent per
    kind, and under ``NO_RECIPIENT`` how many could not be sent because nobody has an address."""
    today = today or clock.today()
    result = {kind.value: 0 for kind in ReminderKind}
    result[NO_RECIPIENT] = 0
    reminders = [*_return_reminders(today), *_document_reminders(today), *_award_reminders(today)]
    already = _already_sent(reminders)
    for reminder in reminders:
        if (reminder.kind, reminder.item, reminder.stage) in already:
            continue
        if not reminder.recipients:
            result[NO_RECIPIENT] += 1
            continue
        if _send_once(reminder):
            result[reminder.kind] += 1
    return result


def _already_sent(reminders: list[Reminder]) -> set[tuple[str, str, str]]:
    items = sorted({reminder.item for reminder in reminders})
    sent: set[tuple[str, str, str]] = set()
    for start in range(0, len(items), 500):  # in chunks: SQLite limits the parameters of a query
        sent.update(
            ReminderSent.objects.filter(item__in=items[start : start + 500]).values_list("kind", "item", "stage")
        )
    return sent


def _send_once(reminder: Reminder) -> bool:
    """Record and send one reminder atomically; False if another run recorded it first."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                kind=reminder.kind,
                item=reminder.item,
                stage=reminder.stage,
                recipients=", ".join(reminder.recipients),
                sent_at=timezone.now(),
            )
            send_mail(
                reminder.subject,
                reminder.body,
                settings.DEFAULT_FROM_EMAIL,
                list(reminder.recipients),
                fail_silently=False,
            )
    except IntegrityError:
        return False
    return True


# Recipients ---------------------------------------------------------------------------------------
def _unique(addresses: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return tuple(seen.values())


def _provider_recipients(organisation: Organisation) -> tuple[str, ...]:
    # contacts are prefetched ordered main contact first, then by name
    addresses = _unique(contact.email for contact in organisation.contacts.all())
    return addresses or _unique([organisation.email])


def _officers() -> list:
    return list(active_officers().exclude(email="").order_by("last_name", "first_name", "pk"))


def _officer_recipients(officers: list, leads: Iterable) -> tuple[str, ...]:
    """Every officer with an address, the given lead officers first."""
    officer_ids = {officer.pk for officer in officers}
    lead_addresses = [lead.email for lead in leads if lead is not None and lead.pk in officer_ids]
    return _unique([*lead_addresses, *(officer.email for officer in officers)])


# Returns ------------------------------------------------------------------------------------------
def _return_reminders(today: datetime.date) -> Iterator[Reminder]:
    soon = today + datetime.timedelta(days=settings.REMINDER_DUE_SOON_DAYS)
    returns = (
        MonitoringReturn.objects.filter(status__in=OPEN_RETURN_STATUSES, due_date__lte=soon)
        .filter(award__closure__isnull=True)  # a closed award's returns can no longer be handed in
        .select_related("award__provider")
        .prefetch_related("award__provider__contacts")
        .order_by("due_date", "award__reference", "fy", "quarter")
    )
    for monitoring_return in returns:
        award = monitoring_return.award
        quarter = period_for(monitoring_return.fy, f"Q{monitoring_return.quarter}").label
        what = f"the monitoring return for {award.reference} {award.title}, {quarter}"
        due = monitoring_return.due_date
        if due < today:
            kind = ReminderKind.RETURN_LATE
            subject = f"Late: monitoring return for {award.reference} ({quarter})"
            body = (
                f"Dear colleague,\n\n{_capitalise(what)} was due on {_day(due)} and has not been submitted yet.\n"
                "Please complete and submit it in the provider portal as soon as you can.\n"
            )
        else:
            kind = ReminderKind.RETURN_DUE
            subject = f"Due {_day(due)}: monitoring return for {award.reference} ({quarter})"
            body = (
                f"Dear colleague,\n\n{_capitalise(what)} is due on {_day(due)}.\n"
                "Please complete and submit it in the provider portal by then.\n"
            )
        yield Reminder(
            kind=kind.value,
            item=f"return:{monitoring_return.pk}",
            stage=due.isoformat(),
            subject=subject,
            body=body,
            recipients=_provider_recipients(award.provider),
        )


# Officers: documents and awards ending -------------------------------------------------------------
def _document_reminders(today: datetime.date) -> Iterator[Reminder]:
    documents = list(documents_expiring(settings.DUE_DILIGENCE_WARNING_DAYS, today=today))
    if not documents:
        return
    officers = _officers()
    organisation_ids = {document.organisation_id for document in documents}
    leads_by_organisation: dict[int, list] = {}
    for award in (
        Award.objects.filter(provider_id__in=organisation_ids, status__in=RUNNING_AWARD_STATUSES)
        .exclude(lead_officer=None)
        .select_related("lead_officer")
        .order_by("reference")
    ):
        leads_by_organisation.setdefault(award.provider_id, []).append(award.lead_officer)
    for document in documents:
        organisation = document.organisation
        expires = document.expires_on
        verb = "expired on" if expires < today else "expires on"
        yield Reminder(
            kind=ReminderKind.DOCUMENT_EXPIRING.value,
            item=f"document:{document.pk}",
            stage=expires.isoformat(),
            subject=f"Due-diligence document {verb} {_day(expires)}: {organisation.name}",
            body=(
                f"Dear colleague,\n\n{organisation.name}'s {document.get_kind_display().lower()} "
                f"({document.original_name}) {verb} {_day(expires)}.\n"
                "Please ask the organisation for a current one and record it on its page.\n"
            ),
            recipients=_officer_recipients(officers, leads_by_organisation.get(organisation.pk, [])),
        )


def _award_reminders(today: datetime.date) -> Iterator[Reminder]:
    limit = today + datetime.timedelta(days=settings.CONTRACT_ENDING_DAYS)
    awards = list(
        Award.objects.filter(status__in=RUNNING_AWARD_STATUSES)
        .filter(
            Q(extension_taken=True, extension_until__gte=today, extension_until__lte=limit)
            | (~Q(extension_taken=True) & Q(end_date__gte=today, end_date__lte=limit))
        )
        .select_related("provider", "lead_officer")
        .order_by("end_date", "reference")
    )
    if not awards:
        return
    officers = _officers()
    for award in awards:
        ends = award_runs_until(
            end_date=award.end_date, extension_until=award.extension_until, extension_taken=award.extension_taken
        )
        if ends is None or not today <= ends <= limit:
            continue
        yield Reminder(
            kind=ReminderKind.CONTRACT_ENDING.value,
            item=f"award:{award.pk}",
            stage=ends.isoformat(),
            subject=f"Ending {_day(ends)}: {award.reference} {award.title}",
            body=(
                f"Dear colleague,\n\n{award.reference} {award.title} ({award.provider.name}) ends on {_day(ends)}.\n"
                "Decide in good time whether to extend it, recommission the service or let it end.\n"
            ),
            recipients=_officer_recipients(officers, [award.lead_officer]),
        )


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
