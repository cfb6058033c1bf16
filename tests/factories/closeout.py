"""Factories for close-out: spend returns, recoveries, variations and closures. They save rows
directly (no service rules): build data with them, test the rules through ``grants.closeout``."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from grants.models import (
    AwardClosure,
    AwardStatus,
    Recommission,
    Recovery,
    RecoveryReason,
    RecoveryStatus,
    SpendReturn,
    SpendReturnKind,
    Variation,
    VariationKind,
    VariationStatus,
)

from .grants import AwardFactory, FundingStreamFactory


class SpendReturnFactory(factory.django.DjangoModelFactory):
    """A final budget return for 2019/20 of an ended award."""

    class Meta:
        model = SpendReturn

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ENDED)
    fy = 2019
    kind = SpendReturnKind.FINAL
    received_on = datetime.date(2020, 4, 30)
    recorded_at = factory.LazyFunction(timezone.now)


class RecoveryFactory(factory.django.DjangoModelFactory):
    """An underspend of £1,250.50 to recover, raised (not yet recovered)."""

    class Meta:
        model = Recovery

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ENDED)
    reference = factory.Sequence(lambda n: f"REC-2019-{n + 1:04d}")
    reason = RecoveryReason.UNDERSPEND
    amount = Decimal("1250.50")
    stream = factory.SubFactory(FundingStreamFactory)
    fy = 2019
    due_date = datetime.date(2020, 5, 31)
    status = RecoveryStatus.RAISED
    raised_at = factory.LazyFunction(timezone.now)


class VariationFactory(factory.django.DjangoModelFactory):
    """A requested change of lead contact."""

    class Meta:
        model = Variation

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    reference = factory.Sequence(lambda n: f"VAR-{n + 1:04d}")
    kind = VariationKind.LEAD_CONTACT
    status = VariationStatus.REQUESTED
    reason = "The manager has left."
    requested_on = datetime.date(2020, 1, 10)
    new_lead_contact = "Sam Carter, service manager, sam@example.org"


class AwardClosureFactory(factory.django.DjangoModelFactory):
    """An ended award closed on 6 April 2020; its personal data may go after 6 April 2026."""

    class Meta:
        model = AwardClosure

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ENDED)
    closed_on = datetime.date(2020, 4, 6)
    lessons = "Referrals came late in the year."
    recommission = Recommission.YES
    personal_data_until = datetime.date(2026, 4, 6)
