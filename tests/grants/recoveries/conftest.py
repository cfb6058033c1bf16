"""An active award for 2019/20 from the victims' services stream: £20,000 committed, £12,000
paid on 30 June 2019; the clock stands at 1 May 2020 (after the year, when final budget returns
come in)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grants.models import AwardClosure, AwardStatus, Recommission
from tests.factories import AwardFactory, FundingLineFactory, FundingStreamFactory, PaymentFactory


@pytest.fixture(autouse=True)
def _first_of_may(time_machine):
    time_machine.move_to(datetime.datetime(2020, 5, 1, 10, 0))


@pytest.fixture
def stream(db):
    return FundingStreamFactory(name="Victims' services")


@pytest.fixture
def award(stream):
    award = AwardFactory(reference="AWD-2019-0042", title="Harbour refuge", status=AwardStatus.ACTIVE)
    FundingLineFactory(award=award, stream=stream, fy=2019, amount=Decimal("20000.00"))
    PaymentFactory(
        award=award,
        stream=stream,
        fy=2019,
        amount=Decimal("12000.00"),
        due_date=datetime.date(2019, 6, 30),
        paid_date=datetime.date(2019, 6, 30),
    )
    return award


def close(award) -> AwardClosure:
    return AwardClosure.objects.create(
        award=award,
        closed_on=datetime.date(2020, 4, 20),
        lessons="Demand was lower than planned.",
        recommission=Recommission.YES,
        personal_data_until=datetime.date(2026, 4, 20),
    )
