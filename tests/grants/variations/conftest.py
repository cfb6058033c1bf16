"""An active two-year award worth £20,000 (£10,000 a year from one stream) with a quarterly
plan paid in arrears, for the variations' tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from grants.awards.rules import LineInput
from grants.awards.services import award_create
from grants.models import AwardStatus, PlanFrequency, PlanTiming
from grants.schedules.instalments import payment_plan_set

from ...factories import CommissioningPriorityFactory, FundingStreamFactory


@pytest.fixture
def traveller():
    with time_machine.travel(datetime.datetime(2019, 10, 1, 10, 0), tick=False) as moved:
        yield moved


@pytest.fixture
def stream(db):
    return FundingStreamFactory(name="Core grant")


@pytest.fixture
def award(traveller, organisation, stream):
    award = award_create(
        actor=None,
        reference="AWD-2019-0042",
        title="Victim support",
        provider=organisation,
        kind="grant",
        priority=CommissioningPriorityFactory(),
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2021, 3, 31),
        lines=[
            LineInput(stream=stream, fy=2019, amount=Decimal("10000.00")),
            LineInput(stream=stream, fy=2020, amount=Decimal("10000.00")),
        ],
        status=AwardStatus.ACTIVE,
    )
    payment_plan_set(actor=None, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    return award
