"""The recovery status machine, declared as data (``pcc_commissioning.transitions``).

    raised ──receipt──► part recovered ──receipt──► recovered
       │                     │  ▲ (a receipt that leaves some still to come back)
       │                     └──┘
       ├──receipt that settles it──────────────────► recovered
       └──────── write off (a signed decision) ─────► written off   (from part recovered too)

Money coming back is recorded by finance (``payments.edit``): a receipt that leaves some of
the amount still to come back moves the recovery to (or keeps it at) part recovered; one that
brings the receipts up to the amount makes it recovered. An officer (``recoveries.edit``) writes
off what is left, under a signed PCC decision. Recovered and written off are final.
``grants.recoveries.services`` is the only writer; the recovery's page draws its buttons from
``actions_for``.
"""

from __future__ import annotations

from decimal import Decimal

from grants.models import Recovery, RecoveryStatus
from pcc_commissioning.money import format_pence
from pcc_commissioning.transitions import Guard, Machine, Move, Transition, available

S = RecoveryStatus
OPEN_RECOVERY_STATUSES = (S.RAISED, S.PART_RECOVERED)


def _wrong_state(recovery: Recovery, name: str) -> str:
    status = recovery.get_status_display().lower()
    doing = "written off" if name == "write_off" else "given a receipt"
    return f"Recovery {recovery.reference} is {status}: it cannot be {doing}."


# Guards: each reads the service's arguments from ``move.context`` -----------------------------------
def _receipt_within_what_is_left(move: Move) -> str | None:
    """A receipt is more than zero and no more than what is still to come back."""
    amount = move.context.get("amount")
    if amount is None:
        return None  # the service has already said why the amount cannot be read
    if amount <= 0:
        return "The amount received must be more than zero."
    left = move.context["left"]
    if amount > left:
        return (
            f"{format_pence(amount)} is more than the {format_pence(left)} still to recover on "
            f"{move.obj.reference}: record what was received, up to {format_pence(left)}."
        )
    return None


def _receipt_details(move: Move) -> dict | None:
    """The service's own checks of the receipt (its date, its reference), reported with the
    machine's."""
    return move.context.get("errors") or None


def _signed_decision(move: Move) -> str | None:
    decision = move.context.get("decision")
    if decision is None:
        return "Choose the signed PCC decision that allows the write-off."
    if not decision.is_signed:
        return f"Decision {decision.reference} is not signed: a write-off needs a signed decision."
    return None


_RECEIPT = Guard(_receipt_within_what_is_left, field="amount", always=True)
_DETAILS = Guard(_receipt_details, always=True)
_DECISION = Guard(_signed_decision, field="decision", always=True)


RECOVERY_MACHINE = Machine(
    name="recovery",
    states=tuple(S.values),
    transitions=(
        Transition(
            "part_recover",
            frozenset(OPEN_RECOVERY_STATUSES),
            S.PART_RECOVERED,
            "Record money received",
            capability="payments.edit",
            guards=(_DETAILS, _RECEIPT),
        ),
        Transition(
            "recover",
            frozenset(OPEN_RECOVERY_STATUSES),
            S.RECOVERED,
            "Record money received",
            capability="payments.edit",
            guards=(_DETAILS, _RECEIPT),
        ),
        Transition(
            "write_off",
            frozenset(OPEN_RECOVERY_STATUSES),
            S.WRITTEN_OFF,
            "Write off",
            capability="recoveries.edit",
            guards=(_DECISION,),
            needs_note=True,
            warning=True,
            system=False,
        ),
    ),
    wrong_state=_wrong_state,
)


def receipt_move(*, amount: Decimal, left: Decimal) -> str:
    """The move a receipt of ``amount`` makes when ``left`` is still to come back."""
    return "recover" if amount >= left else "part_recover"


def actions_for(recovery: Recovery, actor) -> list[Transition]:
    """The buttons the recovery's page shows ``actor``: one "Record money received" (both
    receipt moves are the same button) and "Write off", where the role allows them."""
    shown: dict[str, Transition] = {}
    for transition in available(RECOVERY_MACHINE, state=recovery.status, actor=actor):
        shown.setdefault(transition.label, transition)
    return list(shown.values())
