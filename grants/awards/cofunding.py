"""Co-funding and forecasts: other commissioners' contributions to an award, and the officer's
forecast of what the award will cost in each financial year."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from grants.awards.rules import award_years
from grants.models import (
    Award,
    CoFunding,
    ForecastOutturn,
)
from grants.validation import check_award_open, financial_year_value, money_value
from pcc_commissioning.periods import fy_label
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors
from providers.models import Organisation


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
    require_capability(actor, "grants.edit")
    errors: Errors = {}
    check_award_open(award, errors)
    if not isinstance(partner, Organisation):
        add_error(errors, "partner", "Choose the partner organisation.")
    elif partner.pk == award.provider_id:
        add_error(errors, "partner", "The provider of the award cannot also be its co-commissioning partner.")
    year = None if fy in (None, "") else financial_year_value(fy, "fy", errors)
    if year is not None and "fy" not in errors and year not in award_years(award):
        add_error(errors, "fy", f"{fy_label(year)} is outside the award's dates.")
    value = None if amount in (None, "") else money_value(amount, "amount", errors)
    if value is not None and value < 0:
        add_error(errors, "amount", "The contribution cannot be negative.")
    raise_if_errors(errors)
    record = CoFunding.objects.select_for_update().filter(award=award, partner=partner, fy=year).first()
    if record is None:
        record = CoFunding(award=award, partner=partner, fy=year)
    elif record.amount == value and record.notes == clean_text(notes):
        return record
    record.amount = value
    record.notes = clean_text(notes)
    attribute_to(record, actor)
    record.save()
    return record


@transaction.atomic
def cofunding_remove(*, actor, cofunding: CoFunding) -> None:
    require_capability(actor, "grants.edit")
    errors: Errors = {}
    check_award_open(cofunding.award, errors)
    raise_if_errors(errors)
    attribute_to(cofunding, actor)
    cofunding.delete()


@transaction.atomic
def forecast_set(*, actor, award: Award, fy: int, amount: Decimal | None) -> ForecastOutturn | None:
    """Set the forecast outturn of an award for a year; ``amount`` None removes the forecast
    (reports then take the committed value as the forecast)."""
    require_capability(actor, "grants.edit")
    errors: Errors = {}
    check_award_open(award, errors)
    year = financial_year_value(fy, "fy", errors)
    if year is not None and year not in award_years(award):
        add_error(errors, "fy", f"{fy_label(year)} is outside the award's dates.")
    value = None if amount in (None, "") else money_value(amount, "amount", errors, what="forecast")
    if value is not None and value < 0:
        add_error(errors, "amount", "The forecast cannot be negative.")
    raise_if_errors(errors)
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
