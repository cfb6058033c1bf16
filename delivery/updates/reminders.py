"""The update rounds' reminders, sent by the daily run (``grants.calendar.daily``).

An open round reminds its leads once, ``reminder_days`` before its deadline: each lead with an
update not yet submitted (requested, draft, or sent back for changes) gets one e-mail listing
them. A run that was missed on that day sends it on the next run (after the deadline it reads
as late). The round's ``reminded_on`` records the day it went out, in the same transaction, so
it is never sent twice; a lead with no e-mail address (or a switched-off account) is counted
under ``no_recipient``."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string

from pcc_commissioning import clock

from ..models import ProgressUpdate, UpdateRound, UpdateRoundStatus, UpdateState
from .services import contribute_link, mail_quietly

WAITING = (UpdateState.REQUESTED, UpdateState.DRAFT, UpdateState.CHANGES_REQUESTED)
SENT = "update_due"
LATE = "update_late"
NO_RECIPIENT = "no_recipient"


def _due_rounds(today: datetime.date) -> list[UpdateRound]:
    waiting = ProgressUpdate.objects.filter(activity__isnull=False, state__in=WAITING).select_related(
        "activity__lead_user"
    )
    rounds = (
        UpdateRound.objects.filter(status=UpdateRoundStatus.OPEN, reminded_on__isnull=True)
        .select_related("plan")
        .prefetch_related(Prefetch("updates", queryset=waiting.order_by("activity__sort_key"), to_attr="waiting"))
        .order_by("deadline", "pk")
    )
    return [each for each in rounds if today >= each.deadline - datetime.timedelta(days=each.reminder_days)]


@transaction.atomic
def _remind(update_round: UpdateRound, today: datetime.date, result: dict[str, int]) -> None:
    locked = UpdateRound.objects.select_for_update().get(pk=update_round.pk)
    if locked.reminded_on is not None or locked.status != UpdateRoundStatus.OPEN:
        return  # another run got there first
    by_lead: dict = defaultdict(list)
    for update in update_round.waiting:
        by_lead[update.activity.lead_user].append(update)
    late = today > update_round.deadline
    for lead, updates in sorted(by_lead.items(), key=lambda item: item[0].pk if item[0] else 0):
        if lead is None:
            continue  # nobody to ask: the round's page lists these
        if not (lead.is_active and lead.email):
            result[NO_RECIPIENT] += 1
            continue
        context = {
            "lead": lead,
            "round": update_round,
            "plan": update_round.plan,
            "updates": updates,
            "late": late,
            "link": contribute_link(""),
            "service_name": settings.SERVICE_NAME,
        }
        body = render_to_string("delivery/updates/email/reminder.txt", context)
        when = "was due" if late else "is due"
        subject = f"Reminder: your progress update {when} {update_round.deadline:%d %B %Y} ({update_round.plan.title})"
        if mail_quietly(subject, body, [lead.email]):
            result[LATE if late else SENT] += 1
    locked.reminded_on = today
    locked.save(update_fields=["reminded_on"])


def update_reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Send the reminders due on ``today`` (default: today); returns how many went, by kind
    (``update_due``, ``update_late``) and how many leads could not be written to."""
    today = today or clock.today()
    result = {SENT: 0, LATE: 0, NO_RECIPIENT: 0}
    for update_round in _due_rounds(today):
        _remind(update_round, today, result)
    return result
