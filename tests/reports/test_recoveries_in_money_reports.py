"""Money recovered from a provider lowers "paid" everywhere: a recovery's receipts are negative
payments against the recovery's stream and year, and every report counts paid money by the
payment's year (``fy``) and its paid date. So a receipt on 15 October 2019 lowers paid in H2
2019/20 (and paid to date from then on) on the funding page, in the Panel report and in the MoJ
return; H1 does not move. A receipt after the year has ended is like arrears paid in April: it
counts against its year, but not in figures that stand at 31 March.

Worked by hand: MoJ Core (reported to the MoJ) allocates £50,000 in 2019/20. AWD-R, a grant of
£30,000 from it, was paid £15,000 on 1 April 2019 (H1) and £15,000 on 1 October 2019 (H2). At
close an underspend of £1,250.50 is recovered, received on 15 October 2019:
  paid in H1          15,000.00 (before and after)
  paid in H2          15,000.00 -> 13,749.50
  paid to 31 March    30,000.00 -> 28,749.50
  MoJ unspent         50,000.00 - 30,000.00 = 20,000.00 -> 50,000.00 - 28,749.50 = 21,250.50
"""

import datetime
from decimal import Decimal

import pytest
import time_machine

from grants.funding.selectors import funding_summary
from grants.models import AwardStatus, RecoveryStatus
from reports.moj.figures import moj_return_figures
from reports.panel.report import gather_panel_data
from tests.factories import (
    AwardFactory,
    FundingLineFactory,
    FundingStreamFactory,
    PaymentFactory,
    StreamAllocationFactory,
)
from tests.factories.after_decision_exports import RecoveryRowFactory
from tests.factories.outcomes import CommissioningPriorityFactory

pytestmark = pytest.mark.django_db

D = Decimal
day = datetime.date
AFTER_THE_YEAR = datetime.datetime(2020, 7, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture
def award(db):
    stream = FundingStreamFactory(name="MoJ Core", moj_reported=True)
    StreamAllocationFactory(stream=stream, fy=2019, amount=D("50000.00"))
    award = AwardFactory(
        reference="AWD-R",
        status=AwardStatus.ENDED,
        priority=CommissioningPriorityFactory(code="RV", name="Recovered victims"),
    )
    FundingLineFactory(award=award, stream=stream, fy=2019, amount=D("30000.00"))
    for paid_on in (day(2019, 4, 1), day(2019, 10, 1)):
        PaymentFactory(award=award, stream=stream, fy=2019, amount=D("15000.00"), due_date=paid_on, paid_date=paid_on)
    return award


def recover(award, *, received_on: datetime.date):
    """The £1,250.50 underspend raised and received in full, as the recoveries service records it."""
    stream = award.lines.get().stream
    recovery = RecoveryRowFactory(award=award, stream=stream, fy=2019, status=RecoveryStatus.RECOVERED)
    PaymentFactory(
        award=award,
        stream=stream,
        fy=2019,
        recovery=recovery,
        amount=D("-1250.50"),
        due_date=received_on,
        paid_date=received_on,
        reason=f"Underspend recovered ({recovery.reference})",
    )


def funding_paid() -> tuple[Decimal, Decimal, Decimal]:
    """The funding page's year 2019/20: paid for the stream, for the priority, and in total."""
    summary = funding_summary(fy=2019)
    (stream,) = [row for row in summary.streams if row.stream.name == "MoJ Core"]
    (priority,) = [row for row in summary.priorities if row.priority.code == "RV"]
    return stream.paid, priority.paid, summary.totals.paid


def panel_paid(period: str) -> tuple[Decimal, Decimal]:
    """The Panel report's funding table for MoJ Core: paid in the period, paid to date."""
    data = gather_panel_data(fy=2019, period=period)
    (stream,) = [row for row in data.funding.streams if row.stream.name == "MoJ Core"]
    return stream.paid_in_period, stream.paid_to_date


def moj_paid(half: int) -> dict:
    figures = moj_return_figures(fy=2019, half=half)
    (stream,) = figures["streams"]
    (service,) = figures["services"]
    found = {key: stream[key] for key in ("paid_half", "paid_ytd", "remaining")}
    found["service_paid_half"] = service["paid_half"]
    if half == 2:
        found["full_year"] = service["full_year"]["paid"]
    return found


@time_machine.travel(AFTER_THE_YEAR, tick=False)
def test_the_funding_page_pays_out_less_by_the_amount_recovered(award):
    assert funding_paid() == (D("30000.00"),) * 3
    recover(award, received_on=day(2019, 10, 15))
    assert funding_paid() == (D("28749.50"),) * 3


@time_machine.travel(AFTER_THE_YEAR, tick=False)
def test_the_panel_report_counts_the_receipt_in_h2_by_its_paid_date(award):
    assert panel_paid("H2") == (D("15000.00"), D("30000.00"))
    recover(award, received_on=day(2019, 10, 15))
    assert panel_paid("H1") == (D("15000.00"), D("15000.00"))
    assert panel_paid("H2") == (D("13749.50"), D("28749.50"))
    assert panel_paid("Q3") == (D("13749.50"), D("28749.50"))
    assert panel_paid("FY") == (D("28749.50"), D("28749.50"))


@time_machine.travel(AFTER_THE_YEAR, tick=False)
def test_the_moj_return_counts_the_receipt_in_h2(award):
    before = {
        "paid_half": "15000.00",
        "paid_ytd": "30000.00",
        "remaining": "20000.00",
        "service_paid_half": "15000.00",
        "full_year": "30000.00",
    }
    assert moj_paid(2) == before
    recover(award, received_on=day(2019, 10, 15))
    assert moj_paid(1) == {
        "paid_half": "15000.00",
        "paid_ytd": "15000.00",
        "remaining": "35000.00",
        "service_paid_half": "15000.00",
    }
    assert moj_paid(2) == {
        "paid_half": "13749.50",
        "paid_ytd": "28749.50",
        "remaining": "21250.50",
        "service_paid_half": "13749.50",
        "full_year": "28749.50",
    }


@time_machine.travel(AFTER_THE_YEAR, tick=False)
def test_a_receipt_after_the_year_counts_against_the_year_but_not_at_31_march(award):
    """Received on 10 May 2020 for 2019/20: the figures standing at 31 March 2020 (the funding
    page for a past year, the Panel report, the MoJ return) do not move, as for arrears paid in
    April; the finance views, which count every payment of the year paid by today, show it."""
    recover(award, received_on=day(2020, 5, 10))
    assert funding_paid() == (D("30000.00"),) * 3
    assert panel_paid("FY") == (D("30000.00"), D("30000.00"))
    assert moj_paid(2)["paid_ytd"] == "30000.00"
    today = funding_summary(fy=2019, as_at=day(2020, 7, 1))
    assert today.totals.paid == D("28749.50")


@time_machine.travel(AFTER_THE_YEAR, tick=False)
def test_360giving_disburses_less_and_spend_over_500_lists_no_receipt(award, settings):
    """360Giving's amountDisbursed is every paid payment, so the receipt lowers it; the spend
    over £500 list is money paid out, so a receipt (money in) is never on it."""
    from reports.transparency.lists import SPEND_OVER_500
    from reports.transparency.threesixty import threesixty_giving

    settings.THREESIXTY_GIVING_PREFIX = "pcctest"
    settings.OPCC_ORG_ID = "GB-GOR-PC999"
    recover(award, received_on=day(2019, 10, 15))
    (grant,) = threesixty_giving().grants
    assert (grant["amountAwarded"], grant["amountDisbursed"]) == (30000, 28749.5)
    amounts = [row[3] for row in SPEND_OVER_500.rows(SPEND_OVER_500.queryset(fy=2019))]
    assert amounts == [D("15000.00"), D("15000.00")]
