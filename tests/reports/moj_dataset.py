"""The MoJ return's hand-built dataset, shared by the figures, outputs and command
tests. Built with the factories; every amount and count is chosen so the figures can be worked
out by hand (the arithmetic is written out in ``tests/reports/test_moj_figures.py``).

2019/20, all awards active 1 April 2019 to 31 March 2020 unless said otherwise.

Streams: "MoJ Core" (MoJ, allocation 100,000), "MoJ ISVA" (MoJ, ring-fenced for ISVA,
allocation 30,000), "Precept" (not MoJ, allocation 500,000).

Awards (reference, provider, MoJ category, funding lines):
- AWD-2019-0001 Victim Care, general_support: Core 40,000
- AWD-2019-0002 Rape Crisis, isva: ISVA 25,000
- AWD-2019-0003 Harbour, domestic_abuse: Core 20,000 + Precept 15,000 (split MoJ / non-MoJ)
- AWD-2019-0004 RJ Hub, restorative_justice: Core 10,000
- AWD-2019-0005 Safe Spaces, general_support: Core 5,000
- AWD-2019-0006 Planned Co, general_support, PLANNED: Core 9,999 (not committed: not in the return)

Payments (fy 2019 unless said):
- 0001 Core: 10,000 paid 25 Mar 2019 (in advance: counts in H1); 10,000 paid 15 Jul 2019;
  10,000 paid 20 Oct 2019 (H2); 3,000 paid 20 Apr 2019 against fy 2018 (another year: never counted)
- 0002 ISVA: 12,500 paid 30 Jun 2019; 12,500 due 31 Dec 2019, not paid
- 0003 Core: 5,000 paid 1 May 2019; Precept: 7,500 paid 1 May 2019 (not MoJ)
- 0004 Core: 5,000 paid 30 Sep 2019; refund −500 paid 1 Sep 2019
- 0005 Core: 2,500 paid 1 Apr 2019; 1,000 paid 10 Apr 2020 (after the year's end)

Returns (referrals/supported):
- 0001 Q1 accepted 20/15 (crime: domestic_abuse 10, violence 5; sex: female 12, male 3;
  outcome cope_recover 10/7); Q2 accepted 25/18 (crime: domestic_abuse 12, violence 6;
  cope_recover 12/9, feel_safer 8/5); Q3 accepted 5/5
- 0002 Q1 accepted 10/8 (age: 18_24 5, 25_34 2 — adds up to 7, not 8); Q2 accepted 12/9
- 0003 Q1 none (missing); Q2 accepted 30/25
- 0004 Q1 accepted 6/5; Q2 submitted 7/6 (not yet accepted)
- 0005 Q1 accepted 4/4; Q2 draft
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from grants.models import AwardStatus, ReturnStatus
from outcomes.models import CodeList, CodeListEntry
from tests.factories.grants import (
    AwardFactory,
    FundingLineFactory,
    FundingStreamFactory,
    PaymentFactory,
    StreamAllocationFactory,
)
from tests.factories.monitoring import MonitoringReturnFactory, ReturnBreakdownFactory, ReturnOutcomeFactory
from tests.factories.providers import OrganisationFactory

D = datetime.date


def code(list_name: str, value: str) -> CodeListEntry:
    return CodeListEntry.objects.get(list=list_name, code=value)


def moj_award(reference: str, provider: str, category: str | None, **kwargs):
    return AwardFactory(
        reference=reference,
        title=f"{provider} service",
        provider=OrganisationFactory(name=provider),
        status=kwargs.pop("status", AwardStatus.ACTIVE),
        moj_category=code(CodeList.MOJ_CATEGORY, category) if category else None,
        **kwargs,
    )


def returned(award, quarter: int, referrals: int, supported: int, status=ReturnStatus.ACCEPTED, **breakdown):
    """A return with ``crime={...}``, ``age={...}``, ``outcome={code: (assessed, improved)}``."""
    extra = {"rag": "green"} if status == ReturnStatus.ACCEPTED else {}
    ret = MonitoringReturnFactory(
        award=award, fy=2019, quarter=quarter, status=status, referrals=referrals, supported=supported, **extra
    )
    for dimension, counts in breakdown.items():
        for value, count in counts.items():
            if dimension == "outcome":
                assessed, improved = count
                ReturnOutcomeFactory(
                    monitoring_return=ret, code=code(CodeList.OUTCOME, value), assessed=assessed, improved=improved
                )
            else:
                ReturnBreakdownFactory(monitoring_return=ret, code=code(dimension, value), count=count)
    return ret


def paid(award, stream, amount: str, paid_date, *, fy: int = 2019, due=None, reason: str = ""):
    return PaymentFactory(
        award=award,
        stream=stream,
        fy=fy,
        amount=Decimal(amount),
        due_date=due or paid_date or D(2019, 12, 31),
        paid_date=paid_date,
        reason=reason,
    )


def build_moj_dataset() -> dict:
    """Build the dataset above; returns the streams and awards by short name."""
    mojorg = OrganisationFactory(name="Ministry of Justice")
    core = FundingStreamFactory(name="MoJ Core", source=mojorg, moj_reported=True)
    isva = FundingStreamFactory(name="MoJ ISVA", source=mojorg, moj_reported=True, ring_fenced_for="ISVA")
    precept = FundingStreamFactory(name="Precept", moj_reported=False)
    StreamAllocationFactory(stream=core, fy=2019, amount=Decimal("100000.00"))
    StreamAllocationFactory(stream=isva, fy=2019, amount=Decimal("30000.00"))
    StreamAllocationFactory(stream=precept, fy=2019, amount=Decimal("500000.00"))

    a1 = moj_award("AWD-2019-0001", "Victim Care", "general_support")
    a2 = moj_award("AWD-2019-0002", "Rape Crisis", "isva")
    a3 = moj_award("AWD-2019-0003", "Harbour", "domestic_abuse")
    a4 = moj_award("AWD-2019-0004", "RJ Hub", "restorative_justice")
    a5 = moj_award("AWD-2019-0005", "Safe Spaces", "general_support")
    a6 = moj_award("AWD-2019-0006", "Planned Co", "general_support", status=AwardStatus.PLANNED)
    for award, stream, amount in (
        (a1, core, "40000"),
        (a2, isva, "25000"),
        (a3, core, "20000"),
        (a3, precept, "15000"),
        (a4, core, "10000"),
        (a5, core, "5000"),
        (a6, core, "9999"),
    ):
        FundingLineFactory(award=award, stream=stream, fy=2019, amount=Decimal(amount))

    paid(a1, core, "10000", D(2019, 3, 25), due=D(2019, 4, 1))
    paid(a1, core, "10000", D(2019, 7, 15))
    paid(a1, core, "10000", D(2019, 10, 20))
    paid(a1, core, "3000", D(2019, 4, 20), fy=2018, due=D(2019, 3, 31))
    paid(a2, isva, "12500", D(2019, 6, 30))
    paid(a2, isva, "12500", None, due=D(2019, 12, 31))
    paid(a3, core, "5000", D(2019, 5, 1))
    paid(a3, precept, "7500", D(2019, 5, 1))
    paid(a4, core, "5000", D(2019, 9, 30))
    paid(a4, core, "-500", D(2019, 9, 1), reason="Overpaid in Q1: credit note")
    paid(a5, core, "2500", D(2019, 4, 1))
    paid(a5, core, "1000", D(2020, 4, 10), due=D(2020, 3, 31))

    returned(
        a1,
        1,
        20,
        15,
        crime={"domestic_abuse": 10, "violence": 5},
        sex={"female": 12, "male": 3},
        outcome={"cope_recover": (10, 7)},
    )
    returned(
        a1,
        2,
        25,
        18,
        crime={"domestic_abuse": 12, "violence": 6},
        outcome={"cope_recover": (12, 9), "feel_safer": (8, 5)},
    )
    returned(a1, 3, 5, 5)
    returned(a2, 1, 10, 8, age={"18_24": 5, "25_34": 2})
    returned(a2, 2, 12, 9)
    returned(a3, 2, 30, 25)
    returned(a4, 1, 6, 5)
    returned(a4, 2, 7, 6, status=ReturnStatus.SUBMITTED)
    returned(a5, 1, 4, 4)
    returned(a5, 2, 3, 3, status=ReturnStatus.DRAFT)
    return {"core": core, "isva": isva, "precept": precept, "a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "a6": a6}
