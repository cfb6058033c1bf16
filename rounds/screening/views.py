"""Officers' screening pages: a round's received applications and one whole application with
its screening form. Thin: check, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.interchange.exports import Sheet, export_response
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data

from ..models import ApplicationEvent
from ..setup.pages import round_context
from . import selectors, services
from .forms import RequestInfoForm, ScreenForm, ScreeningFilterForm

PER_PAGE = 50
UNTIL_FIELDS = {"until": "until_on"}


def _request_field(form):
    """Where a service's error goes on the request form: its "until" is the date and time boxes
    on the page, and the date box takes the message."""

    def field_for(name: str) -> str | None:
        field = UNTIL_FIELDS.get(name, name)
        return field if field in form.fields else None

    return field_for


@require_GET
@capability_required("rounds.view")
def applications(request, reference: str):
    round = selectors.access_round(request.user, reference)
    filters = ScreeningFilterForm(request.GET or None)
    screening = filters.cleaned_data["screening"] if filters.is_valid() else ""
    rows = selectors.round_applications(round, screening=screening)
    if request.GET.get("format") == "csv":
        return export_response(
            Sheet("Applications", *selectors.applications_table(rows)),
            format="csv",
            filename=f"{round.reference}-applications",
        )
    page = page_of(rows, number=request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request,
        "rounds/screening/applications.html",
        round_context(
            request, round, current="rounds:applications", page_obj=page, filters=filters, screening=screening
        ),
    )


def _application_context(request, round, application, **forms) -> dict:
    events = ApplicationEvent.objects.filter(application=application).select_related("by").order_by("at", "pk")
    application = (
        type(application)
        .objects.select_related("organisation", "screened_by", "round")
        .prefetch_related(
            "budget_lines",
            "files",
            Prefetch("round__eligibility_questions"),
            Prefetch("round__questions"),
        )
        .get(pk=application.pk)
    )
    can_screen = has_capability(request.user, "rounds.screen") and selectors.screening_open(round)
    return round_context(
        request,
        round,
        current="rounds:applications",
        application=application,
        eligibility=selectors.eligibility_rows(application),
        answers=selectors.answer_rows(application),
        budget_lines=list(application.budget_lines.all()),
        budget_total=sum((line.amount for line in application.budget_lines.all()), 0),
        files=list(application.files.all()),
        events=list(events),
        can_screen=can_screen,
        can_request=can_screen and application.status == "submitted",
        screen_form=forms.get("screen_form") or ScreenForm(initial={"version": application.version}),
        request_form=forms.get("request_form") or RequestInfoForm(),
    )


@require_GET
@capability_required("rounds.view")
def application(request, reference: str, app_reference: str):
    round = selectors.access_round(request.user, reference)
    found = selectors.access_round_application(request.user, round, app_reference)
    return render(request, "rounds/screening/application.html", _application_context(request, round, found))


@require_POST
@capability_required("rounds.screen")
def application_screen(request, reference: str, app_reference: str):
    round = selectors.access_round(request.user, reference, "rounds.screen")
    found = selectors.access_round_application(request.user, round, app_reference)
    form = ScreenForm(form_data(request))
    if form.is_valid():
        try:
            services.application_screen(
                actor=request.user,
                application=found,
                eligible=form.cleaned_data["eligible"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Application {found.reference} has been screened.")
            return redirect("rounds:application", reference=round.reference, app_reference=found.reference)
    context = _application_context(request, round, found, screen_form=form)
    return render(request, "rounds/screening/application.html", context, status=400)


@require_POST
@capability_required("rounds.screen")
def application_request_info(request, reference: str, app_reference: str):
    round = selectors.access_round(request.user, reference, "rounds.screen")
    found = selectors.access_round_application(request.user, round, app_reference)
    form = RequestInfoForm(form_data(request))
    if form.is_valid():
        try:
            services.application_request_info(
                actor=request.user,
                application=found,
                request=form.cleaned_data["request"],
                until=form.cleaned_data["until"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_for=_request_field(form))
        else:
            messages.success(request, f"The applicant of {found.reference} has been asked for more information.")
            return redirect("rounds:application", reference=round.reference, app_reference=found.reference)
    context = _application_context(request, round, found, request_form=form)
    return render(request, "rounds/screening/application.html", context, status=400)
