"""The daily run: one function, one command, one beat entry, idempotent for a day."""

from __future__ import annotations

import datetime
import io

import pytest
from celery.schedules import crontab
from django.core import mail
from django.core.management import CommandError, call_command

from grants.calendar.daily import daily_jobs_run
from grants.models import AwardStatus, MonitoringReturn, ReminderSent
from grants.tasks import run_daily_jobs

from ...factories import AwardFactory, ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    organisation = OrganisationFactory(name="Harbour")
    ContactFactory(organisation=organisation, email="returns@harbour.example", is_primary=True)
    return organisation


def test_one_run_moves_statuses_schedules_returns_and_reminds(provider):
    # Awarded, starting 1 April 2026; the daily run on 1 April makes it active and owes Q1–Q4.
    award = AwardFactory(
        status=AwardStatus.AWARDED,
        provider=provider,
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    run = daily_jobs_run(today=datetime.date(2026, 4, 1))
    award.refresh_from_db()
    assert award.status == AwardStatus.ACTIVE
    assert (run.activated, run.returns_created) == (1, 4)
    assert mail.outbox == []  # Q1's return is due 20 July: nothing to remind yet

    # 13 July: seven days before Q1's return is due (20 July), the provider is reminded.
    run = daily_jobs_run(today=datetime.date(2026, 7, 13))
    assert run.reminders["return_due"] == 1
    assert mail.outbox[-1].to == ["returns@harbour.example"]
    # 21 July: it is late, and reminded as late.
    run = daily_jobs_run(today=datetime.date(2026, 7, 21))
    assert run.reminders["return_late"] == 1
    assert "Late" in mail.outbox[-1].subject


def test_running_twice_for_a_day_changes_nothing_the_second_time(provider):
    AwardFactory(
        status=AwardStatus.AWARDED,
        provider=provider,
        start_date=datetime.date(2025, 4, 1),
        end_date=datetime.date(2026, 3, 31),
    )
    first = daily_jobs_run(today=datetime.date(2026, 4, 20))
    records = (MonitoringReturn.objects.count(), ReminderSent.objects.count(), len(mail.outbox))
    second = daily_jobs_run(today=datetime.date(2026, 4, 20))
    assert first.changed > 0 and second.changed == 0
    assert (MonitoringReturn.objects.count(), ReminderSent.objects.count(), len(mail.outbox)) == records


def test_the_command_runs_as_of_a_date_and_says_what_it_did(provider):
    AwardFactory(
        status=AwardStatus.AWARDED,
        provider=provider,
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    out = io.StringIO()
    call_command("run_daily_jobs", "--date", "2026-04-01", stdout=out)
    text = out.getvalue()
    assert "Daily run for 2026-04-01" in text and "1 made active" in text and "4 scheduled" in text
    out = io.StringIO()
    call_command("run_daily_jobs", "--date", "2026-04-01", stdout=out)
    assert "0 made active, 0 ended" in out.getvalue() and "0 scheduled, 0 removed" in out.getvalue()


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "01/04/2026"])
def test_the_command_refuses_a_bad_date_in_one_line(bad):
    with pytest.raises(CommandError, match="is not a date: write it as YYYY-MM-DD"):
        call_command("run_daily_jobs", "--date", bad)


def test_the_command_defaults_to_today(time_machine, provider):
    time_machine.move_to(datetime.datetime(2026, 4, 1, 7, 0))
    award = AwardFactory(
        status=AwardStatus.AWARDED,
        provider=provider,
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    call_command("run_daily_jobs", stdout=io.StringIO())
    award.refresh_from_db()
    assert award.status == AwardStatus.ACTIVE


def test_beat_runs_the_same_code_every_morning(settings, time_machine, provider):
    entry = settings.CELERY_BEAT_SCHEDULE["run-daily-jobs"]
    assert entry["task"] == "grants.tasks.run_daily_jobs"
    assert entry["schedule"] == crontab(hour=6, minute=30)
    time_machine.move_to(datetime.datetime(2026, 4, 1, 6, 30))
    AwardFactory(
        status=AwardStatus.AWARDED,
        provider=provider,
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    outcome = run_daily_jobs.apply().get()
    assert outcome["day"] == "2026-04-01" and outcome["changed"] == 5  # 1 status, 4 returns
