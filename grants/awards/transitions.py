"""The award status machine, declared as data (``pcc_commissioning.transitions``).

    planned ──► procuring ──► awarded ──► active ──► ended
       └───────────────────────►┘
    any open state (planned, procuring, awarded, active) ──► cancelled

Grants need no procurement, so a planned award may be marked awarded directly. Ended and
cancelled are final. Each move is named by the status it enters. ``grants.awards.services.
award_transition`` is the only writer (it runs ``AWARD_MACHINE``); pages read ``actions_for``
to draw one button per allowed move. Every move needs ``grants.edit`` (the daily run and
imports act as the system).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from grants.awards.documents import due_diligence_check
from grants.awards.rules import check_delegated_limit, related
from grants.models import AwardStatus, AwardTransition, FundingLine
from pcc_commissioning import clock
from pcc_commissioning.transitions import Guard, Machine, Move, Transition
from pcc_commissioning.validation import Errors, clean_text

# Entering these statuses commits money: an award above the delegated limit needs a signed
# decision first (``grants.decisions.services.delegated_limit``).
NEEDS_DECISION_ABOVE_LIMIT: frozenset[AwardStatus] = frozenset({AwardStatus.AWARDED, AwardStatus.ACTIVE})

_OPEN = frozenset({AwardStatus.PLANNED, AwardStatus.PROCURING, AwardStatus.AWARDED, AwardStatus.ACTIVE})


def label_of(status: str) -> str:
    """ "Planned", "Procuring", …; the raw value for an unknown status."""
    try:
        return str(AwardStatus(status).label)
    except ValueError:
        return status


# Guards: each reads the service's arguments from ``move.context`` -----------------------------------
def _note_given(move: Move) -> str | None:
    if not move.context.get("note"):
        return "Say why (this is kept on the award's timeline)."
    return None


def _within_delegated_limit(move: Move) -> Errors | None:
    award = move.obj
    total = FundingLine.objects.filter(award=award).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    errors: Errors = {}
    check_delegated_limit(
        total=total,
        decision=related(award, "decision"),
        entering=f"marked {label_of(move.transition.target).lower()}",
        errors=errors,
        award=award,
    )
    return errors or None


def _due_diligence(move: Move) -> Errors | None:
    """Marking awarded by a person checks the provider's documents; the note for the timeline
    (a reason to go ahead anyway) is left in the context for the history row."""
    move.context["due_diligence_note"] = ""
    if move.context.get("automatic"):
        return None
    errors: Errors = {}
    move.context["due_diligence_note"] = due_diligence_check(
        organisation=move.obj.provider,
        actor=move.actor,
        reason=move.context.get("due_diligence_reason", ""),
        field="due_diligence_reason",
        doing=f"marking {move.obj.reference} awarded",
        errors=errors,
    )
    return errors or None


_NOTE = Guard(_note_given, field="note")
_LIMIT = Guard(_within_delegated_limit)
_DUE_DILIGENCE = Guard(_due_diligence)


def _wrong_state(award, name: str) -> str:
    return f"An award that is {label_of(award.status).lower()} cannot be marked {label_of(name).lower()}."


def record_transition(move: Move) -> AwardTransition:
    """The award's timeline row for the move just made."""
    return AwardTransition.objects.create(
        award=move.obj,
        from_status=move.from_state,
        to_status=move.obj.status,
        at=move.context.get("at") or clock.now(),
        by=move.actor,
        note=clean_text(move.context.get("note", "")),
        automatic=bool(move.context.get("automatic")),
        due_diligence_note=move.context.get("due_diligence_note", ""),
    )


def _move(target: AwardStatus, sources, label: str, *guards: Guard, needs_note=False, warning=False) -> Transition:
    return Transition(
        name=str(target),
        sources=frozenset(str(source) for source in sources),
        target=str(target),
        label=label,
        capability="grants.edit",
        guards=guards,
        needs_note=needs_note,
        warning=warning,
    )


# One move per target status, in the order the buttons are shown.
AWARD_MACHINE = Machine(
    name="award",
    states=tuple(AwardStatus.values),
    transitions=(
        _move(AwardStatus.PROCURING, {AwardStatus.PLANNED}, "Start procurement"),
        _move(
            AwardStatus.AWARDED,
            {AwardStatus.PLANNED, AwardStatus.PROCURING},
            "Mark as awarded",
            _LIMIT,
            _DUE_DILIGENCE,
        ),
        _move(AwardStatus.ACTIVE, {AwardStatus.AWARDED}, "Mark as active", _LIMIT),
        _move(AwardStatus.ENDED, {AwardStatus.ACTIVE}, "Mark as ended"),
        _move(AwardStatus.CANCELLED, _OPEN, "Cancel award", _NOTE, needs_note=True, warning=True),
    ),
    wrong_state=_wrong_state,
    record=record_transition,
)


# The public reading of the machine, for views, imports and tests --------------------------------
# The statuses each status may move to.
TRANSITIONS: dict[AwardStatus, frozenset[AwardStatus]] = {
    status: frozenset(AwardStatus(target) for target in AWARD_MACHINE.targets(status)) for status in AwardStatus
}


class Action:
    """A button on the award page that moves the award to ``to_status`` (a view of the
    machine's transition)."""

    def __init__(self, transition: Transition):
        self.transition = transition
        self.to_status = AwardStatus(transition.target)
        self.label = transition.label
        self.needs_note = transition.needs_note  # the person must say why (kept on the transition)
        self.warning = transition.warning  # drawn as a warning button (govuk-button--warning)

    def __eq__(self, other) -> bool:
        return isinstance(other, Action) and other.transition == self.transition

    def __hash__(self) -> int:
        return hash(self.transition)

    def __repr__(self) -> str:
        return f"Action({self.to_status!r}, {self.label!r})"


# One action per target status, in the order the buttons are shown.
ACTIONS: dict[AwardStatus, Action] = {
    AwardStatus(transition.target): Action(transition) for transition in AWARD_MACHINE.transitions
}


def allowed_targets(from_status: str) -> frozenset[AwardStatus]:
    """The statuses an award in ``from_status`` may move to (empty for an unknown status)."""
    try:
        return TRANSITIONS[AwardStatus(from_status)]
    except ValueError:
        return frozenset()


def is_allowed(from_status: str, to_status: str) -> bool:
    return AWARD_MACHINE.allows(str(from_status), str(to_status))


def actions_for(from_status: str) -> list[Action]:
    """The buttons to show for an award in ``from_status``, in display order."""
    return [ACTIONS[AwardStatus(transition.target)] for transition in AWARD_MACHINE.leaving(str(from_status))]
