"""Registering, confirming, inviting colleagues, and an application's life: start, answer,
submit (by the server's clock), the receipt, withdraw, and sending more information."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from pcc_commissioning.roles import Role
from rounds.applying import registration, services
from rounds.models import (
    ApplicantMembership,
    ApplicantOrganisation,
    ApplicantToken,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    QuestionKind,
    RoundStatus,
)
from tests.factories import (
    ApplicantMembershipFactory,
    ApplicantOrganisationFactory,
    ApplicationFactory,
    ApplicationQuestionFactory,
    EligibilityQuestionFactory,
    OrganisationFactory,
    RoundFactory,
    UserFactory,
)
from tests.factories.rounds import UK

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
CLOSES = datetime.datetime(2026, 4, 30, 12, 0, tzinfo=UK)
DURING = datetime.datetime(2026, 4, 10, 9, 0, tzinfo=UK)


def _register(**changes):
    values = {
        "name": "Riverside Youth Trust",
        "kind": "voluntary_sector",
        "charity_number": "1098765",
        "company_number": "",
        "address": "1 River Street",
        "postcode": "ab1 2cd",
        "first_name": "Sam",
        "last_name": "Jones",
        "email": "Sam@Riverside.example",
        "password": PASSWORD,
        "link_base": "https://service.example",
    }
    values.update(changes)
    return registration.registration_create(**values)


def _token_from_mail(message) -> str:
    return re.search(r"https://service\.example/apply/(?:confirm|join)/([^/]+)/", message.body).group(1)


# Registering ----------------------------------------------------------------------------------


def test_registering_makes_the_organisation_an_inactive_lead_and_emails_a_confirmation():
    organisation, provider = _register()
    assert provider is None
    assert (organisation.name, organisation.charity_number, organisation.postcode) == (
        "Riverside Youth Trust",
        "1098765",
        "AB1 2CD",
    )
    user = get_user_model().objects.get(username="sam@riverside.example")
    assert user.is_active is False
    assert user.groups.filter(name=Role.APPLICANT.value).exists()
    assert ApplicantMembership.objects.get(user=user).is_lead is True
    [message] = mail.outbox
    assert message.to == ["sam@riverside.example"]
    token = _token_from_mail(message)
    stored = ApplicantToken.objects.get()
    assert stored.purpose == "confirm" and token not in stored.token_hash and len(stored.token_hash) == 64


def test_a_bad_charity_or_company_number_is_refused_by_field():
    with pytest.raises(ValidationError) as caught:
        _register(charity_number="12", company_number="1234")
    assert set(caught.value.message_dict) == {"charity_number", "company_number"}
    assert not ApplicantOrganisation.objects.exists()


def test_a_number_already_registered_is_refused_naming_the_organisation_not_its_people():
    existing = ApplicantMembershipFactory(organisation__name="Riverside Trust", organisation__charity_number="1098765")
    with pytest.raises(ValidationError) as caught:
        _register()
    [message] = caught.value.message_dict["charity_number"]
    assert "already registered: Riverside Trust. Ask Riverside Trust's lead to add you." in message
    assert existing.user.email not in message
    assert ApplicantOrganisation.objects.count() == 1 and not mail.outbox


def test_a_number_of_a_known_provider_links_the_registration_to_it():
    provider = OrganisationFactory(name="Riverside Youth Trust Ltd", company_number="01234567", charity_number="")
    organisation, matched = _register(charity_number="", company_number="01234567")
    assert matched == provider
    assert organisation.provider == provider


def test_a_weak_password_and_a_taken_address_are_refused():
    UserFactory(username="taken@example.org", email="taken@example.org")
    with pytest.raises(ValidationError) as caught:
        _register(email="taken@example.org", password="password")
    assert {"email", "password"} <= set(caught.value.message_dict)


def test_following_the_link_switches_the_account_on_once():
    _register()
    token = _token_from_mail(mail.outbox[0])
    user = registration.registration_confirm(token=token)
    assert user.is_active is True
    with pytest.raises(ValidationError) as caught:
        registration.registration_confirm(token=token)
    assert caught.value.error_dict["token"][0].code == "used"


def test_an_expired_link_is_refused():
    with time_machine.travel(DURING, tick=False):
        _register()
    token = _token_from_mail(mail.outbox[0])
    with (
        time_machine.travel(DURING + datetime.timedelta(days=15), tick=False),
        pytest.raises(ValidationError) as caught,
    ):
        registration.registration_confirm(token=token)
    assert caught.value.error_dict["token"][0].code == "expired"
    assert get_user_model().objects.get(username="sam@riverside.example").is_active is False


def test_a_lead_invites_a_colleague_who_joins_the_organisation():
    lead = ApplicantMembershipFactory()
    registration.colleague_invite(actor=lead.user, email="pat@example.org", link_base="https://service.example")
    token = _token_from_mail(mail.outbox[0])
    user = registration.colleague_join(token=token, first_name="Pat", last_name="Lee", password=PASSWORD)
    membership = ApplicantMembership.objects.get(user=user)
    assert (membership.organisation, membership.is_lead, user.is_active) == (lead.organisation, False, True)
    with pytest.raises(PermissionDenied):
        registration.colleague_invite(actor=user, email="x@example.org", link_base="https://service.example")


# Applications ---------------------------------------------------------------------------------


@pytest.fixture
def round():
    round = RoundFactory(reference="CSF-2026", status=RoundStatus.PUBLISHED)
    EligibilityQuestionFactory(round=round, key="constituted", required_answer=True)
    ApplicationQuestionFactory(round=round, key="need", kind=QuestionKind.TEXT, word_limit=5)
    return round


@pytest.fixture
def lead():
    return ApplicantMembershipFactory(user__email="lead@example.org")


def _complete(application, actor):
    services.application_answer_eligibility(actor=actor, application=application, answers={"constituted": "yes"})
    services.application_save_details(
        actor=actor, application=application, title="Safer streets", amount_requested="5,000"
    )
    services.application_save_answer(actor=actor, application=application, key="need", value="Young people need help")


@time_machine.travel(DURING, tick=False)
def test_applications_are_numbered_per_round_and_one_per_organisation(round, lead):
    first = services.application_start(actor=lead.user, round=round)
    other = ApplicantMembershipFactory()
    second = services.application_start(actor=other.user, round=round)
    assert (first.reference, second.reference, first.status) == ("CSF-2026-0001", "CSF-2026-0002", "draft")
    with pytest.raises(ValidationError) as caught:
        services.application_start(actor=lead.user, round=round)
    assert "already has an application to this round: CSF-2026-0001" in caught.value.messages[0]
    services.application_withdraw(actor=lead.user, application=first)
    assert services.application_start(actor=lead.user, round=round).reference == "CSF-2026-0003"


@time_machine.travel(DURING, tick=False)
def test_ineligible_answers_are_kept_with_their_verdict(round, lead):
    application = services.application_start(actor=lead.user, round=round)
    saved = services.application_answer_eligibility(
        actor=lead.user, application=application, answers={"constituted": "no"}
    )
    assert (saved.eligibility_answers, saved.answers_eligible) == ({"constituted": False}, False)


@time_machine.travel(DURING, tick=False)
def test_answers_over_the_word_limit_or_amounts_out_of_range_are_refused(round, lead):
    application = services.application_start(actor=lead.user, round=round)
    with pytest.raises(ValidationError) as caught:
        services.application_save_answer(actor=lead.user, application=application, key="need", value="a b c d e f")
    assert caught.value.message_dict == {"answer": ["Your answer has 6 words: the limit is 5."]}
    with pytest.raises(ValidationError) as caught:
        services.application_save_details(
            actor=lead.user, application=application, title="T", amount_requested="25000.01"
        )
    assert "amount_requested" in caught.value.message_dict


def test_submitting_a_second_before_closing_time_works_and_emails_the_receipt(round, lead):
    with time_machine.travel(DURING, tick=False):
        application = services.application_start(actor=lead.user, round=round)
        _complete(application, lead.user)
    with time_machine.travel(CLOSES - datetime.timedelta(seconds=1), tick=False):
        submitted = services.application_submit(actor=lead.user, application=application)
    assert submitted.status == ApplicationStatus.SUBMITTED
    assert submitted.submitted_at == CLOSES - datetime.timedelta(seconds=1)
    [receipt] = mail.outbox
    assert "CSF-2026-0001" in receipt.subject and "Reference: CSF-2026-0001" in receipt.body
    assert receipt.to == ["lead@example.org"]
    assert ApplicationEvent.objects.get(application=application).to_status == "submitted"


def test_submitting_at_closing_time_is_refused(round, lead):
    with time_machine.travel(DURING, tick=False):
        application = services.application_start(actor=lead.user, round=round)
        _complete(application, lead.user)
    with time_machine.travel(CLOSES, tick=False), pytest.raises(ValidationError) as caught:
        services.application_submit(actor=lead.user, application=application)
    assert caught.value.messages == [
        "The round closed at midday on 30 April 2026: applications can no longer be submitted."
    ]
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT
    assert not mail.outbox


@time_machine.travel(DURING, tick=False)
def test_an_incomplete_application_cannot_be_submitted(round, lead):
    application = services.application_start(actor=lead.user, round=round)
    with pytest.raises(ValidationError) as caught:
        services.application_submit(actor=lead.user, application=application)
    assert set(caught.value.message_dict) == {"eligibility", "title", "amount_requested", "q:need"}


@time_machine.travel(DURING, tick=False)
def test_another_organisation_cannot_change_submit_or_withdraw(round, lead):
    application = services.application_start(actor=lead.user, round=round)
    stranger = ApplicantMembershipFactory().user
    with pytest.raises(PermissionDenied):
        services.application_save_answer(actor=stranger, application=application, key="need", value="x")
    with pytest.raises(PermissionDenied):
        services.application_submit(actor=stranger, application=application)
    with pytest.raises(PermissionDenied):
        services.application_withdraw(actor=stranger, application=application)


@time_machine.travel(DURING, tick=False)
def test_withdrawing_keeps_the_reason(round, lead):
    application = services.application_start(actor=lead.user, round=round)
    withdrawn = services.application_withdraw(actor=lead.user, application=application, reason="Partner pulled out")
    assert (withdrawn.status, withdrawn.withdrawn_reason, withdrawn.withdrawn_at) == (
        "withdrawn",
        "Partner pulled out",
        DURING,
    )


@pytest.fixture
def info_requested(round, lead):
    return ApplicationFactory(
        round=round,
        organisation=lead.organisation,
        reference="CSF-2026-0001",
        status=ApplicationStatus.INFO_REQUESTED,
        title="Safer streets",
        amount_requested=Decimal("5000.00"),
        eligibility_answers={"constituted": True},
        answers={"need": "more"},
        info_request="Send your accounts.",
        info_until=datetime.datetime(2026, 5, 10, 17, 0, tzinfo=UK),
    )


def test_more_information_can_be_sent_until_the_time_given(info_requested, lead):
    with time_machine.travel(datetime.datetime(2026, 5, 10, 16, 59, tzinfo=UK), tick=False):
        services.application_save_answer(
            actor=lead.user, application=info_requested, key="need", value="accounts attached"
        )
        sent = services.application_submit(actor=lead.user, application=info_requested)
    assert (sent.status, sent.answers["need"]) == ("submitted", "accounts attached")


def test_more_information_is_refused_after_the_time_given(info_requested, lead):
    with time_machine.travel(datetime.datetime(2026, 5, 10, 17, 0, tzinfo=UK), tick=False):
        with pytest.raises(ValidationError) as caught:
            services.application_submit(actor=lead.user, application=info_requested)
        with pytest.raises(ValidationError):
            services.application_save_answer(actor=lead.user, application=info_requested, key="need", value="late")
    assert "5pm on 10 May 2026: that time has passed" in caught.value.messages[0]


def test_budget_lines_are_added_and_removed(round, lead):
    ApplicationQuestionFactory(round=round, key="costs", kind=QuestionKind.BUDGET, word_limit=None)
    with time_machine.travel(DURING, tick=False):
        application = services.application_start(actor=lead.user, round=round)
        line = services.budget_line_add(
            actor=lead.user, application=application, key="costs", item="Staff", amount="1,500.50"
        )
        assert line.amount == Decimal("1500.50")
        with pytest.raises(ValidationError) as caught:
            services.budget_line_add(actor=lead.user, application=application, key="costs", item="", amount="1,50")
        assert set(caught.value.message_dict) == {"item", "amount"}
        services.budget_line_remove(actor=lead.user, application=application, line_id=line.pk)
    assert not application.budget_lines.exists()


def test_open_calls_are_listed_to_everyone_other_rounds_only_to_provider_users(provider_user):
    open_call = RoundFactory(status=RoundStatus.PUBLISHED)
    invitation = RoundFactory(status=RoundStatus.PUBLISHED, kind="invitation")
    RoundFactory()  # a draft
    applicant = ApplicantMembershipFactory().user
    with time_machine.travel(DURING, tick=False):
        assert list(services.open_rounds(applicant)) == [open_call]
        assert set(services.open_rounds(provider_user)) == {open_call, invitation}
    with time_machine.travel(CLOSES, tick=False):
        assert list(services.open_rounds(applicant)) == []


def test_an_organisation_without_users_is_registered_by_the_factory():
    assert ApplicantOrganisationFactory().memberships.count() == 0
