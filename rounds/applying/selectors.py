"""Reads for the applicants' pages: an application's answers as summary rows, the next
question of the journey, and an application's files; and the officers' permission-checked
fetch of one received application of a round (the later stages' pages share it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from pcc_commissioning.money import format_pence
from pcc_commissioning.roles import require

from ..models import (
    Application,
    ApplicationFile,
    ApplicationQuestion,
    ApplicationStatus,
    EligibilityKind,
    QuestionKind,
    Round,
)
from .answers import budget_total, number, number_text, question_field, yes_no
from .transitions import RECEIVED_STATES


@dataclass
class AnswerRow:
    label: str
    value: str
    change_url: str
    field: str
    files: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    total: object = None
    multiline: bool = False


def questions(application: Application) -> list[ApplicationQuestion]:
    return list(application.round.questions.all())


def next_question_url(application: Application, key: str | None) -> str:
    """The page after question ``key`` (None: after the project's details): the next
    question, or the check-answers page after the last."""
    keys = [question.key for question in questions(application)]
    following = keys[keys.index(key) + 1 :] if key in keys else (keys if key is None else [])
    if following:
        return reverse("apply:question", args=[application.pk, following[0]])
    return reverse("apply:check", args=[application.pk])


def _eligibility_rows(application: Application) -> list[AnswerRow]:
    rows = []
    change = reverse("apply:eligibility", args=[application.pk])
    for question in application.round.eligibility_questions.all():
        value = (application.eligibility_answers or {}).get(question.key)
        if question.kind == EligibilityKind.YES_NO:
            given = yes_no(value)
            text = "" if given is None else ("Yes" if given else "No")
        else:
            given = number(value)
            text = "" if given is None else number_text(given)
        rows.append(AnswerRow(question.question, text or "Not answered", change, "eligibility"))
    return rows


def question_value(question: ApplicationQuestion, value) -> str:
    """An answer as people read it (a date as "1 February 2027")."""
    if value in (None, ""):
        return "Not answered"
    if question.kind == QuestionKind.DATE:
        import datetime

        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            return str(value)
        return f"{day.day} {day:%B %Y}"
    return str(value)


def answer_rows(application: Application) -> tuple[list[AnswerRow], list[AnswerRow], list[AnswerRow]]:
    """(eligibility rows, project rows, question rows) for the check-answers and read-only pages."""
    details = reverse("apply:details", args=[application.pk])
    areas = ", ".join(str(area) for area in application.areas.all())
    project = [
        AnswerRow("Project title", application.title or "Not answered", details, "title"),
        AnswerRow(
            "Amount you are asking for",
            format_pence(application.amount_requested, missing="Not answered"),
            details,
            "amount_requested",
        ),
    ]
    if application.round.areas.exists():
        project.append(AnswerRow("Areas", areas or "None chosen", details, "areas"))
    lines = list(application.budget_lines.all())
    files = list(application.files.all())
    rows = []
    for question in questions(application):
        row = AnswerRow(
            question.text,
            question_value(question, (application.answers or {}).get(question.key)),
            reverse("apply:question", args=[application.pk, question.key]),
            question_field(question),
            multiline=question.kind == QuestionKind.TEXT,
        )
        if question.kind == QuestionKind.BUDGET:
            row.lines = [line for line in lines if line.question_key == question.key]
            row.total = budget_total(row.lines)
        elif question.kind == QuestionKind.FILE:
            row.files = [each for each in files if each.question_key == question.key]
        rows.append(row)
    return _eligibility_rows(application), project, rows


def file_of(application: Application, file_id: int) -> ApplicationFile:
    try:
        return ApplicationFile.objects.get(application=application, pk=file_id)
    except ApplicationFile.DoesNotExist:
        raise Http404("No such file.") from None


def access_round_application(
    user, round: Round, app_reference: str, *, capability: str = "rounds.view", withdrawn: bool = False
) -> Application:
    """The received application ``app_reference`` of ``round`` for an officer page (``round``
    from ``setup.selectors.access_round``): PermissionDenied without ``capability``, 404 for
    none, for a draft (the applicant's own business) and, unless ``withdrawn``, for one
    submitted and then withdrawn."""
    require(user, capability)
    shown = Q(status__in=RECEIVED_STATES)
    if withdrawn:
        shown |= Q(status=ApplicationStatus.WITHDRAWN, submitted_at__isnull=False)
    application = (
        Application.objects.filter(shown, round=round, reference=app_reference)
        .select_related("organisation", "screened_by", "round")
        .first()
    )
    if application is None:
        raise Http404("No such application in this round.")
    return application


def applicant_emails(application: Application) -> list[str]:
    """Where every stage writes to the applicant (the officers' requests, the outcome): the
    application's contact address, else the e-mail addresses of its organisation's active
    members and (an organisation that is a provider) the provider's active users."""
    if application.contact_email:
        return [application.contact_email]
    User = get_user_model()
    organisation = application.organisation
    who = Q(applicant_membership__organisation=organisation)
    if organisation.provider_id is not None:
        who |= Q(provider_membership__organisation_id=organisation.provider_id)
    emails = User.objects.filter(who, is_active=True).exclude(email="").order_by("pk").values_list("email", flat=True)
    return sorted(set(emails))
