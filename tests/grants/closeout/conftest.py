"""An award ready to close: ended on 31 March 2020, its Q4 2019/20 return accepted, its final
budget return for 2019/20 recorded, everything paid."""

import datetime
from decimal import Decimal

import pytest

from grants.models import AwardStatus
from tests.factories import AwardFactory, FundingLineFactory, MonitoringReturnFactory, PaymentFactory
from tests.factories.closeout import SpendReturnFactory


@pytest.fixture
def ended_award(db):
    award = AwardFactory(
        reference="AWD-2019-0042",
        status=AwardStatus.ENDED,
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2020, 3, 31),
    )
    line = FundingLineFactory(award=award, fy=2019, amount=Decimal("10000.00"))
    PaymentFactory(award=award, stream=line.stream, amount=Decimal("10000.00"), paid_date=datetime.date(2019, 6, 30))
    award.stream = line.stream
    return award


@pytest.fixture
def final_return(ended_award):
    return MonitoringReturnFactory(award=ended_award, fy=2019, quarter=4, accepted=True)


@pytest.fixture
def final_spend(ended_award):
    return SpendReturnFactory(award=ended_award, fy=2019)


@pytest.fixture
def ready_award(ended_award, final_return, final_spend):
    return ended_award
