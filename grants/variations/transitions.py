"""A variation's approval, declared as data (``pcc_commissioning.transitions``). Approval
follows the money::

    requested ──approve (officer; no money moves, within the limit and the decision)──> approved
        ├──approve_to_finance (officer; money moves)──> awaiting_finance
        └──approve_to_decision (officer; value needs a PCC decision)──> awaiting_decision
    awaiting_finance ──finance_approve (finance; within the limit and the decision)──> approved
        └──finance_to_decision (finance; value needs a PCC decision)──> awaiting_decision
    awaiting_decision ──decision_approve (officer; a signed decision covers the value)──> approved
    any open state ──decline (officer; finance at its own step)──> declined
    any open state ──withdraw (the raiser or an officer)──> withdrawn
    any open state ──link_decision (officer)──> (the same state)

``grants.variations.services`` is the only writer; it picks the approval move the money calls
for (``approval_move``) and the guards below refuse it if the variation is not in that case.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from grants.models import OPEN_VARIATION_STATUSES, Variation, VariationStatus
from grants.variations.rules import decision_problem, moves_money
from pcc_commissioning.roles import has_capability
from pcc_commissioning.transitions import Guard, Machine, Move, Transition

S = VariationStatus
_OPEN = frozenset(str(status) for status in OPEN_VARIATION_STATUSES)


def _wrong_state(variation: Variation, name: str) -> str:
    doing = {
        "decline": "declined",
        "finance_decline": "declined",
        "withdraw": "withdrawn",
        "link_decision": "linked to a decision",
        "finance_approve": "approved by finance",
        "finance_to_decision": "approved by finance",
    }.get(name, "approved")
    return f"Variation {variation.reference} is {variation.get_status_display().lower()}, so it cannot be {doing}."


def may_withdraw(actor, variation: Variation) -> None:
    """The person who raised it, or an officer who approves variations."""
    if actor.pk == variation.requested_by_id or has_capability(actor, "variations.approve"):
        return
    raise PermissionDenied("Only the person who raised the variation, or an officer, may withdraw it.")


# Guards -----------------------------------------------------------------------------------------
def _reason_given(move: Move) -> str | None:
    if not str(move.context.get("reason", "")).strip():
        return "Say why (this is kept with the variation)."
    return None


def _no_money(move: Move) -> str | None:
    if moves_money(move.obj):
        return "Money moves with this variation: finance approves it after you."
    return None


def _money(move: Move) -> str | None:
    if not moves_money(move.obj):
        return "No money moves with this variation: approve it without finance."
    return None


def _covered(move: Move) -> str | None:
    """The award's value after the change is within the limit and its (linked) decision."""
    return decision_problem(move.obj)


def _not_covered(move: Move) -> str | None:
    if decision_problem(move.obj) is None:
        return "The award's value after the change is within the delegated limit and its decision: approve it."
    return None


_REASON = Guard(_reason_given, field="reason")


def _move(name, sources, target, label, capability, *guards, **extra) -> Transition:
    return Transition(
        name=name,
        sources=frozenset(str(source) for source in sources),
        target=None if target is None else str(target),
        label=label,
        capability=capability,
        guards=guards,
        **extra,
    )


VARIATION_MACHINE = Machine(
    name="variation",
    states=tuple(S.values),
    transitions=(
        _move("approve", {S.REQUESTED}, S.APPROVED, "Approve", "variations.approve", Guard(_no_money), Guard(_covered)),
        _move(
            "approve_to_finance",
            {S.REQUESTED},
            S.AWAITING_FINANCE,
            "Approve and send to finance",
            "variations.approve",
            Guard(_money),
        ),
        _move(
            "approve_to_decision",
            {S.REQUESTED},
            S.AWAITING_DECISION,
            "Approve and hold for a PCC decision",
            "variations.approve",
            Guard(_no_money),
            Guard(_not_covered),
        ),
        _move(
            "finance_approve",
            {S.AWAITING_FINANCE},
            S.APPROVED,
            "Approve for finance",
            "variations.finance",
            Guard(_covered),
        ),
        _move(
            "finance_to_decision",
            {S.AWAITING_FINANCE},
            S.AWAITING_DECISION,
            "Approve for finance and hold for a PCC decision",
            "variations.finance",
            Guard(_not_covered),
        ),
        _move(
            "decision_approve",
            {S.AWAITING_DECISION},
            S.APPROVED,
            "Approve under the PCC decision",
            "variations.approve",
            Guard(_covered),
        ),
        _move("link_decision", _OPEN, None, "Link a PCC decision", "variations.approve"),
        _move("decline", _OPEN, S.DECLINED, "Decline", "variations.approve", _REASON, needs_note=True, warning=True),
        _move(
            "finance_decline",
            {S.AWAITING_FINANCE},
            S.DECLINED,
            "Decline",
            "variations.finance",
            _REASON,
            needs_note=True,
            warning=True,
        ),
        _move(
            "withdraw",
            _OPEN,
            S.WITHDRAWN,
            "Withdraw",
            "variations.request",
            _REASON,
            access=may_withdraw,
            system=False,
            needs_note=True,
            warning=True,
        ),
    ),
    wrong_state=_wrong_state,
)

APPROVE_MOVES = (
    "approve",
    "approve_to_finance",
    "approve_to_decision",
    "finance_approve",
    "finance_to_decision",
    "decision_approve",
)


def approval_move(variation: Variation) -> str:
    """The approval the money calls for from the variation's state (the guards hold it to it)."""
    status = variation.status
    if status == S.AWAITING_FINANCE:
        return "finance_approve" if decision_problem(variation) is None else "finance_to_decision"
    if status == S.AWAITING_DECISION:
        return "decision_approve"
    if moves_money(variation):
        return "approve_to_finance"
    return "approve" if decision_problem(variation) is None else "approve_to_decision"
