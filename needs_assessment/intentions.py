"""Writes to commissioning intentions: create, update, and status changes through the intentions'
state machine (``INTENTION_MACHINE``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from needs_assessment.models import (
    CommissioningIntention,
    Finding,
    IntentionRank,
    IntentionStatus,
    Theme,
)
from needs_assessment.validation import (
    check_lengths,
    choice_value,
    current_values,
    fy_value,
    optional_record,
    records_named,
    set_m2m,
)
from outcomes.models import CommissioningPriority
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.money import AmountError, amount_from
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.transitions import Machine, Transition, run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields

# Commissioning intentions -------------------------------------------------------------------------
INTENTION_FIELDS = (
    "title",
    "description",
    "theme",
    "rank",
    "when_date",
    "when_fy",
    "lead",
    "status",
    "estimated_annual_cost",
    "priority",
)


_INTENTION_RELATIONS = ("theme", "lead", "priority")


def _clean_intention(*, instance: CommissioningIntention, changes: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    refuse_unknown_fields(changes, INTENTION_FIELDS, "intention")
    errors: Errors = {}
    values = current_values(instance, INTENTION_FIELDS, _INTENTION_RELATIONS)
    values.update(changes)
    values["title"] = clean_text(values["title"])
    values["description"] = clean_text(values["description"])
    if not values["title"]:
        add_error(errors, "title", "Enter the title of the commissioning intention.")
    values["rank"] = choice_value(values["rank"], IntentionRank, "rank", errors, what="priority: must, should or could")
    values["status"] = choice_value(
        values["status"] or IntentionStatus.PROPOSED, IntentionStatus, "status", errors, what="status"
    )
    when_date = values["when_date"]
    if when_date is not None and (not isinstance(when_date, datetime.date) or isinstance(when_date, datetime.datetime)):
        add_error(errors, "when_date", "Enter the date it is due, like 2020-04-01.")
    values["when_fy"] = fy_value(values["when_fy"], "when_fy", errors, required=False)
    if when_date is not None and values["when_fy"] is not None:
        add_error(errors, "when_fy", "Give the date or the financial year it is due, not both.")
    values["theme"] = optional_record(
        values["theme"], Theme, "theme", errors, message="Choose the theme of need it answers."
    )
    values["priority"] = optional_record(
        values["priority"], CommissioningPriority, "priority", errors, message="Choose the commissioning priority."
    )
    lead = values["lead"]
    if lead is not None and not isinstance(lead, models.Model):
        add_error(errors, "lead", "Choose the lead.")
    cost = values["estimated_annual_cost"]
    if cost in ("", None):
        values["estimated_annual_cost"] = None
    else:
        try:
            values["estimated_annual_cost"] = amount_from(cost, what="estimated annual cost", allow_negative=False)
        except AmountError as exc:
            add_error(errors, "estimated_annual_cost", str(exc))
    check_lengths(CommissioningIntention, {"title": values["title"]}, errors)
    return values, errors


@transaction.atomic
def intention_create(
    *,
    actor,
    title: str,
    rank: str,
    description: str = "",
    findings: Iterable[Finding] = (),
    theme: Theme | None = None,
    when_date: datetime.date | None = None,
    when_fy: int | None = None,
    lead=None,
    status: str = IntentionStatus.PROPOSED,
    estimated_annual_cost: Decimal | None = None,
    priority: CommissioningPriority | None = None,
) -> CommissioningIntention:
    require_capability(actor, "needs.edit")
    values, errors = _clean_intention(
        instance=CommissioningIntention(),
        changes={
            "title": title,
            "rank": rank,
            "description": description,
            "theme": theme,
            "when_date": when_date,
            "when_fy": when_fy,
            "lead": lead,
            "status": status,
            "estimated_annual_cost": estimated_annual_cost,
            "priority": priority,
        },
    )
    chosen = records_named(findings, Finding, "findings", errors, message="Choose the findings it answers.")
    raise_if_errors(errors)
    intention = CommissioningIntention(**values)
    attribute_to(intention, actor)
    intention.save()
    if chosen:
        attribute_to(intention, actor)
        intention.findings.set(chosen)
    return intention


@transaction.atomic
def intention_update(
    *,
    intention: CommissioningIntention,
    actor,
    expected_version: int | None,
    findings: Iterable[Finding] | None = None,
    **fields: Any,
) -> CommissioningIntention:
    """Change an intention's fields (any of ``INTENTION_FIELDS``) and its findings when given.
    ``expected_version`` is the version the editor loaded (None skips the check)."""
    require_capability(actor, "needs.edit")
    locked = lock_for_update(intention, expected_version=expected_version)
    values, errors = _clean_intention(instance=locked, changes=fields)
    chosen = records_named(findings, Finding, "findings", errors, message="Choose the findings it answers.")
    raise_if_errors(errors)
    changed = bool(model_update(instance=locked, data=values))
    if set_m2m(locked, "findings", chosen, actor=actor):
        changed = True
    if not changed:
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    locked.save()
    return locked


# An intention's status, declared as data: any status may move to any other (plans change, and
# a dropped intention may be taken up again). The edit form also sets it, as one of its fields.
def _intention_wrong_state(intention: CommissioningIntention, name: str) -> str:
    return f"Choose the status ({', '.join(IntentionStatus.values)})."


INTENTION_MACHINE = Machine(
    name="commissioning intention",
    states=tuple(IntentionStatus.values),
    transitions=tuple(
        Transition(
            name=target,
            sources=frozenset(IntentionStatus.values) - {target},
            target=target,
            label=str(label),
            capability="needs.edit",
        )
        for target, label in IntentionStatus.choices
    ),
    wrong_state=_intention_wrong_state,
)  # simple_history keeps the history: the save is attributed to the actor


@transaction.atomic
def intention_set_status(
    *, intention: CommissioningIntention, actor, status: str, expected_version: int | None = None
) -> CommissioningIntention:
    """Move an intention to ``status`` (proposed, agreed, in procurement, commissioned, dropped;
    blank: proposed) through ``INTENTION_MACHINE``. Its current status changes nothing."""
    require_capability(actor, "needs.edit")
    target = clean_text(status).lower() or IntentionStatus.PROPOSED
    locked = lock_for_update(intention, expected_version=expected_version)
    if target == locked.status:
        locked.version -= 1
        return locked
    return run(INTENTION_MACHINE, locked, target, actor=actor)
