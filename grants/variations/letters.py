"""The variation letter: issued from a template of the approver's choosing when a variation is
approved, through the agreements' own service (a letter is an agreement of the kind
"variation letter", made from the award's figures after the change)."""

from __future__ import annotations

from grants.models import AgreementTemplate, Variation
from pcc_commissioning.roles import has_capability


def variation_letter_issue(*, actor, variation: Variation, template: AgreementTemplate | None):
    """Issue the letter for ``variation`` from ``template`` (None: no letter); returns the
    agreement issued, or None when there is none or the agreements cannot issue yet."""
    if template is None:
        return None
    try:
        from grants.agreements.services import agreement_issue
    except ImportError:  # agreements issued from templates not installed: approve without a letter
        return None
    issuer = actor if actor is not None and has_capability(actor, "agreements.edit") else None
    return agreement_issue(actor=issuer, award=variation.award, template=template, variation=variation)
