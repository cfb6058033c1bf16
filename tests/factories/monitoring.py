"""Factories for monitoring: award KPIs, quarterly returns and their rows, reminders sent.
They save rows directly (no service rules): build data with them, test the rules through
``grants.monitoring``."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from grants.models import (
    AwardKPI,
    AwardStatus,
    KPIPeriod,
    MonitoringReturn,
    ReminderKind,
    ReminderSent,
    ReturnBreakdown,
    ReturnKPIValue,
    ReturnOutcome,
    ReturnStatus,
)
from outcomes.models import CodeList

from .grants import AwardFactory
from .outcomes import CodeListEntryFactory


class AwardKPIFactory(factory.django.DjangoModelFactory):
    """A quarterly KPI of an active award, target 10 per quarter."""

    class Meta:
        model = AwardKPI

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    name = factory.Sequence(lambda n: f"KPI {n + 1}")
    unit = "people"
    target = Decimal("10")
    target_period = KPIPeriod.QUARTER


class MonitoringReturnFactory(factory.django.DjangoModelFactory):
    """A due return for Q1 2019/20 of an active award (due 20 days after the quarter).

    ``MonitoringReturnFactory(submitted=True)`` or ``(accepted=True)`` for one handed in."""

    class Meta:
        model = MonitoringReturn

    class Params:
        submitted = factory.Trait(
            status=ReturnStatus.SUBMITTED,
            referrals=12,
            supported=10,
            submitted_at=factory.LazyFunction(timezone.now),
        )
        accepted = factory.Trait(
            status=ReturnStatus.ACCEPTED,
            referrals=12,
            supported=10,
            rag="green",
            submitted_at=factory.LazyFunction(timezone.now),
            reviewed_at=factory.LazyFunction(timezone.now),
        )

    award = factory.SubFactory(AwardFactory, status=AwardStatus.ACTIVE)
    fy = 2019
    quarter = 1
    due_date = factory.LazyAttribute(
        lambda ret: (
            datetime.date(
                *{1: (ret.fy, 6, 30), 2: (ret.fy, 9, 30), 3: (ret.fy, 12, 31), 4: (ret.fy + 1, 3, 31)}[ret.quarter]
            )
            + datetime.timedelta(days=20)
        )
    )
    status = ReturnStatus.DUE


class ReturnBreakdownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnBreakdown

    monitoring_return = factory.SubFactory(MonitoringReturnFactory)
    code = factory.SubFactory(CodeListEntryFactory, list=CodeList.CRIME)
    count = 5


class ReturnOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnOutcome

    monitoring_return = factory.SubFactory(MonitoringReturnFactory)
    code = factory.SubFactory(CodeListEntryFactory, list=CodeList.OUTCOME)
    assessed = 10
    improved = 6


class ReturnKPIValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReturnKPIValue

    monitoring_return = factory.SubFactory(MonitoringReturnFactory)
    kpi = factory.SubFactory(AwardKPIFactory, award=factory.SelfAttribute("..monitoring_return.award"))
    value = Decimal("8")


class ReminderSentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderSent

    kind = ReminderKind.RETURN_DUE
    item = factory.Sequence(lambda n: f"return:{n + 1}")
    stage = "2019-07-20"
    recipients = "someone@example.org"
    sent_at = factory.LazyFunction(timezone.now)
