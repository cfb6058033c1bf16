"""An award's timeline: its history, from the records of its status changes and the history
tables of the award, its funding lines, payments and documents."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model

from grants.models import Award, AwardDocument, AwardTransition, Decision, FundingLine, FundingStream, Payment
from outcomes.models import CommissioningPriority
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, code_label
from providers.models import Organisation


@dataclass
class TimelineEntry:
    when: datetime.datetime
    who: str
    title: str
    note: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)


_AWARD_TRACKED = (
    "reference",
    "title",
    "provider",
    "kind",
    "priority",
    "start_date",
    "end_date",
    "extension_months",
    "extension_until",
    "extension_taken",
    "duration",
    "lead_officer",
    "finance_contact",
    "decision",
    "cost_centre",
    "moj_category",
    "purpose",
    "approach",
    "conditions",
    "reasons",
    "key_activity",
    "intention",
)


_LONG_TEXT = {"purpose", "approach", "conditions", "reasons", "key_activity"}


def _who(user) -> str:
    return user.display_name if user is not None else "System"


def award_timeline(award: Award) -> list[TimelineEntry]:
    """The award's history, newest first: its status changes (with their notes), changes to its
    fields and to its funding lines, payments and documents. A fixed number of queries."""
    entries = _transition_timeline(award)
    entries.extend(_details_timeline(award))
    entries.extend(_funding_line_timeline(award))
    entries.extend(_payment_timeline(award))
    entries.extend(_document_timeline(award))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _transition_timeline(award: Award) -> list[TimelineEntry]:
    """The award's status changes, with their notes. One query."""
    entries = []
    for transition in AwardTransition.objects.filter(award=award).select_related("by"):
        title = (
            f"Created as {transition.get_to_status_display().lower()}"
            if not transition.from_status
            else f"Status changed from {transition.get_from_status_display().lower()} to "
            f"{transition.get_to_status_display().lower()}"
        )
        note = "\n\n".join(part for part in (transition.note, transition.due_diligence_note) if part)
        who = "the daily run (the award's dates)" if transition.automatic else _who(transition.by)
        entries.append(TimelineEntry(when=transition.at, who=who, title=title, note=note))
    return entries


def _details_timeline(award: Award) -> list[TimelineEntry]:
    """Changes to the award's tracked fields, one entry per save that changed any. Six queries."""
    rows = list(Award.history.filter(id=award.pk).select_related("history_user").order_by("history_date", "history_id"))
    names = _names_of_related(rows)
    entries = []
    previous = None
    for row in rows:
        if row.history_type == "~" and previous is not None:
            changes = _field_changes(previous, row, names)
            if changes:
                entries.append(
                    TimelineEntry(
                        when=row.history_date, who=_who(row.history_user), title="Details changed", changes=changes
                    )
                )
        previous = row
    return entries


def _names_of_related(rows) -> dict[str, dict]:
    """{field: {pk: name}} for the related records the award's history rows point to."""
    from outcomes.models import CodeListEntry

    ids: dict[str, set] = {
        "provider": set(),
        "priority": set(),
        "lead_officer": set(),
        "finance_contact": set(),
        "decision": set(),
        "moj_category": set(),
    }
    for row in rows:
        for name in ids:
            value = getattr(row, f"{name}_id")
            if value is not None:
                ids[name].add(value)
    # One query for both fields that name a person.
    people = {
        u.pk: u.display_name
        for u in get_user_model().objects.filter(pk__in=ids["lead_officer"] | ids["finance_contact"])
    }
    return {
        "provider": dict(Organisation.objects.filter(pk__in=ids["provider"]).values_list("pk", "name")),
        "priority": dict(CommissioningPriority.objects.filter(pk__in=ids["priority"]).values_list("pk", "name")),
        "lead_officer": people,
        "finance_contact": people,
        "decision": dict(Decision.objects.filter(pk__in=ids["decision"]).values_list("pk", "reference")),
        "moj_category": dict(CodeListEntry.objects.filter(pk__in=ids["moj_category"]).values_list("pk", "label")),
    }


def _field_changes(previous, row, names: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(label, old, new) for each tracked field that differs between two history rows."""
    changes = []
    for name in _AWARD_TRACKED:
        attname = Award._meta.get_field(name).attname
        old, new = getattr(previous, attname), getattr(row, attname)
        if old != new:
            label = str(Award._meta.get_field(name).verbose_name).capitalize()
            if name in _LONG_TEXT:
                changes.append((label, "(text)", "changed"))
            else:
                changes.append((label, _shown(names, name, old), _shown(names, name, new)))
    return changes


def _shown(names: dict[str, dict], name: str, value) -> str:
    """A field's value as the timeline shows it: a related record by its name."""
    if value in (None, ""):
        return "none"
    if name in names:
        return str(names[name].get(value, value))
    if name == "kind":
        return str(dict(Award._meta.get_field("kind").choices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.date):
        return value.strftime("%-d %B %Y")
    return str(value)


def _funding_line_timeline(award: Award) -> list[TimelineEntry]:
    """Funding lines added, removed and changed. Two queries."""
    line_rows = list(
        FundingLine.history.filter(award_id=award.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    stream_names = dict(
        FundingStream.objects.filter(pk__in={row.stream_id for row in line_rows}).values_list("pk", "name")
    )
    entries = []
    last_amount: dict[int, Decimal] = {}
    for row in line_rows:
        what = f"{stream_names.get(row.stream_id, 'a stream')}, {FinancialYear(row.fy).label}"
        if row.history_type == "+":
            title, changes = f"Funding line added: {what}", [("Amount", "none", format_pence(row.amount))]
        elif row.history_type == "-":
            title, changes = f"Funding line removed: {what}", []
        else:
            old = last_amount.get(row.id)
            title = f"Funding line changed: {what}"
            changes = [("Amount", format_pence(old, missing="?"), format_pence(row.amount))]
        last_amount[row.id] = row.amount
        entries.append(TimelineEntry(when=row.history_date, who=_who(row.history_user), title=title, changes=changes))
    return entries


def _payment_timeline(award: Award) -> list[TimelineEntry]:
    """What happened to the award's payments: recorded (or scheduled by the payment plan),
    approved, paid, cancelled, and instalments withdrawn when the plan rescheduled them. One query."""
    entries = []
    previous: dict[int, object] = {}
    rows = (
        Payment.history.filter(award_id=award.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        what = f"{format_pence(row.amount)} due {row.due_date.strftime('%-d %B %Y')}"
        instalment = f"Instalment {code_label(row.plan_period)} of {what}" if row.plan_period else f"Payment of {what}"
        if row.history_type == "+":
            title = f"{instalment} scheduled by the payment plan" if row.plan_period else f"{instalment} recorded"
        elif row.history_type == "-":
            title = (
                f"{instalment} withdrawn (rescheduled by the payment plan)"
                if row.plan_period
                else f"{instalment} deleted"
            )
        elif before is not None and row.cancelled_at and not before.cancelled_at:
            title = f"{instalment} cancelled: {row.cancel_reason}"
        elif before is not None and row.paid_date and not before.paid_date:
            title = f"{instalment} paid on {row.paid_date.strftime('%-d %B %Y')}"
        elif before is not None and row.approved_at and not before.approved_at:
            title = f"{instalment} approved for paying"
        else:
            continue
        entries.append(
            TimelineEntry(
                when=row.history_date,
                who=_who(row.history_user),
                title=title,
                note=row.due_diligence_note if "approved" in title or "recorded" in title else "",
            )
        )
    return entries


def _document_timeline(award: Award) -> list[TimelineEntry]:
    """Documents uploaded and removed. One query."""
    return [
        TimelineEntry(
            when=row.history_date,
            who=_who(row.history_user),
            title=f"Document {'uploaded' if row.history_type == '+' else 'removed'}: {row.title}",
        )
        for row in AwardDocument.history.filter(award_id=award.pk, history_type__in=["+", "-"]).select_related(
            "history_user"
        )
    ]
