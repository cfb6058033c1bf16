"""The demo's delivery plan (demo.delivery): Durham Constabulary's 2019/20 plan, imported from
its file, with its links, metrics and update files."""

import csv
import io
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from delivery.models import Activity, DeliveryPlan, Metric, Objective, PlanPriority
from demo.delivery.loader import METRICS, OBJECTIVE_KPQS, PLAN_FILE, UPDATE_FILES, delivery_seed_updates
from demo.files import DEMO_DATA, read_csv
from pcc_commissioning.interchange.imports import importers

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", force=True, stdout=out)
    return out.getvalue()


def test_seeding_creates_the_durham_force_delivery_plan():
    output = seed()
    plan = DeliveryPlan.objects.get(reference="FDP-2019")
    assert (plan.title, plan.owner.name, plan.owner.kind, plan.fy, plan.status) == (
        "Force Delivery Plan 2019/20",
        "Durham Constabulary",
        "police",
        2019,
        "published",  # before its first update, as version 1
    )
    rows = read_csv(PLAN_FILE)
    # The tree is the file's: every priority, objective and activity it names, with its lead.
    assert list(PlanPriority.objects.filter(plan=plan).order_by("position").values_list("title", flat=True)) == list(
        dict.fromkeys(row["priority"] for row in rows)
    )
    assert set(Objective.objects.filter(plan=plan).values_list("number", flat=True)) == {
        row["objective_number"] for row in rows
    }
    held = {a.number: (a.lead, a.lead_organisation.name) for a in Activity.objects.filter(plan=plan)}
    assert held == {row["activity_number"]: (row["lead"], row["lead_organisation"]) for row in rows}
    # Linked to the Plan: every KPQ, and the three commissioning priorities it serves.
    assert plan.kpqs.count() == 8
    assert sorted(plan.priorities.values_list("name", flat=True)) == [
        "Community safety and prevention",
        "Reducing reoffending",
        "Victims services",
    ]
    assert list(Objective.objects.get(plan=plan, number="2.2").kpqs.values_list("number", flat=True)) == [3, 4]
    # The demo contributor leads the superintendents' activities, and only those.
    led = Activity.objects.filter(plan=plan, lead_user__username="contributor")
    assert sorted(led.values_list("number", flat=True)) == ["1.3.1", "2.1.2", "4.1.1"]
    assert all("Superintendent" in activity.lead for activity in led)
    assert "Plan delivery:" in output


def test_the_plan_has_its_metrics_one_still_being_defined():
    seed()
    plan = DeliveryPlan.objects.get(reference="FDP-2019")
    assert Metric.objects.filter(plan=plan).count() == len(METRICS)
    asb = Metric.objects.get(plan=plan, name__startswith="Anti-social behaviour incidents")
    assert (asb.objective.number, asb.activity, asb.unit, asb.direction, asb.kpq.number) == (
        "1.1",
        None,
        "count",
        "higher_is_worse",
        1,
    )
    defined = Metric.objects.get(plan=plan, being_defined=True)
    assert defined.objective.number == "2.3"
    assert not defined.values.exists()


def test_a_second_run_creates_nothing_in_the_delivery_tables():
    seed()
    counts = (DeliveryPlan.objects.count(), Activity.objects.count(), Metric.objects.count())
    versions = list(DeliveryPlan.objects.values_list("version", flat=True))
    output = seed()
    assert (DeliveryPlan.objects.count(), Activity.objects.count(), Metric.objects.count()) == counts
    assert list(DeliveryPlan.objects.values_list("version", flat=True)) == versions
    assert "Plan delivery: 0 record(s) created" in output


def test_the_update_files_are_in_the_plan_updates_format_and_name_the_plans_rows():
    plan_rows = read_csv(PLAN_FILE)
    activities = {row["activity_number"]: row["objective_number"] for row in plan_rows}
    metric_names = {(m.objective, m.activity, m.name): m for m in METRICS}
    for _period, name in UPDATE_FILES:
        with (DEMO_DATA / name).open(newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            assert reader.fieldnames == [
                "objective_number",
                "activity_number",
                "status",
                "update",
                "metric",
                "value",
                "unit",
                "as_at",
                "comparison_value",
                "comparison_as_at",
            ]
            rows = list(reader)
        for row in rows:
            assert row["objective_number"] in OBJECTIVE_KPQS
            if row["activity_number"]:
                assert activities[row["activity_number"]] == row["objective_number"]
            assert row["status"] in ("", "on_track", "some_slippage", "off_track", "complete", "not_started")
            if row["metric"]:
                # A value for one of the metrics the loader creates, in its unit; none for the
                # metric still being defined.
                metric = metric_names[(row["objective_number"], row["activity_number"], row["metric"])]
                assert (row["unit"], metric.being_defined) == (metric.unit, False)
                assert row["value"] and row["as_at"]
        # Every activity has its update in each half-year.
        assert {row["activity_number"] for row in rows if row["status"]} == set(activities)


def test_without_the_plan_updates_import_the_updates_are_skipped_with_a_log_line(caplog, monkeypatch):
    registered = importers()
    registered.pop("plan_updates", None)
    monkeypatch.setattr("demo.delivery.loader.importers", lambda: registered)
    with caplog.at_level(logging.WARNING, logger="demo.delivery.loader"):
        assert delivery_seed_updates() == 0
    assert "the plan_updates import is not available" in caplog.text


def test_the_year_is_scrutinised_as_an_opcc_would(client):
    """Both half-years' updates accepted; the first considered by the Strategy and Performance
    Board, whose amendment (activity 1.3.1 to end in August 2020) is version 2, and recorded by
    the Commissioner's published decision; the public page shows the plan to anyone."""
    from delivery.models import ComplianceFigure, PlanVersion, ReviewMeeting, UpdateRound
    from delivery.plans.versions import versions_diff
    from grants.models import Decision

    seed()
    plan = DeliveryPlan.objects.get(reference="FDP-2019")
    rounds = {r.period: r for r in UpdateRound.objects.filter(plan=plan)}
    assert {period: r.status for period, r in rounds.items()} == {"2019-H1": "considered", "2019-H2": "accepted"}
    assert str(rounds["2019-H1"].deadline) == "2019-10-31"
    assert not rounds["2019-H2"].updates.exclude(state="accepted").exists()
    first, second = PlanVersion.objects.filter(plan=plan).order_by("number")
    assert (plan.edition, second.meeting.update_round_id) == (2, rounds["2019-H1"].pk)
    changes = [change.text for change in versions_diff(first.snapshot, second.snapshot)]
    assert len(changes) == 1 and "1.3.1" in changes[0] and "2020" in changes[0]
    decision = Decision.objects.get(update_round=rounds["2019-H1"])
    assert (decision.status, str(decision.decided_on)) == ("published", "2019-11-27")
    # Three bodies' figures for six quarters: the police four measures, the CPS two, probation one.
    assert ComplianceFigure.objects.count() == (4 + 2 + 1) * 6
    assert ReviewMeeting.objects.get().actions.count() == 2
    # The public page opens on the latest accepted update (the second half's, not yet decided);
    # the first half's shows its published decision.
    latest = client.get(reverse("plans_public:plan", args=["FDP-2019"]))
    assert latest.status_code == 200 and decision.reference not in latest.content.decode()
    first_half = client.get(reverse("plans_public:plan", args=["FDP-2019"]), {"period": "2019-H1"})
    assert decision.reference in first_half.content.decode()
