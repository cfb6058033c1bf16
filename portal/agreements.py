"""The provider's agreements in the portal: read an agreement (its figures and terms, its PDF
and DOCX) and, for the organisation's authorised signatory, accept it.

An agreement is found only through the signed-in user's organisation: another organisation's
is 404, as every portal record is. What the signatory accepts is the document the page showed:
the form carries its checksum, and the service refuses an acceptance of any other."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from grants.agreements import acceptance
from grants.awards.selectors import PROVIDER_VISIBLE_STATUSES
from grants.models import Agreement, AgreementStatus
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.roles import capability_required, provider_organisation_id
from pcc_commissioning.web import form_data
from providers import selectors as provider_selectors
from providers.models import ProviderMembership


class AcceptForm(VersionedForm):
    name = forms.CharField(label="Your full name", max_length=200, error_messages={"required": "Enter your full name"})
    role = forms.CharField(
        label="Your role",
        max_length=200,
        help_text="For example, Chief Executive or Chair of trustees",
        error_messages={"required": "Enter your role"},
    )
    confirm = forms.BooleanField(
        label="I have read and accept this agreement on behalf of my organisation",
        error_messages={"required": "Confirm that you have read and accept the agreement"},
    )
    checksum = forms.CharField(widget=forms.HiddenInput, max_length=64)


def _organisation(request):
    organisation_id = provider_organisation_id(request.user)
    if organisation_id is None:
        raise Http404("Your account is not linked to an organisation.")
    return provider_selectors.organisation_detail(organisation_id)


def access_agreement(user, pk: int) -> Agreement:
    """Agreement ``pk`` if it is of an award the user's organisation may see (404 otherwise)."""
    organisation_id = provider_organisation_id(user)
    agreement = (
        Agreement.objects.select_related("award", "award__provider", "award__lead_officer", "accepted_by")
        .filter(
            pk=pk,
            variation__isnull=True,
            award__provider_id=organisation_id,
            award__status__in=list(PROVIDER_VISIBLE_STATUSES),
        )
        .first()
    )
    if organisation_id is None or agreement is None:
        raise Http404("No such agreement.")
    return agreement


def _money(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        return None


def signatories(organisation_id: int) -> list[str]:
    """The organisation's active authorised signatories, by name."""
    memberships = ProviderMembership.objects.filter(
        organisation_id=organisation_id, is_signatory=True, user__is_active=True
    ).select_related("user")
    return sorted(membership.user.display_name for membership in memberships)


def _is_signatory(user, agreement: Agreement) -> bool:
    membership = getattr(user, "provider_membership", None)
    return bool(membership and membership.is_signatory and membership.organisation_id == agreement.award.provider_id)


def _page(request, agreement: Agreement, form: AcceptForm | None):
    figures = agreement.figures or {}
    newer = acceptance.live_agreement(agreement.award) if agreement.status == AgreementStatus.SUPERSEDED else None
    return render(
        request,
        "portal/agreements/agreement.html",
        {
            "section": "portal",
            "organisation": _organisation(request),
            "portal_tab": "home",
            "award": agreement.award,
            "agreement": agreement,
            "figures": figures,
            "total": _money(figures.get("total")),
            "form": form,
            "newer": newer,
            "signatories": signatories(agreement.award.provider_id),
            "accepted": acceptance.accepted_label(agreement),
        },
    )


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
def agreement_detail(request, pk: int):
    agreement = access_agreement(request.user, pk)
    signatory = _is_signatory(request.user, agreement)
    if request.method == "POST" and not signatory:
        raise PermissionDenied("Only your organisation's authorised signatory may accept an agreement.")
    form = None
    if signatory and (agreement.status == AgreementStatus.ISSUED or request.method == "POST"):
        initial = {"name": request.user.get_full_name(), "checksum": agreement.checksum, "version": agreement.version}
        form = AcceptForm(form_data(request), initial=initial)
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accepted = acceptance.agreement_accept(
                actor=request.user,
                agreement=agreement,
                name=data["name"],
                role=data["role"],
                checksum=data["checksum"],
                expected_version=data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(
                request, f"You have accepted version {accepted.number} of the agreement for {accepted.award.reference}."
            )
            return redirect("portal:agreement", pk=accepted.pk)
    return _page(request, agreement, form)


@capability_required("portal.view")
def agreement_download(request, pk: int, kind: str):
    """The agreement's PDF or DOCX, served only here after the organisation check."""
    agreement = access_agreement(request.user, pk)
    stored = {"pdf": agreement.pdf, "docx": agreement.docx}.get(kind)
    if not stored:
        raise Http404("No such document.")
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    filename = f"{agreement.award.reference}-agreement-v{agreement.number}.{kind}"
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response
