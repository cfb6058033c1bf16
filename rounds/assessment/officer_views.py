"""Officers' pages of the panel: its members, invitations and assignments, and each member's
progress with a button to chase them. Thin: check, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data, link_base, show_errors

from ..models import AssessorInvitation, Assignment, PanelMember
from ..setup.pages import round_context
from ..setup.selectors import access_round
from . import panel, selectors
from .forms import AssessorInviteForm, MemberAddForm


def _panel_page(request, round, *, add_form=None, invite_form=None, status=200):
    return render(
        request,
        "rounds/assessment/panel.html",
        round_context(
            request,
            round,
            current="rounds:panel",
            members=selectors.panel_members(round),
            invitations=selectors.pending_invitations(round),
            assignments=selectors.assignments_of_round(round),
            assessable=selectors.assessable_applications(round).count(),
            can_manage=has_capability(request.user, "rounds.panel") and round.status not in panel.DECIDED,
            add_form=add_form or MemberAddForm(selectors.panel_candidates(round)),
            invite_form=invite_form or AssessorInviteForm(),
        ),
        status=status,
    )


@require_GET
@capability_required("rounds.view")
def panel_page(request, reference: str):
    return _panel_page(request, access_round(request.user, reference))


@require_POST
@capability_required("rounds.panel")
def member_add(request, reference: str):
    round = access_round(request.user, reference, capability="rounds.panel")
    form = MemberAddForm(selectors.panel_candidates(round), form_data(request))
    if form.is_valid():
        try:
            member = panel.panel_member_add(actor=request.user, round=round, user=form.cleaned_data["user"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{member.user.display_name} is on the panel.")
            return redirect("rounds:panel", reference=round.reference)
    return _panel_page(request, round, add_form=form, status=400)


@require_POST
@capability_required("rounds.panel")
def assessor_invite(request, reference: str):
    round = access_round(request.user, reference, capability="rounds.panel")
    form = AssessorInviteForm(form_data(request))
    if form.is_valid():
        try:
            invitation = panel.assessor_invite(
                actor=request.user, round=round, link_base=link_base(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"An invitation has been sent to {invitation.email}.")
            return redirect("rounds:panel", reference=round.reference)
    return _panel_page(request, round, invite_form=form, status=400)


def _act(request, round, action, success: str, *, to: str = "rounds:panel"):
    try:
        action()
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, success)
    return redirect(to, reference=round.reference)


@require_POST
@capability_required("rounds.panel")
def invitation_withdraw(request, reference: str, pk: int):
    round = access_round(request.user, reference, capability="rounds.panel")
    invitation = get_object_or_404(AssessorInvitation, round=round, pk=pk)
    return _act(
        request,
        round,
        lambda: panel.assessor_invitation_withdraw(actor=request.user, invitation=invitation),
        f"The invitation to {invitation.email} has been withdrawn.",
    )


@require_POST
@capability_required("rounds.panel")
def member_remove(request, reference: str, pk: int):
    round = access_round(request.user, reference, capability="rounds.panel")
    member = get_object_or_404(PanelMember.objects.select_related("user"), round=round, pk=pk)
    return _act(
        request,
        round,
        lambda: panel.panel_member_remove(actor=request.user, member=member),
        f"{member.user.display_name} is no longer on the panel.",
    )


@require_POST
@capability_required("rounds.panel")
def assign_all(request, reference: str):
    round = access_round(request.user, reference, capability="rounds.panel")
    return _act(
        request,
        round,
        lambda: panel.assign_all(actor=request.user, round=round),
        "Every assessable application is assigned to every panel member.",
    )


@require_POST
@capability_required("rounds.panel")
def assignment_remove(request, reference: str, pk: int):
    round = access_round(request.user, reference, capability="rounds.panel")
    found = get_object_or_404(Assignment.objects.select_related("application"), member__round=round, pk=pk)
    return _act(
        request,
        round,
        lambda: panel.assignment_remove(actor=request.user, assignment=found),
        f"{found.application.reference} is no longer assigned to that panel member.",
    )


@require_GET
@capability_required("rounds.view")
def progress(request, reference: str):
    round = access_round(request.user, reference)
    return render(
        request,
        "rounds/assessment/progress.html",
        round_context(
            request,
            round,
            current="rounds:progress",
            members=selectors.progress(round),
            can_chase=has_capability(request.user, "rounds.panel") and round.status not in panel.DECIDED,
        ),
    )


@require_POST
@capability_required("rounds.panel")
def member_chase(request, reference: str, pk: int):
    round = access_round(request.user, reference, capability="rounds.panel")
    member = get_object_or_404(PanelMember.objects.select_related("user"), round=round, pk=pk)
    return _act(
        request,
        round,
        lambda: panel.member_chase(actor=request.user, member=member, link_base=link_base(request)),
        f"A reminder has been sent to {member.user.display_name}.",
        to="rounds:progress",
    )
