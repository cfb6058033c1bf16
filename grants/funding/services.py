"""Every write to funding: streams, their allocations by financial year, and priority budgets."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from grants.models import (
    FundingStream,
    PriorityBudget,
    StreamAllocation,
    StreamKind,
)
from grants.validation import check_lengths, financial_year_value, money_value
from outcomes.models import CommissioningPriority
from pcc_commissioning.concurrency import NO_RECORD_VERSION, STALE_MESSAGE, lock_for_update
from pcc_commissioning.records import attribute_to, save_unique
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields
from providers.models import Organisation

# Funding streams, allocations and budgets -------------------------------------------------------
STREAM_FIELDS = ("name", "source", "kind", "moj_reported", "ring_fenced_for", "description")


def _clean_stream(*, instance: FundingStream, changes: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, STREAM_FIELDS, "funding stream")
    values = {name: getattr(instance, name, None) for name in STREAM_FIELDS if name != "source"}
    values["source"] = instance.source if instance.source_id else None
    values.update(changes)
    errors: Errors = {}
    for name in ("name", "ring_fenced_for", "description"):
        values[name] = clean_text(values[name])
    if not values["name"]:
        add_error(errors, "name", "Enter the name of the funding stream.")
    elif FundingStream.objects.filter(name__iexact=values["name"]).exclude(pk=instance.pk).exists():
        add_error(errors, "name", f"There is already a funding stream called “{values['name']}”.")
    if not isinstance(values["source"], Organisation):
        add_error(errors, "source", "Choose the organisation the money comes from.")
    values["kind"] = clean_text(values["kind"]).lower()
    if values["kind"] not in StreamKind.values:
        add_error(errors, "kind", f"Choose the kind of funding stream ({', '.join(StreamKind.values)}).")
    values["moj_reported"] = bool(values["moj_reported"])
    check_lengths(FundingStream, values, errors)
    raise_if_errors(errors)
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
    require_capability(actor, "grants.edit", "streams.import")
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
    require_capability(actor, "grants.edit", "streams.import")
    locked = lock_for_update(stream, expected_version=expected_version)
    values = _clean_stream(instance=locked, changes=fields)
    if not model_update(instance=locked, data=values):
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
    year = financial_year_value(fy, "fy", errors)
    value = money_value(amount, "amount", errors)
    if value is not None and value < 0:
        add_error(errors, "amount", "The amount cannot be negative.")
    raise_if_errors(errors)
    # The owner's row lock makes two people setting a year's first figure at once take turns.
    type(owner)._base_manager.select_for_update().filter(pk=owner.pk).first()
    record = model.objects.filter(**{owner_field: owner, "fy": year}).first()
    if record is None:
        if expected_version not in (None, NO_RECORD_VERSION):  # removed since the page was drawn
            raise ValidationError(STALE_MESSAGE, code="stale")
        record = model(**{owner_field: owner, "fy": year})
    else:
        record = lock_for_update(record, expected_version=expected_version)
        if record.amount == value and record.notes == clean_text(notes):
            record.version -= 1  # nothing changed: lock_for_update's bump is not saved
            return record
    record.amount = value
    record.notes = clean_text(notes)
    attribute_to(record, actor)
    record.save()
    return record


@transaction.atomic
def allocation_set(
    *, actor, stream: FundingStream, fy: int, amount: Decimal, notes: str = "", expected_version: int | None = None
) -> StreamAllocation:
    """Set a stream's income for a financial year (creates or replaces that year's figure);
    ``expected_version`` as in ``_set_yearly``."""
    require_capability(actor, "payments.edit", "streams.import")
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
    require_capability(actor, "payments.edit")
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
