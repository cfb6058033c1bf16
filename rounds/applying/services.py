"""Every write an applicant makes: starting an application, answering its questions (saved as
they go, over several sittings and by several colleagues), its budget and files, submitting,
withdrawing and sending more information.

Answers are saved by key under the application's row lock, so two colleagues answering two
questions never undo each other (the last save of one question wins, as with any shared
document); the moves go through ``APPLICATION_MACHINE``."""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from pcc_commissioning import clock
from pcc_commissioning.money import AmountError, parse_amount
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import has_capability, require_capability
from pcc_commissioning.transitions import Move, run
from pcc_commissioning.validation import Errors, add_error, raise_if_errors
from providers.uploads import safe_upload_name, upload_problem

from ..models import (
    Application,
    ApplicationFile,
    ApplicationQuestion,
    ApplicationStatus,
    BudgetLine,
    EligibilityKind,
    Round,
    RoundKind,
    RoundStatus,
)
from .access import access_own_application, require_organisation
from .answers import amount_problem, eligibility_verdict, number, parse_date_answer, word_count, yes_no
from .transitions import APPLICATION_MACHINE, EDITABLE_STATES, closing_text

logger = logging.getLogger(__name__)


# Rounds an applicant may apply to ---------------------------------------------------------------


def visible_kinds(user) -> set[str]:
    """Open calls are for everyone; invitation and internal rounds only for provider users."""
    from pcc_commissioning.roles import provider_organisation_id

    if provider_organisation_id(user) is not None:
        return set(RoundKind.values)
    return {RoundKind.OPEN_CALL}


def open_rounds(user):
    now = clock.now()
    return Round.objects.filter(
        status=RoundStatus.PUBLISHED, opens_at__lte=now, closes_at__gt=now, kind__in=visible_kinds(user)
    ).order_by("closes_at", "reference")


def _next_reference(round: Round) -> str:
    """``<ROUND-REF>-0001``, one more than the round's highest so far (the round row is locked)."""
    prefix = f"{round.reference}-"
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    highest = 0
    for reference in Application.objects.filter(reference__startswith=prefix).values_list("reference", flat=True):
        match = pattern.match(reference)
        if match:
            highest = max(highest, int(match.group(1)))
    return f"{prefix}{highest + 1:04d}"


def next_reference(round: Round) -> str:
    Round.objects.select_for_update().filter(pk=round.pk).first()
    return _next_reference(round)


@transaction.atomic
def application_start(*, actor, round: Round) -> Application:
    """Start the organisation's application to ``round`` (one per organisation per round,
    unless the earlier one was withdrawn)."""
    require_capability(actor, "rounds.apply")
    organisation = require_organisation(actor)
    if not open_rounds(actor).filter(pk=round.pk).exists():
        raise ValidationError({"round": [f"Round {round.reference} is not taking applications."]})
    existing = (
        Application.objects.filter(organisation=organisation, round=round)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .first()
    )
    if existing is not None:
        raise ValidationError(
            {"round": [f"{organisation.name} already has an application to this round: {existing.reference}."]}
        )
    application = Application(
        round=round,
        reference=next_reference(round),
        organisation=organisation,
        contact_email=actor.email,
        created_by=actor,
        definition_version=round.definition_version,
    )
    attribute_to(application, actor)
    application.save()
    return application


# Answering ----------------------------------------------------------------------------------------


def _editable(actor, application: Application) -> Application:
    """The application locked for a change by ``actor``: theirs, and in a state that may change."""
    require_capability(actor, "rounds.apply")
    access_own_application(actor, application.pk)
    locked = Application.objects.select_for_update().select_related("round").get(pk=application.pk)
    if locked.status not in EDITABLE_STATES:
        raise ValidationError(
            {
                "status": [
                    f"Application {locked.reference} is {locked.get_status_display().lower()}: it cannot be changed."
                ]
            }
        )
    if locked.status == ApplicationStatus.INFO_REQUESTED and locked.info_until and clock.now() >= locked.info_until:
        raise ValidationError(
            {"status": [f"The application was reopened until {closing_text(locked.info_until)}: that time has passed."]}
        )
    locked.version += 1
    attribute_to(locked, actor)
    return locked


@transaction.atomic
def application_answer_eligibility(*, actor, application: Application, answers: Mapping[str, str]) -> Application:
    """Save the eligibility answers (yes/no, or a number) and the verdict they give."""
    require_capability(actor, "rounds.apply")
    locked = _editable(actor, application)
    errors: Errors = {}
    stored = dict(locked.eligibility_answers or {})
    for question in locked.round.eligibility_questions.all():
        given = answers.get(question.key, "")
        if question.kind == EligibilityKind.YES_NO:
            value = yes_no(given)
            if value is None:
                add_error(errors, question.key, f"Answer yes or no: {question.question}")
        else:
            value = number(given)
            if value is None:
                add_error(errors, question.key, f"Enter a number: {question.question}")
            else:
                value = str(value)
        stored[question.key] = value
    raise_if_errors(errors)
    locked.eligibility_answers = stored
    locked.answers_eligible, _ = eligibility_verdict(locked.round, stored)
    locked.save()
    return locked


@transaction.atomic
def application_save_details(
    *, actor, application: Application, title: str, amount_requested: str, area_ids: Iterable[int] = ()
) -> Application:
    """The project's title, the amount asked for (within the round's range) and its areas."""
    require_capability(actor, "rounds.apply")
    locked = _editable(actor, application)
    errors: Errors = {}
    title = " ".join((title or "").split())
    if not title:
        add_error(errors, "title", "Enter the project's title.")
    elif len(title) > 300:
        add_error(errors, "title", "The title must be 300 characters or fewer.")
    amount = None
    try:
        amount = parse_amount(amount_requested or "", what="amount you are asking for")
    except AmountError as exc:
        add_error(errors, "amount_requested", str(exc) if (amount_requested or "").strip() else "Enter the amount.")
    else:
        problem = amount_problem(locked.round, amount)
        if problem:
            add_error(errors, "amount_requested", problem)
    allowed = {area.pk: area for area in locked.round.areas.all()}
    chosen = [allowed[int(pk)] for pk in area_ids if str(pk).isdigit() and int(pk) in allowed]
    if len(chosen) != len(list(area_ids)):
        add_error(errors, "areas", "Choose areas from the list.")
    raise_if_errors(errors)
    locked.title, locked.amount_requested = title, amount
    locked.save()
    locked.areas.set(chosen)
    return locked


def question_of(application: Application, key: str) -> ApplicationQuestion:
    question = application.round.questions.filter(key=key).first()
    if question is None:
        from django.http import Http404

        raise Http404("No such question.")
    return question


def _clean_answer(question: ApplicationQuestion, value: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    problem = None
    if question.kind == "text" and question.word_limit and word_count(text) > question.word_limit:
        problem = f"Your answer has {word_count(text)} words: the limit is {question.word_limit}."
    elif question.kind == "number":
        parsed = number(text)
        problem = None if parsed is not None else "Enter a number, like 250 or 1,250."
        text = str(parsed) if parsed is not None else text
    elif question.kind == "choice" and text not in question.choice_list:
        problem = "Choose one of the options."
    elif question.kind == "date":
        parsed = parse_date_answer(text)
        problem = None if parsed is not None else "Enter a real date."
        text = parsed.isoformat() if parsed else text
    if problem:
        raise ValidationError({"answer": [problem]})
    return text


@transaction.atomic
def application_save_answer(*, actor, application: Application, key: str, value: str) -> Application:
    """Save one text, number, choice or date answer (blank is kept as not answered yet)."""
    require_capability(actor, "rounds.apply")
    locked = _editable(actor, application)
    question = question_of(locked, key)
    if question.kind not in ("text", "number", "choice", "date"):
        raise ValidationError({"answer": ["This question is answered on its own page."]})
    answers = dict(locked.answers or {})
    answers[key] = _clean_answer(question, value)
    locked.answers = answers
    locked.save()
    return locked


@transaction.atomic
def application_upload_file(*, actor, application: Application, key: str, file) -> ApplicationFile:
    """Keep an uploaded file as the answer to a file question (checked like provider documents)."""
    require_capability(actor, "rounds.apply")
    locked = _editable(actor, application)
    question = question_of(locked, key)
    if question.kind != "file":
        raise ValidationError({"file": ["This question does not take a file."]})
    if file is None:
        raise ValidationError({"file": ["Choose a file to upload."]})
    problem, file_type = upload_problem(
        name=file.name or "", stream=file, size=file.size, max_bytes=settings.UPLOAD_MAX_BYTES
    )
    if problem:
        raise ValidationError({"file": [problem]})
    name = safe_upload_name(file.name, ApplicationFile._meta.get_field("original_name").max_length)
    stored = ApplicationFile(
        application=locked,
        question_key=key,
        original_name=name,
        content_type=file_type.content_type,
        size=file.size,
        uploaded_by=actor,
    )
    stored.file.save(name, file, save=False)
    stored.save()
    locked.save()
    return stored


@transaction.atomic
def application_remove_file(*, actor, application: Application, file_id: int) -> None:
    require_capability(actor, "rounds.apply")
    locked = _editable(actor, application)
    ApplicationFile.objects.filter(application=locked, pk=file_id).delete()
    locked.save()


@transaction.atomic
def budget_line_add(
    *, actor, application: Application, key: str, item: str, amount: str, notes: str = ""
) -> BudgetLine:
    require_capability(actor, "rounds.apply")
    locked = _editable(actor, application)
    question = question_of(locked, key)
    if question.kind != "budget":
        raise ValidationError({"item": ["This question is not a budget."]})
    errors: Errors = {}
    item, notes = " ".join((item or "").split()), (notes or "").strip()
    if not item:
        add_error(errors, "item", "Say what the cost is for.")
    elif len(item) > 200:
        add_error(errors, "item", "The item must be 200 characters or fewer.")
    if len(notes) > 300:
        add_error(errors, "notes", "The notes must be 300 characters or fewer.")
    value = None
    try:
        value = parse_amount(amount or "", what="cost")
    except AmountError as exc:
        add_error(errors, "amount", str(exc) if (amount or "").strip() else "Enter the cost.")
    raise_if_errors(errors)
    position = BudgetLine.objects.filter(application=locked, question_key=key).count()
    line = BudgetLine.objects.create(
        application=locked, question_key=key, item=item, amount=value, notes=notes, position=position
    )
    locked.save()
    return line


@transaction.atomic
def budget_line_remove(*, actor, application: Application, line_id: int) -> None:
    require_capability(actor, "rounds.apply")
    locked = _editable(actor, application)
    BudgetLine.objects.filter(application=locked, pk=line_id).delete()
    locked.save()


# Moves ----------------------------------------------------------------------------------------------


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("round", "organisation").get(pk=application.pk)


def _send_receipt(application: Application, actor) -> None:
    """The receipt; a mail server's refusal does not undo the submission (the reference is on
    the page too), so it is logged rather than raised."""
    recipients = sorted({address for address in (actor.email, application.contact_email) if address})
    if not recipients:
        return
    context = {"application": application, "round": application.round, "service_name": settings.SERVICE_NAME}
    body = render_to_string("rounds/applying/email/receipt.txt", context)
    subject = " ".join(f"Application {application.reference} received: {application.round.name}".split())
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not send the receipt for application %s", application.pk, exc_info=True)


def _stamp_submission(move: Move) -> None:
    move.obj.submitted_at = clock.now()
    move.obj.submitted_by = move.actor
    move.obj.version += 1


@transaction.atomic
def application_submit(*, actor, application: Application) -> Application:
    """Submit (a draft) or send the information asked for (``info_requested``), then e-mail the
    receipt with the application's reference."""
    require_capability(actor, "rounds.apply")
    name = "resubmit" if application.status == ApplicationStatus.INFO_REQUESTED else "submit"
    submitted = run(APPLICATION_MACHINE, application, name, actor=actor, lock=_lock, apply=_stamp_submission)
    _send_receipt(submitted, actor)
    return submitted


@transaction.atomic
def application_withdraw(*, actor, application: Application, reason: str = "") -> Application:
    require_capability(actor, "rounds.apply")
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ValidationError({"reason": ["The reason must be 2,000 characters or fewer."]})

    def apply(move: Move) -> None:
        move.obj.withdrawn_at = clock.now()
        move.obj.withdrawn_reason = reason
        move.obj.version += 1

    return run(
        APPLICATION_MACHINE,
        application,
        "withdraw",
        actor=actor,
        lock=_lock,
        apply=apply,
        context={"note": reason},
    )


def may_apply(user) -> bool:
    return has_capability(user, "rounds.apply")


def require_apply(user) -> None:
    if not may_apply(user):
        raise PermissionDenied("Your role does not allow this (rounds.apply).")
