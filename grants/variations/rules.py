"""What a variation may propose, and the money rule its approval follows.

``clean_proposal`` checks a proposal against its kind and the award as it stands;
``value_after`` is the award's total once the variation is applied; ``decision_needed`` is the
delegated-limit rule of ``grants.awards.rules.check_delegated_limit`` asked of that value (a
value above the limit, or above what the decision approved, needs a signed PCC decision)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from grants.awards.rules import LineInput, check_delegated_limit, clean_lines
from grants.decisions.services import delegated_limit
from grants.models import (
    MONEY_VARIATION_KINDS,
    Award,
    AwardKPI,
    AwardStatus,
    Decision,
    FundingLine,
    KPIPeriod,
    ReturnKPIValue,
    Variation,
    VariationKind,
    award_runs_until,
)
from pcc_commissioning.money import format_pence
from pcc_commissioning.validation import Errors, add_error, clean_text
from providers.models import Organisation

K = VariationKind
# An award may be varied once it has been made; a provider only while it runs.
VARIABLE_STATUSES = (AwardStatus.AWARDED, AwardStatus.ACTIVE, AwardStatus.ENDED)
PROVIDER_VARIABLE_STATUSES = (AwardStatus.AWARDED, AwardStatus.ACTIVE)

# Which parts of the proposal each kind asks for (the form shows the fields with these hints).
DATE_KINDS = (K.EXTENSION, K.EXTENSION_WITH_COST)
LINE_KINDS = (K.EXTENSION_WITH_COST, K.VALUE, K.VIREMENT)


@dataclass(frozen=True)
class KPIInput:
    """One KPI change: ``kpi`` given, a new target (or ``remove``); ``kpi`` None, a new KPI."""

    kpi: AwardKPI | None = None
    name: str = ""
    unit: str = ""
    target: Decimal | None = None
    target_period: str = KPIPeriod.QUARTER
    remove: bool = False


def award_total(award: Award) -> Decimal:
    return FundingLine.objects.filter(award=award).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def _lines_total(lines: Sequence[LineInput]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))


def new_last_day(award: Award, *, new_end_date: datetime.date | None, takes_extension: bool) -> datetime.date:
    """The award's last day once the variation is applied."""
    if takes_extension:
        return award_runs_until(end_date=award.end_date, extension_until=award.extension_until, extension_taken=True)
    return new_end_date or award.last_day


def _check_dates(award: Award, values: dict[str, Any], errors: Errors) -> None:
    if values["takes_extension"]:
        if award.extension_until is None or award.extension_taken:
            add_error(errors, "takes_extension", f"Award {award.reference} has no extension offered that is not taken.")
            return
        values["new_end_date"] = award.extension_until
        return
    new_end = values["new_end_date"]
    if values["kind"] in DATE_KINDS and new_end is None:
        add_error(errors, "new_end_date", "Enter the new end date.")
    elif new_end is not None and new_end <= award.last_day:
        add_error(
            errors,
            "new_end_date",
            f"The new end date must be after the award's current last day, {award.last_day:%-d %B %Y}.",
        )


def _check_lines(award: Award, values: dict[str, Any], errors: Errors) -> None:
    kind, lines = values["kind"], values["lines"]
    if kind in LINE_KINDS and not lines:
        add_error(errors, "lines", "Give the funding lines as they would be after the change.")
    if not lines:
        return
    end = new_last_day(award, new_end_date=values["new_end_date"], takes_extension=values["takes_extension"])
    values["lines"] = cleaned = clean_lines(lines, start=award.start_date, end=end, errors=errors)
    if "lines" in errors:
        return
    now, after = award_total(award), _lines_total(cleaned)
    if kind in (K.EXTENSION, K.VIREMENT) and after != now:
        what = "A no-cost extension" if kind == K.EXTENSION else "A virement"
        add_error(
            errors,
            "lines",
            f"{what} keeps the total the same: the lines add up to {format_pence(after)}, "
            f"the award is worth {format_pence(now)}.",
        )
    elif kind in (K.VALUE, K.EXTENSION_WITH_COST) and after == now:
        add_error(errors, "lines", f"The lines add up to the award's value, {format_pence(now)}: change the amounts.")


def _check_kpis(award: Award, kpis: Sequence[KPIInput], kind: str, errors: Errors) -> None:
    if kind == K.KPIS and not kpis:
        add_error(errors, "kpis", "Give the KPIs or targets to change.")
    names = {name.lower() for name in AwardKPI.objects.filter(award=award).values_list("name", flat=True)}
    for number, change in enumerate(kpis, start=1):
        if change.kpi is not None and change.kpi.award_id != award.pk:
            add_error(errors, "kpis", f"KPI {number}: choose one of this award's KPIs.")
        elif change.kpi is None and not clean_text(change.name):
            add_error(errors, "kpis", f"KPI {number}: enter the new KPI's name.")
        elif change.kpi is None and clean_text(change.name).lower() in names:
            add_error(errors, "kpis", f"KPI {number}: the award already has a KPI called “{clean_text(change.name)}”.")
        elif change.remove and ReturnKPIValue.objects.filter(kpi=change.kpi).exists():
            # Values reported against a KPI are evidence: they are kept, so is the KPI.
            add_error(
                errors,
                "kpis",
                f"KPI {number}: “{change.kpi.name}” has values in monitoring returns, so it cannot be removed; "
                "change its target instead.",
            )
        if change.target is not None and change.target < 0:
            add_error(errors, "kpis", f"KPI {number}: the target cannot be negative.")
        if change.target_period not in KPIPeriod.values:
            add_error(errors, "kpis", f"KPI {number}: choose whether the target is per quarter or per year.")


def _check_others(award: Award, values: dict[str, Any], errors: Errors) -> None:
    kind, provider = values["kind"], values["new_provider"]
    if kind == K.TRANSFER and provider is None:
        add_error(errors, "new_provider", "Choose the provider the award transfers to.")
    elif provider is not None and (not isinstance(provider, Organisation) or not provider.active):
        add_error(errors, "new_provider", "Choose an active provider.")
    elif provider is not None and provider.pk == award.provider_id:
        add_error(errors, "new_provider", f"The award is already with {provider.name}: choose another provider.")
    if kind == K.SCOPE and not values["new_scope"]:
        add_error(errors, "new_scope", "Describe the award's purpose as it would read after the change.")
    if kind == K.LEAD_CONTACT and not values["new_lead_contact"]:
        add_error(errors, "new_lead_contact", "Enter the new lead contact's name, role and e-mail address.")
    if len(values["new_lead_contact"]) > Variation._meta.get_field("new_lead_contact").max_length:
        add_error(errors, "new_lead_contact", "The lead contact must be 300 characters or fewer.")


def clean_proposal(award: Award, values: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """Check the proposal in ``values`` (kind, reason, dates, lines, kpis, provider, scope,
    contact) fits its kind and the award; problems go to ``errors`` by field."""
    values = dict(values)
    values["reason"] = clean_text(values.get("reason"))
    values["new_scope"] = clean_text(values.get("new_scope"))
    values["new_lead_contact"] = clean_text(values.get("new_lead_contact"))
    values["lines"] = list(values.get("lines") or ())
    values["kpis"] = list(values.get("kpis") or ())
    if values["kind"] not in K.values:
        add_error(errors, "kind", "Choose what kind of variation this is.")
        return values
    if not values["reason"]:
        add_error(errors, "reason", "Say why the change is needed.")
    if values["new_end_date"] is not None and not isinstance(values["new_end_date"], datetime.date):
        add_error(errors, "new_end_date", "The new end date must be a date.")
        return values
    _check_dates(award, values, errors)
    _check_lines(award, values, errors)
    _check_kpis(award, values["kpis"], values["kind"], errors)
    _check_others(award, values, errors)
    return values


# The money rule ----------------------------------------------------------------------------------
def moves_money(variation: Variation, lines: Sequence | None = None) -> bool:
    """Money moves when the kind moves it or the variation proposes new lines."""
    if variation.kind in MONEY_VARIATION_KINDS:
        return True
    return bool(lines) if lines is not None else variation.lines.exists()


def value_after(variation: Variation) -> Decimal:
    """The award's total once the variation is applied (its lines' total, else the award's)."""
    proposed = variation.lines.aggregate(total=Sum("amount"))["total"]
    return award_total(variation.award) if proposed is None else proposed


def deciding_decision(variation: Variation) -> Decision | None:
    """The decision the value is held to: the one linked to the variation, else the award's."""
    if variation.decision_id:
        return variation.decision
    return variation.award.decision if variation.award.decision_id else None


def decision_problem(variation: Variation, *, decision: Decision | None = None) -> str | None:
    """Why the award's value after the change needs a signed PCC decision it does not have (the
    delegated-limit rule of the awards, asked of the new value), or None."""
    decision = deciding_decision(variation) if decision is None else decision
    total = value_after(variation)
    errors: Errors = {}
    check_delegated_limit(total=total, decision=decision, entering="approved", errors=errors, award=variation.award)
    if not errors:
        return None
    limit = delegated_limit()
    if total > limit and (decision is None or not decision.is_signed):
        return (
            f"Waiting for a signed PCC decision: the award's value after the change, {format_pence(total)}, "
            f"is above the delegated limit of {format_pence(limit)}."
        )
    return "Waiting for a signed PCC decision: " + " ".join(errors["decision"])
