"""A plan's publication moves (delivery.plans.publication, PLAN_MACHINE) and their pages."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from delivery.models import PlanStatus, PlanVersion
from delivery.plans.publication import FIRST_VERSION_NOTE, plan_archive, plan_publish, plan_unpublish
from delivery.plans.transitions import PLAN_MACHINE
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import DeliveryPlanFactory, ObjectiveFactory, PlanPriorityFactory

pytestmark = pytest.mark.django_db
DAY = datetime.datetime(2019, 5, 14, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def officer():
    return UserFactory(role=Role.OFFICER)


def _plan(**fields):
    plan = DeliveryPlanFactory(reference="FDP-2019", **fields)
    ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=plan), number="1.1")
    return plan


def test_the_machine_declares_the_three_moves():
    moves = {t.name: (sorted(t.sources), t.target) for t in PLAN_MACHINE.transitions}
    assert moves == {
        "publish": (["draft"], "published"),
        "unpublish": (["published"], "draft"),
        "archive": (["draft", "published"], "archived"),
    }


def test_publishing_stamps_today_and_makes_version_1(officer):
    plan = _plan()
    with time_machine.travel(DAY, tick=False):
        published = plan_publish(actor=officer, plan=plan, expected_version=1)
    plan.refresh_from_db()
    assert (plan.status, plan.published_on, plan.edition, plan.version) == (
        PlanStatus.PUBLISHED,
        datetime.date(2019, 5, 14),
        1,
        2,
    )
    assert published.edition == 1
    version = PlanVersion.objects.get(plan=plan)
    assert (version.number, version.note, version.made_by) == (1, FIRST_VERSION_NOTE, officer)
    assert version.snapshot["objectives"][0]["number"] == "1.1"


def test_publishing_again_after_a_draft_makes_no_new_version(officer):
    plan = _plan(edition=3)
    plan_publish(actor=officer, plan=plan, expected_version=None)
    plan.refresh_from_db()
    assert plan.edition == 3
    assert not PlanVersion.objects.exists()


def test_a_plan_without_objectives_is_not_published(officer):
    plan = DeliveryPlanFactory(reference="FDP-2020")
    with pytest.raises(ValidationError) as error:
        plan_publish(actor=officer, plan=plan, expected_version=1)
    assert error.value.messages == ["Plan FDP-2020 has no objectives yet: add them before publishing it."]
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PlanStatus.DRAFT, 1)


def test_a_published_plan_is_not_published_twice(officer):
    plan = _plan(status=PlanStatus.PUBLISHED, published_on=datetime.date(2019, 4, 1))
    with pytest.raises(ValidationError) as error:
        plan_publish(actor=officer, plan=plan, expected_version=1)
    assert error.value.message_dict["status"] == ["Plan FDP-2019 is published: it cannot be published now."]


def test_unpublishing_takes_the_plan_back_to_draft(officer):
    plan = _plan(status=PlanStatus.PUBLISHED, published_on=datetime.date(2019, 4, 1))
    plan_unpublish(actor=officer, plan=plan, expected_version=1)
    plan.refresh_from_db()
    assert (plan.status, plan.published_on) == (PlanStatus.DRAFT, None)


def test_a_draft_cannot_be_unpublished(officer):
    with pytest.raises(ValidationError) as error:
        plan_unpublish(actor=officer, plan=_plan(), expected_version=1)
    assert error.value.message_dict["status"] == ["Plan FDP-2019 is draft: it cannot be taken back to draft now."]


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.PUBLISHED])
def test_a_draft_or_published_plan_is_archived(officer, status):
    plan = _plan(status=status, published_on=datetime.date(2019, 4, 1))
    plan_archive(actor=officer, plan=plan, expected_version=1)
    plan.refresh_from_db()
    assert (plan.status, plan.published_on) == (PlanStatus.ARCHIVED, datetime.date(2019, 4, 1))


def test_an_archived_plan_stays_archived(officer):
    plan = _plan(status=PlanStatus.ARCHIVED)
    for move in (plan_publish, plan_unpublish, plan_archive):
        with pytest.raises(ValidationError):
            move(actor=officer, plan=plan, expected_version=1)
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (PlanStatus.ARCHIVED, 1)


def test_a_stale_page_changes_nothing(officer):
    plan = _plan()
    with pytest.raises(ValidationError) as error:
        plan_publish(actor=officer, plan=plan, expected_version=0)
    assert error.value.messages == [STALE_MESSAGE]
    plan.refresh_from_db()
    assert (plan.status, plan.edition) == (PlanStatus.DRAFT, 0)


@pytest.mark.parametrize("role", [Role.BOARD, Role.FINANCE, Role.PARTNER])
def test_only_an_officer_moves_a_plan(role):
    plan = _plan()
    with pytest.raises(PermissionDenied):
        plan_publish(actor=UserFactory(role=role), plan=plan, expected_version=1)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


# The pages ----------------------------------------------------------------------------------


def test_the_publish_page_asks_to_confirm_then_publishes(officer_client):
    plan = _plan()
    url = reverse("delivery:plan_publish", args=[plan.pk])
    page = officer_client.get(url)
    assert page.status_code == 200
    assert "recorded as version 1" in page.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    response = officer_client.post(url, {"version": 1})
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:versions", args=[plan.pk])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED


def test_a_refused_move_is_explained_on_the_page(officer_client):
    plan = DeliveryPlanFactory(reference="FDP-2021")
    response = officer_client.post(reverse("delivery:plan_publish", args=[plan.pk]), {"version": 1})
    assert response.status_code == 200
    assert "Plan FDP-2021 has no objectives yet" in response.content.decode()


@pytest.mark.parametrize("name", ["delivery:plan_unpublish", "delivery:plan_archive"])
def test_the_other_moves_have_pages(officer_client, name):
    plan = _plan(status=PlanStatus.PUBLISHED, published_on=datetime.date(2019, 4, 1))
    url = reverse(name, args=[plan.pk])
    assert officer_client.get(url).status_code == 200
    assert officer_client.post(url, {"version": 1}).status_code == 302
    plan.refresh_from_db()
    assert plan.status != PlanStatus.PUBLISHED


@pytest.mark.parametrize("client_name", ["board_client", "finance_client", "provider_client"])
def test_readers_and_outsiders_cannot_move_a_plan(request, client_name):
    plan = _plan()
    client = request.getfixturevalue(client_name)
    url = reverse("delivery:plan_publish", args=[plan.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"version": 1}).status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    plan = _plan()
    response = client.post(reverse("delivery:plan_publish", args=[plan.pk]), {"version": 1})
    assert response.status_code == 302
    assert "login" in response["Location"]
