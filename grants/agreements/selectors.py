"""Reading agreements and their templates, with who may see what."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from grants.models import Agreement, AgreementKind, AgreementStatus, AgreementTemplate, Award
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require

# What a provider's own users may read: the agreement in force and the versions before it (a
# withdrawn one was never in force).
PROVIDER_VISIBLE = (
    AgreementStatus.ISSUED,
    AgreementStatus.ACCEPTED,
    AgreementStatus.COUNTERSIGNED,
    AgreementStatus.SUPERSEDED,
)


def template_list() -> QuerySet[AgreementTemplate]:
    return AgreementTemplate.objects.order_by("-is_active", "kind", "name")


def template_detail(pk: int) -> AgreementTemplate:
    template = AgreementTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise Http404("No such agreement template.")
    return template


def issuable_templates() -> QuerySet[AgreementTemplate]:
    """The templates in use an award's agreement may be issued from (variation letters are
    issued from their variation)."""
    return AgreementTemplate.objects.filter(is_active=True).exclude(kind=AgreementKind.VARIATION_LETTER)


def award_agreements(award: Award) -> QuerySet[Agreement]:
    """The award's agreements and variation letters, newest first (one query)."""
    return (
        Agreement.objects.filter(award=award)
        .select_related("issued_by", "variation", "template")
        .order_by("variation_id", "-number")
    )


def latest_agreement(award: Award) -> Agreement | None:
    """The award's latest agreement as issued (not a variation letter; a withdrawn one is not in force)."""
    return (
        Agreement.objects.filter(award=award, variation__isnull=True)
        .exclude(status=AgreementStatus.WITHDRAWN)
        .order_by("-number")
        .first()
    )


def access_agreement(user, pk: int) -> Agreement:
    """The agreement ``pk`` if ``user`` may read it: internal roles (``grants.view``) any; a
    provider user its own organisation's, in force or superseded (any other is 404, so its
    existence is not revealed); everyone else is refused."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    agreement = Agreement.objects.select_related("award", "variation").filter(pk=pk).first()
    if is_provider_user(user):
        organisation_id = provider_organisation_id(user)
        if (
            agreement is None
            or organisation_id is None
            or agreement.award.provider_id != organisation_id
            or agreement.status not in PROVIDER_VISIBLE
        ):
            raise Http404("No such agreement.")
        return agreement
    require(user, "grants.view")
    if agreement is None:
        raise Http404("No such agreement.")
    return agreement
