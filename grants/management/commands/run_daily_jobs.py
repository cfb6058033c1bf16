import datetime

from django.core.management.base import BaseCommand, CommandError

from grants.calendar.daily import daily_jobs_run


class Command(BaseCommand):
    help = (
        "Run, as of a day (default today), everything Celery beat runs daily: award statuses, "
        "monitoring return schedules, payment-plan instalments, reminders (returns due and late, "
        "due-diligence documents expiring, contracts ending). Running it twice for a day changes "
        "nothing the second time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run as of, YYYY-MM-DD (default: today)")

    def handle(self, *, date, **options):
        day = None
        if date:
            try:
                day = datetime.date.fromisoformat(date.strip())
            except ValueError:
                raise CommandError(f"'{date}' is not a date: write it as YYYY-MM-DD, e.g. 2026-04-01.") from None
        run = daily_jobs_run(today=day)
        for line in run.lines():
            self.stdout.write(line)
