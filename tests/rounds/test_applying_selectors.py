"""The officers' permission-checked fetch of one application of a round."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pcc_commissioning.roles import Role
from rounds.applying.selectors import access_round_application
from rounds.models import ApplicationStatus
from tests.factories import ApplicationFactory, RoundFactory, UserFactory

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
