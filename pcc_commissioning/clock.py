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
