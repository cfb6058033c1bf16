"""Monitoring writes: award KPIs and a return's life (the schedule of quarterly returns is
``grants.schedules.returns``).

A return's life (``ReturnStatus``)::

    due ──save──> draft ──submit──> submitted ──accept──> accepted (final: never overwritten)
     └────────────submit────────────┘   └──send back──> returned ──save/submit──> …

The provider (or an officer on its behalf) may change a return only while it is due, a draft
or returned for changes; saving a returned return keeps it "returned" (with the officer's
reason) until it is submitted again. Only officers accept or send back. The moves are declared
as data in ``RETURN_MACHINE`` and made by ``pcc_commissioning.transitions.run``; each checks
who may make it itself (a provider user: its own organisation's returns; others ``grants.edit``).

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
from grants.monitoring.return_data import ReturnData, _Clean, breakdown_warnings, clean_data
from grants.schedules.returns import has_started, opens_on
from grants.validation import check_award_open
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require
from pcc_commissioning.transitions import Guard, Machine, Move, Transition, run
from pcc_commissioning.validation import Errors, raise_if_errors

# Statuses in which the provider may still change a return.
EDITABLE_STATUSES = (ReturnStatus.DUE, ReturnStatus.DRAFT, ReturnStatus.RETURNED)


# Statuses in which the provider has not handed the return in (late once past its due date).
OUTSTANDING_STATUSES = EDITABLE_STATUSES


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


def _lock_open(monitoring_return: MonitoringReturn, *, expected_version: int | None) -> MonitoringReturn:
    """Lock the return; the returns of a closed award are read-only."""
    locked = lock_for_update(monitoring_return, expected_version=expected_version)
    errors: Errors = {}
    check_award_open(locked.award, errors, doing="reported on")
    raise_if_errors(errors)
    return locked


def _lock_started(monitoring_return: MonitoringReturn, *, expected_version: int | None) -> MonitoringReturn:
    """Lock the return; one for a quarter that has not started cannot be filled in yet."""
    locked = _lock_open(monitoring_return, expected_version=expected_version)
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
    return locked


# A return's life, declared as data -----------------------------------------------------------------
_DOING = {"start": "changed", "save": "changed", "submit": "submitted again"}


def _wrong_state(ret: MonitoringReturn, name: str) -> str:
    if name == "accept":
        return f"Only a submitted return can be accepted; this one is {ret.get_status_display().lower()}."
    if name == "send_back":
        return f"Only a submitted return can be returned for changes; this one is {ret.get_status_display().lower()}."
    doing = _DOING.get(name, "changed")
    if ret.status == ReturnStatus.ACCEPTED:
        return f"This return has been accepted: it cannot be {doing}."
    return f"This return has been submitted and is awaiting review: it cannot be {doing} unless the officer returns it for changes."


def _fill_in_access(actor, ret: MonitoringReturn) -> None:
    _check_actor_may_fill_in(actor, ret.award)


def _not_a_provider(actor, ret: MonitoringReturn) -> None:
    if is_provider_user(actor):
        raise PermissionDenied("Only commissioning officers review monitoring returns.")


def _rag_chosen(move: Move) -> str | None:
    return None if move.context["rag"] in Rag.values else "Choose a RAG rating: green, amber or red."


def _reason_given(move: Move) -> str | None:
    if not move.context["reason"]:
        return "Enter the reason for returning it, so the provider knows what to change."
    return None


_FILL_IN = {"capability": ("grants.edit", "portal.view"), "access": _fill_in_access}


_REVIEW = {"capability": "grants.edit", "access": _not_a_provider}


RETURN_MACHINE = Machine(
    name="monitoring return",
    states=tuple(ReturnStatus.values),
    transitions=(
        Transition("start", frozenset({ReturnStatus.DUE}), ReturnStatus.DRAFT, "Save as draft", **_FILL_IN),
        # Saving keeps a draft a draft, and a returned return "returned" (with the officer's reason).
        Transition("save", frozenset({ReturnStatus.DRAFT, ReturnStatus.RETURNED}), None, "Save as draft", **_FILL_IN),
        Transition("submit", frozenset(EDITABLE_STATUSES), ReturnStatus.SUBMITTED, "Submit", **_FILL_IN),
        Transition(
            "accept",
            frozenset({ReturnStatus.SUBMITTED}),
            ReturnStatus.ACCEPTED,
            "Accept",
            guards=(Guard(_rag_chosen, field="rag", always=True),),
            **_REVIEW,
        ),
        Transition(
            "send_back",
            frozenset({ReturnStatus.SUBMITTED}),
            ReturnStatus.RETURNED,
            "Return for changes",
            guards=(Guard(_reason_given, field="reason", always=True),),
            **_REVIEW,
        ),
    ),
    wrong_state=_wrong_state,
)  # simple_history keeps the history: the save is attributed to the actor


def _write_cleaned(move: Move) -> None:
    write(move.obj, move.context["clean"])


# A return's life -----------------------------------------------------------------------------------
@transaction.atomic
def return_save(
    *, monitoring_return: MonitoringReturn, actor, data: ReturnData, expected_version: int | None
) -> tuple[MonitoringReturn, list[str]]:
    """Save a return as a draft (while due, a draft or returned). Returns it and its warnings:
    a breakdown that does not add up is allowed in a draft, and comes back as a warning so the
    provider can correct or explain it before submitting."""

    def apply(move: Move) -> None:
        ret = move.obj
        move.context["clean"] = clean_data(award=ret.award, fy=ret.fy, data=data, require_counts=False)

    context: dict[str, Any] = {}
    locked = run(
        RETURN_MACHINE,
        monitoring_return,
        ("start", "save"),
        actor=actor,
        lock=lambda ret: _lock_started(ret, expected_version=expected_version),
        context=context,
        apply=apply,
        save=_write_cleaned,
    )
    return locked, breakdown_warnings(context["clean"].data)


@transaction.atomic
def return_submit(
    *, monitoring_return: MonitoringReturn, actor, data: ReturnData | None = None, expected_version: int | None
) -> tuple[MonitoringReturn, list[str]]:
    """Submit a return for review (with ``data``, or as stored). Referrals and victims
    supported must be filled in, and a breakdown that does not add up to the victims supported
    needs ``data.breakdown_explanation``. Returns it and its warnings (each breakdown that does
    not add up, explained)."""

    def apply(move: Move) -> None:
        ret = move.obj
        given = data
        if given is None:
            stored = MonitoringReturn.objects.prefetch_related("breakdowns__code", "outcomes__code", "kpi_values").get(
                pk=ret.pk
            )
            given = ReturnData.from_return(stored)
        move.context["clean"] = clean_data(
            award=ret.award, fy=ret.fy, data=given, require_counts=True, require_explanation=True
        )
        ret.submitted_at = timezone.now()
        ret.submitted_by = actor

    context: dict[str, Any] = {}
    locked = run(
        RETURN_MACHINE,
        monitoring_return,
        "submit",
        actor=actor,
        lock=lambda ret: _lock_started(ret, expected_version=expected_version),
        context=context,
        apply=apply,
        save=_write_cleaned,
    )
    return locked, breakdown_warnings(context["clean"].data)


@transaction.atomic
def return_accept(
    *, monitoring_return: MonitoringReturn, actor, rag: str, rag_comment: str = "", expected_version: int | None
) -> MonitoringReturn:
    """An officer accepts a submitted return with a RAG rating (final)."""

    def apply(move: Move) -> None:
        ret = move.obj
        ret.rag = rag
        ret.rag_comment = (rag_comment or "").strip()
        ret.reviewed_at = timezone.now()
        ret.reviewed_by = actor
        ret.returned_reason = ""

    return run(
        RETURN_MACHINE,
        monitoring_return,
        "accept",
        actor=actor,
        lock=lambda ret: _lock_open(ret, expected_version=expected_version),
        context={"rag": rag},
        apply=apply,
    )


@transaction.atomic
def return_send_back(
    *, monitoring_return: MonitoringReturn, actor, reason: str, expected_version: int | None
) -> MonitoringReturn:
    """An officer returns a submitted return to the provider for changes, saying why."""
    reason = (reason or "").strip()

    def apply(move: Move) -> None:
        ret = move.obj
        ret.returned_reason = reason
        ret.reviewed_at = timezone.now()
        ret.reviewed_by = actor

    return run(
        RETURN_MACHINE,
        monitoring_return,
        "send_back",
        actor=actor,
        lock=lambda ret: _lock_open(ret, expected_version=expected_version),
        context={"reason": reason},
        apply=apply,
    )
