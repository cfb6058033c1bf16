"""Reads for screening: a round's received applications and one whole application, each in a
fixed number of queries whatever the round's size (the permission-checked fetches of the round
and of one application are ``setup.selectors.access_round`` and
``applying.selectors.access_round_application``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pcc_commissioning import clock

from ..applying.answers import is_answered, number, number_text, requirement_failed, yes_no
from ..applying.selectors import question_value
from ..applying.transitions import RECEIVED_STATES
from ..models import Application, ApplicationStatus, Eligibility, Round, RoundStatus

# Once the round is decided (or cancelled) nothing about screening may change.
SCREENING_CLOSED = frozenset({RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED, RoundStatus.CANCELLED})

# The list's screening filter: the officer's verdict, and "withdrawn" (not received, so hidden
# unless asked for).
WITHDRAWN_FILTER = "withdrawn"
SCREENING_FILTERS = [*Eligibility.choices, (WITHDRAWN_FILTER, "Withdrawn")]


# Which applications count as eligible, for the panel's assignments, the ranking and the report:
# screened eligible, or not screened yet with eligibility answers that meet every requirement
# (answers not all given wait for an officer's screening). ``ELIGIBLE`` and ``is_eligible`` are
# the one rule, as a query and for an application in hand.
ELIGIBLE = Q(eligibility=Eligibility.ELIGIBLE) | Q(eligibility=Eligibility.UNSCREENED, answers_eligible=True)


def is_eligible(application: Application) -> bool:
    if application.eligibility == Eligibility.UNSCREENED:
        return application.answers_eligible is True
    return application.eligibility == Eligibility.ELIGIBLE


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
                "answer": _shown(question, answer),
                "meets": _meets(question, answer),
            }
        )
    return rows


def _shown(question, answer) -> str:
    if not is_answered(question, answer):
        return "Not answered"
    if question.kind == "yes_no":
        return "Yes" if yes_no(answer) else "No"
    return number_text(number(answer))


def _requirement(question) -> str:
    if question.kind == "yes_no":
        return "Yes" if question.required_answer else "No"
    parts = []
    if question.min_value is not None:
        parts.append(f"at least {number_text(question.min_value)}")
    if question.max_value is not None:
        parts.append(f"at most {number_text(question.max_value)}")
    return " and ".join(parts)


def _meets(question, answer) -> bool | None:
    """The applicant's own rule (rounds.applying.answers): None until answered."""
    if not is_answered(question, answer):
        return None
    return requirement_failed(question, answer) is None


def answer_rows(application: Application) -> list[dict]:
    """Each application question with the applicant's answer (budget and file questions point
    to the tables below)."""
    answers = application.answers or {}
    return [
        {"question": question, "answer": question_value(question, answers.get(question.key))}
        for question in application.round.questions.all()
    ]
