"""The provider portal's variations: a provider user asks to vary one of its organisation's
awards, reads its own variations and may withdraw one it raised. Another organisation's award or
variation is 404, as everywhere in the portal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from grants.awards import selectors as awards_selectors
from grants.variations import selectors as variation_selectors
from grants.variations import services as variation_services
from grants.variations.forms import ReasonForm, VariationForm, error_field
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.roles import capability_required, provider_organisation_id
from pcc_commissioning.web import form_data
from providers import selectors as provider_selectors


def _organisation(request):
    organisation_id = provider_organisation_id(request.user)
    if organisation_id is None:
        raise Http404("Your account is not linked to an organisation.")
    return provider_selectors.organisation_detail(organisation_id)


def _context(organisation, **extra) -> dict:
    return {"section": "portal", "organisation": organisation, "portal_tab": "home", **extra}


@capability_required("portal.view")
@require_http_methods(["GET", "POST"])
@create_once
def variation_create(request, pk: int):
    """Ask for a change to one of the organisation's awards (the OPCC decides)."""
    organisation = _organisation(request)
    award = awards_selectors.access_award(request.user, pk)
    form = VariationForm(form_data(request), award=award, portal=True)
    if request.method == "POST" and form.is_valid():
        try:
            variation = variation_services.variation_request(actor=request.user, award=award, **form.proposal())
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True, field_for=error_field)
        else:
            saved(request, variation, f"Your request {variation.reference} has been sent to the commissioning team.")
            return redirect("portal:variation", pk=variation.pk)
    return render(
        request,
        "portal/variations/variation_form.html",
        _context(organisation, award=award, form=form, variations=variation_selectors.award_variations(award)),
    )


def _page(request, variation, *, form=None, status: int = 200):
    actions = variation_selectors.actions_for(request.user, variation)
    if form is None and actions.withdraw:
        form = ReasonForm(initial={"version": variation.version}, prefix="withdraw")
    return render(
        request,
        "portal/variations/variation_detail.html",
        _context(
            _organisation(request),
            variation=variation,
            award=variation.award,
            rows=variation_selectors.proposal_rows(variation),
            withdraw_form=form if actions.withdraw else None,
        ),
        status=status,
    )


@capability_required("portal.view")
def variation_detail(request, pk: int):
    return _page(request, variation_selectors.access_variation(request.user, pk))


@capability_required("portal.view")
@require_POST
def variation_withdraw(request, pk: int):
    variation = variation_selectors.access_variation(request.user, pk)
    if not variation_selectors.actions_for(request.user, variation).withdraw:
        raise PermissionDenied("Only the person who raised the request may withdraw it.")
    form = ReasonForm(request.POST, prefix="withdraw")
    if form.is_valid():
        try:
            done = variation_services.variation_withdraw(
                actor=request.user,
                variation=variation,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"Your request {done.reference} has been withdrawn.")
            return redirect("portal:variation", pk=done.pk)
    return _page(request, variation, form=form, status=400)
