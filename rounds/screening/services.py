"""Screening writes: an officer's eligibility verdict on an application, and asking the
applicant for more information (the application goes back to them until a date).

Both are refused once the round is decided: the awards were made on what was screened then."""

from __future__ import annotations

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction

from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.transitions import run

from ..applying.selectors import applicant_emails
from ..applying.transitions import APPLICATION_MACHINE, RECEIVED_STATES, closing_text
from ..models import Application, ApplicationEvent, Eligibility
from . import selectors

logger = logging.getLogger(__name__)

SEND_FAILED = "The email to the applicant could not be sent, so nothing was changed. Try again later."


def _require_open(application: Application) -> None:
    round = application.round
    if not selectors.screening_open(round):
        raise ValidationError(
            f"Round {round.reference} is {round.get_status_display().lower()}: its applications can no longer be screened."
        )


@transaction.atomic
def application_screen(
    *, actor, application: Application, eligible: bool, reason: str, expected_version: int | None
) -> Application:
    """Record the officer's verdict (eligible or not) and why; the timeline keeps each one."""
    require_capability(actor, "rounds.screen")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Give the reason for the screening decision."]})
    locked = lock_for_update(application, expected_version=expected_version)
    _require_open(locked)
    if locked.status not in RECEIVED_STATES:
        raise ValidationError(
            f"Application {locked.reference} is {locked.get_status_display().lower()}: only received applications are screened."
        )
    locked.eligibility = Eligibility.ELIGIBLE if eligible else Eligibility.INELIGIBLE
    locked.screening_reason = reason
    locked.screened_by = actor
    locked.screened_at = clock.now()
    attribute_to(locked, actor)
    locked.save()
    ApplicationEvent.objects.create(
        application=locked,
        from_status=locked.status,
        to_status=locked.status,
        at=locked.screened_at,
        by=actor,
        note=f"Screened: {locked.get_eligibility_display().lower()}. {reason}",
    )
    return locked


@transaction.atomic
def application_request_info(*, actor, application: Application, request: str, until: datetime.datetime) -> Application:
    """Send the application back to the applicant asking for ``request`` by ``until``, and
    e-mail them what is asked and until when. The e-mail is sent last: if it fails, nothing is kept."""
    require_capability(actor, "rounds.screen")
    request = (request or "").strip()
    errors: dict[str, list[str]] = {}
    if not request:
        errors["request"] = ["Say what information the applicant must send."]
    if until is None or until <= clock.now():
        errors["until"] = ["The date the applicant has until must be in the future."]
    if errors:
        raise ValidationError(errors)
    _require_open(application)

    def apply(move) -> None:
        move.obj.info_request = request
        move.obj.info_until = until

    saved = run(
        APPLICATION_MACHINE,
        application,
        "request_info",
        actor=actor,
        context={"note": request},
        lock=lambda obj: Application.objects.select_for_update().select_related("round", "organisation").get(pk=obj.pk),
        apply=apply,
    )
    _send_request(saved, request=request, until=until)
    return saved


def _send_request(application: Application, *, request: str, until: datetime.datetime) -> None:
    recipients = applicant_emails(application)
    if not recipients:
        raise ValidationError({"request": ["The applicant has no email address to send the request to."]})
    round = application.round
    subject = f"More information needed for your application {application.reference}"
    body = (
        f"Your application {application.reference} ({application.title}) to {round.name} needs more "
        f"information before it can be assessed.\n\nWhat we need:\n{request}\n\n"
        f"Your application has been reopened until {closing_text(until)} (UK time). Sign in to "
        f"{settings.SERVICE_NAME}, add the information and send the application again before then.\n\n"
        f"{settings.OPCC_NAME}\n"
    )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not send the information request for application %s", application.pk, exc_info=True)
        raise ValidationError({"__all__": [SEND_FAILED]}) from None
