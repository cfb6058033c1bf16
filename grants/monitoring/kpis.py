"""An award's KPIs: create, update and delete, with their targets and how they add up over a year."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from grants.models import (
    Award,
    AwardKPI,
    KPIPeriod,
    ReturnKPIValue,
)
from grants.monitoring.return_data import decimal
from grants.monitoring.services import check_officer
from grants.validation import check_award_open
from outcomes.models import KPQ
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.records import attribute_to
from pcc_commissioning.services import model_update
from pcc_commissioning.validation import Errors, add_error, raise_if_errors

# Award KPIs ----------------------------------------------------------------------------------------
_KPI_FIELDS = ("name", "unit", "target", "target_period", "kpq", "description")


def _clean_kpi(*, award: Award, values: Mapping[str, Any], exclude_pk: int | None) -> dict[str, Any]:
    errors: Errors = {}
    check_award_open(award, errors)
    unknown = set(values) - set(_KPI_FIELDS)
    if unknown:
        raise TypeError(f"Unknown KPI fields: {', '.join(sorted(unknown))}")
    clean: dict[str, Any] = {}
    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            add_error(errors, "name", "Enter the KPI's name.")
        elif len(name) > AwardKPI._meta.get_field("name").max_length:
            add_error(errors, "name", "The KPI's name must be 200 characters or fewer.")
        else:
            taken = AwardKPI.objects.filter(award=award).annotate(lower=Lower("name")).filter(lower=name.lower())
            if exclude_pk is not None:
                taken = taken.exclude(pk=exclude_pk)
            if taken.exists():
                add_error(errors, "name", f"This award already has a KPI called “{name}”.")
        clean["name"] = name
    if "unit" in values:
        unit = (values["unit"] or "").strip()
        if len(unit) > AwardKPI._meta.get_field("unit").max_length:
            add_error(errors, "unit", "The unit must be 50 characters or fewer.")
        clean["unit"] = unit
    if "target" in values:
        target = decimal(values["target"], "target", "The target", errors)
        if target is not None and target < 0:
            add_error(errors, "target", "The target cannot be negative.")
        clean["target"] = target
    if "target_period" in values:
        period = values["target_period"] or KPIPeriod.QUARTER
        if period not in KPIPeriod.values:
            add_error(errors, "target_period", "Choose whether the target is per quarter or per year.")
        clean["target_period"] = period
    if "kpq" in values:
        kpq = values["kpq"]
        if kpq is not None and not isinstance(kpq, KPQ):
            add_error(errors, "kpq", "Choose a KPQ.")
        clean["kpq"] = kpq
    if "description" in values:
        clean["description"] = (values["description"] or "").strip()
    raise_if_errors(errors)
    return clean


@transaction.atomic
def kpi_create(
    *,
    award: Award,
    actor,
    name: str,
    unit: str = "",
    target: Decimal | None = None,
    target_period: str = KPIPeriod.QUARTER,
    kpq: KPQ | None = None,
    description: str = "",
) -> AwardKPI:
    """Add a KPI to an award: its unit, a target per quarter or per year, the KPQ it evidences."""
    check_officer(actor)
    clean = _clean_kpi(
        award=award,
        exclude_pk=None,
        values={
            "name": name,
            "unit": unit,
            "target": target,
            "target_period": target_period,
            "kpq": kpq,
            "description": description,
        },
    )
    kpi = AwardKPI(award=award, **clean)
    attribute_to(kpi, actor)
    kpi.save()
    return kpi


@transaction.atomic
def kpi_update(*, kpi: AwardKPI, actor, expected_version: int | None, **fields: Any) -> AwardKPI:
    """Change some of a KPI's fields (name, unit, target, target_period, kpq, description).
    ``expected_version`` is the version the editor loaded (None skips the check): if someone
    saved the KPI since, nothing changes."""
    check_officer(actor)
    locked = lock_for_update(kpi, expected_version=expected_version)
    clean = _clean_kpi(award=locked.award, values=fields, exclude_pk=locked.pk)
    if not model_update(instance=locked, data=clean):
        locked.version -= 1  # nothing changed: lock_for_update's bump is not saved
        return locked
    attribute_to(locked, actor)
    locked.save()
    return locked


@transaction.atomic
def kpi_delete(*, kpi: AwardKPI, actor) -> None:
    """Remove a KPI that no return has a value for (values are evidence: they are kept)."""
    check_officer(actor)
    errors: Errors = {}
    check_award_open(kpi.award, errors)
    raise_if_errors(errors)
    if ReturnKPIValue.objects.filter(kpi=kpi).exists():
        raise ValidationError(
            {
                "__all__": [
                    f"“{kpi.name}” has values in monitoring returns, so it cannot be deleted. Change its name or target instead."
                ]
            }
        )
    attribute_to(kpi, actor)
    kpi.delete()
