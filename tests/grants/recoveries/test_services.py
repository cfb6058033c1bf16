"""Spend returns, recoveries, receipts, write-offs and carry-forwards: the rules, the messages
naming the field at fault, nothing written when refused, and "paid" lowered by what comes back."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.funding.selectors import funding_summary, stream_years
from grants.models import (
    CarryForward,
    Payment,
    Recovery,
    RecoveryReason,
    RecoveryStatus,
    SpendReturn,
    SpendReturnKind,
)
from grants.recoveries import selectors
from grants.recoveries import services as svc
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.roles import Role
from tests.factories import DecisionFactory, UserFactory
from tests.factories.recoveries import SpendLineFactory, SpendReturnFactory

from .conftest import close

pytestmark = pytest.mark.django_db

LINES = [
    {"cost_line": "Staff", "planned": "8000", "actual": "6500", "variance_reason": "Post vacant for three months"},
    {"cost_line": "Premises", "planned": "2000", "actual": "1900"},
    {"cost_line": "Volunteer expenses", "planned": "2000", "actual": "1850.50"},
]


def _messages(exc: ValidationError, field: str) -> list[str]:
    return exc.value.message_dict[field] if hasattr(exc, "value") else exc.message_dict[field]


def _final(award, officer, lines=LINES, **extra):
    values = {"fy": 2019, "kind": SpendReturnKind.FINAL, "received_on": datetime.date(2020, 4, 30), "lines": lines}
    values.update(extra)
    return svc.spend_return_record(actor=officer, award=award, **values)


def _raise(award, officer, stream, amount="1250.50", **extra):
    values = {
        "reason": RecoveryReason.UNDERSPEND,
        "amount": amount,
        "stream": stream,
        "fy": 2019,
        "due_date": datetime.date(2020, 6, 30),
    }
    values.update(extra)
    return svc.recovery_raise(actor=officer, award=award, **values)


# Spend returns ----------------------------------------------------------------------------------------------
def test_a_final_return_shows_variances_totals_and_the_years_money(award, officer):
    spend_return = _final(award, officer, notes="Signed by the treasurer")
    (summary,) = selectors.award_spend_summaries(award)
    assert summary.spend_return == spend_return
    assert [(row.line.cost_line, row.variance) for row in summary.rows] == [
        ("Staff", Decimal("-1500.00")),
        ("Premises", Decimal("-100.00")),
        ("Volunteer expenses", Decimal("-149.50")),
    ]
    assert (summary.planned, summary.actual, summary.variance) == (
        Decimal("12000.00"),
        Decimal("10250.50"),
        Decimal("-1749.50"),
    )
    # Committed £20,000; paid £12,000; spent £10,250.50, so £1,749.50 underspent against what was paid.
    assert (summary.committed, summary.paid, summary.underspend) == (
        Decimal("20000.00"),
        Decimal("12000.00"),
        Decimal("1749.50"),
    )
    assert selectors.suggested_recovery(spend_return) == Decimal("1749.50")


@pytest.mark.parametrize(
    ("planned", "actual", "needs"),
    [
        ("1000", "1100", False),  # 10% exactly: no reason needed
        ("1000", "1100.01", True),  # just over 10%
        ("10000", "9500", False),  # £500 exactly, 5%
        ("10000", "9499.99", True),  # just over £500
        ("0", "10", True),  # spent where nothing was planned
    ],
)
def test_the_variance_thresholds(planned, actual, needs):
    assert selectors.needs_reason(Decimal(planned), Decimal(actual)) is needs


def test_a_large_variance_without_a_reason_is_refused_naming_the_line(award, officer):
    lines = [
        {"cost_line": "Staff", "planned": "8000", "actual": "6500"},
        {"cost_line": "", "planned": "1", "actual": "x"},
    ]
    with pytest.raises(ValidationError) as exc:
        _final(award, officer, lines=lines)
    assert _messages(exc, "lines") == [
        "Line 1 (Staff): give the reason for the variance: £6,500.00 spent against £8,000.00 planned "
        "(a reason is needed beyond 10% or £500).",
        "Line 2: enter the cost line, for example Staff.",
        "Line 2: " + _messages(exc, "lines")[2].split(": ", 1)[1],
    ]
    assert "actual spend" in _messages(exc, "lines")[2]
    assert not SpendReturn.objects.exists()


def test_a_return_is_refused_for_a_year_without_funding_twice_or_dated_ahead(award, officer):
    _final(award, officer)
    with pytest.raises(ValidationError) as exc:
        _final(award, officer, received_on=datetime.date(2020, 5, 2))
    assert exc.value.message_dict["kind"] == [
        "There is already a final budget return for 2019/20: change that one instead."
    ]
    assert exc.value.message_dict["received_on"] == ["The date the return was received cannot be in the future."]
    with pytest.raises(ValidationError) as exc:
        _final(award, officer, fy=2020)
    assert exc.value.message_dict["fy"] == ["Award AWD-2019-0042 has no funding in 2020/21."]
    with pytest.raises(ValidationError) as exc:
        _final(award, officer, lines=[])
    assert exc.value.message_dict["lines"][0].startswith("Enter at least one cost line")
    assert SpendReturn.objects.count() == 1


def test_a_return_is_refused_on_a_closed_award(award, officer):
    close(award)
    with pytest.raises(ValidationError) as exc:
        _final(award, officer)
    assert exc.value.messages == [
        "Award AWD-2019-0042 was closed on 20 April 2020, so it cannot be given a spend return."
    ]
    assert not SpendReturn.objects.exists()


def test_updating_a_return_replaces_its_lines_and_refuses_a_stale_form(award, officer):
    spend_return = _final(award, officer)
    version = spend_return.version
    svc.spend_return_update(
        actor=officer,
        spend_return=spend_return,
        expected_version=version,
        received_on=datetime.date(2020, 4, 29),
        lines=[{"cost_line": "Staff", "planned": "12000", "actual": "11900"}],
    )
    spend_return.refresh_from_db()
    assert [(line.cost_line, line.actual) for line in spend_return.lines.all()] == [("Staff", Decimal("11900.00"))]
    assert spend_return.received_on == datetime.date(2020, 4, 29)
    with pytest.raises(ValidationError) as exc:
        svc.spend_return_update(
            actor=officer,
            spend_return=spend_return,
            expected_version=version,
            received_on=datetime.date(2020, 4, 1),
            lines=[{"cost_line": "Rent", "planned": "1", "actual": "1"}],
        )
    assert exc.value.messages == [STALE_MESSAGE]
    assert list(spend_return.lines.values_list("cost_line", flat=True)) == ["Staff"]


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD, Role.PROVIDER])
def test_only_officers_record_returns_and_raise_recoveries(award, stream, role):
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        _final(award, user)
    with pytest.raises(PermissionDenied):
        _raise(award, user, stream)


# Raising a recovery -------------------------------------------------------------------------------------------
def test_recoveries_are_numbered_within_their_year(award, officer, stream):
    first = _raise(award, officer, stream, amount="1000")
    second = _raise(award, officer, stream, amount="500", note="Second claim")
    assert (first.reference, second.reference) == ("REC-2019-0001", "REC-2019-0002")
    assert (first.status, first.raised_by, first.amount) == (RecoveryStatus.RAISED, officer, Decimal("1000.00"))


def test_the_amount_is_limited_to_what_was_paid_less_what_is_being_recovered(award, officer, stream):
    _raise(award, officer, stream, amount="11000")
    with pytest.raises(ValidationError) as exc:
        _raise(award, officer, stream, amount="1000.01")
    assert exc.value.message_dict["amount"] == [
        "£1,000.01 is more than can be recovered from Victims' services for 2019/20: £1,000.00 "
        "(what was paid, less refunds and recoveries already raised)."
    ]
    assert _raise(award, officer, stream, amount="1000").amount == Decimal("1000.00")
    assert Recovery.objects.count() == 2


def test_every_problem_of_a_recovery_is_named(award, officer, stream):
    other = SpendReturnFactory()
    with pytest.raises(ValidationError) as exc:
        _raise(
            award, officer, stream, amount="0", reason="theft", due_date=datetime.date(2020, 4, 30), spend_return=other
        )
    errors = exc.value.message_dict
    assert errors["amount"] == ["The amount to recover must be more than zero."]
    assert errors["reason"] == ["Choose why the money is to come back: underspend, ineligible spend or breach."]
    assert errors["due_date"] == ["The due date cannot be in the past."]
    assert errors["spend_return"] == ["This spend return is of another award."]
    with pytest.raises(ValidationError) as exc:
        _raise(award, officer, stream, fy=2020)
    assert exc.value.message_dict["stream"] == ["Award AWD-2019-0042 has no funding from Victims' services in 2020/21."]
    assert not Recovery.objects.exists()


def test_a_recovery_is_refused_on_a_closed_award(award, officer, stream):
    close(award)
    with pytest.raises(ValidationError) as exc:
        _raise(award, officer, stream)
    assert "cannot be given a recovery" in exc.value.messages[0]


def test_the_suggested_amount_leaves_out_what_open_recoveries_claim(award, officer, stream):
    spend_return = _final(award, officer)
    _raise(award, officer, stream, amount="500", spend_return=spend_return)
    assert selectors.suggested_recovery(spend_return) == Decimal("1249.50")


# Receipts and write-off ------------------------------------------------------------------------------------------
def test_receipts_are_negative_payments_that_move_the_status(award, officer, finance_officer, stream):
    recovery = _raise(award, officer, stream)
    recovery = svc.recovery_receipt_record(
        actor=finance_officer,
        recovery=recovery,
        amount="1000",
        received_on=datetime.date(2020, 5, 1),
        reference="BACS 77",
    )
    assert recovery.status == RecoveryStatus.PART_RECOVERED
    payment = Payment.objects.get(recovery=recovery)
    assert (payment.amount, payment.stream, payment.fy, payment.paid_date) == (
        Decimal("-1000.00"),
        stream,
        2019,
        datetime.date(2020, 5, 1),
    )
    assert payment.reason == f"Recovery {recovery.reference}: underspend"
    assert (payment.invoice_reference, payment.approved_by, payment.recorded_by) == (
        "BACS 77",
        finance_officer,
        finance_officer,
    )
    with pytest.raises(ValidationError) as exc:
        svc.recovery_receipt_record(
            actor=finance_officer, recovery=recovery, amount="250.51", received_on=datetime.date(2020, 5, 1)
        )
    assert exc.value.message_dict["amount"] == [
        f"£250.51 is more than the £250.50 still to recover on {recovery.reference}: record what was received, up to £250.50."
    ]
    recovery = svc.recovery_receipt_record(
        actor=finance_officer, recovery=recovery, amount="250.50", received_on=datetime.date(2020, 5, 1)
    )
    assert recovery.status == RecoveryStatus.RECOVERED
    assert selectors.received_on(recovery) == Decimal("1250.50")
    with pytest.raises(ValidationError) as exc:
        svc.recovery_receipt_record(
            actor=finance_officer, recovery=recovery, amount="1", received_on=datetime.date(2020, 5, 1)
        )
    assert (
        f"Recovery {recovery.reference} is recovered: it cannot be given a receipt." in exc.value.message_dict["status"]
    )
    assert Payment.objects.filter(recovery=recovery).count() == 2


def test_a_refused_receipt_writes_nothing_and_names_every_field(award, officer, finance_officer, stream):
    recovery = _raise(award, officer, stream)
    with pytest.raises(ValidationError) as exc:
        svc.recovery_receipt_record(
            actor=finance_officer,
            recovery=recovery,
            amount="-5",
            received_on=datetime.date(2020, 5, 2),
            reference="x" * 101,
        )
    errors = exc.value.message_dict
    assert errors["amount"] == ["The amount received must be more than zero."]
    assert errors["received_on"] == ["The date it was received cannot be in the future."]
    assert errors["reference"] == ["The reference must be 100 characters or fewer."]
    recovery.refresh_from_db()
    assert recovery.status == RecoveryStatus.RAISED and not Payment.objects.filter(recovery=recovery).exists()


def test_only_finance_records_receipts(award, officer, stream):
    recovery = _raise(award, officer, stream)
    with pytest.raises(PermissionDenied):
        svc.recovery_receipt_record(actor=officer, recovery=recovery, amount="1", received_on=datetime.date(2020, 5, 1))


def test_a_receipt_may_arrive_after_the_award_is_closed(award, officer, finance_officer, stream):
    recovery = _raise(award, officer, stream)
    close(award)
    recovery = svc.recovery_receipt_record(
        actor=finance_officer, recovery=recovery, amount="1250.50", received_on=datetime.date(2020, 5, 1)
    )
    assert recovery.status == RecoveryStatus.RECOVERED


def test_paid_on_the_funding_page_drops_by_exactly_what_was_recovered(award, officer, finance_officer, stream):
    before = funding_summary(fy=2019, as_at=datetime.date(2020, 5, 1))
    recovery = _raise(award, officer, stream, amount="1250.50")
    svc.recovery_receipt_record(
        actor=finance_officer, recovery=recovery, amount="1250.50", received_on=datetime.date(2020, 5, 1)
    )
    after = funding_summary(fy=2019, as_at=datetime.date(2020, 5, 1))
    assert before.totals.paid - after.totals.paid == Decimal("1250.50")
    assert after.totals.paid == Decimal("10749.50")
    (row,) = [row for row in after.streams if row.stream == stream]
    assert row.paid == Decimal("10749.50")


def test_write_off_needs_a_signed_decision_and_keeps_what_came_back(award, officer, finance_officer, stream):
    recovery = _raise(award, officer, stream)
    svc.recovery_receipt_record(
        actor=finance_officer, recovery=recovery, amount="250.50", received_on=datetime.date(2020, 5, 1)
    )
    draft = DecisionFactory(reference="PCC-2020-007")
    with pytest.raises(ValidationError) as exc:
        svc.recovery_write_off(actor=officer, recovery=recovery, decision=draft)
    assert exc.value.message_dict["decision"] == [
        "Decision PCC-2020-007 is not signed: a write-off needs a signed decision."
    ]
    with pytest.raises(ValidationError) as exc:
        svc.recovery_write_off(actor=officer, recovery=recovery, decision=None)
    assert exc.value.message_dict["decision"] == ["Choose the signed PCC decision that allows the write-off."]
    with pytest.raises(PermissionDenied):
        svc.recovery_write_off(actor=finance_officer, recovery=recovery, decision=DecisionFactory(signed=True))
    signed = DecisionFactory(signed=True, reference="PCC-2020-008")
    close(award)  # writing off is still allowed once the award is closed
    recovery = svc.recovery_write_off(actor=officer, recovery=recovery, decision=signed, note="Provider insolvent")
    assert (recovery.status, recovery.write_off_decision, recovery.written_off_by) == (
        RecoveryStatus.WRITTEN_OFF,
        signed,
        officer,
    )
    assert recovery.note == "Written off under PCC-2020-008: Provider insolvent"
    totals = selectors.recovery_totals(selectors.recovery_list())
    assert (totals.outstanding, totals.recovered, totals.written_off) == (
        Decimal("0.00"),
        Decimal("250.50"),
        Decimal("1000.00"),
    )
    # The written-off £1,000 may be raised again (it never came back); the £250.50 received may not.
    assert selectors.recoverable(award=award, stream=stream, fy=2019) == Decimal("11749.50")


def test_a_recovery_becomes_overdue_after_its_due_date(award, officer, stream, time_machine):
    recovery = _raise(award, officer, stream)
    listed = selectors.recovery_list().get()
    assert not selectors.is_overdue(listed)
    time_machine.move_to(datetime.datetime(2020, 7, 1, 9, 0))
    assert selectors.is_overdue(listed)
    outstanding = selectors.award_outstanding(selectors.award_recoveries(award))
    assert (outstanding.total, outstanding.due_by, outstanding.overdue) == (
        Decimal("1250.50"),
        datetime.date(2020, 6, 30),
        True,
    )
    assert recovery.due_date == datetime.date(2020, 6, 30)


# Carry-forward ------------------------------------------------------------------------------------------------
def test_carry_forward_needs_a_signed_decision_and_a_positive_amount(award, officer, stream):
    with pytest.raises(ValidationError) as exc:
        svc.carry_forward_record(
            actor=officer, stream=stream, from_fy=2019, amount="0", decision=DecisionFactory(reference="PCC-2020-009")
        )
    assert exc.value.message_dict["amount"] == ["The amount carried forward must be more than zero."]
    assert exc.value.message_dict["decision"] == [
        "Decision PCC-2020-009 is not signed: a carry-forward needs a signed decision."
    ]
    assert not CarryForward.objects.exists()
    carry = svc.carry_forward_record(
        actor=officer, stream=stream, from_fy=2019, amount="600662", decision=DecisionFactory(signed=True), award=award
    )
    assert (carry.to_fy, carry.amount, carry.recorded_by) == (2020, Decimal("600662.00"), officer)
    rows = {row["fy"]: row for row in stream_years(stream)}
    assert rows[2020]["carried_forward"] == Decimal("600662.00")
    close(award)
    with pytest.raises(ValidationError) as exc:
        svc.carry_forward_record(
            actor=officer, stream=stream, from_fy=2019, amount="1", decision=DecisionFactory(signed=True), award=award
        )
    assert "cannot be given a carry-forward" in exc.value.message_dict["award"][0]


def test_spend_line_factory_builds_a_line():
    line = SpendLineFactory(planned=Decimal("5"), actual=Decimal("4"))
    assert line.spend_return.kind == SpendReturnKind.FINAL


def test_the_award_page_lists_a_receipt_with_its_remittance_not_as_an_invoice(
    award, officer, finance_officer, stream, officer_client
):
    from django.urls import reverse

    svc.recovery_receipt_record(
        actor=finance_officer,
        recovery=_raise(award, officer, stream),
        amount="1250.50",
        received_on=datetime.date(2020, 5, 1),
        reference="BACS 77",
    )
    page = officer_client.get(reverse("grants:award_detail", args=[award.pk])).content.decode()
    assert "Remittance BACS 77" in page and "Invoice BACS 77" not in page
