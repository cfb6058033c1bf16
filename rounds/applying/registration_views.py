"""Registering to apply (public), following the confirmation and invitation links (public: the
token is the proof), and a lead's page of colleagues."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data, link_base

from . import registration
from .access import is_lead
from .forms import InviteForm, JoinForm, RegistrationForm
from .registration import LinkProblem

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _unusable(request, problem: LinkProblem, what: str):
    return render(
        request,
        "rounds/applying/link_unusable.html",
        {"problem": problem.value, "what": what},
        status=404 if problem is LinkProblem.UNKNOWN else 410,
    )


@login_not_required
@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def register(request):
    form = RegistrationForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        values = {name: value for name, value in form.cleaned_data.items() if name != "password_again"}
        try:
            organisation, provider = registration.registration_create(link_base=link_base(request), **values)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(
                request,
                "rounds/applying/register_sent.html",
                {
                    "organisation": organisation,
                    "provider": provider,
                    "email": values["email"].lower(),
                    "days": settings.INVITATION_DAYS,
                },
            )
    return render(request, "rounds/applying/register.html", {"form": form})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """The link switches the account on; a POST (the button) does it, so a mail scanner that
    only opens links cannot use it up."""
    record = registration.token_for(token, "confirm")
    problem = registration.link_problem(record)
    if problem is not None:
        return _unusable(request, problem, "confirmation")
    if request.method == "POST":
        try:
            user = registration.registration_confirm(token=token)
        except ValidationError:
            return _unusable(
                request,
                registration.link_problem(registration.token_for(token, "confirm")) or LinkProblem.UNKNOWN,
                "confirmation",
            )
        login(request, user, backend=BACKEND)
        messages.success(
            request, f"Thank you, {user.first_name}. Your email address is confirmed and you are signed in."
        )
        return redirect("apply:home")
    return render(request, "rounds/applying/confirm.html", {"record": record})


@login_not_required
@never_cache
@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def join(request, token: str):
    record = registration.token_for(token, "invite")
    problem = registration.link_problem(record)
    if problem is not None:
        return _unusable(request, problem, "invitation")
    form = JoinForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = registration.colleague_join(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            if "token" in exc.message_dict:
                problem = registration.link_problem(registration.token_for(token, "invite")) or LinkProblem.UNKNOWN
                return _unusable(request, problem, "invitation")
            add_service_errors(form, exc, name_fields=True)
        else:
            login(request, user, backend=BACKEND)
            messages.success(
                request, f"Welcome, {user.first_name}. You can now work on {record.organisation.name}'s applications."
            )
            return redirect("apply:home")
    return render(
        request, "rounds/applying/join.html", {"form": form, "record": record, "organisation": record.organisation}
    )


@capability_required("rounds.apply")
@require_http_methods(["GET", "POST"])
def colleagues(request):
    if not is_lead(request.user):
        raise PermissionDenied("Only your organisation's lead can invite colleagues.")
    organisation = request.user.applicant_membership.organisation
    form = InviteForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            record = registration.colleague_invite(
                actor=request.user, email=form.cleaned_data["email"], link_base=link_base(request)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"An invitation has been sent to {record.email}.")
            return redirect("apply:colleagues")
    return render(
        request,
        "rounds/applying/colleagues.html",
        {
            "form": form,
            "organisation": organisation,
            "members": registration.organisation_members(organisation),
            "invitations": registration.pending_invitations(organisation),
            "section": "apply",
        },
    )
