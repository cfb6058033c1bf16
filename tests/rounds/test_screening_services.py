"""Screening services: the officer's verdict and asking the applicant for more information."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from rounds.models import ApplicationEvent, ApplicationStatus, Eligibility, RoundStatus
from rounds.screening.services import application_request_info, application_screen
from tests.factories.rounds import UK, ApplicantMembershipFactory, ApplicationFactory, RoundFactory

NOW = datetime.datetime(2026, 5, 5, 10, 0, tzinfo=UK)


@pytest.fixture
def application(db):
    return ApplicationFactory(round=RoundFactory(status=RoundStatus.PUBLISHED), contact_email="bid@example.org")


@time_machine.travel(NOW, tick=False)
def test_screen_records_verdict_reason_and_event(application, officer):
    saved = application_screen(
        actor=officer, application=application, eligible=False, reason="Not a charity", expected_version=1
    )
    assert saved.eligibility == Eligibility.INELIGIBLE
    assert saved.screening_reason == "Not a charity"
    assert saved.screened_by == officer and saved.screened_at == NOW
    event = ApplicationEvent.objects.get(application=application)
    assert event.note == "Screened: not eligible. Not a charity"
    assert event.by == officer


def test_screen_needs_a_reason(application, officer):
    with pytest.raises(ValidationError) as exc:
        application_screen(actor=officer, application=application, eligible=True, reason="  ", expected_version=1)
    assert "reason" in exc.value.message_dict
    application.refresh_from_db()
    assert application.eligibility == Eligibility.UNSCREENED


def test_screen_refuses_stale_version(application, officer):
    with pytest.raises(ValidationError):
        application_screen(actor=officer, application=application, eligible=True, reason="ok", expected_version=7)


@pytest.mark.parametrize("status", [RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED])
def test_no_screening_once_decided(application, officer, status):
    application.round.status = status
    application.round.save()
    with pytest.raises(ValidationError, match="can no longer be screened"):
        application_screen(actor=officer, application=application, eligible=True, reason="ok", expected_version=1)


@pytest.mark.parametrize("who", ["finance_officer", "board_member"])
def test_only_officers_screen(application, request, who):
    with pytest.raises(PermissionDenied):
        application_screen(
            actor=request.getfixturevalue(who), application=application, eligible=True, reason="ok", expected_version=1
        )


@time_machine.travel(NOW, tick=False)
def test_request_info_reopens_and_emails_contact(application, officer):
    until = datetime.datetime(2026, 5, 12, 17, 0, tzinfo=UK)
    saved = application_request_info(actor=officer, application=application, request="Send your accounts", until=until)
    assert saved.status == ApplicationStatus.INFO_REQUESTED
    assert saved.info_request == "Send your accounts" and saved.info_until == until
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bid@example.org"]
    assert "Send your accounts" in message.body
    assert "5pm on 12 May 2026" in message.body
    event = ApplicationEvent.objects.get(application=application)
    assert (event.from_status, event.to_status, event.note) == ("submitted", "info_requested", "Send your accounts")


@time_machine.travel(NOW, tick=False)
def test_request_info_writes_to_members_without_contact(db, officer):
    membership = ApplicantMembershipFactory(user__email="lead@example.org")
    application = ApplicationFactory(
        round=RoundFactory(status=RoundStatus.PUBLISHED), organisation=membership.organisation
    )
    application_request_info(
        actor=officer, application=application, request="Budget", until=NOW + datetime.timedelta(days=3)
    )
    assert mail.outbox[0].to == ["lead@example.org"]


@time_machine.travel(NOW, tick=False)
def test_request_info_until_must_be_future(application, officer):
    with pytest.raises(ValidationError) as exc:
        application_request_info(actor=officer, application=application, request="x", until=NOW)
    assert "until" in exc.value.message_dict
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert mail.outbox == []


@time_machine.travel(NOW, tick=False)
def test_request_info_refused_for_board(application, board_member):
    with pytest.raises(PermissionDenied):
        application_request_info(
            actor=board_member, application=application, request="x", until=NOW + datetime.timedelta(days=1)
        )
