"""The update cycle's pages: officers' (delivery) and Partner contributors' (contribute)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delivery.models import MetricValue, ProgressUpdate, UpdateEvidence, UpdateRound, UpdateRoundStatus, UpdateState
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import (
    ActivityFactory,
    BoardMeetingFactory,
    DeliveryPlanFactory,
    MetricFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    ProgressUpdateFactory,
    UpdateRoundFactory,
)
from tests.factories.grants import DecisionFactory
from tests.factories.providers import OrganisationFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lead():
    return UserFactory(role=Role.PARTNER, email="lead@force.example", first_name="Jane", last_name="Smith")


@pytest.fixture
def plan(lead):
    plan = DeliveryPlanFactory(reference="FDP-2019", title="Force Delivery Plan 2019/20")
    objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=plan), number="1.1")
    ActivityFactory(objective=objective, number="1.1.1", lead_user=lead, title="Recruit officers")
    ActivityFactory(objective=objective, number="1.1.2", lead_user=None, lead="Inspector Nobody", title="Survey")
    return plan


def _date(prefix: str, day: datetime.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_the_open_form_offers_the_half_year_today_is_in(officer_client, plan, time_machine):
    time_machine.move_to(datetime.datetime(2019, 9, 20, 10, 0))
    response = officer_client.get(reverse("delivery:update_round_open", args=["FDP-2019"]))
    assert response.status_code == 200
    assert response.context["form"].initial["period"] == "2019-H1"
    # Due 31 days after the half ends on 30 September.
    assert response.context["form"].initial["deadline"] == datetime.date(2019, 10, 31)


def test_an_officer_opens_a_round_and_the_page_lists_who_has_no_one_to_ask(officer_client, plan, mailoutbox):
    data = {"period": "2019-H1", "reminder_days": "7", **_date("deadline", datetime.date(2019, 10, 31))}
    response = officer_client.post(reverse("delivery:update_round_open", args=["FDP-2019"]), data)
    update_round = UpdateRound.objects.get(plan=plan)
    assert response.status_code == 302 and response["Location"] == reverse(
        "delivery:update_round", args=[update_round.pk]
    )
    assert [message.to for message in mailoutbox] == [["lead@force.example"]]
    assert "http://testserver/contribute/" in mailoutbox[0].body
    page = officer_client.get(response["Location"]).content.decode()
    assert "No one to ask" in page and "Inspector Nobody" in page and "Jane Smith" in page


def test_a_bad_period_is_shown_in_the_error_summary(officer_client, plan):
    data = {"period": "2019-H3", "reminder_days": "7", **_date("deadline", datetime.date(2019, 10, 31))}
    response = officer_client.post(reverse("delivery:update_round_open", args=["FDP-2019"]), data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert response.context["form"].errors["period"]
    assert not UpdateRound.objects.exists()


def _round_with(n: int) -> UpdateRound:
    update_round = UpdateRoundFactory()
    objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=update_round.plan), number="2.1")
    for i in range(n):
        activity = ActivityFactory(objective=objective, number=f"2.1.{i + 1}", lead_user=UserFactory(role=Role.PARTNER))
        ProgressUpdateFactory(
            update_round=update_round, activity=activity, state=UpdateState.SUBMITTED, progress="on_track"
        )
    return update_round


def test_the_round_page_makes_as_many_queries_for_many_updates_as_for_few(officer_client):
    few, many = _round_with(2), _round_with(12)
    counts = []
    for update_round in (few, many):
        officer_client.get(reverse("delivery:update_round", args=[update_round.pk]))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = officer_client.get(reverse("delivery:update_round", args=[update_round.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_lead_saves_a_draft_then_submits_with_a_value_and_evidence(login_as, lead, plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    update_round = UpdateRoundFactory(plan=plan)
    activity = plan.activities.get(number="1.1.1")
    update = ProgressUpdateFactory(update_round=update_round, activity=activity)
    metric = MetricFactory(objective=None, activity=activity, name="Officers recruited", unit="count")
    client = login_as(lead)
    home = client.get(reverse("contribute:home")).content.decode()
    assert "Recruit officers" in home and "Survey" not in home
    url = reverse("contribute:update", args=[update.pk])
    page = client.get(url).content.decode()
    for status in ("On track", "Some slippage", "Off track", "Complete", "Not started"):
        assert status in page
    # Submitting without a status says so, by the field, and nothing moves.
    response = client.post(url, {"version": update.version, "narrative": "Going well.", "action": "submit"})
    assert response.status_code == 200 and "Choose the activity&#x27;s status." in response.content.decode()
    response = client.post(
        url,
        {
            "version": update.version,
            "progress": "on_track",
            "narrative": "Going well.",
            f"metric_{metric.pk}_value": "12",
            **_date(f"metric_{metric.pk}_as_at", datetime.date(2019, 9, 30)),
            "evidence": SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
            "action": "save",
        },
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.state == UpdateState.DRAFT
    assert MetricValue.objects.get(metric=metric).value == 12
    evidence = UpdateEvidence.objects.get(update=update)
    download = client.get(reverse("contribute:evidence", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    response = client.post(
        url,
        {
            "version": update.version,
            "progress": "on_track",
            "narrative": "Going well: 12 recruited.",
            f"metric_{metric.pk}_value": "12",
            **_date(f"metric_{metric.pk}_as_at", datetime.date(2019, 9, 30)),
            "action": "submit",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("contribute:home")
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED
    # Once submitted the page only reads.
    assert "Submit the update" not in client.get(url).content.decode()


def test_a_bad_evidence_file_is_named_and_nothing_is_saved(login_as, lead, plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    update = ProgressUpdateFactory(
        update_round=UpdateRoundFactory(plan=plan), activity=plan.activities.get(number="1.1.1")
    )
    response = login_as(lead).post(
        reverse("contribute:update", args=[update.pk]),
        {
            "version": update.version,
            "narrative": "Draft.",
            "evidence": SimpleUploadedFile("evil.pdf", b"MZ not a pdf at all"),
            "action": "save",
        },
    )
    assert response.status_code == 200 and "must be a PDF" in response.content.decode()
    update.refresh_from_db()
    assert (update.state, update.narrative, UpdateEvidence.objects.count()) == (UpdateState.REQUESTED, "", 0)


def test_a_good_file_with_a_refused_submission_leaves_no_file_behind(login_as, lead, plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    update = ProgressUpdateFactory(
        update_round=UpdateRoundFactory(plan=plan), activity=plan.activities.get(number="1.1.1")
    )
    response = login_as(lead).post(
        reverse("contribute:update", args=[update.pk]),
        {
            "version": update.version,
            "narrative": "No status chosen.",
            "evidence": SimpleUploadedFile("plan.pdf", PDF),
            "action": "submit",
        },
    )
    assert response.status_code == 200
    assert UpdateEvidence.objects.count() == 0
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_the_officer_asks_for_changes_accepts_and_accepts_the_round(officer_client, lead, plan, mailoutbox):
    update_round = UpdateRoundFactory(plan=plan)
    first = ProgressUpdateFactory(
        update_round=update_round,
        activity=plan.activities.get(number="1.1.1"),
        state=UpdateState.SUBMITTED,
        progress="on_track",
        narrative="Done.",
    )
    second = ProgressUpdateFactory(
        update_round=update_round,
        activity=plan.activities.get(number="1.1.2"),
        state=UpdateState.SUBMITTED,
        progress="complete",
        narrative="Done.",
    )
    page = officer_client.get(reverse("delivery:update", args=[first.pk])).content.decode()
    assert "Accept the update" in page and "Done." in page
    response = officer_client.post(
        reverse("delivery:update_request_changes", args=[first.pk]),
        {"version": first.version, "comment": "Add numbers."},
    )
    assert response.status_code == 302
    assert mailoutbox[-1].to == ["lead@force.example"]
    first.refresh_from_db()
    assert first.state == UpdateState.CHANGES_REQUESTED
    ProgressUpdate.objects.filter(pk=first.pk).update(state=UpdateState.SUBMITTED)
    for update in (first, second):
        update.refresh_from_db()
        response = officer_client.post(
            reverse("delivery:update_accept", args=[update.pk]), {"version": update.version, "next": "round"}
        )
        assert response["Location"] == reverse("delivery:update_round", args=[update_round.pk])
    page = officer_client.get(reverse("delivery:update_round", args=[update_round.pk])).content.decode()
    assert "Accept the update" in page
    update_round.refresh_from_db()
    officer_client.post(
        reverse("delivery:update_round_move", args=[update_round.pk, "accept"]), {"version": update_round.version}
    )
    update_round.refresh_from_db()
    assert update_round.status == UpdateRoundStatus.ACCEPTED


def test_a_board_member_reads_without_buttons_and_cannot_post(board_client, plan):
    update_round = UpdateRoundFactory(plan=plan)
    update = ProgressUpdateFactory(
        update_round=update_round,
        activity=plan.activities.get(number="1.1.1"),
        state=UpdateState.SUBMITTED,
        progress="on_track",
    )
    page = board_client.get(reverse("delivery:update_round", args=[update_round.pk])).content.decode()
    assert "Accept" not in page and "Cancel the round" not in page
    assert "Accept the update" not in board_client.get(reverse("delivery:update", args=[update.pk])).content.decode()
    assert board_client.post(reverse("delivery:update_accept", args=[update.pk]), {"version": 1}).status_code == 403
    assert board_client.post(reverse("delivery:update_round_move", args=[update_round.pk, "cancel"])).status_code == 403


def test_an_officer_invites_and_switches_off_a_contributor(officer_client, mailoutbox):
    force = OrganisationFactory(name="Durham Constabulary")
    response = officer_client.post(
        reverse("delivery:contributor_invite"),
        {"name": "Sam Jones", "email": "sam@durham.example", "organisation": force.pk},
    )
    assert response.status_code == 302 and mailoutbox[0].to == ["sam@durham.example"]
    assert "http://testserver/accounts/reset/" in mailoutbox[0].body
    page = officer_client.get(reverse("delivery:contributors")).content.decode()
    assert "Sam Jones" in page and "Durham Constabulary" in page and "Password not chosen yet" in page
    from django.contrib.auth import get_user_model

    sam = get_user_model().objects.get(email="sam@durham.example")
    officer_client.post(reverse("delivery:contributor_switch_off", args=[sam.pk]))
    sam.refresh_from_db()
    assert sam.is_active is False


def test_the_invite_form_shows_every_problem(officer_client):
    response = officer_client.post(reverse("delivery:contributor_invite"), {"name": "", "email": "nope"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "email", "organisation"}


def test_earlier_updates_are_listed_to_read_only(login_as, lead, plan):
    closed = UpdateRoundFactory(plan=plan, period="2018", status=UpdateRoundStatus.CONSIDERED)
    update = ProgressUpdateFactory(
        update_round=closed,
        activity=plan.activities.get(number="1.1.1"),
        state=UpdateState.ACCEPTED,
        progress="complete",
        narrative="Finished last year.",
    )
    client = login_as(lead)
    home = client.get(reverse("contribute:home")).content.decode()
    assert "Earlier updates" in home and "Nothing to write at the moment" in home
    page = client.get(reverse("contribute:update", args=[update.pk])).content.decode()
    assert "Finished last year." in page and "Submit the update" not in page
    response = client.post(
        reverse("contribute:update", args=[update.pk]),
        {"version": update.version, "progress": "off_track", "narrative": "Rewritten.", "action": "save"},
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.progress, update.narrative) == ("complete", "Finished last year.")


def test_an_officer_writes_an_objectives_own_update_with_its_measure(officer_client, plan):
    update_round = UpdateRoundFactory(plan=plan)
    objective = plan.objectives.get(number="1.1")
    metric = MetricFactory(objective=objective, name="Police deal with community issues")
    page = officer_client.get(reverse("delivery:update_round", args=[update_round.pk])).content.decode()
    assert "Write the objective's own update" in page
    response = officer_client.post(reverse("delivery:objective_update_start", args=[update_round.pk, objective.pk]))
    update = ProgressUpdate.objects.get(update_round=update_round, objective=objective, activity__isnull=True)
    assert response["Location"] == reverse("contribute:update", args=[update.pk])
    response = officer_client.post(
        response["Location"],
        {
            "version": update.version,
            "progress": "on_track",
            "narrative": "Satisfaction is rising.",
            f"metric_{metric.pk}_value": "56.7",
            **_date(f"metric_{metric.pk}_as_at", datetime.date(2019, 9, 30)),
            f"metric_{metric.pk}_comparison_value": "53",
            **_date(f"metric_{metric.pk}_comparison_as_at", datetime.date(2018, 9, 30)),
            "action": "submit",
        },
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.state, update.progress) == (UpdateState.SUBMITTED, "on_track")
    value = MetricValue.objects.get(metric=metric)
    assert (str(value.value), str(value.comparison_value)) == ("56.7000", "53.0000")


def test_a_contributors_home_makes_as_many_queries_for_many_activities_as_for_few(login_as):
    counts = []
    for n in (2, 10):
        lead = UserFactory(role=Role.PARTNER)
        update_round = UpdateRoundFactory()
        objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=update_round.plan), number="3.1")
        for i in range(n):
            ProgressUpdateFactory(
                update_round=update_round,
                activity=ActivityFactory(objective=objective, number=f"3.1.{i + 1}", lead_user=lead),
            )
        client = login_as(lead)
        client.get(reverse("contribute:home"))
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("contribute:home")).content.decode()
        assert page.count(reverse("contribute:update", args=[0]).replace("/0/", "/")) >= n
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_accepted_round_offers_the_meeting_and_the_decision_to_officers_only(officer_client, board_client, plan):
    update_round = UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.ACCEPTED)
    url = reverse("delivery:update_round", args=[update_round.pk])
    page = officer_client.get(url).content.decode()
    assert reverse("delivery:meeting_create", args=[update_round.pk]) in page
    assert reverse("grants:decision_monitoring", args=[update_round.pk]) in page
    # Breadcrumbs back to the plan and the list.
    assert reverse("delivery:plan", args=["FDP-2019"]) in page and reverse("delivery:plan_list") in page
    board_page = board_client.get(url).content.decode()
    assert reverse("delivery:meeting_create", args=[update_round.pk]) not in board_page
    assert reverse("grants:decision_monitoring", args=[update_round.pk]) not in board_page


def test_a_considered_round_lists_its_meetings_and_decision(officer_client, board_client, plan):
    update_round = UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.CONSIDERED)
    meeting = BoardMeetingFactory(update_round=update_round, held_on=datetime.date(2019, 11, 20))
    url = reverse("delivery:update_round", args=[update_round.pk])
    page = officer_client.get(url).content.decode()
    # Considered, no decision yet: the officer may prepare it; the meeting is recorded already.
    assert reverse("grants:decision_monitoring", args=[update_round.pk]) in page
    assert reverse("delivery:meeting_create", args=[update_round.pk]) not in page
    assert reverse("delivery:meeting", args=[meeting.pk]) in page and "20 November 2019" in page
    decision = DecisionFactory(reference="FDP-2019-2019-H1", update_round=update_round)
    for client in (officer_client, board_client):
        page = client.get(url).content.decode()
        assert reverse("grants:decision_detail", args=[decision.pk]) in page and "FDP-2019-2019-H1" in page
        assert reverse("grants:decision_monitoring", args=[update_round.pk]) not in page
