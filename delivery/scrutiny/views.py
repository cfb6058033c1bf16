"""The board's scrutiny pages: meetings (the list, recording one from an accepted update round,
one meeting, correcting it, recording the plan's version its amendments made) and a plan's
versions (the list, one version with what it changed). Thin: permission, a selector or a
service, a template. Board members and finance read; only officers write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.transitions import available
from pcc_commissioning.web import form_data, show_errors

from ..models import PlanStatus
from ..plans.transitions import PLAN_MACHINE
from ..plans.versions import plan_version_make
from . import selectors, services
from .forms import MeetingEditForm, MeetingForm, VersionMakeForm

PAGE_SIZE = 25
MOVE_URLS = {
    "publish": "delivery:plan_publish",
    "unpublish": "delivery:plan_unpublish",
    "archive": "delivery:plan_archive",
}


# Meetings ------------------------------------------------------------------------------------


@capability_required("delivery.view")
def meeting_list(request):
    page_obj = page_of(selectors.meeting_list(), number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "delivery/meeting_list.html",
        {"section": "delivery", "page_obj": page_obj, "meetings": page_obj.object_list},
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def meeting_create(request, round_pk: int):
    update_round = selectors.round_for_meeting(round_pk)
    form = MeetingForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(actor=request.user, update_round=update_round, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, meeting, f"The {meeting.board_label}'s meeting has been recorded.")
            return redirect("delivery:meeting", pk=meeting.pk)
    return render(
        request,
        "delivery/meeting_form.html",
        {
            "section": "delivery",
            "form": form,
            "update_round": update_round,
            "accepted": selectors.is_accepted(update_round),
        },
    )


@capability_required("delivery.view")
def meeting_detail(request, pk: int):
    meeting = selectors.meeting_detail(pk)
    plan = meeting.update_round.plan
    made = list(meeting.plan_versions.all())
    can_edit = has_capability(request.user, "delivery.edit")
    return render(
        request,
        "delivery/meeting_detail.html",
        {
            "section": "delivery",
            "meeting": meeting,
            "update_round": meeting.update_round,
            "plan": plan,
            "made": [(version, selectors.version_differences(version)) for version in made],
            "pending": selectors.pending_differences(plan) if can_edit and not made else None,
            "next_number": plan.edition + 1,
            "can_make_version": can_edit and not made and plan.status != PlanStatus.ARCHIVED,
            "version_form": VersionMakeForm(),
            "decisions": selectors.round_decisions(meeting.update_round),
            "can_edit": can_edit,
            "can_prepare_decision": has_capability(request.user, "grants.edit"),
        },
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int):
    meeting = selectors.meeting_detail(pk)
    initial = {name: getattr(meeting, name) for name in services.MEETING_FIELDS}
    initial["version"] = meeting.version
    form = MeetingEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            services.meeting_update(actor=request.user, meeting=meeting, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, "The meeting's record has been updated.")
            return redirect("delivery:meeting", pk=meeting.pk)
    return render(
        request,
        "delivery/meeting_form.html",
        {
            "section": "delivery",
            "form": form,
            "update_round": meeting.update_round,
            "meeting": meeting,
            "accepted": True,
        },
    )


@capability_required("delivery.edit")
@require_POST
def meeting_version_make(request, pk: int):
    """Record the plan as it stands now (the officer has made the meeting's amendments to it) as
    its next version, made by this meeting."""
    meeting = selectors.meeting_detail(pk)
    form = VersionMakeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        version = plan_version_make(actor=request.user, plan=meeting.update_round.plan, meeting=meeting, note=note)
    except ValidationError as exc:
        show_errors(request, exc, name_fields=True)
    else:
        messages.success(
            request, f"Version {version.number} of plan {meeting.update_round.plan.reference} has been recorded."
        )
    return redirect("delivery:meeting", pk=meeting.pk)


# Versions ------------------------------------------------------------------------------------


@capability_required("delivery.view")
def version_list(request, pk: int):
    plan = selectors.plan_for_versions(pk)
    moves = available(PLAN_MACHINE, state=plan.status, actor=request.user)
    return render(
        request,
        "delivery/version_list.html",
        {
            "section": "delivery",
            "plan": plan,
            "versions": selectors.plan_versions(plan),
            "moves": [(move, MOVE_URLS[move.name]) for move in moves],
        },
    )


@capability_required("delivery.view")
def version_detail(request, pk: int, number: int):
    plan = selectors.plan_for_versions(pk)
    version = selectors.plan_version(plan, number)
    return render(
        request,
        "delivery/version_detail.html",
        {
            "section": "delivery",
            "plan": plan,
            "version": version,
            "differences": selectors.version_differences(version),
        },
    )
