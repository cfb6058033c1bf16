"""Recording and correcting a board meeting (delivery.scrutiny.services)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from delivery.models import BoardKind, BoardMeeting, UpdateRoundStatus
from delivery.scrutiny.services import meeting_record, meeting_update
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import BoardMeetingFactory, UpdateRoundFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2019, 12, 2, 9, 0, tzinfo=datetime.UTC)
MET = datetime.date(2019, 11, 20)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def officer():
    return UserFactory(role=Role.OFFICER)


@pytest.fixture
def accepted():
    return UpdateRoundFactory(status=UpdateRoundStatus.ACCEPTED)


def test_recording_the_meeting_marks_the_update_considered(officer, accepted):
    meeting = meeting_record(
        actor=officer,
        update_round=accepted,
        board=BoardKind.STRATEGY_AND_PERFORMANCE,
        held_on=MET,
        attendees=" PCC, Chief Constable ",
        comments="Good progress on 1.2.",
        amendments="Add activity 2.1.4.",
    )
    accepted.refresh_from_db()
    assert accepted.status == UpdateRoundStatus.CONSIDERED
    assert accepted.version == 2
    assert (meeting.update_round, meeting.held_on, meeting.attendees, meeting.recorded_by) == (
        accepted,
        MET,
        "PCC, Chief Constable",
        officer,
    )
    assert str(meeting) == "Strategy and Performance Board 20 November 2019"


def test_another_board_must_be_named(officer, accepted):
    with pytest.raises(ValidationError) as error:
        meeting_record(actor=officer, update_round=accepted, board=BoardKind.OTHER, board_name=" ", held_on=MET)
    assert error.value.message_dict == {"board_name": ["Enter the name of the board."]}
    meeting = meeting_record(
        actor=officer,
        update_round=accepted,
        board=BoardKind.OTHER,
        board_name="Local Criminal Justice Board",
        held_on=MET,
    )
    assert meeting.board_label == "Local Criminal Justice Board"


def test_a_named_board_keeps_no_other_name(officer, accepted):
    meeting = meeting_record(
        actor=officer, update_round=accepted, board=BoardKind.COMMISSIONING, board_name="Stray", held_on=MET
    )
    assert (meeting.board_name, meeting.board_label) == ("", "Commissioning Board")


@pytest.mark.parametrize(
    ("board", "held_on", "field", "message"),
    [
        ("", MET, "board", "Choose the board that met."),
        ("parish_council", MET, "board", "Choose the board that met."),
        ("commissioning", None, "held_on", "Enter the date the board met."),
        ("commissioning", "2019-11-20", "held_on", "The date the board met must be a date."),
        (
            "commissioning",
            datetime.datetime(2019, 11, 20, 10, 0),
            "held_on",
            "The date the board met must be a date.",
        ),
        ("commissioning", datetime.date(2019, 12, 3), "held_on", "The date the board met cannot be in the future."),
        (
            "commissioning",
            datetime.date(2019, 3, 31),
            "held_on",
            "The board cannot have met before the 2019-H1 period began (1 April 2019).",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(officer, accepted, board, held_on, field, message):
    with pytest.raises(ValidationError) as error:
        meeting_record(actor=officer, update_round=accepted, board=board, held_on=held_on)
    assert error.value.message_dict == {field: [message]}
    accepted.refresh_from_db()
    assert accepted.status == UpdateRoundStatus.ACCEPTED
    assert not BoardMeeting.objects.exists()


def test_the_meeting_can_be_held_today_or_on_the_first_day_of_the_period(officer):
    first = UpdateRoundFactory(status=UpdateRoundStatus.ACCEPTED)
    second = UpdateRoundFactory(status=UpdateRoundStatus.ACCEPTED, period="2019-H2")
    today = meeting_record(actor=officer, update_round=first, board="commissioning", held_on=datetime.date(2019, 12, 2))
    start = meeting_record(actor=officer, update_round=second, board="commissioning", held_on=datetime.date(2019, 4, 1))
    assert (today.held_on, start.held_on) == (datetime.date(2019, 12, 2), datetime.date(2019, 4, 1))


def test_a_too_long_board_name_is_refused(officer, accepted):
    with pytest.raises(ValidationError) as error:
        meeting_record(actor=officer, update_round=accepted, board="other", board_name="x" * 201, held_on=MET)
    assert error.value.message_dict == {"board_name": ["The board name must be 200 characters or fewer."]}


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (UpdateRoundStatus.OPEN, "The 2019-H1 update round is collecting updates: it cannot be considered now."),
        (
            UpdateRoundStatus.CONSIDERED,
            "The 2019-H1 update round is considered by the board: it cannot be considered now.",
        ),
        (UpdateRoundStatus.CANCELLED, "The 2019-H1 update round is cancelled: it cannot be considered now."),
    ],
)
def test_only_an_accepted_update_is_considered(officer, status, message):
    update_round = UpdateRoundFactory(status=status)
    with pytest.raises(ValidationError) as error:
        meeting_record(actor=officer, update_round=update_round, board="commissioning", held_on=MET)
    assert error.value.messages == [message]
    assert not BoardMeeting.objects.exists()


@pytest.mark.parametrize("role", [Role.BOARD, Role.FINANCE, Role.PARTNER])
def test_only_an_officer_records_a_meeting(accepted, role):
    with pytest.raises(PermissionDenied):
        meeting_record(actor=UserFactory(role=role), update_round=accepted, board="commissioning", held_on=MET)
    accepted.refresh_from_db()
    assert accepted.status == UpdateRoundStatus.ACCEPTED


# Correcting the record ----------------------------------------------------------------------


def test_correcting_the_record(officer):
    meeting = BoardMeetingFactory(update_round=UpdateRoundFactory(status=UpdateRoundStatus.CONSIDERED))
    updated = meeting_update(actor=officer, meeting=meeting, expected_version=1, amendments=" Drop 1.9. ")
    meeting.refresh_from_db()
    assert (meeting.amendments, meeting.version, updated.version) == ("Drop 1.9.", 2, 2)
    assert meeting.comments == "The board asked for clearer measures."


def test_a_correction_that_changes_nothing_keeps_the_version(officer):
    meeting = BoardMeetingFactory()
    updated = meeting_update(actor=officer, meeting=meeting, expected_version=1, comments=meeting.comments)
    meeting.refresh_from_db()
    assert (meeting.version, updated.version) == (1, 1)


def test_a_correction_from_a_stale_page_changes_nothing(officer):
    meeting = BoardMeetingFactory(version=3)
    with pytest.raises(ValidationError) as error:
        meeting_update(actor=officer, meeting=meeting, expected_version=2, comments="Late")
    assert error.value.messages == [STALE_MESSAGE]
    meeting.refresh_from_db()
    assert meeting.comments == "The board asked for clearer measures."


def test_a_correction_is_checked_as_a_record_is(officer):
    meeting = BoardMeetingFactory()
    with pytest.raises(ValidationError) as error:
        meeting_update(actor=officer, meeting=meeting, expected_version=1, held_on=datetime.date(2020, 1, 1))
    assert error.value.message_dict == {"held_on": ["The date the board met cannot be in the future."]}


def test_an_unknown_field_is_a_programming_error(officer):
    with pytest.raises(TypeError, match="Unknown meeting fields: update_round"):
        meeting_update(actor=officer, meeting=BoardMeetingFactory(), expected_version=1, update_round=None)


def test_only_an_officer_corrects_a_meeting():
    meeting = BoardMeetingFactory()
    with pytest.raises(PermissionDenied):
        meeting_update(actor=UserFactory(role=Role.BOARD), meeting=meeting, expected_version=1, comments="No")
