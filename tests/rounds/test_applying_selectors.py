"""The officers' permission-checked fetch of one application of a round, and where an
applicant's e-mails go."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pcc_commissioning.roles import Role
from rounds.applying.selectors import access_round_application, applicant_emails
from rounds.models import ApplicationStatus
from tests.factories import ApplicantMembershipFactory, ApplicationFactory, RoundFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_officer_opens_a_received_application_of_the_round(officer):
    application = ApplicationFactory(reference="APP-1")
    assert access_round_application(officer, application.round, "APP-1") == application


def test_the_capability_is_checked(officer):
    application = ApplicationFactory(reference="APP-1")
    board = UserFactory(role=Role.BOARD)
    assert access_round_application(board, application.round, "APP-1") == application
    with pytest.raises(PermissionDenied):
        access_round_application(board, application.round, "APP-1", capability="rounds.screen")
    with pytest.raises(PermissionDenied):
        access_round_application(UserFactory(role=Role.APPLICANT), application.round, "APP-1")


def test_drafts_other_rounds_and_unknown_references_are_not_found(officer):
    round = RoundFactory()
    ApplicationFactory(round=round, reference="DRAFT", status=ApplicationStatus.DRAFT, submitted_at=None)
    ApplicationFactory(reference="ELSEWHERE")
    for reference in ("DRAFT", "ELSEWHERE", "NO-SUCH"):
        with pytest.raises(Http404):
            access_round_application(officer, round, reference)


def test_a_withdrawn_application_only_when_asked_for_and_only_if_it_was_submitted(officer):
    round = RoundFactory()
    taken_back = ApplicationFactory(round=round, reference="BACK", status=ApplicationStatus.WITHDRAWN)
    ApplicationFactory(round=round, reference="NEVER", status=ApplicationStatus.WITHDRAWN, submitted_at=None)
    with pytest.raises(Http404):
        access_round_application(officer, round, "BACK")
    assert access_round_application(officer, round, "BACK", withdrawn=True) == taken_back
    with pytest.raises(Http404):
        access_round_application(officer, round, "NEVER", withdrawn=True)


def test_applicant_emails_the_contact_else_the_active_members_with_an_address():
    membership = ApplicantMembershipFactory(user__email="lead@example.org")
    ApplicantMembershipFactory(organisation=membership.organisation, user__email="")
    ApplicantMembershipFactory(
        organisation=membership.organisation, user__email="gone@example.org", user__is_active=False
    )
    ApplicantMembershipFactory(user__email="elsewhere@example.org")
    with_contact = ApplicationFactory(organisation=membership.organisation, contact_email="bid@example.org")
    without = ApplicationFactory(organisation=membership.organisation, contact_email="")
    assert applicant_emails(with_contact) == ["bid@example.org"]
    assert applicant_emails(without) == ["lead@example.org"]
