"""Celery tasks of the grants app: they only look up what they need and call a service."""

from celery import shared_task

from grants.calendar.daily import daily_jobs_run
from grants.calendar.reminders import reminders_send


@shared_task(name="grants.tasks.run_daily_jobs")
def run_daily_jobs() -> dict:
    """Every daily job as of today (scheduled by ``CELERY_BEAT_SCHEDULE``; the same code as
    ``manage.py run_daily_jobs``)."""
    run = daily_jobs_run()
    return {
        "day": run.day.isoformat(),
        "changed": run.changed,
        "held": run.held,
        "reminders": run.reminders,
        "update_reminders": run.update_reminders,
    }


@shared_task(name="grants.tasks.send_reminders")
def send_reminders() -> dict[str, int]:
    """The reminder e-mails alone. Kept so a task queued under this name before an upgrade
    still runs; beat now schedules ``run_daily_jobs``, which sends them."""
    return reminders_send()
