"""What a published plan shows: the tree, the update round, statuses and metric changes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from delivery.models import ComparisonKind, Metric, MetricValue, PlanStatus, UpdateRoundStatus
from delivery.public import selectors
from tests.factories.delivery import (
    ActivityFactory,
    DeliveryPlanFactory,
    MetricFactory,
    MetricValueFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    UpdateRoundFactory,
)

from .published_plan import build_plan

pytestmark = pytest.mark.django_db


def _objective(report, number):
    return next(o for o in report.objectives if o.objective.number == number)


def _activity(report, number):
    return next(a for o in report.objectives for a in o.activities if a.activity.number == number)


def test_the_latest_accepted_round_is_reported_not_the_open_one():
    built = build_plan()
    report = selectors.plan_report(built.plan)
    assert report.update_round == built.h2
    assert report.period_label == "H2 2013/14 (October 2013 to March 2014)"
    assert [choice.code for choice in report.rounds] == ["2013-H2", "2013-H1"]


def test_the_tree_in_number_order_with_leads():
    report = selectors.plan_report(build_plan().plan)
    (priority,) = report.priorities
    assert priority.priority.outcome.startswith("People of Gwent are satisfied")
    assert [o.objective.number for o in priority.objectives] == ["1.1", "1.2"]
    assert [a.activity.number for a in priority.objectives[0].activities] == ["1.1.1", "1.1.2", "1.1.3"]
    assert _activity(report, "1.1.1").activity.lead == "Insp Ann Lee"


def test_only_accepted_updates_are_shown():
    report = selectors.plan_report(build_plan().plan)
    assert _activity(report, "1.1.1").update.narrative == "Meetings held in every ward."
    assert _activity(report, "1.1.1").status.label == "On track"
    # 1.1.3's update was submitted, not accepted: it is not news yet.
    assert _activity(report, "1.1.3").update is None
    assert _activity(report, "1.1.3").status.label == "No update"


def test_an_objective_takes_its_own_update_else_its_activities_worst_news():
    report = selectors.plan_report(build_plan().plan)
    # 1.1 has no update of its own: on track and some slippage make some slippage.
    assert _objective(report, "1.1").status.code == "some_slippage"
    assert _objective(report, "1.1").status.derived
    # 1.2 has its own accepted update (off track); its activity has none.
    assert _objective(report, "1.2").status.code == "off_track"
    assert not _objective(report, "1.2").status.derived
    assert _objective(report, "1.2").update.narrative == "Fewer victims feel kept informed."


def test_a_metric_with_a_recorded_comparison():
    report = selectors.plan_report(build_plan().plan)
    (metric,) = _objective(report, "1.1").metrics
    assert metric.latest_text == "56.7%"
    assert metric.basis == "comparison" and metric.basis_label == "earlier value"
    assert metric.change.difference == Decimal("3.7")  # 56.7 - 53
    assert metric.difference_text == "up 3.7 percentage points"
    assert metric.verdict_text == "better"
    assert metric.summary == (
        "56.7% (12 months to Sep 2013): up 3.7 percentage points on the earlier value 53% (30 September 2012), better."
    )
    assert [row["value"] for row in metric.rows] == ["53%", "56.7%"]
    assert metric.chart.rows == (("Sep 2012", Decimal("53")), ("Sep 2013", Decimal("56.7")))


def test_a_metric_without_a_comparison_is_compared_with_its_previous_value():
    report = selectors.plan_report(build_plan().plan)
    (metric,) = _objective(report, "1.2").metrics
    assert metric.basis == "previous" and metric.basis_label == "previous value"
    assert metric.difference_text == "down 0.9 percentage points"  # 66.3 - 67.2
    assert metric.verdict_text == "worse"  # higher is better
    assert "on the previous value 67.2% (31 December 2012)" in metric.summary


def test_an_earlier_period_shows_its_own_updates_and_only_the_values_known_then():
    built = build_plan()
    report = selectors.plan_report(built.plan, period="2013-h1")
    assert report.update_round == built.h1
    assert _activity(report, "1.1.1").update.narrative == "Meetings are being arranged."
    assert _activity(report, "1.1.2").status.label == "No update"
    (informed,) = _objective(report, "1.2").metrics
    # The December 2013 value came after the half ended (30 September 2013).
    assert [row["value"] for row in informed.rows] == ["67.2%"]
    assert informed.change.difference is None
    assert informed.summary == "67.2% (as at 31 December 2012): nothing to compare it with."
    assert [meeting.held_on for meeting in report.meetings] == [datetime.date(2013, 11, 20)]


def test_a_metric_still_being_defined_says_so():
    report = selectors.plan_report(build_plan().plan)
    (metric,) = _activity(report, "1.2.1").metrics
    assert metric.being_defined and metric.chart is None
    assert metric.summary == "Performance measures are currently being considered for this activity."


def test_only_published_decisions_of_the_round():
    report = selectors.plan_report(build_plan().plan)
    assert [decision.reference for decision in report.decisions] == ["PCCG-2014-033"]


@pytest.mark.parametrize("period", ["2014-H1", "2012-H1", "next year", "2013-Q5"])
def test_a_period_without_an_accepted_update_is_refused(period):
    with pytest.raises(selectors.UnknownPeriod):
        selectors.plan_report(build_plan().plan, period=period)


def test_a_plan_without_an_accepted_round_shows_its_tree_and_every_value():
    plan = DeliveryPlanFactory(status=PlanStatus.PUBLISHED, published_on=datetime.date(2019, 5, 1))
    objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=plan), number="1.1")
    metric = MetricFactory(objective=objective, unit="count", direction="higher_is_worse")
    MetricValueFactory(metric=metric, as_at=datetime.date(2019, 6, 30), value=Decimal("120"))
    MetricValueFactory(metric=metric, as_at=datetime.date(2019, 12, 31), value=Decimal("100"))
    UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.OPEN)
    report = selectors.plan_report(plan)
    assert report.update_round is None and report.rounds == []
    (m,) = report.objectives[0].metrics
    assert m.difference_text == "down 20" and m.verdict_text == "better"  # fewer is better
    assert report.objectives[0].status.label == "No update"


def test_published_plans_newest_year_first_without_drafts_or_archived():
    DeliveryPlanFactory(title="Old", fy=2018, status=PlanStatus.PUBLISHED, published_on=datetime.date(2018, 5, 1))
    DeliveryPlanFactory(title="New", fy=2020, status=PlanStatus.PUBLISHED, published_on=datetime.date(2020, 5, 1))
    DeliveryPlanFactory(title="Draft", fy=2021)
    DeliveryPlanFactory(title="Gone", fy=2017, status=PlanStatus.ARCHIVED, published_on=datetime.date(2017, 5, 1))
    assert [plan.title for plan in selectors.published_plans()] == ["New", "Old"]


def test_published_plans_carry_their_latest_accepted_update():
    built = build_plan()
    (plan,) = selectors.published_plans()
    assert plan == built.plan and plan.latest_update_end == datetime.date(2014, 3, 31)


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.ARCHIVED])
def test_an_unpublished_plan_is_not_found(status):
    plan = DeliveryPlanFactory(status=status, published_on=datetime.date(2019, 5, 1))
    with pytest.raises(Http404):
        selectors.public_plan(plan.reference)


def _grow(plan, start: int, size: int) -> None:
    priority = PlanPriorityFactory(plan=plan)
    for index in range(start, start + size):
        objective = ObjectiveFactory(plan_priority=priority, number=f"9.{index + 1}")
        activity = ActivityFactory(objective=objective, number=f"9.{index + 1}.1")
        for owner in ({"objective": objective}, {"activity": activity, "objective": None}):
            metric = MetricFactory(**owner)
            for month in (3, 6):
                MetricValueFactory(metric=metric, as_at=datetime.date(2019, month, 28), value=Decimal(index + month))


def test_queries_do_not_grow_with_the_plan():
    plan = DeliveryPlanFactory(status=PlanStatus.PUBLISHED, published_on=datetime.date(2019, 5, 1))
    UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.ACCEPTED)
    _grow(plan, 0, 2)
    with CaptureQueriesContext(connection) as small:
        selectors.plan_report(plan)
    _grow(plan, 2, 6)
    with CaptureQueriesContext(connection) as large:
        report = selectors.plan_report(plan)
    assert len(report.objectives) == 8
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_money_metric_against_its_target():
    metric = Metric(name="Assets recovered", unit="money", direction="higher_is_better", objective_id=1)
    value = MetricValue(
        metric=metric,
        as_at=datetime.date(2019, 9, 30),
        value=Decimal("1500"),
        comparison_value=Decimal("2000"),
        comparison_kind=ComparisonKind.TARGET,
    )
    report = selectors.metric_report(metric, [value])
    assert report.basis_label == "target"
    assert report.difference_text == "down £500.00"  # 1,500 - 2,000
    assert report.summary == "£1,500.00 (as at 30 September 2019): down £500.00 on the target £2,000.00, worse."
    assert report.rows[0]["comparison"] == "£2,000.00 (target)"
