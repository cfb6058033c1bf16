"""Importing a delivery plan, and a period's progress updates, on a page
(delivery.plans.import_views, delivery.updates.import_views)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from delivery.models import DeliveryPlan, ProgressUpdate, UpdateState
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import ActivityFactory, DeliveryPlanFactory
from tests.factories.providers import OrganisationFactory

pytestmark = pytest.mark.django_db

HEADER = "priority,outcome,strategy,objective_number,objective,activity_number,activity,lead,lead_organisation,start_date,end_date\n"


def _plan_file(organisation: str, second_number: str = "1.1.2") -> SimpleUploadedFile:
    rows = (
        f"Confidence,People trust the police,Be seen,1.1,Raise confidence,1.1.1,Hold ward meetings,Supt A,{organisation},2019-04-01,2020-03-31\n"
        f"Confidence,,,1.1,Raise confidence,{second_number},Publish results,Supt B,{organisation},2019-04-01,2020-03-31\n"
    )
    return SimpleUploadedFile("plan.csv", (HEADER + rows).encode(), content_type="text/csv")


@pytest.fixture
def officer_client(client):
    client.force_login(UserFactory(role=Role.OFFICER))
    return client


def test_an_officer_imports_a_new_plan_and_lands_on_it(officer_client):
    force = OrganisationFactory(name="Durham Constabulary")
    response = officer_client.post(
        reverse("delivery:plan_import"),
        {
            "file": _plan_file(force.name),
            "plan": "FDP-2019",
            "title": "Force Delivery Plan",
            "owner": force.pk,
            "fy": "2019",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:plan", args=["FDP-2019"])
    plan = DeliveryPlan.objects.get(reference="FDP-2019")
    assert list(plan.activities.values_list("number", flat=True)) == ["1.1.1", "1.1.2"]


def test_a_bad_row_is_named_and_nothing_is_imported(officer_client):
    force = OrganisationFactory(name="Durham Constabulary")
    response = officer_client.post(
        reverse("delivery:plan_import"),
        {
            "file": _plan_file(force.name, second_number="1.2.1"),
            "plan": "FDP-2019",
            "title": "T",
            "owner": force.pk,
            "fy": "2019",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Row 3" in text and "1.2.1" in text
    assert not DeliveryPlan.objects.exists()


def test_check_only_writes_nothing(officer_client):
    force = OrganisationFactory(name="Durham Constabulary")
    response = officer_client.post(
        reverse("delivery:plan_import"),
        {
            "file": _plan_file(force.name),
            "plan": "FDP-2019",
            "title": "T",
            "owner": force.pk,
            "fy": "2019",
            "check_only": "on",
        },
    )
    assert response.status_code == 302
    assert not DeliveryPlan.objects.exists()


@pytest.mark.parametrize("role", [Role.BOARD, Role.FINANCE, Role.PARTNER, Role.PROVIDER])
def test_only_officers_import(client, role):
    client.force_login(UserFactory(role=role))
    plan = DeliveryPlanFactory()
    assert client.get(reverse("delivery:plan_import")).status_code == 403
    assert client.get(reverse("delivery:progress_import", args=[plan.reference])).status_code == 403


def test_an_officer_imports_a_periods_updates_which_arrive_submitted(officer_client):
    activity = ActivityFactory(number="1.1.1", objective__number="1.1")
    rows = "objective_number,activity_number,status,update,metric,value,unit,as_at,comparison_value,comparison_as_at\n"
    rows += "1.1,1.1.1,on_track,Meetings held in every ward.,,,,,,\n"
    upload = SimpleUploadedFile("updates.csv", rows.encode(), content_type="text/csv")
    response = officer_client.post(
        reverse("delivery:progress_import", args=[activity.plan.reference]), {"file": upload, "period": "2019-H1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    update = ProgressUpdate.objects.get(activity=activity)
    assert (update.state, update.progress, update.update_round.period) == (UpdateState.SUBMITTED, "on_track", "2019-H1")


def test_the_plans_pages_lead_officers_to_the_imports(officer_client):
    plan = DeliveryPlanFactory()
    listing = officer_client.get(reverse("delivery:plan_list")).content.decode()
    assert reverse("delivery:plan_import") in listing
    page = officer_client.get(reverse("delivery:plan", args=[plan.reference])).content.decode()
    assert reverse("delivery:progress_import", args=[plan.reference]) in page
