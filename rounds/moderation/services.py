"""The panel's changes to the starting recommendation: every change is kept
(``RecommendationChange``) and the application holds the latest."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.money import format_pence
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors

from ..models import Application, RecommendationChange
from .selectors import DECIDED_STATES


@transaction.atomic
def recommendation_change(
    *,
    actor,
    application: Application,
    recommended: bool | None,
    amount_offered: Decimal | None,
    reason: str,
    feedback: str,
    expected_version: int | None = None,
) -> Application:
    """Set the panel's recommendation (None: back to the starting one) and amount offered (None:
    the amount requested) of ``application``, with the reason; ``feedback`` goes to the applicant
    with the outcome. Refused once the round is decided."""
    require_capability(actor, "rounds.panel")
    locked = lock_for_update(application, expected_version=expected_version)
    round = locked.round
    errors: Errors = {}
    if round.status in DECIDED_STATES:
        add_error(
            errors,
            "recommended",
            f"Round {round.reference} is {round.get_status_display().lower()}: the recommendation cannot change now.",
        )
    reason = clean_text(reason)
    if not reason:
        add_error(errors, "reason", "Give the reason for the change.")
    if amount_offered is not None:
        if amount_offered < 0:
            add_error(errors, "amount_offered", "The amount offered cannot be negative.")
        elif amount_offered > round.max_amount:
            add_error(
                errors,
                "amount_offered",
                f"The amount offered cannot be more than the round's largest grant, {format_pence(round.max_amount)}.",
            )
        if recommended is False:
            add_error(errors, "amount_offered", "An application not recommended is offered nothing: leave it blank.")
    raise_if_errors(errors)
    RecommendationChange.objects.create(
        application=locked,
        recommended=recommended,
        amount_offered=amount_offered,
        reason=reason,
        by=actor,
        at=clock.now(),
    )
    locked.recommended_override = recommended
    locked.amount_offered_override = amount_offered
    locked.feedback = clean_text(feedback)
    attribute_to(locked, actor)
    locked.save()
    return locked
