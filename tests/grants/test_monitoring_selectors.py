"""Monitoring reads: who sees a return, the form's codes, the inbox, performance, portfolio RAG."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from grants.models import AwardStatus, KPIPeriod, ReturnStatus
from grants.monitoring.selectors import (
    access_return,
    award_performance,
    is_late,
    portfolio_rag,
    provider_returns,
    return_detail,
    return_form_codes,
    returns_inbox,
)
from outcomes.models import CodeList, CountingDefinition

from ..factories import (
    AwardFactory,
    AwardKPIFactory,
    CodeListEntryFactory,
    CommissioningPriorityFactory,
    MonitoringReturnFactory,
    OrganisationFactory,
    ReturnBreakdownFactory,
    ReturnKPIValueFactory,
    ReturnOutcomeFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2019, 8, 1)  # Q1 2019/20 was due on 20 July


def queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


# Access --------------------------------------------------------------------------------------------


class TestAccess:
    def test_a_provider_user_sees_its_own_organisations_returns(self, provider_user, organisation):
        ret = MonitoringReturnFactory(award__provider=organisation)
        assert access_return(provider_user, ret.pk) == ret
        assert access_return(provider_user, ret.pk, for_edit=True) == ret

    def test_another_organisations_return_is_not_found_for_a_provider(self, provider_user):
        theirs = MonitoringReturnFactory(award__provider=OrganisationFactory(name="Other"))
        for for_edit in (False, True):
            with pytest.raises(Http404):
                access_return(provider_user, theirs.pk, for_edit=for_edit)

    def test_a_return_of_an_award_not_made_is_not_found_for_a_provider(self, provider_user, organisation):
        ret = MonitoringReturnFactory(award__provider=organisation, award__status=AwardStatus.PLANNED)
        with pytest.raises(Http404):
            access_return(provider_user, ret.pk)

    def test_officers_see_and_review_every_return(self, officer):
        ret = MonitoringReturnFactory()
        assert access_return(officer, ret.pk, for_edit=True) == ret

    def test_board_and_finance_read_only(self, board_member, finance_officer):
        ret = MonitoringReturnFactory()
        for user in (board_member, finance_officer):
            assert access_return(user, ret.pk) == ret
            with pytest.raises(PermissionDenied):
                access_return(user, ret.pk, for_edit=True)

    def test_a_missing_or_malformed_id_is_not_found(self, officer):
        for pk in (999999, "abc"):
            with pytest.raises(Http404):
                access_return(officer, pk)

    def test_detail_loads_its_rows_in_a_fixed_number_of_queries(self):
        ret = MonitoringReturnFactory(submitted=True)
        for _ in range(3):
            ReturnBreakdownFactory(monitoring_return=ret)
            ReturnOutcomeFactory(monitoring_return=ret)
            ReturnKPIValueFactory(monitoring_return=ret)

        def load():
            detail = return_detail(ret.pk)
            [(row.code.label, row.count) for row in detail.breakdowns.all()]
            [(row.code.label, row.assessed) for row in detail.outcomes.all()]
            [(row.kpi.name, row.value) for row in detail.kpi_values.all()]
            (detail.award.provider.name, detail.award.priority.name)

        assert queries(load) == 4

    def test_provider_returns_are_only_the_organisations(self, organisation):
        mine = MonitoringReturnFactory(award__provider=organisation)
        MonitoringReturnFactory(award__provider=OrganisationFactory(name="Other"))
        MonitoringReturnFactory(award__provider=organisation, award__status=AwardStatus.CANCELLED)
        assert list(provider_returns(organisation)) == [mine]


# The form --------------------------------------------------------------------------------------------


def test_the_form_shows_the_codes_valid_that_year_and_both_counting_definitions():
    retired = CodeListEntryFactory(list=CodeList.CRIME, code="retired_crime", valid_to_fy=2018)
    current = CodeListEntryFactory(
        list=CodeList.CRIME, code="new_crime", valid_from_fy=2019, definition="Newly counted."
    )

    codes = return_form_codes(2019)

    crime = dict((name, entries) for name, _, entries in codes.breakdown_lists)["crime"]
    assert current in crime and retired not in crime
    assert [name for name, _, _ in codes.breakdown_lists] == ["crime", "age", "sex", "ethnicity", "disability"]
    assert {entry.code for entry in codes.outcome_measures} >= {"cope_recover", "health_wellbeing"}
    assert all(entry.definition for entry in codes.outcome_measures)
    assert codes.referral.label == "Referral" and codes.referral.definition
    assert codes.supported.label == "Victim supported" and "new in the quarter" in codes.supported.definition


def test_an_edited_counting_definition_is_what_the_form_shows():
    CountingDefinition.objects.filter(term="referral").update(definition="Any contact asking for help.")
    assert return_form_codes(2019).referral.definition == "Any contact asking for help."


# The inbox -------------------------------------------------------------------------------------------


class TestInbox:
    def test_sorts_returns_into_due_late_and_awaiting_review(self):
        late = MonitoringReturnFactory(fy=2019, quarter=1)  # due 20 July 2019
        late_draft = MonitoringReturnFactory(fy=2019, quarter=1, status=ReturnStatus.DRAFT)
        returned_late = MonitoringReturnFactory(fy=2019, quarter=1, status=ReturnStatus.RETURNED)
        due = MonitoringReturnFactory(fy=2019, quarter=2)  # due 20 October 2019
        submitted = MonitoringReturnFactory(fy=2019, quarter=1, submitted=True)
        MonitoringReturnFactory(fy=2019, quarter=1, accepted=True)

        inbox = returns_inbox(today=TODAY)

        assert set(inbox.late) == {late, late_draft, returned_late}
        assert list(inbox.due) == [due]
        assert list(inbox.awaiting_review) == [submitted]

    def test_a_return_due_today_is_not_late_yet(self):
        ret = MonitoringReturnFactory(fy=2019, quarter=1)
        assert list(returns_inbox(today=ret.due_date).due) == [ret]
        assert not is_late(ret, ret.due_date)
        assert is_late(ret, ret.due_date + datetime.timedelta(days=1))

    @pytest.mark.parametrize("status", [ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED])
    def test_a_handed_in_return_is_never_late(self, status):
        ret = MonitoringReturnFactory(fy=2019, quarter=1, status=status, rag="green")
        assert not is_late(ret, datetime.date(2030, 1, 1))

    def test_same_query_count_at_two_sizes(self):
        def build(count: int) -> None:
            for _ in range(count):
                MonitoringReturnFactory(fy=2019, quarter=1)
                MonitoringReturnFactory(fy=2019, quarter=2)
                MonitoringReturnFactory(fy=2019, quarter=1, submitted=True)

        def read():
            inbox = returns_inbox(today=TODAY)
            for rows in (inbox.due, inbox.late, inbox.awaiting_review):
                for ret in rows:
                    (ret.award.reference, ret.award.provider.name, ret.award.priority.name, str(ret.award.lead_officer))

        build(2)
        small = queries(read)
        build(10)
        assert queries(read) == small == 3


# An award's performance -----------------------------------------------------------------------------


class TestPerformance:
    def test_actual_against_target_per_quarter_and_rag_history(self):
        award = AwardFactory(status=AwardStatus.ACTIVE)
        quarterly = AwardKPIFactory(award=award, name="Referrals handled", target=Decimal("10"))
        yearly = AwardKPIFactory(
            award=award, name="Victims supported", target=Decimal("30"), target_period=KPIPeriod.YEAR
        )
        q1 = MonitoringReturnFactory(award=award, quarter=1, accepted=True, rag="amber", rag_comment="Slow start.")
        q2 = MonitoringReturnFactory(award=award, quarter=2, submitted=True)
        MonitoringReturnFactory(award=award, quarter=3, status=ReturnStatus.DRAFT)  # not reported yet
        ReturnKPIValueFactory(monitoring_return=q1, kpi=quarterly, value=Decimal("8"))
        ReturnKPIValueFactory(monitoring_return=q2, kpi=quarterly, value=Decimal("12"))
        ReturnKPIValueFactory(monitoring_return=q1, kpi=yearly, value=Decimal("14"))
        ReturnKPIValueFactory(monitoring_return=q2, kpi=yearly, value=Decimal("17"))

        performance = award_performance(award)

        assert [label for _, _, label in performance.quarters] == ["Q1 2019/20", "Q2 2019/20"]
        by_name = {item.kpi.name: item for item in performance.kpis}
        points = by_name["Referrals handled"].points
        assert [(p.actual, p.target, p.met) for p in points] == [
            (Decimal("8"), Decimal("10"), False),
            (Decimal("12"), Decimal("10"), True),
        ]
        yearly_points = by_name["Victims supported"].points
        assert by_name["Victims supported"].yearly
        assert [p.year_to_date for p in yearly_points] == [Decimal("14"), Decimal("31")]
        assert [p.met for p in yearly_points] == [None, True]  # the year is not over after Q1
        assert [(r.label, r.rag, r.rag_comment) for r in performance.rag_history] == [
            ("Q1 2019/20", "amber", "Slow start.")
        ]

    def test_same_query_count_at_two_sizes(self):
        award = AwardFactory(status=AwardStatus.ACTIVE, end_date=datetime.date(2024, 3, 31))

        def build(kpis: int, years: range) -> None:
            for _number in range(kpis):
                AwardKPIFactory(award=award)
            for fy in years:
                for quarter in (1, 2, 3, 4):
                    ret = MonitoringReturnFactory(award=award, fy=fy, quarter=quarter, accepted=True)
                    for kpi in award.kpis.all():
                        ReturnKPIValueFactory(monitoring_return=ret, kpi=kpi)

        def read():
            performance = award_performance(award)
            for item in performance.kpis:
                [(p.actual, p.target, p.label) for p in item.points]
                item.kpi.kpq
            [(r.rag, r.label) for r in performance.rag_history]

        build(1, range(2019, 2020))
        small = queries(read)
        build(3, range(2020, 2023))
        assert queries(read) == small == 3


# The portfolio RAG view ----------------------------------------------------------------------------------


class TestPortfolio:
    def test_counts_per_priority_with_red_and_amber_named(self):
        victims = CommissioningPriorityFactory(name="Victims", sort_order=1)
        reoffending = CommissioningPriorityFactory(name="Reoffending", sort_order=2)
        empty = CommissioningPriorityFactory(name="Prevention", sort_order=3)
        green = MonitoringReturnFactory(award__priority=victims, quarter=1, accepted=True, rag="green")
        red = MonitoringReturnFactory(
            award__priority=victims, quarter=1, accepted=True, rag="red", award__reference="B-1"
        )
        amber = MonitoringReturnFactory(
            award__priority=victims, quarter=1, accepted=True, rag="amber", award__reference="A-1"
        )
        MonitoringReturnFactory(award__priority=reoffending, quarter=1, submitted=True)
        MonitoringReturnFactory(award__priority=reoffending, quarter=2, accepted=True, rag="red")
        MonitoringReturnFactory(award__priority=reoffending, quarter=1, accepted=True, rag="green", fy=2020)

        rows = {row.priority: row for row in portfolio_rag(fy=2019, quarter=1)}

        assert [p for p in rows if p in (victims, reoffending, empty)] == [
            victims,
            reoffending,
            empty,
        ]  # every priority, in order
        assert (rows[victims].green, rows[victims].amber, rows[victims].red, rows[victims].not_rated) == (1, 1, 1, 0)
        assert rows[victims].flagged == [red, amber]
        assert (rows[reoffending].green, rows[reoffending].red, rows[reoffending].not_rated) == (0, 0, 1)
        assert rows[empty].total == 0
        assert green not in rows[victims].flagged

    def test_without_a_quarter_each_awards_latest_rating_counts(self):
        priority = CommissioningPriorityFactory(name="Victims")
        award = AwardFactory(status=AwardStatus.ACTIVE, priority=priority)
        MonitoringReturnFactory(award=award, quarter=1, accepted=True, rag="red")
        MonitoringReturnFactory(award=award, quarter=2, accepted=True, rag="green")
        MonitoringReturnFactory(award=award, quarter=3)  # due, not rated: the Q2 rating stands
        never_rated = AwardFactory(status=AwardStatus.ACTIVE, priority=priority)
        MonitoringReturnFactory(award=never_rated, quarter=1)

        row = next(row for row in portfolio_rag(fy=2019) if row.priority == priority)

        assert (row.green, row.red, row.not_rated) == (1, 0, 1)

    def test_same_query_count_at_two_sizes(self):
        priorities = [CommissioningPriorityFactory() for _ in range(3)]

        def build(count: int) -> None:
            for number in range(count):
                priority = priorities[number % 3]
                MonitoringReturnFactory(
                    award__priority=priority, quarter=1, accepted=True, rag=["green", "amber", "red"][number % 3]
                )
                MonitoringReturnFactory(award__priority=priority, quarter=1)

        def read():
            for row in portfolio_rag(fy=2019, quarter=1):
                (row.priority.name, row.total)
                [(ret.award.reference, ret.award.provider.name, ret.rag) for ret in row.flagged]

        build(3)
        small = queries(read)
        build(12)
        assert queries(read) == small == 3  # counting facts, priorities, the red and amber returns
