"""Panel members' pages (under /assess/): their assignments, the conflict declaration that comes
first, the scoring page, and the public page an assessor's invitation link opens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data
from providers.invitations.forms import InvitationAcceptForm

from ..models import AssignmentStatus, Criterion
from ..screening.selectors import answer_rows
from . import panel, selectors, services
from .access import access_assignment, require_unconflicted
from .forms import DeclareForm, ScoresForm


@require_GET
@capability_required("rounds.score")
def home(request):
    return render(
        request,
        "rounds/assessment/home.html",
        {"assignments": selectors.my_assignments(request.user), "section": "assess"},
    )


@require_http_methods(["GET", "POST"])
@capability_required("rounds.score")
def assignment(request, pk: int):
    """The conflict question first; then the application and the scores."""
    found = access_assignment(request.user, pk)
    require_unconflicted(found)
    if found.status == AssignmentStatus.UNDECLARED:
        return _declare(request, found)
    criteria = list(Criterion.objects.filter(round_id=found.member.round_id).order_by("position", "pk"))
    scores = {s.criterion_id: s for s in found.scores.all()}
    read_only = found.status == AssignmentStatus.SUBMITTED or found.member.round.status in services.DECIDED
    form = ScoresForm(criteria, form_data(request), scores=scores, disabled=read_only)
    if request.method == "POST" and not read_only and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.scores_save(actor=request.user, assignment=found, scores=form.scores(), submit=submit)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your scores have been submitted." if submit else "Your scores have been saved.")
            return redirect("assess:assignment", pk=found.pk)
    application = found.application
    return render(
        request,
        "rounds/assessment/score.html",
        {
            "assignment": found,
            "application": application,
            "answers": answer_rows(application),
            "budget_lines": list(application.budget_lines.all()),
            "form": form,
            "read_only": read_only,
            "section": "assess",
        },
        status=400 if form.errors else 200,
    )


def _declare(request, found):
    form = DeclareForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_declare(
                actor=request.user,
                assignment=found,
                conflict=form.cleaned_data["conflict"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if form.cleaned_data["conflict"]:
                messages.success(
                    request, "Your conflict of interest has been recorded: you will not assess this application."
                )
                return redirect("assess:home")
            return redirect("assess:assignment", pk=found.pk)
    return render(
        request,
        "rounds/assessment/declare.html",
        {"assignment": found, "application": found.application, "form": form, "section": "assess"},
        status=400 if form.errors else 200,
    )


@login_not_required
@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    """Anyone holding the link may open it: the token is the proof of who they are."""
    invitation = panel.invitation_for_token(token)
    problem = panel.link_problem(invitation)
    if problem is not None:
        status = 404 if problem.value == "unknown" else 410
        return render(request, "rounds/assessment/accept_unusable.html", {"problem": problem.value}, status=status)
    wants_password = panel.needs_password(invitation)
    account = panel.existing_account(invitation.email)
    if wants_password:
        from django.contrib.auth import get_user_model

        account = account or get_user_model()(
            username=invitation.email,
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
    form = InvitationAcceptForm(account, form_data(request)) if wants_password else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            user = panel.invitation_accept(token=token, password=form.cleaned_data["new_password1"] if form else None)
        except ValidationError as exc:
            if form is None:
                return render(
                    request,
                    "rounds/assessment/accept_unusable.html",
                    {"problem": "", "errors": exc.messages},
                    status=400,
                )
            add_service_errors(form, exc, field_for=lambda name: "new_password1" if name == "password" else None)
        else:
            if wants_password:
                login(request, user)
                return redirect("assess:home")
            messages.success(
                request, f"You have joined the panel of {invitation.round.name}. Sign in to see your assessments."
            )
            return redirect("assess:home")
    return render(
        request,
        "rounds/assessment/accept.html",
        {"invitation": invitation, "form": form, "round": invitation.round},
        status=400 if form is not None and form.errors else 200,
    )
