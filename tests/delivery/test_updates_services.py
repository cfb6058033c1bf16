"""The update cycle's writes (delivery.updates.services, delivery.updates.contributors)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from delivery.models import MetricValue, ProgressUpdate, UpdateEvidence, UpdateRoundStatus, UpdateState
from delivery.updates import contributors, services
from pcc_commissioning.roles import Role, user_roles
from providers.invitations.selectors import organisation_memberships
from tests.factories import UserFactory
from tests.factories.delivery import (
    ActivityFactory,
    DeliveryPlanFactory,
    MetricFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    ProgressUpdateFactory,
    UpdateRoundFactory,
)
from tests.factories.providers import OrganisationFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lead():
    return UserFactory(role=Role.PARTNER, email="lead@force.example")


def _plan_with_activities(lead, *, others=0, unled=1):
    plan = DeliveryPlanFactory(reference="FDP-2019")
    objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=plan), number="1.1")
    mine = [
        ActivityFactory(objective=objective, number="1.1.1", lead_user=lead),
        ActivityFactory(objective=objective, number="1.1.2", lead_user=lead),
    ]
    other_lead = UserFactory(role=Role.PARTNER, email="other@force.example")
    for n in range(others):
        ActivityFactory(objective=objective, number=f"1.1.{3 + n}", lead_user=other_lead)
    for n in range(unled):
        ActivityFactory(objective=objective, number=f"1.1.{9 + n}", lead_user=None)
    return plan, objective, mine


def test_opening_a_round_asks_each_lead_once_for_all_their_activities(officer, lead, mailoutbox):
    plan, _objective, _mine = _plan_with_activities(lead, others=1)
    update_round = services.update_round_open(
        actor=officer, plan=plan, period="2019-h1", deadline=datetime.date(2019, 10, 31), link_base="https://pcc.test"
    )
    assert (update_round.period, update_round.period_start, update_round.period_end) == (
        "2019-H1",
        datetime.date(2019, 4, 1),
        datetime.date(2019, 9, 30),
    )
    # Two of mine, one of the other lead's, one with no lead account: four updates requested.
    assert update_round.updates.filter(state=UpdateState.REQUESTED).count() == 4
    assert sorted(message.to[0] for message in mailoutbox) == ["lead@force.example", "other@force.example"]
    mine = next(message for message in mailoutbox if message.to == ["lead@force.example"])
    assert "1.1.1" in mine.body and "1.1.2" in mine.body and "1.1.3" not in mine.body
    assert "https://pcc.test/contribute/" in mine.body


def test_a_quarter_and_a_year_are_periods_too(officer, lead):
    plan, _objective, _mine = _plan_with_activities(lead)
    quarter = services.update_round_open(
        actor=officer, plan=plan, period="2019-Q3", deadline=datetime.date(2020, 1, 31)
    )
    year = services.update_round_open(actor=officer, plan=plan, period="2019", deadline=datetime.date(2020, 4, 30))
    assert (quarter.period_start, quarter.period_end) == (datetime.date(2019, 10, 1), datetime.date(2019, 12, 31))
    assert (year.period_start, year.period_end) == (datetime.date(2019, 4, 1), datetime.date(2020, 3, 31))


def test_a_round_refuses_a_bad_period_a_second_round_and_a_deadline_before_the_period(officer, lead):
    plan, _objective, _mine = _plan_with_activities(lead)
    with pytest.raises(ValidationError) as error:
        services.update_round_open(actor=officer, plan=plan, period="2019-X9", deadline=datetime.date(2019, 10, 31))
    assert "period" in error.value.message_dict
    services.update_round_open(actor=officer, plan=plan, period="2019-H1", deadline=datetime.date(2019, 10, 31))
    with pytest.raises(ValidationError) as error:
        services.update_round_open(actor=officer, plan=plan, period="2019-H1", deadline=datetime.date(2019, 3, 1))
    assert "already has an update round" in error.value.message_dict["period"][0]
    assert "before the period starts" in error.value.message_dict["deadline"][0]


def test_only_officers_open_rounds(lead):
    plan, _objective, _mine = _plan_with_activities(lead)
    with pytest.raises(PermissionDenied):
        services.update_round_open(actor=lead, plan=plan, period="2019-H1", deadline=datetime.date(2019, 10, 31))


def test_a_lead_saves_then_submits_with_a_metric_value(lead):
    metric = MetricFactory(objective=None, activity=ActivityFactory(lead_user=lead), name="Calls answered")
    update = ProgressUpdateFactory(activity=metric.activity)
    draft = services.progress_update_save(actor=lead, update=update, narrative="Half done.")
    assert (draft.state, draft.progress) == (UpdateState.DRAFT, "")
    submitted = services.progress_update_submit(
        actor=lead,
        update=draft,
        progress="some_slippage",
        narrative="Half done, recruiting late.",
        metric_values=[
            {
                "metric": metric,
                "value": "61.5",
                "as_at": datetime.date(2019, 9, 30),
                "comparison_value": "58",
                "comparison_as_at": datetime.date(2018, 9, 30),
            }
        ],
    )
    assert (submitted.state, submitted.submitted_by) == (UpdateState.SUBMITTED, lead)
    value = MetricValue.objects.get(metric=metric)
    assert (value.value, value.comparison_value, value.update_round) == (
        Decimal("61.5"),
        Decimal("58"),
        update.update_round,
    )


def test_submitting_needs_a_status_and_a_narrative_and_says_so_together(lead):
    update = ProgressUpdateFactory(activity=ActivityFactory(lead_user=lead))
    with pytest.raises(ValidationError) as error:
        services.progress_update_submit(actor=lead, update=update, progress="", narrative=" ")
    assert set(error.value.message_dict) == {"progress", "narrative"}
    update.refresh_from_db()
    assert update.state == UpdateState.REQUESTED


def test_a_bad_metric_value_is_named_by_its_box_and_nothing_is_saved(lead):
    metric = MetricFactory(objective=None, activity=ActivityFactory(lead_user=lead), name="Satisfaction")
    update = ProgressUpdateFactory(activity=metric.activity)
    with pytest.raises(ValidationError) as error:
        services.progress_update_submit(
            actor=lead,
            update=update,
            progress="on_track",
            narrative="Fine.",
            metric_values=[{"metric": metric, "value": "140", "as_at": datetime.date(2019, 9, 30)}],
        )
    assert error.value.message_dict == {f"metric_{metric.pk}_value": ["A percentage is between 0 and 100."]}
    update.refresh_from_db()
    assert (update.state, MetricValue.objects.count()) == (UpdateState.REQUESTED, 0)


def test_a_contributor_cannot_write_another_leads_update_nor_an_objectives_metric(lead):
    other = UserFactory(role=Role.PARTNER)
    update = ProgressUpdateFactory(activity=ActivityFactory(lead_user=other))
    with pytest.raises(PermissionDenied):
        services.progress_update_save(actor=lead, update=update, narrative="Not mine.")
    mine = ProgressUpdateFactory(activity=ActivityFactory(lead_user=lead))
    objective_metric = MetricFactory(objective=mine.activity.objective)
    with pytest.raises(PermissionDenied):
        services.progress_update_save(
            actor=lead,
            update=mine,
            metric_values=[{"metric": objective_metric, "value": "5", "as_at": datetime.date(2019, 9, 30)}],
        )


def test_an_officer_may_give_the_objectives_metric_with_an_activitys_update(officer):
    update = ProgressUpdateFactory()
    objective_metric = MetricFactory(objective=update.activity.objective, unit="count")
    services.progress_update_save(
        actor=officer,
        update=update,
        metric_values=[{"metric": objective_metric, "value": "12", "as_at": datetime.date(2019, 9, 30)}],
    )
    assert MetricValue.objects.get(metric=objective_metric).value == Decimal("12")


def test_the_officer_asks_for_changes_the_lead_resubmits_and_it_is_accepted(officer, lead, mailoutbox):
    update = ProgressUpdateFactory(activity=ActivityFactory(lead_user=lead, number="1.1.4"))
    update = services.progress_update_submit(actor=lead, update=update, progress="on_track", narrative="Done.")
    with pytest.raises(ValidationError) as error:
        services.progress_update_request_changes(actor=officer, update=update, comment="")
    assert "officer_comment" in error.value.message_dict
    update = services.progress_update_request_changes(actor=officer, update=update, comment="Add the figures.")
    assert (update.state, update.officer_comment) == (UpdateState.CHANGES_REQUESTED, "Add the figures.")
    assert mailoutbox[-1].to == ["lead@force.example"] and "Add the figures." in mailoutbox[-1].body
    # Saving keeps it "changes requested" until it is submitted again.
    update = services.progress_update_save(actor=lead, update=update, progress="on_track", narrative="Done: 12.")
    assert update.state == UpdateState.CHANGES_REQUESTED
    update = services.progress_update_submit(actor=lead, update=update, progress="on_track", narrative="Done: 12.")
    update = services.progress_update_accept(actor=officer, update=update)
    assert (update.state, update.accepted_by) == (UpdateState.ACCEPTED, officer)


def test_a_contributor_cannot_accept(lead):
    update = ProgressUpdateFactory(activity=ActivityFactory(lead_user=lead))
    update = services.progress_update_submit(actor=lead, update=update, progress="on_track", narrative="Done.")
    with pytest.raises(PermissionDenied):
        services.progress_update_accept(actor=lead, update=update)


def test_the_round_is_accepted_only_when_every_activity_is(officer, lead):
    plan, _objective, _mine = _plan_with_activities(lead, unled=0)
    update_round = services.update_round_open(
        actor=officer, plan=plan, period="2019-H1", deadline=datetime.date(2019, 10, 31), notify=False
    )
    first, second = update_round.updates.order_by("activity__sort_key")
    for update in (first, second):
        services.progress_update_submit(actor=lead, update=update, progress="complete", narrative="Done.")
    services.progress_update_accept(actor=officer, update=ProgressUpdate.objects.get(pk=first.pk))
    with pytest.raises(ValidationError) as error:
        services.update_round_accept(actor=officer, update_round=update_round)
    assert "1 activity has an update not yet accepted." in error.value.messages
    services.progress_update_accept(actor=officer, update=ProgressUpdate.objects.get(pk=second.pk))
    accepted = services.update_round_accept(actor=officer, update_round=update_round)
    assert accepted.status == UpdateRoundStatus.ACCEPTED and accepted.accepted_at is not None
    # Nothing moves while the round is accepted; reopened, an accepted update can be sent back.
    with pytest.raises(ValidationError):
        services.progress_update_request_changes(
            actor=officer, update=ProgressUpdate.objects.get(pk=first.pk), comment="One more thing."
        )
    reopened = services.update_round_reopen(actor=officer, update_round=accepted)
    assert reopened.status == UpdateRoundStatus.OPEN
    back = services.progress_update_request_changes(
        actor=officer, update=ProgressUpdate.objects.get(pk=first.pk), comment="One more thing."
    )
    assert back.state == UpdateState.CHANGES_REQUESTED


def test_a_cancelled_round_takes_no_more_updates(officer, lead):
    update = ProgressUpdateFactory(activity=ActivityFactory(lead_user=lead))
    services.update_round_cancel(actor=officer, update_round=update.update_round)
    update.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.progress_update_save(actor=lead, update=update, narrative="Late.")
    assert "cancelled" in " ".join(error.value.messages)


def test_a_stale_round_version_is_refused(officer):
    update_round = UpdateRoundFactory()
    with pytest.raises(ValidationError):
        services.update_round_cancel(actor=officer, update_round=update_round, expected_version=99)


def test_evidence_is_checked_like_every_uploaded_document(lead, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    update = ProgressUpdateFactory(activity=ActivityFactory(lead_user=lead))
    evidence = services.evidence_add(
        actor=lead, update=update, file=SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")
    )
    assert evidence.original_name == "report.pdf" and evidence.file.read() == PDF
    with pytest.raises(ValidationError) as error:
        services.evidence_add(
            actor=lead, update=update, file=SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
        )
    assert "must be a PDF" in error.value.message_dict["file"][0]
    services.evidence_remove(actor=lead, evidence=evidence)
    assert not UpdateEvidence.objects.exists()


def test_evidence_cannot_change_once_submitted(lead, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    update = ProgressUpdateFactory(activity=ActivityFactory(lead_user=lead))
    update = services.progress_update_submit(actor=lead, update=update, progress="on_track", narrative="Done.")
    with pytest.raises(ValidationError):
        services.evidence_add(actor=lead, update=update, file=SimpleUploadedFile("a.pdf", PDF))


def test_an_officer_invites_a_contributor_who_chooses_a_password(officer, mailoutbox):
    force = OrganisationFactory(name="Durham Constabulary")
    user = contributors.contributor_invite(
        actor=officer, name="Jane  Smith", email="Jane.Smith@Durham.Police.Example", organisation=force
    )
    assert (user.first_name, user.last_name, user.email, user.is_active) == (
        "Jane",
        "Smith",
        "jane.smith@durham.police.example",
        True,
    )
    assert not user.has_usable_password()
    assert user_roles(user) == frozenset({Role.PARTNER})
    assert user.provider_membership.organisation == force
    # Kept with the organisation, but not listed among its provider portal's users.
    assert organisation_memberships(force) == []
    body = mailoutbox[0].body
    link = next(line for line in body.splitlines() if "/accounts/reset/" in line)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert default_token_generator.check_token(user, token)


def test_a_new_link_goes_only_to_a_contributor_without_a_password(officer, mailoutbox):
    user = contributors.contributor_invite(
        actor=officer, name="Sam Jones", email="sam@force.example", organisation=OrganisationFactory()
    )
    contributors.contributor_invite_resend(actor=officer, user=user)
    assert [message.to for message in mailoutbox] == [["sam@force.example"], ["sam@force.example"]]
    user.set_password("a-long-enough-passphrase")
    user.save()
    with pytest.raises(ValidationError) as error:
        contributors.contributor_invite_resend(actor=officer, user=user)
    assert "has chosen a password already" in error.value.messages[0]


def test_an_invitation_refuses_an_address_already_in_use(officer):
    UserFactory(email="taken@example.org")
    with pytest.raises(ValidationError) as error:
        contributors.contributor_invite(
            actor=officer, name="A Person", email="taken@example.org", organisation=OrganisationFactory()
        )
    assert "already belongs to a user" in error.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as error:
        contributors.contributor_invite(actor=officer, name="", email="not an address", organisation=None)
    assert set(error.value.message_dict) == {"name", "email", "organisation"}


def test_a_contributor_is_switched_off_and_on(officer, lead):
    assert contributors.contributor_deactivate(actor=officer, user=lead).is_active is False
    assert contributors.contributor_reactivate(actor=officer, user=lead).is_active is True
    with pytest.raises(ValidationError):
        contributors.contributor_deactivate(actor=officer, user=officer)
