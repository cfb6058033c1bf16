"""The needs imports (docs/formats.md "Imports"): areas, indicators and needs (values).

Every write goes through ``needs_assessment.services``; this module reads the cells, finds the
records they name and reports every bad cell with its row and column. ``run_import`` makes the
whole file one transaction, so a file with any bad row changes nothing.

- **areas** are upserts by GSS code. A file may give one area on several rows, one per year of
  population; those rows must agree on name, type and parent. A parent may be given by a later
  row of the same file.
- **indicators** are upserts by name (ignoring capitals); the theme is matched by name and
  created if new.
- **needs** values: the same indicator, area and period twice in one file is an error (which
  one is meant?); a value already stored for them is updated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from needs_assessment import services
from pcc_commissioning.interchange.cells import parse_choice, parse_int
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer, row_savepoint
from pcc_commissioning.interchange.rows import CellError, Row
from pcc_commissioning.periods import Period, parse_period_input, period_code

from .models import Area, AreaPopulation, AreaType, Indicator, IndicatorValue, Polarity, Theme

AREA_COLUMNS = ("code", "name", "type", "parent_code", "population", "year")
INDICATOR_COLUMNS = ("name", "theme", "unit", "source", "definition", "polarity")
NEEDS_COLUMNS = ("indicator", "area_code", "period", "value")

# Units that mean the indicator is a percentage or a rate, not a count of people or events.
NOT_COUNT_UNITS = ("%", "percent", "per cent", "percentage", "rate", "per 1,000", "per 1000", "per 100,000", "score")


# Cells ----------------------------------------------------------------------------------------------


def _area_type(text: str) -> str:
    return parse_choice(text, AreaType.values)


def _polarity(text: str) -> str:
    return parse_choice(text, Polarity.values)


def _code(text: str) -> str:
    code = text.strip().upper()
    if not (len(code) == 9 and code[0].isalpha() and code[1:].isdigit()):
        raise CellError(f"'{text}' is not an ONS GSS code: a letter and 8 digits, like E06000047.")
    return code


def _year(text: str) -> int:
    year = parse_int(text)
    if not services.MIN_POPULATION_YEAR <= year <= services.MAX_POPULATION_YEAR:
        raise CellError(f"'{text}' is not a year: write the calendar year of the estimate, like 2019.")
    return year


def _population(text: str) -> int:
    population = parse_int(text, minimum=1)
    if population > 2_147_483_647:
        raise CellError("The population is too large.")
    return population


def _period(text: str) -> Period:
    try:
        return parse_period_input(text, kinds=services.PERIOD_KINDS)
    except ValueError as exc:
        raise CellError(str(exc)) from None


def _value(text: str) -> Decimal:
    try:
        return services.clean_value(text)
    except ValidationError as exc:
        raise CellError(" ".join(exc.messages)) from None


def is_count_unit(unit: str, name: str = "") -> bool:
    """Whether an indicator with this unit (and name) counts people or events: a percentage or
    a rate ("%", "rate", "per 1,000" in the unit, or "(%)" in the name) is not."""
    unit = unit.strip().lower()
    return not (any(word in unit for word in NOT_COUNT_UNITS) or "(%)" in name or name.lower().endswith(" rate"))


# Areas ----------------------------------------------------------------------------------------------


@dataclass
class _AreaRows:
    first_row: int
    name: str
    type: str
    parent_code: str
    rows: list[Row]


@importer(
    "areas",
    columns=AREA_COLUMNS,
    required=["code"],
    capability="needs.import",
    description="Areas by ONS GSS code (force area, local authorities, CSPs) with their population in a year: "
    "an area matched by code is updated from the non-blank cells; a parent may come later in the file.",
)
def import_areas(rows: Sequence[Row], *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult(kind="areas")
    stored = {area.code: area for area in Area.objects.select_related("parent")}
    in_file, good = _read_area_rows(rows, context, stored)
    _check_parents_exist(in_file, stored, context)
    if context.errors:
        return result
    # First the areas themselves (without parents), then the parents, then the populations.
    counted = _save_areas(in_file, stored, actor=actor, context=context)
    if context.errors:
        return result
    _save_parents(in_file, stored, counted, actor=actor, context=context)
    if context.errors:
        return result
    _save_populations(good, in_file, stored, counted, actor=actor, context=context)
    for outcome in counted.values():
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


_GoodAreaRow = tuple[Row, str, int | None, int | None]  # (row, code, population, year)


def _read_area_rows(
    rows: Sequence[Row], context: RowContext, stored: dict[str, Area]
) -> tuple[dict[str, _AreaRows], list[_GoodAreaRow]]:
    """The areas of the file by code (their rows gathered), and the rows without errors."""
    in_file: dict[str, _AreaRows] = {}
    years: dict[tuple[str, int], int] = {}
    good: list[_GoodAreaRow] = []
    for row in rows:
        reader = RowReader(row, context)
        code = reader.value("code", _code, required=True)
        type_ = reader.value("type", _area_type)
        parent_code = reader.value("parent_code", _code)
        population = reader.value("population", _population)
        year = reader.value("year", _year)
        if row.get("population") and not row.get("year"):
            reader.error("year", "Give the year of the population estimate, like 2019.")
        if row.get("year") and not row.get("population"):
            reader.error("population", "Give the population for the year (or leave the year blank too).")
        if code:
            if parent_code == code:
                reader.error("parent_code", "An area cannot lie within itself.")
            _gather_area_row(in_file, row, reader, code=code, type_=type_ or "", parent_code=parent_code or "")
            if year is not None:
                earlier = years.setdefault((code, year), row.number)
                if earlier != row.number:
                    reader.error("year", f"Row {earlier} already gives the population of {code} for {year}.")
            if code not in stored:
                _check_new_area(row, reader, code, in_file[code])
        if reader.ok:
            good.append((row, code, population, year))
    return in_file, good


def _gather_area_row(
    in_file: dict[str, _AreaRows], row: Row, reader: RowReader, *, code: str, type_: str, parent_code: str
) -> None:
    """Add a row to its area's rows: the rows of one area must agree on name, type and parent
    (a blank cell takes the value of another row)."""
    seen = in_file.get(code)
    if seen is None:
        in_file[code] = _AreaRows(row.number, row.get("name"), type_, parent_code, [row])
        return
    for column, mine, theirs in (
        ("name", row.get("name"), seen.name),
        ("type", type_, seen.type),
        ("parent_code", parent_code, seen.parent_code),
    ):
        if mine and theirs and mine.casefold() != theirs.casefold():
            reader.error(column, f"This differs from row {seen.first_row}: the rows of area {code} must agree.")
        elif mine and not theirs:
            setattr(seen, column, mine)
    seen.rows.append(row)


def _check_new_area(row: Row, reader: RowReader, code: str, entry: _AreaRows) -> None:
    """An area not stored yet needs a name and a type, on this row or an earlier one."""
    if not row.get("name") and not entry.name:
        reader.error("name", f"{code} is a new area: give its name.")
    if not row.get("type") and not entry.type:
        reader.error("type", f"{code} is a new area: give its type ({', '.join(AreaType.values)}).")


def _check_parents_exist(in_file: dict[str, _AreaRows], stored: dict[str, Area], context: RowContext) -> None:
    """Parents must exist in the database or in the file."""
    for entry in in_file.values():
        if entry.parent_code and entry.parent_code not in stored and entry.parent_code not in in_file:
            for row in entry.rows:
                if row.get("parent_code"):
                    context.add(
                        row, "parent_code", f"There is no area with the code {entry.parent_code}, here or in the file."
                    )


def _save_areas(
    in_file: dict[str, _AreaRows], stored: dict[str, Area], *, actor, context: RowContext
) -> dict[str, str]:
    """Create or update each area of the file (without its parent); code -> "created" |
    "updated" | "skipped"."""
    counted: dict[str, str] = {}
    area_rows = {code: entry.rows[0] for code, entry in in_file.items()}
    for code, entry in in_file.items():
        with row_savepoint(area_rows[code], context, columns={"parent": "parent_code"}):
            area = stored.get(code)
            if area is None:
                stored[code] = services.area_create(actor=actor, code=code, name=entry.name, type=entry.type)
                counted[code] = "created"
            else:
                changes: dict[str, Any] = {}
                if entry.name:
                    changes["name"] = entry.name
                if entry.type:
                    changes["type"] = entry.type
                before = (area.name, area.type)
                stored[code] = services.area_update(area=area, actor=actor, **changes)
                counted[code] = "updated" if (stored[code].name, stored[code].type) != before else "skipped"
    return counted


def _save_parents(
    in_file: dict[str, _AreaRows], stored: dict[str, Area], counted: dict[str, str], *, actor, context: RowContext
) -> None:
    for code, entry in in_file.items():
        if not entry.parent_code:
            continue
        row = next(r for r in entry.rows if r.get("parent_code"))
        with row_savepoint(row, context, columns={"parent": "parent_code"}):
            area = stored[code]
            parent = stored[entry.parent_code]
            if area.parent_id != parent.pk:
                stored[code] = services.area_update(area=area, actor=actor, parent=parent)
                if counted[code] == "skipped":
                    counted[code] = "updated"


def _save_populations(
    good: list[_GoodAreaRow],
    in_file: dict[str, _AreaRows],
    stored: dict[str, Area],
    counted: dict[str, str],
    *,
    actor,
    context: RowContext,
) -> None:
    populations = {
        (area_id, year): population
        for area_id, year, population in AreaPopulation.objects.filter(area__code__in=list(in_file)).values_list(
            "area_id", "year", "population"
        )
    }
    for row, code, population, year in good:
        if year is None:
            continue
        with row_savepoint(row, context):
            area = stored[code]
            known = populations.get((area.pk, year))
            services.population_set(actor=actor, area=area, year=year, population=population)
            if known != population and counted[code] == "skipped":
                counted[code] = "updated"


# Indicators -----------------------------------------------------------------------------------------


@importer(
    "indicators",
    columns=INDICATOR_COLUMNS,
    required=["name"],
    capability="needs.import",
    description="Indicator definitions: an indicator matched by name is updated from the non-blank cells; "
    "a theme not yet known is created.",
)
def import_indicators(rows: Sequence[Row], *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult(kind="indicators")
    stored = {indicator.name.casefold(): indicator for indicator in Indicator.objects.select_related("theme")}
    themes = {theme.name.casefold(): theme for theme in Theme.objects.all()}
    first_row: dict[str, int] = {}
    for row in rows:
        reader = RowReader(row, context)
        name = reader.value("name", required=True)
        polarity = reader.value("polarity", _polarity)
        if name:
            earlier = first_row.setdefault(name.casefold(), row.number)
            if earlier != row.number:
                reader.error("name", f"The same indicator is in row {earlier} too.")
        if not reader.ok:
            continue
        with row_savepoint(row, context):
            theme = None
            theme_name = row.get("theme")
            if theme_name:
                theme = themes.get(theme_name.casefold())
                if theme is None:
                    theme, _ = services.theme_get_or_create(actor=actor, name=theme_name)
                    themes[theme_name.casefold()] = theme
            indicator = stored.get(name.casefold())
            if indicator is None:
                stored[name.casefold()] = services.indicator_create(
                    actor=actor,
                    name=name,
                    theme=theme,
                    unit=row.get("unit"),
                    source=row.get("source"),
                    definition=row.get("definition"),
                    polarity=polarity or Polarity.HIGHER_IS_WORSE,
                    is_count=is_count_unit(row.get("unit"), name),
                )
                result.created += 1
                continue
            changes: dict[str, Any] = {}
            if theme is not None:
                changes["theme"] = theme
            for column in ("unit", "source", "definition"):
                if row.get(column):
                    changes[column] = row.get(column)
            if polarity:
                changes["polarity"] = polarity
            before = _indicator_state(indicator)
            stored[name.casefold()] = services.indicator_update(indicator=indicator, actor=actor, **changes)
            if _indicator_state(stored[name.casefold()]) != before:
                result.updated += 1
            else:
                result.skipped += 1
    return result


def _indicator_state(indicator: Indicator) -> tuple:
    return (indicator.theme_id, indicator.unit, indicator.source, indicator.definition, indicator.polarity)


# Needs (indicator values) ---------------------------------------------------------------------------

NEEDS_ERROR_COLUMNS = {"area": "area_code"}


@importer(
    "needs",
    columns=NEEDS_COLUMNS,
    required=list(NEEDS_COLUMNS),
    capability="needs.import",
    description="Indicator values by area and period (2019 or 2019-Q1): a value already stored for the same "
    "indicator, area and period is updated; the same three twice in one file is refused.",
)
def import_needs(rows: Sequence[Row], *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult(kind="needs")
    indicators = {indicator.name.casefold(): indicator for indicator in Indicator.objects.all()}
    areas = {area.code: area for area in Area.objects.all()}
    first_row: dict[tuple[int, int, str], int] = {}
    good: list[tuple[Row, Indicator, Area, str, Decimal]] = []
    for row in rows:
        reader = RowReader(row, context)
        indicator = area = None
        name = reader.value("indicator", required=True)
        if name:
            indicator = indicators.get(name.casefold())
            if indicator is None:
                reader.error(
                    "indicator", f"There is no indicator called '{name}': define it first (import indicators)."
                )
        code = reader.value("area_code", _code, required=True)
        if code:
            area = areas.get(code)
            if area is None:
                reader.error("area_code", f"There is no area with the code {code}: add it first (import areas).")
        period = reader.value("period", _period, required=True)
        value = reader.value("value", _value, required=True)
        if indicator is not None and area is not None and period is not None:
            key = (indicator.pk, area.pk, period_code(period))
            earlier = first_row.setdefault(key, row.number)
            if earlier != row.number:
                reader.error(
                    "period",
                    f"Row {earlier} already gives {indicator.name} for {area.code} in "
                    f"{period.label}: give each value once.",
                )
        if reader.ok:
            good.append((row, indicator, area, period_code(period), value))
    if context.errors:
        return result
    existing = {
        (indicator_id, area_id, period): value
        for indicator_id, area_id, period, value in IndicatorValue.objects.filter(
            indicator_id__in={item[1].pk for item in good}
        ).values_list("indicator_id", "area_id", "period", "value")
    }
    for row, indicator, area, code, value in good:
        with row_savepoint(row, context, columns=NEEDS_ERROR_COLUMNS):
            stored = existing.get((indicator.pk, area.pk, code))
            services.value_set(actor=actor, indicator=indicator, area=area, period=code, value=value)
            if stored is None:
                result.created += 1
            elif stored != value:
                result.updated += 1
            else:
                result.skipped += 1
    return result
