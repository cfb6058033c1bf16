"""The board's scrutiny pages: meetings and a plan's versions (delivery.scrutiny.views), who may
see them and who may write."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delivery.models import BoardMeeting, PlanVersion, UpdateRoundStatus
from delivery.plans.versions import plan_snapshot
from pcc_commissioning.roles import Role
from tests.factories import DecisionFactory, UserFactory
from tests.factories.delivery import (
    ActivityFactory,
    BoardMeetingFactory,
    DeliveryPlanFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    UpdateRoundFactory,
)
from tests.form_data import date_boxes

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2019, 12, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _plan():
    plan = DeliveryPlanFactory(reference="FDP-2019", title="Force Delivery Plan 2019/20")
    objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=plan, title="Victims"), number="1.2")
    activity = ActivityFactory(objective=objective, number="1.2.3", title="Survey victims", lead="Ch Insp Smith")
    return plan, activity


def _meeting_form(**changes):
    data = {"board": "strategy_performance", "board_name": "", "attendees": "", "comments": "", "amendments": ""}
    data.update(date_boxes("held_on", datetime.date(2019, 11, 20)))
    data.update(changes)
    return data


# Recording a meeting ------------------------------------------------------------------------


def test_an_officer_records_the_meeting_of_an_accepted_update(officer_client):
    update_round = UpdateRoundFactory(status=UpdateRoundStatus.ACCEPTED)
    url = reverse("delivery:meeting_create", args=[update_round.pk])
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(url, _meeting_form(amendments="Give 1.2.3 to Supt Jones."))
    meeting = BoardMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:meeting", args=[meeting.pk])
    update_round.refresh_from_db()
    assert update_round.status == UpdateRoundStatus.CONSIDERED
    assert meeting.amendments == "Give 1.2.3 to Supt Jones."


def test_a_round_not_accepted_is_explained_and_nothing_recorded(officer_client):
    update_round = UpdateRoundFactory(status=UpdateRoundStatus.OPEN)
    url = reverse("delivery:meeting_create", args=[update_round.pk])
    assert "can only be recorded for an accepted update" in officer_client.get(url).content.decode()
    response = officer_client.post(url, _meeting_form())
    assert response.status_code == 200
    assert "it cannot be considered now" in response.content.decode()
    assert not BoardMeeting.objects.exists()


def test_bad_input_is_shown_against_its_field(officer_client):
    update_round = UpdateRoundFactory(status=UpdateRoundStatus.ACCEPTED)
    url = reverse("delivery:meeting_create", args=[update_round.pk])
    response = officer_client.post(url, _meeting_form(board="other"))
    assert response.status_code == 200
    assert "Enter the name of the board." in response.content.decode()
    response = officer_client.post(url, _meeting_form(**date_boxes("held_on", None)))
    assert "Enter the date of the meeting" in response.content.decode()
    assert not BoardMeeting.objects.exists()


def test_an_officer_corrects_the_record(officer_client):
    meeting = BoardMeetingFactory()
    url = reverse("delivery:meeting_edit", args=[meeting.pk])
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(url, _meeting_form(comments="Revised.", version=1))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.comments, meeting.version) == ("Revised.", 2)


def test_a_stale_correction_is_refused_on_the_page(officer_client):
    meeting = BoardMeetingFactory(version=2)
    response = officer_client.post(
        reverse("delivery:meeting_edit", args=[meeting.pk]), _meeting_form(comments="Late", version=1)
    )
    assert response.status_code == 200
    assert "Someone else saved this record" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.comments == "The board asked for clearer measures."


# The meeting's page and the plan's version it makes -----------------------------------------


def test_the_meeting_page_offers_the_next_version_and_then_shows_what_it_changed(officer_client):
    plan, activity = _plan()
    PlanVersion.objects.create(plan=plan, number=1, snapshot=plan_snapshot(plan))
    plan.edition = 1
    plan.save()
    meeting = BoardMeetingFactory(
        update_round=UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.CONSIDERED),
        amendments="Give 1.2.3 to Supt Jones.",
    )
    activity.lead = "Supt Jones"
    activity.save()
    url = reverse("delivery:meeting", args=[meeting.pk])
    page = officer_client.get(url).content.decode()
    assert "Make version 2 of the plan from this meeting" in page
    assert "Changes to the plan since its latest version" in page
    assert "Give 1.2.3 to Supt Jones." in page

    response = officer_client.post(reverse("delivery:meeting_version_make", args=[meeting.pk]), {"note": "As agreed."})
    assert response.status_code == 302
    version = PlanVersion.objects.get(plan=plan, number=2)
    assert (version.meeting, version.note) == (meeting, "As agreed.")

    page = officer_client.get(url).content.decode()
    assert "Make version" not in page
    assert "version 2 of the plan" in page
    assert "Lead changed" in page
    assert "Ch Insp Smith" in page
    assert "Supt Jones" in page


def test_a_second_version_from_the_same_meeting_is_refused(officer_client):
    plan, _activity = _plan()
    meeting = BoardMeetingFactory(update_round=UpdateRoundFactory(plan=plan))
    url = reverse("delivery:meeting_version_make", args=[meeting.pk])
    officer_client.post(url)
    response = officer_client.post(url, follow=True)
    assert "already version 1 of the plan" in response.content.decode()
    assert PlanVersion.objects.filter(plan=plan).count() == 1


def test_making_a_version_is_a_post(officer_client):
    meeting = BoardMeetingFactory()
    assert officer_client.get(reverse("delivery:meeting_version_make", args=[meeting.pk])).status_code == 405


def test_the_meeting_page_links_the_commissioners_decision(officer_client):
    meeting = BoardMeetingFactory(update_round=UpdateRoundFactory(status=UpdateRoundStatus.CONSIDERED))
    url = reverse("delivery:meeting", args=[meeting.pk])
    page = officer_client.get(url).content.decode()
    assert reverse("grants:decision_monitoring", args=[meeting.update_round.pk]) in page
    decision = DecisionFactory(reference="PCC-2019-077", update_round=meeting.update_round)
    page = officer_client.get(url).content.decode()
    assert reverse("grants:decision_detail", args=[decision.pk]) in page
    assert "Prepare the Commissioner" not in page


def test_a_board_member_reads_the_meeting_without_buttons(board_client):
    plan, _activity = _plan()
    meeting = BoardMeetingFactory(update_round=UpdateRoundFactory(plan=plan))
    page = board_client.get(reverse("delivery:meeting", args=[meeting.pk])).content.decode()
    assert "The board asked for clearer measures." in page
    assert "Make version" not in page
    assert "Correct the meeting" not in page
    assert "Prepare the Commissioner" not in page


# Versions -----------------------------------------------------------------------------------


def test_the_versions_and_a_versions_differences(board_client):
    plan, activity = _plan()
    PlanVersion.objects.create(plan=plan, number=1, snapshot=plan_snapshot(plan))
    activity.delete()
    PlanVersion.objects.create(plan=plan, number=2, snapshot=plan_snapshot(plan), note="Activity dropped.")
    page = board_client.get(reverse("delivery:versions", args=[plan.pk])).content.decode()
    assert "Version 2" in page
    assert "Activity dropped." in page
    assert "Publish the plan" not in page  # a board member reads only
    first = board_client.get(reverse("delivery:version", args=[plan.pk, 1])).content.decode()
    assert "first version" in first
    second = board_client.get(reverse("delivery:version", args=[plan.pk, 2])).content.decode()
    assert "Activity 1.2.3" in second
    assert "Removed" in second
    assert "Survey victims" in second
    assert board_client.get(reverse("delivery:version", args=[plan.pk, 3])).status_code == 404


def test_an_officer_is_offered_the_plans_moves(officer_client):
    plan, _activity = _plan()
    page = officer_client.get(reverse("delivery:versions", args=[plan.pk])).content.decode()
    assert reverse("delivery:plan_publish", args=[plan.pk]) in page
    assert reverse("delivery:plan_archive", args=[plan.pk]) in page
    assert reverse("delivery:plan_unpublish", args=[plan.pk]) not in page


# Who may do what ----------------------------------------------------------------------------


def _urls():
    meeting = BoardMeetingFactory(update_round=UpdateRoundFactory(status=UpdateRoundStatus.CONSIDERED))
    accepted = UpdateRoundFactory(status=UpdateRoundStatus.ACCEPTED, period="2019-H2")
    plan = meeting.update_round.plan
    PlanVersion.objects.create(plan=plan, number=1, snapshot=plan_snapshot(plan))
    reads = [
        reverse("delivery:meetings"),
        reverse("delivery:meeting", args=[meeting.pk]),
        reverse("delivery:versions", args=[plan.pk]),
        reverse("delivery:version", args=[plan.pk, 1]),
    ]
    writes = [
        reverse("delivery:meeting_create", args=[accepted.pk]),
        reverse("delivery:meeting_edit", args=[meeting.pk]),
        reverse("delivery:meeting_version_make", args=[meeting.pk]),
    ]
    return reads, writes


@pytest.mark.parametrize("client_name", ["officer_client", "board_client", "finance_client"])
def test_the_opcc_reads_every_page(request, client_name):
    reads, _writes = _urls()
    client = request.getfixturevalue(client_name)
    for url in reads:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("client_name", ["board_client", "finance_client"])
def test_board_and_finance_may_not_write(request, client_name):
    _reads, writes = _urls()
    client = request.getfixturevalue(client_name)
    for url in writes:
        assert client.post(url, _meeting_form(version=1)).status_code == 403, url
    assert BoardMeeting.objects.count() == 1
    assert PlanVersion.objects.count() == 1


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR, Role.PARTNER])
def test_outsiders_see_nothing(login_as, role):
    reads, writes = _urls()
    client = login_as(UserFactory(role=role))
    for url in reads:
        assert client.get(url).status_code == 403, url
    for url in writes:
        assert client.post(url, _meeting_form(version=1)).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    reads, writes = _urls()
    for url in reads + writes:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"]


# Query counts -------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_meeting_list_costs_the_same_however_long(board_client):
    BoardMeetingFactory()
    few = _queries(board_client, reverse("delivery:meetings"))
    for _ in range(4):
        BoardMeetingFactory()
    assert _queries(board_client, reverse("delivery:meetings")) == few


def test_the_version_list_costs_the_same_however_long(board_client):
    plan, _activity = _plan()
    meeting = BoardMeetingFactory(update_round=UpdateRoundFactory(plan=plan))
    PlanVersion.objects.create(plan=plan, number=1, snapshot={}, meeting=meeting, made_by=UserFactory())
    few = _queries(board_client, reverse("delivery:versions", args=[plan.pk]))
    for number in range(2, 6):
        PlanVersion.objects.create(plan=plan, number=number, snapshot={}, meeting=meeting, made_by=UserFactory())
    assert _queries(board_client, reverse("delivery:versions", args=[plan.pk])) == few
