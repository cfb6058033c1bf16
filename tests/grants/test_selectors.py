"""The grants selectors: who may see an award, the register and its totals, an award's money by
year and the funding summary, with figures worked out by hand and flat query counts."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from grants import selectors
from grants.models import AwardStatus
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
    a1 = AwardFactory(reference="A1", title="Victim care", status=AwardStatus.ACTIVE, priority=victims,
                      provider=council, start_date=dated(2019, 4, 1), end_date=dated(2021, 3, 31))
    a1.kpqs.add(kpq3)
    a2 = AwardFactory(reference="A2", title="ISVA service", status=AwardStatus.AWARDED, priority=victims)
    a3 = AwardFactory(reference="A3", title="Mentoring", status=AwardStatus.PLANNED, priority=reoffending)
    a4 = AwardFactory(reference="A4", title="Housing support", status=AwardStatus.PROCURING, priority=reoffending,
                      kind="contract")
    a5 = AwardFactory(reference="A5", title="Helpline", status=AwardStatus.CANCELLED, priority=victims)
    a6 = AwardFactory(reference="A6", title="Restorative justice", status=AwardStatus.ENDED, priority=reoffending,
                      provider=council)

    FundingLineFactory(award=a1, stream=core, fy=2019, amount=D("30000"))
    FundingLineFactory(award=a1, stream=precept, fy=2019, amount=D("10000"))
    FundingLineFactory(award=a1, stream=core, fy=2020, amount=D("30000"))
    FundingLineFactory(award=a2, stream=isva, fy=2019, amount=D("25000"))
    FundingLineFactory(award=a3, stream=precept, fy=2019, amount=D("12000"))
    FundingLineFactory(award=a4, stream=core, fy=2019, amount=D("8000"))
    FundingLineFactory(award=a5, stream=core, fy=2019, amount=D("50000"))
    FundingLineFactory(award=a6, stream=precept, fy=2019, amount=D("45000"))

    PaymentFactory(award=a1, stream=core, fy=2019, due_date=dated(2019, 9, 30), paid_date=dated(2019, 9, 30),
                   amount=D("15000"))
    PaymentFactory(award=a1, stream=core, fy=2019, due_date=dated(2020, 3, 31), amount=D("15000"))
    PaymentFactory(award=a1, stream=precept, fy=2019, due_date=dated(2020, 4, 20), paid_date=dated(2020, 4, 25),
                   amount=D("10000"))
    PaymentFactory(award=a1, stream=core, fy=2020, due_date=dated(2020, 6, 30), paid_date=dated(2020, 6, 30),
                   amount=D("5000"))
    PaymentFactory(award=a6, stream=precept, fy=2019, due_date=dated(2019, 7, 1), paid_date=dated(2019, 7, 1),
                   amount=D("45000"))
    PaymentFactory(award=a6, stream=precept, fy=2019, due_date=dated(2020, 2, 1), paid_date=dated(2020, 2, 3),
                   amount=D("-2000"), reason="Underspend returned")

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
    summary = selectors.funding_summary(fy=2019)
    assert (summary.fy, summary.label) == (2019, "2019/20")
    rows = {row.stream.name: row for row in summary.streams}
    assert list(rows) == ["Core", "ISVA", "Precept"]  # "Old" has nothing in 2019/20
    figures = {
        name: (row.allocation, row.committed, row.planned, row.paid, row.remaining, row.over_committed)
        for name, row in rows.items()
    }
    assert figures == {
        "Core": (D("100000"), D("30000"), D("8000"), D("15000"), D("70000"), False),
        "ISVA": (D("20000"), D("25000"), D("0"), D("0"), D("-5000"), True),
        "Precept": (D("50000"), D("55000"), D("12000"), D("53000"), D("-5000"), True),
    }


def test_funding_summary_by_priority(portfolio):
    summary = selectors.funding_summary(fy=2019)
    figures = {
        row.priority.name: (row.budget, row.committed, row.planned, row.paid, row.forecast, row.variance, row.over)
        for row in summary.priorities
    }
    assert figures == {
        # A1 forecast 38,000 + A2 committed 25,000; A5 is cancelled, so its forecast counts for nothing.
        "Victims": (D("120000"), D("65000"), D("0"), D("25000"), D("63000"), D("57000"), False),
        # A6 forecast 40,000 + A3's (planned) forecast 12,000.
        "Reoffending": (D("40000"), D("45000"), D("20000"), D("43000"), D("52000"), D("-12000"), True),
        "Community": (None, D("0"), D("0"), D("0"), D("0"), D("0"), False),
    }
    assert [row.priority.name for row in summary.priorities] == ["Victims", "Reoffending", "Community"]


def test_funding_summary_totals(portfolio):
    totals = selectors.funding_summary(fy=2019).totals
    assert (totals.allocation, totals.committed, totals.planned, totals.paid) == (
        D("170000"), D("110000"), D("20000"), D("68000"),
    )
    assert (totals.budget, totals.forecast, totals.variance, totals.remaining) == (
        D("160000"), D("115000"), D("45000"), D("60000"),
    )
    assert not totals.over and not totals.over_committed


def test_funding_summary_of_another_year(portfolio):
    summary = selectors.funding_summary(fy=2020)
    rows = {row.stream.name: (row.allocation, row.committed, row.paid) for row in summary.streams}
    assert rows == {"Core": (D("777777"), D("30000"), D("5000"))}
    victims = summary.priorities[0]
    assert (victims.budget, victims.committed, victims.forecast) == (D("555555"), D("30000"), D("30000"))


def test_funding_summary_forecast_of_an_award_without_lines_in_the_year_counts(portfolio):
    award = AwardFactory(status=AwardStatus.ACTIVE, priority=portfolio["priorities"]["community"])
    ForecastOutturnFactory(award=award, fy=2019, amount=D("1234.56"))
    community = selectors.funding_summary(fy=2019).priorities[2]
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
        summary = selectors.funding_summary(fy=2019)
        names = [row.stream.source.name for row in summary.streams]  # sources come with the streams
    assert len(names) == 5


# award_list and its totals ------------------------------------------------------------------------------


def refs(queryset):
    return [award.reference for award in queryset]


def test_award_list_values_of_a_year_and_of_all_years(portfolio):
    by_ref = {award.reference: award for award in selectors.award_list(fy=2019)}
    assert (by_ref["A1"].value_fy, by_ref["A1"].paid_fy) == (D("40000"), D("25000"))
    assert (by_ref["A6"].value_fy, by_ref["A6"].paid_fy) == (D("45000"), D("43000"))
    assert (by_ref["A3"].value_fy, by_ref["A3"].paid_fy) == (D("12000"), D("0"))
    everything = {award.reference: award for award in selectors.award_list()}
    assert (everything["A1"].value_fy, everything["A1"].paid_fy) == (D("70000"), D("30000"))


def test_award_list_filters(portfolio):
    p, s = portfolio["priorities"], portfolio["streams"]
    assert refs(selectors.award_list(fy=2020)) == ["A1"]  # only A1 runs into 2020/21
    assert refs(selectors.award_list(priority=p["reoffending"])) == ["A3", "A4", "A6"]
    assert refs(selectors.award_list(priority=p["victims"].pk, status=AwardStatus.ACTIVE)) == ["A1"]
    assert refs(selectors.award_list(status=[AwardStatus.PLANNED, AwardStatus.PROCURING])) == ["A3", "A4"]
    assert refs(selectors.award_list(kpq=portfolio["kpq3"])) == ["A1"]
    assert refs(selectors.award_list(kind="contract")) == ["A4"]
    assert refs(selectors.award_list(provider=portfolio["council"])) == ["A1", "A6"]
    assert refs(selectors.award_list(provider_name=" COUNTY ")) == ["A1", "A6"]
    assert refs(selectors.award_list(provider_name="justice")) == []  # a funder, with no awards
    assert refs(selectors.award_list(stream=s["precept"])) == ["A1", "A3", "A6"]
    assert refs(selectors.award_list(search="durham county")) == ["A1", "A6"]
    assert refs(selectors.award_list(search="isva")) == ["A2"]
    assert refs(selectors.award_list(search="a5")) == ["A5"]


def test_award_list_ending_within_months_counts_open_awards_only(portfolio):
    # A2-A6 end on 31 March 2020; A1 on 31 March 2021. A5 is cancelled and A6 ended.
    today = dated(2020, 1, 15)
    assert refs(selectors.award_list(ending_within_months=3, today=today)) == ["A2", "A3", "A4"]
    assert refs(selectors.award_list(ending_within_months=2, today=today)) == []
    assert refs(selectors.award_list(ending_within_months=15, today=today)) == ["A1", "A2", "A3", "A4"]


def test_award_list_sorts_by_whitelisted_keys(portfolio):
    assert refs(selectors.award_list(fy=2019, sort="-value")) == ["A5", "A6", "A1", "A2", "A3", "A4"]
    assert refs(selectors.award_list(sort="title")) == ["A5", "A4", "A2", "A3", "A6", "A1"]
    assert refs(selectors.award_list(sort="drop table")) == ["A1", "A2", "A3", "A4", "A5", "A6"]


@pytest.mark.parametrize("size", [3, 30])
def test_award_list_is_one_query_whatever_the_size(portfolio, django_assert_num_queries, size):
    grow_portfolio(size)
    with django_assert_num_queries(1):
        rows = [
            (award.reference, award.provider.name, award.priority.name, award.value_fy, award.paid_fy)
            for award in selectors.award_list(fy=2019, sort="-value")
        ]
    assert len(rows) == 6 + size


def test_award_list_totals_over_the_filtered_awards(portfolio, django_assert_num_queries):
    with django_assert_num_queries(2):
        totals = selectors.award_list_totals(selectors.award_list(fy=2019), fy=2019)
    assert totals == {"committed": D("110000"), "planned": D("20000"), "paid": D("68000")}
    victims = selectors.award_list(fy=2019, priority=portfolio["priorities"]["victims"])
    assert selectors.award_list_totals(victims, fy=2019) == {"committed": D("65000"), "planned": D("0"), "paid": D("25000")}
    assert selectors.award_list_totals(selectors.award_list(), fy=None) == {
        "committed": D("140000"), "planned": D("20000"), "paid": D("73000"),
    }


# award_money_by_year ---------------------------------------------------------------------------------------


def test_award_money_by_year(portfolio, django_assert_num_queries):
    a1 = portfolio["awards"]["a1"]
    with django_assert_num_queries(3):
        years = selectors.award_money_by_year(a1)
    first, second = years
    assert (first.fy, first.label, second.label) == (2019, "2019/20", "2020/21")
    assert [(part.stream.name, part.amount) for part in first.lines] == [("Core", D("30000")), ("Precept", D("10000"))]
    assert (first.value, first.paid, first.scheduled, first.forecast, first.outturn, first.remaining) == (
        D("40000"), D("25000"), D("15000"), D("38000"), D("38000"), D("15000"),
    )
    assert (second.value, second.paid, second.scheduled, second.forecast, second.outturn) == (
        D("30000"), D("5000"), D("0"), None, D("30000"),
    )
    assert first.committed and first.counts


def test_award_money_by_year_shows_years_without_lines_and_a_cancelled_award_as_not_counting():
    award = AwardFactory(status=AwardStatus.CANCELLED, start_date=dated(2019, 10, 1), end_date=dated(2020, 9, 30))
    FundingLineFactory(award=award, fy=2019, amount=D("100"))
    years = selectors.award_money_by_year(award)
    assert [(year.fy, year.value, year.counts, year.committed) for year in years] == [
        (2019, D("100"), False, False), (2020, D("0"), False, False),
    ]


# access_award ------------------------------------------------------------------------------------------------


@pytest.fixture
def provider_user(db):
    membership = ProviderMembershipFactory(user=UserFactory(username="provider", role=Role.PROVIDER))
    return membership.user


def test_internal_roles_may_read_and_only_officers_may_edit(officer, finance_officer, board_member):
    award = AwardFactory()
    for user in (officer, finance_officer, board_member):
        assert selectors.access_award(user, award.pk) == award
    assert selectors.access_award(officer, award.pk, for_edit=True) == award
    for user in (finance_officer, board_member):
        with pytest.raises(PermissionDenied):
            selectors.access_award(user, award.pk, for_edit=True)


def test_provider_user_sees_only_its_organisations_made_awards(provider_user):
    organisation = provider_user.provider_membership.organisation
    own = AwardFactory(provider=organisation, status=AwardStatus.ACTIVE)
    own_planned = AwardFactory(provider=organisation, status=AwardStatus.PROCURING)
    other = AwardFactory(status=AwardStatus.ACTIVE)
    assert selectors.access_award(provider_user, own.pk) == own
    for hidden in (own_planned, other):
        with pytest.raises(Http404):
            selectors.access_award(provider_user, hidden.pk)
    with pytest.raises(PermissionDenied):
        selectors.access_award(provider_user, own.pk, for_edit=True)


def test_missing_award_is_404_and_anonymous_is_refused(officer):
    with pytest.raises(Http404):
        selectors.access_award(officer, 999999)
    award = AwardFactory()
    with pytest.raises(PermissionDenied):
        selectors.access_award(AnonymousUser(), award.pk)


def test_user_without_a_role_is_refused(db):
    award = AwardFactory()
    with pytest.raises(PermissionDenied):
        selectors.access_award(UserFactory(), award.pk)


def test_award_list_counts_a_taken_extension_as_running_on(db):
    extended = AwardFactory(reference="EXT", extension_until=dated(2021, 3, 31), extension_taken=True)
    AwardFactory(reference="OPTION", extension_until=dated(2021, 3, 31), extension_taken=False)
    assert refs(selectors.award_list(fy=2020)) == ["EXT"]
    assert refs(selectors.award_list(ending_within_months=3, today=dated(2020, 1, 15))) == ["OPTION"]
    assert refs(selectors.award_list(ending_within_months=3, today=dated(2021, 1, 15))) == ["EXT"]
    assert [year.label for year in selectors.award_money_by_year(extended)] == ["2019/20", "2020/21"]


# The years offered by the year pickers ---------------------------------------------------------------


def test_year_pickers_offer_every_year_from_the_first_to_the_last_and_the_current_one(django_assert_num_queries):
    from pcc_commissioning.periods import FinancialYear

    current = FinancialYear.current().start_year
    FundingLineFactory(fy=current - 6)
    FundingLineFactory(fy=current - 4)  # nothing in between: those years are still offered
    StreamAllocationFactory(fy=current - 8)
    with django_assert_num_queries(1):
        award_years = selectors.award_years()
    assert award_years == [current, current - 4, current - 5, current - 6]
    assert selectors.funding_years() == [current, *range(current - 4, current - 9, -1)]


def test_year_pickers_with_nothing_recorded_offer_the_current_year(db):
    from pcc_commissioning.periods import FinancialYear

    assert selectors.award_years() == selectors.funding_years() == [FinancialYear.current().start_year]
