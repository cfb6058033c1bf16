"""The Panel report's plan delivery section (9): objectives' statuses, metrics' changes and
Victims' Code compliance for the report's period, only published plans, flat queries."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delivery.models import ComparisonKind, Direction, PlanStatus, UpdateRoundStatus, UpdateState
from providers.models import Organisation, OrganisationKind
from reports.panel.delivery import compliance, percentage, plan_delivery
from reports.panel.report import build_panel_report, gather_panel_data, parse_panel_period, render_panel_html
from tests.factories.delivery import (
    ActivityFactory,
    ComplianceFigureFactory,
    ComplianceMeasureFactory,
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

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

H1 = parse_panel_period(2019, "H1")
H2 = parse_panel_period(2019, "H2")
FY = parse_panel_period(2019, "FY")
Q1 = parse_panel_period(2019, "Q1")


def _round(plan, period, start, end, status=UpdateRoundStatus.ACCEPTED):
    return UpdateRoundFactory(plan=plan, period=period, period_start=start, period_end=end, deadline=end, status=status)


def _update(update_round, *, activity=None, objective=None, progress, state=UpdateState.ACCEPTED):
    return ProgressUpdateFactory(
        update_round=update_round, activity=activity, objective=objective, progress=progress, state=state
    )


def _body(name: str, kind=OrganisationKind.POLICE):
    """The organisation of that name (both fixtures use Durham Constabulary)."""
    return Organisation.objects.filter(name=name).first() or OrganisationFactory(name=name, kind=kind)


def _flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def plans():
    """FDP-2019, published, with an accepted H1 2019/20 round and an accepted H2 round:

    In H1 —
      1.1: no update of its own; its activities 1.1.1 on track and 1.1.2 some slippage (both
           accepted): the worst wins, so "Some slippage (from its activities)".
      1.2: its own accepted update says complete; its activity 1.2.1 says off track, but the
           objective's own update is its status: "Complete".
      1.3: its activity 1.3.1 was submitted off track but never accepted: "Not reported".
      So: off track 0, some slippage 1, on track 0, complete 1, not started 0, not reported 1.
    In H2 (not in an H1 report) 1.1.1 is off track, so 1.1 is "Off track" in the whole-year report.

    Metrics —
      "Victim satisfaction" (1.1, percent, higher is better): 53.0 at 31 Mar 2019 (before H1),
        56.7 at 30 Sep 2019, 60 at 31 Dec 2019 (H2). In H1: 56.7% against the previous value
        53%, up 3.7 percentage points, better.
      "Repeat victims" (1.2, count, higher is worse): 1,500 at 30 Jun 2019 with its baseline
        1,200 at 31 Mar 2019: up 300, worse.
      "Hate crime measure" (1.3): still being defined.
      "Calls answered" (activity 1.1.1, count): no value at all.

    OPCC-2019 is a draft with an accepted H1 round (never shown); PART-2019 is published with
    no round (named as having no update)."""
    owner = _body("Durham Constabulary")
    plan = DeliveryPlanFactory(
        reference="FDP-2019",
        title="Force Delivery Plan 2019/20",
        owner=owner,
        status=PlanStatus.PUBLISHED,
        published_on=datetime.date(2019, 5, 1),
    )
    priority = PlanPriorityFactory(plan=plan, position=1, title="Victims first")
    o1 = ObjectiveFactory(plan_priority=priority, number="1.1", title="Increase victim satisfaction")
    o2 = ObjectiveFactory(plan_priority=priority, number="1.2", title="Reduce repeat victimisation")
    o3 = ObjectiveFactory(plan_priority=priority, number="1.3", title="Tackle hate crime")
    a111 = ActivityFactory(objective=o1, number="1.1.1")
    a112 = ActivityFactory(objective=o1, number="1.1.2")
    a121 = ActivityFactory(objective=o2, number="1.2.1")
    a131 = ActivityFactory(objective=o3, number="1.3.1")
    h1 = _round(plan, "2019-H1", datetime.date(2019, 4, 1), datetime.date(2019, 9, 30))
    _update(h1, activity=a111, progress="on_track")
    _update(h1, activity=a112, progress="some_slippage")
    _update(h1, objective=o2, progress="complete")
    _update(h1, activity=a121, progress="off_track")
    _update(h1, activity=a131, progress="off_track", state=UpdateState.SUBMITTED)
    h2 = _round(plan, "2019-H2", datetime.date(2019, 10, 1), datetime.date(2020, 3, 31))
    _update(h2, activity=a111, progress="off_track")
    _update(h2, activity=a112, progress="on_track")

    satisfaction = MetricFactory(objective=o1, name="Victim satisfaction", unit="percent")
    MetricValueFactory(metric=satisfaction, as_at=datetime.date(2019, 3, 31), value=Decimal("53.0"))
    MetricValueFactory(metric=satisfaction, as_at=datetime.date(2019, 9, 30), value=Decimal("56.7"))
    MetricValueFactory(metric=satisfaction, as_at=datetime.date(2019, 12, 31), value=Decimal("60"))
    repeat = MetricFactory(objective=o2, name="Repeat victims", unit="count", direction=Direction.HIGHER_IS_WORSE)
    MetricValueFactory(
        metric=repeat,
        as_at=datetime.date(2019, 6, 30),
        value=Decimal("1500"),
        comparison_value=Decimal("1200"),
        comparison_as_at=datetime.date(2019, 3, 31),
        comparison_kind=ComparisonKind.BASELINE,
    )
    MetricFactory(objective=o3, name="Hate crime measure", being_defined=True)
    MetricFactory(objective=None, activity=a111, name="Calls answered", unit="count")

    draft = DeliveryPlanFactory(reference="OPCC-2019", title="OPCC objectives", status=PlanStatus.DRAFT)
    draft_objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=draft), number="1.1")
    draft_round = _round(draft, "2019-H1", datetime.date(2019, 4, 1), datetime.date(2019, 9, 30))
    _update(draft_round, objective=draft_objective, progress="on_track")
    DeliveryPlanFactory(
        reference="PART-2019",
        title="Partnership plan",
        status=PlanStatus.PUBLISHED,
        published_on=datetime.date(2019, 6, 1),
    )
    return plan


def test_h1_shows_the_h1_update_of_published_plans_only(plans):
    rows, missing = plan_delivery(H1)
    assert [row.plan.reference for row in rows] == ["FDP-2019"]
    assert [plan.reference for plan in missing] == ["PART-2019"]
    row = rows[0]
    assert row.update_round.period == "2019-H1"
    assert [(o.objective.number, o.status_label, o.from_activities) for o in row.objectives] == [
        ("1.1", "Some slippage", True),
        ("1.2", "Complete", False),
        ("1.3", "Not reported", True),
    ]
    assert row.status_counts == [
        ("Off track", 0),
        ("Some slippage", 1),
        ("On track", 0),
        ("Complete", 1),
        ("Not started", 0),
        ("Not reported", 1),
    ]


def test_h1_metrics_take_their_latest_value_in_the_half(plans):
    (row,), _missing = plan_delivery(H1)
    metrics = {metric.metric.name: metric for metric in row.metrics}
    assert [m.metric.name for m in row.metrics] == [
        "Victim satisfaction",  # 1.1
        "Calls answered",  # 1.1.1
        "Repeat victims",  # 1.2
        "Hate crime measure",  # 1.3
    ]
    satisfaction = metrics["Victim satisfaction"]
    assert satisfaction.value_text == "56.7%"  # not December's 60: that is in H2
    assert satisfaction.comparison_text == "53% (previous value at 31 March 2019)"
    assert satisfaction.change_text == "up 3.7 percentage points"
    assert satisfaction.verdict_text == "Better (higher is better)"
    repeat = metrics["Repeat victims"]
    assert repeat.value_text == "1,500"
    assert repeat.comparison_text == "1,200 (baseline at 31 March 2019)"
    assert repeat.change_text == "up 300"
    assert repeat.verdict_text == "Worse (higher is worse)"
    assert metrics["Hate crime measure"].value_text == "Being defined"
    assert metrics["Calls answered"].value_text == "No value in the period"
    assert metrics["Calls answered"].change_text == "–"


def test_the_h2_round_is_not_in_h1_and_the_h1_round_not_in_h2(plans):
    (h2,), _missing = plan_delivery(H2)
    assert h2.update_round.period == "2019-H2"
    # In H2 1.1.1 is off track, so 1.1 is too.
    assert h2.objectives[0].status_label == "Off track"
    satisfaction = next(m for m in h2.metrics if m.metric.name == "Victim satisfaction")
    # 60 at 31 Dec 2019 against 56.7 before it: up 3.3 points.
    assert satisfaction.value_text == "60%" and satisfaction.change_text == "up 3.3 percentage points"
    # A quarter cannot hold a half's round: Q1 ends before H1 does.
    rows, missing = plan_delivery(Q1)
    assert rows == [] and [plan.reference for plan in missing] == ["FDP-2019", "PART-2019"]


def test_the_whole_year_takes_the_latest_round_in_it(plans):
    (row,), _missing = plan_delivery(FY)
    assert row.update_round.period == "2019-H2"


def test_a_round_not_yet_accepted_or_cancelled_is_not_reported(plans):
    plans.update_rounds.filter(period="2019-H2").update(status=UpdateRoundStatus.OPEN)
    assert plan_delivery(FY)[0][0].update_round.period == "2019-H1"
    plans.update_rounds.filter(period="2019-H1").update(status=UpdateRoundStatus.CANCELLED)
    assert plan_delivery(FY)[0] == []
    # Considered by the board counts as accepted.
    plans.update_rounds.filter(period="2019-H1").update(status=UpdateRoundStatus.CONSIDERED)
    assert plan_delivery(FY)[0][0].update_round.period == "2019-H1"


def test_an_archived_plan_that_was_published_is_shown(plans):
    plans.status = PlanStatus.ARCHIVED
    plans.save()
    assert [row.plan.reference for row in plan_delivery(H1)[0]] == ["FDP-2019"]


def test_percentages_are_rounded_half_up_from_the_exact_fraction():
    assert percentage(412, 500) == Decimal("82.4")  # 82.4 exactly
    assert percentage(1, 16) == Decimal("6.3")  # 6.25: half up, not to even (6.2)
    assert percentage(1, 3) == Decimal("33.3")  # 33.333...
    assert percentage(2, 3) == Decimal("66.7")  # 66.666...
    assert percentage(1, 8) == Decimal("12.5")
    assert percentage(0, 0) is None  # no victims: nothing to show


@pytest.fixture
def figures():
    """Durham Constabulary, written acknowledgement (measure 1):
      Q4 2018/19 400 of 500 = 80.0%; Q1 2019/20 412 of 500 = 82.4% (up 2.4 points);
      Q2 1 of 3: too few to show (both counts "<5", no percentage, no change);
      Q3 100 of 100 = 100.0%: not in H1.
    Crown Prosecution Service North East, Victim Personal Statement (measure 2):
      Q1 333 of 1,000 = 33.3% (no Q4 figure: "No figure"); Q2 1 of 16 = 6.25% shown 6.3%; the
      change from the exact figures is 6.25 - 33.3 = -27.05, rounded half away from zero to
      -27.1 (the rounded percentages' difference would be -27.0): down 27.1 points."""
    durham = _body("Durham Constabulary")
    cps = _body("Crown Prosecution Service North East", OrganisationKind.OTHER)
    ack = ComplianceMeasureFactory(key="acknowledgement", name="Written acknowledgement", position=1)
    vps = ComplianceMeasureFactory(
        edition=ack.edition, key="vps", name="Offer of a Victim Personal Statement", position=2
    )
    ComplianceFigureFactory(body=durham, measure=ack, fy=2018, quarter=4, numerator=400, denominator=500)
    ComplianceFigureFactory(body=durham, measure=ack, fy=2019, quarter=1, numerator=412, denominator=500)
    ComplianceFigureFactory(body=durham, measure=ack, fy=2019, quarter=2, numerator=1, denominator=3)
    ComplianceFigureFactory(body=durham, measure=ack, fy=2019, quarter=3, numerator=100, denominator=100)
    ComplianceFigureFactory(body=cps, measure=vps, fy=2019, quarter=1, numerator=333, denominator=1000)
    ComplianceFigureFactory(body=cps, measure=vps, fy=2019, quarter=2, numerator=1, denominator=16)


def _compliance_rows(span):
    return [
        (
            quarter.quarter.code,
            line.figure.body.name,
            line.met_text,
            line.victims_text,
            line.percentage_text,
            line.previous_text,
            line.change_text,
        )
        for quarter in compliance(span)
        for line in quarter.rows
    ]


def test_compliance_in_h1_by_quarter_with_the_change_from_the_quarter_before(figures):
    assert _compliance_rows(H1) == [
        ("Q1", "Crown Prosecution Service North East", "333", "1,000", "33.3%", "No figure", "–"),
        ("Q1", "Durham Constabulary", "412", "500", "82.4%", "80.0%", "up 2.4 percentage points"),
        ("Q2", "Crown Prosecution Service North East", "<5", "16", "6.3%", "33.3%", "down 27.1 percentage points"),
        ("Q2", "Durham Constabulary", "<5", "<5", "Too few to show", "82.4%", "–"),
    ]


def test_a_q3_figure_is_not_in_h1_and_h1_figures_are_not_in_q3(figures):
    assert "100.0%" not in [row[4] for row in _compliance_rows(H1)]
    q3 = _compliance_rows(parse_panel_period(2019, "Q3"))
    # Q3's own figure, against Q2's 1 of 3 (too few to show, so no change).
    assert q3 == [("Q3", "Durham Constabulary", "100", "100", "100.0%", "Too few to show", "–")]


def test_the_page_shows_the_section_with_captions(plans, figures):
    html = render_panel_html(gather_panel_data(fy=2019, period="H1"))
    flat = _flat(html)
    assert '<a href="#plan-delivery">Plan delivery</a>' in html
    assert "9. Plan delivery" in flat
    assert "<caption>FDP-2019: objectives by status, update for 2019-H1</caption>" in html
    assert "<caption>FDP-2019: status of each objective, update for 2019-H1</caption>" in html
    assert "<caption>FDP-2019: each metric's latest value in H1 2019/20 and its change</caption>" in html
    assert (
        "<caption>Victims' Code compliance by body and measure, Q1 2019/20, with the change from Q4 2018/19</caption>"
        in html
    )
    assert "1.1 Increase victim satisfaction Some slippage (from its activities)" in flat
    assert "Victim satisfaction 56.7% 30 September 2019 53% (previous value at 31 March 2019)" in flat
    assert "up 3.7 percentage points Better (higher is better)" in flat
    assert "Durham Constabulary Written acknowledgement 412 500 82.4% 80.0% up 2.4 percentage points" in flat
    assert "OPCC-2019" not in flat  # a draft
    assert "with no accepted update for a period within H1 2019/20: PART-2019 (Partnership plan)." in flat


def test_a_period_with_nothing_says_so():
    flat = _flat(render_panel_html(gather_panel_data(fy=2019, period="H1")))
    assert "No published delivery plan has an accepted update for a period within H1 2019/20" in flat
    assert "No Victims' Code compliance figures have been recorded for the quarters of H1 2019/20." in flat


@needs_poppler
def test_the_pdf_shows_the_section(plans, figures, tmp_path):
    path = tmp_path / "panel.pdf"
    path.write_bytes(build_panel_report(fy=2019, period="H1")[0])
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "9. Plan delivery" in flat
    assert "FDP-2019: Force Delivery Plan 2019/20" in flat
    # Table cells wrap in the PDF's text, so the figures are looked for one by one (the page's
    # test reads them in their rows).
    assert "56.7%" in flat and "up 3.7" in flat and "Better (higher" in flat and "Worse (higher" in flat
    assert "82.4%" in flat and "80.0%" in flat and "up 2.4" in flat and "down 27.1" in flat and "6.3%" in flat
    assert "100.0%" not in flat  # Q3's figure


def _add_plan(n: int, fy_round=("2019-H1", datetime.date(2019, 4, 1), datetime.date(2019, 9, 30))) -> None:
    """Another published plan with two objectives, two activities each, a metric per objective
    and activity with two values, every update accepted."""
    plan = DeliveryPlanFactory(status=PlanStatus.PUBLISHED, published_on=datetime.date(2019, 5, 1))
    update_round = _round(plan, *fy_round)
    priority = PlanPriorityFactory(plan=plan)
    for o in range(1, 3):
        objective = ObjectiveFactory(plan_priority=priority, number=f"1.{o}")
        metric = MetricFactory(objective=objective)
        MetricValueFactory(metric=metric, as_at=datetime.date(2019, 6, 30), value=Decimal(n))
        MetricValueFactory(metric=metric, as_at=datetime.date(2019, 9, 30), value=Decimal(n + 1))
        for a in range(1, 3):
            activity = ActivityFactory(objective=objective, number=f"1.{o}.{a}")
            MetricValueFactory(metric=MetricFactory(objective=None, activity=activity), as_at=datetime.date(2019, 9, 1))
            _update(update_round, activity=activity, progress="on_track")


def test_the_section_takes_the_same_queries_whatever_its_size(plans, figures):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            data = gather_panel_data(fy=2019, period="H1")
            render_panel_html(data)
        return len(queries)

    small = count()
    for n in range(3):
        _add_plan(n)
    body = OrganisationFactory(kind=OrganisationKind.POLICE)
    measure = ComplianceMeasureFactory()
    for quarter in (1, 2):
        ComplianceFigureFactory(body=body, measure=measure, fy=2019, quarter=quarter, numerator=5, denominator=10)
    assert count() == small
