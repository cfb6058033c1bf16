"""Writes of the MoJ return's workflow: start, submit, return to draft, sign off, amend.

    (start) ──► draft ──► submitted ──► signed off ──(amend)──► version N+1 draft
                  ▲            │
                  └─ reopen ───┘

The moves between statuses are declared as data in ``MOJ_MACHINE`` and made by
``pcc_commissioning.transitions.run`` (through ``_transition``), which checks the actor's
capability, locks the row against lost updates (``pcc_commissioning.concurrency``), checks the
move is allowed, applies it and writes a ``MojReturnEvent``. Starting and amending create a new version and write its first event.

While a version is draft or submitted its figures are computed live; signing off stores them
(``MojReturn.figures``) and they never change again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pcc_commissioning import transitions
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.records import save_unique
from pcc_commissioning.roles import require
from pcc_commissioning.transitions import Guard, Machine, Move, Transition
from reports.models import MojReturn, MojReturnEvent, MojReturnExplanation, MojReturnStatus

from . import figures as moj_figures

Status = MojReturnStatus

CHANGED_SINCE_OPENED = "The figures changed since you opened the page: check them again, then sign off."


def _wrong_state(moj_return: MojReturn, name: str) -> str:
    transition = MOJ_MACHINE.get(name)
    doing = "signed off" if name == "sign_off" else _status_label(transition.target)
    return f"This return is {_status_label(moj_return.status)}, so it cannot be {doing}: reload the page."


def _denied(transition: Transition, capability: str) -> str:
    return f"Your role does not allow this ({transition.label.lower()})."


def _reason_given(move: Move) -> str | None:
    return None if move.context["note"] else "Say why (this is kept in the return's history)."


def _event_of(move: Move) -> MojReturnEvent:
    return _event(move.obj, from_status=move.from_state, actor=move.actor, note=move.context["note"])


MOJ_MACHINE = Machine(
    name="MoJ return",
    states=tuple(Status.values),
    transitions=(
        Transition(
            "submit",
            frozenset({Status.DRAFT}),
            Status.SUBMITTED,
            "Submit for sign-off",
            capability="moj.prepare",
            system=False,
        ),
        Transition(
            "reopen",
            frozenset({Status.SUBMITTED}),
            Status.DRAFT,
            "Return to draft",
            capability=("moj.prepare", "moj.sign_off"),
            guards=(Guard(_reason_given, field="reason"),),
            system=False,
            needs_note=True,
        ),
        Transition(
            "sign_off",
            frozenset({Status.SUBMITTED}),
            Status.SIGNED_OFF,
            "Sign off",
            capability="moj.sign_off",
            system=False,
        ),
    ),
    wrong_state=_wrong_state,
    error_field=None,  # a plain message at the top of the page
    denied=_denied,
    record=_event_of,
)

# The moves by name (``TRANSITIONS["reopen"]``), for the views.
TRANSITIONS: Mapping[str, Transition] = MOJ_MACHINE.by_name


def may(user, transition: Transition) -> bool:
    """Whether ``user``'s role allows ``transition`` (whatever the return's status)."""
    return transitions.may(user, transition)


def allowed_transitions(user, moj_return: MojReturn) -> list[Transition]:
    """The moves ``user`` may make on this version now (none on a version that is not the latest
    is checked by the caller: older versions are always signed off, so have none)."""
    return transitions.available(MOJ_MACHINE, state=moj_return.status, actor=user)


def display_name(user) -> str:
    return (user.get_full_name() or user.get_username()).strip()


def half_label(*, fy: int, half: int) -> str:
    """ "H1 2019/20"."""
    return f"H{half} {FinancialYear(fy).label}"


def _status_label(status: str) -> str:
    return str(Status(status).label).lower()


def _event(moj_return: MojReturn, *, from_status: str, actor, note: str = "") -> MojReturnEvent:
    return MojReturnEvent.objects.create(
        moj_return=moj_return,
        from_status=from_status,
        to_status=moj_return.status,
        at=timezone.now(),
        by=actor,
        note=note,
    )


def _check_half(fy, half) -> tuple[int, int]:
    errors: dict[str, list[str]] = {}
    try:
        fy = FinancialYear(int(fy)).start_year
    except (TypeError, ValueError):
        errors["fy"] = ["Choose a financial year, such as 2019 for 2019/20."]
    try:
        half = int(half)
    except (TypeError, ValueError):
        half = 0
    if half not in (1, 2):
        errors["half"] = ["Choose half 1 (April to September) or half 2 (October to March)."]
    if errors:
        raise ValidationError(errors)
    return fy, half


def _transition(
    *,
    moj_return: MojReturn,
    actor,
    version: int | None,
    name: str,
    note: str = "",
    apply: Callable[[MojReturn], None] | None = None,
) -> MojReturn:
    """Make the move ``name`` of ``MOJ_MACHINE``: check the capability, lock the row (refusing a
    stale ``version``), check the status, run ``apply`` on the locked row (it may raise
    ``ValidationError``), save and record the event. Call inside ``transaction.atomic``."""
    return transitions.run(
        MOJ_MACHINE,
        moj_return,
        name,
        actor=actor,
        lock=lambda moj_return: lock_for_update(moj_return, expected_version=version),
        context={"note": (note or "").strip()},
        apply=None if apply is None else (lambda move: apply(move.obj)),
    )


@transaction.atomic
def moj_return_start(*, fy: int, half: int, actor) -> MojReturn:
    """Start the half's return: version 1, a draft. Refused if the half has no MoJ-reported
    stream in scope or if its return has already been started."""
    require(actor, "moj.prepare")
    fy, half = _check_half(fy, half)
    label = half_label(fy=fy, half=half)
    if not moj_figures.moj_scope_exists(fy=fy, half=half):
        raise ValidationError(
            {
                "half": [
                    f"No funding stream reported to the MoJ has an allocation or funding lines in "
                    f"{FinancialYear(fy).label}: there is no {label} return to prepare."
                ]
            }
        )
    taken = f"The {label} return has already been started: open it from the MoJ returns page."
    if MojReturn.objects.filter(fy=fy, half=half).exists():
        raise ValidationError({"half": [taken]})
    moj_return = MojReturn(fy=fy, half=half, number=1, status=Status.DRAFT, created_by=actor)
    save_unique(moj_return, field="half", message=taken)
    _event(moj_return, from_status="", actor=actor)
    return moj_return


@transaction.atomic
def moj_return_submit(*, moj_return: MojReturn, actor, version: int | None) -> MojReturn:
    """Submit a draft for a finance officer's sign-off (commissioning officers)."""

    def apply(locked: MojReturn) -> None:
        locked.submitted_by = actor
        locked.submitted_at = timezone.now()

    return _transition(moj_return=moj_return, actor=actor, version=version, name="submit", apply=apply)


@transaction.atomic
def moj_return_reopen(*, moj_return: MojReturn, actor, version: int | None, reason: str) -> MojReturn:
    """Return a submitted version to draft (an officer, or the finance officer asked to sign it
    off), saying why."""

    def apply(locked: MojReturn) -> None:
        locked.submitted_by = None
        locked.submitted_at = None

    return _transition(moj_return=moj_return, actor=actor, version=version, name="reopen", note=reason, apply=apply)


def live_figures(moj_return: MojReturn) -> dict:
    """The version's figures computed from today's data, with its status and number."""
    figures = moj_figures.moj_return_figures(fy=moj_return.fy, half=moj_return.half)
    figures["status"] = moj_return.status
    figures["version"] = moj_return.number
    return figures


# Keys that say when and by whom, not what: left out of the checksum the sign-off compares.
VOLATILE_KEYS = frozenset({"computed_at", "status", "version", "signed_off", "explanations"})


def content_checksum(figures: Mapping) -> str:
    """The checksum of the figures and issues alone (not when they were computed, nor the
    version's status): equal whenever the numbers are."""
    return moj_figures.figures_checksum({key: value for key, value in figures.items() if key not in VOLATILE_KEYS})


def explanation_field(issue_key: str) -> str:
    """The name under which a blocking issue's explanation is sent and its error reported."""
    return f"explanation:{issue_key}"


def blocking_issues(figures: Mapping) -> list[dict]:
    return [issue for issue in figures.get("issues", []) if issue.get("severity") == "blocking"]


@transaction.atomic
def moj_return_sign_off(
    *,
    moj_return: MojReturn,
    actor,
    version: int | None,
    checksum: str,
    signatory_role: str,
    explanations: Mapping[str, str],
) -> MojReturn:
    """Sign off a submitted version (finance officers): recompute the figures, refuse if they
    differ from those the signer saw (``checksum``) or if a blocking issue has no explanation,
    then freeze them with the signatory, role, date and explanations."""
    role = (signatory_role or "").strip()
    texts = {str(key): (text or "").strip() for key, text in (explanations or {}).items()}

    def apply(locked: MojReturn) -> None:
        figures = live_figures(locked)
        if content_checksum(figures) != (checksum or "").strip():
            raise ValidationError(CHANGED_SINCE_OPENED, code="changed")
        errors: dict[str, list[str]] = {}
        if not role:
            errors["signatory_role"] = ["Enter your role, for example Chief Finance Officer."]
        elif len(role) > MojReturn._meta.get_field("signed_off_role").max_length:
            errors["signatory_role"] = ["The role must be 200 characters or fewer."]
        for issue in blocking_issues(figures):
            if not texts.get(issue["key"]):
                errors[explanation_field(issue["key"])] = [
                    f"Explain the blocking issue “{issue['message']}” before signing off."
                ]
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        name = display_name(actor)
        explained = [
            {"key": issue["key"], "message": issue["message"], "explanation": texts[issue["key"]]}
            for issue in figures.get("issues", [])
            if texts.get(issue["key"])
        ]
        figures["status"] = Status.SIGNED_OFF.value
        figures["signed_off"] = {"name": name, "role": role, "at": now.isoformat()}
        figures["explanations"] = explained
        MojReturnExplanation.objects.bulk_create(
            MojReturnExplanation(
                moj_return=locked,
                issue_key=item["key"],
                issue_message=item["message"],
                explanation=item["explanation"],
                by=actor,
                at=now,
            )
            for item in explained
        )
        locked.figures = figures
        locked.figures_checksum = content_checksum(figures)
        locked.signed_off_by = actor
        locked.signed_off_name = name
        locked.signed_off_role = role
        locked.signed_off_at = now

    return _transition(moj_return=moj_return, actor=actor, version=version, name="sign_off", apply=apply)


@transaction.atomic
def moj_return_amend(*, moj_return: MojReturn, actor, reason: str) -> MojReturn:
    """Start an amendment of a signed-off version (commissioning officers): version N+1, a
    draft computed live, which records the version it amends and why."""
    require(actor, "moj.prepare")
    locked = MojReturn.objects.select_for_update().get(pk=moj_return.pk)
    reason = (reason or "").strip()
    if locked.status != Status.SIGNED_OFF:
        raise ValidationError(
            f"Only a signed-off return can be amended: this version is {_status_label(locked.status)}."
        )
    latest = MojReturn.objects.filter(fy=locked.fy, half=locked.half).order_by("-number").first()
    if latest.pk != locked.pk:
        raise ValidationError(f"Version {latest.number} of this return already exists: amend the latest version.")
    if not reason:
        raise ValidationError({"reason": ["Say why the return is being amended (this is kept with the new version)."]})
    amendment = MojReturn(
        fy=locked.fy,
        half=locked.half,
        number=locked.number + 1,
        status=Status.DRAFT,
        amends=locked,
        amendment_reason=reason,
        created_by=actor,
    )
    save_unique(amendment, field="reason", message="Someone else has just started an amendment: reload the page.")
    _event(amendment, from_status="", actor=actor, note=f"Amends version {locked.number}: {reason}")
    return amendment
