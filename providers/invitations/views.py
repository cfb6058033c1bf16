"""The Users tab of an organisation's page and its actions (officers), and the public page
where an invited person accepts their invitation. Thin: check, call a selector or service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data, link_base, show_errors

from .. import selectors as provider_selectors
from .. import services as provider_services
from ..views import _organisation_context
from . import selectors, services
from .forms import InvitationAcceptForm, InvitationForm


@require_GET
@capability_required("providers.view")
def organisation_users(request, pk: int):
    organisation = provider_selectors.access_organisation(request.user, pk)
    return render(
        request,
        "providers/organisation_users.html",
        _organisation_context(
            request,
            organisation,
            current="providers:users",
            memberships=selectors.organisation_memberships(organisation),
            invitations=list(selectors.pending_invitations(organisation)),
            invitation_days=settings.INVITATION_DAYS,
        ),
    )


@capability_required("providers.edit")
@require_http_methods(["GET", "POST"])
@create_once
def invitation_create(request, pk: int):
    organisation = provider_selectors.access_organisation(request.user, pk, for_edit=True)
    form = InvitationForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                organisation=organisation, actor=request.user, link_base=link_base(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved(request, invitation, f"An invitation has been sent to {invitation.full_name} at {invitation.email}.")
            return redirect("providers:users", pk=organisation.pk)
    return render(
        request,
        "providers/invitation_form.html",
        {
            "form": form,
            "organisation": organisation,
            "section": "providers",
            "invitation_days": settings.INVITATION_DAYS,
        },
    )


def _done(request, organisation, action, success: str):
    """Run a Users-tab action; on refusal, its reason is shown as an error banner."""
    try:
        action()
    except ValidationError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, success)
    return redirect("providers:users", pk=organisation.pk)


@capability_required("providers.edit")
@require_POST
def invitation_resend(request, pk: int, invitation_pk: int):
    organisation = provider_selectors.access_organisation(request.user, pk, for_edit=True)
    invitation = selectors.invitation_for(organisation, invitation_pk)
    return _done(
        request,
        organisation,
        lambda: services.invitation_resend(invitation=invitation, actor=request.user, link_base=link_base(request)),
        f"The invitation to {invitation.email} has been sent again with a new link. The old link no longer works.",
    )


@capability_required("providers.edit")
@require_POST
def invitation_withdraw(request, pk: int, invitation_pk: int):
    organisation = provider_selectors.access_organisation(request.user, pk, for_edit=True)
    invitation = selectors.invitation_for(organisation, invitation_pk)
    return _done(
        request,
        organisation,
        lambda: services.invitation_withdraw(invitation=invitation, actor=request.user),
        f"The invitation to {invitation.email} has been withdrawn. Its link no longer works.",
    )


def _membership_action(request, pk: int, user_pk: int, service, success: str, **kwargs):
    organisation = provider_selectors.access_organisation(request.user, pk, for_edit=True)
    membership = selectors.membership_for(organisation, user_pk)
    name = membership.user.display_name
    return _done(
        request,
        organisation,
        lambda: service(membership=membership, actor=request.user, **kwargs),
        success.format(name=name, organisation=organisation.name),
    )


@capability_required("providers.edit")
@require_POST
def user_switch_off(request, pk: int, user_pk: int):
    return _membership_action(
        request,
        pk,
        user_pk,
        services.membership_switch_off,
        "{name}'s access has been switched off: they can no longer sign in.",
    )


@capability_required("providers.edit")
@require_POST
def user_switch_on(request, pk: int, user_pk: int):
    return _membership_action(
        request,
        pk,
        user_pk,
        services.membership_switch_on,
        "{name}'s access has been switched back on: they can sign in again.",
    )


@capability_required("providers.edit")
@require_POST
def user_lead_set(request, pk: int, user_pk: int):
    return _membership_action(
        request,
        pk,
        user_pk,
        services.membership_set_lead,
        "{name} is now a lead of {organisation}: they can invite colleagues.",
        is_lead=True,
    )


@capability_required("providers.edit")
@require_POST
def user_lead_unset(request, pk: int, user_pk: int):
    return _membership_action(
        request,
        pk,
        user_pk,
        services.membership_set_lead,
        "{name} is no longer a lead of {organisation}.",
        is_lead=False,
    )


@capability_required("providers.edit")
@require_POST
def user_signatory_set(request, pk: int, user_pk: int):
    return _membership_action(
        request,
        pk,
        user_pk,
        provider_services.membership_set_signatory,
        "{name} is now an authorised signatory of {organisation}: they can accept its grant agreements.",
        is_signatory=True,
    )


@capability_required("providers.edit")
@require_POST
def user_signatory_unset(request, pk: int, user_pk: int):
    return _membership_action(
        request,
        pk,
        user_pk,
        provider_services.membership_set_signatory,
        "{name} is no longer an authorised signatory of {organisation}.",
        is_signatory=False,
    )


# Accepting an invitation (public) -------------------------------------------------------------


def _unusable(request, problem: selectors.LinkProblem, invitation):
    # 404 for a link that never existed (or was replaced); 410 for one that did but is spent.
    status = 404 if problem is selectors.LinkProblem.UNKNOWN else 410
    return render(
        request,
        "providers/invitations/unusable.html",
        {"problem": problem.value, "invitation": invitation},
        status=status,
    )


@login_not_required
@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """Anyone holding the link may open it: the token is the proof of who they are."""
    invitation = selectors.invitation_for_token(token)
    problem = selectors.link_problem(invitation)
    if problem is not None:
        return _unusable(request, problem, invitation)
    form = InvitationAcceptForm(selectors.new_account_for(invitation), form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            if "token" in getattr(exc, "error_dict", {}):
                # Used, withdrawn or expired between opening the page and sending the form.
                invitation = selectors.invitation_for_token(token)
                problem = selectors.link_problem(invitation) or selectors.LinkProblem.UNKNOWN
                return _unusable(request, problem, invitation)
            add_service_errors(form, exc)
        else:
            login(request, user)
            messages.success(
                request, f"Welcome, {user.first_name}. Your account has been created and you are signed in."
            )
            # "home" sends a provider user on to the portal (the portal is a lower layer's page).
            return redirect("home")
    return render(
        request,
        "providers/invitations/accept.html",
        {"form": form, "invitation": invitation, "organisation": invitation.organisation},
    )
