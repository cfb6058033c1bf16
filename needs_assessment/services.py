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

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from needs_assessment.models import (
    Area,
    AreaPopulation,
    AreaType,
    Indicator,
    IndicatorValue,
    Polarity,
    Theme,
)
from needs_assessment.validation import check_lengths, choice_value, optional_record
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import (
    Period,
    parse_period_input,
    period_code,
)
from pcc_commissioning.records import attribute_to, save_unique
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors, refuse_unknown_fields

# Indicator values: DecimalField(max_digits=16, decimal_places=4).
VALUE_PLACES = 4


MAX_VALUE = Decimal("999999999999.9999")


PERIOD_KINDS = ("FY", "Q")  # the needs format: "2019" or "2019-Q1"


MIN_POPULATION_YEAR, MAX_POPULATION_YEAR = 1900, 2200


# Themes -------------------------------------------------------------------------------------------
def _clean_theme_name(name: Any, errors: Errors, *, exclude_pk: int | None = None) -> str:
    name = clean_text(name)
    if not name:
        add_error(errors, "name", "Enter the theme's name.")
    elif Theme.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        add_error(errors, "name", f"There is already a theme called “{name}” (names are compared ignoring capitals).")
    check_lengths(Theme, {"name": name}, errors)
    return name


@transaction.atomic
def theme_get_or_create(*, actor, name: str, description: str = "") -> tuple[Theme, bool]:
    """The theme called ``name`` (ignoring capitals), created if there is none: (theme, created)."""
    require_capability(actor, "needs.edit", "needs.import")
    name = clean_text(name)
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
    raise_if_errors(errors)
    theme = Theme(name=name, description=clean_text(description))
    attribute_to(theme, actor)
    theme.save()
    return theme


@transaction.atomic
def theme_update(*, theme: Theme, actor, expected_version: int | None, **fields: Any) -> Theme:
    """Change a theme's name or description. ``expected_version`` is the version the editor
    loaded (None skips the check): if someone saved the theme since, nothing changes."""
    require_capability(actor, "needs.edit")
    refuse_unknown_fields(fields, ("name", "description"), "theme")
    locked = lock_for_update(theme, expected_version=expected_version)
    errors: Errors = {}
    values = {"name": locked.name, "description": locked.description, **fields}
    values["name"] = _clean_theme_name(values["name"], errors, exclude_pk=locked.pk)
    values["description"] = clean_text(values["description"])
    raise_if_errors(errors)
    if model_update(instance=locked, data=values):
        attribute_to(locked, actor)
        locked.save()
    else:
        locked.version -= 1  # nothing changed: lock_for_update's bump is not saved
    return locked


# Areas and populations ----------------------------------------------------------------------------
AREA_FIELDS = ("code", "name", "type", "parent")


def _clean_area(*, instance: Area, changes: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, AREA_FIELDS, "area")
    errors: Errors = {}
    values: dict[str, Any] = {
        "code": instance.code,
        "name": instance.name,
        "type": instance.type,
        "parent": instance.parent if instance.parent_id else None,
    }
    values.update(changes)
    values["code"] = clean_text(values["code"]).upper()
    values["name"] = clean_text(values["name"])
    if not values["code"]:
        add_error(errors, "code", "Enter the area's ONS GSS code, like E06000047.")
    elif not (len(values["code"]) == 9 and values["code"][0].isalpha() and values["code"][1:].isdigit()):
        add_error(errors, "code", f"'{values['code']}' is not an ONS GSS code: a letter and 8 digits, like E06000047.")
    elif Area.objects.filter(code=values["code"]).exclude(pk=instance.pk).exists():
        add_error(errors, "code", f"There is already an area with the code {values['code']}.")
    if not values["name"]:
        add_error(errors, "name", "Enter the area's name.")
    values["type"] = choice_value(values["type"], AreaType, "type", errors, what="type of area")
    parent = optional_record(values["parent"], Area, "parent", errors, message="Choose the area this one lies in.")
    values["parent"] = parent
    if parent is not None:
        if instance.pk is not None and _is_within(parent, instance):
            add_error(errors, "parent", "An area cannot lie within itself or within an area inside it.")
        elif values["type"] == AreaType.FORCE_AREA:
            add_error(errors, "parent", "A police force area does not lie within another area: leave the parent blank.")
        elif parent.type == AreaType.CSP:
            add_error(errors, "parent", f"{parent.name} is a community safety partnership: no area lies within one.")
    check_lengths(Area, {"name": values["name"]}, errors)
    raise_if_errors(errors)
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
        add_error(
            errors,
            "year",
            f"The year must be a calendar year like 2019 (between {MIN_POPULATION_YEAR} and {MAX_POPULATION_YEAR}).",
        )
    if isinstance(population, bool) or not isinstance(population, int) or population <= 0:
        add_error(errors, "population", "The population must be a whole number more than zero.")
    elif population > 2_147_483_647:
        add_error(errors, "population", "The population is too large.")
    raise_if_errors(errors)
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


# Indicators and values ----------------------------------------------------------------------------
INDICATOR_FIELDS = ("name", "theme", "unit", "source", "definition", "polarity", "is_count")


def _clean_indicator(*, instance: Indicator, changes: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(changes, INDICATOR_FIELDS, "indicator")
    errors: Errors = {}
    values: dict[str, Any] = {
        name: (instance.theme if instance.theme_id else None) if name == "theme" else getattr(instance, name)
        for name in INDICATOR_FIELDS
    }
    values.update(changes)
    for name in ("name", "unit", "source", "definition"):
        values[name] = clean_text(values[name])
    if not values["name"]:
        add_error(errors, "name", "Enter the indicator's name.")
    elif Indicator.objects.filter(name__iexact=values["name"]).exclude(pk=instance.pk).exists():
        add_error(
            errors,
            "name",
            f"There is already an indicator called “{values['name']}” (names are compared ignoring capitals).",
        )
    values["theme"] = optional_record(values["theme"], Theme, "theme", errors, message="Choose the indicator's theme.")
    values["polarity"] = choice_value(values["polarity"], Polarity, "polarity", errors, what="polarity")
    values["is_count"] = bool(values["is_count"])
    check_lengths(Indicator, {name: values[name] for name in ("name", "unit", "source")}, errors)
    raise_if_errors(errors)
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
        return parse_period_input(clean_text(period), kinds=PERIOD_KINDS)
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
        add_error(errors, "indicator", "Choose the indicator.")
    if not isinstance(area, Area) or area.pk is None:
        add_error(errors, "area", "Choose the area.")
    raise_if_errors(errors)
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
