"""Every write to a round's set-up: the round, its eligibility questions, application questions
and criteria, copying last year's round, importing a definition, and the round's moves
(publish, take back to draft, cancel, publish the results) through ``ROUND_MACHINE``.

Once a published round has opened its definition is frozen: a change needs a reason, and the
definition as it was is kept as a ``RoundVersion`` (``_before_definition_change``). A decided,
results-published or cancelled round is not changed at all. Edits of a round's questions and
criteria carry the round's ``version``: the definition is one record to the people editing it.
Every write needs ``rounds.edit``; ``actor`` None is the system (the command line, the demo)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import year_problem
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.transitions import run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields

from ..models import (
    ApplicationQuestion,
    Criterion,
    EligibilityQuestion,
    Round,
    RoundKind,
    RoundStatus,
    RoundVersion,
)
from .documents import definition_document
from .transitions import ROUND_MACHINE
from .validation import (
    DEFINITION_FIELDS,
    criterion_problems,
    eligibility_problems,
    question_problems,
    round_problems,
)

ROUND_FIELDS = (
    "reference",
    "name",
    "kind",
    "summary",
    "who_can_apply",
    "how_to_apply",
    *DEFINITION_FIELDS,
    "award_start",
    "award_end",
)
_TEXT = ("reference", "name", "kind", "summary", "who_can_apply", "how_to_apply")
_REQUIRED = {
    "reference": "Enter the round's reference, e.g. CSF-2026.",
    "name": "Enter the round's name.",
    "priority": "Choose the commissioning priority the round funds.",
    "funding_stream": "Choose the funding stream that pays for the round.",
    "fy": "Enter the financial year.",
    "budget": "Enter the budget.",
    "min_amount": "Enter the smallest request.",
    "max_amount": "Enter the largest request.",
    "opens_at": "Enter when the round opens.",
    "closes_at": "Enter when the round closes.",
}
UNCHANGEABLE = frozenset({RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED, RoundStatus.CANCELLED})
REASON_NEEDED = "The round has opened: say why its definition is being changed."


# The freeze ----------------------------------------------------------------------------------


def is_frozen(round: Round, now: datetime.datetime | None = None) -> bool:
    """Whether a change to ``round``'s definition needs a reason (it is published and open or
    closed; decided rounds cannot be changed at all)."""
    moment = clock.now() if now is None else now
    return round.status == RoundStatus.PUBLISHED and moment >= round.opens_at


def _refuse_if_unchangeable(round: Round) -> None:
    if round.status in UNCHANGEABLE:
        raise ValidationError(
            {"status": [f"Round {round.reference} is {round.get_status_display().lower()}: it cannot be changed."]}
        )


def _before_definition_change(locked: Round, *, actor, reason: str) -> None:
    """Call before writing a change to the definition of ``locked`` (the locked round): refuse
    a decided round; once open, insist on a reason and keep the definition as it is now."""
    _refuse_if_unchangeable(locked)
    if not is_frozen(locked):
        return
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": [REASON_NEEDED]})
    RoundVersion.objects.create(
        round=locked,
        number=locked.definition_version,
        definition=definition_document(locked),
        reason=reason,
        changed_by=actor,
        changed_at=clock.now(),
    )
    locked.definition_version += 1


# The round -----------------------------------------------------------------------------------


def _clean_round(*, instance: Round, changes: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, ROUND_FIELDS, "round")
    values = {name: getattr(instance, name, None) for name in ROUND_FIELDS}
    for name in ("priority", "funding_stream"):
        values[name] = getattr(instance, name) if getattr(instance, f"{name}_id") else None
    values.update(changes)
    errors: Errors = {}
    for name in _TEXT:
        values[name] = clean_text(values[name])
    values["kind"] = values["kind"] or RoundKind.OPEN_CALL
    for name, message in _REQUIRED.items():
        if values[name] in (None, ""):
            add_error(errors, name, message)
    if values["kind"] not in RoundKind.values:
        add_error(errors, "kind", f"Choose the kind of round ({', '.join(RoundKind.values)}).")
    if values["fy"] not in (None, ""):
        problem = year_problem(values["fy"], what="The financial year")
        if problem:
            add_error(errors, "fy", problem)
        else:
            values["fy"] = int(values["fy"])
    if (
        values["reference"]
        and Round.objects.filter(reference__iexact=values["reference"]).exclude(pk=instance.pk).exists()
    ):
        add_error(errors, "reference", f"There is already a round with the reference {values['reference']}.")
    for name, value in values.items():
        field = Round._meta.get_field(name)
        if isinstance(value, str) and field.max_length and len(value) > field.max_length:
            add_error(errors, name, f"The {field.verbose_name} must be {field.max_length} characters or fewer.")
    for name, messages in round_problems(values).items():
        errors.setdefault(name, []).extend(messages)
    raise_if_errors(errors)
    return values


def _save_round(round: Round) -> None:
    try:
        with transaction.atomic():
            round.save()
    except IntegrityError:
        raise ValidationError(
            {"reference": [f"There is already a round with the reference {round.reference}."]}
        ) from None


@transaction.atomic
def round_create(*, actor, kpqs: Iterable = (), areas: Iterable = (), **fields: Any) -> Round:
    """A draft round. ``fields`` are any of ``ROUND_FIELDS`` (reference, name, priority,
    funding stream, year, money and dates required); ``kpqs`` and ``areas`` are records."""
    require_capability(actor, "rounds.edit")
    values = _clean_round(instance=Round(), changes=fields)
    round = Round(**values, status=RoundStatus.DRAFT, created_by=actor)
    attribute_to(round, actor)
    _save_round(round)
    round.kpqs.set(list(kpqs))
    round.areas.set(list(areas))
    return round


def _related_changed(round: Round, name: str, records) -> bool:
    if records is None:
        return False
    return {record.pk for record in getattr(round, name).all()} != {record.pk for record in records}


@transaction.atomic
def round_update(
    *, actor, round: Round, expected_version: int | None, reason: str = "", kpqs=None, areas=None, **fields: Any
) -> Round:
    """Change the round. Changing its definition (money, dates, pass mark, priority, KPQs…)
    after it opened needs ``reason``; its name and public texts can change freely until it is
    decided. ``kpqs``/``areas`` None: left as they are."""
    require_capability(actor, "rounds.edit")
    locked = lock_for_update(round, expected_version=expected_version)
    _refuse_if_unchangeable(locked)
    values = _clean_round(instance=locked, changes=fields)
    before = {name: getattr(locked, name) for name in ROUND_FIELDS}
    before.update(priority=locked.priority_id, funding_stream=locked.funding_stream_id)
    after = {name: (value.pk if isinstance(value, models.Model) else value) for name, value in values.items()}
    definition_changed = any(before[name] != after[name] for name in DEFINITION_FIELDS)
    definition_changed = definition_changed or _related_changed(locked, "kpqs", kpqs)
    areas_changed = _related_changed(locked, "areas", areas)
    if definition_changed:
        _before_definition_change(locked, actor=actor, reason=reason)
    changed = model_update(instance=locked, data=values)
    if not (changed or definition_changed or areas_changed):
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    _save_round(locked)
    if kpqs is not None:
        locked.kpqs.set(list(kpqs))
    if areas is not None:
        locked.areas.set(list(areas))
    return locked


@transaction.atomic
def round_copy(
    *,
    actor,
    source: Round,
    reference: str,
    name: str,
    fy: int,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    **fields: Any,
) -> Round:
    """A new draft round like ``source`` (last year's): its money, texts, KPQs, areas,
    questions and criteria, under a new reference, name, year and dates (``fields``: any other
    of ``ROUND_FIELDS`` to set differently, such as the panel date)."""
    require_capability(actor, "rounds.edit")
    copied = {name: getattr(source, name) for name in ROUND_FIELDS}
    copied.update(panel_date=None, award_start=None, award_end=None)
    copied.update(fields, reference=reference, name=name, fy=fy, opens_at=opens_at, closes_at=closes_at)
    values = _clean_round(instance=Round(), changes=copied)
    round = Round(**values, status=RoundStatus.DRAFT, created_by=actor, copied_from=source)
    attribute_to(round, actor)
    _save_round(round)
    round.kpqs.set(list(source.kpqs.all()))
    round.areas.set(list(source.areas.all()))
    for part in PARTS.values():
        rows = [part.model(round=round, **_item_fields(part, item)) for item in part.items(source)]
        part.model.objects.bulk_create(rows)
    return round


# Questions and criteria ---------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One list of a round's definition: its model, fields, rules and name for messages."""

    model: type[models.Model]
    fields: tuple[str, ...]
    text_fields: tuple[str, ...]
    problems: Any
    what: str
    related_name: str

    def items(self, round: Round) -> models.QuerySet:
        return getattr(round, self.related_name).all()


PARTS = {
    "eligibility": Part(
        EligibilityQuestion,
        ("key", "question", "kind", "required_answer", "min_value", "max_value", "position"),
        ("key", "question", "kind"),
        eligibility_problems,
        "eligibility question",
        "eligibility_questions",
    ),
    "questions": Part(
        ApplicationQuestion,
        ("key", "text", "kind", "hint", "word_limit", "choices", "required", "position"),
        ("key", "text", "kind", "hint", "choices"),
        question_problems,
        "question",
        "questions",
    ),
    "criteria": Part(
        Criterion,
        ("key", "text", "guidance", "weight", "max_score", "position"),
        ("key", "text", "guidance"),
        criterion_problems,
        "criterion",
        "criteria",
    ),
}


def _item_fields(part: Part, item) -> dict[str, Any]:
    return {name: getattr(item, name) for name in part.fields}


def _clean_item(part: Part, *, round: Round, instance, changes: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, part.fields, part.what)
    values = {name: getattr(instance, name) for name in part.fields}
    values.update(changes)
    for name in part.text_fields:
        values[name] = clean_text(values[name])
    if "choices" in values:
        values["choices"] = "\n".join(line.strip() for line in values["choices"].splitlines() if line.strip())
    errors = part.problems(values)
    if "key" not in errors and part.items(round).filter(key=values["key"]).exclude(pk=instance.pk).exists():
        add_error(errors, "key", _duplicate_key(part, values["key"]))
    for name, value in values.items():
        field = part.model._meta.get_field(name)
        if isinstance(value, str) and field.max_length and len(value) > field.max_length:
            add_error(errors, name, f"This must be {field.max_length} characters or fewer.")
    raise_if_errors(errors)
    return values


def _duplicate_key(part: Part, key: str) -> str:
    return f"Another {part.what} of this round has the key {key}."


def _save_item(part: Part, item) -> None:
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # Someone added the same key between our check and our write.
        raise ValidationError({"key": [_duplicate_key(part, item.key)]}) from None


def _touch(locked: Round, actor) -> None:
    attribute_to(locked, actor)
    locked.save(update_fields=["version", "definition_version"])


# One service per change serves the three lists: ``part`` names the list ("eligibility",
# "questions" or "criteria", the keys of ``PARTS``).


@transaction.atomic
def definition_item_add(
    *, actor, part: str, round: Round, expected_version: int | None, reason: str = "", **fields: Any
):
    """Add an entry at the end of the list ``part`` (or at ``position``)."""
    require_capability(actor, "rounds.edit")
    entries = PARTS[part]
    locked = lock_for_update(round, expected_version=expected_version)
    _refuse_if_unchangeable(locked)
    last = entries.items(locked).aggregate(last=models.Max("position"))["last"]
    fields.setdefault("position", 0 if last is None else last + 1)
    values = _clean_item(entries, round=locked, instance=entries.model(round=locked), changes=fields)
    _before_definition_change(locked, actor=actor, reason=reason)
    item = entries.model(round=locked, **values)
    _save_item(entries, item)
    _touch(locked, actor)
    return item


@transaction.atomic
def definition_item_update(*, actor, part: str, item, expected_version: int | None, reason: str = "", **fields: Any):
    require_capability(actor, "rounds.edit")
    entries = PARTS[part]
    locked = lock_for_update(item.round, expected_version=expected_version)
    _refuse_if_unchangeable(locked)
    current = entries.model.objects.get(pk=item.pk, round=locked)
    values = _clean_item(entries, round=locked, instance=current, changes=fields)
    if not any(getattr(current, name) != value for name, value in values.items()):
        locked.version -= 1
        return current
    _before_definition_change(locked, actor=actor, reason=reason)
    model_update(instance=current, data=values)
    _save_item(entries, current)
    _touch(locked, actor)
    return current


@transaction.atomic
def definition_item_delete(*, actor, part: str, item, expected_version: int | None, reason: str = "") -> None:
    require_capability(actor, "rounds.edit")
    entries = PARTS[part]
    locked = lock_for_update(item.round, expected_version=expected_version)
    _refuse_if_unchangeable(locked)
    _before_definition_change(locked, actor=actor, reason=reason)
    entries.model.objects.filter(pk=item.pk, round=locked).delete()
    _touch(locked, actor)


@transaction.atomic
def definition_item_reorder(
    *, actor, part: str, round: Round, expected_version: int | None, order: Sequence[int], reason: str = ""
) -> None:
    """Put the list's items in ``order`` (their primary keys, every one of them once)."""
    require_capability(actor, "rounds.edit")
    entries = PARTS[part]
    locked = lock_for_update(round, expected_version=expected_version)
    _refuse_if_unchangeable(locked)
    items = {item.pk: item for item in entries.items(locked)}
    if sorted(order) != sorted(items):
        raise ValidationError({"order": ["The list changed while you were ordering it: reload the page."]})
    if list(order) == list(items):
        locked.version -= 1
        return
    _before_definition_change(locked, actor=actor, reason=reason)
    for position, pk in enumerate(order):
        items[pk].position = position
    entries.model.objects.bulk_update(items.values(), ["position"])
    _touch(locked, actor)


# A whole definition (the round_definition import) --------------------------------------------


@transaction.atomic
def round_define(
    *, actor, values: dict[str, Any], kpqs: Iterable, items: dict[str, list[dict[str, Any]]], replace: Round | None
) -> Round:
    """Create a round from a whole definition, or (``replace``) put a whole definition in
    place of a round's that has not opened. ``items``: the three lists by part name."""
    require_capability(actor, "rounds.edit", "rounds.import")
    if replace is None:
        round = round_create(actor=actor, kpqs=kpqs, **values)
    else:
        locked = lock_for_update(replace, expected_version=None)
        if locked.status in UNCHANGEABLE or is_frozen(locked):
            raise ValidationError(
                {"reference": [f"Round {locked.reference} has opened: its definition cannot be replaced by a file."]}
            )
        values = _clean_round(instance=locked, changes=values)
        model_update(instance=locked, data=values)
        attribute_to(locked, actor)
        _save_round(locked)
        locked.kpqs.set(list(kpqs))
        for part in PARTS.values():
            part.items(locked).delete()
        round = locked
    errors: Errors = {}
    for name, part in PARTS.items():
        for index, fields in enumerate(items.get(name, [])):
            fields = {**fields, "position": index}
            try:
                item = part.model(round=round, **_clean_item(part, round=round, instance=part.model(), changes=fields))
                _save_item(part, item)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors.setdefault(f"{name}[{index + 1}].{field}", []).extend(messages)
    raise_if_errors(errors)
    return round


# Moves ----------------------------------------------------------------------------------------


def _locker(expected_version: int | None):
    return lambda round: lock_for_update(round, expected_version=expected_version)


@transaction.atomic
def round_publish(*, actor, round: Round, expected_version: int | None = None) -> Round:
    """Publish a draft: its public page appears, and it opens at ``opens_at``."""
    require_capability(actor, "rounds.edit")
    return run(ROUND_MACHINE, round, "publish", actor=actor, lock=_locker(expected_version))


@transaction.atomic
def round_unpublish(*, actor, round: Round, expected_version: int | None = None) -> Round:
    """Take a published round back to draft, only before it opens."""
    require_capability(actor, "rounds.edit")
    return run(ROUND_MACHINE, round, "unpublish", actor=actor, lock=_locker(expected_version))


@transaction.atomic
def round_cancel(*, actor, round: Round, reason: str, expected_version: int | None = None) -> Round:
    """Cancel a draft or published round, saying why (kept in the round's history)."""
    require_capability(actor, "rounds.edit")
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": ["Say why the round is being cancelled."]})

    def apply(move) -> None:
        move.obj._change_reason = reason[:100]

    return run(ROUND_MACHINE, round, "cancel", actor=actor, lock=_locker(expected_version), apply=apply)


@transaction.atomic
def round_publish_results(*, actor, round: Round, expected_version: int | None = None) -> Round:
    """Show a decided round's successful applications on its public page."""
    require_capability(actor, "rounds.edit")

    def apply(move) -> None:
        move.obj.results_published_at = clock.now()

    return run(ROUND_MACHINE, round, "publish_results", actor=actor, lock=_locker(expected_version), apply=apply)
