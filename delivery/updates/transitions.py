"""The update cycle's two machines, declared as data.

An update round::

    open ──accept (every activity's update accepted)──> accepted ──consider (a board meeting)──> considered
      │                                                    └──reopen──> open
      └──cancel──> cancelled

A progress update (one activity's, or one objective's)::

    requested ──save──> draft ──submit──> submitted ──accept──> accepted
        └────────submit──────────^            └──request_changes──> changes requested ──save/submit──> …
                                           (accepted, in a reopened round) ──request_changes──^

Leads (Partner contributors, or officers for activities they lead) save and submit while the
round is open; the officer asks for changes or accepts. Nothing moves once the round has left
"open", except the round itself. Saving and submitting also pass ``access.require_may_write``
(an officer, or the activity's own lead)."""

from __future__ import annotations

from pcc_commissioning import clock
from pcc_commissioning.transitions import Guard, Machine, Move, Transition

from ..models import ProgressUpdate, UpdateRound, UpdateRoundStatus, UpdateState
from .access import require_may_write

R = UpdateRoundStatus
U = UpdateState


def _round_wrong_state(update_round: UpdateRound, name: str) -> str:
    status = update_round.get_status_display().lower()
    return f"The {update_round.period} update round is {status}: it cannot be {name.replace('_', ' ')}ed now."


def _every_activity_accepted(move: Move) -> str | None:
    waiting = move.obj.updates.filter(activity__isnull=False).exclude(state=U.ACCEPTED).count()
    if waiting:
        return f"{waiting} activit{'y has' if waiting == 1 else 'ies have'} an update not yet accepted."
    return None


def _stamp_accepted(move: Move) -> None:
    move.obj.accepted_at = clock.now()


UPDATE_ROUND_MACHINE = Machine(
    name="update_round",
    states=tuple(R.values),
    wrong_state=_round_wrong_state,
    error_field=None,
    transitions=(
        Transition(
            "accept",
            frozenset({R.OPEN}),
            R.ACCEPTED,
            "Accept the update",
            capability="delivery.edit",
            guards=(Guard(_every_activity_accepted),),
        ),
        Transition("reopen", frozenset({R.ACCEPTED}), R.OPEN, "Reopen for changes", capability="delivery.edit"),
        Transition(
            "consider",
            frozenset({R.ACCEPTED}),
            R.CONSIDERED,
            "Record the board's consideration",
            capability="delivery.edit",
        ),
        Transition(
            "cancel", frozenset({R.OPEN}), R.CANCELLED, "Cancel the round", capability="delivery.edit", warning=True
        ),
    ),
)


def _update_wrong_state(update: ProgressUpdate, name: str) -> str:
    state = update.get_state_display().lower()
    return f"This update is {state}: it cannot be {name.replace('_', ' ')}ed now."


def _round_open(move: Move) -> str | None:
    update_round = move.obj.update_round
    if update_round.status != R.OPEN:
        return f"The {update_round.period} update round is {update_round.get_status_display().lower()}."
    return None


def _has_status(move: Move) -> dict | None:
    progress = move.context.get("progress", move.obj.progress)
    if not progress:
        return {"progress": ["Choose the activity's status."]}
    return None


def _has_narrative(move: Move) -> dict | None:
    narrative = move.context.get("narrative", move.obj.narrative)
    if not (narrative or "").strip():
        return {"narrative": ["Write the progress update."]}
    return None


def _has_comment(move: Move) -> dict | None:
    if not (move.context.get("comment") or "").strip():
        return {"officer_comment": ["Say what needs to change."]}
    return None


EDITABLE = frozenset({U.REQUESTED, U.DRAFT, U.CHANGES_REQUESTED})

PROGRESS_UPDATE_MACHINE = Machine(
    name="progress_update",
    states=tuple(U.values),
    state_field="state",
    error_field=None,
    wrong_state=_update_wrong_state,
    transitions=(
        # Saving keeps a changes-requested update in that state until it is submitted again.
        Transition(
            "save",
            frozenset({U.REQUESTED, U.DRAFT}),
            U.DRAFT,
            "Save as draft",
            capability=("delivery.contribute", "delivery.edit"),
            access=require_may_write,
            guards=(Guard(_round_open),),
        ),
        Transition(
            "save_changes",
            frozenset({U.CHANGES_REQUESTED}),
            None,
            "Save as draft",
            capability=("delivery.contribute", "delivery.edit"),
            access=require_may_write,
            guards=(Guard(_round_open),),
        ),
        Transition(
            "submit",
            EDITABLE,
            U.SUBMITTED,
            "Submit the update",
            capability=("delivery.contribute", "delivery.edit"),
            access=require_may_write,
            guards=(Guard(_round_open), Guard(_has_status, always=True), Guard(_has_narrative, always=True)),
        ),
        # From accepted too: a round reopened for changes is how an accepted update is reopened.
        Transition(
            "request_changes",
            frozenset({U.SUBMITTED, U.ACCEPTED}),
            U.CHANGES_REQUESTED,
            "Ask for changes",
            capability="delivery.edit",
            guards=(Guard(_round_open), Guard(_has_comment, always=True)),
            needs_note=True,
        ),
        Transition(
            "accept",
            frozenset({U.SUBMITTED}),
            U.ACCEPTED,
            "Accept",
            capability="delivery.edit",
            guards=(Guard(_round_open),),
        ),
    ),
)
