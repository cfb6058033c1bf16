"""A monitoring return's figures as a provider or an import gives them (``ReturnData``), and the
checks they must pass before they are written: counts by code that add up, outcomes where the
number improved is within the number assessed, KPI values, and the explanations a mismatch needs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from grants.models import (
    Award,
    MonitoringReturn,
)
from outcomes.models import CodeList, CodeListEntry
from outcomes.selectors import codes_by_list
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.validation import Errors, add_error, raise_if_errors

# The lists a return breaks "victims supported" down by, in the order forms show them.
BREAKDOWN_LISTS: tuple[str, ...] = (
    CodeList.CRIME,
    CodeList.AGE,
    CodeList.SEX,
    CodeList.ETHNICITY,
    CodeList.DISABILITY,
)


_KPI_VALUE_LIMIT = Decimal("1e12")  # max_digits=16, decimal_places=4


# Long enough for a real reason; short enough to sit in an issue line of the MoJ return.
EXPLANATION_MAX_LENGTH = 2000


@dataclass
class ReturnData:
    """What a provider fills in on a return (everything but the officer's rating)."""

    referrals: int | None = None
    supported: int | None = None
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)  # {list: {code: count}}
    outcomes: dict[str, tuple[int, int]] = field(default_factory=dict)  # {code: (assessed, improved)}
    kpi_values: dict[int, Decimal] = field(default_factory=dict)  # {kpi id: value}
    narrative: str = ""
    case_study: str = ""
    case_study_consent: bool = False
    feedback: str = ""
    breakdown_explanation: str = ""  # why a breakdown does not add up to ``supported``

    @classmethod
    def from_return(cls, monitoring_return: MonitoringReturn) -> ReturnData:
        """The data stored on a return (uses prefetched children when there are any)."""
        breakdowns: dict[str, dict[str, int]] = defaultdict(dict)
        for row in monitoring_return.breakdowns.all():
            breakdowns[row.code.list][row.code.code] = row.count
        return cls(
            referrals=monitoring_return.referrals,
            supported=monitoring_return.supported,
            breakdowns=dict(breakdowns),
            outcomes={row.code.code: (row.assessed, row.improved) for row in monitoring_return.outcomes.all()},
            kpi_values={row.kpi_id: row.value for row in monitoring_return.kpi_values.all()},
            narrative=monitoring_return.narrative,
            case_study=monitoring_return.case_study,
            case_study_consent=monitoring_return.case_study_consent,
            feedback=monitoring_return.feedback,
            breakdown_explanation=monitoring_return.breakdown_explanation,
        )


# Helpers -----------------------------------------------------------------------------------------
def _count(value: Any, key: str, what: str, errors: Errors, *, required: bool = False) -> int | None:
    """A whole number of people, 0 or more (None when blank and not required)."""
    if value is None or value == "":
        if required:
            add_error(errors, key, f"Enter {what}.")
        return None
    if isinstance(value, bool):
        add_error(errors, key, f"{what[0].upper()}{what[1:]} must be a whole number.")
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        add_error(errors, key, f"{what[0].upper()}{what[1:]} must be a whole number.")
        return None
    if not number.is_finite() or number != number.to_integral_value():
        add_error(errors, key, f"{what[0].upper()}{what[1:]} must be a whole number.")
        return None
    if number < 0:
        add_error(errors, key, f"{what[0].upper()}{what[1:]} cannot be negative.")
        return None
    if number > 2_000_000_000:
        add_error(errors, key, f"{what[0].upper()}{what[1:]} is too large.")
        return None
    return int(number)


def decimal(value: Any, key: str, what: str, errors: Errors) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        add_error(errors, key, f"{what} must be a number.")
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        add_error(errors, key, f"{what} must be a number.")
        return None
    if not number.is_finite():
        add_error(errors, key, f"{what} must be a number.")
        return None
    if abs(number) >= _KPI_VALUE_LIMIT:
        add_error(errors, key, f"{what} is too large.")
        return None
    if number != number.quantize(Decimal("0.0001")):
        add_error(errors, key, f"{what} can have at most 4 decimal places.")
        return None
    return number


@dataclass(frozen=True)
class BreakdownTotal:
    """A breakdown list that has been filled in, and its total against the victims supported."""

    list_name: str
    label: str  # "crime type"
    total: int
    supported: int

    @property
    def difference(self) -> int:
        """Positive: more counted than supported; negative: fewer."""
        return self.total - self.supported


def breakdown_mismatches(data: ReturnData) -> list[BreakdownTotal]:
    """The breakdown lists filled in (any count given, 0 included) whose total differs from the
    number supported, in form order. A list left entirely blank is not a mismatch (nothing was
    broken down), and nothing is compared while ``supported`` is blank."""
    if data.supported is None:
        return []
    labels = dict(CodeList.choices)
    mismatches = []
    for list_name in BREAKDOWN_LISTS:
        counts = [count for count in (data.breakdowns.get(list_name) or {}).values() if count not in (None, "")]
        if not counts:
            continue
        total = sum(int(count) for count in counts)
        if total != data.supported:
            mismatches.append(BreakdownTotal(list_name, labels[list_name].lower(), total, int(data.supported)))
    return mismatches


def breakdown_warnings(data: ReturnData) -> list[str]:
    """One warning per breakdown list whose total differs from the number supported."""
    return [
        f"The {item.label} breakdown adds up to {item.total:,}, but {item.supported:,} victims were supported."
        for item in breakdown_mismatches(data)
    ]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _require_explanation(data: ReturnData, errors: Errors) -> None:
    """Submitting: every breakdown filled in adds up to the victims supported, or the provider
    says why not. Names each list that does not add up, and the explanation box."""
    mismatches = breakdown_mismatches(data)
    if not mismatches or data.breakdown_explanation:
        return
    for item in mismatches:
        side = f"{-item.difference:,} short" if item.difference < 0 else f"{item.difference:,} over"
        add_error(
            errors,
            f"breakdowns:{item.list_name}",
            f"The {item.label} breakdown adds up to {item.total:,}, not the {item.supported:,} victims "
            f"supported ({side}).",
        )
    lists = _and([item.label for item in mismatches])
    breakdowns = "breakdown does" if len(mismatches) == 1 else "breakdowns do"
    add_error(
        errors,
        "breakdown_explanation",
        f"The {lists} {breakdowns} not add up to the {mismatches[0].supported:,} victims supported: "
        f"correct the numbers, or explain why they do not add up.",
    )


@dataclass
class _Clean:
    values: dict[str, Any]
    breakdowns: list[tuple[CodeListEntry, int]]
    outcomes: list[tuple[CodeListEntry, int, int]]
    kpi_values: list[tuple[int, Decimal]]
    data: ReturnData


@dataclass
class _CleanBreakdowns:
    entries: list[tuple[CodeListEntry, int]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # {list: {code: count}}
    lists_with_errors: set[str] = field(default_factory=set)

    def comparable(self) -> dict[str, dict[str, int]]:
        """Only the lists whose every count is acceptable: a list with a bad count has its own
        error, and its partial total would mislead."""
        return {name: counts for name, counts in self.counts.items() if name not in self.lists_with_errors}


def _clean_breakdowns(
    data: ReturnData, *, supported: int | None, by_code: dict[str, dict[str, CodeListEntry]], fy: int, errors: Errors
) -> _CleanBreakdowns:
    labels = dict(CodeList.choices)
    clean = _CleanBreakdowns()
    for list_name, counts in (data.breakdowns or {}).items():
        if list_name not in BREAKDOWN_LISTS:
            add_error(errors, "__all__", f"“{list_name}” is not a breakdown list (use {', '.join(BREAKDOWN_LISTS)}).")
            continue
        for code, raw in (counts or {}).items():
            key = f"{list_name}:{code}"
            entry = by_code[list_name].get(code)
            if entry is None:
                add_error(
                    errors,
                    key,
                    f"“{code}” is not a {labels[list_name].lower()} code in use in {FinancialYear(fy).label}.",
                )
                clean.lists_with_errors.add(list_name)
                continue
            what = f"the number supported for {labels[list_name].lower()} “{entry.label}”"
            count = _breakdown_count(raw, key, what, supported, errors)
            if count is None:
                if raw not in (None, ""):
                    clean.lists_with_errors.add(list_name)
                continue
            clean.entries.append((entry, count))
            clean.counts.setdefault(list_name, {})[code] = count
    return clean


def _breakdown_count(raw: Any, key: str, what: str, supported: int | None, errors: Errors) -> int | None:
    """One breakdown count, or None when blank or wrong (with its error)."""
    count = _count(raw, key, what, errors)
    # Each person is counted once in a list, so no one code can hold more than all of them.
    if count is not None and supported is not None and count > supported:
        add_error(
            errors,
            key,
            f"{what[0].upper()}{what[1:]} ({count:,}) cannot be more than the number of "
            f"victims supported ({supported:,}).",
        )
        return None
    return count


def _clean_outcomes(
    data: ReturnData, *, by_code: dict[str, dict[str, CodeListEntry]], fy: int, errors: Errors
) -> list[tuple[CodeListEntry, int, int]]:
    outcomes: list[tuple[CodeListEntry, int, int]] = []
    for code, pair in (data.outcomes or {}).items():
        key = f"outcome:{code}"
        entry = by_code[CodeList.OUTCOME].get(code)
        if entry is None:
            add_error(errors, key, f"“{code}” is not an outcome measure in use in {FinancialYear(fy).label}.")
            continue
        try:
            raw_assessed, raw_improved = pair
        except (TypeError, ValueError):
            add_error(errors, key, f"Give the number assessed and the number improved for “{entry.label}”.")
            continue
        if raw_assessed in (None, "") and raw_improved in (None, ""):
            continue
        assessed = _count(
            raw_assessed, f"{key}:assessed", f"the number assessed for “{entry.label}”", errors, required=True
        )
        improved = _count(
            raw_improved, f"{key}:improved", f"the number improved for “{entry.label}”", errors, required=True
        )
        if assessed is None or improved is None:
            continue
        if improved > assessed:
            add_error(
                errors,
                key,
                f"“{entry.label}”: the number improved ({improved:,}) cannot be more than the number assessed ({assessed:,}).",
            )
            continue
        # No ceiling at the victims supported: "supported" counts those new in the quarter, while
        # an outcome is often assessed when a case closes, for people first supported earlier.
        outcomes.append((entry, assessed, improved))
    return outcomes


def _clean_kpi_values(award: Award, data: ReturnData, errors: Errors) -> list[tuple[int, Decimal]]:
    kpis = {kpi.pk: kpi for kpi in award.kpis.all()}
    kpi_values: list[tuple[int, Decimal]] = []
    for kpi_id, raw in (data.kpi_values or {}).items():
        try:
            kpi = kpis.get(int(kpi_id))
        except (TypeError, ValueError):
            kpi = None
        key = f"kpi:{kpi_id}"
        if kpi is None:
            add_error(errors, key, f"KPI {kpi_id} is not one of this award's KPIs.")
            continue
        value = decimal(raw, key, f"The value of “{kpi.name}”", errors)
        if value is not None:
            kpi_values.append((kpi.pk, value))
    return kpi_values


def _clean_explanation(
    data: ReturnData, *, supported: int | None, breakdowns: _CleanBreakdowns, required: bool, errors: Errors
) -> str:
    """The explanation to store: kept only while a breakdown does not add up."""
    explanation = "" if data.breakdown_explanation is None else str(data.breakdown_explanation).strip()
    compared = ReturnData(supported=supported, breakdowns=breakdowns.comparable(), breakdown_explanation=explanation)
    if not breakdown_mismatches(compared):
        return ""  # nothing left to explain: an old explanation would describe other figures
    if len(explanation) > EXPLANATION_MAX_LENGTH:
        add_error(
            errors,
            "breakdown_explanation",
            f"The explanation of why the breakdowns do not add up must be {EXPLANATION_MAX_LENGTH:,} "
            f"characters or fewer (it has {len(explanation):,}).",
        )
    if required:
        _require_explanation(compared, errors)
    return explanation


def clean_data(
    *, award: Award, fy: int, data: ReturnData, require_counts: bool, require_explanation: bool = False
) -> _Clean:
    """Check ``data`` for a return of ``award`` in ``fy``; raise ValidationError with every problem.

    ``require_counts``: referrals and victims supported must be given (submitting).
    ``require_explanation``: a breakdown that does not add up needs an explanation (submitting)."""
    errors: Errors = {}
    referrals = _count(data.referrals, "referrals", "the number of referrals received", errors, required=require_counts)
    supported = _count(data.supported, "supported", "the number of victims supported", errors, required=require_counts)

    by_code = {name: {entry.code: entry for entry in entries} for name, entries in codes_by_list(fy).items()}
    breakdowns = _clean_breakdowns(data, supported=supported, by_code=by_code, fy=fy, errors=errors)
    outcomes = _clean_outcomes(data, by_code=by_code, fy=fy, errors=errors)
    kpi_values = _clean_kpi_values(award, data, errors)

    values: dict[str, Any] = {"referrals": referrals, "supported": supported}
    for name in ("narrative", "case_study", "feedback"):
        raw = getattr(data, name)
        values[name] = "" if raw is None else str(raw).strip()
    values["case_study_consent"] = bool(data.case_study_consent)
    values["breakdown_explanation"] = _clean_explanation(
        data, supported=supported, breakdowns=breakdowns, required=require_explanation, errors=errors
    )
    raise_if_errors(errors)
    clean = ReturnData(
        referrals=referrals,
        supported=supported,
        breakdowns=breakdowns.counts,
        outcomes={entry.code: (assessed, improved) for entry, assessed, improved in outcomes},
        kpi_values=dict(kpi_values),
        narrative=values["narrative"],
        case_study=values["case_study"],
        case_study_consent=values["case_study_consent"],
        feedback=values["feedback"],
        breakdown_explanation=values["breakdown_explanation"],
    )
    return _Clean(values=values, breakdowns=breakdowns.entries, outcomes=outcomes, kpi_values=kpi_values, data=clean)
