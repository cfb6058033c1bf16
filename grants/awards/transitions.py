"""The award status machine, declared as data.

    planned ──► procuring ──► awarded ──► active ──► ended
       └───────────────────────►┘
    any open state (planned, procuring, awarded, active) ──► cancelled

Grants need no procurement, so a planned award may be marked awarded directly. Ended and
cancelled are final. ``grants.services.award_transition`` is the only writer; pages read
``actions_for`` to draw one button per allowed move.
"""

from __future__ import annotations

from dataclasses import dataclass

from grants.models import AwardStatus

TRANSITIONS: dict[AwardStatus, frozenset[AwardStatus]] = {
    AwardStatus.PLANNED: frozenset({AwardStatus.PROCURING, AwardStatus.AWARDED, AwardStatus.CANCELLED}),
    AwardStatus.PROCURING: frozenset({AwardStatus.AWARDED, AwardStatus.CANCELLED}),
    AwardStatus.AWARDED: frozenset({AwardStatus.ACTIVE, AwardStatus.CANCELLED}),
    AwardStatus.ACTIVE: frozenset({AwardStatus.ENDED, AwardStatus.CANCELLED}),
    AwardStatus.ENDED: frozenset(),
    AwardStatus.CANCELLED: frozenset(),
}


# Entering these statuses commits money: an award above the delegated limit needs a signed
# decision first (``grants.services.delegated_limit``).
NEEDS_DECISION_ABOVE_LIMIT: frozenset[AwardStatus] = frozenset({AwardStatus.AWARDED, AwardStatus.ACTIVE})


@dataclass(frozen=True)
class Action:
    """A button on the award page that moves the award to ``to_status``."""

    to_status: AwardStatus
    label: str
    needs_note: bool = False  # the person must say why (kept on the transition)
    warning: bool = False  # drawn as a warning button (govuk-button--warning)


# One action per target status, in the order the buttons are shown.
ACTIONS: dict[AwardStatus, Action] = {
    AwardStatus.PROCURING: Action(AwardStatus.PROCURING, "Start procurement"),
    AwardStatus.AWARDED: Action(AwardStatus.AWARDED, "Mark as awarded"),
    AwardStatus.ACTIVE: Action(AwardStatus.ACTIVE, "Mark as active"),
    AwardStatus.ENDED: Action(AwardStatus.ENDED, "Mark as ended"),
    AwardStatus.CANCELLED: Action(AwardStatus.CANCELLED, "Cancel award", needs_note=True, warning=True),
}


def allowed_targets(from_status: str) -> frozenset[AwardStatus]:
    """The statuses an award in ``from_status`` may move to (empty for an unknown status)."""
    try:
        return TRANSITIONS[AwardStatus(from_status)]
    except ValueError:
        return frozenset()


def is_allowed(from_status: str, to_status: str) -> bool:
    try:
        return AwardStatus(to_status) in allowed_targets(from_status)
    except ValueError:
        return False


def actions_for(from_status: str) -> list[Action]:
    """The buttons to show for an award in ``from_status``, in display order."""
    targets = allowed_targets(from_status)
    return [action for status, action in ACTIONS.items() if status in targets]


def label_of(status: str) -> str:
    """ "Planned", "Procuring", …; the raw value for an unknown status."""
    try:
        return str(AwardStatus(status).label)
    except ValueError:
        return status
