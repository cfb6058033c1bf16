"""Closing an award, and what a closed award refuses."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.awards.cofunding import forecast_set
from grants.awards.services import award_transition, award_update
from grants.closeout.services import award_close
from grants.models import Award, AwardClosure, AwardStatus, MonitoringReturn, Payment, Recommission, ReturnStatus
from grants.monitoring.kpis import kpi_create
from grants.monitoring.return_data import ReturnData
from grants.monitoring.services import return_accept, return_submit
from grants.payments.services import payment_cancel, payment_mark_paid, payment_record
from grants.schedules.instalments import instalments_reconcile_all
from grants.schedules.returns import award_returns_reconcile, returns_reconcile_all
from pcc_commissioning.roles import Role
from tests.factories import AwardFactory, MonitoringReturnFactory, PaymentFactory, UserFactory
from tests.factories.closeout import AwardClosureFactory, RecoveryFactory, SpendReturnFactory, VariationFactory

pytestmark = pytest.mark.django_db


def _close(award, actor, **extra):
    return award_close(
        actor=actor, award=award, lessons="Referrals came late.", recommission=Recommission.CHANGED, **extra
    )


def _errors(exc_info) -> dict[str, list[str]]:
    return exc_info.value.message_dict


def test_closing_a_ready_award_records_who_when_and_the_retention_date(
    ready_award, final_return, final_spend, officer, time_machine
):
    time_machine.move_to(datetime.datetime(2020, 4, 6, 11, 0))
    closure = _close(ready_award, officer, expected_version=ready_award.version)
    assert (closure.closed_on, closure.closed_by, closure.personal_data_until) == (
        datetime.date(2020, 4, 6),
        officer,
        datetime.date(2026, 4, 6),
    )
    assert (closure.final_return, closure.final_spend) == (final_return, final_spend)
    assert closure.lessons == "Referrals came late." and closure.recommission == "changed"
    assert Award.objects.get(pk=ready_award.pk).version == ready_award.version + 1


def test_the_retention_date_follows_the_setting_and_29_february(ready_award, officer, settings, time_machine):
    settings.PERSONAL_DATA_RETENTION_YEARS = 3
    time_machine.move_to(datetime.datetime(2020, 2, 29, 11, 0))
    assert _close(ready_award, officer).personal_data_until == datetime.date(2023, 2, 28)


def test_every_missing_item_is_refused_at_once_under_its_field(ended_award, officer):
    MonitoringReturnFactory(award=ended_award, fy=2019, quarter=4, submitted=True)
    RecoveryFactory(award=ended_award)
    PaymentFactory(award=ended_award, stream=ended_award.stream, amount=Decimal("5"), paid_date=None)
    VariationFactory(award=ended_award)
    with pytest.raises(ValidationError) as refused:
        award_close(actor=officer, award=ended_award, lessons=" ", recommission="maybe")
    errors = _errors(refused)
    assert errors == {
        "final_return": ["The final monitoring return (Q4 2019/20) must be accepted first; it is submitted."],
        "final_spend": [
            "Record the provider's final budget return for 2019/20 (what it spent against what it was paid)."
        ],
        "recoveries": ["1 recovery is still open: recover the money or write it off first."],
        "payments": ["1 payment has not been paid: mark them paid or cancel them first."],
        "variations": ["1 variation is still open: approve, decline or withdraw them first."],
        "lessons": ["Say what was learned (the closing note is kept with the award)."],
        "recommission": ["Choose whether to recommission the service."],
    }
    assert not AwardClosure.objects.exists()


def test_a_running_award_cannot_be_closed(ended_award, final_return, final_spend, officer):
    Award.objects.filter(pk=ended_award.pk).update(status=AwardStatus.ACTIVE)
    ended_award.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        _close(ended_award, officer)
    assert _errors(refused) == {
        "award": ["Award AWD-2019-0042 is active: only an ended or cancelled award can be closed."]
    }


def test_a_cancelled_award_closes_without_final_returns(officer):
    award = AwardFactory(status=AwardStatus.CANCELLED)
    closure = _close(award, officer)
    assert closure.final_return is None and closure.final_spend is None


def test_the_final_records_chosen_must_be_the_awards_own(ready_award, officer):
    other = SpendReturnFactory(fy=2019)
    earlier = MonitoringReturnFactory(award=ready_award, fy=2019, quarter=3, accepted=True)
    with pytest.raises(ValidationError) as refused:
        _close(ready_award, officer, final_return=earlier, final_spend=other)
    assert _errors(refused) == {
        "final_return": ["Choose the award's final monitoring return (Q4 2019/20)."],
        "final_spend": ["Choose the award's final budget return for 2019/20."],
    }


def test_only_officers_close_and_a_stale_or_second_close_is_refused(
    ready_award, officer, finance_officer, board_member
):
    for user in (finance_officer, board_member, UserFactory(role=Role.PROVIDER)):
        with pytest.raises(PermissionDenied):
            _close(ready_award, user)
    with pytest.raises(ValidationError, match="Someone else saved"):
        _close(ready_award, officer, expected_version=ready_award.version - 1)
    _close(ready_award, officer)
    with pytest.raises(ValidationError, match="already closed"):
        _close(ready_award, officer)


# A closed award is read-only ------------------------------------------------------------------------


@pytest.fixture
def closed_award(ended_award):
    AwardClosureFactory(award=ended_award)
    return ended_award


READ_ONLY = "Award AWD-2019-0042 was closed on 6 April 2020, so it cannot be"


def test_a_closed_award_cannot_be_updated_or_moved(closed_award, officer):
    with pytest.raises(ValidationError, match=READ_ONLY + " changed"):
        award_update(award=closed_award, actor=officer, expected_version=None, title="New title")
    with pytest.raises(ValidationError, match=READ_ONLY + " moved to another status"):
        award_transition(award=closed_award, actor=officer, to_status="cancelled", note="x")
    with pytest.raises(ValidationError, match=READ_ONLY):
        forecast_set(actor=officer, award=closed_award, fy=2019, amount=Decimal("9000"))
    with pytest.raises(ValidationError, match=READ_ONLY):
        kpi_create(award=closed_award, actor=officer, name="Referrals")
    assert Award.objects.get(pk=closed_award.pk).title != "New title"


def test_a_closed_award_takes_no_payment_but_money_back_for_a_recovery_is_received(closed_award, finance_officer):
    with pytest.raises(ValidationError) as refused:
        payment_record(
            actor=finance_officer,
            award=closed_award,
            stream=closed_award.stream,
            amount=Decimal("100"),
            due_date=datetime.date(2020, 3, 1),
        )
    assert _errors(refused) == {"award": [READ_ONLY + " changed."]}
    scheduled = PaymentFactory(award=closed_award, stream=closed_award.stream, amount=Decimal("-10"), reason="x")
    with pytest.raises(ValidationError, match=READ_ONLY):
        payment_cancel(payment=scheduled, actor=finance_officer, reason="Not due")
    receipt = PaymentFactory(
        award=closed_award,
        stream=closed_award.stream,
        amount=Decimal("-1250.50"),
        reason="Underspend returned",
        recovery=RecoveryFactory(award=closed_award),
    )
    paid = payment_mark_paid(payment=receipt, actor=finance_officer, paid_date=datetime.date(2020, 4, 1))
    assert paid.paid_date == datetime.date(2020, 4, 1)


def test_a_closed_awards_returns_cannot_be_submitted_or_reviewed(closed_award, officer, time_machine):
    time_machine.move_to(datetime.datetime(2020, 5, 1, 10, 0))
    draft = MonitoringReturnFactory(award=closed_award, fy=2019, quarter=4, status=ReturnStatus.DRAFT)
    with pytest.raises(ValidationError, match=READ_ONLY + " reported on"):
        return_submit(
            monitoring_return=draft, actor=officer, data=ReturnData(referrals=3, supported=2), expected_version=None
        )
    submitted = MonitoringReturnFactory(award=closed_award, fy=2019, quarter=3, submitted=True)
    with pytest.raises(ValidationError, match=READ_ONLY + " reported on"):
        return_accept(monitoring_return=submitted, actor=officer, rag="green", expected_version=None)
    assert MonitoringReturn.objects.get(pk=draft.pk).status == ReturnStatus.DRAFT


def test_the_schedules_leave_a_closed_award_as_it_was_closed(closed_award):
    # An ended award owes Q1 to Q4 2019/20: none are scheduled for the closed one.
    assert award_returns_reconcile(award=closed_award).changed == 0
    assert returns_reconcile_all().changed == 0
    assert not MonitoringReturn.objects.filter(award=closed_award).exists()
    assert instalments_reconcile_all().changed == 0
    assert Payment.objects.filter(award=closed_award).count() == 1


def test_the_daily_reminders_do_not_chase_a_closed_awards_returns(closed_award, time_machine):
    from grants.calendar.reminders import reminders_send

    MonitoringReturnFactory(award=closed_award, fy=2019, quarter=4, status=ReturnStatus.DUE)
    MonitoringReturnFactory(award=AwardFactory(status=AwardStatus.ENDED), fy=2019, quarter=4, status=ReturnStatus.DUE)
    time_machine.move_to(datetime.datetime(2020, 6, 1, 6, 30))
    # Only the open award's late return is chased (sent, or counted as having nobody to send to).
    assert sum(reminders_send(today=datetime.date(2020, 6, 1)).values()) == 1
