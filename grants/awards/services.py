"""Every write to an award: create, update (with its funding lines) and status transitions.

Keyword-only and atomic; bad input raises ``ValidationError({field: [message]})`` and nothing is
saved. ``actor`` is the user acting, or None for the command line and imports; it is recorded on
the history rows. Creating or changing an award brings its return and instalment schedules up to
date (``grants.schedules``)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Max
from django.db.models.functions import Cast, Substr
from simple_history.utils import bulk_create_with_history

from grants.awards.rules import (
    AWARD_FIELDS,
    AWARD_OPTIONAL_FIELDS,
    LineInput,
    area_list,
    check_delegated_limit,
    check_lines_cover_payments,
    clean_award,
    clean_lines,
    kpq_list,
)
from grants.awards.transitions import AWARD_MACHINE, label_of
from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardStatus,
    AwardTransition,
    FundingLine,
    award_runs_until,
)
from grants.schedules.instalments import award_instalments_reconcile
from grants.schedules.returns import award_returns_reconcile
from grants.validation import check_award_open
from needs_assessment.models import Area
from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import (
    FinancialYear,
    fy_label,
    fys_between,
)
from pcc_commissioning.records import attribute_to, save_unique
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.transitions import run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields
from providers.models import Organisation

_REFERENCE_ATTEMPTS = 20


def award_reference_next(*, fy: int) -> str:
    """The next free generated reference for awards starting in ``fy``: AWD-<fy>-<0001…>."""
    prefix = f"AWD-{int(fy)}-"
    highest = (
        Award.objects.filter(reference__iregex=rf"^{re.escape(prefix)}[0-9]{{1,9}}$")
        .annotate(number=Cast(Substr("reference", len(prefix) + 1), output_field=IntegerField()))
        .aggregate(highest=Max("number"))["highest"]
    )
    return f"{prefix}{(highest or 0) + 1:04d}"


def _reference_taken(reference: str, *, exclude_pk: int | None = None) -> bool:
    return Award.objects.filter(reference__iexact=reference).exclude(pk=exclude_pk).exists()


def _reference_message(reference: str) -> str:
    return f"There is already an award with the reference {reference}."


def _save_new_award(award: Award, *, generate: bool) -> None:
    """Insert the award; with ``generate``, take the next free reference, retrying if another
    session took the same one at the same moment (the unique constraint decides)."""
    fy = FinancialYear.of(award.start_date).start_year
    for _ in range(_REFERENCE_ATTEMPTS):
        if generate:
            award.reference = award_reference_next(fy=fy)
        try:
            with transaction.atomic():
                award.save()
            return
        except IntegrityError:
            if not _reference_taken(award.reference):
                raise  # some other constraint: a bug, not bad input (the checks ran first)
            if not generate:
                raise ValidationError({"reference": [_reference_message(award.reference)]}) from None
    raise ValidationError({"reference": ["Could not generate a free reference; try again."]})


def _write_lines(award: Award, lines: Sequence[LineInput], *, actor) -> bool:
    """Make the award's lines exactly ``lines`` (changing only what differs). True if any changed."""
    existing = {(line.stream_id, line.fy): line for line in FundingLine.objects.select_for_update().filter(award=award)}
    wanted = {(line.stream.pk, line.fy): line for line in lines}
    changed = False
    for key, line in existing.items():
        if key not in wanted:
            attribute_to(line, actor)
            line.delete()
            changed = True
        elif line.amount != wanted[key].amount:
            line.amount = wanted[key].amount
            attribute_to(line, actor)
            line.save(update_fields=["amount"])
            changed = True
    new = [
        FundingLine(award=award, stream=line.stream, fy=line.fy, amount=line.amount)
        for key, line in wanted.items()
        if key not in existing
    ]
    if new:
        bulk_create_with_history(new, FundingLine, default_user=actor)
        changed = True
    return changed


def _record_transition(
    award: Award,
    *,
    from_status: str,
    actor,
    note: str,
    automatic: bool = False,
    at: datetime.datetime | None = None,
    due_diligence_note: str = "",
) -> AwardTransition:
    return AwardTransition.objects.create(
        award=award,
        from_status=from_status,
        to_status=award.status,
        at=at or clock.now(),
        by=actor,
        note=note,
        automatic=automatic,
        due_diligence_note=due_diligence_note,
    )


def _follow_schedules(award: Award, *, actor) -> None:
    """Keep the award's monitoring returns and pending instalments in step with it."""
    award_returns_reconcile(award=award)
    award_instalments_reconcile(award=award, actor=actor)


def _runs_until(values: dict[str, Any]) -> datetime.date | None:
    """The last day of an award with the cleaned ``values`` (its extension's end once taken)."""
    return award_runs_until(
        end_date=values["end_date"],
        extension_until=values["extension_until"],
        extension_taken=values["extension_taken"],
    )


def _check_lines_total(
    lines: Sequence[LineInput], values: dict[str, Any], *, entering: str, errors: Errors, award: Award | None = None
) -> None:
    """The delegated-limit rule over the award's lines, once the lines themselves are good."""
    if "lines" in errors:
        return
    check_delegated_limit(
        total=sum((line.amount for line in lines), Decimal(0)),
        decision=values["decision"],
        entering=entering,
        errors=errors,
        award=award,
    )


@transaction.atomic
def award_create(
    *,
    actor,
    title: str,
    provider: Organisation,
    kind: str,
    priority: CommissioningPriority,
    start_date: datetime.date,
    end_date: datetime.date,
    lines: Sequence[LineInput] = (),
    reference: str = "",
    kpqs: Iterable[KPQ] = (),
    areas: Iterable[Area] = (),
    status: str = AwardStatus.PLANNED,
    note: str = "",
    **optional_fields: Any,
) -> Award:
    """Create an award with its funding lines, in ``status`` (imports may bring awards in any
    status; the first entry of its timeline records it, with ``note``).

    A blank ``reference`` is generated (``award_reference_next`` for the year of the start
    date). An award created in a committed status (awarded, active, ended) is held to the
    delegated-limit rule. ``optional_fields`` are any of ``AWARD_OPTIONAL_FIELDS`` (among them
    ``intention``: the commissioning intention it fulfils, not a dropped one). ``areas``: where
    the service is delivered (none: the whole force area).
    """
    require_capability(actor, "grants.edit")
    refuse_unknown_fields(optional_fields, AWARD_OPTIONAL_FIELDS, "award")
    errors: Errors = {}
    changes = {
        "reference": reference,
        "title": title,
        "provider": provider,
        "kind": kind,
        "priority": priority,
        "start_date": start_date,
        "end_date": end_date,
        **optional_fields,
    }
    values = clean_award(instance=Award(), changes=changes, errors=errors)
    if values["reference"] and _reference_taken(values["reference"]):
        add_error(errors, "reference", _reference_message(values["reference"]))
    status = clean_text(status).lower()
    if status not in AwardStatus.values:
        add_error(errors, "status", f"Choose a status ({', '.join(AwardStatus.values)}).")
    cleaned = clean_lines(lines, start=values["start_date"], end=_runs_until(values), errors=errors)
    chosen_kpqs = kpq_list(kpqs, errors)
    chosen_areas = area_list(areas, errors)
    if status in COMMITTED_STATUSES:
        _check_lines_total(cleaned, values, entering=f"recorded as {label_of(status).lower()}", errors=errors)
    raise_if_errors(errors)
    award = Award(**values, status=status)
    _insert_award(award, lines=cleaned, kpqs=chosen_kpqs, areas=chosen_areas, actor=actor, note=clean_text(note))
    return award


def _insert_award(
    award: Award, *, lines: Sequence[LineInput], kpqs: list[KPQ], areas: list[Area], actor, note: str
) -> None:
    """Save a new, checked award with its KPQs, areas and lines, and the first entry of its timeline."""
    attribute_to(award, actor)
    _save_new_award(award, generate=not award.reference)
    if kpqs:
        award.kpqs.set(kpqs)
    if areas:
        award.areas.set(areas)
    _write_lines(award, lines, actor=actor)
    _record_transition(award, from_status="", actor=actor, note=note)
    if award.status in COMMITTED_STATUSES:
        _follow_schedules(award, actor=actor)


@transaction.atomic
def award_update(
    *,
    award: Award,
    actor,
    expected_version: int | None,
    lines: Sequence[LineInput] | None = None,
    kpqs: Iterable[KPQ] | None = None,
    areas: Iterable[Area] | None = None,
    **fields: Any,
) -> Award:
    """Change an award's fields (any of ``AWARD_FIELDS``), and its lines, KPQs and areas when
    given (``lines`` replace all the lines; None leaves them; ``areas=()`` means the whole
    force area). The status is changed only by
    ``award_transition``. ``expected_version`` is the version the editor loaded (None skips the
    check, for imports); if someone saved since, nothing is changed."""
    require_capability(actor, "grants.edit")
    if "status" in fields:
        raise TypeError("award_update does not change the status: use award_transition.")
    refuse_unknown_fields(fields, AWARD_FIELDS, "award")
    locked = lock_for_update(award, expected_version=expected_version)
    errors: Errors = {}
    check_award_open(locked, errors)
    raise_if_errors(errors)
    values = clean_award(instance=locked, changes=fields, errors=errors)
    if values["reference"] and _reference_taken(values["reference"], exclude_pk=locked.pk):
        add_error(errors, "reference", _reference_message(values["reference"]))
    elif not values["reference"]:
        add_error(errors, "reference", "Enter the award's reference.")
    if lines is not None:
        cleaned = clean_lines(lines, start=values["start_date"], end=_runs_until(values), errors=errors)
        if "lines" not in errors:
            check_lines_cover_payments(locked, cleaned, errors)
    else:
        cleaned = _kept_lines(locked, values, errors)
    chosen_kpqs = kpq_list(kpqs, errors) if kpqs is not None else None
    chosen_areas = area_list(areas, errors) if areas is not None else None
    if locked.status in COMMITTED_STATUSES:
        entering = f"kept {locked.get_status_display().lower()}"
        _check_lines_total(cleaned, values, entering=entering, errors=errors, award=locked)
    raise_if_errors(errors)

    changed = bool(model_update(instance=locked, data=values))
    if _set_kpqs_and_areas(locked, chosen_kpqs, chosen_areas, actor=actor):
        changed = True
    if lines is not None and _write_lines(locked, cleaned, actor=actor):
        changed = True
    if not changed:
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    save_unique(locked, field="reference", message=_reference_message(locked.reference))
    _follow_schedules(locked, actor=actor)
    return locked


def _kept_lines(locked: Award, values: dict[str, Any], errors: Errors) -> list[LineInput]:
    """The award's current lines, when the update leaves them: each must still fall within the
    new dates, else the date that moved carries the error."""
    start, end = values["start_date"], _runs_until(values)
    current = list(FundingLine.objects.filter(award=locked).select_related("stream"))
    cleaned = [LineInput(stream=line.stream, fy=line.fy, amount=line.amount) for line in current]
    if not (start and end and end >= start) or {"start_date", "end_date", "extension_until"} & set(errors):
        return cleaned
    allowed = {fy.start_year for fy in fys_between(start, end)}
    if values["end_date"] != locked.end_date:
        field = "end_date"
    elif start != locked.start_date:
        field = "start_date"
    else:
        field = "extension_taken" if values["extension_taken"] != locked.extension_taken else "extension_until"
    for line in cleaned:
        if line.fy not in allowed:
            add_error(
                errors,
                field,
                f"The funding line from {line.stream.name} in {fy_label(line.fy)} would fall "
                "outside the award's dates: change or remove that line first.",
            )
    return cleaned


def _set_kpqs_and_areas(locked: Award, kpqs: list[KPQ] | None, areas: list[Area] | None, *, actor) -> bool:
    """Set the award's KPQs and areas where given and different. True if any changed."""
    changed = False
    if kpqs is not None and {kpq.pk for kpq in kpqs} != set(locked.kpqs.values_list("pk", flat=True)):
        attribute_to(locked, actor)
        locked.kpqs.set(kpqs)
        changed = True
    if areas is not None and {area.pk for area in areas} != set(locked.areas.values_list("pk", flat=True)):
        attribute_to(locked, actor)
        locked.areas.set(areas)
        changed = True
    return changed


@transaction.atomic
def award_transition(
    *,
    award: Award,
    actor,
    to_status: str,
    note: str = "",
    expected_version: int | None = None,
    due_diligence_reason: str = "",
    automatic: bool = False,
    at: datetime.datetime | None = None,
) -> Award:
    """Move the award to ``to_status`` if ``transitions.AWARD_MACHINE`` allows it, recording who,
    when and why on its timeline. Cancelling needs a note. Entering awarded or active needs a
    signed decision when the total of all its lines is above ``delegated_limit()``, worth no
    more than the decision approved. Marking it awarded checks the provider's due diligence
    (``due_diligence_check``: a reason to go ahead when documents are missing or expired).

    ``automatic`` marks a change the system made because of the calendar (the daily run), dated
    ``at`` (default now). The award's returns and instalments follow the new status. Needs
    ``grants.edit`` (``actor`` None: the daily run, imports)."""
    locked = run(
        AWARD_MACHINE,
        award,
        clean_text(to_status).lower(),
        actor=actor,
        lock=lambda award: _lock_open(award, expected_version=expected_version, doing="moved to another status"),
        context={
            "note": clean_text(note),
            "automatic": automatic,
            "at": at,
            "due_diligence_reason": due_diligence_reason,
        },
    )
    _follow_schedules(locked, actor=actor)
    return locked


def _lock_open(award: Award, *, expected_version: int | None, doing: str) -> Award:
    """Lock the award for a change, refusing a closed one (closed awards are read-only)."""
    locked = lock_for_update(award, expected_version=expected_version)
    errors: Errors = {}
    check_award_open(locked, errors, doing=doing)
    raise_if_errors(errors)
    return locked


def lock_award(award: Award) -> Award:
    """Lock the award row, so two payments on one award are checked one after the other."""
    return Award.objects.select_for_update().get(pk=award.pk)


AWARD_REQUIRED = ("title", "provider", "kind", "priority", "start_date", "end_date")


def award_problems(*, award: Award | None, lines: Sequence[LineInput] = (), **fields: Any) -> ValidationError | None:
    """The rules these values break, found by running the create (or update) and undoing it.

    Lets a form that already has errors of its own show the service's rule errors (dates,
    lines outside them, the delegated limit…) in the same round. Fields the form could not
    read are simply left out (a create gets None for the required ones).
    """
    try:
        with transaction.atomic():
            if award is None:
                award_create(actor=None, lines=lines, **({name: None for name in AWARD_REQUIRED} | fields))
            else:
                award_update(award=award, actor=None, expected_version=None, lines=lines, **fields)
            transaction.set_rollback(True)
    except ValidationError as exc:
        return exc
    return None
