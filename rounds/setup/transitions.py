"""A round's life, declared as data:

    draft ──publish──> published ──decide──> decided ──publish_results──> results published
      └──────cancel──────┴─> cancelled

Whether a published round is taking applications is the clock's business, not a state: it is
open from ``opens_at`` until ``closes_at`` (``rounds.setup.selectors.phase``). ``decide`` is made
by the decision stage when the signed decision's awards are created; after it nobody scores or
changes a recommendation. ``unpublish`` takes a published round back to draft only before it
opens (nobody can have started an application)."""

from __future__ import annotations

from pcc_commissioning import clock
from pcc_commissioning.transitions import Guard, Machine, Move, Transition

from ..models import Round, RoundStatus


def _wrong_state(round: Round, name: str) -> str:
    return (
        f"Round {round.reference} is {round.get_status_display().lower()}: it cannot be {name.replace('_', ' ')}ed now."
    )


def _definition_complete(move: Move) -> str | None:
    from .validation import definition_problems  # the rules live with the definition's editing

    problems = definition_problems(move.obj)
    return " ".join(problems) or None


def _not_opened_yet(move: Move) -> str | None:
    if clock.now() >= move.obj.opens_at:
        return "The round has opened, so it cannot go back to draft: applicants may have started. Cancel it instead."
    return None


def _decision_signed(move: Move) -> str | None:
    decision = move.obj.decision
    if decision is None or not decision.is_signed:
        return "The round's decision must be signed before its awards are made."
    return None


ROUND_MACHINE = Machine(
    name="round",
    states=tuple(RoundStatus.values),
    transitions=(
        Transition(
            name="publish",
            sources=frozenset({RoundStatus.DRAFT}),
            target=RoundStatus.PUBLISHED,
            label="Publish the round",
            capability="rounds.edit",
            guards=(Guard(_definition_complete),),
        ),
        Transition(
            name="unpublish",
            sources=frozenset({RoundStatus.PUBLISHED}),
            target=RoundStatus.DRAFT,
            label="Take back to draft",
            capability="rounds.edit",
            guards=(Guard(_not_opened_yet),),
            warning=True,
        ),
        Transition(
            name="decide",
            sources=frozenset({RoundStatus.PUBLISHED}),
            target=RoundStatus.DECIDED,
            label="Make the awards",
            capability="rounds.panel",
            guards=(Guard(_decision_signed),),
        ),
        Transition(
            name="publish_results",
            sources=frozenset({RoundStatus.DECIDED}),
            target=RoundStatus.RESULTS_PUBLISHED,
            label="Publish the results",
            capability="rounds.edit",
        ),
        Transition(
            name="cancel",
            sources=frozenset({RoundStatus.DRAFT, RoundStatus.PUBLISHED}),
            target=RoundStatus.CANCELLED,
            label="Cancel the round",
            capability="rounds.edit",
            needs_note=True,
            warning=True,
        ),
    ),
    wrong_state=_wrong_state,
)
