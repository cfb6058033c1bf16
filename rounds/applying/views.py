"""The application journey (applicants and provider users): the open rounds and the
organisation's applications, eligibility first, then the questions, check answers, submit,
withdraw, and the information an officer asked for. Thin: check, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data, form_files

from ..models import ApplicationStatus, QuestionKind
from . import selectors, services
from .access import access_own_application, applicant_organisation, is_lead, organisation_applications
from .answers import budget_warning, eligibility_verdict, submission_problems
from .forms import BudgetLineForm, DetailsForm, EligibilityForm, FileForm, WithdrawForm
from .transitions import EDITABLE_STATES

SECTION = "apply"


def _context(application, **extra) -> dict:
    return {"application": application, "round": application.round, "section": SECTION, **extra}


@require_GET
@capability_required("rounds.apply")
def home(request):
    organisation = applicant_organisation(request.user)
    page = page_of(organisation_applications(organisation), number=request.GET.get("page"), per_page=25)
    return render(
        request,
        "rounds/applying/home.html",
        {
            "organisation": organisation,
            "rounds": list(services.open_rounds(request.user)),
            "page_obj": page,
            "applications": page.object_list,
            "is_lead": is_lead(request.user),
            "section": SECTION,
        },
    )


@capability_required("rounds.apply")
@require_http_methods(["GET", "POST"])
def start(request, reference: str):
    round = get_object_or_404(services.open_rounds(request.user), reference=reference)
    error = None
    if request.method == "POST":
        try:
            application = services.application_start(actor=request.user, round=round)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request, f"Application {application.reference} started. Answer the eligibility questions first."
            )
            return redirect("apply:eligibility", pk=application.pk)
    return render(
        request,
        "rounds/applying/start.html",
        {"round": round, "error": error, "section": SECTION},
        status=400 if error else 200,
    )


def _editable(request, pk: int):
    """The application, or a redirect to its page when it can no longer be changed."""
    application = access_own_application(request.user, pk)
    if application.status not in EDITABLE_STATES:
        messages.info(
            request,
            f"Application {application.reference} is {application.get_status_display().lower()}: it cannot be changed.",
        )
        return application, redirect("apply:application", pk=application.pk)
    return application, None


def _needs_eligibility(request, application):
    if application.answers_eligible is not True:
        messages.info(request, "Answer the eligibility questions first: you can go on once they show you can apply.")
        return redirect("apply:eligibility", pk=application.pk)
    return None


@capability_required("rounds.apply")
@require_http_methods(["GET", "POST"])
def eligibility(request, pk: int):
    application, gone = _editable(request, pk)
    if gone:
        return gone
    questions = list(application.round.eligibility_questions.all())
    initial = {}
    for question in questions:
        value = (application.eligibility_answers or {}).get(question.key)
        if isinstance(value, bool):
            initial[question.key] = "yes" if value else "no"
        elif value is not None:
            initial[question.key] = value
    form = EligibilityForm(questions, form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_answer_eligibility(
                actor=request.user, application=application, answers=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if application.answers_eligible:
                return redirect("apply:details", pk=application.pk)
            return redirect("apply:eligibility", pk=application.pk)
    _, reasons = eligibility_verdict(application.round, application.eligibility_answers or {})
    return render(request, "rounds/applying/eligibility.html", _context(application, form=form, reasons=reasons))


@capability_required("rounds.apply")
@require_http_methods(["GET", "POST"])
def details(request, pk: int):
    application, gone = _editable(request, pk)
    if gone or (gone := _needs_eligibility(request, application)):
        return gone
    initial = {
        "title": application.title,
        "amount_requested": "" if application.amount_requested is None else f"{application.amount_requested}",
        "areas": [str(pk) for pk in application.areas.values_list("pk", flat=True)],
    }
    form = DetailsForm(application.round, form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_save_details(
                actor=request.user,
                application=application,
                title=form.cleaned_data["title"],
                amount_requested=form.cleaned_data["amount_requested"],
                area_ids=form.cleaned_data.get("areas", []),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_save(request, application, None)
    return render(request, "rounds/applying/details.html", _context(application, form=form))


def _after_save(request, application, key):
    if "later" in request.POST:
        messages.success(
            request, "Your answers have been saved. You can come back to them at any time before the round closes."
        )
        return redirect("apply:application", pk=application.pk)
    return redirect(selectors.next_question_url(application, key))


@capability_required("rounds.apply")
@require_http_methods(["GET", "POST"])
def question(request, pk: int, key: str):
    application, gone = _editable(request, pk)
    if gone or (gone := _needs_eligibility(request, application)):
        return gone
    asked = services.question_of(application, key)
    if asked.kind == QuestionKind.BUDGET:
        return _budget(request, application, asked)
    if asked.kind == QuestionKind.FILE:
        return _file(request, application, asked)
    value = (application.answers or {}).get(key, "")
    error = None
    if request.method == "POST":
        value = request.POST.get("answer", "")
        try:
            services.application_save_answer(actor=request.user, application=application, key=key, value=value)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return _after_save(request, application, key)
    from .answers import word_count

    return render(
        request,
        "rounds/applying/question.html",
        _context(application, question=asked, value=value, error=error, words=word_count(value)),
        status=400 if error else 200,
    )


def _budget(request, application, asked):
    form = BudgetLineForm(request.POST if "add" in request.POST else None)
    if request.method == "POST" and "remove" in request.POST:
        line_id = request.POST.get("remove", "")
        if line_id.isdigit():
            services.budget_line_remove(actor=request.user, application=application, line_id=int(line_id))
        return redirect("apply:question", pk=application.pk, key=asked.key)
    if request.method == "POST" and "add" in request.POST and form.is_valid():
        try:
            services.budget_line_add(actor=request.user, application=application, key=asked.key, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(reverse("apply:question", args=[application.pk, asked.key]) + "#budget-lines")
    if request.method == "POST" and not form.is_bound:
        return _after_save(request, application, asked.key)
    lines = list(application.budget_lines.filter(question_key=asked.key))
    from .answers import budget_total

    return render(
        request,
        "rounds/applying/budget.html",
        _context(application, question=asked, form=form, lines=lines, total=budget_total(lines)),
    )


def _file(request, application, asked):
    uploading = "upload" in request.POST
    form = FileForm(form_data(request) if uploading else None, form_files(request) if uploading else None)
    if request.method == "POST" and "remove" in request.POST:
        file_id = request.POST.get("remove", "")
        if file_id.isdigit():
            services.application_remove_file(actor=request.user, application=application, file_id=int(file_id))
        return redirect("apply:question", pk=application.pk, key=asked.key)
    if request.method == "POST" and "upload" in request.POST and form.is_valid():
        try:
            services.application_upload_file(
                actor=request.user, application=application, key=asked.key, file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("apply:question", pk=application.pk, key=asked.key)
    if request.method == "POST" and "upload" not in request.POST:
        return _after_save(request, application, asked.key)
    files = list(application.files.filter(question_key=asked.key))
    return render(request, "rounds/applying/file.html", _context(application, question=asked, form=form, files=files))


@require_GET
@capability_required("rounds.apply")
def application(request, pk: int):
    application = access_own_application(request.user, pk)
    eligibility_rows, project_rows, question_rows = selectors.answer_rows(application)
    return render(
        request,
        "rounds/applying/application.html",
        _context(
            application,
            editable=application.status in EDITABLE_STATES,
            eligibility_rows=eligibility_rows,
            project_rows=project_rows,
            question_rows=question_rows,
            may_withdraw=application.status
            in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED),
        ),
    )


@capability_required("rounds.apply")
@require_http_methods(["GET", "POST"])
def check(request, pk: int):
    application, gone = _editable(request, pk)
    if gone:
        return gone
    errors = {}
    if request.method == "POST":
        try:
            submitted = services.application_submit(actor=request.user, application=application)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(
                request,
                f"Application {submitted.reference} has been sent. We have emailed you a receipt with its reference.",
            )
            return redirect("apply:application", pk=submitted.pk)
    problems = errors or submission_problems(application)
    eligibility_rows, project_rows, question_rows = selectors.answer_rows(application)
    lines = [line for row in question_rows for line in row.lines]
    return render(
        request,
        "rounds/applying/check.html",
        _context(
            application,
            problems=[message for messages_ in problems.values() for message in messages_],
            warning=budget_warning(application, lines),
            eligibility_rows=eligibility_rows,
            project_rows=project_rows,
            question_rows=question_rows,
            editable=True,
        ),
        status=400 if errors else 200,
    )


@capability_required("rounds.apply")
@require_http_methods(["GET", "POST"])
def withdraw(request, pk: int):
    application = access_own_application(request.user, pk)
    form = WithdrawForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                actor=request.user, application=application, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Application {application.reference} has been withdrawn.")
            return redirect("apply:home")
    return render(request, "rounds/applying/withdraw.html", _context(application, form=form))


@require_GET
@capability_required("rounds.apply")
def file_download(request, pk: int, file_pk: int):
    """Files are only served here, to the organisation's users, as an attachment."""
    application = access_own_application(request.user, pk)
    stored = selectors.file_of(application, file_pk)
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    response = FileResponse(handle, as_attachment=True, filename=stored.original_name, content_type=stored.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
