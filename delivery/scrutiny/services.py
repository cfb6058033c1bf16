"""Every write of the board's scrutiny: recording the meeting that considered an accepted update
(which moves the update round to "considered" through ``UPDATE_ROUND_MACHINE``) and correcting
it afterwards (``version``: optimistic locking). The plan's new version after the meeting's
amendments is ``delivery.plans.versions.plan_version_make``.

Writes need ``delivery.edit``; ``actor`` None is the system (the demo)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.transitions import run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields

from ..models import BoardKind, BoardMeeting, UpdateRound
from ..updates.transitions import UPDATE_ROUND_MACHINE

MEETING_FIELDS = ("board", "board_name", "held_on", "attendees", "comments", "amendments")
_TEXT = ("board", "board_name", "attendees", "comments", "amendments")


def _clean_meeting(update_round: UpdateRound, values: dict[str, Any]) -> dict[str, Any]:
    errors: Errors = {}
    for name in _TEXT:
        values[name] = clean_text(values[name])
    if values["board"] not in BoardKind.values:
        add_error(errors, "board", "Choose the board that met.")
    elif values["board"] == BoardKind.OTHER and not values["board_name"]:
        add_error(errors, "board_name", "Enter the name of the board.")
    elif values["board"] != BoardKind.OTHER:
        values["board_name"] = ""  # only another board is named
    held_on = values["held_on"]
    if held_on in (None, ""):
        add_error(errors, "held_on", "Enter the date the board met.")
    elif isinstance(held_on, datetime.datetime) or not isinstance(held_on, datetime.date):
        add_error(errors, "held_on", "The date the board met must be a date.")
    elif held_on > clock.today():
        add_error(errors, "held_on", "The date the board met cannot be in the future.")
    elif held_on < update_round.period_start:
        add_error(
            errors,
            "held_on",
            f"The board cannot have met before the {update_round.period} period began "
            f"({update_round.period_start:%-d %B %Y}).",
        )
    for name in _TEXT:
        field = BoardMeeting._meta.get_field(name)
        if field.max_length and len(values[name]) > field.max_length:
            add_error(errors, name, f"The {field.verbose_name} must be {field.max_length} characters or fewer.")
    raise_if_errors(errors)
    return values


@transaction.atomic
def meeting_record(
    *,
    actor,
    update_round: UpdateRound,
    board: str,
    board_name: str = "",
    held_on: datetime.date,
    attendees: str = "",
    comments: str = "",
    amendments: str = "",
) -> BoardMeeting:
    """Record that ``board`` considered the accepted update ``update_round`` on ``held_on``,
    with its comments and the amendments it agreed. The round becomes "considered"; a round
    not yet accepted (or already considered) is refused and nothing is written."""
    require_capability(actor, "delivery.edit")
    values = _clean_meeting(
        update_round,
        {
            "board": board,
            "board_name": board_name,
            "held_on": held_on,
            "attendees": attendees,
            "comments": comments,
            "amendments": amendments,
        },
    )
    meetings: list[BoardMeeting] = []

    def save(move) -> None:
        move.obj.save()
        meeting = BoardMeeting(update_round=move.obj, recorded_by=actor, **values)
        attribute_to(meeting, actor)
        meeting.save()
        meetings.append(meeting)

    run(
        UPDATE_ROUND_MACHINE,
        update_round,
        "consider",
        actor=actor,
        lock=lambda update_round: lock_for_update(update_round, expected_version=None),
        save=save,
    )
    return meetings[0]


@transaction.atomic
def meeting_update(*, actor, meeting: BoardMeeting, expected_version: int | None, **fields: Any) -> BoardMeeting:
    """Correct a meeting's record: any of ``MEETING_FIELDS``."""
    require_capability(actor, "delivery.edit")
    refuse_unknown_fields(fields, MEETING_FIELDS, "meeting")
    locked = lock_for_update(meeting, expected_version=expected_version)
    values = {name: getattr(locked, name) for name in MEETING_FIELDS}
    values.update(fields)
    values = _clean_meeting(locked.update_round, values)
    if not model_update(instance=locked, data=values):
        locked.version -= 1  # nothing changed: the version stays, so an open form stays good
        return locked
    attribute_to(locked, actor)
    locked.save()
    return locked
