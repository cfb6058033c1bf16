"""A Partner contributor's pages (under /contribute/, namespace ``contribute``): the activities
they lead in open rounds, to write, and earlier ones to read. Every page checks
``delivery.contribute`` and, for an update, that they lead its activity (``access``); an
officer writing a lead's update does it through the same page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data, form_files, show_errors

from ..models import UpdateEvidence, UpdateRoundStatus
from . import selectors, services
from .access import access_activity_update, is_officer
from .forms import ProgressUpdateForm
from .transitions import EDITABLE
from .views import evidence_response


def _require_contributor_or_officer(user) -> None:
    if not (has_capability(user, "delivery.contribute") or is_officer(user)):
        raise PermissionDenied("Your role does not allow this (delivery.contribute).")


@capability_required("delivery.contribute")
def home(request):
    current, earlier = selectors.contributor_home(request.user)
    return render(
        request,
        "delivery/updates/contribute_home.html",
        {"current": current, "earlier": earlier, "section": "contribute"},
    )


def _field_for(form):
    def field_for(name: str) -> str | None:
        return name if name in form.fields else None

    return field_for


@require_http_methods(["GET", "POST"])
def update(request, pk: int):
    _require_contributor_or_officer(request.user)
    progress_update = access_activity_update(request.user, pk)
    officer = is_officer(request.user)
    metrics = selectors.update_metrics(progress_update, with_objective=officer)
    editable = progress_update.update_round.status == UpdateRoundStatus.OPEN and progress_update.state in EDITABLE
    if request.method == "POST" and not editable:
        messages.error(request, f"This update is {progress_update.get_state_display().lower()}: it cannot change now.")
        return redirect("contribute:update", pk=pk)
    initial = {
        "version": progress_update.version,
        "progress": progress_update.progress,
        "narrative": progress_update.narrative,
    }
    for metric in metrics:
        if metric.round_value is not None:
            for name in ("value", "as_at", "comparison_value", "comparison_as_at"):
                initial[f"metric_{metric.pk}_{name}"] = getattr(metric.round_value, name)
    form = ProgressUpdateForm(form_data(request), form_files(request), metrics=metrics, initial=initial)
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        service = services.progress_update_submit if submit else services.progress_update_save
        evidence = [form.cleaned_data["evidence"]] if form.cleaned_data.get("evidence") else []
        try:
            saved = service(
                actor=request.user,
                update=progress_update,
                progress=form.cleaned_data["progress"],
                narrative=form.cleaned_data["narrative"],
                metric_values=form.metric_values(),
                evidence=evidence,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True, field_for=_field_for(form))
        else:
            if submit:
                messages.success(request, f"Your update on {saved.activity or saved.objective} has been submitted.")
                return redirect("contribute:home")
            messages.success(request, "Your update has been saved as a draft. Submit it when it is ready.")
            return redirect("contribute:update", pk=pk)
    return render(
        request,
        "delivery/updates/contribute_update.html",
        {
            "form": form,
            "update": progress_update,
            "round": progress_update.update_round,
            "plan": progress_update.update_round.plan,
            "metrics": metrics,
            "evidence": list(progress_update.evidence.all()),
            "editable": editable,
            "section": "contribute" if not officer else "delivery",
        },
    )


@require_POST
def evidence_remove(request, pk: int):
    _require_contributor_or_officer(request.user)
    evidence = get_object_or_404(UpdateEvidence, pk=pk)
    access_activity_update(request.user, evidence.update_id)
    update_id = evidence.update_id
    try:
        services.evidence_remove(actor=request.user, evidence=evidence)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, f"{evidence.original_name} has been removed.")
    return redirect("contribute:update", pk=update_id)


def evidence_download(request, pk: int):
    _require_contributor_or_officer(request.user)
    return evidence_response(request, pk)
