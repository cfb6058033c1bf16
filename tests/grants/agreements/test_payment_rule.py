"""Until the award's agreement is accepted, its payments can be scheduled and approved but not
marked paid (``PAYMENT_NEEDS_ACCEPTED_AGREEMENT``); refunds, imports and the system never wait."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grants.agreements.acceptance import agreement_accept, award_may_be_paid, payment_block_reason
from grants.models import Agreement, AgreementStatus, Payment
from grants.payments.services import payment_mark_paid, payment_record, payment_update
from tests.factories import FundingLineFactory, PaymentFactory
from tests.factories.agreement_acceptance import AgreementFactory

pytestmark = pytest.mark.agreement_rule


@pytest.fixture(autouse=True)
def _august_2019(time_machine):
    time_machine.move_to(datetime.datetime(2019, 8, 1, 9, tzinfo=datetime.UTC), tick=False)


PAID_ON = datetime.date(2019, 7, 5)
WAITING = (
    "Payments on AWD-2019-0042 cannot be marked paid until its grant agreement (version 1) is accepted by "
    "Helping Hands' authorised signatory."
)


@pytest.fixture
def line(agreement):
    return FundingLineFactory(award=agreement.award, amount=Decimal("10000.00"))


@pytest.fixture
def scheduled(line):
    return PaymentFactory(award=line.award, stream=line.stream, amount=Decimal("2500.00"))


def _accept(agreement, signatory):
    agreement_accept(
        actor=signatory, agreement=agreement, name="Jane Doe", role="Chief Executive", checksum=agreement.checksum
    )


def test_marking_paid_waits_for_acceptance_then_goes_ahead(scheduled, agreement, signatory, finance_officer):
    assert not award_may_be_paid(agreement.award)
    with pytest.raises(ValidationError) as refused:
        payment_mark_paid(payment=scheduled, actor=finance_officer, paid_date=PAID_ON)
    assert refused.value.message_dict["paid_date"] == [WAITING]
    assert Payment.objects.get(pk=scheduled.pk).paid_date is None
    _accept(agreement, signatory)
    assert award_may_be_paid(agreement.award)
    paid = payment_mark_paid(payment=scheduled, actor=finance_officer, paid_date=PAID_ON)
    assert paid.paid_date == PAID_ON


def test_a_countersigned_agreement_lets_payments_go(scheduled, agreement, finance_officer):
    Agreement.objects.filter(pk=agreement.pk).update(
        status=AgreementStatus.COUNTERSIGNED,
        accepted_at=datetime.datetime(2019, 5, 5, tzinfo=datetime.UTC),
        accepted_name="Jane Doe",
        countersigned_at=datetime.datetime(2019, 5, 6, tzinfo=datetime.UTC),
    )
    assert payment_mark_paid(payment=scheduled, actor=finance_officer, paid_date=PAID_ON).paid_date == PAID_ON


def test_without_an_agreement_the_message_asks_for_one(finance_officer):
    scheduled = PaymentFactory(award__reference="AWD-2019-0099")
    FundingLineFactory(award=scheduled.award, stream=scheduled.stream)
    assert payment_block_reason(scheduled.award) == (
        "Payments on AWD-2019-0099 cannot be marked paid until an agreement is issued and accepted."
    )
    with pytest.raises(ValidationError, match="until an agreement is issued and accepted"):
        payment_mark_paid(payment=scheduled, actor=finance_officer, paid_date=PAID_ON)


def test_scheduling_is_allowed_but_recording_as_paid_is_not(line, finance_officer):
    award = line.award
    scheduled = payment_record(
        actor=finance_officer, award=award, stream=line.stream, amount=Decimal("100.00"), due_date=PAID_ON
    )
    assert scheduled.paid_date is None and scheduled.is_approved
    with pytest.raises(ValidationError) as refused:
        payment_record(
            actor=finance_officer,
            award=award,
            stream=line.stream,
            amount=Decimal("100.00"),
            due_date=PAID_ON,
            paid_date=PAID_ON,
        )
    assert refused.value.message_dict["paid_date"] == [WAITING]
    with pytest.raises(ValidationError) as refused:
        payment_update(payment=scheduled, actor=finance_officer, expected_version=None, paid_date=PAID_ON)
    assert refused.value.message_dict["paid_date"] == [WAITING]
    # Other changes to a scheduled payment still go ahead.
    changed = payment_update(payment=scheduled, actor=finance_officer, expected_version=None, po_number="PO-7")
    assert changed.po_number == "PO-7"


def test_refunds_are_never_held(line, finance_officer, signatory, agreement):
    _accept(agreement, signatory)
    payment_record(
        actor=finance_officer,
        award=line.award,
        stream=line.stream,
        amount=Decimal("1000.00"),
        due_date=PAID_ON,
        paid_date=PAID_ON,
    )
    # A new version is issued: payments wait again, but money coming back does not.
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.SUPERSEDED)
    AgreementFactory(award=line.award, number=2)
    refund = payment_record(
        actor=finance_officer,
        award=line.award,
        stream=line.stream,
        amount=Decimal("-250.00"),
        due_date=PAID_ON,
        paid_date=PAID_ON,
        reason="Underspend returned",
    )
    assert refund.paid_date == PAID_ON
    assert "(version 2)" in payment_block_reason(line.award)


def test_imports_and_the_system_record_what_already_happened(scheduled, line, finance_officer):
    assert payment_mark_paid(payment=scheduled, actor=None, paid_date=PAID_ON).paid_date == PAID_ON
    imported = payment_record(
        actor=finance_officer,
        award=line.award,
        stream=line.stream,
        amount=Decimal("100.00"),
        due_date=PAID_ON,
        paid_date=PAID_ON,
        imported=True,
    )
    assert imported.paid_date == PAID_ON
    other = PaymentFactory(award=line.award, stream=line.stream, amount=Decimal("100.00"))
    marked = payment_mark_paid(payment=other, actor=finance_officer, paid_date=PAID_ON, imported=True)
    assert marked.paid_date == PAID_ON


def test_with_the_setting_off_payments_go_ahead(scheduled, finance_officer, settings):
    settings.PAYMENT_NEEDS_ACCEPTED_AGREEMENT = False
    assert payment_block_reason(scheduled.award) is None
    assert payment_mark_paid(payment=scheduled, actor=finance_officer, paid_date=PAID_ON).paid_date == PAID_ON


def test_the_mark_paid_page_shows_the_reason_instead_of_the_button(scheduled, agreement, signatory, finance_client):
    url = reverse("grants:payment_mark_paid", kwargs={"pk": scheduled.award_id, "payment_pk": scheduled.pk})
    page = finance_client.get(url).content.decode()
    assert WAITING.replace("'", "&#x27;") in page
    assert "Save</button>" not in page
    _accept(agreement, signatory)
    page = finance_client.get(url).content.decode()
    assert "Save</button>" in page and "cannot be marked paid" not in page
