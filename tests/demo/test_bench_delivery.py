"""Plan delivery's share of the benchmark (bench/delivery.py): it finds the largest published
plan and the latest accepted half, and reports a page or export that has not landed as "not
available" instead of failing."""

import datetime

import pytest
from django.urls import NoReverseMatch

from bench import delivery as bench_delivery
from delivery.models import PlanStatus, UpdateRoundStatus
from pcc_commissioning.interchange.exports import ExportError
from tests.factories.delivery import ActivityFactory, DeliveryPlanFactory, ObjectiveFactory, UpdateRoundFactory


def _published(reference: str):
    return DeliveryPlanFactory(reference=reference, status=PlanStatus.PUBLISHED, published_on=datetime.date(2019, 5, 1))


@pytest.mark.django_db
def test_the_largest_published_plan_and_the_latest_accepted_half():
    assert bench_delivery.largest_plan() is None and bench_delivery.delivery_period() is None
    small, large = _published("FDP-SMALL"), _published("FDP-LARGE")
    draft = DeliveryPlanFactory(reference="FDP-DRAFT")  # the largest, but a draft: not the public page's
    ActivityFactory(objective=ObjectiveFactory(plan_priority__plan=small))
    objective = ObjectiveFactory(plan_priority__plan=large)
    ActivityFactory.create_batch(2, objective=objective)
    ActivityFactory.create_batch(3, objective=ObjectiveFactory(plan_priority__plan=draft))
    assert bench_delivery.largest_plan() == "FDP-LARGE"
    # H2 2019/20 is open, so the latest accepted half is H1.
    UpdateRoundFactory(plan=large, status=UpdateRoundStatus.ACCEPTED)
    UpdateRoundFactory(
        plan=large,
        period="2019-H2",
        period_start=datetime.date(2019, 10, 1),
        period_end=datetime.date(2020, 3, 31),
        status=UpdateRoundStatus.OPEN,
    )
    assert bench_delivery.delivery_period() == (2019, "H1")
    assert bench_delivery.delivery_counts()["delivery plans"] == 3


@pytest.mark.django_db
def test_the_section_alone_renders_its_tables():
    html = bench_delivery.panel_delivery_section(2019, "H1")()
    assert "9. Plan delivery" in html
    assert "No published delivery plan has an accepted update for a period within H1 2019/20" in html


def test_pages_without_a_url_name_are_reported_not_available(monkeypatch):
    def reverse(name, args):
        if name == "delivery:plan":
            raise NoReverseMatch(name)
        return f"/plans/{args[0]}/"

    monkeypatch.setattr("django.urls.reverse", reverse)
    rows, missing = bench_delivery.delivery_pages({"plan": "FDP-2019"})
    assert rows == [("Public plan page (FDP-2019)", "/plans/FDP-2019/", "anonymous")]
    assert missing == [{"name": "Delivery plan page (officer)", "note": "not available (no URL named delivery:plan)"}]
    rows, missing = bench_delivery.delivery_pages({"plan": None})
    assert rows == [] and len(missing) == 2


def test_the_export_raises_export_error_while_delivery_plan_is_not_registered(monkeypatch):
    from pcc_commissioning.interchange import exports

    monkeypatch.setattr(exports, "exporters", lambda: {})
    with pytest.raises(ExportError, match="Unknown export 'delivery_plan'"):
        bench_delivery.delivery_plan_export("FDP-2019")()


def test_without_data_the_jobs_say_what_is_missing():
    jobs = bench_delivery.generation_jobs({"plan": None, "delivery_period": None})
    assert [(name, function) for name, function, _note in jobs] == [
        ("Panel report plan delivery section", None),
        ("delivery_plan export CSV", None),
    ]
