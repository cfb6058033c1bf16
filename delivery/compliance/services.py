"""Every write of Victims' Code compliance: a body's figure for a measure and quarter (set by
key, last one wins: a quarter's return replaces what was recorded), the joint review meetings
and their actions, and the Code itself (editions, their rights and measures), which is data so
a new edition is added on a page.

Every write needs ``delivery.edit`` (a figure may also come from an import, ``delivery.import``);
``actor`` None is the system (the command line, the demo)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import date_problem, period_for, quarter_label, year_problem
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors
from providers.models import Organisation

from ..models import (
    ActionStatus,
    CodeEdition,
    CodeRight,
    ComplianceFigure,
    ComplianceMeasure,
    ReviewAction,
    ReviewMeeting,
)
from .breakdown import breakdown_problems

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _actor_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_period(errors: Errors, fy: Any, quarter: Any) -> None:
    if fy in (None, ""):
        add_error(errors, "fy", "Enter the financial year.")
    elif problem := year_problem(fy, what="The financial year"):
        add_error(errors, "fy", problem)
    if quarter in (None, ""):
        add_error(errors, "quarter", "Choose the quarter.")
    elif isinstance(quarter, bool) or str(quarter).strip() not in ("1", "2", "3", "4"):
        add_error(errors, "quarter", "The quarter must be 1, 2, 3 or 4.")


def _whole(errors: Errors, name: str, value: Any, what: str) -> int | None:
    if value in (None, ""):
        add_error(errors, name, f"Enter {what}.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        add_error(errors, name, f"{what[0].upper()}{what[1:]} must be a whole number, 0 or more.")
        return None
    return value


# Figures -------------------------------------------------------------------------------------


@transaction.atomic
def figure_record(
    *,
    actor,
    body: Organisation | None,
    measure: ComplianceMeasure | None,
    fy: int,
    quarter: int,
    numerator: int,
    denominator: int,
    breakdown: dict | None = None,
) -> tuple[ComplianceFigure, str]:
    """Record ``body``'s figure for ``measure`` in quarter ``quarter`` of ``fy``: ``numerator``
    of ``denominator`` victims, with an optional breakdown (``breakdown.breakdown_problems``).
    Replaces the figure already recorded for that key. Returns the figure and whether it was
    created, updated or unchanged."""
    require_capability(actor, "delivery.edit", "delivery.import")
    errors: Errors = {}
    if not isinstance(body, Organisation):
        add_error(errors, "body", "Choose the criminal justice body.")
    if not isinstance(measure, ComplianceMeasure):
        add_error(errors, "measure", "Choose the measure.")
    _check_period(errors, fy, quarter)
    numerator = _whole(errors, "numerator", numerator, "the number of victims meeting the measure")
    denominator = _whole(errors, "denominator", denominator, "the number of victims")
    if numerator is not None and denominator is not None and numerator > denominator:
        add_error(
            errors,
            "numerator",
            f"The number meeting the measure ({numerator}) cannot be more than the number of victims ({denominator}).",
        )
    breakdown = breakdown or {}
    if numerator is not None and denominator is not None:
        for problem in breakdown_problems(breakdown, numerator=numerator, denominator=denominator):
            add_error(errors, "breakdown", problem)
    if "measure" not in errors and "fy" not in errors and "quarter" not in errors:
        problem = _edition_problem(measure, int(fy), int(quarter))
        if problem:
            add_error(errors, "measure", problem)
    raise_if_errors(errors)
    values = {"numerator": numerator, "denominator": denominator, "breakdown": breakdown}
    figure = (
        ComplianceFigure.objects.select_for_update()
        .filter(body=body, measure=measure, fy=int(fy), quarter=int(quarter))
        .first()
    )
    if figure is None:
        figure = ComplianceFigure.objects.create(
            body=body, measure=measure, fy=int(fy), quarter=int(quarter), recorded_by=_actor_user(actor), **values
        )
        return figure, CREATED
    if not model_update(instance=figure, data=values):
        return figure, UNCHANGED
    figure.recorded_by = _actor_user(actor)
    figure.save()
    return figure, UPDATED


def _edition_problem(measure: ComplianceMeasure, fy: int, quarter: int) -> str:
    """A measure is reported only for quarters its edition of the Code was in force in (for
    part of the quarter at least: a new Code may start mid-quarter)."""
    period = period_for(fy, f"Q{quarter}")
    edition = measure.edition
    if edition.in_force_from > period.end or (edition.in_force_to and edition.in_force_to < period.start):
        return f"This measure belongs to the {edition.name}, which was not in force in {quarter_label(fy, quarter)}."
    return ""


# Review meetings -----------------------------------------------------------------------------

MEETING_FIELDS = ("fy", "quarter", "held_on", "notes")


def _clean_meeting(values: dict[str, Any]) -> dict[str, Any]:
    errors: Errors = {}
    _check_period(errors, values.get("fy"), values.get("quarter"))
    held_on = values.get("held_on")
    if not isinstance(held_on, datetime.date):
        add_error(errors, "held_on", "Enter the date the meeting was held.")
    elif problem := date_problem(held_on, what="The meeting date"):
        add_error(errors, "held_on", problem)
    bodies = list(values.get("bodies") or [])
    if not all(isinstance(body, Organisation) for body in bodies):
        add_error(errors, "bodies", "Choose the bodies from the register of organisations.")
    raise_if_errors(errors)
    return {
        "fy": int(values["fy"]),
        "quarter": int(values["quarter"]),
        "held_on": held_on,
        "notes": clean_text(values.get("notes")),
        "bodies": bodies,
    }


@transaction.atomic
def review_meeting_create(
    *,
    actor,
    fy: int,
    quarter: int,
    held_on: datetime.date,
    bodies: Iterable[Organisation] = (),
    notes: str = "",
) -> ReviewMeeting:
    """Record a joint review of quarter ``quarter`` of ``fy`` with the criminal justice bodies."""
    require_capability(actor, "delivery.edit")
    values = _clean_meeting({"fy": fy, "quarter": quarter, "held_on": held_on, "bodies": bodies, "notes": notes})
    bodies = values.pop("bodies")
    meeting = ReviewMeeting.objects.create(recorded_by=_actor_user(actor), **values)
    meeting.bodies.set(bodies)
    return meeting


@transaction.atomic
def review_meeting_update(
    *,
    actor,
    meeting: ReviewMeeting,
    expected_version: int | None,
    fy: int,
    quarter: int,
    held_on: datetime.date,
    bodies: Iterable[Organisation] = (),
    notes: str = "",
) -> ReviewMeeting:
    require_capability(actor, "delivery.edit")
    values = _clean_meeting({"fy": fy, "quarter": quarter, "held_on": held_on, "bodies": bodies, "notes": notes})
    bodies = values.pop("bodies")
    locked = lock_for_update(meeting, expected_version=expected_version)
    changed = model_update(instance=locked, data=values)
    bodies_changed = {body.pk for body in bodies} != set(locked.bodies.values_list("pk", flat=True))
    if not (changed or bodies_changed):
        # Saving an unchanged form leaves the version alone, so a colleague's open form stays good.
        locked.version -= 1
        return locked
    locked.save()
    if bodies_changed:
        locked.bodies.set(bodies)
    return locked


# Review actions ------------------------------------------------------------------------------


def _clean_action(values: dict[str, Any]) -> dict[str, Any]:
    errors: Errors = {}
    action = clean_text(values.get("action"))
    if not action:
        add_error(errors, "action", "Enter what is to be done.")
    body = values.get("body")
    if body is not None and not isinstance(body, Organisation):
        add_error(errors, "body", "Choose the body from the register of organisations.")
    owner = clean_text(values.get("owner"))
    if len(owner) > 200:
        add_error(errors, "owner", "The owner must be 200 characters or fewer.")
    due_on = values.get("due_on")
    if due_on is not None and not isinstance(due_on, datetime.date):
        add_error(errors, "due_on", "Enter the due date as a date.")
    elif due_on is not None and (problem := date_problem(due_on, what="The due date")):
        add_error(errors, "due_on", problem)
    status = values.get("status", ActionStatus.OPEN)
    if status not in ActionStatus.values:
        add_error(errors, "status", f"The status must be one of: {', '.join(ActionStatus.values)}.")
    outcome = clean_text(values.get("outcome"))
    if status == ActionStatus.DONE and not outcome:
        add_error(errors, "outcome", "Say what was done before marking the action done.")
    if status == ActionStatus.DROPPED and not outcome:
        add_error(errors, "outcome", "Say why the action was dropped.")
    raise_if_errors(errors)
    return {"action": action, "body": body, "owner": owner, "due_on": due_on, "status": status, "outcome": outcome}


@transaction.atomic
def review_action_create(
    *,
    actor,
    meeting: ReviewMeeting,
    action: str,
    body: Organisation | None = None,
    owner: str = "",
    due_on: datetime.date | None = None,
) -> ReviewAction:
    """An action agreed at ``meeting``; it starts open."""
    require_capability(actor, "delivery.edit")
    values = _clean_action({"action": action, "body": body, "owner": owner, "due_on": due_on})
    return ReviewAction.objects.create(meeting=meeting, **values)


@transaction.atomic
def review_action_update(
    *,
    actor,
    review_action: ReviewAction,
    expected_version: int | None,
    action: str,
    body: Organisation | None = None,
    owner: str = "",
    due_on: datetime.date | None = None,
    status: str = ActionStatus.OPEN,
    outcome: str = "",
) -> ReviewAction:
    """Change an action, or close it: ``done`` needs what was done, ``dropped`` why (in
    ``outcome``); a closed action may be opened again."""
    require_capability(actor, "delivery.edit")
    values = _clean_action(
        {"action": action, "body": body, "owner": owner, "due_on": due_on, "status": status, "outcome": outcome}
    )
    locked = lock_for_update(review_action, expected_version=expected_version)
    if not model_update(instance=locked, data=values):
        locked.version -= 1  # nothing changed: a colleague's open form stays good
        return locked
    locked.save()
    return locked


# The Code ------------------------------------------------------------------------------------


@transaction.atomic
def code_edition_create(
    *, actor, name: str, in_force_from: datetime.date, in_force_to: datetime.date | None = None
) -> CodeEdition:
    """A new edition of the Code. The edition in force with no end that started before it is
    closed the day before the new one comes into force; any other overlap is refused."""
    require_capability(actor, "delivery.edit")
    errors: Errors = {}
    name = clean_text(name)
    if not name:
        add_error(errors, "name", "Enter the edition's name, e.g. Code of Practice for Victims of Crime 2026.")
    elif len(name) > 200:
        add_error(errors, "name", "The name must be 200 characters or fewer.")
    elif CodeEdition.objects.filter(name__iexact=name).exists():
        add_error(errors, "name", "An edition with this name already exists.")
    if not isinstance(in_force_from, datetime.date):
        add_error(errors, "in_force_from", "Enter the date the edition comes into force.")
    elif problem := date_problem(in_force_from, what="The date it comes into force"):
        add_error(errors, "in_force_from", problem)
    if in_force_to is not None and isinstance(in_force_from, datetime.date) and in_force_to < in_force_from:
        add_error(errors, "in_force_to", "The edition cannot end before it comes into force.")
    raise_if_errors(errors)
    current = (
        CodeEdition.objects.select_for_update()
        .filter(in_force_to__isnull=True, in_force_from__lt=in_force_from)
        .order_by("-in_force_from")
        .first()
    )
    if current is not None:
        current.in_force_to = in_force_from - datetime.timedelta(days=1)
        current.save(update_fields=["in_force_to"])
    end = in_force_to or datetime.date.max
    for other in CodeEdition.objects.exclude(pk=getattr(current, "pk", None)):
        other_end = other.in_force_to or datetime.date.max
        if other.in_force_from <= end and in_force_from <= other_end:
            raise ValidationError({"in_force_from": [f"The dates overlap the {other.name}."]})
    return CodeEdition.objects.create(name=name, in_force_from=in_force_from, in_force_to=in_force_to)


@transaction.atomic
def code_right_add(*, actor, edition: CodeEdition, number: int, title: str, summary: str = "") -> CodeRight:
    require_capability(actor, "delivery.edit")
    errors: Errors = {}
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 100:
        add_error(errors, "number", "The right's number must be a whole number from 1 to 100.")
    elif edition.rights.filter(number=number).exists():
        add_error(errors, "number", f"The {edition.name} already has a right {number}.")
    title = clean_text(title)
    if not title:
        add_error(errors, "title", "Enter the right's title.")
    elif len(title) > 300:
        add_error(errors, "title", "The title must be 300 characters or fewer.")
    raise_if_errors(errors)
    return CodeRight.objects.create(edition=edition, number=number, title=title, summary=clean_text(summary))


@transaction.atomic
def compliance_measure_add(
    *,
    actor,
    edition: CodeEdition,
    key: str,
    name: str,
    right: CodeRight | None = None,
    description: str = "",
    position: int | None = None,
) -> ComplianceMeasure:
    """A measure the bodies report against ``edition``; ``key`` names it in files, so it is
    short, lower case and unique within the edition. It goes last unless ``position`` is given."""
    require_capability(actor, "delivery.edit")
    errors: Errors = {}
    key = clean_text(key).lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", key):
        add_error(errors, "key", "The key must be lower-case letters, digits and underscores, starting with a letter.")
    elif edition.measures.filter(key=key).exists():
        add_error(errors, "key", f"The {edition.name} already has a measure with the key {key}.")
    name = clean_text(name)
    if not name:
        add_error(errors, "name", "Enter the measure's name.")
    elif len(name) > 300:
        add_error(errors, "name", "The name must be 300 characters or fewer.")
    if right is not None and right.edition_id != edition.pk:
        add_error(errors, "right", "Choose a right of the same edition.")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int) or position < 1):
        add_error(errors, "position", "The position must be a whole number, 1 or more.")
    raise_if_errors(errors)
    if position is None:
        last = edition.measures.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
    return ComplianceMeasure.objects.create(
        edition=edition, key=key, name=name, right=right, description=clean_text(description), position=position
    )
