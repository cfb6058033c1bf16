"""Award statuses follow the calendar: the daily run moves them, on the right day, once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grants.awards import services as awards_services
from grants.calendar.statuses import award_statuses_follow_calendar
from grants.models import AwardStatus, AwardTransition
from pcc_commissioning import clock

from ...factories import AwardFactory, DecisionFactory, FundingLineFactory

pytestmark = pytest.mark.django_db


def status(award) -> str:
    award.refresh_from_db()
    return award.status


def test_awarded_becomes_active_on_its_start_date_not_the_day_before():
    award = AwardFactory(
        status=AwardStatus.AWARDED, start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2027, 3, 31)
    )
    assert award_statuses_follow_calendar(today=datetime.date(2026, 3, 31)).changed == 0
    assert status(award) == AwardStatus.AWARDED
    result = award_statuses_follow_calendar(today=datetime.date(2026, 4, 1))
    assert (result.activated, result.ended) == (1, 0)
    assert status(award) == AwardStatus.ACTIVE


def test_active_ends_the_day_after_its_last_day():
    award = AwardFactory(
        status=AwardStatus.ACTIVE, start_date=datetime.date(2025, 4, 1), end_date=datetime.date(2026, 3, 31)
    )
    award_statuses_follow_calendar(today=datetime.date(2026, 3, 31))
    assert status(award) == AwardStatus.ACTIVE  # still its last day
    award_statuses_follow_calendar(today=datetime.date(2026, 4, 1))
    assert status(award) == AwardStatus.ENDED


def test_a_taken_extension_counts_and_one_not_taken_does_not():
    extended = AwardFactory(
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2025, 4, 1),
        end_date=datetime.date(2026, 3, 31),
        extension_until=datetime.date(2026, 9, 30),
        extension_taken=True,
    )
    offered = AwardFactory(
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2025, 4, 1),
        end_date=datetime.date(2026, 3, 31),
        extension_until=datetime.date(2026, 9, 30),
        extension_taken=False,
    )
    award_statuses_follow_calendar(today=datetime.date(2026, 4, 1))
    assert (status(extended), status(offered)) == (AwardStatus.ACTIVE, AwardStatus.ENDED)
    award_statuses_follow_calendar(today=datetime.date(2026, 9, 30))
    assert status(extended) == AwardStatus.ACTIVE
    award_statuses_follow_calendar(today=datetime.date(2026, 10, 1))
    assert status(extended) == AwardStatus.ENDED


def test_the_change_is_on_the_timeline_as_the_systems_dated_the_day_it_took_effect():
    award = AwardFactory(
        status=AwardStatus.AWARDED, start_date=datetime.date(2019, 4, 1), end_date=datetime.date(2020, 3, 31)
    )
    # The run catches up years later: an awarded award long over goes through active to ended.
    award_statuses_follow_calendar(today=datetime.date(2026, 12, 6))
    assert status(award) == AwardStatus.ENDED
    steps = list(AwardTransition.objects.filter(award=award).order_by("at"))
    assert [(step.from_status, step.to_status) for step in steps] == [("awarded", "active"), ("active", "ended")]
    assert all(step.automatic and step.by is None for step in steps)
    assert [clock.localtime(step.at).date() for step in steps] == [datetime.date(2019, 4, 1), datetime.date(2020, 4, 1)]
    assert "Started on 1 April 2019" in steps[0].note
    assert "Its last day was 31 March 2020" in steps[1].note


def test_running_twice_for_a_day_changes_nothing_the_second_time():
    AwardFactory(status=AwardStatus.AWARDED, start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2027, 3, 31))
    AwardFactory(status=AwardStatus.ACTIVE, start_date=datetime.date(2025, 4, 1), end_date=datetime.date(2026, 3, 31))
    first = award_statuses_follow_calendar(today=datetime.date(2026, 4, 1))
    before = AwardTransition.objects.count()
    second = award_statuses_follow_calendar(today=datetime.date(2026, 4, 1))
    assert (first.changed, second.changed) == (2, 0)
    assert AwardTransition.objects.count() == before


@pytest.mark.parametrize(
    "state", [AwardStatus.PLANNED, AwardStatus.PROCURING, AwardStatus.CANCELLED, AwardStatus.ENDED]
)
def test_awards_not_made_or_already_final_are_left_alone(state):
    award = AwardFactory(status=state, start_date=datetime.date(2019, 4, 1), end_date=datetime.date(2020, 3, 31))
    assert award_statuses_follow_calendar(today=datetime.date(2026, 12, 6)).changed == 0
    assert status(award) == state


def test_an_award_the_rules_refuse_is_held_for_an_officer_not_forced(settings):
    # Awarded under the old limit; the limit has since come down and its decision is a draft.
    settings.DELEGATED_LIMIT = Decimal("1000")
    award = AwardFactory(
        status=AwardStatus.AWARDED,
        decision=DecisionFactory(),
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    FundingLineFactory(award=award, amount=Decimal("5000"))
    result = award_statuses_follow_calendar(today=datetime.date(2026, 4, 1))
    assert result.changed == 0 and len(result.held) == 1 and award.reference in result.held[0]
    assert status(award) == AwardStatus.AWARDED


def test_an_award_marked_active_by_the_run_gets_its_returns_as_it_changes():
    award = AwardFactory(
        status=AwardStatus.AWARDED, start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2026, 9, 30)
    )
    award_statuses_follow_calendar(today=datetime.date(2026, 4, 1))
    assert list(award.returns.order_by("quarter").values_list("quarter", flat=True)) == [1, 2]


def test_an_officer_can_still_change_a_status_by_hand():
    award = AwardFactory(
        status=AwardStatus.AWARDED, start_date=datetime.date(2026, 4, 1), end_date=datetime.date(2027, 3, 31)
    )
    awards_services.award_transition(award=award, actor=None, to_status=AwardStatus.ACTIVE, note="Mobilised early")
    assert not AwardTransition.objects.get(award=award).automatic
