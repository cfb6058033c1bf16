"""Every write to a variation: raise, approve (the step the money calls for), link a PCC
decision, decline and withdraw. Keyword-only and atomic; refusals are ``PermissionDenied``
(who) or ``ValidationError({field: [messages]})`` (what), with nothing saved.

An approval that ends the machine applies the variation to the award in the same transaction
(``grants.variations.apply``)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from grants.awards.rules import LineInput
from grants.models import (
    AgreementTemplate,
    Award,
    Decision,
    Variation,
    VariationKPI,
    VariationLine,
    VariationStatus,
)
from grants.validation import check_award_open
from grants.variations.apply import variation_apply
from grants.variations.rules import (
    PROVIDER_VARIABLE_STATUSES,
    VARIABLE_STATUSES,
    KPIInput,
    clean_proposal,
)
from grants.variations.transitions import VARIATION_MACHINE, approval_move
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import has_capability, is_provider_user, provider_organisation_id, require_capability
from pcc_commissioning.transitions import run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors
from providers.models import Organisation


def _check_raiser(actor, award: Award, errors: Errors) -> bool:
    """A provider user varies only its own organisation's running awards. True for a provider."""
    if actor is None or not is_provider_user(actor):
        if award.status not in VARIABLE_STATUSES:
            add_error(
                errors,
                "__all__",
                f"Award {award.reference} is {award.get_status_display().lower()}: "
                "change it by editing the award, not by a variation.",
            )
        return False
    if provider_organisation_id(actor) != award.provider_id:
        raise PermissionDenied("You may raise variations only on your own organisation's awards.")
    if award.status not in PROVIDER_VARIABLE_STATUSES:
        add_error(errors, "__all__", f"Award {award.reference} is not running, so it cannot be varied.")
    return True


def _next_reference(award: Award) -> str:
    count = Variation.objects.filter(award=award).count()
    return f"{award.reference}-V{count + 1}"


@transaction.atomic
def variation_request(
    *,
    actor,
    award: Award,
    kind: str,
    reason: str,
    new_end_date: datetime.date | None = None,
    takes_extension: bool = False,
    lines: Sequence[LineInput] | None = None,
    kpis: Sequence[KPIInput] | None = None,
    new_provider: Organisation | None = None,
    new_lead_contact: str = "",
    new_scope: str = "",
) -> Variation:
    """Raise a variation of ``kind`` on ``award`` with its reason and proposal (see
    ``rules.clean_proposal`` for what each kind asks for). ``lines``: the complete set of funding
    lines after the change (None: the lines stay). ``takes_extension``: take the extension offered
    in the award (its end is the new end date). Reference ``<award reference>-V<n>``."""
    require_capability(actor, "variations.request")
    proposal = {
        "kind": clean_text(kind).lower(),
        "reason": reason,
        "new_end_date": new_end_date,
        "takes_extension": bool(takes_extension),
        "lines": lines,
        "kpis": kpis,
        "new_provider": new_provider,
        "new_lead_contact": new_lead_contact,
        "new_scope": new_scope,
    }
    award = Award.objects.select_for_update().get(pk=award.pk)  # one reference number at a time
    errors: Errors = {}
    by_provider = _check_raiser(actor, award, errors)
    check_award_open(award, errors, doing="varied")
    values = clean_proposal(award, proposal, errors)
    raise_if_errors(errors)
    variation = Variation(
        award=award,
        reference=_next_reference(award),
        requested_on=clock.today(),
        requested_by=actor,
        raised_by_provider=by_provider,
        **{name: values[name] for name in proposal if name not in ("lines", "kpis")},
    )
    attribute_to(variation, actor)
    variation.save()
    _save_proposal(variation, values["lines"], values["kpis"], actor=actor)
    return variation


def _save_proposal(variation: Variation, lines: list[LineInput], kpis: list[KPIInput], *, actor) -> None:
    if lines:
        VariationLine.objects.bulk_create(
            VariationLine(variation=variation, stream=line.stream, fy=line.fy, amount=line.amount) for line in lines
        )
    if kpis:
        VariationKPI.objects.bulk_create(
            VariationKPI(
                variation=variation,
                kpi=change.kpi,
                name=clean_text(change.name) or (change.kpi.name if change.kpi else ""),
                unit=clean_text(change.unit) or (change.kpi.unit if change.kpi else ""),
                target=change.target,
                target_period=change.target_period,
                remove=change.remove,
            )
            for change in kpis
        )


def _lock(expected_version: int | None):
    return lambda variation: lock_for_update(
        Variation.objects.select_related("award", "award__decision", "decision").get(pk=variation.pk),
        expected_version=expected_version,
    )


def _closed_check(variation: Variation, doing: str) -> None:
    errors: Errors = {}
    check_award_open(variation.award, errors, doing=doing)
    raise_if_errors(errors)


@transaction.atomic
def variation_approve(
    *,
    actor,
    variation: Variation,
    note: str = "",
    letter_template: AgreementTemplate | None = None,
    expected_version: int | None = None,
) -> Variation:
    """Approve the variation at its present step: the officer's approval, finance's, or the
    officer's under a signed PCC decision. The machine moves it on to where the money calls for
    (finance, a decision, or approved); each approval stamps who and when. Reaching approved
    applies it to the award and, with ``letter_template``, issues the variation letter."""
    _closed_check(variation, "varied")
    now = clock.now()

    def stamp(move) -> None:
        if move.transition.capability == "variations.finance":
            move.obj.finance_approved_at, move.obj.finance_approved_by = now, actor
        else:
            move.obj.officer_approved_at, move.obj.officer_approved_by = now, actor
        if clean_text(note):
            move.obj.decision_note = clean_text(note)
        if move.to_state == VariationStatus.APPROVED:
            move.obj.decided_on, move.obj.decided_by = clock.today(), actor

    locked = _lock(expected_version)(variation)
    done = run(VARIATION_MACHINE, locked, approval_move(locked), actor=actor, apply=stamp)
    if done.status == VariationStatus.APPROVED:
        variation_apply(variation=done, actor=actor, letter_template=letter_template)
    return done


@transaction.atomic
def variation_link_decision(
    *, actor, variation: Variation, decision: Decision, expected_version: int | None = None
) -> Variation:
    """Link the PCC decision that approves the variation's value (it must be signed before the
    variation can be approved under it)."""
    if not isinstance(decision, Decision) or decision.pk is None:
        raise ValidationError({"decision": ["Choose the PCC decision."]})

    def link(move) -> None:
        move.obj.decision = decision

    return run(VARIATION_MACHINE, variation, "link_decision", actor=actor, lock=_lock(expected_version), apply=link)


def _close(*, actor, variation: Variation, names, reason: str, expected_version: int | None) -> Variation:
    def decide(move) -> None:
        move.obj.decision_note = clean_text(reason)
        move.obj.decided_on = clock.today()
        move.obj.decided_by = actor

    return run(
        VARIATION_MACHINE,
        variation,
        names,
        actor=actor,
        lock=_lock(expected_version),
        context={"reason": reason},
        apply=decide,
    )


@transaction.atomic
def variation_decline(*, actor, variation: Variation, reason: str, expected_version: int | None = None) -> Variation:
    """Decline the variation at any open step, saying why (finance may decline at its own step).
    The request is kept, with the reason."""
    names = "finance_decline" if actor is not None and _is_finance(actor) else "decline"
    return _close(actor=actor, variation=variation, names=names, reason=reason, expected_version=expected_version)


def _is_finance(actor) -> bool:
    return has_capability(actor, "variations.finance") and not has_capability(actor, "variations.approve")


@transaction.atomic
def variation_withdraw(*, actor, variation: Variation, reason: str, expected_version: int | None = None) -> Variation:
    """Withdraw an open variation (the person who raised it, or an officer), saying why."""
    return _close(actor=actor, variation=variation, names="withdraw", reason=reason, expected_version=expected_version)
