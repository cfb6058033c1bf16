"""Factories for spend returns, recoveries and carry-forwards. They save rows directly (no
service rules): build data with them, test the rules through ``grants.recoveries.services``."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from grants.models import (
    AwardStatus,
    CarryForward,
    Recovery,
    RecoveryReason,
    SpendLine,
    SpendReturn,
    SpendReturnKind,
)

from .grants import AwardFactory, DecisionFactory, FundingStreamFactory


class SpendReturnFactory(factory.django.DjangoModelFactory):
    """A final budget return for 2019/20, with no lines."""

    class Meta:
        model = SpendReturn

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    fy = 2019
    kind = SpendReturnKind.FINAL
    received_on = datetime.date(2020, 4, 30)
    recorded_at = factory.LazyFunction(timezone.now)


class SpendLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpendLine

    spend_return = factory.SubFactory(SpendReturnFactory)
    cost_line = factory.Sequence(lambda n: f"Cost line {n + 1}")
    planned = Decimal("1000.00")
    actual = Decimal("1000.00")


class RecoveryFactory(factory.django.DjangoModelFactory):
    """A raised underspend recovery of £500 for 2019/20, due on 30 June 2020."""

    class Meta:
        model = Recovery

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    reference = factory.Sequence(lambda n: f"REC-2019-{n + 9001:04d}")
    reason = RecoveryReason.UNDERSPEND
    amount = Decimal("500.00")
    stream = factory.SubFactory(FundingStreamFactory)
    fy = 2019
    due_date = datetime.date(2020, 6, 30)
    raised_at = factory.LazyFunction(timezone.now)


class CarryForwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarryForward

    stream = factory.SubFactory(FundingStreamFactory)
    from_fy = 2019
    amount = Decimal("10000.00")
    decision = factory.SubFactory(DecisionFactory, signed=True)
    recorded_at = factory.LazyFunction(timezone.now)
