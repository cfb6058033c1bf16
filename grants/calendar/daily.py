"""The one daily run: everything that must happen because a day has passed.

``daily_jobs_run(today=...)`` is what Celery beat runs every morning and what
``manage.py run_daily_jobs [--date YYYY-MM-DD]`` runs by hand (to catch up after an outage, or
to see what a day would do). In order:

1. return schedules: every award's quarterly returns reconciled with its dates (a safety net:
   the award services already do it as awards change);
2. statuses: awarded → active on the start date, active → ended after the last day (both
   owe the same returns, so the order of these two steps changes nothing else);
3. instalments: every payment plan's pending instalments reconciled likewise;
4. reminders: returns due soon, late returns, due-diligence documents expiring or expired,
   contracts ending (each e-mail once per item and stage);
5. delivery plans' update rounds: the reminder to leads who have not submitted their progress
   update, ``reminder_days`` before the deadline (once a round).

Running it twice for the same day changes nothing the second time: each step only writes what
differs, and each reminder is recorded as sent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from delivery.updates.reminders import update_reminders_send
from grants.calendar.reminders import reminders_send
from grants.calendar.statuses import award_statuses_follow_calendar
from grants.schedules.instalments import instalments_reconcile_all
from grants.schedules.returns import returns_reconcile_all
from pcc_commissioning import clock


@dataclass
class DailyRun:
    day: datetime.date
    activated: int = 0
    ended: int = 0
    held: list[str] = field(default_factory=list)
    returns_created: int = 0
    returns_removed: int = 0
    returns_redated: int = 0
    instalments_changed: int = 0
    reminders: dict[str, int] = field(default_factory=dict)
    update_reminders: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        """How many records the run wrote (reminders included)."""
        return (
            self.activated
            + self.ended
            + self.returns_created
            + self.returns_removed
            + self.returns_redated
            + self.instalments_changed
            + sum(count for kind, count in self.reminders.items() if kind != "no_recipient")
            + sum(count for kind, count in self.update_reminders.items() if kind != "no_recipient")
        )

    def lines(self) -> list[str]:
        """What the run did, one line per step, for the command line and the task's log."""
        sent = {kind: count for kind, count in self.reminders.items() if count}
        updates = {kind: count for kind, count in self.update_reminders.items() if count}
        return [
            f"Daily run for {self.day.isoformat()}:",
            f"  statuses: {self.activated} made active, {self.ended} ended"
            + (f", {len(self.held)} held for an officer" if self.held else ""),
            *(f"    held: {reason}" for reason in self.held),
            f"  returns: {self.returns_created} scheduled, {self.returns_removed} removed, "
            f"{self.returns_redated} re-dated",
            f"  instalments: {self.instalments_changed} scheduled or rescheduled",
            "  reminders: "
            + (
                ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in sorted(sent.items())) or "none to send"
            ),
            "  plan updates: "
            + (
                ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in sorted(updates.items()))
                or "no reminders to send"
            ),
        ]


def daily_jobs_run(*, today: datetime.date | None = None) -> DailyRun:
    """Run every daily job as of ``today`` (default: today). Idempotent for a given day."""
    today = today or clock.today()
    run = DailyRun(day=today)
    returns = returns_reconcile_all()
    run.returns_created, run.returns_removed, run.returns_redated = returns.created, returns.removed, returns.redated
    statuses = award_statuses_follow_calendar(today=today)
    run.activated, run.ended, run.held = statuses.activated, statuses.ended, statuses.held
    run.instalments_changed = instalments_reconcile_all().changed
    run.reminders = reminders_send(today=today)
    run.update_reminders = update_reminders_send(today=today)
    return run
