"""The round's one decision and the awards made under it.

``round_decision_prepare`` drafts the PCC's decision from the panel's recommendation (signed on
the decision register's pages, where the delegated limit applies to its amount);
``round_make_awards`` then, in one transaction, matches or creates each recommended applicant
on the provider register, makes its award under the decision, marks every received application
successful or not, decides the round and e-mails each applicant the outcome."""

from __future__ import annotations

import logging
import smtplib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from grants.awards.rules import LineInput
from grants.awards.services import award_create
from grants.decisions.services import decision_create
from grants.models import AwardKind, AwardStatus, Decision
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.money import format_pence
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.transitions import Move, run
from providers.models import Organisation, OrganisationKind
from providers.services import organisation_create

from ..applying.selectors import applicant_emails
from ..applying.transitions import APPLICATION_MACHINE
from ..models import ApplicantOrganisation, Application, Round, RoundStatus
from ..moderation.ranking import Row
from ..moderation.selectors import round_ranking
from ..setup.transitions import ROUND_MACHINE
from .application_file import attach_application

logger = logging.getLogger(__name__)


def recommended_rows(round: Round) -> list[tuple[Row, Application]]:
    """The applications the panel recommends, in rank order, with what each is offered."""
    ranking, applications = round_ranking(round)
    return [(row, applications[row.application.id]) for row in ranking.rows if row.recommended]


def _summary(rows: list[tuple[Row, Application]]) -> str:
    lines = [
        f"{app.reference} {app.organisation.name}: {app.title or 'untitled'}, {format_pence(row.amount_offered)}"
        for row, app in rows
    ]
    return "Awards recommended by the assessment panel:\n" + "\n".join(lines)


@transaction.atomic
def round_decision_prepare(*, actor, round: Round, reference: str = "") -> Decision:
    """A draft decision for the round's recommended awards, linked to the round."""
    require_capability(actor, "rounds.panel")
    locked = lock_for_update(round, expected_version=None)
    if locked.decision_id is not None:
        raise ValidationError({"reference": [f"Round {locked.reference} already has decision {locked.decision}."]})
    if locked.status != RoundStatus.PUBLISHED:
        raise ValidationError(
            {"reference": [f"Round {locked.reference} is {locked.get_status_display().lower()}: no decision now."]}
        )
    rows = recommended_rows(locked)
    if not rows:
        raise ValidationError({"reference": ["The panel recommends no application yet: nothing to decide."]})
    decision = decision_create(
        actor=actor,
        reference=reference.strip() or f"{locked.reference}-DEC",
        subject=f"Awards from {locked.name}",
        summary=_summary(rows),
        amount=sum((row.amount_offered for row, _app in rows), start=Decimal(0)),
    )
    locked.decision = decision
    attribute_to(locked, actor)
    locked.save()
    round.decision = decision
    return decision


def provider_for(applicant: ApplicantOrganisation, *, actor) -> Organisation:
    """The provider register's record of ``applicant``: linked already, else matched by charity
    or company number, else created from the applicant's details; linked back either way."""
    if applicant.provider_id is not None:
        return applicant.provider
    provider = None
    if applicant.charity_number:
        provider = Organisation.objects.filter(charity_number=applicant.charity_number).first()
    if provider is None and applicant.company_number:
        provider = Organisation.objects.filter(company_number=applicant.company_number).first()
    if provider is None:
        provider = organisation_create(
            actor=actor,
            name=applicant.name,
            # A kind the register does not know (a registration typed before the list) is "other".
            kind=applicant.kind if applicant.kind in OrganisationKind.values else OrganisationKind.OTHER,
            charity_number=applicant.charity_number,
            company_number=applicant.company_number,
            address=applicant.address,
            postcode=applicant.postcode,
        )
    if not ApplicantOrganisation.objects.filter(provider=provider).exists():
        applicant.provider = provider
        attribute_to(applicant, actor)
        applicant.save(update_fields=["provider"])
    return provider


def _award_for(round: Round, row: Row, application: Application, *, actor) -> None:
    provider = provider_for(application.organisation, actor=actor)
    made_from = f"Made from application {application.reference} in round {round.reference}."
    award = award_create(
        actor=actor,
        title=(application.title or f"{round.name}: {provider.name}")[:200],
        provider=provider,
        kind=AwardKind.GRANT,
        priority=round.priority,
        start_date=round.award_start,
        end_date=round.award_end,
        lines=[LineInput(stream=round.funding_stream, fy=round.fy, amount=row.amount_offered)],
        kpqs=list(round.kpqs.all()),
        areas=list(application.areas.all()) or list(round.areas.all()),
        status=AwardStatus.AWARDED,
        note=made_from,
        decision=round.decision,
        purpose=f"{application.title}\n\n{made_from}".strip(),
    )
    attach_application(award, application, actor=actor)
    application.award = award


def _make_awards(move: Move) -> None:
    round: Round = move.obj
    actor = move.actor
    if round.award_start is None or round.award_end is None:
        raise ValidationError({"award_start": ["Set the dates the round's grants start and end first."]})
    ranking, applications = round_ranking(round)
    outcomes = []
    for row in ranking.rows:
        application = applications[row.application.id]
        if row.recommended:
            _award_for(round, row, application, actor=actor)
            run(APPLICATION_MACHINE, application, "succeed", actor=actor)
            outcomes.append((application, row.amount_offered))
        else:
            run(APPLICATION_MACHINE, application, "fail", actor=actor)
            outcomes.append((application, None))
    round.awards_made_at = clock.now()
    move.context["outcomes"] = outcomes


@transaction.atomic
def round_make_awards(*, actor, round: Round) -> Round:
    """Make the awards of the signed decision and decide the round (all or nothing), then send
    each applicant the outcome."""
    require_capability(actor, "rounds.panel")
    context: dict = {}
    decided = run(
        ROUND_MACHINE,
        round,
        "decide",
        actor=actor,
        context=context,
        lock=lambda obj: lock_for_update(obj, expected_version=None),
        apply=_make_awards,
    )
    for application, amount in context.get("outcomes", []):
        outcome_send(application, round=decided, amount=amount)
    return decided


def outcome_send(application: Application, *, round: Round, amount: Decimal | None) -> bool:
    """E-mail the applicant the outcome (``amount``: what the award is for; None: unsuccessful);
    True when sent (``outcome_sent_at`` set)."""
    recipients = applicant_emails(application)
    if not recipients:
        return False
    successful = amount is not None
    context = {
        "application": application,
        "round": round,
        "amount": format_pence(amount) if successful else "",
        "service_name": settings.SERVICE_NAME,
        "opcc_name": settings.OPCC_NAME,
    }
    template = "rounds/email/outcome_successful.txt" if successful else "rounds/email/outcome_unsuccessful.txt"
    subject = " ".join(f"Your application {application.reference} to {round.name}".split())
    try:
        send_mail(subject, render_to_string(template, context), settings.DEFAULT_FROM_EMAIL, recipients)
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not send the outcome of application %s", application.pk, exc_info=True)
        return False
    Application.objects.filter(pk=application.pk).update(outcome_sent_at=clock.now())
    return True
