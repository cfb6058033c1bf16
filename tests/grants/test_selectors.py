"""The grants selectors: who may see an award, the register and its totals, an award's money by
year and the funding summary, with figures worked out by hand and flat query counts."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from grants.awards import selectors as awards_selectors
from grants.awards import timeline as awards_timeline
from grants.funding import selectors as funding_selectors
from grants.models import Award, AwardStatus, FundingStream
from grants.payments import services as payments_services
from outcomes.models import CommissioningPriority
from pcc_commissioning.roles import Role
from tests.factories import (
    AwardFactory,
    CommissioningPriorityFactory,
    ForecastOutturnFactory,
    FundingLineFactory,
    FundingStreamFactory,
    KPQFactory,
    OrganisationFactory,
    PaymentFactory,
    PriorityBudgetFactory,
    ProviderMembershipFactory,
    StreamAllocationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal


def dated(y, m, d):
    return datetime.date(y, m, d)


# The hand-built 2019/20 portfolio ---------------------------------------------------------------------
#
# Streams (allocation 2019/20): Core £100,000; Precept £50,000; ISVA £20,000; Old (2018/19 only).
# Priorities (budget 2019/20): Victims £120,000; Reoffending £40,000; Community (none).
#
#   award  status     priority     lines 2019/20                 other        payments counted in 2019/20
#   A1     active     Victims      Core 30,000 + Precept 10,000  Core 2020 30,000  Core 15,000 paid, Core 15,000
#                                                                                  due; Precept 10,000 due and paid
#                                                                                  in April 2020 (arrears, fy 2019);
#                                                                                  (+ Core 5,000 paid in fy 2020)
#   A2     awarded    Victims      ISVA 25,000
#   A3     planned    Reoffending  Precept 12,000                               forecast 12,000
#   A4     procuring  Reoffending  Core 8,000
#   A5     cancelled  Victims      Core 50,000                                  forecast 50,000 (ignored)
#   A6     ended      Reoffending  Precept 45,000                               Precept 45,000 paid, refund -2,000;
#                                                                               forecast 40,000
#   A1 forecast for 2019/20: 38,000.


@pytest.fixture
def portfolio(db):
    moj, council = OrganisationFactory(name="Ministry of Justice"), OrganisationFactory(name="Durham County Council")
    core = FundingStreamFactory(name="Core", source=moj)
    precept = FundingStreamFactory(name="Precept")
    isva = FundingStreamFactory(name="ISVA", source=moj, ring_fenced_for="ISVA")
    old = FundingStreamFactory(name="Old")
    StreamAllocationFactory(stream=core, fy=2019, amount=D("100000"))
    StreamAllocationFactory(stream=precept, fy=2019, amount=D("50000"))
    StreamAllocationFactory(stream=isva, fy=2019, amount=D("20000"))
    StreamAllocationFactory(stream=old, fy=2018, amount=D("99999"))
    StreamAllocationFactory(stream=core, fy=2020, amount=D("777777"))

    victims = CommissioningPriorityFactory(code="V", name="Victims", sort_order=1)
    reoffending = CommissioningPriorityFactory(code="R", name="Reoffending", sort_order=2)
    community = CommissioningPriorityFactory(code="C", name="Community", sort_order=3)
    PriorityBudgetFactory(priority=victims, fy=2019, amount=D("120000"))
    PriorityBudgetFactory(priority=reoffending, fy=2019, amount=D("40000"))
    PriorityBudgetFactory(priority=victims, fy=2020, amount=D("555555"))

    kpq3 = KPQFactory(number=3)
    a1 = AwardFactory(
        reference="A1",
        title="Victim care",
        status=AwardStatus.ACTIVE,
        priority=victims,
        provider=council,
        start_date=dated(2019, 4, 1),
        end_date=dated(2021, 3, 31),
    )
    a1.kpqs.add(kpq3)
    a2 = AwardFactory(reference="A2", title="ISVA service", status=AwardStatus.AWARDED, priority=victims)
    a3 = AwardFactory(reference="A3", title="Mentoring", status=AwardStatus.PLANNED, priority=reoffending)
    a4 = AwardFactory(
        reference="A4", title="Housing support", status=AwardStatus.PROCURING, priority=reoffending, kind="contract"
    )
    a5 = AwardFactory(reference="A5", title="Helpline", status=AwardStatus.CANCELLED, priority=victims)
    a6 = AwardFactory(
        reference="A6", title="Restorative justice", status=AwardStatus.ENDED, priority=reoffending, provider=council
    )

    FundingLineFactory(award=a1, stream=core, fy=2019, amount=D("30000"))
    FundingLineFactory(award=a1, stream=precept, fy=2019, amount=D("10000"))
    FundingLineFactory(award=a1, stream=core, fy=2020, amount=D("30000"))
    FundingLineFactory(award=a2, stream=isva, fy=2019, amount=D("25000"))
    FundingLineFactory(award=a3, stream=precept, fy=2019, amount=D("12000"))
    FundingLineFactory(award=a4, stream=core, fy=2019, amount=D("8000"))
    FundingLineFactory(award=a5, stream=core, fy=2019, amount=D("50000"))
    FundingLineFactory(award=a6, stream=precept, fy=2019, amount=D("45000"))

    PaymentFactory(
        award=a1, stream=core, fy=2019, due_date=dated(2019, 9, 30), paid_date=dated(2019, 9, 30), amount=D("15000")
    )
    PaymentFactory(award=a1, stream=core, fy=2019, due_date=dated(2020, 3, 31), amount=D("15000"))
    PaymentFactory(
        award=a1, stream=precept, fy=2019, due_date=dated(2020, 4, 20), paid_date=dated(2020, 4, 25), amount=D("10000")
    )
    PaymentFactory(
        award=a1, stream=core, fy=2020, due_date=dated(2020, 6, 30), paid_date=dated(2020, 6, 30), amount=D("5000")
    )
    PaymentFactory(
        award=a6, stream=precept, fy=2019, due_date=dated(2019, 7, 1), paid_date=dated(2019, 7, 1), amount=D("45000")
    )
    PaymentFactory(
        award=a6,
        stream=precept,
        fy=2019,
        due_date=dated(2020, 2, 1),
        paid_date=dated(2020, 2, 3),
        amount=D("-2000"),
        reason="Underspend returned",
    )

    ForecastOutturnFactory(award=a1, fy=2019, amount=D("38000"))
    ForecastOutturnFactory(award=a3, fy=2019, amount=D("12000"))
    ForecastOutturnFactory(award=a5, fy=2019, amount=D("50000"))
    ForecastOutturnFactory(award=a6, fy=2019, amount=D("40000"))

    return {
        "streams": {"core": core, "precept": precept, "isva": isva, "old": old},
        "priorities": {"victims": victims, "reoffending": reoffending, "community": community},
        "awards": {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "a6": a6},
        "kpq3": kpq3,
        "council": council,
    }


# funding_summary ------------------------------------------------------------------------------------------


def test_funding_summary_by_stream(portfolio):
    summary = funding_selectors.funding_summary(fy=2019)
    assert (summary.fy, summary.label) == (2019, "2019/20")
    # 2019/20 is over: its figures stand at its last day.
    assert (summary.as_at, summary.paid_label, summary.complete) == (dated(2020, 3, 31), "Paid at 31 March 2020", True)
    rows = {row.stream.name: row for row in summary.streams}
    assert list(rows) == ["Core", "ISVA", "Precept"]  # "Old" has nothing in 2019/20
    figures = {
        name: (row.allocation, row.committed, row.planned, row.paid, row.uncommitted, row.unspent, row.over_committed)
        for name, row in rows.items()
    }
    assert figures == {
        # Paid 15,000 (30 Sep); the 15,000 due in March is unpaid. Unspent 100,000 − 15,000.
        "Core": (D("100000"), D("30000"), D("8000"), D("15000"), D("70000"), D("85000"), False),
        "ISVA": (D("20000"), D("25000"), D("0"), D("0"), D("-5000"), D("20000"), True),
        # Paid 45,000 − 2,000 refund = 43,000. A1's 10,000 paid on 25 April 2020 is counted
        # against 2019/20 but was paid after 31 March 2020, the day the year stands at.
        "Precept": (D("50000"), D("55000"), D("12000"), D("43000"), D("-5000"), D("7000"), True),
    }


def test_funding_summary_by_priority(portfolio):
    summary = funding_selectors.funding_summary(fy=2019)
    figures = {
        row.priority.name: (row.budget, row.committed, row.planned, row.paid, row.forecast, row.variance, row.over)
        for row in summary.priorities
    }
    assert figures == {
        # A1 forecast 38,000 + A2 committed 25,000; A5 is cancelled, so its forecast counts for nothing.
        # Paid: A1's Core 15,000 (its Precept 10,000 arrears were paid after 31 March 2020).
        "Victims": (D("120000"), D("65000"), D("0"), D("15000"), D("63000"), D("57000"), False),
        # A6 forecast 40,000 + A3's (planned) forecast 12,000.
        "Reoffending": (D("40000"), D("45000"), D("20000"), D("43000"), D("52000"), D("-12000"), True),
        "Community": (None, D("0"), D("0"), D("0"), D("0"), D("0"), False),
    }
    assert [row.priority.name for row in summary.priorities] == ["Victims", "Reoffending", "Community"]


def test_funding_summary_totals(portfolio):
    totals = funding_selectors.funding_summary(fy=2019).totals
    # Paid at 31 March 2020: Core 15,000 + Precept 43,000 = 58,000.
    assert (totals.allocation, totals.committed, totals.planned, totals.paid) == (
        D("170000"),
        D("110000"),
        D("20000"),
        D("58000"),
    )
    # Uncommitted 170,000 − 110,000; unspent 170,000 − 58,000.
    assert (totals.budget, totals.forecast, totals.variance, totals.uncommitted, totals.unspent) == (
        D("160000"),
        D("115000"),
        D("45000"),
        D("60000"),
        D("112000"),
    )
    assert not totals.over and not totals.over_committed


def test_funding_summary_as_at_a_later_day_counts_arrears_but_not_in_the_period(portfolio):
    # The finance views stand at today: A1's Precept 10,000 paid 25 April 2020 against 2019/20
    # is paid to date (43,000 + 10,000) but was not paid in the year 2019/20 itself.
    summary = funding_selectors.funding_summary(fy=2019, as_at=dated(2020, 4, 25))
    precept = next(row for row in summary.streams if row.stream.name == "Precept")
    assert (precept.paid_to_date, precept.paid_in_period) == (D("53000"), D("43000"))
    assert (summary.totals.paid_to_date, summary.totals.paid_in_period) == (D("68000"), D("58000"))
    # A day earlier the arrears were not yet paid.
    earlier = funding_selectors.funding_summary(fy=2019, as_at=dated(2020, 4, 24))
    assert earlier.totals.paid_to_date == D("58000")


def test_funding_summary_of_another_year(portfolio):
    summary = funding_selectors.funding_summary(fy=2020)
    rows = {row.stream.name: (row.allocation, row.committed, row.paid) for row in summary.streams}
    assert rows == {"Core": (D("777777"), D("30000"), D("5000"))}
    victims = summary.priorities[0]
    assert (victims.budget, victims.committed, victims.forecast) == (D("555555"), D("30000"), D("30000"))


def test_funding_summary_forecast_of_an_award_without_lines_in_the_year_counts(portfolio):
    award = AwardFactory(status=AwardStatus.ACTIVE, priority=portfolio["priorities"]["community"])
    ForecastOutturnFactory(award=award, fy=2019, amount=D("1234.56"))
    community = funding_selectors.funding_summary(fy=2019).priorities[2]
    assert (community.committed, community.forecast) == (D("0"), D("1234.56"))


def grow_portfolio(count: int) -> None:
    """``count`` more awards, each with two lines, a paid payment and a forecast."""
    stream_a, stream_b = FundingStreamFactory(), FundingStreamFactory()
    StreamAllocationFactory(stream=stream_a)
    priority = CommissioningPriorityFactory()
    PriorityBudgetFactory(priority=priority)
    for number in range(count):
        award = AwardFactory(status=AwardStatus.ACTIVE if number % 2 else AwardStatus.PLANNED, priority=priority)
        FundingLineFactory(award=award, stream=stream_a, amount=D("1000"))
        FundingLineFactory(award=award, stream=stream_b, amount=D("500"))
        PaymentFactory(award=award, stream=stream_a, paid_date=dated(2019, 7, 1), amount=D("100"))
        ForecastOutturnFactory(award=award, amount=D("1200"))


@pytest.mark.parametrize("size", [3, 30])
def test_funding_summary_takes_five_queries_whatever_the_size(portfolio, django_assert_num_queries, size):
    grow_portfolio(size)
    with django_assert_num_queries(5):
        summary = funding_selectors.funding_summary(fy=2019)
        names = [row.stream.source.name for row in summary.streams]  # sources come with the streams
    assert len(names) == 5


# funding_summary for a period: paid in the period, paid to date, status at the period's end -----------
#
# One stream "Boundary" (allocation 100,000), one priority "Edges" (budget 90,000), one active
# award with a 60,000 line in 2019/20. Its payments, each counted against 2019/20 unless said,
# are powers of two so any sum shows which ones were counted:
#
#   100 paid 31 Mar 2019 (in advance, before the year)   200 paid 1 Apr 2019 (Q1's first day)
#   400 paid 30 Jun 2019 (Q1's last day)                  800 paid 1 Jul 2019 (Q2's first day)
#   1,600 paid 30 Sep 2019 (Q2's and H1's last day)       3,200 paid 1 Oct 2019 (H2's first day)
#   6,400 paid 31 Mar 2020 (the year's last day)          12,800 paid 1 Apr 2020 (arrears)
#   25,600 paid 15 May 2019 but counted against 2018/19 (never in 2019/20)
#   51,200 due 30 Jun 2019, never paid;  102,400 due 30 Jun 2019, cancelled


@pytest.fixture
def boundaries(db):
    from django.utils import timezone

    stream = FundingStreamFactory(name="Boundary")
    StreamAllocationFactory(stream=stream, fy=2019, amount=D("100000"))
    priority = CommissioningPriorityFactory(code="E", name="Edges", sort_order=1)
    PriorityBudgetFactory(priority=priority, fy=2019, amount=D("90000"))
    award = AwardFactory(reference="EDGE", status=AwardStatus.ACTIVE, priority=priority)
    FundingLineFactory(award=award, stream=stream, fy=2019, amount=D("60000"))
    for amount, paid_on, fy in (
        ("100", dated(2019, 3, 31), 2019),
        ("200", dated(2019, 4, 1), 2019),
        ("400", dated(2019, 6, 30), 2019),
        ("800", dated(2019, 7, 1), 2019),
        ("1600", dated(2019, 9, 30), 2019),
        ("3200", dated(2019, 10, 1), 2019),
        ("6400", dated(2020, 3, 31), 2019),
        ("12800", dated(2020, 4, 1), 2019),
        ("25600", dated(2019, 5, 15), 2018),
    ):
        PaymentFactory(award=award, stream=stream, fy=fy, due_date=paid_on, paid_date=paid_on, amount=D(amount))
    PaymentFactory(award=award, stream=stream, fy=2019, due_date=dated(2019, 6, 30), amount=D("51200"))
    PaymentFactory(
        award=award,
        stream=stream,
        fy=2019,
        due_date=dated(2019, 6, 30),
        amount=D("102400"),
        cancelled_at=timezone.now(),
        cancel_reason="Raised twice",
    )
    return {"stream": stream, "priority": priority, "award": award}


def _paid(summary):
    """(paid in the period, paid to date) of the one stream, the one priority and the totals."""
    stream = next(row for row in summary.streams if row.stream.name == "Boundary")
    priority = next(row for row in summary.priorities if row.priority.name == "Edges")
    figures = {(row.paid_in_period, row.paid_to_date) for row in (stream, priority, summary.totals)}
    assert len(figures) == 1, figures  # the stream, the priority and the totals agree
    return figures.pop()


@pytest.mark.parametrize(
    "code, as_at, in_period, to_date",
    [
        # 100 in advance + 200 (1 Apr) + 400 (30 Jun); 800 (1 Jul) is Q2's.
        ("Q1", dated(2019, 6, 30), D("700"), D("700")),
        # 800 (1 Jul) + 1,600 (30 Sep); not the 400 of 30 Jun, not the 100 in advance, not 1 Oct's 3,200.
        ("Q2", dated(2019, 9, 30), D("2400"), D("3100")),
        ("Q3", dated(2019, 12, 31), D("3200"), D("6300")),  # 3,200 (1 Oct); to date 3,100 + 3,200
        ("Q4", dated(2020, 3, 31), D("6400"), D("12700")),  # 6,400 (31 Mar); 12,800 of 1 Apr 2020 never
        ("H1", dated(2019, 9, 30), D("3100"), D("3100")),  # 100 + 200 + 400 + 800 + 1,600
        ("H2", dated(2020, 3, 31), D("9600"), D("12700")),  # 3,200 + 6,400; to date 3,100 + 9,600
        ("FY", dated(2020, 3, 31), D("12700"), D("12700")),  # everything but the arrears and 2018/19's
    ],
)
def test_paid_in_a_period_and_to_date_at_its_last_day(boundaries, code, as_at, in_period, to_date):
    summary = funding_selectors.funding_summary(fy=2019, period=code)
    assert (summary.period.code, summary.as_at, summary.complete) == (code, as_at, True)
    assert _paid(summary) == (in_period, to_date)


def test_a_payment_made_after_the_period_never_counts_in_it(boundaries):
    # Q1 stands at 30 June 2019: the 800 paid on 1 July is neither paid in Q1 nor paid to date.
    q1 = funding_selectors.funding_summary(fy=2019, period="Q1")
    assert _paid(q1) == (D("700"), D("700"))
    # A payment dated 1 July recorded later changes nothing in Q1, and is Q2's.
    PaymentFactory(
        award=boundaries["award"],
        stream=boundaries["stream"],
        fy=2019,
        due_date=dated(2019, 7, 1),
        paid_date=dated(2019, 7, 1),
        amount=D("0.01"),
    )
    assert _paid(funding_selectors.funding_summary(fy=2019, period="Q1")) == (D("700"), D("700"))
    assert _paid(funding_selectors.funding_summary(fy=2019, period="Q2")) == (D("2400.01"), D("3100.01"))


def test_labels_of_a_period_summary(boundaries):
    q1 = funding_selectors.funding_summary(fy=2019, period="Q1")
    assert (q1.paid_in_period_label, q1.paid_to_date_label, q1.committed_label) == (
        "Paid in Q1 2019/20",
        "Paid to date at 30 June 2019",
        "Committed at 30 June 2019",
    )
    year = funding_selectors.funding_summary(fy=2019)
    assert (year.period.code, year.paid_in_period_label, year.paid_label) == (
        "FY",
        "Paid in 2019/20",
        "Paid at 31 March 2020",
    )


def test_a_period_not_yet_over_stands_at_today(boundaries, time_machine):
    time_machine.move_to(datetime.datetime(2019, 8, 15, 12, 0, tzinfo=datetime.UTC))
    q2 = funding_selectors.funding_summary(fy=2019, period="Q2")
    # On 15 August only the 800 of 1 July had been paid in Q2 (the register holds the later
    # ones here, but none of them counts before its day).
    assert (q2.as_at, q2.complete, q2.paid_to_date_label) == (
        dated(2019, 8, 15),
        False,
        "Paid to date at 15 August 2019",
    )
    assert _paid(q2) == (D("800"), D("1500"))


def test_a_period_of_another_year_is_refused(boundaries):
    from pcc_commissioning.periods import Period

    with pytest.raises(ValueError, match="not a period of 2019/20"):
        funding_selectors.funding_summary(fy=2019, period=Period.parse(2020, "Q1"))


# Status at the end of the period. Each award has one 1,000 line on the "Edges" priority and a
# timeline (AwardTransition); times are UTC, and the service's day is UK time (BST in summer).


def _award_with_timeline(reference, status, *steps, amount="1000"):
    from tests.factories import AwardTransitionFactory

    award = AwardFactory(reference=reference, status=status, priority=CommissioningPriority.objects.get(code="E"))
    FundingLineFactory(award=award, stream=FundingStream.objects.get(name="Boundary"), fy=2019, amount=D(amount))
    previous = ""
    for moment, to_status in steps:
        AwardTransitionFactory(award=award, from_status=previous, to_status=to_status, at=moment)
        previous = to_status
    return award


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.fixture
def timelines(boundaries):
    # Cancelled on 15 July 2019, after Q1: committed in Q1, not in Q2.
    _award_with_timeline(
        "LATER-CANCELLED",
        AwardStatus.CANCELLED,
        (utc(2019, 3, 1, 9), AwardStatus.PLANNED),
        (utc(2019, 3, 15, 9), AwardStatus.AWARDED),
        (utc(2019, 4, 1, 9), AwardStatus.ACTIVE),
        (utc(2019, 7, 15, 9), AwardStatus.CANCELLED),
        amount="2000",
    )
    # Awarded at 00:30 on 1 July 2019 UK time (23:30 UTC on 30 June): after Q1 ends.
    _award_with_timeline(
        "AWARDED-1-JULY",
        AwardStatus.ACTIVE,
        (utc(2019, 3, 1, 9), AwardStatus.PLANNED),
        (utc(2019, 6, 30, 23, 30), AwardStatus.AWARDED),
        (utc(2019, 10, 1, 9), AwardStatus.ACTIVE),
        amount="4000",
    )
    # Awarded at 23:59 on 30 June 2019 UK time (22:59 UTC): in Q1.
    _award_with_timeline(
        "AWARDED-30-JUNE",
        AwardStatus.AWARDED,
        (utc(2019, 3, 1, 9), AwardStatus.PROCURING),
        (utc(2019, 6, 30, 22, 59), AwardStatus.AWARDED),
        amount="8000",
    )
    # Imported in 2026: its first (and only) transition is dated when it was entered.
    _award_with_timeline("IMPORTED", AwardStatus.ENDED, (utc(2026, 1, 5, 9), AwardStatus.ENDED), amount="16000")
    # Entered late (in 2026, for 2019/20) as planned, then awarded: its timeline says nothing
    # about 2019, so it has the last status it was given, awarded, in every 2019/20 period.
    _award_with_timeline(
        "ENTERED-LATE",
        AwardStatus.AWARDED,
        (utc(2026, 1, 5, 9), AwardStatus.PLANNED),
        (utc(2026, 2, 1, 9), AwardStatus.AWARDED),
        amount="32000",
    )


def _committed_planned(summary):
    stream = next(row for row in summary.streams if row.stream.name == "Boundary")
    return stream.committed, stream.planned


def test_committed_and_planned_use_each_awards_status_at_the_end_of_the_period(timelines):
    # The fixture's EDGE award (60,000) has no timeline: its status now (active) counts.
    # Q1, at the end of 30 June 2019: committed EDGE 60,000 + LATER-CANCELLED 2,000 (active then)
    # + AWARDED-30-JUNE 8,000 + IMPORTED 16,000 + ENTERED-LATE 32,000 (entered later: their last
    # status) = 118,000; planned AWARDED-1-JULY 4,000 (still planned on 30 June).
    assert _committed_planned(funding_selectors.funding_summary(fy=2019, period="Q1")) == (D("118000"), D("4000"))
    # Q2, at the end of 30 September: LATER-CANCELLED counts for nothing, AWARDED-1-JULY is
    # committed: 60,000 + 4,000 + 8,000 + 16,000 + 32,000 = 120,000; nothing planned.
    assert _committed_planned(funding_selectors.funding_summary(fy=2019, period="Q2")) == (D("120000"), D("0"))
    # The priority agrees with the stream.
    q1 = funding_selectors.funding_summary(fy=2019, period="Q1")
    edges = next(row for row in q1.priorities if row.priority.name == "Edges")
    assert (edges.committed, edges.planned) == (D("118000"), D("4000"))


def test_the_current_year_counts_each_awards_status_now(timelines, time_machine):
    # On 6 December 2026 (in 2026/27) a past year stands at its 31 March: LATER-CANCELLED was
    # cancelled by then and counts for nothing: 60,000 + 4,000 + 8,000 + 16,000 + 32,000.
    time_machine.move_to(utc(2026, 12, 6, 12))
    past = funding_selectors.funding_summary(fy=2019)
    assert past.as_at == dated(2020, 3, 31)
    assert _committed_planned(past) == (D("120000"), D("0"))
    # Asked to stand at today instead, the statuses are today's, which agree here.
    today = funding_selectors.funding_summary(fy=2019, as_at=dated(2026, 12, 6))
    assert _committed_planned(today) == (D("120000"), D("0"))


def test_a_cancellation_never_reaches_back_before_an_award_was_entered(boundaries):
    # Entered in 2026 for 2019/20 as awarded, then cancelled: in 2019/20 it was committed.
    _award_with_timeline(
        "ENTERED-THEN-CANCELLED",
        AwardStatus.CANCELLED,
        (utc(2026, 1, 5, 9), AwardStatus.AWARDED),
        (utc(2026, 3, 1, 9), AwardStatus.CANCELLED),
    )
    # Entered as planned and cancelled without ever being made: planned in 2019/20.
    _award_with_timeline(
        "NEVER-MADE",
        AwardStatus.CANCELLED,
        (utc(2026, 1, 5, 9), AwardStatus.PLANNED),
        (utc(2026, 3, 1, 9), AwardStatus.CANCELLED),
        amount="500",
    )
    # With the fixture's EDGE (60,000, active, no timeline): committed 61,000, planned 500.
    assert _committed_planned(funding_selectors.funding_summary(fy=2019, period="Q1")) == (D("61000"), D("500"))


def test_forecast_outturn_leaves_out_awards_cancelled_by_the_period_end(timelines):
    cancelled_later = Award.objects.get(reference="LATER-CANCELLED")
    ForecastOutturnFactory(award=cancelled_later, fy=2019, amount=D("2500"))

    def forecast(code):
        summary = funding_selectors.funding_summary(fy=2019, period=code)
        return next(row for row in summary.priorities if row.priority.name == "Edges").forecast

    # Q1: committed without a forecast 60,000 + 8,000 + 16,000 + 32,000 = 116,000, + LATER-
    # CANCELLED's forecast 2,500 = 118,500. Q2: it was cancelled by then; AWARDED-1-JULY's 4,000
    # joins: 60,000 + 4,000 + 8,000 + 16,000 + 32,000 = 120,000.
    assert (forecast("Q1"), forecast("Q2")) == (D("118500"), D("120000"))


def grow_timelines(count: int) -> None:
    """``count`` more awards, each with a line, a paid payment and a two-step timeline."""
    from tests.factories import AwardTransitionFactory

    stream, priority = FundingStream.objects.get(name="Boundary"), CommissioningPriority.objects.get(code="E")
    for number in range(count):
        award = AwardFactory(status=AwardStatus.ACTIVE, priority=priority)
        FundingLineFactory(award=award, stream=stream, amount=D("1000"))
        PaymentFactory(award=award, stream=stream, paid_date=dated(2019, 5, 1), amount=D("100"))
        ForecastOutturnFactory(award=award, amount=D("900"))
        AwardTransitionFactory(award=award, to_status=AwardStatus.AWARDED, at=utc(2019, 3, 1, 9))
        AwardTransitionFactory(
            award=award,
            from_status=AwardStatus.AWARDED,
            to_status=AwardStatus.ACTIVE,
            at=utc(2019, 4 + number % 6, 1, 9),
        )


@pytest.mark.parametrize("size", [3, 30])
def test_a_period_summary_takes_five_queries_whatever_the_size(timelines, django_assert_num_queries, size):
    grow_timelines(size)
    with django_assert_num_queries(5):
        summary = funding_selectors.funding_summary(fy=2019, period="Q1")
        names = [row.stream.source.name for row in summary.streams]
    assert names
    # Each grown award was awarded on 1 March 2019: committed in Q1 (1,000 each).
    assert _committed_planned(summary) == (D("118000") + size * D("1000"), D("4000"))


# award_list and its totals ------------------------------------------------------------------------------


def refs(queryset):
    return [award.reference for award in queryset]


def test_award_list_values_of_a_year_and_of_all_years(portfolio):
    by_ref = {award.reference: award for award in awards_selectors.award_list(fy=2019)}
    assert (by_ref["A1"].value_fy, by_ref["A1"].paid_fy) == (D("40000"), D("25000"))
    assert (by_ref["A6"].value_fy, by_ref["A6"].paid_fy) == (D("45000"), D("43000"))
    assert (by_ref["A3"].value_fy, by_ref["A3"].paid_fy) == (D("12000"), D("0"))
    everything = {award.reference: award for award in awards_selectors.award_list()}
    assert (everything["A1"].value_fy, everything["A1"].paid_fy) == (D("70000"), D("30000"))


def test_award_list_filters(portfolio):
    p, s = portfolio["priorities"], portfolio["streams"]
    assert refs(awards_selectors.award_list(fy=2020)) == ["A1"]  # only A1 runs into 2020/21
    assert refs(awards_selectors.award_list(priority=p["reoffending"])) == ["A3", "A4", "A6"]
    assert refs(awards_selectors.award_list(priority=p["victims"].pk, status=AwardStatus.ACTIVE)) == ["A1"]
    assert refs(awards_selectors.award_list(status=[AwardStatus.PLANNED, AwardStatus.PROCURING])) == ["A3", "A4"]
    assert refs(awards_selectors.award_list(kpq=portfolio["kpq3"])) == ["A1"]
    assert refs(awards_selectors.award_list(kind="contract")) == ["A4"]
    assert refs(awards_selectors.award_list(provider=portfolio["council"])) == ["A1", "A6"]
    assert refs(awards_selectors.award_list(provider_name=" COUNTY ")) == ["A1", "A6"]
    assert refs(awards_selectors.award_list(provider_name="justice")) == []  # a funder, with no awards
    assert refs(awards_selectors.award_list(stream=s["precept"])) == ["A1", "A3", "A6"]
    assert refs(awards_selectors.award_list(search="durham county")) == ["A1", "A6"]
    assert refs(awards_selectors.award_list(search="isva")) == ["A2"]
    assert refs(awards_selectors.award_list(search="a5")) == ["A5"]


def test_award_list_ending_within_months_counts_open_awards_only(portfolio):
    # A2-A6 end on 31 March 2020; A1 on 31 March 2021. A5 is cancelled and A6 ended.
    today = dated(2020, 1, 15)
    assert refs(awards_selectors.award_list(ending_within_months=3, today=today)) == ["A2", "A3", "A4"]
    assert refs(awards_selectors.award_list(ending_within_months=2, today=today)) == []
    assert refs(awards_selectors.award_list(ending_within_months=15, today=today)) == ["A1", "A2", "A3", "A4"]


def test_award_list_sorts_by_whitelisted_keys(portfolio):
    assert refs(awards_selectors.award_list(fy=2019, sort="-value")) == ["A5", "A6", "A1", "A2", "A3", "A4"]
    assert refs(awards_selectors.award_list(sort="title")) == ["A5", "A4", "A2", "A3", "A6", "A1"]
    assert refs(awards_selectors.award_list(sort="drop table")) == ["A1", "A2", "A3", "A4", "A5", "A6"]


@pytest.mark.parametrize("size", [3, 30])
def test_award_list_is_one_query_whatever_the_size(portfolio, django_assert_num_queries, size):
    grow_portfolio(size)
    with django_assert_num_queries(1):
        rows = [
            (award.reference, award.provider.name, award.priority.name, award.value_fy, award.paid_fy)
            for award in awards_selectors.award_list(fy=2019, sort="-value")
        ]
    assert len(rows) == 6 + size


def test_award_list_totals_over_the_filtered_awards(portfolio, django_assert_num_queries):
    with django_assert_num_queries(2):
        totals = awards_selectors.award_list_totals(awards_selectors.award_list(fy=2019), fy=2019)
    assert totals == {"committed": D("110000"), "planned": D("20000"), "paid": D("68000")}
    victims = awards_selectors.award_list(fy=2019, priority=portfolio["priorities"]["victims"])
    assert awards_selectors.award_list_totals(victims, fy=2019) == {
        "committed": D("65000"),
        "planned": D("0"),
        "paid": D("25000"),
    }
    assert awards_selectors.award_list_totals(awards_selectors.award_list(), fy=None) == {
        "committed": D("140000"),
        "planned": D("20000"),
        "paid": D("73000"),
    }


# award_money_by_year ---------------------------------------------------------------------------------------


def test_award_money_by_year(portfolio, django_assert_num_queries):
    a1 = portfolio["awards"]["a1"]
    with django_assert_num_queries(3):
        years = awards_selectors.award_money_by_year(a1)
    first, second = years
    assert (first.fy, first.label, second.label) == (2019, "2019/20", "2020/21")
    assert [(part.stream.name, part.amount) for part in first.lines] == [("Core", D("30000")), ("Precept", D("10000"))]
    assert (first.value, first.paid, first.scheduled, first.forecast, first.outturn, first.remaining) == (
        D("40000"),
        D("25000"),
        D("15000"),
        D("38000"),
        D("38000"),
        D("15000"),
    )
    assert (second.value, second.paid, second.scheduled, second.forecast, second.outturn) == (
        D("30000"),
        D("5000"),
        D("0"),
        None,
        D("30000"),
    )
    assert first.committed and first.counts


def test_award_money_by_year_shows_years_without_lines_and_a_cancelled_award_as_not_counting():
    award = AwardFactory(status=AwardStatus.CANCELLED, start_date=dated(2019, 10, 1), end_date=dated(2020, 9, 30))
    FundingLineFactory(award=award, fy=2019, amount=D("100"))
    years = awards_selectors.award_money_by_year(award)
    assert [(year.fy, year.value, year.counts, year.committed) for year in years] == [
        (2019, D("100"), False, False),
        (2020, D("0"), False, False),
    ]


# access_award ------------------------------------------------------------------------------------------------


@pytest.fixture
def provider_user(db):
    membership = ProviderMembershipFactory(user=UserFactory(username="provider", role=Role.PROVIDER))
    return membership.user


def test_internal_roles_may_read_and_only_officers_may_edit(officer, finance_officer, board_member):
    award = AwardFactory()
    for user in (officer, finance_officer, board_member):
        assert awards_selectors.access_award(user, award.pk) == award
    assert awards_selectors.access_award(officer, award.pk, for_edit=True) == award
    for user in (finance_officer, board_member):
        with pytest.raises(PermissionDenied):
            awards_selectors.access_award(user, award.pk, for_edit=True)


def test_provider_user_sees_only_its_organisations_made_awards(provider_user):
    organisation = provider_user.provider_membership.organisation
    own = AwardFactory(provider=organisation, status=AwardStatus.ACTIVE)
    own_planned = AwardFactory(provider=organisation, status=AwardStatus.PROCURING)
    other = AwardFactory(status=AwardStatus.ACTIVE)
    assert awards_selectors.access_award(provider_user, own.pk) == own
    for hidden in (own_planned, other):
        with pytest.raises(Http404):
            awards_selectors.access_award(provider_user, hidden.pk)
    with pytest.raises(PermissionDenied):
        awards_selectors.access_award(provider_user, own.pk, for_edit=True)


def test_missing_award_is_404_and_anonymous_is_refused(officer):
    with pytest.raises(Http404):
        awards_selectors.access_award(officer, 999999)
    award = AwardFactory()
    with pytest.raises(PermissionDenied):
        awards_selectors.access_award(AnonymousUser(), award.pk)


def test_user_without_a_role_is_refused(db):
    award = AwardFactory()
    with pytest.raises(PermissionDenied):
        awards_selectors.access_award(UserFactory(), award.pk)


def test_award_list_counts_a_taken_extension_as_running_on(db):
    extended = AwardFactory(reference="EXT", extension_until=dated(2021, 3, 31), extension_taken=True)
    AwardFactory(reference="OPTION", extension_until=dated(2021, 3, 31), extension_taken=False)
    assert refs(awards_selectors.award_list(fy=2020)) == ["EXT"]
    assert refs(awards_selectors.award_list(ending_within_months=3, today=dated(2020, 1, 15))) == ["OPTION"]
    assert refs(awards_selectors.award_list(ending_within_months=3, today=dated(2021, 1, 15))) == ["EXT"]
    assert [year.label for year in awards_selectors.award_money_by_year(extended)] == ["2019/20", "2020/21"]


# The years offered by the year pickers ---------------------------------------------------------------


def test_year_pickers_offer_every_year_from_the_first_to_the_last_and_the_current_one(django_assert_num_queries):
    from pcc_commissioning.periods import FinancialYear

    current = FinancialYear.current().start_year
    FundingLineFactory(fy=current - 6)
    FundingLineFactory(fy=current - 4)  # nothing in between: those years are still offered
    StreamAllocationFactory(fy=current - 8)
    with django_assert_num_queries(1):
        award_years = awards_selectors.award_years()
    assert award_years == [current, current - 4, current - 5, current - 6]
    assert funding_selectors.funding_years() == [current, *range(current - 4, current - 9, -1)]


def test_year_pickers_with_nothing_recorded_offer_the_current_year(db):
    from pcc_commissioning.periods import FinancialYear

    assert awards_selectors.award_years() == funding_selectors.funding_years() == [FinancialYear.current().start_year]


def test_the_timeline_tells_each_payments_story(officer, finance_officer, time_machine):
    time_machine.move_to(datetime.datetime(2027, 1, 5, 12, 0))
    pass
    from grants.models import Payment
    from grants.schedules.instalments import payment_plan_set

    award = AwardFactory(
        status=AwardStatus.AWARDED, start_date=datetime.date(2026, 10, 1), end_date=datetime.date(2027, 3, 31)
    )
    FundingLineFactory(award=award, fy=2026, amount=D("6000"))
    payment_plan_set(actor=officer, award=award, frequency="quarterly", timing="arrears")
    q3, q4 = Payment.objects.filter(award=award).order_by("due_date")
    payments_services.payment_approve(payment=q3, actor=finance_officer)
    payments_services.payment_mark_paid(payment=q3, actor=finance_officer, paid_date=datetime.date(2027, 1, 2))
    payments_services.payment_cancel(payment=q4, actor=finance_officer, reason="Service closed early")
    titles = [entry.title for entry in awards_timeline.award_timeline(award) if "Instalment Q" in entry.title]
    assert titles == [
        "Instalment Q4 2026/27 of £3,000.00 due 1 April 2027 cancelled: Service closed early",
        "Instalment Q3 2026/27 of £3,000.00 due 1 January 2027 paid on 2 January 2027",
        "Instalment Q3 2026/27 of £3,000.00 due 1 January 2027 approved for paying",
        "Instalment Q4 2026/27 of £3,000.00 due 1 April 2027 scheduled by the payment plan",
        "Instalment Q3 2026/27 of £3,000.00 due 1 January 2027 scheduled by the payment plan",
    ]


def test_the_timeline_names_the_lead_officer_and_finance_contact_as_they_change(officer, finance_officer):
    from grants.awards import services as awards_services

    award = AwardFactory(status=AwardStatus.PLANNED)
    awards_services.award_update(
        award=award, actor=officer, expected_version=None, lead_officer=officer, finance_contact=finance_officer
    )
    changes = [change for entry in awards_timeline.award_timeline(award) for change in entry.changes]
    assert ("Lead officer", "none", officer.display_name) in changes
    assert ("Finance contact", "none", finance_officer.display_name) in changes
