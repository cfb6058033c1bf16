"""Reads for screening: the round an officer opens, its received applications and one whole
application, each in a fixed number of queries whatever the round's size."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from pcc_commissioning import clock
from pcc_commissioning.roles import require

from ..applying.transitions import RECEIVED_STATES
from ..models import Application, ApplicationStatus, Eligibility, Round, RoundStatus

# Once the round is decided (or cancelled) nothing about screening may change.
SCREENING_CLOSED = frozenset({RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED, RoundStatus.CANCELLED})

# The list's screening filter: the officer's verdict, and "withdrawn" (not received, so hidden
# unless asked for).
WITHDRAWN_FILTER = "withdrawn"
SCREENING_FILTERS = [*Eligibility.choices, (WITHDRAWN_FILTER, "Withdrawn")]


def access_round(user, reference: str, capability: str = "rounds.view") -> Round:
    """The round ``reference`` for a user holding ``capability`` (403 without it, 404 for no such round)."""
    require(user, capability)
    try:
        return Round.objects.get(reference=reference)
    except Round.DoesNotExist:
        raise Http404("No such round.") from None


def access_round_application(user, round: Round, app_reference: str) -> Application:
    """A received (or withdrawn) application of ``round``; drafts are the applicant's own business."""
    try:
        return Application.objects.select_related("organisation", "screened_by", "round").get(
            round=round,
            reference=app_reference,
            status__in=[*RECEIVED_STATES, ApplicationStatus.WITHDRAWN],
            submitted_at__isnull=False,
        )
    except Application.DoesNotExist:
        raise Http404("No such application in this round.") from None


def screening_open(round: Round) -> bool:
    return round.status not in SCREENING_CLOSED


def round_applications(round: Round, *, screening: str = "") -> QuerySet[Application]:
    """The round's received applications by reference, filtered by screening state (or the
    withdrawn ones, which were submitted and then taken back)."""
    rows = Application.objects.filter(round=round).select_related("organisation")
    if screening == WITHDRAWN_FILTER:
        return rows.filter(status=ApplicationStatus.WITHDRAWN, submitted_at__isnull=False).order_by("reference", "pk")
    rows = rows.filter(status__in=RECEIVED_STATES)
    if screening in Eligibility.values:
        rows = rows.filter(eligibility=screening)
    return rows.order_by("reference", "pk")


def applications_table(rows) -> tuple[list[str], list[list]]:
    """The list's CSV: headers and one row per application (times in UK time)."""
    headers = [
        "reference",
        "organisation",
        "title",
        "amount_requested",
        "submitted_at",
        "status",
        "answers_eligible",
        "screening",
        "screening_reason",
    ]
    verdict = {True: "yes", False: "no", None: ""}
    table = [
        [
            app.reference,
            app.organisation.name,
            app.title,
            app.amount_requested,
            f"{clock.localtime(app.submitted_at):%Y-%m-%d %H:%M}" if app.submitted_at else "",
            app.get_status_display(),
            verdict[app.answers_eligible],
            app.get_eligibility_display(),
            app.screening_reason,
        ]
        for app in rows
    ]
    return headers, table


def eligibility_rows(application: Application) -> list[dict]:
    """Each eligibility question with its requirement, the applicant's answer and whether it meets it."""
    rows = []
    answers = application.eligibility_answers or {}
    for question in application.round.eligibility_questions.all():
        answer = answers.get(question.key)
        rows.append(
            {
                "question": question,
                "requirement": _requirement(question),
                "answer": _shown(answer),
                "meets": _meets(question, answer),
            }
        )
    return rows


def _shown(answer) -> str:
    if answer is None or answer == "":
        return "Not answered"
    if isinstance(answer, bool):
        return "Yes" if answer else "No"
    return str(answer)


def _requirement(question) -> str:
    if question.kind == "yes_no":
        return "Yes" if question.required_answer else "No"
    parts = []
    if question.min_value is not None:
        parts.append(f"at least {question.min_value.normalize():f}")
    if question.max_value is not None:
        parts.append(f"at most {question.max_value.normalize():f}")
    return " and ".join(parts)


def _meets(question, answer) -> bool | None:
    from decimal import Decimal, InvalidOperation

    if answer is None or answer == "":
        return None
    if question.kind == "yes_no":
        if isinstance(answer, str):
            answer = answer.strip().lower() in ("yes", "true", "1")
        return bool(answer) == question.required_answer
    try:
        value = Decimal(str(answer))
    except (InvalidOperation, ValueError):
        return False
    if question.min_value is not None and value < question.min_value:
        return False
    return not (question.max_value is not None and value > question.max_value)


def answer_rows(application: Application) -> list[dict]:
    """Each application question with the applicant's answer (budget and file questions point
    to the tables below)."""
    answers = application.answers or {}
    return [
        {"question": question, "answer": answers.get(question.key, "")}
        for question in application.round.questions.all()
    ]


def applicant_emails(application: Application) -> list[str]:
    """Where to write to the applicant: the application's contact address, else the e-mail
    addresses of its organisation's members, else (an organisation that is a provider) the
    provider's active users."""
    if application.contact_email:
        return [application.contact_email]
    User = get_user_model()
    organisation = application.organisation
    who = Q(applicant_membership__organisation=organisation)
    if organisation.provider_id is not None:
        who |= Q(provider_membership__organisation_id=organisation.provider_id)
    emails = User.objects.filter(who, is_active=True).exclude(email="").order_by("pk").values_list("email", flat=True)
    return sorted(set(emails))
