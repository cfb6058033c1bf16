"""Officers' pages of the update cycle (namespace ``delivery``): opening a round from a plan, a
round's progress with each update's review, an update's page, and the Partner contributors.
Thin: permission, a selector or a service, a template. Board members and finance read them;
only officers see the buttons, and a POST from anyone else is refused."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from pcc_commissioning import clock
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.periods import due_date, half_of, period_code
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.transitions import available
from pcc_commissioning.web import form_data, link_base, show_errors

from ..models import Objective, UpdateEvidence, UpdateRoundStatus
from . import contributors, selectors, services
from .access import access_activity_update
from .forms import ChangesForm, ContributorInviteForm, MoveForm, UpdateRoundOpenForm
from .transitions import PROGRESS_UPDATE_MACHINE, UPDATE_ROUND_MACHINE

ROUND_MOVES = {
    "accept": services.update_round_accept,
    "reopen": services.update_round_reopen,
    "cancel": services.update_round_cancel,
}


def _next_half(plan) -> dict:
    """The next half year the plan has no round for, from the one today falls in (leads report
    on the half as it ends), due 31 days after it ends."""
    half = half_of(clock.today())
    taken = set(plan.update_rounds.values_list("period", flat=True))
    while period_code(half) in taken:
        half = half_of(half.end + datetime.timedelta(days=1))
    return {"period": period_code(half), "deadline": due_date(half, 31), "reminder_days": 7}


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def update_round_open(request, reference: str):
    plan = selectors.plan_by_reference(reference)
    form = UpdateRoundOpenForm(form_data(request), initial=_next_half(plan))
    if request.method == "POST" and form.is_valid():
        try:
            update_round = services.update_round_open(
                actor=request.user, plan=plan, link_base=link_base(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, update_round, f"The {update_round.period} update round is open: the leads have been asked.")
            return redirect("delivery:update_round", pk=update_round.pk)
    return render(
        request,
        "delivery/updates/round_open.html",
        {"form": form, "plan": plan, "rounds": selectors.rounds_of(plan), "section": "delivery"},
    )


@capability_required("delivery.view")
def update_round(request, pk: int):
    update_round = selectors.update_round_for(pk)
    progress = selectors.round_progress(update_round)
    can_edit = has_capability(request.user, "delivery.edit")
    moves = available(UPDATE_ROUND_MACHINE, state=update_round.status, actor=request.user)
    moves = [move for move in moves if move.name != "consider"]  # recorded by the board meeting
    if not progress.all_accepted:
        moves = [move for move in moves if move.name != "accept"]
    meetings = selectors.round_meetings(update_round)
    decisions = selectors.round_decisions(update_round)
    scrutinised = update_round.status in (UpdateRoundStatus.ACCEPTED, UpdateRoundStatus.CONSIDERED)
    return render(
        request,
        "delivery/updates/round.html",
        {
            "round": update_round,
            "plan": update_round.plan,
            "progress": progress,
            "can_edit": can_edit and update_round.status == "open",
            "moves": moves,
            "meetings": meetings,
            "decisions": decisions,
            "can_record_meeting": can_edit and update_round.status == UpdateRoundStatus.ACCEPTED,
            "can_prepare_decision": scrutinised
            and not decisions
            and has_capability(request.user, "delivery.edit")
            and has_capability(request.user, "grants.edit"),
            "section": "delivery",
        },
    )


@capability_required("delivery.edit")
@require_POST
def update_round_move(request, pk: int, move: str):
    update_round = selectors.update_round_for(pk)
    service = ROUND_MOVES.get(move)
    if service is None:
        raise Http404("No such move.")
    form = MoveForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        moved = service(actor=request.user, update_round=update_round, expected_version=version)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, f"The {moved.period} update round is now {moved.get_status_display().lower()}.")
    return redirect("delivery:update_round", pk=pk)


@capability_required("delivery.edit")
@require_POST
def objective_update_start(request, pk: int, objective_pk: int):
    """An objective's own update (the officer's summary of it): made, then written like a lead's."""
    update_round = selectors.update_round_for(pk)
    objective = get_object_or_404(Objective, pk=objective_pk, plan_id=update_round.plan_id)
    try:
        update = services.objective_update_get_or_create(
            actor=request.user, update_round=update_round, objective=objective
        )
    except ValidationError as exc:
        show_errors(request, exc)
        return redirect("delivery:update_round", pk=pk)
    return redirect("contribute:update", pk=update.pk)


@capability_required("delivery.view")
def update_detail(request, pk: int):
    update = access_activity_update(request.user, pk)
    officer = has_capability(request.user, "delivery.edit")
    moves = [m.name for m in available(PROGRESS_UPDATE_MACHINE, state=update.state, actor=request.user)]
    return render(
        request,
        "delivery/updates/update.html",
        {
            "update": update,
            "round": update.update_round,
            "plan": update.update_round.plan,
            "evidence": list(update.evidence.all()),
            "metrics": selectors.update_metrics(update, with_objective=True),
            "can_review": officer and update.update_round.status == "open",
            "can_accept": "accept" in moves and update.state == "submitted",
            "can_ask": "request_changes" in moves and update.state in ("submitted", "accepted"),
            "changes_form": ChangesForm(initial={"version": update.version}),
            "section": "delivery",
        },
    )


@capability_required("delivery.edit")
@require_POST
def update_accept(request, pk: int):
    update = access_activity_update(request.user, pk)
    form = MoveForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.progress_update_accept(actor=request.user, update=update, expected_version=version)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, f"The update on {update.activity or update.objective} is accepted.")
    if request.POST.get("next") == "round":
        return redirect("delivery:update_round", pk=update.update_round_id)
    return redirect("delivery:update", pk=update.pk)


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def update_request_changes(request, pk: int):
    update = access_activity_update(request.user, pk)
    form = ChangesForm(form_data(request), initial={"version": update.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_update_request_changes(
                actor=request.user,
                update=update,
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
                link_base=link_base(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_for=lambda name: "comment" if name == "officer_comment" else None)
        else:
            messages.success(request, "The lead has been asked for changes.")
            return redirect("delivery:update_round", pk=update.update_round_id)
    return render(
        request,
        "delivery/updates/request_changes.html",
        {"form": form, "update": update, "round": update.update_round, "section": "delivery"},
    )


@capability_required("delivery.view")
def evidence_download(request, pk: int):
    return evidence_response(request, pk)


def evidence_response(request, pk: int):
    """Evidence is only ever served here, after the update's own permission check."""
    evidence = get_object_or_404(UpdateEvidence.objects.only("update_id", "file", "original_name"), pk=pk)
    access_activity_update(request.user, evidence.update_id)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


# Partner contributors --------------------------------------------------------------------------


@capability_required("delivery.view")
def contributor_list(request):
    return render(
        request,
        "delivery/updates/contributors.html",
        {
            "contributors": contributors.contributors_with_activities(),
            "can_edit": has_capability(request.user, "delivery.edit"),
            "section": "delivery",
        },
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def contributor_invite(request):
    form = ContributorInviteForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = contributors.contributor_invite(
                actor=request.user, link_base=link_base(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, user, f"{user.display_name} has been e-mailed a link to choose a password.")
            return redirect("delivery:contributors")
    return render(request, "delivery/updates/contributor_invite.html", {"form": form, "section": "delivery"})


@capability_required("delivery.edit")
@require_POST
def contributor_switch(request, pk: int, on: bool):
    user = get_object_or_404(contributors.contributors_list(), pk=pk)
    service = contributors.contributor_reactivate if on else contributors.contributor_deactivate
    try:
        changed = service(actor=request.user, user=user)
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        state = "switched back on" if changed.is_active else "switched off"
        messages.success(request, f"{changed.display_name}'s account is {state}.")
    return redirect("delivery:contributors")


@capability_required("delivery.edit")
@require_POST
def contributor_resend(request, pk: int):
    user = get_object_or_404(contributors.contributors_list(), pk=pk)
    try:
        contributors.contributor_invite_resend(actor=request.user, user=user, link_base=link_base(request))
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, f"{user.display_name} has been e-mailed a new link to choose a password.")
    return redirect("delivery:contributors")
