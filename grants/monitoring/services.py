"""Monitoring writes: award KPIs and a return's life (the schedule of quarterly returns is
``grants.schedules.returns``).

A return's life (``ReturnStatus``)::

    due ──save──> draft ──submit──> submitted ──accept──> accepted (final: never overwritten)
     └────────────submit────────────┘   └──send back──> returned ──save/submit──> …

The provider (or an officer on its behalf) may change a return only while it is due, a draft
or returned for changes; saving a returned return keeps it "returned" (with the officer's
reason) until it is submitted again. Only officers accept or send back.

Every write validates first and saves nothing when anything is wrong: counts that are
negative or not whole numbers, a breakdown count larger than the number of victims supported
(each person is counted once in a list), more improved than assessed,
codes not valid in the return's financial year, KPIs of another award.

A breakdown list that has been filled in should add up to the number of victims supported.
When one does not:

- saving a draft is allowed; the difference comes back as a warning;
- submitting is refused unless the provider explains why (``breakdown_explanation``): the
  error names the explanation and each list that does not add up (``breakdowns:<list>``);
- an import (historic data, acting as an officer) is accepted, as submitted or accepted
  returns have always been, and any explanation already on the return is kept;
- the officer's review page and the MoJ return (``breakdown_mismatch``) show the difference
  with the explanation, if there is one.

An explanation is stored only while a breakdown does not add up: once they all do (or none
is filled in) it is cleared, so it never describes figures that are no longer there.

Field keys of the ``ValidationError`` raised: ``referrals``, ``supported``, ``narrative``,
``case_study``, ``feedback``, ``breakdown_explanation``, ``rag``, ``rag_comment``,
``reason``, ``status``, ``quarter``, ``<list>:<code>`` for a breakdown count
(``crime:burglary``), ``breakdowns:<list>`` for a whole breakdown list, ``outcome:<code>``
for an outcome measure as a whole (unknown, or more improved than assessed),
``outcome:<code>:assessed`` and ``outcome:<code>:improved`` for one of its two numbers,
``kpi:<id>`` for a KPI value, ``__all__`` for the return as a whole.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from grants.models import (
    Award,
    MonitoringReturn,
    Rag,
    ReturnBreakdown,
    ReturnKPIValue,
    ReturnOutcome,
    ReturnStatus,
)
from grants.schedules.returns import has_started, opens_on
from outcomes.models import CodeList, CodeListEntry
from outcomes.selectors import codes_by_list
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require

Errors = dict[str, list[str]]


# The lists a return breaks "victims supported" down by, in the order forms show them.
BREAKDOWN_LISTS: tuple[str, ...] = (
    CodeList.CRIME,
    CodeList.AGE,
    CodeList.SEX,
    CodeList.ETHNICITY,
    CodeList.DISABILITY,
)


# Statuses in which the provider may still change a return.
EDITABLE_STATUSES = (ReturnStatus.DUE, ReturnStatus.DRAFT, ReturnStatus.RETURNED)


# Statuses in which the provider has not handed the return in (late once past its due date).
OUTSTANDING_STATUSES = EDITABLE_STATUSES


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
def add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def raise_if(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _count(value: Any, key: str, what: str, errors: Errors, *, required: bool = False) -> int | None:
    """A whole number of people, 0 or more (None when blank and not required)."""
    if value is None or value == "":
        if required:
            add(errors, key, f"Enter {what}.")
        return None
    if isinstance(value, bool):
        add(errors, key, f"{what[0].upper()}{what[1:]} must be a whole number.")
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        add(errors, key, f"{what[0].upper()}{what[1:]} must be a whole number.")
        return None
    if not number.is_finite() or number != number.to_integral_value():
        add(errors, key, f"{what[0].upper()}{what[1:]} must be a whole number.")
        return None
    if number < 0:
        add(errors, key, f"{what[0].upper()}{what[1:]} cannot be negative.")
        return None
    if number > 2_000_000_000:
        add(errors, key, f"{what[0].upper()}{what[1:]} is too large.")
        return None
    return int(number)


def decimal(value: Any, key: str, what: str, errors: Errors) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        add(errors, key, f"{what} must be a number.")
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        add(errors, key, f"{what} must be a number.")
        return None
    if not number.is_finite():
        add(errors, key, f"{what} must be a number.")
        return None
    if abs(number) >= _KPI_VALUE_LIMIT:
        add(errors, key, f"{what} is too large.")
        return None
    if number != number.quantize(Decimal("0.0001")):
        add(errors, key, f"{what} can have at most 4 decimal places.")
        return None
    return number


def _check_actor_may_fill_in(actor, award: Award) -> None:
    """A provider user fills in its own organisation's returns only; officers any."""
    if actor is None:
        return
    if is_provider_user(actor):
        if provider_organisation_id(actor) != award.provider_id:
            raise PermissionDenied("You can only fill in your own organisation's monitoring returns.")
        return
    require(actor, "grants.edit")


def check_officer(actor) -> None:
    if actor is None:
        return
    if is_provider_user(actor):
        raise PermissionDenied("Only commissioning officers review monitoring returns.")
    require(actor, "grants.edit")


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
        add(
            errors,
            f"breakdowns:{item.list_name}",
            f"The {item.label} breakdown adds up to {item.total:,}, not the {item.supported:,} victims "
            f"supported ({side}).",
        )
    lists = _and([item.label for item in mismatches])
    breakdowns = "breakdown does" if len(mismatches) == 1 else "breakdowns do"
    add(
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
            add(errors, "__all__", f"“{list_name}” is not a breakdown list (use {', '.join(BREAKDOWN_LISTS)}).")
            continue
        for code, raw in (counts or {}).items():
            key = f"{list_name}:{code}"
            entry = by_code[list_name].get(code)
            if entry is None:
                add(
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
        add(
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
            add(errors, key, f"“{code}” is not an outcome measure in use in {FinancialYear(fy).label}.")
            continue
        try:
            raw_assessed, raw_improved = pair
        except (TypeError, ValueError):
            add(errors, key, f"Give the number assessed and the number improved for “{entry.label}”.")
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
            add(
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
            add(errors, key, f"KPI {kpi_id} is not one of this award's KPIs.")
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
        add(
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
    raise_if(errors)
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


def write(ret: MonitoringReturn, clean: _Clean) -> None:
    """Store the cleaned data on a locked return: fields, and the children replaced wholesale."""
    for name, value in clean.values.items():
        setattr(ret, name, value)
    ret.save()
    ReturnBreakdown.objects.filter(monitoring_return=ret).delete()
    ReturnOutcome.objects.filter(monitoring_return=ret).delete()
    ReturnKPIValue.objects.filter(monitoring_return=ret).delete()
    ReturnBreakdown.objects.bulk_create(
        ReturnBreakdown(monitoring_return=ret, code=entry, count=count) for entry, count in clean.breakdowns
    )
    ReturnOutcome.objects.bulk_create(
        ReturnOutcome(monitoring_return=ret, code=entry, assessed=assessed, improved=improved)
        for entry, assessed, improved in clean.outcomes
    )
    ReturnKPIValue.objects.bulk_create(
        ReturnKPIValue(monitoring_return=ret, kpi_id=kpi_id, value=value) for kpi_id, value in clean.kpi_values
    )


def _lock_editable(
    monitoring_return: MonitoringReturn, *, expected_version: int | None, doing: str
) -> MonitoringReturn:
    locked = lock_for_update(monitoring_return, expected_version=expected_version)
    if not has_started(locked):
        raise ValidationError(
            {
                "status": [
                    f"This return is for a quarter that has not started: it can be filled in from "
                    f"{opens_on(locked):%-d %B %Y}."
                ]
            },
            code="status",
        )
    if locked.status not in EDITABLE_STATUSES:
        if locked.status == ReturnStatus.ACCEPTED:
            message = f"This return has been accepted: it cannot be {doing}."
        else:
            message = f"This return has been submitted and is awaiting review: it cannot be {doing} unless the officer returns it for changes."
        raise ValidationError({"status": [message]}, code="status")
    return locked


# A return's life -----------------------------------------------------------------------------------
@transaction.atomic
def return_save(
    *, monitoring_return: MonitoringReturn, actor, data: ReturnData, expected_version: int | None
) -> tuple[MonitoringReturn, list[str]]:
    """Save a return as a draft (while due, a draft or returned). Returns it and its warnings:
    a breakdown that does not add up is allowed in a draft, and comes back as a warning so the
    provider can correct or explain it before submitting."""
    _check_actor_may_fill_in(actor, monitoring_return.award)
    locked = _lock_editable(monitoring_return, expected_version=expected_version, doing="changed")
    clean = clean_data(award=locked.award, fy=locked.fy, data=data, require_counts=False)
    if locked.status == ReturnStatus.DUE:
        locked.status = ReturnStatus.DRAFT
    attribute_to(locked, actor)
    write(locked, clean)
    return locked, breakdown_warnings(clean.data)


@transaction.atomic
def return_submit(
    *, monitoring_return: MonitoringReturn, actor, data: ReturnData | None = None, expected_version: int | None
) -> tuple[MonitoringReturn, list[str]]:
    """Submit a return for review (with ``data``, or as stored). Referrals and victims
    supported must be filled in, and a breakdown that does not add up to the victims supported
    needs ``data.breakdown_explanation``. Returns it and its warnings (each breakdown that does
    not add up, explained)."""
    _check_actor_may_fill_in(actor, monitoring_return.award)
    locked = _lock_editable(monitoring_return, expected_version=expected_version, doing="submitted again")
    if data is None:
        stored = MonitoringReturn.objects.prefetch_related("breakdowns__code", "outcomes__code", "kpi_values").get(
            pk=locked.pk
        )
        data = ReturnData.from_return(stored)
    clean = clean_data(award=locked.award, fy=locked.fy, data=data, require_counts=True, require_explanation=True)
    locked.status = ReturnStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.submitted_by = actor
    attribute_to(locked, actor)
    write(locked, clean)
    return locked, breakdown_warnings(clean.data)


@transaction.atomic
def return_accept(
    *, monitoring_return: MonitoringReturn, actor, rag: str, rag_comment: str = "", expected_version: int | None
) -> MonitoringReturn:
    """An officer accepts a submitted return with a RAG rating (final)."""
    check_officer(actor)
    locked = lock_for_update(monitoring_return, expected_version=expected_version)
    errors: Errors = {}
    if locked.status != ReturnStatus.SUBMITTED:
        add(
            errors,
            "status",
            f"Only a submitted return can be accepted; this one is {locked.get_status_display().lower()}.",
        )
    if rag not in Rag.values:
        add(errors, "rag", "Choose a RAG rating: green, amber or red.")
    raise_if(errors)
    locked.status = ReturnStatus.ACCEPTED
    locked.rag = rag
    locked.rag_comment = (rag_comment or "").strip()
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = actor
    locked.returned_reason = ""
    attribute_to(locked, actor)
    locked.save()
    return locked


@transaction.atomic
def return_send_back(
    *, monitoring_return: MonitoringReturn, actor, reason: str, expected_version: int | None
) -> MonitoringReturn:
    """An officer returns a submitted return to the provider for changes, saying why."""
    check_officer(actor)
    locked = lock_for_update(monitoring_return, expected_version=expected_version)
    errors: Errors = {}
    if locked.status != ReturnStatus.SUBMITTED:
        add(
            errors,
            "status",
            f"Only a submitted return can be returned for changes; this one is {locked.get_status_display().lower()}.",
        )
    reason = (reason or "").strip()
    if not reason:
        add(errors, "reason", "Enter the reason for returning it, so the provider knows what to change.")
    raise_if(errors)
    locked.status = ReturnStatus.RETURNED
    locked.returned_reason = reason
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = actor
    attribute_to(locked, actor)
    locked.save()
    return locked
