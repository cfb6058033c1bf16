"""Decision register pages: list, detail, record, edit, sign and publish."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from grants.decisions import selectors as decisions_selectors
from grants.decisions import services as decisions_services
from grants.decisions.filters import DecisionFilter
from grants.decisions.forms import (
    DecisionActionForm,
    DecisionEditForm,
    DecisionForm,
    DecisionForUpdateForm,
    DecisionPublishForm,
)
from grants.models import DecisionStatus
from grants.pages import PAGE_SIZE, page_context
from pcc_commissioning import clock
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data, show_errors


# Decisions -------------------------------------------------------------------------------------------
@capability_required("grants.view")
def decision_list(request):
    filterset = DecisionFilter(request.GET or None)
    queryset = decisions_selectors.decision_list(**filterset.selector_arguments())
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "grants/decision_list.html",
        page_context(
            request,
            filter_form=filterset.form,
            filtered=filterset.is_filtered,
            page_obj=page_obj,
            decisions=page_obj.object_list,
        ),
    )


@capability_required("grants.view")
def decision_detail(request, pk: int):
    decision = decisions_selectors.decision_detail(pk)
    return render(
        request,
        "grants/decision_detail.html",
        page_context(
            request,
            decision=decision,
            awards=decisions_selectors.decision_awards(decision),
            action_form=DecisionActionForm(initial={"version": decision.version}),
            monitored=decisions_selectors.decision_monitored_update(decision),
        ),
    )


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def decision_monitoring_prepare(request, round_pk: int):
    """Prepare the draft decision recording that the Commissioner monitored a delivery plan's
    update (reached from the board meeting's page)."""
    update_round = decisions_selectors.update_round_to_monitor(round_pk)
    form = DecisionForUpdateForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            decision = decisions_services.decision_prepare_for_update(
                actor=request.user, update_round=update_round, reference=form.cleaned_data["reference"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, decision, f"Decision {decision.reference} has been prepared as a draft.")
            return redirect("grants:decision_detail", pk=decision.pk)
    return render(
        request,
        "grants/decision_for_update.html",
        page_context(request, form=form, update_round=update_round),
    )


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def decision_create(request):
    form = DecisionForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            decision = decisions_services.decision_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, decision, f"Decision {decision.reference} has been added as a draft.")
            return redirect("grants:decision_detail", pk=decision.pk)
    return render(request, "grants/decision_form.html", page_context(request, form=form))


_DECISION_EDITABLE = (
    "reference",
    "subject",
    "summary",
    "decision_text",
    "decided_on",
    "amount",
    "decision_maker",
    "declaration_of_interests",
    "contact_officer",
    "background_papers",
)


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def decision_edit(request, pk: int):
    decision = decisions_selectors.decision_detail(pk)
    if decision.status != DecisionStatus.DRAFT:
        messages.error(
            request,
            f"Decision {decision.reference} is {decision.get_status_display().lower()}: "
            "a signed decision is a record and cannot be changed.",
        )
        return redirect("grants:decision_detail", pk=decision.pk)
    initial = {name: getattr(decision, name) for name in _DECISION_EDITABLE}
    initial["version"] = decision.version
    form = DecisionEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            decisions_services.decision_update(
                decision=decision, actor=request.user, expected_version=expected_version, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"Decision {fields['reference']} has been updated.")
            return redirect("grants:decision_detail", pk=decision.pk)
    return render(request, "grants/decision_form.html", page_context(request, form=form, decision=decision))


def _decision_action(request, pk: int, action, done: str):
    decision = decisions_selectors.decision_detail(pk)
    form = DecisionActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, STALE_MESSAGE)
        return redirect("grants:decision_detail", pk=decision.pk)
    try:
        decision = action(decision=decision, actor=request.user, expected_version=form.cleaned_data["version"])
    except ValidationError as exc:
        show_errors(request, exc, name_fields=True)
    else:
        messages.success(request, f"Decision {decision.reference} {done}.")
    return redirect("grants:decision_detail", pk=decision.pk)


@capability_required("grants.edit")
@require_POST
def decision_sign(request, pk: int):
    return _decision_action(request, pk, decisions_services.decision_sign, "is recorded as signed")


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def decision_publish(request, pk: int):
    """Record the day the decision was published: the officer chooses it (today by default)."""
    decision = decisions_selectors.decision_detail(pk)
    if decision.status != DecisionStatus.SIGNED:
        state = (
            "must be signed before it is published"
            if decision.status == DecisionStatus.DRAFT
            else "is already published"
        )
        messages.error(request, f"Status: Decision {decision.reference} {state}.")
        return redirect("grants:decision_detail", pk=decision.pk)
    form = DecisionPublishForm(form_data(request), initial={"version": decision.version, "published_on": clock.today()})
    if request.method == "POST" and form.is_valid():
        try:
            decision = decisions_services.decision_publish(
                decision=decision,
                actor=request.user,
                published_on=form.cleaned_data["published_on"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(
                request, f"Decision {decision.reference} is recorded as published on {decision.published_on:%-d %B %Y}."
            )
            return redirect("grants:decision_detail", pk=decision.pk)
    return render(request, "grants/decision_publish.html", page_context(request, form=form, decision=decision))
