"""Payment plans: instalments scheduled from the lines, kept in step, approved, cancelled."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.awards import rules as awards_rules
from grants.awards import services as awards_services
from grants.models import AwardStatus, MonitoringReturn, Payment, PlanFrequency, PlanTiming
from grants.monitoring.return_data import ReturnData
from grants.monitoring.services import return_accept, return_submit
from grants.payments import services as payments_services
from grants.schedules.instalments import award_instalments_reconcile, payment_plan_remove, payment_plan_set

from ...factories import CommissioningPriorityFactory, FundingStreamFactory, OrganisationFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def parts():
    return {
        "provider": OrganisationFactory(name="Harbour"),
        "priority": CommissioningPriorityFactory(),
        "moj": FundingStreamFactory(name="MoJ Core", moj_reported=True),
        "precept": FundingStreamFactory(name="Precept"),
    }


def make(parts, *, start=datetime.date(2026, 4, 1), end=datetime.date(2027, 3, 31), lines=None):
    lines = lines or [("moj", D("6000")), ("precept", D("4000"))]
    return awards_services.award_create(
        actor=None,
        title="Helpline",
        provider=parts["provider"],
        kind="grant",
        priority=parts["priority"],
        start_date=start,
        end_date=end,
        status=AwardStatus.AWARDED,
        lines=[awards_rules.LineInput(stream=parts[name], fy=2026, amount=amount) for name, amount in lines],
    )


def schedule(award) -> list[tuple[str, str, Decimal, datetime.date]]:
    return [
        (payment.stream.name, payment.plan_period, payment.amount, payment.due_date)
        for payment in Payment.objects.filter(award=award).select_related("stream").order_by("stream__name", "due_date")
    ]


def test_quarterly_in_arrears_splits_each_line_into_four_due_the_day_after_each_quarter(
    finance_officer, officer, parts
):
    award = make(parts)
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    # £6,000 MoJ and £4,000 precept over four whole quarters: £1,500 and £1,000 each.
    assert schedule(award) == [
        ("MoJ Core", "2026-Q1", D("1500.00"), datetime.date(2026, 7, 1)),
        ("MoJ Core", "2026-Q2", D("1500.00"), datetime.date(2026, 10, 1)),
        ("MoJ Core", "2026-Q3", D("1500.00"), datetime.date(2027, 1, 1)),
        ("MoJ Core", "2026-Q4", D("1500.00"), datetime.date(2027, 4, 1)),
        ("Precept", "2026-Q1", D("1000.00"), datetime.date(2026, 7, 1)),
        ("Precept", "2026-Q2", D("1000.00"), datetime.date(2026, 10, 1)),
        ("Precept", "2026-Q3", D("1000.00"), datetime.date(2027, 1, 1)),
        ("Precept", "2026-Q4", D("1000.00"), datetime.date(2027, 4, 1)),
    ]
    assert not any(payment.is_approved for payment in Payment.objects.all())


def test_a_part_quarter_gets_its_share_of_the_days_and_in_advance_falls_due_on_the_start(officer, parts):
    # 16 August to 30 September is 46 of Q2's 92 days: half a quarter. Weights ½, 1, 1 of £10,000.
    award = make(parts, start=datetime.date(2026, 8, 16), lines=[("precept", D("10000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ADVANCE)
    assert schedule(award) == [
        ("Precept", "2026-Q2", D("2000.00"), datetime.date(2026, 8, 16)),
        ("Precept", "2026-Q3", D("4000.00"), datetime.date(2026, 10, 1)),
        ("Precept", "2026-Q4", D("4000.00"), datetime.date(2027, 1, 1)),
    ]


def test_monthly_in_advance(officer, parts):
    award = make(parts, start=datetime.date(2026, 10, 1), lines=[("precept", D("6000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.MONTHLY, timing=PlanTiming.ADVANCE)
    assert [(period, amount, due) for _, period, amount, due in schedule(award)] == [
        (f"2026-M{month}", D("1000.00"), datetime.date(2026 + (month > 9), (month + 2) % 12 + 1, 1))
        for month in range(7, 13)
    ]


def test_a_payment_recorded_by_hand_shrinks_the_instalments_still_to_come(finance_officer, officer, parts):
    award = make(parts, lines=[("precept", D("4000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    payments_services.payment_record(
        actor=finance_officer,
        award=award,
        stream=parts["precept"],
        amount=D("1000"),
        due_date=datetime.date(2026, 4, 10),
        invoice_reference="Advance",
    )
    # £3,000 left over four quarters.
    assert [amount for _, period, amount, _ in schedule(award) if period] == [D("750.00")] * 4


def test_approved_instalments_stay_and_the_rest_follow_a_changed_line(finance_officer, officer, parts):
    award = make(parts, lines=[("precept", D("4000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    q1 = Payment.objects.get(award=award, plan_period="2026-Q1")
    payments_services.payment_approve(payment=q1, actor=finance_officer)
    awards_services.award_update(
        award=award,
        actor=officer,
        expected_version=None,
        lines=[awards_rules.LineInput(stream=parts["precept"], fy=2026, amount=D("6000"))],
    )
    # Q1 keeps its approved £1,000; £5,000 over three quarters: 1,666.67 + 1,666.67 + 1,666.66.
    assert [amount for _, _, amount, _ in schedule(award)] == [D("1000.00"), D("1666.67"), D("1666.67"), D("1666.66")]


def test_a_cancelled_instalment_counts_for_nothing_and_is_not_scheduled_again(finance_officer, officer, parts):
    award = make(parts, lines=[("precept", D("4000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    q2 = Payment.objects.get(award=award, plan_period="2026-Q2")
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_cancel(payment=q2, actor=finance_officer, reason="")
    assert "reason" in excinfo.value.message_dict
    payments_services.payment_cancel(payment=q2, actor=finance_officer, reason="Service paused for the summer")
    assert award_instalments_reconcile(award=award).changed == 0
    assert [period for _, period, _, _ in schedule(award)] == ["2026-Q1", "2026-Q3", "2026-Q4"]
    kept = Payment.all_objects.get(pk=q2.pk)
    assert kept.cancel_reason == "Service paused for the summer" and kept.cancelled_by == finance_officer


def test_a_paid_payment_cannot_be_cancelled_and_only_finance_cancels(finance_officer, officer, parts):
    award = make(parts, lines=[("precept", D("4000"))])
    paid = payments_services.payment_record(
        actor=finance_officer,
        award=award,
        stream=parts["precept"],
        amount=D("100"),
        due_date=datetime.date(2026, 4, 10),
        paid_date=datetime.date(2026, 4, 10),
    )
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_cancel(payment=paid, actor=finance_officer, reason="Mistake")
    assert "refund or credit note" in excinfo.value.message_dict["status"][0]
    scheduled = payments_services.payment_record(
        actor=finance_officer,
        award=award,
        stream=parts["precept"],
        amount=D("100"),
        due_date=datetime.date(2026, 5, 10),
    )
    with pytest.raises(PermissionDenied):
        payments_services.payment_cancel(payment=scheduled, actor=officer, reason="Mistake")


def test_an_instalment_must_be_approved_before_it_is_marked_paid(finance_officer, officer, parts):
    award = make(parts, lines=[("precept", D("4000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    q1 = Payment.objects.get(award=award, plan_period="2026-Q1")
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_mark_paid(payment=q1, actor=finance_officer, paid_date=datetime.date(2026, 7, 1))
    assert "approve it" in excinfo.value.message_dict["paid_date"][0]
    payments_services.payment_approve(payment=q1, actor=finance_officer)
    with pytest.raises(PermissionDenied):
        payments_services.payment_approve(
            payment=Payment.objects.get(award=award, plan_period="2026-Q2"), actor=officer
        )


def test_on_acceptance_of_the_return_the_instalment_waits_for_the_officer(
    finance_officer, officer, parts, time_machine
):
    award = make(parts, lines=[("precept", D("4000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ON_RETURN)
    q1_return = MonitoringReturn.objects.get(award=award, fy=2026, quarter=1)
    q1 = Payment.objects.get(award=award, plan_period="2026-Q1")
    assert (q1.due_date, q1.awaits_return_id) == (q1_return.due_date, q1_return.pk)  # due with the return
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_approve(payment=q1, actor=finance_officer)
    assert "return for Q1 2026/27 is accepted" in excinfo.value.message_dict["status"][0]
    time_machine.move_to(datetime.datetime(2026, 7, 10, 10, 0))
    submitted, _ = return_submit(
        monitoring_return=q1_return, actor=None, data=ReturnData(referrals=4, supported=3), expected_version=None
    )
    return_accept(monitoring_return=submitted, actor=officer, rag="green", expected_version=None)
    assert payments_services.payment_approve(payment=q1, actor=finance_officer).is_approved


def test_on_acceptance_needs_quarters():
    with pytest.raises(ValidationError) as excinfo:
        payment_plan_set(actor=None, award=None, frequency=PlanFrequency.MONTHLY, timing=PlanTiming.ON_RETURN)
    assert "must be quarterly" in excinfo.value.message_dict["timing"][0]


def test_a_new_frequency_reschedules_and_removing_the_plan_keeps_what_finance_approved(finance_officer, officer, parts):
    award = make(parts, start=datetime.date(2026, 10, 1), lines=[("precept", D("6000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    assert [period for _, period, _, _ in schedule(award)] == ["2026-Q3", "2026-Q4"]
    payments_services.payment_approve(
        payment=Payment.objects.get(award=award, plan_period="2026-Q3"), actor=finance_officer
    )
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.MONTHLY, timing=PlanTiming.ARREARS)
    # Q3's £3,000 is approved; the other £3,000 goes monthly over the months of Q4 with no approved instalment.
    periods = [(period, amount) for _, period, amount, _ in schedule(award)]
    assert periods[0] == ("2026-Q3", D("3000.00"))
    assert sum(amount for _, amount in periods[1:]) == D("3000.00")
    payment_plan_remove(actor=officer, award=award)
    assert [period for _, period, _, _ in schedule(award)] == ["2026-Q3"]


def test_shortening_the_award_reschedules_the_pending_instalments(officer, parts):
    award = make(parts, lines=[("precept", D("4000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    awards_services.award_update(award=award, actor=officer, expected_version=None, end_date=datetime.date(2026, 9, 30))
    assert [(period, amount) for _, period, amount, _ in schedule(award)] == [
        ("2026-Q1", D("2000.00")),
        ("2026-Q2", D("2000.00")),
    ]


def test_cancelling_the_award_withdraws_pending_instalments(officer, parts):
    award = make(parts, lines=[("precept", D("4000"))])
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    awards_services.award_transition(award=award, actor=officer, to_status=AwardStatus.CANCELLED, note="Withdrawn")
    assert schedule(award) == []


def test_reconciling_twice_changes_nothing(officer, parts):
    award = make(parts)
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ADVANCE)
    assert award_instalments_reconcile(award=award).changed == 0


def test_a_plan_change_from_a_stale_page_is_refused_and_changes_nothing(officer, parts):
    award = make(parts, lines=[("precept", D("4000"))])
    plan = payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    loaded = plan.version
    payment_plan_set(
        actor=officer,
        award=award,
        frequency=PlanFrequency.QUARTERLY,
        timing=PlanTiming.ADVANCE,
        expected_version=loaded,
    )
    with pytest.raises(ValidationError, match="Someone else saved this record"):
        payment_plan_set(
            actor=officer,
            award=award,
            frequency=PlanFrequency.MONTHLY,
            timing=PlanTiming.ARREARS,
            expected_version=loaded,
        )
    award.payment_plan.refresh_from_db()
    assert (award.payment_plan.frequency, award.payment_plan.timing) == (PlanFrequency.QUARTERLY, PlanTiming.ADVANCE)
    assert len(schedule(award)) == 4  # the four quarterly instalments in advance, not twelve monthly ones


def test_a_plan_set_up_or_removed_since_the_page_was_drawn_is_not_overwritten(officer, parts):
    from pcc_commissioning.concurrency import NO_RECORD_VERSION

    award = make(parts, lines=[("precept", D("4000"))])
    payment_plan_set(
        actor=officer,
        award=award,
        frequency=PlanFrequency.QUARTERLY,
        timing=PlanTiming.ARREARS,
        expected_version=NO_RECORD_VERSION,
    )
    with pytest.raises(ValidationError, match="Someone else saved this record"):  # the page showed no plan
        payment_plan_set(
            actor=officer,
            award=award,
            frequency=PlanFrequency.MONTHLY,
            timing=PlanTiming.ARREARS,
            expected_version=NO_RECORD_VERSION,
        )
    version = award.payment_plan.version
    payment_plan_remove(actor=officer, award=award)
    with pytest.raises(ValidationError, match="Someone else saved this record"):  # the page showed the old plan
        payment_plan_set(
            actor=officer,
            award=award,
            frequency=PlanFrequency.MONTHLY,
            timing=PlanTiming.ARREARS,
            expected_version=version,
        )
    assert schedule(award) == []
