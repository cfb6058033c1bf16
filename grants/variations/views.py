"""Variation pages for the OPCC: an award's variations (and raising one), each variation with
its approval steps, and the list of every variation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from grants.awards import selectors as awards_selectors
from grants.pages import PAGE_SIZE, page_context
from grants.variations import selectors, services
from grants.variations.forms import (
    ApproveForm,
    FilterForm,
    LinkDecisionForm,
    ReasonForm,
    VariationForm,
    error_field,
)
from grants.variations.rules import decision_problem
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data


@capability_required("grants.view")
@require_http_methods(["GET", "POST"])
@create_once
def award_variations(request, pk: int):
    """The award's variations and versions, with the form to raise one (for those who may)."""
    award = awards_selectors.access_award(request.user, pk)
    may_raise = has_capability(request.user, "variations.request")
    if request.method == "POST" and not may_raise:
        raise PermissionDenied("Your role does not allow this (variations.request).")
    form = VariationForm(form_data(request), award=award) if may_raise else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            variation = services.variation_request(actor=request.user, award=award, **form.proposal())
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True, field_for=error_field)
        else:
            saved(request, variation, f"Variation {variation.reference} has been raised.")
            return redirect("grants:variation_detail", pk=variation.pk)
    return render(
        request,
        "grants/variations/award_variations.html",
        page_context(
            request,
            award=award,
            form=form,
            variations=selectors.award_variations(award),
            versions=selectors.award_versions(award),
        ),
    )


def _forms(request, variation, *, bound: str = "", form=None) -> dict:
    """The step forms the viewer may use, one of them ``bound`` (the one just sent, with errors)."""
    actions = selectors.actions_for(request.user, variation)
    initial = {"version": variation.version}
    final = actions.approve is not None and actions.approve.target == "approved"
    forms = {
        "approve_form": ApproveForm(initial=initial, letters=final) if actions.approve else None,
        "decline_form": ReasonForm(initial=initial, prefix="decline") if actions.decline else None,
        "withdraw_form": ReasonForm(initial=initial, prefix="withdraw") if actions.withdraw else None,
        "decision_form": LinkDecisionForm(initial=initial) if actions.link_decision else None,
    }
    if bound:
        forms[bound] = form
    return {"actions": actions, "error_form": form if bound else None, **forms}


def _detail(request, variation, status: int = 200, **extra):
    context = page_context(
        request,
        variation=variation,
        award=variation.award,
        rows=selectors.proposal_rows(variation),
        versions=selectors.award_versions(variation.award),
        waiting=decision_problem(variation) if variation.status == "awaiting_decision" else None,
        **(extra or _forms(request, variation)),
    )
    return render(request, "grants/variations/variation_detail.html", context, status=status)


@capability_required("grants.view")
def variation_detail(request, pk: int):
    return _detail(request, selectors.access_variation(request.user, pk))


_STEPS = {
    # name: (form, its prefix, its key on the page)
    "approve": (ApproveForm, None, "approve_form"),
    "decline": (ReasonForm, "decline", "decline_form"),
    "withdraw": (ReasonForm, "withdraw", "withdraw_form"),
    "link_decision": (LinkDecisionForm, None, "decision_form"),
}


def _act(step: str, request, variation, data: dict):
    version = data.pop("version")
    if step == "approve":
        return services.variation_approve(
            actor=request.user,
            variation=variation,
            note=data.get("note", ""),
            letter_template=data.get("letter_template"),
            expected_version=version,
        )
    if step == "link_decision":
        return services.variation_link_decision(
            actor=request.user, variation=variation, decision=data["decision"], expected_version=version
        )
    service = services.variation_decline if step == "decline" else services.variation_withdraw
    return service(actor=request.user, variation=variation, reason=data["reason"], expected_version=version)


def _step(request, pk: int, step: str):
    variation = selectors.access_variation(request.user, pk)
    form_class, prefix, key = _STEPS[step]
    kwargs = {"letters": True} if step == "approve" else {}
    form = form_class(request.POST, prefix=prefix, **kwargs)
    if form.is_valid():
        try:
            done = _act(step, request, variation, dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"Variation {done.reference} is now {done.get_status_display().lower()}.")
            return redirect("grants:variation_detail", pk=done.pk)
    return _detail(request, variation, status=400, **_forms(request, variation, bound=key, form=form))


@capability_required("grants.view")
@require_POST
def variation_approve(request, pk: int):
    return _step(request, pk, "approve")


@capability_required("grants.view")
@require_POST
def variation_decline(request, pk: int):
    return _step(request, pk, "decline")


@capability_required("grants.view")
@require_POST
def variation_withdraw(request, pk: int):
    return _step(request, pk, "withdraw")


@capability_required("grants.view")
@require_POST
def variation_link_decision(request, pk: int):
    return _step(request, pk, "link_decision")


@capability_required("grants.view")
def variation_list(request):
    form = FilterForm(request.GET or None)
    status = kind = ""
    if form.is_valid():
        status, kind = form.cleaned_data["status"], form.cleaned_data["kind"]
    page_obj = page_of(
        selectors.variation_list(status=status, kind=kind), number=request.GET.get("page"), per_page=PAGE_SIZE
    )
    return render(
        request,
        "grants/variations/variation_list.html",
        page_context(
            request, filter_form=form, filtered=bool(status or kind), page_obj=page_obj, variations=page_obj.object_list
        ),
    )
