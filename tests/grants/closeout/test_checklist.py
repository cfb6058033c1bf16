"""The close-out checklist: one rule for the close page, the "closing soon" list and the service."""

import datetime

import pytest

from grants.closeout.checklist import award_closing_checklist, checklists_for, personal_data_until
from grants.models import AwardStatus, RecoveryStatus, ReturnStatus, VariationStatus
from tests.factories import AwardFactory, DecisionFactory, MonitoringReturnFactory, PaymentFactory
from tests.factories.closeout import RecoveryFactory, SpendReturnFactory, VariationFactory

pytestmark = pytest.mark.django_db


def _state(award):
    return [(item.label, item.done) for item in award_closing_checklist(award)]


def test_a_ready_award_has_every_item_done(ready_award):
    assert _state(ready_award) == [
        ("The award has ended", True),
        ("Final monitoring return (Q4 2019/20) accepted", True),
        ("Final budget return for 2019/20 recorded", True),
        ("Every recovery recovered or written off", True),
        ("No payment waiting to be paid", True),
        ("No variation open", True),
    ]


def test_each_missing_item_says_what_is_missing_and_where_to_do_it(ended_award):
    MonitoringReturnFactory(award=ended_award, fy=2019, quarter=4, submitted=True)
    SpendReturnFactory(award=ended_award, fy=2019, kind="mid_year")  # a mid-year return is not the final one
    RecoveryFactory(award=ended_award, status=RecoveryStatus.PART_RECOVERED)
    PaymentFactory(award=ended_award, stream=ended_award.stream, amount=1, paid_date=None)
    VariationFactory(award=ended_award, status=VariationStatus.AWAITING_FINANCE)
    missing = {item.field: item for item in award_closing_checklist(ended_award) if not item.done}
    assert set(missing) == {"final_return", "final_spend", "recoveries", "payments", "variations"}
    assert missing["final_return"].missing == (
        "The final monitoring return (Q4 2019/20) must be accepted first; it is submitted."
    )
    assert missing["final_return"].href.startswith("/grants/monitoring/returns/")
    assert missing["recoveries"].missing.startswith("1 recovery is still open")
    assert missing["payments"].href.endswith("#payments")


def test_settled_recoveries_cancelled_payments_and_decided_variations_do_not_hold_a_close(ready_award):
    RecoveryFactory(award=ready_award, status=RecoveryStatus.RECOVERED)
    RecoveryFactory(
        award=ready_award, status=RecoveryStatus.WRITTEN_OFF, write_off_decision=DecisionFactory(signed=True)
    )
    PaymentFactory(
        award=ready_award,
        stream=ready_award.stream,
        amount=5,
        cancelled_at=datetime.datetime(2020, 3, 1, tzinfo=datetime.UTC),
        cancel_reason="Entered twice",
    )
    VariationFactory(
        award=ready_award, status=VariationStatus.DECLINED, decided_on=datetime.date(2020, 2, 1), decision_note="No"
    )
    assert all(done for _, done in _state(ready_award))


def test_the_final_return_follows_a_taken_extension(ready_award):
    ready_award.extension_until = datetime.date(2020, 9, 30)
    ready_award.extension_taken = True
    ready_award.save()
    labels = dict(_state(ready_award))
    # The award now runs to 30 September 2020: its final return is Q2 2020/21, its last year 2020/21.
    assert labels["Final monitoring return (Q2 2020/21) accepted"] is False
    assert labels["Final budget return for 2020/21 recorded"] is False


def test_a_running_award_is_not_ready_and_a_cancelled_one_owes_no_final_returns(db):
    running = AwardFactory(status=AwardStatus.ACTIVE)
    assert ("The award has ended", False) in _state(running)
    cancelled = AwardFactory(status=AwardStatus.CANCELLED)
    assert _state(cancelled) == [
        ("The award was cancelled", True),
        ("Every recovery recovered or written off", True),
        ("No payment waiting to be paid", True),
        ("No variation open", True),
    ]


def test_checklists_for_many_awards_take_the_same_queries_as_for_one(ready_award, django_assert_num_queries):
    others = [AwardFactory(status=AwardStatus.ENDED) for _ in range(10)]
    for award in others:
        MonitoringReturnFactory(award=award, fy=2019, quarter=4, status=ReturnStatus.DUE)
    with django_assert_num_queries(5):
        one = checklists_for([ready_award])
    with django_assert_num_queries(5):
        many = checklists_for([ready_award, *others])
    assert one[ready_award.pk] == many[ready_award.pk]
    assert not many[others[0].pk][1].done


@pytest.mark.parametrize(
    "closed_on, years, until",
    [
        (datetime.date(2020, 4, 6), 6, datetime.date(2026, 4, 6)),
        (datetime.date(2020, 2, 29), 6, datetime.date(2026, 2, 28)),
        (datetime.date(2020, 2, 29), 4, datetime.date(2024, 2, 29)),
        (datetime.date(2020, 4, 6), 0, datetime.date(2020, 4, 6)),
    ],
)
def test_the_retention_date_is_the_same_day_and_month_years_later(closed_on, years, until):
    assert personal_data_until(closed_on, years) == until
