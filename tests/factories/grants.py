"""Factories for the grants register. They save rows directly (no service rules), so use them
to build data and the services to test the rules."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from grants.models import (
    Award,
    AwardKind,
    AwardStatus,
    AwardTransition,
    CoFunding,
    Decision,
    DecisionStatus,
    ForecastOutturn,
    FundingLine,
    FundingStream,
    Payment,
    PriorityBudget,
    StreamAllocation,
    StreamKind,
)

from .outcomes import CommissioningPriorityFactory
from .providers import OrganisationFactory


class FundingStreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingStream

    name = factory.Sequence(lambda n: f"Funding stream {n:04d}")
    source = factory.SubFactory(OrganisationFactory)
    kind = StreamKind.CENTRAL_GOVERNMENT
    moj_reported = False


class StreamAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StreamAllocation

    stream = factory.SubFactory(FundingStreamFactory)
    fy = 2019
    amount = Decimal("100000.00")


class PriorityBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorityBudget

    priority = factory.SubFactory(CommissioningPriorityFactory)
    fy = 2019
    amount = Decimal("100000.00")


class DecisionFactory(factory.django.DjangoModelFactory):
    """A draft decision; ``DecisionFactory(signed=True)`` for a signed one."""

    class Meta:
        model = Decision

    class Params:
        signed = factory.Trait(
            status=DecisionStatus.SIGNED,
            decided_on=datetime.date(2019, 3, 1),
            signed_at=factory.LazyFunction(timezone.now),
        )

    reference = factory.Sequence(lambda n: f"PCC-2019-{n + 1:03d}")
    subject = factory.Sequence(lambda n: f"Decision {n + 1}")
    status = DecisionStatus.DRAFT


class AwardFactory(factory.django.DjangoModelFactory):
    """A planned grant for 2019/20 with no lines."""

    class Meta:
        model = Award

    reference = factory.Sequence(lambda n: f"TEST-{n + 1:05d}")
    title = factory.Sequence(lambda n: f"Service {n + 1}")
    provider = factory.SubFactory(OrganisationFactory)
    kind = AwardKind.GRANT
    priority = factory.SubFactory(CommissioningPriorityFactory)
    status = AwardStatus.PLANNED
    start_date = datetime.date(2019, 4, 1)
    end_date = datetime.date(2020, 3, 31)


class AwardTransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardTransition

    award = factory.SubFactory(AwardFactory)
    from_status = ""
    to_status = factory.SelfAttribute("award.status")
    at = factory.LazyFunction(timezone.now)


class FundingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingLine

    award = factory.SubFactory(AwardFactory)
    stream = factory.SubFactory(FundingStreamFactory)
    fy = 2019
    amount = Decimal("10000.00")


class CoFundingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoFunding

    award = factory.SubFactory(AwardFactory)
    partner = factory.SubFactory(OrganisationFactory)
    fy = 2019
    amount = Decimal("5000.00")


class ForecastOutturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ForecastOutturn

    award = factory.SubFactory(AwardFactory)
    fy = 2019
    amount = Decimal("10000.00")


class PaymentFactory(factory.django.DjangoModelFactory):
    """A scheduled (unpaid) payment; pass ``paid_date`` for a paid one."""

    class Meta:
        model = Payment

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    stream = factory.SubFactory(FundingStreamFactory)
    fy = 2019
    due_date = datetime.date(2019, 6, 30)
    paid_date = None
    amount = Decimal("2500.00")
    # Recorded by finance, so approved as it was recorded (a paid payment must have been approved).
    approved_at = factory.LazyFunction(timezone.now)
