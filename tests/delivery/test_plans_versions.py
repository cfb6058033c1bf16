"""A plan's versions (delivery.plans.versions): the snapshot, the differences between two
snapshots (worked out by hand) and recording a version."""

import dataclasses
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from delivery.models import PlanStatus, PlanVersion
from delivery.plans.versions import ADDED, CHANGED, REMOVED, Difference, plan_snapshot, plan_version_make, versions_diff
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import (
    ActivityFactory,
    BoardMeetingFactory,
    DeliveryPlanFactory,
    MetricFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    UpdateRoundFactory,
)
from tests.factories.outcomes import KPQFactory
from tests.factories.providers import OrganisationFactory


def _activity(number="1.1.1", **changes):
    row = {
        "number": number,
        "title": "Survey victims",
        "lead": "Ch Insp Smith",
        "lead_organisation": "Northshire Police",
        "start_date": "2019-04-01",
        "end_date": "2020-03-31",
    }
    row.update(changes)
    return row


def _metric(owner="1.1", name="Satisfaction", **changes):
    row = {
        "owner": owner,
        "name": name,
        "unit": "percent",
        "direction": "higher_is_better",
        "source": "Victim survey",
        "being_defined": False,
        "kpq": "KPQ3",
    }
    row.update(changes)
    return row


def _snapshot(**parts):
    snapshot = {
        "title": "Force Delivery Plan 2019/20",
        "priorities": [{"title": "Victims", "outcome": "Victims are satisfied.", "strategy": "Listen."}],
        "objectives": [{"number": "1.1", "title": "Raise satisfaction", "priority": "Victims"}],
        "activities": [_activity()],
        "metrics": [_metric()],
    }
    snapshot.update(parts)
    return snapshot


# versions_diff: pure, worked out by hand ---------------------------------------------------------


def test_identical_snapshots_have_no_differences():
    assert versions_diff(_snapshot(), _snapshot()) == []


def test_two_empty_snapshots_have_no_differences():
    assert versions_diff({}, {}) == []


def test_a_changed_plan_title():
    differences = versions_diff(_snapshot(), _snapshot(title="Force Delivery Plan 2019/20 (revised)"))
    assert differences == [
        Difference(
            CHANGED,
            "plan",
            "",
            field="title",
            field_label="title",
            old="Force Delivery Plan 2019/20",
            new="Force Delivery Plan 2019/20 (revised)",
        )
    ]
    assert differences[0].text == "The plan title: Force Delivery Plan 2019/20 → Force Delivery Plan 2019/20 (revised)"


def test_a_changed_lead_reads_as_the_board_would_say_it():
    differences = versions_diff(_snapshot(), _snapshot(activities=[_activity(lead="Supt Jones")]))
    assert differences == [
        Difference(
            CHANGED, "activity", "1.1.1", field="lead", field_label="lead", old="Ch Insp Smith", new="Supt Jones"
        )
    ]
    assert differences[0].text == "Activity 1.1.1 lead: Ch Insp Smith → Supt Jones"
    assert str(differences[0]) == differences[0].text


def test_every_field_of_an_activity_is_compared_in_order():
    new = _activity(
        title="Survey every victim",
        lead="Supt Jones",
        lead_organisation="Victim Care Hub",
        start_date="2019-05-01",
        end_date=None,
    )
    differences = versions_diff(_snapshot(), _snapshot(activities=[new]))
    assert [(d.field, d.old, d.new) for d in differences] == [
        ("title", "Survey victims", "Survey every victim"),
        ("lead", "Ch Insp Smith", "Supt Jones"),
        ("lead_organisation", "Northshire Police", "Victim Care Hub"),
        ("start_date", "2019-04-01", "2019-05-01"),
        ("end_date", "2020-03-31", None),
    ]
    assert [d.text for d in differences[2:]] == [
        "Activity 1.1.1 lead organisation: Northshire Police → Victim Care Hub",
        "Activity 1.1.1 start date: 1 April 2019 → 1 May 2019",
        "Activity 1.1.1 end date: 31 March 2020 → none",
    ]


def test_an_added_activity_names_its_number_and_title():
    added = _activity("2.1.4", title="Hold surgeries")
    differences = versions_diff(_snapshot(), _snapshot(activities=[_activity(), added]))
    assert differences == [Difference(ADDED, "activity", "2.1.4", title="Hold surgeries")]
    assert differences[0].text == "Added activity 2.1.4 Hold surgeries"


def test_a_removed_activity():
    differences = versions_diff(_snapshot(activities=[_activity(), _activity("1.1.2", title="Old work")]), _snapshot())
    assert differences == [Difference(REMOVED, "activity", "1.1.2", title="Old work")]
    assert differences[0].text == "Removed activity 1.1.2 Old work"


def test_a_renumbered_activity_is_one_removed_and_one_added():
    differences = versions_diff(_snapshot(), _snapshot(activities=[_activity("1.1.2")]))
    assert [(d.kind, d.key) for d in differences] == [(ADDED, "1.1.2"), (REMOVED, "1.1.1")]


def test_added_and_changed_rows_come_in_the_new_order_then_the_removed_in_the_old():
    old = _snapshot(activities=[_activity("1.1.1"), _activity("1.1.2"), _activity("1.1.3"), _activity("1.1.4")])
    new = _snapshot(activities=[_activity("1.1.5"), _activity("1.1.3", lead="Supt Jones"), _activity("1.1.1")])
    differences = versions_diff(old, new)
    assert [(d.kind, d.key) for d in differences] == [
        (ADDED, "1.1.5"),
        (CHANGED, "1.1.3"),
        (REMOVED, "1.1.2"),
        (REMOVED, "1.1.4"),
    ]


def test_objectives_are_matched_by_number_and_compare_title_and_priority():
    new = _snapshot(objectives=[{"number": "1.1", "title": "Raise it further", "priority": "Confidence"}])
    differences = versions_diff(_snapshot(), new)
    assert [d.text for d in differences] == [
        "Objective 1.1 title: Raise satisfaction → Raise it further",
        "Objective 1.1 priority: Victims → Confidence",
    ]


def test_an_added_and_a_removed_objective():
    new = _snapshot(objectives=[{"number": "1.2", "title": "Cut repeat victimisation", "priority": "Victims"}])
    assert [d.text for d in versions_diff(_snapshot(), new)] == [
        "Added objective 1.2 Cut repeat victimisation",
        "Removed objective 1.1 Raise satisfaction",
    ]


def test_priorities_are_matched_by_title_whatever_its_capitals():
    new = _snapshot(priorities=[{"title": "VICTIMS", "outcome": "Victims are safer.", "strategy": "Listen."}])
    differences = versions_diff(_snapshot(), new)
    assert differences == [
        Difference(CHANGED, "priority", "VICTIMS", field="title", field_label="title", old="Victims", new="VICTIMS"),
        Difference(
            CHANGED,
            "priority",
            "VICTIMS",
            field="outcome",
            field_label="outcome",
            old="Victims are satisfied.",
            new="Victims are safer.",
        ),
    ]
    assert differences[1].text == "Priority VICTIMS outcome: Victims are satisfied. → Victims are safer."


def test_a_priority_strategy_change():
    new = _snapshot(priorities=[{"title": "Victims", "outcome": "Victims are satisfied.", "strategy": "Act."}])
    assert [d.text for d in versions_diff(_snapshot(), new)] == ["Priority Victims strategy: Listen. → Act."]


def test_an_added_priority_is_named_once():
    extra = {"title": "Confidence", "outcome": "", "strategy": ""}
    priorities = [*_snapshot()["priorities"], extra]
    differences = versions_diff(_snapshot(), _snapshot(priorities=priorities))
    assert differences == [Difference(ADDED, "priority", "Confidence", title="Confidence")]
    assert differences[0].text == "Added priority Confidence"


def test_a_removed_priority():
    differences = versions_diff(_snapshot(), _snapshot(priorities=[]))
    assert [d.text for d in differences] == ["Removed priority Victims"]


def test_metrics_are_matched_by_owner_and_name_whatever_its_capitals():
    new = _snapshot(metrics=[_metric(name="SATISFACTION", source="Crime survey")])
    differences = versions_diff(_snapshot(), new)
    assert differences == [
        Difference(
            CHANGED,
            "metric",
            "1.1: SATISFACTION",
            field="source",
            field_label="source",
            old="Victim survey",
            new="Crime survey",
        )
    ]
    assert differences[0].text == "Metric 1.1: SATISFACTION source: Victim survey → Crime survey"


def test_every_field_of_a_metric_is_compared_and_shown_as_read():
    new = _metric(unit="count", direction="higher_is_worse", being_defined=True, kpq="")
    differences = versions_diff(_snapshot(), _snapshot(metrics=[new]))
    assert [d.text for d in differences] == [
        "Metric 1.1: Satisfaction unit: Percentage → Count",
        "Metric 1.1: Satisfaction direction: Higher is better → Higher is worse",
        "Metric 1.1: Satisfaction still being defined: no → yes",
        "Metric 1.1: Satisfaction KPQ: KPQ3 → none",
    ]


def test_a_metric_moved_to_another_objective_is_removed_and_added():
    differences = versions_diff(_snapshot(), _snapshot(metrics=[_metric(owner="1.1.1")]))
    assert [d.text for d in differences] == [
        "Added metric 1.1.1: Satisfaction",
        "Removed metric 1.1: Satisfaction",
    ]


def test_the_parts_come_in_the_plan_order():
    old = _snapshot(priorities=[], objectives=[], activities=[], metrics=[])
    differences = versions_diff(old, _snapshot(title="New"))
    assert [d.part for d in differences] == ["plan", "priority", "objective", "activity", "metric"]


def test_a_part_missing_from_a_snapshot_counts_as_empty():
    differences = versions_diff({"title": "Force Delivery Plan 2019/20"}, _snapshot())
    assert [d.kind for d in differences] == [ADDED, ADDED, ADDED, ADDED]


def test_values_are_shown_as_a_reader_sees_them():
    def shown(field, value):
        return Difference(CHANGED, "metric", "1.1: X", field=field, old=value).old_shown

    assert shown("lead", "") == "none"
    assert shown("lead", None) == "none"
    assert shown("being_defined", False) == "no"
    assert shown("being_defined", True) == "yes"
    assert shown("unit", "money") == "Money (£)"
    assert shown("unit", "furlongs") == "furlongs"  # an old snapshot's unit no longer offered
    assert shown("direction", "higher_is_worse") == "Higher is worse"
    assert shown("end_date", "2020-03-31") == "31 March 2020"
    assert shown("title", "Survey") == "Survey"
    assert Difference(CHANGED, "activity", "1.1.1", field="lead", new="Supt Jones").new_shown == "Supt Jones"


def test_a_row_titled_as_its_key_is_not_named_twice():
    assert Difference(REMOVED, "activity", "1.1.1", title="1.1.1").text == "Removed activity 1.1.1"
    assert Difference(REMOVED, "activity", "1.1.1").text == "Removed activity 1.1.1"


def test_a_difference_is_a_value():
    difference = Difference(CHANGED, "activity", "1.1.1", field="lead", old="A", new="B")
    with pytest.raises(dataclasses.FrozenInstanceError):
        difference.new = "C"
    assert len({difference, Difference(CHANGED, "activity", "1.1.1", field="lead", old="A", new="B")}) == 1


def test_the_subject_of_a_difference():
    assert Difference(CHANGED, "plan", "").subject == "The plan"
    assert Difference(CHANGED, "objective", "1.2").subject == "Objective 1.2"


# The snapshot and recording a version ---------------------------------------------------------


@pytest.fixture
def officer(db):
    return UserFactory(role=Role.OFFICER)


def _plan():
    force = OrganisationFactory(name="Northshire Police")
    plan = DeliveryPlanFactory(title="Force Delivery Plan 2019/20", owner=force)
    priority = PlanPriorityFactory(plan=plan, position=1, title="Victims", outcome="Satisfied.", strategy="Listen.")
    objective = ObjectiveFactory(plan_priority=priority, number="1.10", title="Raise satisfaction")
    first = ObjectiveFactory(plan_priority=priority, number="1.9", title="Cut repeat victimisation")
    activity = ActivityFactory(
        objective=objective,
        number="1.10.1",
        title="Survey victims",
        lead="Ch Insp Smith",
        lead_organisation=force,
        start_date=datetime.date(2019, 4, 1),
        end_date=None,
    )
    MetricFactory(objective=objective, name="Satisfaction", kpq=KPQFactory(number=3), source="Survey")
    MetricFactory(
        objective=None,
        activity=activity,
        name="Surveys sent",
        unit="count",
        direction="higher_is_better",
        source="",
        being_defined=True,
    )
    return plan, first


@pytest.mark.django_db
def test_the_snapshot_holds_the_tree_in_the_plans_order():
    plan, _first = _plan()
    assert plan_snapshot(plan) == {
        "title": "Force Delivery Plan 2019/20",
        "priorities": [{"title": "Victims", "outcome": "Satisfied.", "strategy": "Listen."}],
        "objectives": [
            {"number": "1.9", "title": "Cut repeat victimisation", "priority": "Victims"},
            {"number": "1.10", "title": "Raise satisfaction", "priority": "Victims"},
        ],
        "activities": [
            {
                "number": "1.10.1",
                "title": "Survey victims",
                "lead": "Ch Insp Smith",
                "lead_organisation": "Northshire Police",
                "start_date": "2019-04-01",
                "end_date": None,
            }
        ],
        "metrics": [
            {
                "owner": "1.10",
                "name": "Satisfaction",
                "unit": "percent",
                "direction": "higher_is_better",
                "source": "Survey",
                "being_defined": False,
                "kpq": "KPQ3",
            },
            {
                "owner": "1.10.1",
                "name": "Surveys sent",
                "unit": "count",
                "direction": "higher_is_better",
                "source": "",
                "being_defined": True,
                "kpq": "",
            },
        ],
    }


@pytest.mark.django_db
def test_an_activity_with_no_lead_organisation_has_a_blank_one():
    activity = ActivityFactory(lead_organisation=None)
    assert plan_snapshot(activity.plan)["activities"][0]["lead_organisation"] == ""


def test_versions_are_numbered_from_the_plans_edition(officer):
    plan, _first = _plan()
    first = plan_version_make(actor=officer, plan=plan, note="  As agreed.  ")
    second = plan_version_make(actor=officer, plan=plan)
    plan.refresh_from_db()
    assert (first.number, second.number, plan.edition) == (1, 2, 2)
    assert (first.note, first.made_by, first.meeting) == ("As agreed.", officer, None)
    assert first.snapshot["objectives"][0]["number"] == "1.9"


def test_making_a_version_leaves_the_plans_edit_version_alone(officer):
    plan, _first = _plan()
    plan_version_make(actor=officer, plan=plan)
    plan.refresh_from_db()
    assert plan.version == 1


def test_a_version_made_from_a_meeting_shows_the_amendments(officer):
    plan, first = _plan()
    plan_version_make(actor=officer, plan=plan)
    meeting = BoardMeetingFactory(update_round=UpdateRoundFactory(plan=plan), amendments="Drop objective 1.9.")
    first.delete()
    version = plan_version_make(actor=officer, plan=plan, meeting=meeting)
    before = PlanVersion.objects.get(plan=plan, number=1)
    assert version.meeting == meeting
    assert [d.text for d in versions_diff(before.snapshot, version.snapshot)] == [
        "Removed objective 1.9 Cut repeat victimisation"
    ]


def test_a_meeting_makes_one_version_at_most(officer):
    plan, _first = _plan()
    meeting = BoardMeetingFactory(update_round=UpdateRoundFactory(plan=plan))
    plan_version_make(actor=officer, plan=plan, meeting=meeting)
    with pytest.raises(ValidationError) as error:
        plan_version_make(actor=officer, plan=plan, meeting=meeting)
    assert error.value.message_dict["meeting"] == ["This meeting's amendments are already version 1 of the plan."]
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_a_meeting_on_another_plans_update_is_refused(officer):
    plan, _first = _plan()
    meeting = BoardMeetingFactory()
    with pytest.raises(ValidationError) as error:
        plan_version_make(actor=officer, plan=plan, meeting=meeting)
    assert error.value.message_dict["meeting"] == [
        f"This meeting considered another plan's update, not {plan.reference}'s."
    ]
    plan.refresh_from_db()
    assert plan.edition == 0


def test_an_archived_plan_has_no_new_versions(officer):
    plan = DeliveryPlanFactory(status=PlanStatus.ARCHIVED, reference="FDP-2018")
    with pytest.raises(ValidationError) as error:
        plan_version_make(actor=officer, plan=plan)
    assert error.value.messages == ["Plan FDP-2018 is archived: it has no new versions."]
    assert not PlanVersion.objects.exists()


@pytest.mark.parametrize("role", [Role.BOARD, Role.FINANCE, Role.PARTNER])
def test_only_an_officer_makes_a_version(db, role):
    plan = DeliveryPlanFactory()
    with pytest.raises(PermissionDenied):
        plan_version_make(actor=UserFactory(role=role), plan=plan)
    assert not PlanVersion.objects.exists()
