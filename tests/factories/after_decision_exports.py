"""Rows of variations and recoveries saved directly (as the variations and recoveries services leave
them), for the exports and the reports that read them."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from grants.models import Recovery, RecoveryReason, RecoveryStatus, Variation, VariationKind, VariationStatus

from .grants import AwardFactory, FundingStreamFactory


class VariationRowFactory(factory.django.DjangoModelFactory):
    """A no-cost extension requested on 1 October 2019 and not yet decided."""

    class Meta:
        model = Variation

    award = factory.SubFactory(AwardFactory)
    reference = factory.LazyAttributeSequence(lambda obj, n: f"{obj.award.reference}-V{n + 1}")
    kind = VariationKind.EXTENSION
    status = VariationStatus.REQUESTED
    reason = "More time to finish the work."
    requested_on = datetime.date(2019, 10, 1)


class RecoveryRowFactory(factory.django.DjangoModelFactory):
    """An underspend of £1,250.50 raised against 2019/20, due on 30 April 2020, nothing back yet."""

    class Meta:
        model = Recovery

    award = factory.SubFactory(AwardFactory)
    reference = factory.Sequence(lambda n: f"REC-2019-{n + 1:04d}")
    reason = RecoveryReason.UNDERSPEND
    amount = Decimal("1250.50")
    stream = factory.SubFactory(FundingStreamFactory)
    fy = 2019
    due_date = datetime.date(2020, 4, 30)
    status = RecoveryStatus.RAISED
    raised_at = factory.LazyFunction(timezone.now)
