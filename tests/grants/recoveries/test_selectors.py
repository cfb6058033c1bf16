"""What may still be recovered, what is outstanding, recovered and written off, and the spend
returns' summaries in a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grants.models import RecoveryStatus
from grants.recoveries import selectors
from tests.factories import DecisionFactory, PaymentFactory
from tests.factories.recoveries import RecoveryFactory, SpendLineFactory, SpendReturnFactory

pytestmark = pytest.mark.django_db


def test_recoverable_counts_paid_money_less_refunds_and_claims(award, stream):
    # £12,000 paid; a £500 refund; a scheduled (unpaid) £3,000 is not money the provider holds.
    PaymentFactory(
        award=award, stream=stream, amount=Decimal("-500"), reason="Overpaid", paid_date=datetime.date(2019, 9, 1)
    )
    PaymentFactory(award=award, stream=stream, amount=Decimal("3000"), due_date=datetime.date(2020, 3, 31))
    RecoveryFactory(award=award, stream=stream, amount=Decimal("1000"))
    written_off = RecoveryFactory(
        award=award,
        stream=stream,
        amount=Decimal("800"),
        status=RecoveryStatus.WRITTEN_OFF,
        write_off_decision=DecisionFactory(signed=True),
    )
    PaymentFactory(
        award=award,
        stream=stream,
        amount=Decimal("-300"),
        reason="Recovery",
        paid_date=datetime.date(2020, 4, 1),
        recovery=written_off,
    )
    # 12,000 − 500 refunded − 1,000 claimed − 300 that came back before the write-off.
    assert selectors.recoverable(award=award, stream=stream, fy=2019) == Decimal("10200.00")


def test_totals_over_the_whole_list(award, stream):
    raised = RecoveryFactory(award=award, stream=stream, amount=Decimal("1000"), status=RecoveryStatus.PART_RECOVERED)
    PaymentFactory(
        award=award,
        stream=stream,
        amount=Decimal("-400"),
        reason="R",
        paid_date=datetime.date(2020, 4, 1),
        recovery=raised,
    )
    done = RecoveryFactory(award=award, stream=stream, amount=Decimal("250.50"), status=RecoveryStatus.RECOVERED)
    PaymentFactory(
        award=award,
        stream=stream,
        amount=Decimal("-250.50"),
        reason="R",
        paid_date=datetime.date(2020, 4, 1),
        recovery=done,
    )
    totals = selectors.recovery_totals(selectors.recovery_list())
    assert (totals.count, totals.outstanding, totals.recovered, totals.written_off) == (
        2,
        Decimal("600.00"),
        Decimal("650.50"),
        Decimal("0.00"),
    )
    assert selectors.recovery_totals(selectors.recovery_list(status=RecoveryStatus.RECOVERED)).recovered == Decimal(
        "250.50"
    )


def test_the_spend_summaries_take_four_queries_however_many_returns(award, django_assert_num_queries):
    for fy, kind in ((2019, "mid_year"), (2019, "final"), (2020, "final")):
        spend_return = SpendReturnFactory(award=award, fy=fy, kind=kind)
        SpendLineFactory.create_batch(3, spend_return=spend_return)
    with django_assert_num_queries(4):  # returns, their lines, committed and paid by year
        summaries = selectors.award_spend_summaries(award)
    assert [summary.label for summary in summaries] == [
        "Final budget return 2020/21",
        "Final budget return 2019/20",
        "Mid-year budget return 2019/20",
    ]
