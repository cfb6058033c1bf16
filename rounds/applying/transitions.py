"""An application's life, declared as data:

    draft ──submit──> submitted ──request_info──> info requested ──resubmit──> submitted
      │                  │  └──succeed / fail (the round's decision)──> successful / unsuccessful
      └──withdraw────────┴──────────withdraw───────────┘──> withdrawn

Screening (eligible or not) is a separate field, not a state: an officer may screen an
application while it is submitted. ``submit`` is refused after the round's closing time by the
server's clock; ``resubmit`` until the date the officer reopened it for (``info_until``)."""

from __future__ import annotations

from django.db import models

from pcc_commissioning import clock
from pcc_commissioning.transitions import Guard, Machine, Move, Transition

from ..models import Application, ApplicationEvent, ApplicationStatus, RoundStatus

CLOSED_MESSAGE = "The round closed at {closes}: applications can no longer be submitted."


def _wrong_state(application: Application, name: str) -> str:
    status = application.get_status_display().lower()
    return f"Application {application.reference} is {status}: it cannot be {name.replace('_', ' ')}ed now."


def closing_text(moment) -> str:
    return clock.moment_label(moment)


def _round_taking_applications(move: Move) -> str | None:
    round = move.obj.round
    if round.status != RoundStatus.PUBLISHED:
        return f"Round {round.reference} is not taking applications."
    now = clock.now()
    if now < round.opens_at:
        return f"Round {round.reference} opens at {closing_text(round.opens_at)}."
    if now >= round.closes_at:
        return CLOSED_MESSAGE.format(closes=closing_text(round.closes_at))
    return None


def _reopened_until(move: Move) -> str | None:
    until = move.obj.info_until
    if until is not None and clock.now() >= until:
        return f"The application was reopened until {closing_text(until)}: that time has passed."
    return None


def _answers_complete(move: Move) -> str | dict | None:
    from .answers import submission_problems  # the answers' rules live with the journey

    return submission_problems(move.obj) or None


def record_event(move: Move) -> None:
    ApplicationEvent.objects.create(
        application=move.obj,
        from_status=move.from_state,
        to_status=move.to_state,
        at=clock.now(),
        by=move.actor,
        note=move.context.get("note", ""),
    )


def _applicant_access(actor, application) -> None:
    from .access import access_own_application  # raises PermissionDenied for another organisation's

    if application is not None:
        access_own_application(actor, application.pk)


APPLICATION_MACHINE = Machine(
    name="application",
    states=tuple(ApplicationStatus.values),
    transitions=(
        Transition(
            name="submit",
            sources=frozenset({ApplicationStatus.DRAFT}),
            target=ApplicationStatus.SUBMITTED,
            label="Submit the application",
            capability="rounds.apply",
            access=_applicant_access,
            guards=(Guard(_round_taking_applications), Guard(_answers_complete)),
        ),
        Transition(
            name="request_info",
            sources=frozenset({ApplicationStatus.SUBMITTED}),
            target=ApplicationStatus.INFO_REQUESTED,
            label="Ask for more information",
            capability="rounds.screen",
            needs_note=True,
        ),
        Transition(
            name="resubmit",
            sources=frozenset({ApplicationStatus.INFO_REQUESTED}),
            target=ApplicationStatus.SUBMITTED,
            label="Send the information",
            capability="rounds.apply",
            access=_applicant_access,
            guards=(Guard(_reopened_until), Guard(_answers_complete)),
        ),
        Transition(
            name="withdraw",
            sources=frozenset({ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED}),
            target=ApplicationStatus.WITHDRAWN,
            label="Withdraw the application",
            capability="rounds.apply",
            access=_applicant_access,
            warning=True,
        ),
        # Made by the decision stage (the system, or the officer making the awards).
        Transition(
            name="succeed",
            sources=frozenset({ApplicationStatus.SUBMITTED}),
            target=ApplicationStatus.SUCCESSFUL,
            label="Successful",
            capability="rounds.panel",
        ),
        Transition(
            name="fail",
            sources=frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED}),
            target=ApplicationStatus.UNSUCCESSFUL,
            label="Unsuccessful",
            capability="rounds.panel",
        ),
    ),
    wrong_state=_wrong_state,
    record=record_event,
)

# States in which the applicant may still change the answers.
EDITABLE_STATES = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.INFO_REQUESTED})
# States an application counts as received in (the round's reporting, screening, the panel).
RECEIVED_STATES = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INFO_REQUESTED,
        ApplicationStatus.SUCCESSFUL,
        ApplicationStatus.UNSUCCESSFUL,
    }
)


def received(queryset: models.QuerySet) -> models.QuerySet:
    return queryset.filter(status__in=RECEIVED_STATES)
