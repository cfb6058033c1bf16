"""The Commissioner's decision recording the monitoring of a delivery plan's update
(grants.decisions.services.decision_prepare_for_update) and its pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from delivery.models import UpdateRoundStatus
from grants.decisions.services import decision_prepare_for_update, decision_publish, decision_sign
from grants.models import Decision, DecisionStatus
from pcc_commissioning.roles import Role
from tests.factories import DecisionFactory, UserFactory
from tests.factories.delivery import BoardMeetingFactory, DeliveryPlanFactory, UpdateRoundFactory
from tests.factories.providers import OrganisationFactory

pytestmark = pytest.mark.django_db


def _round(status=UpdateRoundStatus.CONSIDERED):
    plan = DeliveryPlanFactory(
        reference="FDP-2019", title="Force Delivery Plan 2019/20", owner=OrganisationFactory(name="Northshire Police")
    )
    return UpdateRoundFactory(plan=plan, status=status)


def test_the_draft_names_the_plan_the_period_and_the_meetings(officer):
    update_round = _round()
    BoardMeetingFactory(update_round=update_round, board="commissioning", held_on=datetime.date(2019, 12, 4))
    BoardMeetingFactory(
        update_round=update_round,
        board="strategy_performance",
        held_on=datetime.date(2019, 11, 20),
        amendments="Give 1.2.3 to Supt Jones.",
    )
    decision = decision_prepare_for_update(actor=officer, update_round=update_round)
    decision.refresh_from_db()
    assert (decision.reference, decision.status, decision.update_round) == (
        "FDP-2019-2019-H1",
        DecisionStatus.DRAFT,
        update_round,
    )
    assert decision.subject == "Monitoring of the Force Delivery Plan 2019/20: update for April to September 2019"
    assert decision.summary == (
        "The Police and Crime Commissioner has monitored the delivery of the Force Delivery Plan 2019/20 "
        "(FDP-2019), owned by Northshire Police, for April to September 2019.\n\n"
        "The update was considered by the Strategy and Performance Board on 20 November 2019; "
        "the Commissioning Board on 4 December 2019.\n\n"
        "The amendments the board agreed have been made to the plan."
    )


def test_an_accepted_update_not_yet_considered_says_so(officer):
    update_round = _round(UpdateRoundStatus.ACCEPTED)
    decision = decision_prepare_for_update(actor=officer, update_round=update_round, reference=" PCC-2019-077 ")
    assert decision.reference == "PCC-2019-077"
    assert decision.summary.endswith("The update has been accepted and has not yet been considered by a board.")


def test_a_meeting_without_amendments_claims_none(officer):
    update_round = _round()
    BoardMeetingFactory(update_round=update_round, amendments="")
    decision = decision_prepare_for_update(actor=officer, update_round=update_round)
    assert "amendments" not in decision.summary


def test_a_period_the_calendar_does_not_read_is_named_by_its_code(officer):
    update_round = UpdateRoundFactory(status=UpdateRoundStatus.ACCEPTED, period="Autumn", plan__title="Plan X")
    decision = decision_prepare_for_update(actor=officer, update_round=update_round)
    assert decision.subject == "Monitoring of the Plan X: update for Autumn"


@pytest.mark.parametrize(
    ("status", "label"), [(UpdateRoundStatus.OPEN, "collecting updates"), (UpdateRoundStatus.CANCELLED, "cancelled")]
)
def test_an_update_not_accepted_is_refused(officer, status, label):
    update_round = _round(status)
    with pytest.raises(ValidationError) as error:
        decision_prepare_for_update(actor=officer, update_round=update_round)
    assert error.value.message_dict == {
        "update_round": [f"The 2019-H1 update of FDP-2019 is {label}: only an accepted update is monitored."]
    }
    assert not Decision.objects.exists()


def test_an_update_is_monitored_once(officer):
    update_round = _round()
    DecisionFactory(reference="PCC-2019-070", update_round=update_round)
    with pytest.raises(ValidationError) as error:
        decision_prepare_for_update(actor=officer, update_round=update_round, reference="PCC-2019-071")
    assert error.value.message_dict == {
        "update_round": ["Decision PCC-2019-070 already records the monitoring of this update."]
    }
    assert Decision.objects.count() == 1


def test_a_reference_already_taken_is_refused(officer):
    DecisionFactory(reference="FDP-2019-2019-H1")
    with pytest.raises(ValidationError) as error:
        decision_prepare_for_update(actor=officer, update_round=_round())
    assert "There is already a decision with the reference" in error.value.message_dict["reference"][0]


@pytest.mark.parametrize("role", [Role.BOARD, Role.FINANCE, Role.PARTNER])
def test_only_an_officer_prepares_it(role):
    with pytest.raises(PermissionDenied):
        decision_prepare_for_update(actor=UserFactory(role=role), update_round=_round())
    assert not Decision.objects.exists()


def test_it_is_signed_and_published_as_any_decision(officer):
    decision = decision_prepare_for_update(actor=officer, update_round=_round())
    decision = decision_sign(
        decision=decision, actor=officer, decided_on=datetime.date(2019, 12, 10), require_amount=False
    )
    decision = decision_publish(decision=decision, actor=officer, published_on=datetime.date(2019, 12, 11))
    assert (decision.status, decision.update_round.period) == (DecisionStatus.PUBLISHED, "2019-H1")


def test_it_is_signed_without_an_amount_as_it_approves_no_money(officer):
    decision = decision_prepare_for_update(actor=officer, update_round=_round())
    decision = decision_sign(decision=decision, actor=officer, decided_on=datetime.date(2019, 12, 10))
    assert (decision.status, decision.amount) == (DecisionStatus.SIGNED, None)


# The pages ----------------------------------------------------------------------------------


def test_the_page_prepares_the_draft_and_the_decision_links_back(officer_client):
    update_round = _round()
    meeting = BoardMeetingFactory(update_round=update_round)
    url = reverse("grants:decision_monitoring", args=[update_round.pk])
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(url, {"reference": ""})
    decision = Decision.objects.get()
    assert response["Location"] == reverse("grants:decision_detail", args=[decision.pk])
    page = officer_client.get(response["Location"]).content.decode()
    assert "Records the monitoring of" in page
    assert reverse("delivery:meeting", args=[meeting.pk]) in page


def test_a_decision_without_a_meeting_links_the_plans_versions(officer_client):
    update_round = _round(UpdateRoundStatus.ACCEPTED)
    decision = DecisionFactory(update_round=update_round)
    page = officer_client.get(reverse("grants:decision_detail", args=[decision.pk])).content.decode()
    assert reverse("delivery:versions", args=[update_round.plan_id]) in page


def test_another_decision_says_nothing_of_monitoring(officer_client):
    decision = DecisionFactory()
    page = officer_client.get(reverse("grants:decision_detail", args=[decision.pk])).content.decode()
    assert "Records the monitoring of" not in page


def test_a_refusal_is_shown_on_the_page(officer_client):
    update_round = _round(UpdateRoundStatus.OPEN)
    response = officer_client.post(reverse("grants:decision_monitoring", args=[update_round.pk]), {})
    assert response.status_code == 200
    assert "only an accepted update is monitored" in response.content.decode()


@pytest.mark.parametrize("client_name", ["board_client", "finance_client", "provider_client"])
def test_only_officers_reach_the_page(request, client_name):
    update_round = _round()
    client = request.getfixturevalue(client_name)
    url = reverse("grants:decision_monitoring", args=[update_round.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    assert not Decision.objects.exists()
