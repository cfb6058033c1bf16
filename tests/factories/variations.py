"""Variations of awards, and the awards' versions (import from here, not from the package)."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from grants.models import AwardStatus, AwardVersion, Variation, VariationKind, VariationStatus

from .grants import AwardFactory


class VariationFactory(factory.django.DjangoModelFactory):
    """A requested change of scope on an active award."""

    class Meta:
        model = Variation

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    reference = factory.Sequence(lambda n: f"VAR-{n + 1:05d}")
    kind = VariationKind.SCOPE
    status = VariationStatus.REQUESTED
    reason = "The service now covers the whole county."
    new_scope = "Support for victims across the county."
    requested_on = datetime.date(2019, 9, 1)


class AwardVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AwardVersion

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    number = factory.Sequence(lambda n: n + 1)
    figures = factory.LazyFunction(lambda: {"total": "0.00", "last_day": ""})
    made_at = factory.LazyFunction(timezone.now)
