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

from ..applying.selectors import access_round_application
from ..models import ApplicationEvent
from ..setup.pages import round_context
from ..setup.selectors import access_round
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
    round = access_round(request.user, reference)
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
    round = access_round(request.user, reference)
    found = access_round_application(request.user, round, app_reference, withdrawn=True)
    return render(request, "rounds/screening/application.html", _application_context(request, round, found))


def _screening_post(request, reference: str, app_reference: str, form_class, form_name: str, act, field_for=None):
    """A screening form posted: ``act(application, cleaned_data)`` calls the service and returns
    the message to show; the page again with the form's errors (400) if it refuses.
    ``field_for(form)``: where the service's errors go on the form, when its keys are not the
    form's fields."""
    round = access_round(request.user, reference, capability="rounds.screen")
    found = access_round_application(request.user, round, app_reference, withdrawn=True)
    form = form_class(form_data(request))
    if form.is_valid():
        try:
            message = act(found, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, field_for=field_for(form) if field_for else None)
        else:
            messages.success(request, message)
            return redirect("rounds:application", reference=round.reference, app_reference=found.reference)
    context = _application_context(request, round, found, **{form_name: form})
    return render(request, "rounds/screening/application.html", context, status=400)


@require_POST
@capability_required("rounds.screen")
def application_screen(request, reference: str, app_reference: str):
    def act(found, data) -> str:
        services.application_screen(
            actor=request.user,
            application=found,
            eligible=data["eligible"],
            reason=data["reason"],
            expected_version=data["version"],
        )
        return f"Application {found.reference} has been screened."

    return _screening_post(request, reference, app_reference, ScreenForm, "screen_form", act)


@require_POST
@capability_required("rounds.screen")
def application_request_info(request, reference: str, app_reference: str):
    def act(found, data) -> str:
        services.application_request_info(
            actor=request.user, application=found, request=data["request"], until=data["until"]
        )
        return f"The applicant of {found.reference} has been asked for more information."

    return _screening_post(
        request, reference, app_reference, RequestInfoForm, "request_form", act, field_for=_request_field
    )
