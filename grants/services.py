"""Every write to the grants register: funding streams, allocations and budgets, decisions,
awards (with their funding lines, status transitions, co-funding, forecasts and documents)
and payments.

Forms, imports, the demo seeder and management commands all come here, so they share one
set of rules. Each function is keyword-only and atomic; bad input raises
``ValidationError({field: [message]})`` naming the field at fault, and nothing is saved.
``actor`` is the user acting, or None for the command line and imports; it is recorded on the
history rows (django-simple-history) and on the records that say who did something.

Services do not check roles: views do (``pcc_commissioning.roles``). Payments are meant to be
recorded by finance officers (capability ``payments.edit``); the views that call
``payment_record``, ``payment_update``, ``payment_mark_paid`` and ``payment_delete`` must
require it.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.db.models import IntegerField, Max, Sum
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from needs_assessment.models import Area, CommissioningIntention, IntentionStatus
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from pcc_commissioning import clock
from pcc_commissioning.concurrency import NO_RECORD_VERSION, STALE_MESSAGE, lock_for_update
from pcc_commissioning.money import AmountError, amount_from, format_pence
from pcc_commissioning.periods import (
    FIRST_ACCEPTED_YEAR,
    LAST_ACCEPTED_YEAR,
    FinancialYear,
    fys_between,
    parse_fy_input,
)
from pcc_commissioning.records import attribute_to, chunked, save_unique
from pcc_commissioning.roles import has_capability, require
from providers.models import Organisation
from providers.selectors import due_diligence_gaps
from providers.uploads import safe_upload_name, upload_problem

from .models import (
    COMMITTED_STATUSES,
    Award,
    AwardDocument,
    AwardDocumentKind,
    AwardKind,
    AwardStatus,
    AwardTransition,
    CoFunding,
    Decision,
    DecisionStatus,
    ForecastOutturn,
    FundingLine,
    FundingStream,
    Payment,
    PaymentPlan,
    PriorityBudget,
    ReturnStatus,
    StreamAllocation,
    StreamKind,
    award_runs_until,
)
from .schedules.instalments import award_instalments_reconcile, pending_instalments_q
from .schedules.returns import award_returns_reconcile
from .transitions import ACTIONS, NEEDS_DECISION_ABOVE_LIMIT, is_allowed, label_of

Errors = dict[str, list[str]]


# Small helpers ---------------------------------------------------------------------------------


def delegated_limit() -> Decimal:
    """The largest total value an award may have without a signed decision of the PCC
    (setting ``DELEGATED_LIMIT``, default £25,000). An award worth exactly the limit needs none."""
    return settings.DELEGATED_LIMIT


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _fy_label(fy: int) -> str:
    return FinancialYear(fy).label


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _money(value: Any, field: str, errors: Errors, *, what: str = "amount") -> Decimal | None:
    """A Decimal amount in pounds and pence within the bounds of ``money.amount_from``, or
    None (with an error added)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        _add(errors, field, f"Enter the {what}.")
        return None
    try:
        return amount_from(value, what=what)
    except AmountError as exc:
        _add(errors, field, str(exc))
        return None


def _financial_year(value: Any, field: str, errors: Errors) -> int | None:
    """The starting year of a financial year (2019 for 2019/20), or None with an error."""
    if isinstance(value, FinancialYear):
        return value.start_year
    if value is None or value == "":
        _add(errors, field, "Enter the financial year (e.g. 2019 for 2019/20).")
        return None
    try:
        return parse_fy_input(value if isinstance(value, (int, str)) else str(value)).start_year
    except (TypeError, ValueError):
        _add(
            errors,
            field,
            f"“{value}” is not a financial year: write it like 2019 (for 2019/20), between "
            f"{FIRST_ACCEPTED_YEAR} and {LAST_ACCEPTED_YEAR}.",
        )
        return None


def _date(value: Any, field: str, errors: Errors, *, what: str, required: bool = True) -> datetime.date | None:
    if value is None or value == "":
        if required:
            _add(errors, field, f"Enter the {what}.")
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        _add(errors, field, f"The {what} must be a date.")
        return None
    return value


def _check_lengths(model: type[models.Model], values: Mapping[str, Any], errors: Errors) -> None:
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        field = model._meta.get_field(name)
        if field.max_length and len(value) > field.max_length:
            _add(errors, name, f"The {field.verbose_name} must be {field.max_length} characters or fewer.")


def _raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _unknown(fields: Iterable[str], allowed: Iterable[str], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {what} fields: {', '.join(sorted(unknown))}")


def _apply_changes(instance: models.Model, values: Mapping[str, Any]) -> list[str]:
    """Set the values that differ; return the names of those fields."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed


# Funding streams, allocations and budgets -------------------------------------------------------

STREAM_FIELDS = ("name", "source", "kind", "moj_reported", "ring_fenced_for", "description")


def _clean_stream(*, instance: FundingStream, changes: Mapping[str, Any]) -> dict[str, Any]:
    _unknown(changes, STREAM_FIELDS, "funding stream")
    values = {name: getattr(instance, name, None) for name in STREAM_FIELDS if name != "source"}
    values["source"] = instance.source if instance.source_id else None
    values.update(changes)
    errors: Errors = {}
    for name in ("name", "ring_fenced_for", "description"):
        values[name] = _text(values[name])
    if not values["name"]:
        _add(errors, "name", "Enter the name of the funding stream.")
    elif FundingStream.objects.filter(name__iexact=values["name"]).exclude(pk=instance.pk).exists():
        _add(errors, "name", f"There is already a funding stream called “{values['name']}”.")
    if not isinstance(values["source"], Organisation):
        _add(errors, "source", "Choose the organisation the money comes from.")
    values["kind"] = _text(values["kind"]).lower()
    if values["kind"] not in StreamKind.values:
        _add(errors, "kind", f"Choose the kind of funding stream ({', '.join(StreamKind.values)}).")
    values["moj_reported"] = bool(values["moj_reported"])
    _check_lengths(FundingStream, values, errors)
    _raise_if(errors)
    return values


@transaction.atomic
def stream_create(
    *,
    actor,
    name: str,
    source: Organisation,
    kind: str,
    moj_reported: bool = False,
    ring_fenced_for: str = "",
    description: str = "",
) -> FundingStream:
    values = _clean_stream(
        instance=FundingStream(),
        changes={
            "name": name,
            "source": source,
            "kind": kind,
            "moj_reported": moj_reported,
            "ring_fenced_for": ring_fenced_for,
            "description": description,
        },
    )
    stream = FundingStream(**values)
    attribute_to(stream, actor)
    save_unique(stream, field="name", message=f"There is already a funding stream called “{values['name']}”.")
    return stream


@transaction.atomic
def stream_update(*, stream: FundingStream, actor, expected_version: int | None, **fields: Any) -> FundingStream:
    """Change the given fields (``STREAM_FIELDS``). A stale ``expected_version`` is refused."""
    locked = lock_for_update(stream, expected_version=expected_version)
    values = _clean_stream(instance=locked, changes=fields)
    if not _apply_changes(locked, values):
        locked.version -= 1  # nothing to save
        return locked
    attribute_to(locked, actor)
    save_unique(locked, field="name", message=f"There is already a funding stream called “{values['name']}”.")
    return locked


def _set_yearly(
    model, *, owner_field: str, owner, actor, fy, amount, notes: str, expected_version: int | None
) -> models.Model:
    """Create or replace one owner's figure for a year. ``expected_version`` is the version of
    the figure the editor's page showed, ``NO_RECORD_VERSION`` if it showed none for that year
    (None skips the check): if someone set, changed or removed it since, nothing changes."""
    errors: Errors = {}
    year = _financial_year(fy, "fy", errors)
    value = _money(amount, "amount", errors)
    if value is not None and value < 0:
        _add(errors, "amount", "The amount cannot be negative.")
    _raise_if(errors)
    # The owner's row lock makes two people setting a year's first figure at once take turns.
    type(owner)._base_manager.select_for_update().filter(pk=owner.pk).first()
    record = model.objects.filter(**{owner_field: owner, "fy": year}).first()
    if record is None:
        if expected_version not in (None, NO_RECORD_VERSION):  # removed since the page was drawn
            raise ValidationError(STALE_MESSAGE, code="stale")
        record = model(**{owner_field: owner, "fy": year})
    else:
        record = lock_for_update(record, expected_version=expected_version)
        if record.amount == value and record.notes == _text(notes):
            record.version -= 1  # nothing changed: lock_for_update's bump is not saved
            return record
    record.amount = value
    record.notes = _text(notes)
    attribute_to(record, actor)
    record.save()
    return record


@transaction.atomic
def allocation_set(
    *, actor, stream: FundingStream, fy: int, amount: Decimal, notes: str = "", expected_version: int | None = None
) -> StreamAllocation:
    """Set a stream's income for a financial year (creates or replaces that year's figure);
    ``expected_version`` as in ``_set_yearly``."""
    return _set_yearly(
        StreamAllocation,
        owner_field="stream",
        owner=stream,
        actor=actor,
        fy=fy,
        amount=amount,
        notes=notes,
        expected_version=expected_version,
    )


@transaction.atomic
def budget_set(
    *,
    actor,
    priority: CommissioningPriority,
    fy: int,
    amount: Decimal,
    notes: str = "",
    expected_version: int | None = None,
) -> PriorityBudget:
    """Set a commissioning priority's budget for a financial year (creates or replaces it);
    ``expected_version`` as in ``_set_yearly``."""
    return _set_yearly(
        PriorityBudget,
        owner_field="priority",
        owner=priority,
        actor=actor,
        fy=fy,
        amount=amount,
        notes=notes,
        expected_version=expected_version,
    )


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
    _unknown(changes, DECISION_FIELDS, "decision")
    values = {name: getattr(instance, name) for name in DECISION_FIELDS}
    values.update(changes)
    errors: Errors = {}
    for name in DECISION_FIELDS:
        if name not in ("decided_on", "amount"):
            values[name] = _text(values[name])
    if values["amount"] in (None, ""):
        values["amount"] = None
    else:
        values["amount"] = _money(values["amount"], "amount", errors, what="amount approved")
        if values["amount"] is not None and values["amount"] < 0:
            _add(errors, "amount", "The amount approved cannot be negative.")
    if not values["reference"]:
        _add(errors, "reference", "Enter the decision's reference, e.g. PCC-2019-033.")
    elif Decision.objects.filter(reference__iexact=values["reference"]).exclude(pk=instance.pk).exists():
        _add(errors, "reference", f"There is already a decision with the reference {values['reference']}.")
    if not values["subject"]:
        _add(errors, "subject", "Enter what the decision is about.")
    if not values["decision_maker"]:
        _add(errors, "decision_maker", "Enter who made the decision.")
    values["decided_on"] = _date(
        values["decided_on"], "decided_on", errors, what="date of the decision", required=False
    )
    _check_lengths(Decision, values, errors)
    _raise_if(errors)
    return values


def _save_decision(decision: Decision) -> None:
    save_unique(
        decision, field="reference", message=f"There is already a decision with the reference {decision.reference}."
    )


@transaction.atomic
def decision_create(*, actor, reference: str, subject: str, **fields: Any) -> Decision:
    """A draft decision record. ``fields`` are any of ``DECISION_FIELDS``."""
    values = _clean_decision(instance=Decision(), changes={"reference": reference, "subject": subject, **fields})
    decision = Decision(**values, status=DecisionStatus.DRAFT)
    attribute_to(decision, actor)
    _save_decision(decision)
    return decision


@transaction.atomic
def decision_update(*, decision: Decision, actor, expected_version: int | None, **fields: Any) -> Decision:
    """Change a draft. A signed or published decision is a record and cannot be changed."""
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
    if not _apply_changes(locked, values):
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    _save_decision(locked)
    return locked


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
    locked = lock_for_update(decision, expected_version=expected_version)
    errors: Errors = {}
    if locked.status != DecisionStatus.DRAFT:
        _add(errors, "status", f"Decision {locked.reference} is already {locked.get_status_display().lower()}.")
    elif require_amount and locked.amount is None:
        _add(
            errors,
            "amount",
            f"Record the amount the PCC approved on decision {locked.reference} before recording "
            "its signature: edit the draft.",
        )
    day = _date(decided_on, "decided_on", errors, what="date of the decision", required=False)
    day = day or locked.decided_on or clock.today()
    if day > clock.today():
        _add(errors, "decided_on", "The date of the decision cannot be in the future.")
    _raise_if(errors)
    locked.decided_on = day
    locked.status = DecisionStatus.SIGNED
    locked.signed_by = actor
    locked.signed_at = timezone.now()
    attribute_to(locked, actor)
    locked.save()
    return locked


@transaction.atomic
def decision_publish(
    *, decision: Decision, actor, published_on: datetime.date | None = None, expected_version: int | None = None
) -> Decision:
    """Record that a signed decision was published, on ``published_on`` (default today)."""
    locked = lock_for_update(decision, expected_version=expected_version)
    errors: Errors = {}
    if locked.status == DecisionStatus.DRAFT:
        _add(errors, "status", f"Decision {locked.reference} must be signed before it is published.")
    elif locked.status == DecisionStatus.PUBLISHED:
        _add(errors, "status", f"Decision {locked.reference} is already published.")
    day = _date(published_on, "published_on", errors, what="publication date", required=False)
    day = day or clock.today()
    if day > clock.today():
        _add(errors, "published_on", "The publication date cannot be in the future.")
    elif locked.decided_on and day < locked.decided_on:
        _add(errors, "published_on", "A decision cannot be published before the date it was decided on.")
    _raise_if(errors)
    locked.status = DecisionStatus.PUBLISHED
    locked.published_on = day
    attribute_to(locked, actor)
    locked.save()
    return locked


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
    errors: Errors = {}
    reference = _text(reference)
    if not reference:
        _add(errors, "reference", "Enter the decision's reference, e.g. PCC-2019-033.")
    day = _date(decided_on, "decided_on", errors, what="date of the decision", required=False)
    _raise_if(errors)
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
    decision = decision_create(actor=actor, reference=reference, subject=_text(subject) or reference, decided_on=day)
    if day is not None:
        decision = decision_sign(decision=decision, actor=actor, decided_on=day, require_amount=False)
    return decision, True


# Awards -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One funding line as given to ``award_create``/``award_update``."""

    stream: FundingStream
    fy: int
    amount: Decimal


AWARD_OPTIONAL_FIELDS = (
    "purpose",
    "approach",
    "conditions",
    "reasons",
    "extension_months",
    "extension_until",
    "extension_taken",
    "duration",
    "key_activity",
    "lead_officer",
    "decision",
    "cost_centre",
    "moj_category",
    "intention",
)
AWARD_FIELDS = ("reference", "title", "provider", "kind", "priority", "start_date", "end_date", *AWARD_OPTIONAL_FIELDS)
_AWARD_TEXT = (
    "reference",
    "title",
    "purpose",
    "approach",
    "conditions",
    "reasons",
    "duration",
    "key_activity",
    "cost_centre",
)
_AWARD_RELATIONS = ("provider", "priority", "lead_officer", "decision", "moj_category", "intention")
_REFERENCE_ATTEMPTS = 20


def _related(instance: models.Model, name: str):
    """The related object if set (None otherwise), without a query when it is not set."""
    return getattr(instance, name) if getattr(instance, f"{name}_id") is not None else None


def _clean_award(*, instance: Award, changes: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    """The final field values of an award (``changes`` over ``instance``); problems go to ``errors``."""
    values: dict[str, Any] = {}
    for name in AWARD_FIELDS:
        values[name] = _related(instance, name) if name in _AWARD_RELATIONS else getattr(instance, name)
    values.update(changes)
    for name in _AWARD_TEXT:
        values[name] = _text(values[name])

    if not values["title"]:
        _add(errors, "title", "Enter the title of the award.")
    if not isinstance(values["provider"], Organisation):
        _add(errors, "provider", "Choose the provider the award is made to.")
    values["kind"] = _text(values["kind"]).lower()
    if values["kind"] not in AwardKind.values:
        _add(errors, "kind", f"Choose the kind of award ({', '.join(AwardKind.values)}).")
    if not isinstance(values["priority"], CommissioningPriority):
        _add(errors, "priority", "Choose the commissioning priority the award serves.")
    start = _date(values["start_date"], "start_date", errors, what="start date")
    end = _date(values["end_date"], "end_date", errors, what="end date")
    if start and end and end < start:
        _add(errors, "end_date", "The end date must be the same as or after the start date.")

    months = values["extension_months"]
    if months in ("", None):
        values["extension_months"] = None
    elif isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 240:
        _add(errors, "extension_months", "The extension must be a whole number of months, 1 or more.")
    until = _date(values["extension_until"], "extension_until", errors, what="extension end date", required=False)
    values["extension_until"] = until
    if until and end and until <= end:
        _add(errors, "extension_until", "An extension must end after the award's end date.")
    values["extension_taken"] = bool(values["extension_taken"])
    if values["extension_taken"] and until is None and "extension_until" not in errors:
        _add(errors, "extension_taken", "Say until when the extension runs before marking it taken.")

    decision = values["decision"]
    if decision is not None and not isinstance(decision, Decision):
        _add(errors, "decision", "Choose the decision that made the award.")
    category = values["moj_category"]
    if category is not None and (not isinstance(category, CodeListEntry) or category.list != CodeList.MOJ_CATEGORY):
        _add(errors, "moj_category", "Choose an MoJ service category.")
    officer = values["lead_officer"]
    if officer is not None and not isinstance(officer, models.Model):
        _add(errors, "lead_officer", "Choose the lead officer.")
    intention = values["intention"]
    if intention is not None:
        if not isinstance(intention, CommissioningIntention) or intention.pk is None:
            _add(errors, "intention", "Choose the commissioning intention the award fulfils from the list.")
        elif intention.status == IntentionStatus.DROPPED and intention.pk != instance.intention_id:
            _add(errors, "intention", f"The intention “{intention.title}” has been dropped: choose another, or none.")
    _check_lengths(Award, {name: values[name] for name in _AWARD_TEXT}, errors)
    return values


def _award_years(award: Award) -> set[int]:
    """The financial years an award's dates (with a taken extension) touch."""
    until = award_runs_until(
        end_date=award.end_date, extension_until=award.extension_until, extension_taken=award.extension_taken
    )
    return {fy.start_year for fy in fys_between(award.start_date, until)}


def _line_label(number: int, line: LineInput) -> str:
    try:
        year = _fy_label(int(line.fy))
    except (TypeError, ValueError):
        year = str(line.fy)
    return f"Funding line {number} ({getattr(line.stream, 'name', '?')}, {year})"


def _clean_lines(
    lines: Sequence[LineInput], *, start: datetime.date | None, end: datetime.date | None, errors: Errors
) -> list[LineInput]:
    """Check each line (stream, a year the award's dates touch, amount ≥ 0, one per stream and
    year); problems go to ``errors["lines"]``. Returns the lines with Decimal amounts."""
    allowed = {fy.start_year for fy in fys_between(start, end)} if start and end and end >= start else None
    cleaned: list[LineInput] = []
    seen: set[tuple[int, int]] = set()
    for number, line in enumerate(lines, start=1):
        label = _line_label(number, line)
        problems: Errors = {}
        if not isinstance(line.stream, FundingStream) or line.stream.pk is None:
            _add(errors, "lines", f"{label}: choose the funding stream.")
            continue
        fy = _financial_year(line.fy, "fy", problems)
        amount = _money(line.amount, "amount", problems)
        for messages in problems.values():
            for message in messages:
                _add(errors, "lines", f"{label}: {message[0].lower()}{message[1:]}")
        if fy is None or amount is None:
            continue
        if amount < 0:
            _add(errors, "lines", f"{label}: the amount cannot be negative.")
        if allowed is not None and fy not in allowed:
            span = ", ".join(_fy_label(year) for year in sorted(allowed))
            _add(errors, "lines", f"{label}: {_fy_label(fy)} is outside the award's dates, which cover {span}.")
        if (line.stream.pk, fy) in seen:
            _add(errors, "lines", f"{label}: there is already a line for this stream and year; combine them.")
        seen.add((line.stream.pk, fy))
        cleaned.append(LineInput(stream=line.stream, fy=fy, amount=amount))
    return cleaned


def _check_delegated_limit(
    *, total: Decimal, decision: Decision | None, entering: str, errors: Errors, award: Award | None = None
) -> None:
    """Above the delegated limit an award needs a signed decision of the PCC; and whatever its
    size, an award made under a signed decision that records an amount may not take the awards
    made under that decision beyond it (what the PCC approved)."""
    limit = delegated_limit()
    if total > limit and (decision is None or not decision.is_signed):
        which = "it has no decision linked" if decision is None else f"decision {decision.reference} is not signed"
        _add(
            errors,
            "decision",
            f"The award's total value, {format_pence(total)}, is above the delegated limit of {format_pence(limit)}, "
            f"so it cannot be {entering} without a signed decision of the PCC; {which}.",
        )
        return
    if decision is None or not decision.is_signed or decision.amount is None:
        return
    lines = FundingLine.objects.filter(award__decision=decision, award__status__in=COMMITTED_STATUSES)
    if award is not None and award.pk:
        lines = lines.exclude(award=award)
    others = lines.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if total + others > decision.amount:
        under = f" with the {format_pence(others)} of the other awards made under it" if others else ""
        _add(
            errors,
            "decision",
            f"The award's total value, {format_pence(total)}{under}, is more than the {format_pence(decision.amount)} "
            f"that decision {decision.reference} approved, so it cannot be {entering}.",
        )


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


def due_diligence_check(
    *, organisation: Organisation, actor, reason: str, field: str, doing: str, errors: Errors
) -> str:
    """Due diligence at the moment it matters (an award marked awarded, a payment recorded or
    approved): when the organisation's required documents are missing or expired, a person must
    give a reason to go ahead, or, with ``settings.DUE_DILIGENCE_BLOCKS``, cannot go ahead at
    all. Returns the note to keep in the history ("" when all is in order); problems go to
    ``errors[field]``. Imports and the system (``actor`` None) bring in what already happened
    and are not checked."""
    if actor is None:
        return ""
    gaps = due_diligence_gaps(organisation)
    if not gaps:
        return ""
    missing = f"{organisation.name}'s due diligence is not in order: {'; '.join(gaps)}."
    if settings.DUE_DILIGENCE_BLOCKS:
        _add(errors, field, f"{missing} Record current documents on its page before {doing}.")
        return ""
    reason = _text(reason)
    if not reason:
        _add(errors, field, f"{missing} To go ahead with {doing} anyway, give your reason (it is kept in the history).")
        return ""
    return f"{missing} Went ahead because: {reason}"


def _area_list(areas: Iterable, errors: Errors) -> list[Area]:
    """The areas an award serves, once each (none: the whole force area)."""
    if areas is None or isinstance(areas, (str, bytes, Area)):
        _add(errors, "areas", "Choose the areas served from the list, or none for the whole force area.")
        return []
    chosen: dict[int, Area] = {}
    for area in areas:
        if not isinstance(area, Area) or area.pk is None:
            _add(errors, "areas", "Choose the areas served from the list, or none for the whole force area.")
            return []
        chosen.setdefault(area.pk, area)
    return list(chosen.values())


def _kpq_list(kpqs: Iterable, errors: Errors) -> list[KPQ]:
    chosen = list(kpqs)
    if any(not isinstance(kpq, KPQ) for kpq in chosen):
        _add(errors, "kpqs", "Choose the key performance questions from the list.")
    return chosen


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
    _unknown(optional_fields, AWARD_OPTIONAL_FIELDS, "award")
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
    values = _clean_award(instance=Award(), changes=changes, errors=errors)
    if values["reference"] and _reference_taken(values["reference"]):
        _add(errors, "reference", _reference_message(values["reference"]))
    status = _text(status).lower()
    if status not in AwardStatus.values:
        _add(errors, "status", f"Choose a status ({', '.join(AwardStatus.values)}).")
    cleaned = _clean_lines(
        lines,
        start=values["start_date"],
        end=award_runs_until(
            end_date=values["end_date"],
            extension_until=values["extension_until"],
            extension_taken=values["extension_taken"],
        ),
        errors=errors,
    )
    chosen_kpqs = _kpq_list(kpqs, errors)
    chosen_areas = _area_list(areas, errors)
    if status in COMMITTED_STATUSES and "lines" not in errors:
        _check_delegated_limit(
            total=sum((line.amount for line in cleaned), Decimal(0)),
            decision=values["decision"],
            entering=f"recorded as {label_of(status).lower()}",
            errors=errors,
        )
    _raise_if(errors)

    award = Award(**values, status=status)
    attribute_to(award, actor)
    _save_new_award(award, generate=not values["reference"])
    if chosen_kpqs:
        award.kpqs.set(chosen_kpqs)
    if chosen_areas:
        award.areas.set(chosen_areas)
    _write_lines(award, cleaned, actor=actor)
    _record_transition(award, from_status="", actor=actor, note=_text(note))
    if status in COMMITTED_STATUSES:
        _follow_schedules(award, actor=actor)
    return award


def _fixed_payments(award: Award):
    """The award's payments that count and that no payment plan will reschedule."""
    return Payment.objects.filter(award=award).exclude(pending_instalments_q())


def _payments_by_year(award: Award) -> dict[int, Decimal]:
    rows = _fixed_payments(award).values("fy").annotate(total=Sum("amount")).order_by()
    return {row["fy"]: row["total"] for row in rows}


def _check_lines_cover_payments(award: Award, lines: Sequence[LineInput], errors: Errors) -> None:
    """Replacing lines must leave a line for every stream and year that has payments, and (unless
    finance overrode it) at least as much committed in each year as is scheduled or paid.
    Pending plan instalments do not count: they follow the lines."""
    payments = _fixed_payments(award)
    paid_keys = set(payments.values_list("stream_id", "fy").distinct().order_by())
    line_keys = {(line.stream.pk, line.fy) for line in lines}
    streams = {line.stream.pk: line.stream for line in lines}
    missing = paid_keys - line_keys
    if missing:
        names = dict(FundingStream.objects.filter(pk__in={key[0] for key in missing}).values_list("pk", "name"))
        for stream_id, fy in sorted(missing, key=lambda key: (key[1], names.get(key[0], ""))):
            _add(
                errors,
                "lines",
                f"There are payments from {names.get(stream_id, streams.get(stream_id))} in "
                f"{_fy_label(fy)}: keep a funding line for that stream and year.",
            )
    if award.status not in COMMITTED_STATUSES:
        return
    overridden = set(payments.exclude(override_reason="").values_list("fy", flat=True).distinct().order_by())
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.fy] += line.amount
    for fy, scheduled in sorted(_payments_by_year(award).items()):
        if fy not in overridden and scheduled > totals.get(fy, Decimal(0)):
            _add(
                errors,
                "lines",
                f"Payments of {format_pence(scheduled)} are recorded for {_fy_label(fy)}, but the lines "
                f"would commit only {format_pence(totals.get(fy, Decimal(0)))} for that year.",
            )
    by_line = {(line.stream.pk, line.fy): line for line in lines}
    rows = (
        payments.values("stream_id", "stream__name", "fy").annotate(total=Sum("amount")).order_by("fy", "stream__name")
    )
    for row in rows:
        line = by_line.get((row["stream_id"], row["fy"]))
        if line is not None and row["fy"] not in overridden and row["total"] > line.amount:
            _add(
                errors,
                "lines",
                f"Payments of {format_pence(row['total'])} from {row['stream__name']} are recorded for "
                f"{_fy_label(row['fy'])}, but its line would be only {format_pence(line.amount)}.",
            )


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
    if "status" in fields:
        raise TypeError("award_update does not change the status: use award_transition.")
    _unknown(fields, AWARD_FIELDS, "award")
    locked = lock_for_update(award, expected_version=expected_version)
    errors: Errors = {}
    values = _clean_award(instance=locked, changes=fields, errors=errors)
    if values["reference"] and _reference_taken(values["reference"], exclude_pk=locked.pk):
        _add(errors, "reference", _reference_message(values["reference"]))
    elif not values["reference"]:
        _add(errors, "reference", "Enter the award's reference.")
    start = values["start_date"]
    end = award_runs_until(
        end_date=values["end_date"],
        extension_until=values["extension_until"],
        extension_taken=values["extension_taken"],
    )
    if lines is not None:
        cleaned = _clean_lines(lines, start=start, end=end, errors=errors)
        if "lines" not in errors:
            _check_lines_cover_payments(locked, cleaned, errors)
    else:
        current = list(FundingLine.objects.filter(award=locked).select_related("stream"))
        cleaned = [LineInput(stream=line.stream, fy=line.fy, amount=line.amount) for line in current]
        if start and end and end >= start and not ({"start_date", "end_date", "extension_until"} & set(errors)):
            allowed = {fy.start_year for fy in fys_between(start, end)}
            if values["end_date"] != locked.end_date:
                field = "end_date"
            elif start != locked.start_date:
                field = "start_date"
            else:
                field = "extension_taken" if values["extension_taken"] != locked.extension_taken else "extension_until"
            for line in cleaned:
                if line.fy not in allowed:
                    _add(
                        errors,
                        field,
                        f"The funding line from {line.stream.name} in {_fy_label(line.fy)} would fall "
                        "outside the award's dates: change or remove that line first.",
                    )
    chosen_kpqs = _kpq_list(kpqs, errors) if kpqs is not None else None
    chosen_areas = _area_list(areas, errors) if areas is not None else None
    if locked.status in COMMITTED_STATUSES and "lines" not in errors:
        _check_delegated_limit(
            total=sum((line.amount for line in cleaned), Decimal(0)),
            decision=values["decision"],
            entering=f"kept {locked.get_status_display().lower()}",
            errors=errors,
            award=locked,
        )
    _raise_if(errors)

    changed = bool(_apply_changes(locked, values))
    if chosen_kpqs is not None and {kpq.pk for kpq in chosen_kpqs} != set(locked.kpqs.values_list("pk", flat=True)):
        attribute_to(locked, actor)
        locked.kpqs.set(chosen_kpqs)
        changed = True
    if chosen_areas is not None and {area.pk for area in chosen_areas} != set(
        locked.areas.values_list("pk", flat=True)
    ):
        attribute_to(locked, actor)
        locked.areas.set(chosen_areas)
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
    """Move the award to ``to_status`` if ``transitions.TRANSITIONS`` allows it, recording who,
    when and why on its timeline. Cancelling needs a note. Entering awarded or active needs a
    signed decision when the total of all its lines is above ``delegated_limit()``, worth no
    more than the decision approved. Marking it awarded checks the provider's due diligence
    (``due_diligence_check``: a reason to go ahead when documents are missing or expired).

    ``automatic`` marks a change the system made because of the calendar (the daily run), dated
    ``at`` (default now). The award's returns and instalments follow the new status."""
    locked = lock_for_update(award, expected_version=expected_version)
    errors: Errors = {}
    target = _text(to_status).lower()
    note = _text(note)
    current = locked.status
    if not is_allowed(current, target):
        _add(
            errors,
            "status",
            f"An award that is {label_of(current).lower()} cannot be marked {label_of(target).lower()}.",
        )
        _raise_if(errors)
    action = ACTIONS[AwardStatus(target)]
    if action.needs_note and not note:
        _add(errors, "note", "Say why (this is kept on the award's timeline).")
    if target in NEEDS_DECISION_ABOVE_LIMIT:
        total = FundingLine.objects.filter(award=locked).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        _check_delegated_limit(
            total=total,
            decision=_related(locked, "decision"),
            entering=f"marked {label_of(target).lower()}",
            errors=errors,
            award=locked,
        )
    due_diligence_note = ""
    if target == AwardStatus.AWARDED and not automatic:
        due_diligence_note = due_diligence_check(
            organisation=locked.provider,
            actor=actor,
            reason=due_diligence_reason,
            field="due_diligence_reason",
            doing=f"marking {locked.reference} awarded",
            errors=errors,
        )
    _raise_if(errors)
    locked.status = target
    attribute_to(locked, actor)
    locked.save()
    _record_transition(
        locked,
        from_status=current,
        actor=actor,
        note=note,
        automatic=automatic,
        at=at,
        due_diligence_note=due_diligence_note,
    )
    _follow_schedules(locked, actor=actor)
    return locked


@transaction.atomic
def cofunding_set(
    *,
    actor,
    award: Award,
    partner: Organisation,
    amount: Decimal | None = None,
    fy: int | None = None,
    notes: str = "",
) -> CoFunding:
    """Record a co-commissioning partner's contribution to an award (one entry per partner and
    financial year; ``fy`` None for a contribution not tied to a year; ``amount`` None if unknown)."""
    errors: Errors = {}
    if not isinstance(partner, Organisation):
        _add(errors, "partner", "Choose the partner organisation.")
    elif partner.pk == award.provider_id:
        _add(errors, "partner", "The provider of the award cannot also be its co-commissioning partner.")
    year = None if fy in (None, "") else _financial_year(fy, "fy", errors)
    if year is not None and "fy" not in errors and year not in _award_years(award):
        _add(errors, "fy", f"{_fy_label(year)} is outside the award's dates.")
    value = None if amount in (None, "") else _money(amount, "amount", errors)
    if value is not None and value < 0:
        _add(errors, "amount", "The contribution cannot be negative.")
    _raise_if(errors)
    record = CoFunding.objects.select_for_update().filter(award=award, partner=partner, fy=year).first()
    if record is None:
        record = CoFunding(award=award, partner=partner, fy=year)
    elif record.amount == value and record.notes == _text(notes):
        return record
    record.amount = value
    record.notes = _text(notes)
    attribute_to(record, actor)
    record.save()
    return record


@transaction.atomic
def cofunding_remove(*, actor, cofunding: CoFunding) -> None:
    attribute_to(cofunding, actor)
    cofunding.delete()


@transaction.atomic
def forecast_set(*, actor, award: Award, fy: int, amount: Decimal | None) -> ForecastOutturn | None:
    """Set the forecast outturn of an award for a year; ``amount`` None removes the forecast
    (reports then take the committed value as the forecast)."""
    errors: Errors = {}
    year = _financial_year(fy, "fy", errors)
    if year is not None and year not in _award_years(award):
        _add(errors, "fy", f"{_fy_label(year)} is outside the award's dates.")
    value = None if amount in (None, "") else _money(amount, "amount", errors, what="forecast")
    if value is not None and value < 0:
        _add(errors, "amount", "The forecast cannot be negative.")
    _raise_if(errors)
    record = ForecastOutturn.objects.select_for_update().filter(award=award, fy=year).first()
    if value is None:
        if record is not None:
            attribute_to(record, actor)
            record.delete()
        return None
    if record is None:
        record = ForecastOutturn(award=award, fy=year)
    elif record.amount == value:
        return record
    record.amount = value
    record.updated_by = actor
    attribute_to(record, actor)
    record.save()
    return record


@transaction.atomic
def award_document_add(*, actor, award: Award, kind: str, title: str, file: File) -> AwardDocument:
    """Store a document of the award after checking its size and, by its contents, its type
    (``providers.uploads``). A blank title becomes the file's name."""
    errors: Errors = {}
    if kind not in AwardDocumentKind.values:
        _add(errors, "kind", "Choose what kind of document this is.")
    if file is None:
        _add(errors, "file", "Choose a file to upload.")
    else:
        problem, _ = upload_problem(
            name=file.name or "", stream=file, size=file.size, max_bytes=settings.UPLOAD_MAX_BYTES
        )
        if problem:
            _add(errors, "file", problem)
    name_length = AwardDocument._meta.get_field("title").max_length  # the name is the title if none is given
    original_name = safe_upload_name(file.name if file is not None else "", name_length)
    title = _text(title) or original_name
    _check_lengths(AwardDocument, {"title": title}, errors)
    _raise_if(errors)
    document = AwardDocument(award=award, kind=kind, title=title, uploaded_by=actor)
    document.file.save(original_name, file, save=False)
    attribute_to(document, actor)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)  # no orphan file
        raise
    return document


@transaction.atomic
def award_document_delete(*, actor, document: AwardDocument) -> None:
    attribute_to(document, actor)
    stored = document.file.name
    document.delete()
    storage = document.file.storage
    transaction.on_commit(lambda: storage.delete(stored) if stored else None)


# Payments -----------------------------------------------------------------------------------------

PAYMENT_FIELDS = (
    "stream",
    "fy",
    "due_date",
    "paid_date",
    "amount",
    "invoice_reference",
    "po_number",
    "reason",
    "override_reason",
)
# Once a payment is paid, these are fixed: correct it with a refund or credit note instead.
_PAID_FIXED = ("stream", "fy", "due_date", "amount")


def _clean_payment(
    *,
    award: Award,
    values: dict[str, Any],
    exclude_pk: int | None,
    actor,
    errors: Errors,
    imported: bool = False,
    funding: AwardFunding | None = None,
) -> dict[str, Any]:
    """Check a payment's values against the rules and its award; returns them cleaned, with
    ``override_by`` set when the year's commitment is exceeded and an override reason is given.
    ``funding`` answers the questions about the award's lines and payments (by default from the
    database; an import answers from what it loaded once for the whole file)."""
    funding = funding or _StoredFunding()
    for name in ("invoice_reference", "po_number", "reason", "override_reason"):
        values[name] = _text(values[name])
    today = clock.today()
    if award.status not in COMMITTED_STATUSES:
        _add(
            errors,
            "award",
            f"Award {award.reference} is {award.get_status_display().lower()}: only awarded, "
            "active or ended awards can be paid.",
        )
    amount = _money(values["amount"], "amount", errors)
    if amount is not None and amount == 0:
        _add(errors, "amount", "The amount cannot be zero.")
    if amount is not None and amount < 0 and not values["reason"]:
        _add(errors, "reason", "Give the reason for the refund or credit note (a negative amount).")
    values["amount"] = amount
    due = _date(values["due_date"], "due_date", errors, what="due date")
    paid = _date(values["paid_date"], "paid_date", errors, what="paid date", required=False)
    if paid and paid > today:
        _add(errors, "paid_date", "The paid date cannot be in the future: leave it blank until it is paid.")
    if values["fy"] in (None, ""):
        values["fy"] = FinancialYear.of(due).start_year if due else None
    else:
        values["fy"] = _financial_year(values["fy"], "fy", errors)
    fy, stream = values["fy"], values["stream"]
    if not isinstance(stream, FundingStream):
        _add(errors, "stream", "Choose the funding stream the payment is made from.")
    elif fy is not None:
        stream_years = funding.stream_years(award=award, stream=stream)
        if not stream_years:
            _add(errors, "stream", f"Award {award.reference} has no funding from {stream.name}.")
        elif fy not in stream_years:
            years = ", ".join(_fy_label(year) for year in sorted(stream_years))
            _add(
                errors,
                "fy",
                f"Award {award.reference} has no funding from {stream.name} in {_fy_label(fy)} (it has in {years}).",
            )
    values["override_by"] = None
    if amount is not None and fy is not None and not errors:
        sums = funding.sums(award=award, stream=stream, fy=fy, exclude_pk=exclude_pk)
        if amount > 0:
            problem = _beyond_message(award=award, stream=stream, fy=fy, amount=amount, sums=sums)
        else:
            problem = _below_zero(award=award, stream=stream, fy=fy, amount=amount, sums=sums)
        if problem:
            _allow_override(problem, values=values, actor=actor, imported=imported, errors=errors)
    return values


def _allow_override(problem: str, *, values: dict[str, Any], actor, imported: bool, errors: Errors) -> None:
    """A payment that breaks a funding rule goes ahead only with a finance officer's override:
    a reason, recorded against the named officer (``override_by``) on the payment form. A
    file cannot carry one, since each override is a judgement about one payment."""
    if imported:
        _add(
            errors,
            "amount",
            f"{problem} Change the amount (a finance override can be recorded on the payment form only).",
        )
    elif not values["override_reason"]:
        _add(errors, "amount", f"{problem} Change the amount, or record a finance override with a reason.")
    elif actor is None or not has_capability(actor, "payments.override"):
        _add(errors, "override_reason", "An override must be recorded by a named finance officer.")
    else:
        values["override_by"] = actor


def _counted_payments(*, award: Award, fy: int, exclude_pk: int | None):
    """The award's payments of a year that use up its funding: every payment that counts except
    instalments a payment plan may still reschedule (they shrink to what is left)."""
    return Payment.objects.filter(award=award, fy=fy).exclude(pending_instalments_q()).exclude(pk=exclude_pk)


@dataclass(frozen=True)
class FundingSums:
    """What a payment of an award from a stream in a year is checked against: the line from
    that stream and the payments already counted from it, and the same for the whole year."""

    line: Decimal  # the award's funding line(s) from the stream for the year
    from_stream: Decimal  # counted payments from the stream for the year
    committed: Decimal  # all the award's funding lines for the year
    in_year: Decimal  # all the award's counted payments for the year
    paid: Decimal = Decimal(0)  # counted payments from the stream for the year with a paid date (positive ones)
    refunded: Decimal = Decimal(0)  # counted refunds and credit notes from the stream for the year, as a positive sum


class AwardFunding:
    """Answers ``_clean_payment``'s questions about an award's funding lines and payments."""

    def stream_years(self, *, award: Award, stream: FundingStream) -> set[int]:
        raise NotImplementedError

    def sums(self, *, award: Award, stream: FundingStream, fy: int, exclude_pk: int | None) -> FundingSums:
        raise NotImplementedError


class _StoredFunding(AwardFunding):
    """From the database, a few queries per payment (the forms' one payment at a time)."""

    def stream_years(self, *, award: Award, stream: FundingStream) -> set[int]:
        return set(FundingLine.objects.filter(award=award, stream=stream).values_list("fy", flat=True))

    def sums(self, *, award: Award, stream: FundingStream, fy: int, exclude_pk: int | None) -> FundingSums:
        others = _counted_payments(award=award, fy=fy, exclude_pk=exclude_pk)
        lines = FundingLine.objects.filter(award=award, fy=fy)
        from_stream = others.filter(stream=stream)
        return FundingSums(
            line=lines.filter(stream=stream).aggregate(t=Sum("amount"))["t"] or Decimal(0),
            from_stream=from_stream.aggregate(t=Sum("amount"))["t"] or Decimal(0),
            committed=lines.aggregate(t=Sum("amount"))["t"] or Decimal(0),
            in_year=others.aggregate(t=Sum("amount"))["t"] or Decimal(0),
            paid=from_stream.filter(amount__gt=0, paid_date__isnull=False).aggregate(t=Sum("amount"))["t"]
            or Decimal(0),
            refunded=-(from_stream.filter(amount__lt=0).aggregate(t=Sum("amount"))["t"] or Decimal(0)),
        )


def _beyond_message(*, award: Award, stream: FundingStream, fy: int, amount: Decimal, sums: FundingSums) -> str:
    """Why a payment of ``amount`` would go beyond the award's funding ("" if it would not):
    the award's payments of the year beyond its funding lines of the year, or its payments from
    the stream beyond its line from that stream (so money of one stream is never charged to
    another, say precept-funded work to the MoJ grant)."""
    label = _fy_label(fy)
    line = sums.line
    from_stream = sums.from_stream + amount
    if from_stream > line:
        return (
            f"This would take the payments of award {award.reference} from {stream.name} for {label} to "
            f"{format_pence(from_stream)}, {format_pence(from_stream - line)} more than its "
            f"{format_pence(line)} funding line from that stream."
        )
    committed = sums.committed
    total = sums.in_year + amount
    if total > committed:
        return (
            f"This would take the payments of award {award.reference} for {label} to {format_pence(total)}, "
            f"{format_pence(total - committed)} more than the {format_pence(committed)} committed for that year."
        )
    return ""


def _below_zero(*, award: Award, stream: FundingStream, fy: int, amount: Decimal, sums: FundingSums) -> str:
    """Why a refund or credit note of ``amount`` (negative) would give back more than was paid
    ("" if it would not): the award's paid payments from the stream for the year, less every
    refund and credit note recorded against them (this one included, and those not yet paid),
    may not fall below zero. Money never paid cannot be refunded."""
    paid = sums.paid
    refunded = sums.refunded - amount
    if refunded <= paid:
        return ""
    return (
        f"This would take the refunds and credit notes of award {award.reference} from {stream.name} for "
        f"{_fy_label(fy)} to {format_pence(refunded)}, {format_pence(refunded - paid)} more than the "
        f"{format_pence(paid)} paid."
    )


def _lock_award(award: Award) -> Award:
    """Lock the award row, so two payments on one award are checked one after the other."""
    return Award.objects.select_for_update().get(pk=award.pk)


@transaction.atomic
def payment_record(
    *,
    actor,
    award: Award,
    stream: FundingStream,
    amount: Decimal,
    due_date: datetime.date,
    paid_date: datetime.date | None = None,
    fy: int | None = None,
    invoice_reference: str = "",
    po_number: str = "",
    reason: str = "",
    override_reason: str = "",
    due_diligence_reason: str = "",
    imported: bool = False,
) -> Payment:
    """Record a scheduled (no ``paid_date``) or actual payment of an award from a stream.

    For finance officers: views must require ``payments.edit``. ``fy`` (the year of the funding
    line it pays) defaults to the financial year of ``due_date``. The award must be awarded,
    active or ended and have a funding line for that stream and year. A negative amount is a
    refund or credit note and needs a ``reason``. If the award's payments for that year
    (scheduled and paid, this one included) would exceed what is committed for the year, the
    payment is refused unless ``override_reason`` is given; the override is then recorded
    with ``override_by`` = ``actor`` (so it needs a named actor). The same holds per stream:
    the payments from a stream may not go beyond the award's line from that stream for the
    year. An override reason given when none is needed is not stored. Recorded by a person,
    the payment is approved as it is recorded, after the provider's due diligence is checked
    (``due_diligence_check``). Pending plan instalments of that stream and year shrink to
    what is left. ``imported``: a row of a payments file, which records what already happened
    (no due-diligence check) and has no override column.
    """
    locked_award = _lock_award(award)
    errors: Errors = {}
    values = _clean_payment(
        award=locked_award,
        values={
            "stream": stream,
            "fy": fy,
            "due_date": due_date,
            "paid_date": paid_date,
            "amount": amount,
            "invoice_reference": invoice_reference,
            "po_number": po_number,
            "reason": reason,
            "override_reason": override_reason,
        },
        exclude_pk=None,
        actor=actor,
        errors=errors,
        imported=imported,
    )
    _check_lengths(Payment, {k: values[k] for k in ("invoice_reference", "po_number", "reason")}, errors)
    note = ""
    if not errors and values["amount"] > 0 and not imported:
        note = due_diligence_check(
            organisation=locked_award.provider,
            actor=actor,
            reason=due_diligence_reason,
            field="due_diligence_reason",
            doing="this payment",
            errors=errors,
        )
    _raise_if(errors)
    if values["override_by"] is None:
        values["override_reason"] = ""
    # Recorded by finance (or brought in by an import): approved as it is recorded.
    payment = Payment(
        award=locked_award,
        recorded_by=actor,
        approved_by=actor,
        approved_at=clock.now(),
        due_diligence_note=note,
        **values,
    )
    attribute_to(payment, actor)
    payment.save()
    award_instalments_reconcile(award=locked_award, actor=actor)
    return payment


@dataclass(frozen=True)
class ImportedPayment:
    """One row of a payments file, its award and stream found (``payments_record_imported``)."""

    award: Award
    stream: FundingStream
    amount: Decimal
    due_date: datetime.date
    paid_date: datetime.date | None = None
    fy: int | None = None
    invoice_reference: str = ""
    po_number: str = ""
    reason: str = ""


class _FileFunding(AwardFunding):
    """The funding lines and counted payments of every award of a file, loaded in a few
    queries; each payment accepted is added, so later rows are checked against it as they
    would be had it been saved (``_counted_payments``: every payment except pending instalments)."""

    def __init__(self, award_ids: Iterable[int]):
        # Keyed (award, stream, fy), and (award, fy) for the year's totals.
        self.lines: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        self.committed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        self.counted: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        self.counted_in_year: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        self.paid: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)  # positive, with a paid date
        self.refunded: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)  # negatives, as a positive sum
        self.years: dict[tuple[int, int], set[int]] = defaultdict(set)  # (award, stream) -> years of its lines
        for chunk in chunked(award_ids):
            for award_id, stream_id, fy, amount in FundingLine.objects.filter(award_id__in=chunk).values_list(
                "award_id", "stream_id", "fy", "amount"
            ):
                self.lines[(award_id, stream_id, fy)] += amount
                self.committed[(award_id, fy)] += amount
                self.years[(award_id, stream_id)].add(fy)
            counted = (
                Payment.objects.filter(award_id__in=chunk)
                .exclude(pending_instalments_q())
                .values_list("award_id", "stream_id", "fy", "amount", "paid_date")
            )
            for award_id, stream_id, fy, amount, paid_date in counted.iterator(chunk_size=2000):
                self._count(award_id, stream_id, fy, amount, paid=paid_date is not None)

    def _count(self, award_id: int, stream_id: int, fy: int, amount: Decimal, *, paid: bool) -> None:
        key = (award_id, stream_id, fy)
        self.counted[key] += amount
        self.counted_in_year[(award_id, fy)] += amount
        if amount < 0:
            self.refunded[key] -= amount
        elif paid:
            self.paid[key] += amount

    def stream_years(self, *, award: Award, stream: FundingStream) -> set[int]:
        return set(self.years.get((award.pk, stream.pk), ()))

    def sums(self, *, award: Award, stream: FundingStream, fy: int, exclude_pk: int | None) -> FundingSums:
        key = (award.pk, stream.pk, fy)
        return FundingSums(
            line=self.lines.get(key, Decimal(0)),
            from_stream=self.counted.get(key, Decimal(0)),
            committed=self.committed.get((award.pk, fy), Decimal(0)),
            in_year=self.counted_in_year.get((award.pk, fy), Decimal(0)),
            paid=self.paid.get(key, Decimal(0)),
            refunded=self.refunded.get(key, Decimal(0)),
        )

    def add(self, payment: Payment) -> None:
        self._count(payment.award_id, payment.stream_id, payment.fy, payment.amount, paid=payment.paid_date is not None)


@transaction.atomic
def payments_record_imported(
    *, actor, rows: Sequence[ImportedPayment], check_only: bool = False
) -> list[Payment | ValidationError]:
    """``payment_record(imported=True)`` for every new row of a payments file at once: the same
    rules and messages, each row checked against the stored payments and the file's earlier
    rows, in a number of queries that does not grow with the rows. Returns per row the payment
    or the ``ValidationError``; if any row is refused, nothing is written.

    The awards are locked once (``payment_record`` locks the award of each payment); payments
    are inserted in batches with their history rows (one "created" entry each, attributed to
    ``actor``, as a save writes); each award with a payment plan or pending instalments then has
    its instalments reconciled once, rather than after every payment. ``check_only`` (a dry
    run) checks every row and returns the same outcomes, unsaved, writing nothing.
    """
    award_ids = sorted({row.award.pk for row in rows})
    awards = {}
    for chunk in chunked(award_ids):
        awards.update(Award.objects.select_for_update().in_bulk(chunk))
    funding = _FileFunding(award_ids)
    outcomes: list[Payment | ValidationError] = []
    for row in rows:
        award = awards[row.award.pk]
        errors: Errors = {}
        values = _clean_payment(
            award=award,
            values={
                "stream": row.stream,
                "fy": row.fy,
                "due_date": row.due_date,
                "paid_date": row.paid_date,
                "amount": row.amount,
                "invoice_reference": row.invoice_reference,
                "po_number": row.po_number,
                "reason": row.reason,
                "override_reason": "",
            },
            exclude_pk=None,
            actor=actor,
            errors=errors,
            imported=True,
            funding=funding,
        )
        _check_lengths(Payment, {k: values[k] for k in ("invoice_reference", "po_number", "reason")}, errors)
        if errors:
            outcomes.append(ValidationError(errors))
            continue
        values["override_reason"] = ""
        payment = Payment(award=award, recorded_by=actor, approved_by=actor, approved_at=clock.now(), **values)
        funding.add(payment)
        outcomes.append(payment)
    if check_only or any(isinstance(outcome, ValidationError) for outcome in outcomes):
        return outcomes
    bulk_create_with_history(outcomes, Payment, batch_size=_IMPORT_BATCH, default_user=actor)
    for award_id in _awards_with_instalments(award_ids):
        award_instalments_reconcile(award=awards[award_id], actor=actor)
    return outcomes


# Rows per INSERT statement of an import.
_IMPORT_BATCH = 500


def _awards_with_instalments(award_ids: Sequence[int]) -> list[int]:
    """Of these awards, those whose instalments a reconcile may change: with a payment plan or
    with pending instalments (for the others it would load their payments to change nothing)."""
    found: set[int] = set()
    for chunk in chunked(award_ids):
        found.update(PaymentPlan.objects.filter(award_id__in=chunk).values_list("award_id", flat=True))
        found.update(
            Payment.all_objects.filter(pending_instalments_q(), award_id__in=chunk).values_list("award_id", flat=True)
        )
    return sorted(found)


def _refuse_cancelled(payment: Payment, errors: Errors) -> None:
    if payment.is_cancelled:
        _add(errors, "status", "This payment was cancelled: it counts for nothing and cannot be changed.")


@transaction.atomic
def payment_update(*, payment: Payment, actor, expected_version: int | None, **fields: Any) -> Payment:
    """Change a payment (any of ``PAYMENT_FIELDS``), re-checking every rule. Once paid, its
    stream, year, due date and amount are fixed (record a refund or credit note instead).
    For finance officers."""
    _unknown(fields, PAYMENT_FIELDS, "payment")
    locked_award = _lock_award(payment.award)
    locked = lock_for_update(payment, expected_version=expected_version)
    errors: Errors = {}
    _refuse_cancelled(locked, errors)
    _raise_if(errors)

    def changes(name: str) -> bool:
        return name in fields and fields[name] != (locked.stream if name == "stream" else getattr(locked, name))

    if locked.is_paid:
        for name in _PAID_FIXED:
            if changes(name):
                _add(
                    errors,
                    name,
                    "This payment has been paid, so this cannot be changed: record a refund or credit note instead.",
                )
    elif locked.plan_period and not locked.is_approved:
        for name in _PAID_FIXED:
            if changes(name):
                _add(
                    errors,
                    name,
                    "This instalment comes from the award's payment plan, which sets it: change the "
                    "plan or the funding lines, or cancel the instalment.",
                )
    if not locked.is_approved and fields.get("paid_date"):
        _add(errors, "paid_date", "This payment has not been approved yet: approve it before recording it as paid.")
    _raise_if(errors)
    current = {name: getattr(locked, name) for name in PAYMENT_FIELDS if name != "stream"}
    current["stream"] = locked.stream
    values = _clean_payment(
        award=locked_award, values={**current, **fields}, exclude_pk=locked.pk, actor=actor, errors=errors
    )
    _check_lengths(Payment, {k: values[k] for k in ("invoice_reference", "po_number", "reason")}, errors)
    _raise_if(errors)
    override_by = values.pop("override_by")
    if override_by is None:
        values["override_reason"] = ""
        values["override_by"] = None
    elif values["override_reason"] != locked.override_reason or locked.override_by_id is None:
        values["override_by"] = override_by
    if not _apply_changes(locked, values):
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    locked.save()
    award_instalments_reconcile(award=locked_award, actor=actor)
    return locked


@transaction.atomic
def payment_mark_paid(
    *, payment: Payment, actor, paid_date: datetime.date, expected_version: int | None = None
) -> Payment:
    """Record that a scheduled payment was paid on ``paid_date``. For finance officers."""
    locked = lock_for_update(payment, expected_version=expected_version)
    errors: Errors = {}
    day = _date(paid_date, "paid_date", errors, what="paid date")
    _refuse_cancelled(locked, errors)
    if locked.is_paid:
        _add(errors, "paid_date", f"This payment was already marked paid on {locked.paid_date.isoformat()}.")
    elif day and day > clock.today():
        _add(errors, "paid_date", "The paid date cannot be in the future.")
    elif not locked.is_approved:
        _add(errors, "paid_date", "This payment has not been approved yet: approve it before recording it as paid.")
    if locked.award.status not in COMMITTED_STATUSES:
        _add(
            errors,
            "award",
            f"Award {locked.award.reference} is {locked.award.get_status_display().lower()}: "
            "only awarded, active or ended awards can be paid.",
        )
    _raise_if(errors)
    locked.paid_date = day
    attribute_to(locked, actor)
    locked.save(update_fields=["paid_date", "version"])
    return locked


@transaction.atomic
def payment_delete(*, payment: Payment, actor, expected_version: int | None = None) -> None:
    """Delete a scheduled payment. A paid one is a record: correct it with a refund instead."""
    locked = lock_for_update(payment, expected_version=expected_version)
    if locked.is_paid:
        raise ValidationError(
            {
                "paid_date": [
                    "This payment has been paid, so it cannot be deleted: record a refund or credit note instead."
                ]
            }
        )
    attribute_to(locked, actor)
    award = locked.award
    locked.delete()
    award_instalments_reconcile(award=award, actor=actor)


def _payment_label(payment: Payment) -> str:
    return f"the payment of {format_pence(payment.amount)} from {payment.stream.name} due {payment.due_date:%-d %B %Y}"


@transaction.atomic
def payment_approve(
    *, payment: Payment, actor, due_diligence_reason: str = "", expected_version: int | None = None
) -> Payment:
    """Finance approves a scheduled payment (an instalment of a payment plan) for paying. An
    instalment paid on acceptance of a return waits until that return is accepted. The
    provider's due diligence is checked (``due_diligence_check``)."""
    if actor is not None:
        require(actor, "payments.edit")
    locked_award = _lock_award(payment.award)
    locked = lock_for_update(payment, expected_version=expected_version)
    errors: Errors = {}
    _refuse_cancelled(locked, errors)
    if locked.is_approved:
        _add(errors, "status", f"This payment was already approved on {locked.approved_at:%-d %B %Y}.")
    if locked_award.status not in COMMITTED_STATUSES:
        _add(
            errors,
            "award",
            f"Award {locked_award.reference} is {locked_award.get_status_display().lower()}: only "
            "awarded, active or ended awards can be paid.",
        )
    waiting = locked.awaits_return
    if waiting is not None and waiting.status != ReturnStatus.ACCEPTED:
        _add(
            errors,
            "status",
            f"This instalment is paid once the monitoring return for Q{waiting.quarter} "
            f"{_fy_label(waiting.fy)} is accepted; it is {waiting.get_status_display().lower()}.",
        )
    _raise_if(errors)
    note = due_diligence_check(
        organisation=locked_award.provider,
        actor=actor,
        reason=due_diligence_reason,
        field="due_diligence_reason",
        doing=f"approving {_payment_label(locked)}",
        errors=errors,
    )
    _raise_if(errors)
    locked.approved_at = clock.now()
    locked.approved_by = actor
    locked.due_diligence_note = note
    attribute_to(locked, actor)
    locked.save(update_fields=["approved_at", "approved_by", "due_diligence_note", "version"])
    return locked


@transaction.atomic
def payment_cancel(*, payment: Payment, actor, reason: str, expected_version: int | None = None) -> Payment:
    """Finance cancels a payment that has not been paid (entered by mistake, or an instalment
    not to be paid). It is kept, with who cancelled it, when and why, and counts for nothing;
    a cancelled instalment is not scheduled again."""
    if actor is not None:
        require(actor, "payments.edit")
    locked_award = _lock_award(payment.award)
    locked = lock_for_update(payment, expected_version=expected_version)
    errors: Errors = {}
    _refuse_cancelled(locked, errors)
    if locked.is_paid:
        _add(
            errors,
            "status",
            "This payment has been paid, so it cannot be cancelled: record a refund or credit note instead.",
        )
    reason = _text(reason)
    if not reason:
        _add(errors, "reason", "Say why the payment is cancelled (this is kept with it).")
    _raise_if(errors)
    locked.cancelled_at = clock.now()
    locked.cancelled_by = actor
    locked.cancel_reason = reason
    attribute_to(locked, actor)
    locked.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason", "version"])
    award_instalments_reconcile(award=locked_award, actor=actor)
    return locked
