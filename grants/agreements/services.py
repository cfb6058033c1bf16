"""Every write to agreement templates and to issued agreements (accepting and countersigning
are ``grants.agreements.acceptance``'s).

Officers keep the templates and issue agreements (capability ``agreements.edit``); ``actor``
None is the system (an approved variation issuing its letter, the demo). An issued agreement
keeps the exact figures it was made from (``Agreement.figures``: the award's figures, the
merged wording and the variation's details), its PDF and DOCX and the PDF's SHA-256, so it says
the same whatever happens to the award later."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from grants.agreements import documents
from grants.agreements.figures import award_figures
from grants.agreements.merge import check_fields, merge
from grants.agreements.transitions import AGREEMENT_MACHINE
from grants.awards.services import lock_award
from grants.models import (
    LIVE_AGREEMENT_STATUSES,
    Agreement,
    AgreementKind,
    AgreementTemplate,
    Award,
    AwardStatus,
    Variation,
)
from grants.validation import check_award_open, check_lengths
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.records import attribute_to, save_unique
from pcc_commissioning.roles import require_capability
from pcc_commissioning.services import model_update
from pcc_commissioning.transitions import run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors

TEMPLATE_FIELDS = ("name", "kind", "terms", "special_conditions", "is_active")
# An agreement follows the decision: only an awarded or active award gets one.
ISSUABLE_STATUSES = (AwardStatus.AWARDED, AwardStatus.ACTIVE)


# Templates ---------------------------------------------------------------------------------------
def _duplicate_name(name: str) -> str:
    return f"There is already an agreement template called “{name}”."


def _clean_template(values: dict[str, Any], *, exclude_pk: int | None) -> dict[str, Any]:
    errors: Errors = {}
    for name in ("name", "terms", "special_conditions"):
        values[name] = clean_text(values[name])
    values["is_active"] = bool(values["is_active"])
    if not values["name"]:
        add_error(errors, "name", "Enter the template's name.")
    elif AgreementTemplate.objects.filter(name__iexact=values["name"]).exclude(pk=exclude_pk).exists():
        add_error(errors, "name", _duplicate_name(values["name"]))
    if values["kind"] not in AgreementKind.values:
        add_error(errors, "kind", "Choose what kind of agreement the template is for.")
    if not values["terms"]:
        add_error(errors, "terms", "Enter the standard terms.")
    check_fields(values["terms"], errors, field="terms")
    check_fields(values["special_conditions"], errors, field="special_conditions")
    check_lengths(AgreementTemplate, values, errors)
    raise_if_errors(errors)
    return values


@transaction.atomic
def agreement_template_create(
    *, actor, name: str, kind: str, terms: str, special_conditions: str = "", is_active: bool = True
) -> AgreementTemplate:
    require_capability(actor, "agreements.edit")
    values = _clean_template(
        {"name": name, "kind": kind, "terms": terms, "special_conditions": special_conditions, "is_active": is_active},
        exclude_pk=None,
    )
    template = AgreementTemplate(**values)
    attribute_to(template, actor)
    save_unique(template, field="name", message=_duplicate_name(values["name"]))
    return template


@transaction.atomic
def agreement_template_update(
    *, template: AgreementTemplate, actor, expected_version: int | None, **fields: Any
) -> AgreementTemplate:
    """Change the given fields (``TEMPLATE_FIELDS``; ``is_active`` False retires it: it is no
    longer offered, and agreements issued from it keep their wording). A stale
    ``expected_version`` is refused."""
    require_capability(actor, "agreements.edit")
    unknown = set(fields) - set(TEMPLATE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown template fields: {sorted(unknown)}")
    locked = lock_for_update(template, expected_version=expected_version)
    values = _clean_template(
        {name: fields.get(name, getattr(locked, name)) for name in TEMPLATE_FIELDS}, exclude_pk=locked.pk
    )
    if not model_update(instance=locked, data=values):
        locked.version -= 1  # nothing to save
        return locked
    attribute_to(locked, actor)
    save_unique(locked, field="name", message=_duplicate_name(values["name"]))
    return locked


# Issuing -----------------------------------------------------------------------------------------
def _check_issue(*, award: Award, template: AgreementTemplate, variation: Variation | None, errors: Errors) -> None:
    check_award_open(award, errors, field="award", doing="given a new agreement")
    if award.status not in ISSUABLE_STATUSES:
        add_error(
            errors,
            "award",
            f"Award {award.reference} is {award.get_status_display().lower()}: an agreement follows the decision, "
            "so only an awarded or active award can be given one.",
        )
    if not template.is_active:
        add_error(errors, "template", f"The template “{template.name}” is retired: choose one in use.")
    letter = template.kind == AgreementKind.VARIATION_LETTER
    if variation is None and letter:
        add_error(errors, "template", "A variation letter is issued from its variation: choose another template.")
    elif variation is not None and not letter:
        add_error(errors, "template", "A variation is confirmed by a variation letter: choose a variation letter.")
    if variation is not None and variation.award_id != award.pk:
        add_error(errors, "variation", f"Variation {variation.reference} is not of award {award.reference}.")


def _variation_figures(variation: Variation) -> dict[str, Any]:
    return {
        "reference": variation.reference,
        "kind": variation.kind,
        "kind_label": variation.get_kind_display(),
        "reason": variation.reason,
        "requested_on": variation.requested_on.isoformat() if variation.requested_on else "",
        "decided_on": variation.decided_on.isoformat() if variation.decided_on else "",
        "old_end_date": variation.old_end_date.isoformat() if variation.old_end_date else "",
        "new_end_date": variation.new_end_date.isoformat() if variation.new_end_date else "",
        "new_scope": variation.new_scope,
        "decision": variation.decision.reference if variation.decision_id else "",
    }


def _next_number(award: Award, variation: Variation | None) -> int:
    # Letters are numbered within their variation, agreements within the award.
    stored = Agreement.objects.filter(award=award, variation=variation)
    return (stored.aggregate(last=Max("number"))["last"] or 0) + 1


def _title(template: AgreementTemplate, award: Award, variation: Variation | None) -> str:
    about = f"variation {variation.reference}" if variation else award.reference
    return f"{template.get_kind_display()}: {award.title} ({about})"[:300]


def issue_figures(
    *, award: Award, template: AgreementTemplate, variation: Variation | None, special_conditions: str, number: int
) -> dict[str, Any]:
    """What the agreement states, merged: the award's figures now, the agreement's own details,
    the variation's, and the template's wording and conditions with their merge fields filled."""
    figures = award_figures(award)
    figures["agreement"] = {
        "number": number,
        "kind": template.kind,
        "kind_label": template.get_kind_display(),
        "title": _title(template, award, variation),
        "template": template.name,
        "issued_on": clock.today().isoformat(),
    }
    figures["variation"] = _variation_figures(variation) if variation else None
    figures["terms"] = merge(template.terms, figures)
    figures["standard_conditions"] = merge(template.special_conditions, figures)
    figures["special_conditions"] = merge(special_conditions, figures)
    return figures


def _supersede_live(*, award: Award, variation: Variation | None, actor, number: int) -> None:
    live = Agreement.objects.filter(award=award, variation=variation, status__in=LIVE_AGREEMENT_STATUSES)
    for agreement in live:

        def apply(move, agreement=agreement):
            move.obj.ended_at = clock.now()
            move.obj.ended_reason = f"Superseded by version {number}."

        run(
            AGREEMENT_MACHINE,
            agreement,
            "supersede",
            actor=actor,
            lock=lambda obj: lock_for_update(obj, expected_version=None),
            apply=apply,
        )


def write_files(agreement: Agreement) -> None:
    """Write the agreement's PDF and DOCX from its figures, and the PDF's checksum."""
    pdf = documents.agreement_pdf(agreement)
    agreement.pdf.save(documents.file_name(agreement, "pdf"), ContentFile(pdf), save=False)
    docx = documents.agreement_docx(agreement)
    agreement.docx.save(documents.file_name(agreement, "docx"), ContentFile(docx), save=False)
    agreement.checksum = hashlib.sha256(pdf).hexdigest()


@transaction.atomic
def agreement_issue(
    *, actor, award: Award, template: AgreementTemplate, special_conditions: str = "", variation=None
) -> Agreement:
    """Issue the award's next agreement (or, with ``variation``, the variation's next letter)
    from ``template``: its figures are the award's now, it supersedes the live one, and its PDF
    and DOCX are written."""
    require_capability(actor, "agreements.edit")
    award = lock_award(award)
    errors: Errors = {}
    special_conditions = clean_text(special_conditions)
    _check_issue(award=award, template=template, variation=variation, errors=errors)
    check_fields(special_conditions, errors, field="special_conditions")
    raise_if_errors(errors)
    number = _next_number(award, variation)
    _supersede_live(award=award, variation=variation, actor=actor, number=number)
    figures = issue_figures(
        award=award, template=template, variation=variation, special_conditions=special_conditions, number=number
    )
    agreement = Agreement(
        award=award,
        variation=variation,
        template=template,
        kind=template.kind,
        number=number,
        title=figures["agreement"]["title"],
        special_conditions=special_conditions,
        figures=figures,
        issued_at=clock.now(),
        issued_by=actor,
    )
    write_files(agreement)
    attribute_to(agreement, actor)
    agreement.save()
    return agreement


@transaction.atomic
def agreement_withdraw(*, actor, agreement: Agreement, reason: str) -> Agreement:
    """Withdraw an agreement not yet countersigned (issued in error, say), with the reason.
    The award then has no live agreement until a new one is issued."""
    require_capability(actor, "agreements.edit")
    errors: Errors = {}
    check_award_open(agreement.award, errors, field="reason", doing="changed")
    raise_if_errors(errors)
    reason = clean_text(reason)

    def apply(move):
        move.obj.ended_at = clock.now()
        move.obj.ended_reason = reason

    return run(
        AGREEMENT_MACHINE,
        agreement,
        "withdraw",
        actor=actor,
        context={"reason": reason},
        lock=lambda obj: lock_for_update(obj, expected_version=None),
        apply=apply,
    )
