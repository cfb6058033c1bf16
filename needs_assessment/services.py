"""Every write to needs data: areas and populations, assessments, indicators and their values,
findings and commissioning intentions. Forms, imports, the demo and the command line all come
here, so they share the same rules.

Every write needs ``needs.edit`` (areas, indicators and their values: or ``needs.import``),
checked here whichever page, import or command calls it; ``actor`` None is the system (the
command line, the demo). Each function is keyword-only and atomic, and raises ``ValidationError({field: [message]})``
naming the field at fault. A write that changes nothing saves nothing (no history row), so
loading the same data twice is harmless.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction

from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.money import AmountError, amount_from
from pcc_commissioning.periods import (
    Period,
    parse_fy_input,
    parse_period_input,
    period_code,
)
from pcc_commissioning.records import attribute_to, save_unique
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.transitions import Machine, Transition, run
from providers.uploads import safe_upload_name, upload_problem

from .models import (
    Area,
    AreaPopulation,
    AreaType,
    AssessmentScope,
    CommissioningIntention,
    Finding,
    Indicator,
    IndicatorValue,
    IntentionRank,
    IntentionStatus,
    NeedsAssessment,
    Polarity,
    Severity,
    Theme,
)

Errors = dict[str, list[str]]

# Indicator values: DecimalField(max_digits=16, decimal_places=4).
VALUE_PLACES = 4
MAX_VALUE = Decimal("999999999999.9999")
PERIOD_KINDS = ("FY", "Q")  # the needs format: "2019" or "2019-Q1"
MIN_POPULATION_YEAR, MAX_POPULATION_YEAR = 1900, 2200


# Helpers ------------------------------------------------------------------------------------------


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _unknown(fields: Iterable[str], allowed: Iterable[str], what: str) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {what} fields: {', '.join(sorted(unknown))}")


def _check_lengths(model: type[models.Model], values: Mapping[str, Any], errors: Errors) -> None:
    for name, value in values.items():
        limit = model._meta.get_field(name).max_length
        if limit and isinstance(value, str) and len(value) > limit:
            _add(errors, name, f"This must be {limit} characters or fewer (it has {len(value)}).")


def _fy(value: Any, field: str, errors: Errors, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            _add(errors, field, "Enter the financial year, like 2019 (for 2019/20).")
        return None
    try:
        return parse_fy_input(value).start_year
    except (TypeError, ValueError) as exc:
        _add(errors, field, str(exc))
        return None


def _choice(value: Any, choices: type[models.TextChoices], field: str, errors: Errors, *, what: str) -> str:
    text = _text(value).lower()
    if text not in choices.values:
        _add(errors, field, f"Choose the {what} ({', '.join(choices.values)}).")
    return text


def _optional(value: Any, model: type[models.Model], field: str, errors: Errors, *, message: str):
    if value is None:
        return None
    if not isinstance(value, model):
        _add(errors, field, message)
        return None
    return value


def _many(
    values: Iterable | None, model: type[models.Model], field: str, errors: Errors, *, message: str
) -> list | None:
    if values is None:
        return None
    values = list(values)
    if any(not isinstance(value, model) or value.pk is None for value in values):
        _add(errors, field, message)
        return None
    return values


def _set_m2m(instance: models.Model, name: str, values: list | None, *, actor) -> bool:
    """Replace a many-to-many set if it differs; True if it changed."""
    if values is None:
        return False
    manager = getattr(instance, name)
    if {value.pk for value in values} == set(manager.values_list("pk", flat=True)):
        return False
    attribute_to(instance, actor)
    manager.set(values)
    return True


# Themes -------------------------------------------------------------------------------------------


def _clean_theme_name(name: Any, errors: Errors, *, exclude_pk: int | None = None) -> str:
    name = _text(name)
    if not name:
        _add(errors, "name", "Enter the theme's name.")
    elif Theme.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        _add(errors, "name", f"There is already a theme called “{name}” (names are compared ignoring capitals).")
    _check_lengths(Theme, {"name": name}, errors)
    return name


@transaction.atomic
def theme_get_or_create(*, actor, name: str, description: str = "") -> tuple[Theme, bool]:
    """The theme called ``name`` (ignoring capitals), created if there is none: (theme, created)."""
    require_capability(actor, "needs.edit", "needs.import")
    name = _text(name)
    if not name:
        raise ValidationError({"name": ["Enter the theme's name."]})
    existing = Theme.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing, False
    return theme_create(actor=actor, name=name, description=description), True


@transaction.atomic
def theme_create(*, actor, name: str, description: str = "") -> Theme:
    require_capability(actor, "needs.edit", "needs.import")
    errors: Errors = {}
    name = _clean_theme_name(name, errors)
    _raise_if(errors)
    theme = Theme(name=name, description=_text(description))
    attribute_to(theme, actor)
    theme.save()
    return theme


@transaction.atomic
def theme_update(*, theme: Theme, actor, expected_version: int | None, **fields: Any) -> Theme:
    """Change a theme's name or description. ``expected_version`` is the version the editor
    loaded (None skips the check): if someone saved the theme since, nothing changes."""
    require_capability(actor, "needs.edit")
    _unknown(fields, ("name", "description"), "theme")
    locked = lock_for_update(theme, expected_version=expected_version)
    errors: Errors = {}
    values = {"name": locked.name, "description": locked.description, **fields}
    values["name"] = _clean_theme_name(values["name"], errors, exclude_pk=locked.pk)
    values["description"] = _text(values["description"])
    _raise_if(errors)
    if model_update(instance=locked, data=values):
        attribute_to(locked, actor)
        locked.save()
    else:
        locked.version -= 1  # nothing changed: lock_for_update's bump is not saved
    return locked


# Areas and populations ----------------------------------------------------------------------------

AREA_FIELDS = ("code", "name", "type", "parent")


def _clean_area(*, instance: Area, changes: Mapping[str, Any]) -> dict[str, Any]:
    _unknown(changes, AREA_FIELDS, "area")
    errors: Errors = {}
    values: dict[str, Any] = {
        "code": instance.code,
        "name": instance.name,
        "type": instance.type,
        "parent": instance.parent if instance.parent_id else None,
    }
    values.update(changes)
    values["code"] = _text(values["code"]).upper()
    values["name"] = _text(values["name"])
    if not values["code"]:
        _add(errors, "code", "Enter the area's ONS GSS code, like E06000047.")
    elif not (len(values["code"]) == 9 and values["code"][0].isalpha() and values["code"][1:].isdigit()):
        _add(errors, "code", f"'{values['code']}' is not an ONS GSS code: a letter and 8 digits, like E06000047.")
    elif Area.objects.filter(code=values["code"]).exclude(pk=instance.pk).exists():
        _add(errors, "code", f"There is already an area with the code {values['code']}.")
    if not values["name"]:
        _add(errors, "name", "Enter the area's name.")
    values["type"] = _choice(values["type"], AreaType, "type", errors, what="type of area")
    parent = _optional(values["parent"], Area, "parent", errors, message="Choose the area this one lies in.")
    values["parent"] = parent
    if parent is not None:
        if instance.pk is not None and _is_within(parent, instance):
            _add(errors, "parent", "An area cannot lie within itself or within an area inside it.")
        elif values["type"] == AreaType.FORCE_AREA:
            _add(errors, "parent", "A police force area does not lie within another area: leave the parent blank.")
        elif parent.type == AreaType.CSP:
            _add(errors, "parent", f"{parent.name} is a community safety partnership: no area lies within one.")
    _check_lengths(Area, {"name": values["name"]}, errors)
    _raise_if(errors)
    return values


def _is_within(area: Area, ancestor: Area) -> bool:
    """True if ``area`` is ``ancestor`` or lies (at any depth) within it."""
    seen: set[int] = set()
    current: Area | None = area
    while current is not None and current.pk not in seen:
        if current.pk == ancestor.pk:
            return True
        seen.add(current.pk)
        current = current.parent if current.parent_id else None
    return False


@transaction.atomic
def area_create(*, actor, code: str, name: str, type: str, parent: Area | None = None) -> Area:
    require_capability(actor, "needs.edit", "needs.import")
    values = _clean_area(instance=Area(), changes={"code": code, "name": name, "type": type, "parent": parent})
    area = Area(**values)
    attribute_to(area, actor)
    save_unique(area, field="code", message=f"There is already an area with the code {area.code}.")
    return area


@transaction.atomic
def area_update(*, area: Area, actor, **fields: Any) -> Area:
    """Change any of code, name, type and parent; nothing is saved if nothing changed."""
    require_capability(actor, "needs.edit", "needs.import")
    locked = Area.objects.select_for_update().get(pk=area.pk)
    values = _clean_area(instance=locked, changes=fields)
    if model_update(instance=locked, data=values):
        attribute_to(locked, actor)
        locked.save()
    return locked


@transaction.atomic
def population_set(*, actor, area: Area, year: int, population: int) -> AreaPopulation:
    """Set an area's population in a calendar year (an ONS mid-year estimate): created, updated,
    or left alone if it is already that."""
    require_capability(actor, "needs.edit", "needs.import")
    errors: Errors = {}
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_POPULATION_YEAR <= year <= MAX_POPULATION_YEAR:
        _add(
            errors,
            "year",
            f"The year must be a calendar year like 2019 (between {MIN_POPULATION_YEAR} and {MAX_POPULATION_YEAR}).",
        )
    if isinstance(population, bool) or not isinstance(population, int) or population <= 0:
        _add(errors, "population", "The population must be a whole number more than zero.")
    elif population > 2_147_483_647:
        _add(errors, "population", "The population is too large.")
    _raise_if(errors)
    existing = AreaPopulation.objects.select_for_update().filter(area=area, year=year).first()
    if existing is not None:
        if existing.population != population:
            existing.population = population
            attribute_to(existing, actor)
            existing.save()
        return existing
    record = AreaPopulation(area=area, year=year, population=population)
    attribute_to(record, actor)
    record.save()
    return record


# Needs assessments --------------------------------------------------------------------------------

ASSESSMENT_FIELDS = ("title", "scope", "theme", "fy", "author", "published_on", "summary")


def _clean_assessment(*, instance: NeedsAssessment, changes: Mapping[str, Any]) -> dict[str, Any]:
    _unknown(changes, ASSESSMENT_FIELDS, "needs assessment")
    errors: Errors = {}
    values: dict[str, Any] = {
        name: (instance.theme if instance.theme_id else None) if name == "theme" else getattr(instance, name)
        for name in ASSESSMENT_FIELDS
    }
    values.update(changes)
    for name in ("title", "author", "summary"):
        values[name] = _text(values[name])
    if not values["title"]:
        _add(errors, "title", "Enter the title of the needs assessment.")
    values["scope"] = _choice(
        values["scope"] or AssessmentScope.UNIFIED, AssessmentScope, "scope", errors, what="scope"
    )
    values["theme"] = _optional(values["theme"], Theme, "theme", errors, message="Choose the theme of the assessment.")
    if values["scope"] == AssessmentScope.THEMATIC and values["theme"] is None and "theme" not in errors:
        _add(errors, "theme", "A thematic assessment needs its theme.")
    if values["scope"] == AssessmentScope.UNIFIED:
        values["theme"] = None
    values["fy"] = _fy(values["fy"], "fy", errors, required=True)
    published = values["published_on"]
    if published is not None and (not isinstance(published, datetime.date) or isinstance(published, datetime.datetime)):
        _add(errors, "published_on", "Enter the date it was published, like 2019-11-30.")
    _check_lengths(NeedsAssessment, {"title": values["title"], "author": values["author"]}, errors)
    _raise_if(errors)
    return values


# The stored path is "needs/<32-character folder>/<name>" in a 300-character field.
UPLOAD_NAME_LENGTH = 200


def _check_document(document: File | None) -> None:
    if document is None:
        return
    problem, _ = upload_problem(
        name=document.name or "", stream=document, size=document.size, max_bytes=settings.UPLOAD_MAX_BYTES
    )
    if problem:
        raise ValidationError({"document": [problem]})


@transaction.atomic
def assessment_create(
    *,
    actor,
    title: str,
    fy: int,
    scope: str = AssessmentScope.UNIFIED,
    theme: Theme | None = None,
    author: str = "",
    published_on: datetime.date | None = None,
    summary: str = "",
    document: File | None = None,
) -> NeedsAssessment:
    require_capability(actor, "needs.edit")
    values = _clean_assessment(
        instance=NeedsAssessment(),
        changes={
            "title": title,
            "fy": fy,
            "scope": scope,
            "theme": theme,
            "author": author,
            "published_on": published_on,
            "summary": summary,
        },
    )
    _check_document(document)
    assessment = NeedsAssessment(**values)
    if document is not None:
        assessment.document.save(safe_upload_name(document.name, UPLOAD_NAME_LENGTH), document, save=False)
    attribute_to(assessment, actor)
    assessment.save()
    return assessment


@transaction.atomic
def assessment_update(
    *, assessment: NeedsAssessment, actor, expected_version: int | None, document: File | None = None, **fields: Any
) -> NeedsAssessment:
    """Change an assessment's fields (and its document, when one is given). ``expected_version``
    is the version the editor loaded (None skips the check); if someone saved since, nothing changes."""
    require_capability(actor, "needs.edit")
    locked = lock_for_update(assessment, expected_version=expected_version)
    values = _clean_assessment(instance=locked, changes=fields)
    _check_document(document)
    changed = bool(model_update(instance=locked, data=values))
    if document is not None:
        locked.document.save(safe_upload_name(document.name, UPLOAD_NAME_LENGTH), document, save=False)
        changed = True
    if not changed:
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    locked.save()
    return locked


# Indicators and values ----------------------------------------------------------------------------

INDICATOR_FIELDS = ("name", "theme", "unit", "source", "definition", "polarity", "is_count")


def _clean_indicator(*, instance: Indicator, changes: Mapping[str, Any]) -> dict[str, Any]:
    _unknown(changes, INDICATOR_FIELDS, "indicator")
    errors: Errors = {}
    values: dict[str, Any] = {
        name: (instance.theme if instance.theme_id else None) if name == "theme" else getattr(instance, name)
        for name in INDICATOR_FIELDS
    }
    values.update(changes)
    for name in ("name", "unit", "source", "definition"):
        values[name] = _text(values[name])
    if not values["name"]:
        _add(errors, "name", "Enter the indicator's name.")
    elif Indicator.objects.filter(name__iexact=values["name"]).exclude(pk=instance.pk).exists():
        _add(
            errors,
            "name",
            f"There is already an indicator called “{values['name']}” (names are compared ignoring capitals).",
        )
    values["theme"] = _optional(values["theme"], Theme, "theme", errors, message="Choose the indicator's theme.")
    values["polarity"] = _choice(values["polarity"], Polarity, "polarity", errors, what="polarity")
    values["is_count"] = bool(values["is_count"])
    _check_lengths(Indicator, {name: values[name] for name in ("name", "unit", "source")}, errors)
    _raise_if(errors)
    return values


@transaction.atomic
def indicator_create(
    *,
    actor,
    name: str,
    theme: Theme | None = None,
    unit: str = "",
    source: str = "",
    definition: str = "",
    polarity: str = Polarity.HIGHER_IS_WORSE,
    is_count: bool = True,
) -> Indicator:
    require_capability(actor, "needs.edit", "needs.import")
    values = _clean_indicator(
        instance=Indicator(),
        changes={
            "name": name,
            "theme": theme,
            "unit": unit,
            "source": source,
            "definition": definition,
            "polarity": polarity,
            "is_count": is_count,
        },
    )
    indicator = Indicator(**values)
    attribute_to(indicator, actor)
    save_unique(indicator, field="name", message=f"There is already an indicator called “{indicator.name}”.")
    return indicator


@transaction.atomic
def indicator_update(*, indicator: Indicator, actor, **fields: Any) -> Indicator:
    require_capability(actor, "needs.edit", "needs.import")
    locked = Indicator.objects.select_for_update().get(pk=indicator.pk)
    values = _clean_indicator(instance=locked, changes=fields)
    if model_update(instance=locked, data=values):
        attribute_to(locked, actor)
        locked.save()
    return locked


def clean_value(value: Any, *, field: str = "value") -> Decimal:
    """A number an indicator value can hold (up to 12 digits before the point and 4 after)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ValidationError({field: ["Enter the value as a number, like 1234 or 12.5."]})
    try:
        number = Decimal(value.strip().replace(",", "")) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValidationError({field: [f"'{value}' is not a number: write it like 1234 or 12.5."]}) from None
    if not number.is_finite():
        raise ValidationError({field: [f"'{value}' is not a number: write it like 1234 or 12.5."]})
    if number.as_tuple().exponent < -VALUE_PLACES and number != number.quantize(Decimal(1).scaleb(-VALUE_PLACES)):
        raise ValidationError({field: [f"'{value}' has more than {VALUE_PLACES} decimal places."]})
    if abs(number) > MAX_VALUE:
        raise ValidationError({field: [f"'{value}' is too large for an indicator value."]})
    return number.quantize(Decimal(1).scaleb(-VALUE_PLACES))


def clean_period(period: Period | str, *, field: str = "period") -> Period:
    """A financial year or a quarter of one ("2019" or "2019-Q1")."""
    if isinstance(period, Period):
        if period.kind not in PERIOD_KINDS:
            raise ValidationError({field: ["Indicator values are for a financial year or a quarter of one."]})
        return period
    try:
        return parse_period_input(_text(period), kinds=PERIOD_KINDS)
    except ValueError as exc:
        raise ValidationError({field: [str(exc)]}) from None


@transaction.atomic
def value_set(
    *, actor, indicator: Indicator, area: Area, period: Period | str, value: Decimal | int | str
) -> IndicatorValue:
    """Set an indicator's value for an area in a period (a financial year, "2019", or a quarter
    of one, "2019-Q1"): created, updated, or left alone if it already holds that value."""
    require_capability(actor, "needs.edit", "needs.import")
    errors: Errors = {}
    try:
        parsed = clean_period(period)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        parsed = None
    try:
        number = clean_value(value)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        number = None
    if not isinstance(indicator, Indicator) or indicator.pk is None:
        _add(errors, "indicator", "Choose the indicator.")
    if not isinstance(area, Area) or area.pk is None:
        _add(errors, "area", "Choose the area.")
    _raise_if(errors)
    code = period_code(parsed)
    quarter = parsed.number if parsed.kind == "Q" else None
    existing = IndicatorValue.objects.select_for_update().filter(indicator=indicator, area=area, period=code).first()
    if existing is not None:
        if existing.value != number:
            existing.value = number
            attribute_to(existing, actor)
            existing.save()
        return existing
    record = IndicatorValue(
        indicator=indicator, area=area, period=code, fy=parsed.fy.start_year, quarter=quarter, value=number
    )
    attribute_to(record, actor)
    record.save()
    return record


# Findings -----------------------------------------------------------------------------------------

FINDING_FIELDS = ("assessment", "title", "description", "severity", "theme", "priority")
_FINDING_RELATIONS = ("assessment", "theme", "priority")


def _clean_finding(*, instance: Finding, changes: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    _unknown(changes, FINDING_FIELDS, "finding")
    errors: Errors = {}
    values: dict[str, Any] = {}
    for name in FINDING_FIELDS:
        if name in _FINDING_RELATIONS:
            values[name] = getattr(instance, name) if getattr(instance, f"{name}_id") is not None else None
        else:
            values[name] = getattr(instance, name)
    values.update(changes)
    values["title"] = _text(values["title"])
    values["description"] = _text(values["description"])
    if not isinstance(values["assessment"], NeedsAssessment):
        _add(errors, "assessment", "Choose the needs assessment that made the finding.")
    if not values["title"]:
        _add(errors, "title", "Enter what the assessment found.")
    values["severity"] = _choice(values["severity"], Severity, "severity", errors, what="severity")
    values["theme"] = _optional(values["theme"], Theme, "theme", errors, message="Choose the finding's theme.")
    values["priority"] = _optional(
        values["priority"],
        CommissioningPriority,
        "priority",
        errors,
        message="Choose the commissioning priority it bears on.",
    )
    _check_lengths(Finding, {"title": values["title"]}, errors)
    return values, errors


def _finding_relations(areas, kpqs, evidence, errors: Errors) -> tuple[list | None, list | None, list | None]:
    return (
        _many(areas, Area, "areas", errors, message="Choose the areas affected."),
        _many(kpqs, KPQ, "kpqs", errors, message="Choose the KPQs it bears on."),
        _many(evidence, IndicatorValue, "evidence", errors, message="Choose the indicator values behind the finding."),
    )


@transaction.atomic
def finding_create(
    *,
    actor,
    assessment: NeedsAssessment,
    title: str,
    description: str = "",
    severity: str = Severity.MEDIUM,
    theme: Theme | None = None,
    priority: CommissioningPriority | None = None,
    areas: Iterable[Area] = (),
    kpqs: Iterable[KPQ] = (),
    evidence: Iterable[IndicatorValue] = (),
) -> Finding:
    require_capability(actor, "needs.edit")
    values, errors = _clean_finding(
        instance=Finding(),
        changes={
            "assessment": assessment,
            "title": title,
            "description": description,
            "severity": severity,
            "theme": theme,
            "priority": priority,
        },
    )
    areas, kpqs, evidence = _finding_relations(areas, kpqs, evidence, errors)
    _raise_if(errors)
    finding = Finding(**values)
    attribute_to(finding, actor)
    finding.save()
    for name, chosen in (("areas", areas), ("kpqs", kpqs), ("evidence", evidence)):
        if chosen:
            attribute_to(finding, actor)
            getattr(finding, name).set(chosen)
    return finding


@transaction.atomic
def finding_update(
    *,
    finding: Finding,
    actor,
    areas: Iterable[Area] | None = None,
    kpqs: Iterable[KPQ] | None = None,
    evidence: Iterable[IndicatorValue] | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Finding:
    """Change a finding's fields, and its areas, KPQs and evidence when given (None leaves them).
    ``expected_version`` is the version the editor loaded: a stale edit is refused."""
    require_capability(actor, "needs.edit")
    locked = lock_for_update(finding, expected_version=expected_version)
    values, errors = _clean_finding(instance=locked, changes=fields)
    areas, kpqs, evidence = _finding_relations(areas, kpqs, evidence, errors)
    _raise_if(errors)
    fields_changed = model_update(instance=locked, data=values)
    relations_changed = [
        _set_m2m(locked, name, chosen, actor=actor)
        for name, chosen in (("areas", areas), ("kpqs", kpqs), ("evidence", evidence))
    ]
    if fields_changed or any(relations_changed):
        attribute_to(locked, actor)
        locked.save()  # saves the bumped version too, so a concurrent editor is refused
    else:
        locked.version -= 1  # nothing changed: lock_for_update's bump is not saved
    return locked


# Commissioning intentions -------------------------------------------------------------------------

INTENTION_FIELDS = (
    "title",
    "description",
    "theme",
    "rank",
    "when_date",
    "when_fy",
    "lead",
    "status",
    "estimated_annual_cost",
    "priority",
)
_INTENTION_RELATIONS = ("theme", "lead", "priority")


def _clean_intention(*, instance: CommissioningIntention, changes: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    _unknown(changes, INTENTION_FIELDS, "intention")
    errors: Errors = {}
    values: dict[str, Any] = {}
    for name in INTENTION_FIELDS:
        if name in _INTENTION_RELATIONS:
            values[name] = getattr(instance, name) if getattr(instance, f"{name}_id") is not None else None
        else:
            values[name] = getattr(instance, name)
    values.update(changes)
    values["title"] = _text(values["title"])
    values["description"] = _text(values["description"])
    if not values["title"]:
        _add(errors, "title", "Enter the title of the commissioning intention.")
    values["rank"] = _choice(values["rank"], IntentionRank, "rank", errors, what="priority: must, should or could")
    values["status"] = _choice(
        values["status"] or IntentionStatus.PROPOSED, IntentionStatus, "status", errors, what="status"
    )
    when_date = values["when_date"]
    if when_date is not None and (not isinstance(when_date, datetime.date) or isinstance(when_date, datetime.datetime)):
        _add(errors, "when_date", "Enter the date it is due, like 2020-04-01.")
    values["when_fy"] = _fy(values["when_fy"], "when_fy", errors, required=False)
    if when_date is not None and values["when_fy"] is not None:
        _add(errors, "when_fy", "Give the date or the financial year it is due, not both.")
    values["theme"] = _optional(values["theme"], Theme, "theme", errors, message="Choose the theme of need it answers.")
    values["priority"] = _optional(
        values["priority"], CommissioningPriority, "priority", errors, message="Choose the commissioning priority."
    )
    lead = values["lead"]
    if lead is not None and not isinstance(lead, models.Model):
        _add(errors, "lead", "Choose the lead.")
    cost = values["estimated_annual_cost"]
    if cost in ("", None):
        values["estimated_annual_cost"] = None
    else:
        try:
            values["estimated_annual_cost"] = amount_from(cost, what="estimated annual cost", allow_negative=False)
        except AmountError as exc:
            _add(errors, "estimated_annual_cost", str(exc))
    _check_lengths(CommissioningIntention, {"title": values["title"]}, errors)
    return values, errors


@transaction.atomic
def intention_create(
    *,
    actor,
    title: str,
    rank: str,
    description: str = "",
    findings: Iterable[Finding] = (),
    theme: Theme | None = None,
    when_date: datetime.date | None = None,
    when_fy: int | None = None,
    lead=None,
    status: str = IntentionStatus.PROPOSED,
    estimated_annual_cost: Decimal | None = None,
    priority: CommissioningPriority | None = None,
) -> CommissioningIntention:
    require_capability(actor, "needs.edit")
    values, errors = _clean_intention(
        instance=CommissioningIntention(),
        changes={
            "title": title,
            "rank": rank,
            "description": description,
            "theme": theme,
            "when_date": when_date,
            "when_fy": when_fy,
            "lead": lead,
            "status": status,
            "estimated_annual_cost": estimated_annual_cost,
            "priority": priority,
        },
    )
    chosen = _many(findings, Finding, "findings", errors, message="Choose the findings it answers.")
    _raise_if(errors)
    intention = CommissioningIntention(**values)
    attribute_to(intention, actor)
    intention.save()
    if chosen:
        attribute_to(intention, actor)
        intention.findings.set(chosen)
    return intention


@transaction.atomic
def intention_update(
    *,
    intention: CommissioningIntention,
    actor,
    expected_version: int | None,
    findings: Iterable[Finding] | None = None,
    **fields: Any,
) -> CommissioningIntention:
    """Change an intention's fields (any of ``INTENTION_FIELDS``) and its findings when given.
    ``expected_version`` is the version the editor loaded (None skips the check)."""
    require_capability(actor, "needs.edit")
    locked = lock_for_update(intention, expected_version=expected_version)
    values, errors = _clean_intention(instance=locked, changes=fields)
    chosen = _many(findings, Finding, "findings", errors, message="Choose the findings it answers.")
    _raise_if(errors)
    changed = bool(model_update(instance=locked, data=values))
    if _set_m2m(locked, "findings", chosen, actor=actor):
        changed = True
    if not changed:
        locked.version -= 1
        return locked
    attribute_to(locked, actor)
    locked.save()
    return locked


# An intention's status, declared as data: any status may move to any other (plans change, and
# a dropped intention may be taken up again). The edit form also sets it, as one of its fields.
def _intention_wrong_state(intention: CommissioningIntention, name: str) -> str:
    return f"Choose the status ({', '.join(IntentionStatus.values)})."


INTENTION_MACHINE = Machine(
    name="commissioning intention",
    states=tuple(IntentionStatus.values),
    transitions=tuple(
        Transition(
            name=target,
            sources=frozenset(IntentionStatus.values) - {target},
            target=target,
            label=str(label),
            capability="needs.edit",
        )
        for target, label in IntentionStatus.choices
    ),
    wrong_state=_intention_wrong_state,
)  # simple_history keeps the history: the save is attributed to the actor


@transaction.atomic
def intention_set_status(
    *, intention: CommissioningIntention, actor, status: str, expected_version: int | None = None
) -> CommissioningIntention:
    """Move an intention to ``status`` (proposed, agreed, in procurement, commissioned, dropped;
    blank: proposed) through ``INTENTION_MACHINE``. Its current status changes nothing."""
    require_capability(actor, "needs.edit")
    target = _text(status).lower() or IntentionStatus.PROPOSED
    locked = lock_for_update(intention, expected_version=expected_version)
    if target == locked.status:
        locked.version -= 1
        return locked
    return run(INTENTION_MACHINE, locked, target, actor=actor)
