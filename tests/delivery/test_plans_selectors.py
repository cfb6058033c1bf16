"""Reads of delivery plans (delivery.plans.selectors): the list, the tree with its accepted
progress and metrics, a metric's values and the metrics answering a KPQ. Expected values are
worked out by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from delivery.models import UpdateRoundStatus, UpdateState
from delivery.plans import selectors
from tests.factories import KPQFactory
from tests.factories.delivery import (
    ActivityFactory,
    DeliveryPlanFactory,
    MetricFactory,
    MetricValueFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    ProgressUpdateFactory,
    UpdateRoundFactory,
)
from tests.factories.providers import OrganisationFactory

pytestmark = pytest.mark.django_db


# The list ----------------------------------------------------------------------------------------


def test_the_list_counts_objectives_and_activities_and_filters():
    force, opcc = OrganisationFactory(), OrganisationFactory()
    a = DeliveryPlanFactory(reference="A", title="A plan", owner=force, fy=2019)
    DeliveryPlanFactory(reference="B", title="B plan", owner=force, fy=2020, status="archived")
    DeliveryPlanFactory(reference="C", title="C plan", owner=opcc, fy=2019)
    # A: two objectives, the first with three activities.
    first = ObjectiveFactory(plan_priority__plan=a, number="1.1")
    ObjectiveFactory(plan_priority=first.plan_priority, number="1.2")
    for n in (1, 2, 3):
        ActivityFactory(objective=first, number=f"1.1.{n}")

    rows = {plan.reference: (plan.objective_count, plan.activity_count) for plan in selectors.plan_list()}
    assert rows == {"A": (2, 3), "B": (None, None), "C": (None, None)}
    assert [plan.reference for plan in selectors.plan_list()] == ["B", "A", "C"]  # newest year, then title
    assert [plan.reference for plan in selectors.plan_list(fy=2019)] == ["A", "C"]
    assert [plan.reference for plan in selectors.plan_list(owner=force.pk)] == ["B", "A"]
    assert [plan.reference for plan in selectors.plan_list(status="archived")] == ["B"]
    assert [plan.reference for plan in selectors.plan_list(status="nonsense")] == ["B", "A", "C"]
    assert selectors.plan_years() == [2020, 2019]
    assert list(selectors.plan_owners()) == sorted([force, opcc], key=lambda o: o.name)


def test_the_list_is_one_query_whatever_its_length():
    for n in range(2):
        ActivityFactory(objective=ObjectiveFactory(plan_priority__plan=DeliveryPlanFactory()), number=f"1.{n + 1}.1")
    with CaptureQueriesContext(connection) as small:
        [(plan.owner.name, plan.objective_count) for plan in selectors.plan_list()]
    for n in range(8):
        ActivityFactory(objective=ObjectiveFactory(plan_priority__plan=DeliveryPlanFactory()), number=f"1.{n + 1}.1")
    with CaptureQueriesContext(connection) as large:
        [(plan.owner.name, plan.objective_count) for plan in selectors.plan_list()]
    assert len(small.captured_queries) == len(large.captured_queries) == 1


def test_an_unknown_reference_is_404():
    with pytest.raises(Http404):
        selectors.access_plan("NOPE")


# The tree ----------------------------------------------------------------------------------------


@pytest.fixture
def plan():
    """Priority 1 with objectives 1.2, 1.10 and 1.9 (so 1.10 sorts last); 1.2 has activities
    1.2.1 and 1.2.2; priority 2 (position 2) has none."""
    plan = DeliveryPlanFactory(reference="FDP")
    one = PlanPriorityFactory(plan=plan, position=1, title="One")
    PlanPriorityFactory(plan=plan, position=2, title="Two")
    objective = ObjectiveFactory(plan_priority=one, number="1.2")
    ObjectiveFactory(plan_priority=one, number="1.10")
    ObjectiveFactory(plan_priority=one, number="1.9")
    ActivityFactory(objective=objective, number="1.2.2")
    ActivityFactory(objective=objective, number="1.2.1")
    return plan


def _numbers(tree):
    return [
        (
            node.plan_priority.title,
            [(o.objective.number, [a.activity.number for a in o.activities]) for o in node.objectives],
        )
        for node in tree.priorities
    ]


def test_the_tree_is_in_order(plan):
    tree = selectors.plan_tree(plan)
    assert _numbers(tree) == [("One", [("1.2", ["1.2.1", "1.2.2"]), ("1.9", []), ("1.10", [])]), ("Two", [])]
    assert (tree.objective_count, tree.activity_count) == (3, 2)
    assert tree.update_round is None


def _activity(plan, number):
    return plan.activities.get(number=number)


def _objective(plan, number):
    return plan.objectives.get(number=number)


def test_progress_comes_from_the_latest_accepted_or_considered_round_and_its_accepted_updates(plan):
    """H1 (considered): 1.2.1 complete. H2 (accepted, later): 1.2.1 off track accepted, 1.2.2
    some slippage only submitted. 2020-H1 is still open (later still): 1.2.1 on track there is
    not shown. So the page shows H2: 1.2.1 off track, 1.2.2 nothing, objective 1.2 off track
    from its activities (worst news wins)."""
    a1, a2 = _activity(plan, "1.2.1"), _activity(plan, "1.2.2")
    h1 = UpdateRoundFactory(plan=plan, period="2019-H1", status=UpdateRoundStatus.CONSIDERED)
    h2 = UpdateRoundFactory(
        plan=plan,
        period="2019-H2",
        period_start=datetime.date(2019, 10, 1),
        period_end=datetime.date(2020, 3, 31),
        status=UpdateRoundStatus.ACCEPTED,
    )
    open_round = UpdateRoundFactory(
        plan=plan, period="2020-H1", period_start=datetime.date(2020, 4, 1), period_end=datetime.date(2020, 9, 30)
    )
    ProgressUpdateFactory(update_round=h1, activity=a1, state=UpdateState.ACCEPTED, progress="complete")
    ProgressUpdateFactory(update_round=h2, activity=a1, state=UpdateState.ACCEPTED, progress="off_track")
    ProgressUpdateFactory(update_round=h2, activity=a2, state=UpdateState.SUBMITTED, progress="some_slippage")
    ProgressUpdateFactory(update_round=open_round, activity=a1, state=UpdateState.ACCEPTED, progress="on_track")

    tree = selectors.plan_tree(plan)
    assert tree.update_round == h2
    objective = tree.priorities[0].objectives[0]
    assert [(a.activity.number, a.progress.status, a.progress.label) for a in objective.activities] == [
        ("1.2.1", "off_track", "Off track"),
        ("1.2.2", "", "No accepted update"),
    ]
    assert (objective.progress.status, objective.progress.from_activities, objective.progress.tag) == (
        "off_track",
        True,
        "red",
    )
    others = tree.priorities[0].objectives[1:]
    assert [(o.objective.number, o.progress.status) for o in others] == [("1.9", ""), ("1.10", "")]


def test_an_objectives_own_accepted_update_is_its_status(plan):
    update_round = UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.ACCEPTED)
    ProgressUpdateFactory(
        update_round=update_round, activity=_activity(plan, "1.2.1"), state=UpdateState.ACCEPTED, progress="off_track"
    )
    ProgressUpdateFactory(
        update_round=update_round,
        activity=None,
        objective=_objective(plan, "1.2"),
        state=UpdateState.ACCEPTED,
        progress="on_track",
    )
    objective = selectors.plan_tree(plan).priorities[0].objectives[0]
    assert (objective.progress.status, objective.progress.from_activities) == ("on_track", False)


def test_metrics_carry_their_latest_value_and_its_change(plan):
    """Objective 1.2's satisfaction: 53 (Sep 2018), then 56.7 (Sep 2019) against 53: up 3.7
    points, better. Activity 1.2.1's repeat victims (higher is worse): 120 against 100: up 20,
    worse. Activity 1.2.2's measure is still being defined and has no value."""
    satisfaction = MetricFactory(objective=_objective(plan, "1.2"), name="Satisfaction")
    MetricValueFactory(metric=satisfaction, as_at=datetime.date(2018, 9, 30), value=Decimal("53"))
    MetricValueFactory(
        metric=satisfaction, as_at=datetime.date(2019, 9, 30), value=Decimal("56.7"), comparison_value=Decimal("53")
    )
    repeat = MetricFactory(
        objective=None,
        activity=_activity(plan, "1.2.1"),
        name="Repeat victims",
        unit="count",
        direction="higher_is_worse",
    )
    MetricValueFactory(metric=repeat, value=Decimal("120"), comparison_value=Decimal("100"))
    MetricFactory(objective=None, activity=_activity(plan, "1.2.2"), name="Not yet", being_defined=True)

    objective = selectors.plan_tree(plan).priorities[0].objectives[0]
    [row] = objective.metrics
    assert (row.value_text, row.comparison_text, row.difference_text, row.verdict, row.verdict_label) == (
        "56.7%",
        "53%",
        "up 3.7 percentage points",
        "better",
        "Improved",
    )
    [first, second] = objective.activities
    [row] = first.metrics
    assert (row.value_text, row.difference_text, row.verdict_label) == ("120", "up 20", "Worse")
    [row] = second.metrics
    assert (row.latest, row.value_text, row.difference_text, row.verdict_label) == (None, "–", "", "No comparison")


def _grow(plan, n: int) -> None:
    start = plan.plan_priorities.count() + 1
    update_round = plan.update_rounds.first()
    for number in range(start, start + n):
        objective = ObjectiveFactory(
            plan_priority=PlanPriorityFactory(plan=plan, position=number), number=f"{number}.1"
        )
        objective.kpqs.add(KPQFactory())
        activity = ActivityFactory(objective=objective, number=f"{number}.1.1")
        ProgressUpdateFactory(
            update_round=update_round, activity=activity, state=UpdateState.ACCEPTED, progress="on_track"
        )
        for metric in (MetricFactory(objective=objective), MetricFactory(objective=None, activity=activity)):
            MetricValueFactory(metric=metric)
            MetricValueFactory(metric=metric)


def _read(tree) -> list:
    """Everything the plan's page reads from the tree."""
    seen = []
    for node in tree.priorities:
        seen.append(node.plan_priority.priority)
        for objective in node.objectives:
            seen += [objective.progress.label, list(objective.objective.kpqs.all())]
            seen += [(row.value_text, row.metric.kpq) for row in objective.metrics]
            for activity in objective.activities:
                seen += [activity.activity.lead_organisation, activity.activity.lead_user, activity.progress.label]
                seen += [(row.value_text, row.difference_text) for row in activity.metrics]
    return seen


def test_the_tree_costs_the_same_queries_however_large(plan):
    UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.ACCEPTED)
    _grow(plan, 2)
    with CaptureQueriesContext(connection) as small:
        _read(selectors.plan_tree(plan))
    _grow(plan, 7)
    with CaptureQueriesContext(connection) as large:
        _read(selectors.plan_tree(plan))
    assert len(large.captured_queries) == len(small.captured_queries)


# A metric and a KPQ ------------------------------------------------------------------------------


def test_a_metrics_values_oldest_first_each_with_its_change():
    metric = MetricFactory(name="Satisfaction", unit="percent")
    MetricValueFactory(
        metric=metric, as_at=datetime.date(2019, 12, 31), value=Decimal("66.3"), comparison_value=Decimal("67.2")
    )
    MetricValueFactory(metric=metric, as_at=datetime.date(2018, 12, 31), value=Decimal("67.2"))
    rows = selectors.metric_values(metric)
    # 66.3 against 67.2: down 0.9 points, worse (higher is better).
    assert [(row.value.as_at.year, row.value_text, row.difference_text, row.change.verdict) for row in rows] == [
        (2018, "67.2%", "", ""),
        (2019, "66.3%", "down 0.9 percentage points", "worse"),
    ]


def test_a_metric_of_another_plan_is_404():
    metric = MetricFactory()
    with pytest.raises(Http404):
        selectors.access_metric(DeliveryPlanFactory(), metric.pk)


def test_the_metrics_answering_a_kpq_in_two_queries():
    kpq = KPQFactory()
    for _ in range(2):
        MetricValueFactory(metric=MetricFactory(kpq=kpq))
    with CaptureQueriesContext(connection) as small:
        [(row.metric.plan.reference, row.metric.objective.number, row.value_text) for row in selectors.kpq_metrics(kpq)]
    for _ in range(6):
        MetricValueFactory(metric=MetricFactory(kpq=kpq))
    MetricFactory()  # answers no KPQ
    with CaptureQueriesContext(connection) as large:
        rows = selectors.kpq_metrics(kpq)
        [(row.metric.plan.reference, row.metric.objective.number, row.value_text) for row in rows]
    assert len(rows) == 8
    assert len(small.captured_queries) == len(large.captured_queries) == 2
