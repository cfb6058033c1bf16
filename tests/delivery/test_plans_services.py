"""Writing a delivery plan's tree (delivery.plans.services)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from delivery.models import MetricValue, PlanStatus
from delivery.plans.services import (
    activity_save,
    metric_save,
    metric_value_record,
    objective_save,
    plan_create,
    plan_priority_save,
    plan_update,
)
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import ActivityFactory, DeliveryPlanFactory, MetricFactory
from tests.factories.providers import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return UserFactory(role=Role.OFFICER)


def _tree(officer):
    plan = plan_create(
        actor=officer, reference="FDP-2019", title="Force Delivery Plan 2019/20", owner=OrganisationFactory(), fy=2019
    )
    priority = plan_priority_save(actor=officer, plan=plan, expected_version=None, title="Satisfaction")
    objective = objective_save(
        actor=officer, plan=plan, expected_version=None, plan_priority=priority, number="1.2", title="Increase it"
    )
    return plan, priority, objective


def test_an_officer_builds_a_plan_tree(officer):
    plan, priority, objective = _tree(officer)
    activity = activity_save(
        actor=officer, plan=plan, expected_version=None, objective=objective, number="1.2.3", title="Survey"
    )
    assert (plan.status, priority.position, activity.sort_key) == (PlanStatus.DRAFT, 1, "0001.0002.0003")


def test_an_activity_number_must_continue_its_objectives(officer):
    plan, _priority, objective = _tree(officer)
    with pytest.raises(ValidationError) as error:
        activity_save(actor=officer, plan=plan, expected_version=None, objective=objective, number="1.3.1", title="X")
    assert "does not belong to objective 1.2" in error.value.message_dict["number"][0]


def test_renumbering_an_objective_renumbers_its_activities(officer):
    plan, _priority, objective = _tree(officer)
    activity_save(actor=officer, plan=plan, expected_version=None, objective=objective, number="1.2.10", title="A")
    objective_save(actor=officer, plan=plan, expected_version=None, objective=objective, number="1.4")
    assert list(plan.activities.values_list("number", flat=True)) == ["1.4.10"]


def test_a_stale_edit_changes_nothing(officer):
    plan, _priority, _objective = _tree(officer)
    with pytest.raises(ValidationError) as error:
        plan_update(actor=officer, plan=plan, expected_version=1, title="Changed")
    assert STALE_MESSAGE in error.value.messages
    plan.refresh_from_db()
    assert plan.title == "Force Delivery Plan 2019/20"


def test_board_members_cannot_write():
    with pytest.raises(PermissionDenied):
        plan_create(actor=UserFactory(role=Role.BOARD), reference="X", title="X", owner=OrganisationFactory(), fy=2019)


def test_a_value_replaces_the_one_held_for_its_date(officer):
    metric = MetricFactory(unit="percent")
    day = datetime.date(2019, 9, 30)
    metric_value_record(actor=officer, metric=metric, as_at=day, value="56.7", comparison_value="53")
    metric_value_record(actor=officer, metric=metric, as_at=day, value="57.1", comparison_value="53.5")
    stored = MetricValue.objects.get(metric=metric)
    assert (stored.value, stored.comparison_value) == (Decimal("57.1"), Decimal("53.5"))


@pytest.mark.parametrize(
    ("value", "field", "message"),
    [
        ("101", "value", "A percentage is between 0 and 100."),
        ("fifty", "value", "The value must be a number, not fifty."),
        ("1.00001", "value", "The value may have at most 4 decimal places."),
    ],
)
def test_a_bad_value_is_named_and_nothing_is_recorded(officer, value, field, message):
    metric = MetricFactory(unit="percent")
    with pytest.raises(ValidationError) as error:
        metric_value_record(actor=officer, metric=metric, as_at=datetime.date(2019, 9, 30), value=value)
    assert error.value.message_dict[field] == [message]
    assert not MetricValue.objects.exists()


def test_a_metric_still_being_defined_takes_no_values(officer):
    metric = MetricFactory(being_defined=True)
    with pytest.raises(ValidationError):
        metric_value_record(actor=officer, metric=metric, as_at=datetime.date(2019, 9, 30), value="1")


def test_a_metric_name_is_unique_on_its_activity(officer):
    activity = ActivityFactory()
    metric_save(actor=officer, plan=activity.plan, expected_version=None, activity=activity, name="Calls answered")
    with pytest.raises(ValidationError) as error:
        metric_save(actor=officer, plan=activity.plan, expected_version=None, activity=activity, name="calls ANSWERED")
    assert "already a metric called calls ANSWERED" in error.value.message_dict["name"][0]


def test_an_archived_plan_is_read_only(officer):
    plan = DeliveryPlanFactory(status=PlanStatus.ARCHIVED)
    with pytest.raises(ValidationError):
        plan_update(actor=officer, plan=plan, expected_version=None, title="New")
