"""The rules an award and its funding lines must keep, shared by create, update and the import:
required fields, dates, lines inside the award's years, lines covering the payments already made,
and the delegated limit above which a decision is needed. Each rule adds a message to ``errors``
naming the field at fault; the services raise them together."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Sum

from grants.decisions.services import delegated_limit
from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKind,
    Decision,
    FundingLine,
    FundingStream,
    Payment,
    award_runs_until,
)
from grants.schedules.instalments import pending_instalments_q
from grants.validation import check_lengths, date_value, financial_year_value, money_value
from needs_assessment.models import Area, CommissioningIntention, IntentionStatus
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import (
    fy_label,
    fys_between,
)
from pcc_commissioning.validation import Errors, add_error, clean_text
from providers.models import Organisation


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
    "finance_contact",
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


_AWARD_RELATIONS = ("provider", "priority", "lead_officer", "finance_contact", "decision", "moj_category", "intention")


def related(instance: models.Model, name: str):
    """The related object if set (None otherwise), without a query when it is not set."""
    return getattr(instance, name) if getattr(instance, f"{name}_id") is not None else None


def clean_award(*, instance: Award, changes: Mapping[str, Any], errors: Errors) -> dict[str, Any]:
    """The final field values of an award (``changes`` over ``instance``); problems go to ``errors``."""
    values: dict[str, Any] = {}
    for name in AWARD_FIELDS:
        values[name] = related(instance, name) if name in _AWARD_RELATIONS else getattr(instance, name)
    values.update(changes)
    for name in _AWARD_TEXT:
        values[name] = clean_text(values[name])

    if not values["title"]:
        add_error(errors, "title", "Enter the title of the award.")
    if not isinstance(values["provider"], Organisation):
        add_error(errors, "provider", "Choose the provider the award is made to.")
    values["kind"] = clean_text(values["kind"]).lower()
    if values["kind"] not in AwardKind.values:
        add_error(errors, "kind", f"Choose the kind of award ({', '.join(AwardKind.values)}).")
    if not isinstance(values["priority"], CommissioningPriority):
        add_error(errors, "priority", "Choose the commissioning priority the award serves.")
    start = date_value(values["start_date"], "start_date", errors, what="start date")
    end = date_value(values["end_date"], "end_date", errors, what="end date")
    if start and end and end < start:
        add_error(errors, "end_date", "The end date must be the same as or after the start date.")

    months = values["extension_months"]
    if months in ("", None):
        values["extension_months"] = None
    elif isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 240:
        add_error(errors, "extension_months", "The extension must be a whole number of months, 1 or more.")
    until = date_value(values["extension_until"], "extension_until", errors, what="extension end date", required=False)
    values["extension_until"] = until
    if until and end and until <= end:
        add_error(errors, "extension_until", "An extension must end after the award's end date.")
    values["extension_taken"] = bool(values["extension_taken"])
    if values["extension_taken"] and until is None and "extension_until" not in errors:
        add_error(errors, "extension_taken", "Say until when the extension runs before marking it taken.")

    decision = values["decision"]
    if decision is not None and not isinstance(decision, Decision):
        add_error(errors, "decision", "Choose the decision that made the award.")
    category = values["moj_category"]
    if category is not None and (not isinstance(category, CodeListEntry) or category.list != CodeList.MOJ_CATEGORY):
        add_error(errors, "moj_category", "Choose an MoJ service category.")
    officer = values["lead_officer"]
    if officer is not None and not isinstance(officer, models.Model):
        add_error(errors, "lead_officer", "Choose the lead officer.")
    contact = values["finance_contact"]
    if contact is not None and not isinstance(contact, models.Model):
        add_error(errors, "finance_contact", "Choose the finance contact.")
    intention = values["intention"]
    if intention is not None:
        if not isinstance(intention, CommissioningIntention) or intention.pk is None:
            add_error(errors, "intention", "Choose the commissioning intention the award fulfils from the list.")
        elif intention.status == IntentionStatus.DROPPED and intention.pk != instance.intention_id:
            add_error(
                errors, "intention", f"The intention “{intention.title}” has been dropped: choose another, or none."
            )
    check_lengths(Award, {name: values[name] for name in _AWARD_TEXT}, errors)
    return values


def award_years(award: Award) -> set[int]:
    """The financial years an award's dates (with a taken extension) touch."""
    until = award_runs_until(
        end_date=award.end_date, extension_until=award.extension_until, extension_taken=award.extension_taken
    )
    return {fy.start_year for fy in fys_between(award.start_date, until)}


def _line_label(number: int, line: LineInput) -> str:
    try:
        year = fy_label(int(line.fy))
    except (TypeError, ValueError):
        year = str(line.fy)
    return f"Funding line {number} ({getattr(line.stream, 'name', '?')}, {year})"


def clean_lines(
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
            add_error(errors, "lines", f"{label}: choose the funding stream.")
            continue
        fy = financial_year_value(line.fy, "fy", problems)
        amount = money_value(line.amount, "amount", problems)
        for messages in problems.values():
            for message in messages:
                add_error(errors, "lines", f"{label}: {message[0].lower()}{message[1:]}")
        if fy is None or amount is None:
            continue
        if amount < 0:
            add_error(errors, "lines", f"{label}: the amount cannot be negative.")
        if allowed is not None and fy not in allowed:
            span = ", ".join(fy_label(year) for year in sorted(allowed))
            add_error(errors, "lines", f"{label}: {fy_label(fy)} is outside the award's dates, which cover {span}.")
        if (line.stream.pk, fy) in seen:
            add_error(errors, "lines", f"{label}: there is already a line for this stream and year; combine them.")
        seen.add((line.stream.pk, fy))
        cleaned.append(LineInput(stream=line.stream, fy=fy, amount=amount))
    return cleaned


def check_delegated_limit(
    *, total: Decimal, decision: Decision | None, entering: str, errors: Errors, award: Award | None = None
) -> None:
    """Above the delegated limit an award needs a signed decision of the PCC; and whatever its
    size, an award made under a signed decision that records an amount may not take the awards
    made under that decision beyond it (what the PCC approved)."""
    limit = delegated_limit()
    if total > limit and (decision is None or not decision.is_signed):
        which = "it has no decision linked" if decision is None else f"decision {decision.reference} is not signed"
        add_error(
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
        add_error(
            errors,
            "decision",
            f"The award's total value, {format_pence(total)}{under}, is more than the {format_pence(decision.amount)} "
            f"that decision {decision.reference} approved, so it cannot be {entering}.",
        )


def area_list(areas: Iterable, errors: Errors) -> list[Area]:
    """The areas an award serves, once each (none: the whole force area)."""
    if areas is None or isinstance(areas, (str, bytes, Area)):
        add_error(errors, "areas", "Choose the areas served from the list, or none for the whole force area.")
        return []
    chosen: dict[int, Area] = {}
    for area in areas:
        if not isinstance(area, Area) or area.pk is None:
            add_error(errors, "areas", "Choose the areas served from the list, or none for the whole force area.")
            return []
        chosen.setdefault(area.pk, area)
    return list(chosen.values())


def kpq_list(kpqs: Iterable, errors: Errors) -> list[KPQ]:
    chosen = list(kpqs)
    if any(not isinstance(kpq, KPQ) for kpq in chosen):
        add_error(errors, "kpqs", "Choose the key performance questions from the list.")
    return chosen


def _fixed_payments(award: Award):
    """The award's payments that count and that no payment plan will reschedule."""
    return Payment.objects.filter(award=award).exclude(pending_instalments_q())


def _payments_by_year(award: Award) -> dict[int, Decimal]:
    rows = _fixed_payments(award).values("fy").annotate(total=Sum("amount")).order_by()
    return {row["fy"]: row["total"] for row in rows}


def check_lines_cover_payments(award: Award, lines: Sequence[LineInput], errors: Errors) -> None:
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
            add_error(
                errors,
                "lines",
                f"There are payments from {names.get(stream_id, streams.get(stream_id))} in "
                f"{fy_label(fy)}: keep a funding line for that stream and year.",
            )
    if award.status not in COMMITTED_STATUSES:
        return
    overridden = set(payments.exclude(override_reason="").values_list("fy", flat=True).distinct().order_by())
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.fy] += line.amount
    for fy, scheduled in sorted(_payments_by_year(award).items()):
        if fy not in overridden and scheduled > totals.get(fy, Decimal(0)):
            add_error(
                errors,
                "lines",
                f"Payments of {format_pence(scheduled)} are recorded for {fy_label(fy)}, but the lines "
                f"would commit only {format_pence(totals.get(fy, Decimal(0)))} for that year.",
            )
    by_line = {(line.stream.pk, line.fy): line for line in lines}
    rows = (
        payments.values("stream_id", "stream__name", "fy").annotate(total=Sum("amount")).order_by("fy", "stream__name")
    )
    for row in rows:
        line = by_line.get((row["stream_id"], row["fy"]))
        if line is not None and row["fy"] not in overridden and row["total"] > line.amount:
            add_error(
                errors,
                "lines",
                f"Payments of {format_pence(row['total'])} from {row['stream__name']} are recorded for "
                f"{fy_label(row['fy'])}, but its line would be only {format_pence(line.amount)}.",
            )
