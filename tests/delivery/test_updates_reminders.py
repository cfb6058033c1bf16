"""The update rounds' reminders (delivery.updates.reminders) and their place in the daily run."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from delivery.models import UpdateRound, UpdateState
from delivery.updates.reminders import update_reminders_send
from grants.tasks import run_daily_jobs
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import ActivityFactory, ProgressUpdateFactory, UpdateRoundFactory

pytestmark = pytest.mark.django_db

# The factory's round is due 31 October 2019 and reminds 7 days before: on 24 October.
DEADLINE = datetime.date(2019, 10, 31)
REMINDER_DAY = datetime.date(2019, 10, 24)


@pytest.fixture
def waiting_round():
    """A round with two of Ann's updates to write, one of Bob's submitted, one with no lead."""
    update_round = UpdateRoundFactory()
    ann = UserFactory(role=Role.PARTNER, email="ann@force.example")
    bob = UserFactory(role=Role.PARTNER, email="bob@force.example")
    for number, lead, state in (
        ("1.1.1", ann, UpdateState.REQUESTED),
        ("1.1.2", ann, UpdateState.DRAFT),
        ("1.1.3", bob, UpdateState.SUBMITTED),
        ("1.1.4", None, UpdateState.REQUESTED),
    ):
        activity = ActivityFactory(objective__plan_priority__plan=update_round.plan, number=number, lead_user=lead)
        ProgressUpdateFactory(
            update_round=update_round,
            activity=activity,
            state=state,
            progress="on_track" if state == UpdateState.SUBMITTED else "",
        )
    return update_round


def test_the_day_before_sends_nothing_the_day_sends_once_the_day_after_nothing_more(
    waiting_round, time_machine, mailoutbox
):
    for day, expected in (
        (REMINDER_DAY - datetime.timedelta(days=1), 0),
        (REMINDER_DAY, 1),
        (REMINDER_DAY + datetime.timedelta(days=1), 0),
    ):
        time_machine.move_to(datetime.datetime.combine(day, datetime.time(6, 30)))
        result = update_reminders_send()
        assert result["update_due"] == expected, day
    # One e-mail, to Ann only (Bob has submitted; 1.1.4 has nobody to ask), naming both of hers.
    assert [message.to for message in mailoutbox] == [["ann@force.example"]]
    assert "1.1.1" in mailoutbox[0].body and "1.1.2" in mailoutbox[0].body and "1.1.3" not in mailoutbox[0].body
    assert UpdateRound.objects.get(pk=waiting_round.pk).reminded_on == REMINDER_DAY


def test_a_missed_reminder_day_is_caught_up_and_reads_late_after_the_deadline(waiting_round, mailoutbox):
    result = update_reminders_send(today=DEADLINE + datetime.timedelta(days=2))
    assert result == {"update_due": 0, "update_late": 1, "no_recipient": 0}
    assert "was due on 31 October 2019" in mailoutbox[0].body


def test_a_switched_off_lead_is_counted_not_written_to(waiting_round, mailoutbox):
    waiting_round.updates.filter(activity__number="1.1.1").first().activity.lead_user.__class__.objects.filter(
        email="ann@force.example"
    ).update(is_active=False)
    assert update_reminders_send(today=REMINDER_DAY) == {"update_due": 0, "update_late": 0, "no_recipient": 1}
    assert mailoutbox == []


def test_a_round_that_is_not_open_is_not_reminded(waiting_round, mailoutbox):
    UpdateRound.objects.filter(pk=waiting_round.pk).update(status="cancelled")
    assert update_reminders_send(today=REMINDER_DAY)["update_due"] == 0


def test_the_daily_command_and_the_beat_task_send_them(waiting_round, time_machine, mailoutbox):
    out = StringIO()
    call_command("run_daily_jobs", "--date", REMINDER_DAY.isoformat(), stdout=out)
    assert "plan updates: 1 update due" in out.getvalue()
    assert len(mailoutbox) == 1
    # Beat, the next day: already sent, nothing more.
    time_machine.move_to(datetime.datetime(2019, 10, 25, 6, 30))
    outcome = run_daily_jobs.apply().get()
    assert outcome["update_reminders"] == {"update_due": 0, "update_late": 0, "no_recipient": 0}
    assert len(mailoutbox) == 1
