"""The database keeps a delivery plan's tree and its figures consistent whatever writes it."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from delivery.models import number_sort_key
from tests.factories.delivery import (
    ActivityFactory,
    ComplianceFigureFactory,
    MetricFactory,
    MetricValueFactory,
    ObjectiveFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db


def test_numbers_sort_as_people_read_them():
    assert sorted(["1.10", "1.9", "2.1"], key=number_sort_key) == ["1.9", "1.10", "2.1"]
    assert number_sort_key("1.10.2") == "0001.0010.0002"


@pytest.mark.parametrize("number", ["1", "1.2.3", "0.1", "1.", "a.b"])
def test_an_objective_number_must_look_like_1_2(number):
    with pytest.raises(IntegrityError), transaction.atomic():
        ObjectiveFactory(number=number)


def test_two_activities_of_a_plan_cannot_share_a_number():
    first = ActivityFactory(number="1.1.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(number="1.1.1", objective=first.objective)


def test_an_activity_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        ActivityFactory(start_date=datetime.date(2019, 4, 2), end_date=datetime.date(2019, 4, 1))


def test_a_metric_measures_an_objective_or_an_activity_never_both():
    activity = ActivityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MetricFactory(objective=activity.objective, activity=activity)


def test_a_metric_has_one_value_a_date():
    value = MetricValueFactory(as_at=datetime.date(2019, 9, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        MetricValueFactory(metric=value.metric, as_at=datetime.date(2019, 9, 30))


def test_a_submitted_update_needs_its_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressUpdateFactory(state="submitted", progress="")


def test_a_body_cannot_meet_a_measure_for_more_victims_than_it_counted():
    with pytest.raises(IntegrityError), transaction.atomic():
        ComplianceFigureFactory(numerator=101, denominator=100)
