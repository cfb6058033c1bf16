"""The database refuses what the services refuse, even when a row is written directly."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from grants.models import AwardStatus, DecisionStatus, FundingStream, StreamKind
from tests.factories import (
    AwardFactory,
    DecisionFactory,
    ForecastOutturnFactory,
    FundingLineFactory,
    FundingStreamFactory,
    OrganisationFactory,
    PaymentFactory,
    PriorityBudgetFactory,
    StreamAllocationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(factory, **kwargs) -> bool:
    try:
        with transaction.atomic():
            factory(**kwargs)
    except IntegrityError:
        return True
    return False


def test_award_end_before_start_is_refused_by_the_database():
    assert refused(AwardFactory, start_date=datetime.date(2019, 4, 2), end_date=datetime.date(2019, 4, 1))
    assert not refused(AwardFactory, start_date=datetime.date(2019, 4, 1), end_date=datetime.date(2019, 4, 1))


def test_award_extension_must_end_after_the_award_and_be_dated_when_taken():
    end = datetime.date(2020, 3, 31)
    assert refused(AwardFactory, end_date=end, extension_until=end)
    assert refused(AwardFactory, extension_taken=True, extension_until=None)
    assert not refused(AwardFactory, end_date=end, extension_until=datetime.date(2021, 3, 31), extension_taken=True)


def test_award_reference_is_unique():
    AwardFactory(reference="AWD-2019-0042")
    assert refused(AwardFactory, reference="AWD-2019-0042")


def test_negative_funding_line_is_refused_and_one_line_per_stream_and_year():
    line = FundingLineFactory(amount=Decimal("1.00"))
    assert refused(FundingLineFactory, amount=Decimal("-0.01"))
    assert refused(FundingLineFactory, award=line.award, stream=line.stream, fy=line.fy)
    assert not refused(FundingLineFactory, award=line.award, stream=line.stream, fy=line.fy + 1)


def test_payment_of_zero_or_a_refund_without_reason_is_refused():
    assert refused(PaymentFactory, amount=Decimal("0"))
    assert refused(PaymentFactory, amount=Decimal("-10.00"), reason="")
    assert not refused(PaymentFactory, amount=Decimal("-10.00"), reason="Underspend returned")


def test_payment_override_must_say_who_allowed_it():
    assert refused(PaymentFactory, override_reason="Agreed variation", override_by=None)
    assert not refused(PaymentFactory, override_reason="Agreed variation", override_by=UserFactory())


def test_one_allocation_per_stream_and_year_and_one_budget_per_priority_and_year():
    allocation = StreamAllocationFactory()
    assert refused(StreamAllocationFactory, stream=allocation.stream, fy=allocation.fy)
    assert refused(StreamAllocationFactory, amount=Decimal("-1"))
    budget = PriorityBudgetFactory()
    assert refused(PriorityBudgetFactory, priority=budget.priority, fy=budget.fy)
    assert refused(PriorityBudgetFactory, amount=Decimal("-1"))


def test_one_forecast_per_award_and_year():
    forecast = ForecastOutturnFactory()
    assert refused(ForecastOutturnFactory, award=forecast.award, fy=forecast.fy)


def test_stream_names_are_unique_ignoring_capitals():
    FundingStreamFactory(name="MoJ Core")
    assert refused(FundingStreamFactory, name="moj core")


def test_signed_decision_needs_a_date_and_published_one_its_publication_date():
    assert refused(DecisionFactory, status=DecisionStatus.SIGNED, decided_on=None)
    assert refused(
        DecisionFactory, status=DecisionStatus.PUBLISHED, decided_on=datetime.date(2019, 3, 1), published_on=None
    )
    assert not refused(DecisionFactory, status=DecisionStatus.DRAFT, decided_on=None)


@pytest.mark.parametrize(
    ("status", "committed"),
    [
        (AwardStatus.PLANNED, False),
        (AwardStatus.PROCURING, False),
        (AwardStatus.AWARDED, True),
        (AwardStatus.ACTIVE, True),
        (AwardStatus.ENDED, True),
        (AwardStatus.CANCELLED, False),
    ],
)
def test_award_is_committed_only_when_awarded_active_or_ended(status, committed):
    assert AwardFactory.build(status=status).is_committed is committed


def test_decision_is_signed_once_signed_or_published():
    assert not DecisionFactory.build(status=DecisionStatus.DRAFT).is_signed
    assert DecisionFactory.build(status=DecisionStatus.SIGNED).is_signed
    assert DecisionFactory.build(status=DecisionStatus.PUBLISHED).is_signed


def test_stream_source_cannot_be_deleted_while_a_stream_uses_it():
    source = OrganisationFactory()
    FundingStream.objects.create(name="Precept", source=source, kind=StreamKind.PRECEPT)
    with pytest.raises(ProtectedError):
        source.delete()
