"""Factories for needs data. They save rows directly (no service rules), so use them to build
data and the services to test the rules."""

from decimal import Decimal

import factory

from needs_assessment.models import (
    Area,
    AreaPopulation,
    AreaType,
    CommissioningIntention,
    Finding,
    Indicator,
    IndicatorValue,
    IntentionRank,
    NeedsAssessment,
    Theme,
)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Theme {n + 1}")


class AreaFactory(factory.django.DjangoModelFactory):
    """A local authority (pass ``type``/``parent`` for others)."""

    class Meta:
        model = Area
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"E06{n + 1:06d}")
    name = factory.Sequence(lambda n: f"Area {n + 1}")
    type = AreaType.LOCAL_AUTHORITY
    parent = None


class AreaPopulationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AreaPopulation

    area = factory.SubFactory(AreaFactory)
    year = 2019
    population = 100_000


class NeedsAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NeedsAssessment

    title = factory.Sequence(lambda n: f"Needs assessment {n + 1}")
    fy = 2019


class IndicatorFactory(factory.django.DjangoModelFactory):
    """A count indicator, higher is worse."""

    class Meta:
        model = Indicator

    name = factory.Sequence(lambda n: f"Indicator {n + 1}")
    theme = factory.SubFactory(ThemeFactory)
    unit = "crimes"


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    """A financial-year value (pass ``period="2019-Q1", quarter=1`` for a quarter)."""

    class Meta:
        model = IndicatorValue

    indicator = factory.SubFactory(IndicatorFactory)
    area = factory.SubFactory(AreaFactory)
    fy = 2019
    period = factory.LazyAttribute(lambda v: f"{v.fy}" if v.quarter is None else f"{v.fy}-Q{v.quarter}")
    quarter = None
    value = Decimal("100")


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    assessment = factory.SubFactory(NeedsAssessmentFactory)
    title = factory.Sequence(lambda n: f"Finding {n + 1}")


class CommissioningIntentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommissioningIntention

    title = factory.Sequence(lambda n: f"Intention {n + 1}")
    rank = IntentionRank.MUST
