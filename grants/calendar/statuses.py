"""Award statuses that follow the calendar.

An awarded award becomes active on its start date; an active one ends the day after its last
day (the end of a taken extension, else its end date). The change goes through the one writer of
statuses (``grants.awards.services.award_transition``), marked as made by the system, with the reason,
and dated the day it took effect — not the day the job happened to run — so a report "as at" a
past day reads the status the award really had then.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q

from grants.awards.services import award_transition
from grants.models import Award, AwardStatus
from pcc_commissioning import clock

logger = logging.getLogger(__name__)


@dataclass
class StatusResult:
    activated: int = 0
    ended: int = 0
    held: list[str] = field(default_factory=list)  # "AWD-2019-0001: why it could not move"

    @property
    def changed(self) -> int:
        return self.activated + self.ended


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _move(award: Award, *, to_status: str, effective: datetime.date, note: str, result: StatusResult) -> Award | None:
    try:
        return award_transition(
            award=award,
            actor=None,
            to_status=to_status,
            note=note,
            automatic=True,
            at=clock.start_of(effective),
        )
    except ValidationError as exc:
        reason = "; ".join(message for messages in exc.message_dict.values() for message in messages)
        result.held.append(f"{award.reference}: {reason}")
        logger.warning("Award %s could not be marked %s by the daily run: %s", award.reference, to_status, reason)
        return None


def award_statuses_follow_calendar(*, today: datetime.date | None = None) -> StatusResult:
    """Move every award whose dates say so: awarded → active once started, active → ended once
    its last day has passed (an awarded award already over goes through both). A change the
    rules refuse (an award above the delegated limit whose decision is no longer valid, say)
    is left for an officer and reported in ``held``."""
    today = today or clock.today()
    result = StatusResult()
    over = Q(extension_taken=True, extension_until__lt=today) | (~Q(extension_taken=True) & Q(end_date__lt=today))
    due = Award.objects.filter(
        Q(status=AwardStatus.AWARDED, start_date__lte=today) | (Q(status=AwardStatus.ACTIVE) & over)
    ).order_by("start_date", "reference")
    for award in due:
        if award.status == AwardStatus.AWARDED:
            moved = _move(
                award,
                to_status=AwardStatus.ACTIVE,
                effective=award.start_date,
                result=result,
                note=f"Started on {_day(award.start_date)}: made active by the daily run.",
            )
            if moved is None:
                continue
            award = moved
            result.activated += 1
        last_day = award.last_day
        if last_day < today:
            ended = _move(
                award,
                to_status=AwardStatus.ENDED,
                effective=last_day + datetime.timedelta(days=1),
                result=result,
                note=f"Its last day was {_day(last_day)}: marked ended by the daily run.",
            )
            if ended is not None:
                result.ended += 1
    return result
