"""The one place the service asks what day it is.

Statuses, schedules, lateness, reminders and "the current year" all depend on the date, so
they take it from here (or as a ``today`` argument that defaults to ``today()``). Tests move
the clock with time-machine, which these functions follow; nothing else calls
``timezone.localdate()`` or ``date.today()``.
"""

from __future__ import annotations

import datetime

from django.utils import timezone


def today() -> datetime.date:
    """Today in the service's time zone (``TIME_ZONE``, UK time)."""
    return timezone.localdate()


def now() -> datetime.datetime:
    """The current moment, time-zone aware."""
    return timezone.now()


def start_of(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the service's time zone (for records dated by a job
    run for a given day)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def localtime(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` in the service's time zone (for the day a record was made)."""
    return timezone.localtime(moment)


def end_of(day: datetime.date) -> datetime.datetime:
    """The first moment after ``day`` ends in the service's time zone: a moment falls on or
    before ``day`` exactly when it is earlier than this (``at < end_of(day)``). Comparing with
    23:59:59 instead would lose the last second, and a UTC midnight the last hour in summer."""
    return start_of(day + datetime.timedelta(days=1))


def moment_label(moment: datetime.datetime) -> str:
    """``moment`` as people read it, in UK time and the GOV.UK style: "midday on 30 April 2026",
    "5:30pm on 12 May 2026", "9am on 1 April 2026", "midnight on 1 May 2026" (the midnight that
    starts that day). One form for every deadline an applicant or the public reads."""
    local = localtime(moment)
    if (local.hour, local.minute) == (12, 0):
        time = "midday"
    elif (local.hour, local.minute) == (0, 0):
        time = "midnight"
    else:
        hour = local.hour % 12 or 12
        minutes = f":{local.minute:02d}" if local.minute else ""
        time = f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"
    return f"{time} on {local.day} {local:%B %Y}"
