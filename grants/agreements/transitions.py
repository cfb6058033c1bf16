"""An agreement's life, declared as data (``pcc_commissioning.transitions``)::

    issued ──accept (the provider's signatory, in the portal)──────> accepted ──countersign──> countersigned
       └────record_signed (an officer, with the signed copy)──────────^
    issued, accepted, countersigned ──supersede (a new version issued)──> superseded
    issued, accepted ──withdraw──> withdrawn

``grants.agreements.services`` is the only writer. Accepting is the provider's move: the actor
must be an authorised signatory of the award's provider (``require_signatory``), and the
system (actor None) may not make it. Everything else is an officer's (``agreements.edit``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from grants.models import Agreement, AgreementStatus
from pcc_commissioning.transitions import Guard, Machine, Move, Transition

S = AgreementStatus


def require_signatory(actor, agreement: Agreement) -> None:
    """Only an active authorised signatory of the award's provider may accept its agreement."""
    membership = getattr(actor, "provider_membership", None) if actor is not None else None
    if membership is None or membership.organisation_id != agreement.award.provider_id:
        raise PermissionDenied("Only the provider's own users may accept its agreement.")
    if not membership.is_signatory:
        raise PermissionDenied(
            "Only your organisation's authorised signatory may accept an agreement: ask the commissioning team "
            "to mark who that is."
        )


def _wrong_state(agreement: Agreement, name: str) -> str:
    doing = {
        "accept": "accepted",
        "record_signed": "recorded as signed",
        "countersign": "countersigned",
        "supersede": "superseded",
        "withdraw": "withdrawn",
    }.get(name, name)
    return f"Version {agreement.number} is {agreement.get_status_display().lower()}, so it cannot be {doing}."


def _reason_given(move: Move) -> str | None:
    if not str(move.context.get("reason", "")).strip():
        return "Say why the agreement is withdrawn."
    return None


AGREEMENT_MACHINE = Machine(
    name="agreement",
    states=tuple(S.values),
    transitions=(
        Transition(
            name="accept",
            sources=frozenset({S.ISSUED}),
            target=S.ACCEPTED,
            label="Accept the agreement",
            capability="agreements.accept",
            access=require_signatory,
            system=False,
        ),
        Transition(
            name="record_signed",
            sources=frozenset({S.ISSUED}),
            target=S.ACCEPTED,
            label="Record a signed copy",
            capability="agreements.edit",
        ),
        Transition(
            name="countersign",
            sources=frozenset({S.ACCEPTED}),
            target=S.COUNTERSIGNED,
            label="Countersign for the OPCC",
            capability="agreements.edit",
        ),
        Transition(
            name="supersede",
            sources=frozenset({S.ISSUED, S.ACCEPTED, S.COUNTERSIGNED}),
            target=S.SUPERSEDED,
            label="Supersede",
            capability="agreements.edit",
        ),
        Transition(
            name="withdraw",
            sources=frozenset({S.ISSUED, S.ACCEPTED}),
            target=S.WITHDRAWN,
            label="Withdraw",
            capability="agreements.edit",
            guards=(Guard(_reason_given, field="reason"),),
            needs_note=True,
            warning=True,
        ),
    ),
    wrong_state=_wrong_state,
)
