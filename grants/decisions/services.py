"""Every write to the decision register: record, update, sign and publish a decision, and the
delegated limit above which an award needs one.

Signing and publishing are the moves of ``DECISION_MACHINE`` (``pcc_commissioning.transitions``).
Every write needs ``grants.edit``; ``actor`` None (imports from the command line, the demo) is
the system."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from delivery.models import UpdateRound, UpdateRoundStatus
from grants.models import (
    Decision,
    DecisionStatus,
)
from grants.validation import check_lengths, date_value, money_value
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import day_label, parse_period_code, period_long_label
from pcc_commissioning.records import attribute_to, save_unique
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.transitions import Guard, Machine, Move, Transition, run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields


# Small helpers ---------------------------------------------------------------------------------
def delegated_limit() -> Decimal:
    """The largest total value an award may have without a signed decision of the PCC
    (setting ``DELEGATED_LIMIT``, default £25,000). An award worth exactly the limit needs none."""
    return settings.DELEGATED_LIMIT


# Decisions ----------------------------------------------------------------------------------------
DECISION_FIELDS = (
    "reference",
    "subject",
    "summary",
    "decision_text",
    "decided_on",
    "amount",
    "decision_maker",
    "declaration_of_interests",
    "contact_officer",
    "background_papers",
)


def _clean_decision(*, instance: Decision, changes: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, DECISION_FIELDS, "decision")
    values = {name: getattr(instance, name) for name in DECISION_FIELDS}
    values.update(changes)
    errors: Errors = {}
    for name in DECISION_FIELDS:
        if name not in ("decided_on", "amount"):
            values[name] = clean_text(values[name])
    if values["amount"] in (None, ""):
        values["amount"] = None
    else:
        values["amount"] = money_value(values["amount"], "amount", errors, what="amount approved")
        if values["amount"] is not None and values["amount"] < 0:
            add_error(errors, "amount", "The amount approved cannot be negative.")
    if not values["reference"]:
        add_error(errors, "reference", "Enter the decision's reference, e.g. PCC-2019-033.")
    elif Decision.objects.filter(reference__iexact=values["reference"]).exclude(pk=instance.pk).exists():
        add_error(errors, "reference", f"There is already a decision with the reference {values['reference']}.")
    if not values["subject"]:
        add_error(errors, "subject", "Enter what the decision is about.")
    if not values["decision_maker"]:
        add_error(errors, "decision_maker", "Enter who made the decision.")
    values["decided_on"] = date_value(
        values["decided_on"], "decided_on", errors, what="date of the decision", required=False
    )
    check_lengths(Decision, values, errors)
    raise_if_errors(errors)
    return values


def _save_decision(decision: Decision) -> None:
    save_unique(
        decision, field="reference", message=f"There is already a decision with the reference {decision.reference}."
    )


@transaction.atomic
def decision_create(*, actor, reference: str, subject: str, **fields: Any) -> Decision:
    """A draft decision record. ``fields`` are any of ``DECISION_FIELDS``."""
    require_capability(actor, "grants.edit")
    values = _clean_decision(instance=Decision(), changes={"reference": reference, "subject": subject, **fields})
    decision = Decision(**values, status=DecisionStatus.DRAFT)
    attribute_to(decision, actor)
    _save_decision(decision)
    return decision


@transaction.atomic
def decision_update(*, decision: Decision, actor, expected_version: int | None, **fields: Any) -> Decision:
    """Change a draft. A signed or published decision is a record and cannot be changed."""
    require_capability(actor, "grants.edit")
    locked = lock_for_update(decision, expected_version=expected_version)
    if locked.status != DecisionStatus.DRAFT:
        raise ValidationError(
            {
                "status": [
                    f"Decision {locked.reference} is {locked.get_status_display().lower()}: "
                    "a signed decision is a record and cannot be changed."
                ]
            }
        )
    values = _clean_decision(instance=locked, changes=fields)
    if not model_update(instance=locked, data=values):
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    _save_decision(locked)
    return locked


# The monitoring of a delivery plan's update -------------------------------------------------------
MONITORED = frozenset({UpdateRoundStatus.ACCEPTED, UpdateRoundStatus.CONSIDERED})


def _months(update_round: UpdateRound) -> str:
    """The months of the round's period, "April to September 2019" (its long label without the
    short one), or the period's code when it is not one the periods module reads."""
    try:
        label = period_long_label(parse_period_code(update_round.period))
    except ValueError:
        return update_round.period
    return label[label.index("(") + 1 : -1]


def _monitoring_summary(update_round: UpdateRound, months: str) -> str:
    plan = update_round.plan
    lines = [
        f"The Police and Crime Commissioner has monitored the delivery of the {plan.title} ({plan.reference}), "
        f"owned by {plan.owner.name}, for {months}."
    ]
    meetings = list(update_round.meetings.order_by("held_on", "id"))
    if meetings:
        considered = "; ".join(f"the {meeting.board_label} on {day_label(meeting.held_on)}" for meeting in meetings)
        lines.append(f"The update was considered by {considered}.")
        if any(meeting.amendments for meeting in meetings):
            lines.append("The amendments the board agreed have been made to the plan.")
    else:
        lines.append("The update has been accepted and has not yet been considered by a board.")
    return "\n\n".join(lines)


@transaction.atomic
def decision_prepare_for_update(*, actor, update_round: UpdateRound, reference: str = "") -> Decision:
    """A draft decision recording that the Commissioner monitored a delivery plan's update:
    its subject and summary name the plan, the period and the board meetings that considered
    it, and it points at ``update_round``. ``reference`` blank: the plan's reference and the
    period ("FDP-2019-2019-H1"). Only an accepted or considered update is monitored, and only
    once (a second decision for the same update is refused)."""
    require_capability(actor, "grants.edit")
    update_round = UpdateRound.objects.select_for_update().select_related("plan__owner").get(pk=update_round.pk)
    if update_round.status not in MONITORED:
        raise ValidationError(
            {
                "update_round": [
                    f"The {update_round.period} update of {update_round.plan.reference} is "
                    f"{update_round.get_status_display().lower()}: only an accepted update is monitored."
                ]
            }
        )
    existing = update_round.decisions.first()
    if existing is not None:
        raise ValidationError(
            {"update_round": [f"Decision {existing.reference} already records the monitoring of this update."]}
        )
    months = _months(update_round)
    plan = update_round.plan
    decision = decision_create(
        actor=actor,
        reference=clean_text(reference) or f"{plan.reference}-{update_round.period}",
        subject=f"Monitoring of the {plan.title}: update for {months}",
        summary=_monitoring_summary(update_round, months),
    )
    decision.update_round = update_round
    decision.save(update_fields=["update_round"])
    return decision


# The decision's life, declared as data: draft ──sign──> signed ──publish──> published -------------
def _sign_wrong_state(decision: Decision, name: str) -> str:
    if name == "publish":
        if decision.status == DecisionStatus.DRAFT:
            return f"Decision {decision.reference} must be signed before it is published."
        return f"Decision {decision.reference} is already published."
    return f"Decision {decision.reference} is already {decision.get_status_display().lower()}."


def _amount_recorded(move: Move) -> str | None:
    """The draft must say the amount the PCC approved (awards made under it are held to it),
    except for a decision an import names (the file does not say) and a decision recording the
    monitoring of a delivery plan's update (it approves no money)."""
    if move.obj.update_round_id is not None:
        return None
    if move.context["require_amount"] and move.obj.amount is None:
        return (
            f"Record the amount the PCC approved on decision {move.obj.reference} before recording "
            "its signature: edit the draft."
        )
    return None


def _decided_on(move: Move) -> Errors | None:
    """The date it was signed: given, else the draft's, else today; never in the future."""
    errors: Errors = {}
    day = date_value(move.context["decided_on"], "decided_on", errors, what="date of the decision", required=False)
    day = day or move.obj.decided_on or clock.today()
    if day > clock.today():
        add_error(errors, "decided_on", "The date of the decision cannot be in the future.")
    move.context["day"] = day
    return errors or None


def _published_on(move: Move) -> Errors | None:
    """The date it was published: given, else today; not in the future nor before the decision."""
    errors: Errors = {}
    day = date_value(move.context["published_on"], "published_on", errors, what="publication date", required=False)
    day = day or clock.today()
    if day > clock.today():
        add_error(errors, "published_on", "The publication date cannot be in the future.")
    elif move.obj.decided_on and day < move.obj.decided_on:
        add_error(errors, "published_on", "A decision cannot be published before the date it was decided on.")
    move.context["day"] = day
    return errors or None


DECISION_MACHINE = Machine(
    name="decision",
    states=tuple(DecisionStatus.values),
    transitions=(
        Transition(
            name="sign",
            sources=frozenset({DecisionStatus.DRAFT}),
            target=DecisionStatus.SIGNED,
            label="Record the signature",
            capability="grants.edit",
            guards=(Guard(_amount_recorded, field="amount"), Guard(_decided_on, always=True)),
        ),
        Transition(
            name="publish",
            sources=frozenset({DecisionStatus.SIGNED}),
            target=DecisionStatus.PUBLISHED,
            label="Record publication",
            capability="grants.edit",
            guards=(Guard(_published_on, always=True),),
        ),
    ),
    wrong_state=_sign_wrong_state,
)  # simple_history keeps the history: the save is attributed to the actor


@transaction.atomic
def decision_sign(
    *,
    decision: Decision,
    actor,
    decided_on: datetime.date | None = None,
    expected_version: int | None = None,
    require_amount: bool = True,
) -> Decision:
    """Record that the PCC signed the decision, on ``decided_on`` (default: the date already
    on the draft, else today), with who recorded it (``signed_by``) and when (``signed_at``).
    The draft must say the amount the PCC approved (awards made under it are held to it),
    except for a decision an import names (``require_amount=False``): the file does not say."""

    def apply(move: Move) -> None:
        move.obj.decided_on = move.context["day"]
        move.obj.signed_by = actor
        move.obj.signed_at = timezone.now()

    return run(
        DECISION_MACHINE,
        decision,
        "sign",
        actor=actor,
        lock=lambda decision: lock_for_update(decision, expected_version=expected_version),
        context={"decided_on": decided_on, "require_amount": require_amount},
        apply=apply,
    )


@transaction.atomic
def decision_publish(
    *, decision: Decision, actor, published_on: datetime.date | None = None, expected_version: int | None = None
) -> Decision:
    """Record that a signed decision was published, on ``published_on`` (default today)."""

    def apply(move: Move) -> None:
        move.obj.published_on = move.context["day"]

    return run(
        DECISION_MACHINE,
        decision,
        "publish",
        actor=actor,
        lock=lambda decision: lock_for_update(decision, expected_version=expected_version),
        context={"published_on": published_on},
        apply=apply,
    )


@transaction.atomic
def decision_get_or_create(
    *, actor, reference: str, decided_on: datetime.date | None = None, subject: str = ""
) -> tuple[Decision, bool]:
    """The decision ``reference`` (matched ignoring capitals), created if there is none. For imports.

    A decision named in an awards file has already been made, so one created here *with* a
    date is recorded as signed on that date (``signed_by`` = ``actor``); without a date it is a
    draft. It is not published: the file does not say when (call ``decision_publish``).
    An existing decision is returned unchanged; a different date from the one stored is refused.
    """
    require_capability(actor, "grants.edit")
    errors: Errors = {}
    reference = clean_text(reference)
    if not reference:
        add_error(errors, "reference", "Enter the decision's reference, e.g. PCC-2019-033.")
    day = date_value(decided_on, "decided_on", errors, what="date of the decision", required=False)
    raise_if_errors(errors)
    existing = Decision.objects.filter(reference__iexact=reference).first()
    if existing is not None:
        if day is not None and existing.decided_on is not None and existing.decided_on != day:
            raise ValidationError(
                {
                    "decided_on": [
                        f"Decision {existing.reference} is recorded as decided on {existing.decided_on.isoformat()}, "
                        f"not {day.isoformat()}."
                    ]
                }
            )
        return existing, False
    decision = decision_create(
        actor=actor, reference=reference, subject=clean_text(subject) or reference, decided_on=day
    )
    if day is not None:
        decision = decision_sign(decision=decision, actor=actor, decided_on=day, require_amount=False)
    return decision, True
