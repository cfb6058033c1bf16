"""The compliance pages (under /delivery/compliance/): a quarter's table of bodies × measures
with its charts and the pack, a body's year, recording a figure, importing a body's
spreadsheet, the joint review meetings with their actions, and the Code's editions and rights.
Thin: permission, a selector or a service, a template. Everyone who may view delivery reads
them; officers (``delivery.edit``) write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcc_commissioning import clock
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.interchange.exports import CONTENT_TYPES
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from pcc_commissioning.periods import FinancialYear, quarter_label, quarter_of, year_problem
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data, fy_param

from ..models import CodeEdition
from . import pack, selectors, services
from .forms import (
    CodeEditionForm,
    CodeRightForm,
    ComplianceMeasureForm,
    FigureForm,
    ReviewActionEditForm,
    ReviewActionForm,
    ReviewMeetingEditForm,
    ReviewMeetingForm,
)

SECTION = "delivery"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a quarter's return is a few dozen rows


def _default_quarter() -> tuple[int, int]:
    """The quarter just ended: returns come in after a quarter closes."""
    last = quarter_of(clock.today()).previous()
    return last.fy.start_year, last.number


def _quarter_param(request, default: int) -> int:
    text = request.GET.get("quarter", "").strip().upper().lstrip("Q")
    return int(text) if text in ("1", "2", "3", "4") else default


def _period(request) -> tuple[int, int]:
    fy, quarter = _default_quarter()
    asked_fy = fy_param(request, default=None)
    if asked_fy is None:
        return fy, _quarter_param(request, quarter)
    return asked_fy, _quarter_param(request, 1 if asked_fy != fy else quarter)


def _index_url(fy: int, quarter: int) -> str:
    return f"{reverse('delivery:compliance')}?{urlencode({'fy': fy, 'quarter': quarter})}"


@capability_required("delivery.view")
@require_GET
def compliance(request):
    fy, quarter = _period(request)
    table = selectors.quarter_table(fy=fy, quarter=quarter)
    years = sorted({*selectors.compliance_years(), fy, _default_quarter()[0]}, reverse=True)
    return render(
        request,
        "delivery/compliance/index.html",
        {
            "section": SECTION,
            "table": table,
            "fy": fy,
            "quarter": quarter,
            "year_choices": [(year, FinancialYear(year).label) for year in years],
            "quarter_choices": [(q, f"Quarter {q}") for q in selectors.QUARTERS],
            "chart": pack.quarter_chart(table),
            "trend_charts": pack.trend_charts(table),
            "meeting": selectors.quarter_meeting(fy=fy, quarter=quarter),
            "can_edit": has_capability(request.user, "delivery.edit"),
            "can_import": has_capability(request.user, "delivery.import"),
        },
    )


@capability_required("delivery.view")
@require_GET
def compliance_body(request, body_id: int):
    fy = fy_param(request, default=_default_quarter()[0])
    return render(
        request,
        "delivery/compliance/body.html",
        {
            "section": SECTION,
            "year": selectors.body_year(body_id=body_id, fy=fy),
            "fy": fy,
            "fy_label": FinancialYear(fy).label,
            "quarters": selectors.QUARTERS,
            "can_edit": has_capability(request.user, "delivery.edit"),
        },
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def compliance_figure(request):
    """Record (or correct) one body's figure for a measure and quarter; set by key, last one
    wins, as the quarter's return is the body's to give."""
    initial = {name: request.GET.get(name) for name in ("body", "measure", "fy", "quarter") if request.GET.get(name)}
    if request.method == "GET" and {"body", "measure", "fy", "quarter"} <= set(initial):
        try:
            figure = selectors.figure_for(
                body_id=int(initial["body"]),
                measure_id=int(initial["measure"]),
                fy=int(initial["fy"]),
                quarter=int(initial["quarter"]),
            )
        except ValueError:
            figure = None
        if figure is not None:
            initial.update(FigureForm.initial_from(figure))
    form = FigureForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            figure, _change = services.figure_record(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(
                request,
                f"{figure.body.name}'s figure for {figure.measure.name}, "
                f"{quarter_label(figure.fy, figure.quarter)}, has been recorded.",
            )
            return redirect(_index_url(figure.fy, figure.quarter))
    return render(request, "delivery/compliance/figure_form.html", {"section": SECTION, "form": form})


@capability_required("delivery.import")
@require_POST
def compliance_import(request):
    """A body's spreadsheet for one quarter (the code_compliance format), imported at once: a
    quarter's return is a few dozen rows. All or nothing, every problem listed."""
    fy_text, quarter = request.POST.get("fy", "").strip(), request.POST.get("quarter", "").strip()
    fy = int(fy_text) if fy_text.isdigit() and not year_problem(fy_text) else None
    upload = request.FILES.get("file")
    problems = []
    if fy is None:
        problems.append("Choose the financial year.")
    if quarter not in ("1", "2", "3", "4"):
        problems.append("Choose the quarter.")
    if upload is None:
        problems.append("Choose a CSV or XLSX file to import.")
    elif upload.size > MAX_UPLOAD_BYTES:
        problems.append("The file is larger than 5 MB.")
    if not problems:
        try:
            result = run_import(
                "code_compliance",
                upload.read(),
                filename=upload.name,
                actor=request.user,
                options={"fy": str(fy), "quarter": quarter},
            )
        except ImportFailed as failure:
            problems = [str(error) for error in failure.errors]
        else:
            messages.success(request, result.summary())
            return redirect(_index_url(fy, int(quarter)))
    for problem in problems[:50]:
        messages.error(request, problem)
    if len(problems) > 50:
        messages.error(request, f"And {len(problems) - 50} more problems. Nothing was imported.")
    return redirect(_index_url(fy or _default_quarter()[0], int(quarter) if quarter in ("1", "2", "3", "4") else 1))


@capability_required("delivery.view")
@require_GET
def compliance_pack(request, format: str):
    fy, quarter = _period(request)
    if format == "pdf":
        body, content_type = pack.pack_pdf(fy=fy, quarter=quarter), "application/pdf"
    elif format == "xlsx":
        body, content_type = pack.pack_xlsx(fy=fy, quarter=quarter), CONTENT_TYPES["xlsx"]
    else:
        raise Http404("No such format.")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{pack.pack_filename(fy, quarter, format)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# Review meetings -----------------------------------------------------------------------------


@capability_required("delivery.view")
@require_GET
def review_list(request):
    return render(
        request,
        "delivery/compliance/review_list.html",
        {
            "section": SECTION,
            "meetings": selectors.review_meetings(),
            "can_edit": has_capability(request.user, "delivery.edit"),
        },
    )


@capability_required("delivery.view")
@require_GET
def review(request, pk: int):
    meeting = selectors.review_meeting(pk)
    return render(
        request,
        "delivery/compliance/review.html",
        {
            "section": SECTION,
            "meeting": meeting,
            "label": quarter_label(meeting.fy, meeting.quarter),
            "can_edit": has_capability(request.user, "delivery.edit"),
        },
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def review_create(request):
    fy, quarter = _default_quarter()
    form = ReviewMeetingForm(form_data(request), initial={"fy": fy, "quarter": quarter})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.review_meeting_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, meeting, f"The review of {meeting.held_on:%-d %B %Y} has been recorded.")
            return redirect("delivery:compliance_review", pk=meeting.pk)
    return render(request, "delivery/compliance/review_form.html", {"section": SECTION, "form": form})


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def review_edit(request, pk: int):
    meeting = selectors.review_meeting(pk)
    initial = {
        "fy": meeting.fy,
        "quarter": meeting.quarter,
        "held_on": meeting.held_on,
        "bodies": list(meeting.bodies.all()),
        "notes": meeting.notes,
        "version": meeting.version,
    }
    form = ReviewMeetingEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.review_meeting_update(actor=request.user, meeting=meeting, expected_version=version, **data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, "The meeting has been saved.")
            return redirect("delivery:compliance_review", pk=meeting.pk)
    return render(
        request, "delivery/compliance/review_form.html", {"section": SECTION, "form": form, "meeting": meeting}
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def action_create(request, pk: int):
    meeting = selectors.review_meeting(pk)
    form = ReviewActionForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            action = services.review_action_create(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, action, "The action has been added.")
            return redirect("delivery:compliance_review", pk=meeting.pk)
    return render(
        request, "delivery/compliance/action_form.html", {"section": SECTION, "form": form, "meeting": meeting}
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
def action_edit(request, pk: int, action_pk: int):
    action = selectors.review_action(meeting_pk=pk, pk=action_pk)
    initial = {
        name: getattr(action, name) for name in ("action", "body", "owner", "due_on", "status", "outcome", "version")
    }
    form = ReviewActionEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.review_action_update(actor=request.user, review_action=action, expected_version=version, **data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, "The action has been saved.")
            return redirect("delivery:compliance_review", pk=pk)
    return render(
        request,
        "delivery/compliance/action_form.html",
        {"section": SECTION, "form": form, "meeting": action.meeting, "action": action},
    )


# The Code ------------------------------------------------------------------------------------


@capability_required("delivery.view")
@require_GET
def code(request):
    return render(
        request,
        "delivery/compliance/code.html",
        {
            "section": SECTION,
            "editions": selectors.code_editions(),
            "can_edit": has_capability(request.user, "delivery.edit"),
        },
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def code_add(request):
    form = CodeEditionForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            edition = services.code_edition_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, edition, f"The {edition.name} has been added. Add its rights and measures.")
            return redirect(f"{reverse('delivery:compliance_code')}#edition-{edition.pk}")
    return render(
        request,
        "delivery/compliance/code_form.html",
        {"section": SECTION, "form": form, "heading": "Add an edition of the Code", "submit": "Add the edition"},
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def right_add(request, pk: int):
    edition = get_object_or_404(CodeEdition, pk=pk)
    form = CodeRightForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            right = services.code_right_add(actor=request.user, edition=edition, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, right, f"Right {right.number} has been added to the {edition.name}.")
            return redirect(f"{reverse('delivery:compliance_code')}#edition-{edition.pk}")
    return render(
        request,
        "delivery/compliance/code_form.html",
        {
            "section": SECTION,
            "form": form,
            "edition": edition,
            "heading": f"Add a right to the {edition.name}",
            "submit": "Add the right",
        },
    )


@capability_required("delivery.edit")
@require_http_methods(["GET", "POST"])
@create_once
def measure_add(request, pk: int):
    edition = get_object_or_404(CodeEdition, pk=pk)
    form = ComplianceMeasureForm(form_data(request), edition=edition)
    if request.method == "POST" and form.is_valid():
        try:
            measure = services.compliance_measure_add(actor=request.user, edition=edition, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, measure, f"The measure {measure.name} has been added to the {edition.name}.")
            return redirect(f"{reverse('delivery:compliance_code')}#edition-{edition.pk}")
    return render(
        request,
        "delivery/compliance/code_form.html",
        {
            "section": SECTION,
            "form": form,
            "edition": edition,
            "heading": f"Add a measure to the {edition.name}",
            "submit": "Add the measure",
        },
    )
