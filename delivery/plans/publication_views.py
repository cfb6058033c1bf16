"""The plan's publication moves (publish, take back to draft, archive): each a page of its own
that explains the move and asks to confirm it (so it works without JavaScript), the move made
on POST. Thin: permission, the service, a template."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data

from ..models import DeliveryPlan
from . import publication
from .transitions import PLAN_MACHINE

MOVES = {
    "publish": (publication.plan_publish, "Plan {ref} has been published."),
    "unpublish": (publication.plan_unpublish, "Plan {ref} is a draft again."),
    "archive": (publication.plan_archive, "Plan {ref} has been archived."),
}


def _plan_move(request, pk: int, move: str):
    plan = get_object_or_404(DeliveryPlan.objects.select_related("owner"), pk=pk)
    transition = PLAN_MACHINE.get(move)
    form = VersionedForm(form_data(request), initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        service, message = MOVES[move]
        try:
            service(actor=request.user, plan=plan, expected_version=form.cleaned_data["version"])
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, message.format(ref=plan.reference))
            return redirect("delivery:versions", pk=plan.pk)
    return render(
        request,
        "delivery/plan_move.html",
        {"section": "delivery", "plan": plan, "form": form, "transition": transition},
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def plan_publish(request, pk: int):
    return _plan_move(request, pk, "publish")


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def plan_unpublish(request, pk: int):
    return _plan_move(request, pk, "unpublish")


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def plan_archive(request, pk: int):
    return _plan_move(request, pk, "archive")
