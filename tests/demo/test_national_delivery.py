"""The national dataset's plan delivery (``demo.national.delivery``), generated tiny: one
priority per plan (four objectives with an activity each), the 43 forces and their compliance
figures at full count."""

import datetime

import pytest
from django.db.models import Count, F

from delivery.models import (
    Activity,
    ComplianceFigure,
    ComplianceMeasure,
    DeliveryPlan,
    MetricValue,
    ProgressUpdate,
    UpdateRound,
    UpdateRoundStatus,
    UpdateState,
)
from demo.files import read_csv
from demo.national import AS_OF, national_seed
from demo.outcomes import plan_seed
from pcc_commissioning.periods import Period
from reports.panel.delivery import compliance, plan_delivery
from tests.factories.delivery import CodeEditionFactory, ComplianceMeasureFactory

TINY = 0.01  # round(5 x 0.01) = 0 priorities and activities per objective, so one of each (never fewer)


@pytest.fixture
def national(db):
    plan_seed(rows=read_csv("plan.csv"))
    if not ComplianceMeasure.objects.exists():  # a database whose migrations have not loaded the Code
        edition = CodeEditionFactory(name="Victims' Code for the test", in_force_from=datetime.date(2021, 4, 1))
        for position in range(1, 6):
            ComplianceMeasureFactory(edition=edition, key=f"m{position}", name=f"Measure {position}", position=position)
    return national_seed(seed=5, scale_factor=TINY)


def test_one_published_plan_per_force_with_nine_rounds(national):
    plans = DeliveryPlan.objects.filter(reference__startswith="NAT-")
    assert national["delivery_plans"] == plans.count() == 43
    assert set(plans.values_list("status", flat=True)) == {"published"}
    assert national["objectives"] == 43 * 4 and national["activities"] == 43 * 4
    rounds = UpdateRound.objects.filter(plan__in=plans)
    assert national["update_rounds"] == rounds.count() == 43 * 9
    # Six-monthly, H1 2019/20 to H1 2023/24; the last ends on the dataset's "today" and is still open.
    periods = sorted(set(rounds.values_list("period", flat=True)))
    assert periods == [f"{year}-H{half}" for year in range(2019, 2024) for half in (1, 2)][:9]
    assert set(rounds.filter(period="2023-H1").values_list("status", flat=True)) == {UpdateRoundStatus.OPEN}
    accepted = rounds.filter(status=UpdateRoundStatus.ACCEPTED)
    assert accepted.count() == 43 * 8
    assert not accepted.filter(accepted_at__date__gt=AS_OF).exists()
    assert not rounds.exclude(period_end__gte=F("period_start")).exists()


def test_every_activity_has_an_update_in_every_round_accepted_where_the_round_is(national):
    updates = ProgressUpdate.objects.filter(update_round__plan__reference__startswith="NAT-")
    assert national["progress_updates"] == updates.count() == 43 * 9 * 4
    per_round = updates.values("update_round").annotate(n=Count("pk")).values_list("n", flat=True)
    assert set(per_round) == {4}
    in_accepted = updates.filter(update_round__status=UpdateRoundStatus.ACCEPTED)
    assert set(in_accepted.values_list("state", flat=True)) == {UpdateState.ACCEPTED}
    assert not in_accepted.filter(progress="").exists() and not in_accepted.filter(narrative="").exists()
    in_open = updates.filter(update_round__status=UpdateRoundStatus.OPEN)
    assert set(in_open.values_list("state", flat=True)) == {"requested", "draft", "submitted"}
    assert not in_open.filter(state="submitted", progress="").exists()
    # Updates belong to their own plan's activities.
    assert not updates.exclude(activity__plan=F("update_round__plan")).exists()
    assert Activity.objects.filter(plan__reference__startswith="NAT-").count() == 43 * 4


def test_three_metrics_per_objective_with_a_value_per_accepted_round(national):
    values = MetricValue.objects.filter(metric__plan__reference__startswith="NAT-")
    assert national["metrics"] == 43 * 4 * 3
    assert national["metric_values"] == values.count() == 43 * 4 * 3 * 8
    assert not values.exclude(as_at=F("update_round__period_end")).exists()
    assert set(values.values_list("update_round__status", flat=True)) == {UpdateRoundStatus.ACCEPTED}
    # The first value of each metric is compared with its baseline.
    assert values.filter(comparison_kind="baseline").count() == 43 * 4 * 3


def test_compliance_figures_for_43_bodies_5_measures_20_quarters(national):
    figures = ComplianceFigure.objects.filter(body__supplier_number__startswith="POL-")
    assert national["compliance_figures"] == figures.count() == 43 * 5 * 20
    assert figures.values("body").distinct().count() == 43
    assert not figures.exclude(numerator__lte=F("denominator")).exists()
    quarters = sorted(set(figures.values_list("fy", "quarter")))
    # Twenty quarters up to the last ended by 30 September 2023: Q3 2018/19 to Q2 2023/24.
    assert quarters[0] == (2018, 3) and quarters[-1] == (2023, 2) and len(quarters) == 20


def test_the_panel_section_reads_the_national_plans(national):
    span = Period.parse(2021, "H1")
    rows, missing = plan_delivery(span)
    assert len(rows) == 43 and missing == []
    assert {row.update_round.period for row in rows} == {"2021-H1"}
    assert all(len(row.objectives) == 4 and len(row.metrics) == 12 for row in rows)
    assert all(metric.latest is not None for row in rows for metric in row.metrics)
    quarters = compliance(span)
    assert [quarter.quarter.code for quarter in quarters] == ["Q1", "Q2"]
    assert [len(quarter.rows) for quarter in quarters] == [215, 215]
