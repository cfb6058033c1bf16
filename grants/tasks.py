"""Celery tasks of the grants app: they only look up what they need and call a service."""

from celery import shared_task

from pcc_commissioning import clock

from .reminders import reminders_send


@shared_task(name="grants.tasks.send_reminders")
def send_reminders() -> dict[str, int]:
    """The daily reminder e-mails (scheduled by ``CELERY_BEAT_SCHEDULE``)."""
    return reminders_send(today=clock.today())
