"""What happens to awards as the calendar turns, with nobody at the keyboard.

- ``returns``: the quarterly monitoring returns an award owes, reconciled with its dates.
- ``instalments``: the payments its payment plan schedules, reconciled with its funding lines.
- ``statuses``: awarded → active on the start date, active → ended the day after the end.
- ``daily``: the one daily run (``manage.py run_daily_jobs`` and Celery beat) doing all of it,
  with the reminders, as of a given day.

Each reconciler is idempotent: run twice for the same day, the second run changes nothing.
"""
