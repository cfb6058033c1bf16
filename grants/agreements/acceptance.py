"""Accepting an agreement: the provider's authorised signatory online, a signed copy received
by post or e-mail, the OPCC's countersignature; and the payment rule that waits on them.

Each move runs through ``AGREEMENT_MACHINE`` (``grants.agreements.transitions``), which says who
may make it and from which state. What the signatory accepted is pinned by the checksum of the
document their page showed: if the agreement was reissued since, or the page showed another
file, the acceptance is refused rather than recorded against a document nobody read.
"""

from __future__ import annotations

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction

from grants.agreements.transitions import AGREEMENT_MACHINE
from grants.models import (
    COMMITTED_STATUSES,
    LIVE_AGREEMENT_STATUSES,
    Agreement,
    AgreementStatus,
    Award,
)
from grants.validation import check_award_open, check_lengths
from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.transitions import Move, run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors
from providers.uploads import safe_upload_name, upload_problem

logger = logging.getLogger(__name__)


# Reading ----------------------------------------------------------------------------------------


def possessive(name: str) -> str:
    """ "Helping Hands'" and "Harbour's": how a contracts letter writes an organisation's."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def live_agreement(award: Award) -> Agreement | None:
    """The award's agreement in force or on its way to it (not a variation's letter), if any."""
    return (
        Agreement.objects.filter(award_id=award.pk, variation__isnull=True, status__in=LIVE_AGREEMENT_STATUSES)
        .order_by("-number")
        .first()
    )


def payment_block_reason(award: Award, *, agreement: Agreement | None | bool = False) -> str | None:
    """Why a payment on ``award`` cannot be marked paid now (None: it can).

    With ``settings.PAYMENT_NEEDS_ACCEPTED_AGREEMENT``, money goes out only once the provider
    has accepted the award's live agreement (accepted or countersigned). ``agreement``: the
    live agreement when the caller already has it (None for none), saving a query."""
    if not settings.PAYMENT_NEEDS_ACCEPTED_AGREEMENT:
        return None
    live = live_agreement(award) if agreement is False else agreement
    if live is None:
        return f"Payments on {award.reference} cannot be marked paid until an agreement is issued and accepted."
    if live.is_accepted:
        return None
    return (
        f"Payments on {award.reference} cannot be marked paid until its {live.get_kind_display().lower()} "
        f"(version {live.number}) is accepted by {possessive(award.provider.name)} authorised signatory."
    )


def award_may_be_paid(award: Award) -> bool:
    return payment_block_reason(award) is None


def award_agreements(award: Award) -> list[Agreement]:
    """The award's own agreements (not variation letters), newest first, in one query."""
    return list(
        Agreement.objects.filter(award_id=award.pk, variation__isnull=True)
        .select_related("accepted_by", "countersigned_by")
        .order_by("-number")
    )


def waiting_on(award: Award, agreements: list[Agreement]) -> str:
    """What the award's agreement is waiting for, and on whom ("" when nothing is)."""
    live = next((each for each in agreements if each.status in LIVE_AGREEMENT_STATUSES), None)
    if live is None:
        if settings.PAYMENT_NEEDS_ACCEPTED_AGREEMENT and award.status in COMMITTED_STATUSES:
            return "No agreement issued yet: payments cannot be marked paid until one is accepted."
        return ""
    kind = live.get_kind_display().lower()
    issued = clock.localtime(live.issued_at)
    if live.status == AgreementStatus.ISSUED:
        return (
            f"Waiting for {possessive(award.provider.name)} authorised signatory to accept version {live.number} "
            f"of the {kind}, issued {issued.day} {issued:%B %Y}."
        )
    if live.status == AgreementStatus.ACCEPTED:
        return f"{accepted_label(live)}; waiting for the OPCC's countersignature."
    return ""


def accepted_label(agreement: Agreement) -> str:
    """ "Accepted by Jane Doe (Chief Executive) on 5 May 2019 at 14:02", or for a signed copy
    received, "Signed copy received: signed by … on 5 May 2019"."""
    if agreement.accepted_at is None:
        return ""
    who = agreement.accepted_name + (f" ({agreement.accepted_role})" if agreement.accepted_role else "")
    at = clock.localtime(agreement.accepted_at)
    if agreement.accepted_outside:
        return f"Signed copy received: signed by {who} on {at.day} {at:%B %Y}"
    return f"Accepted by {who} on {at.day} {at:%B %Y} at {at:%H:%M}"


# Writing ----------------------------------------------------------------------------------------


def _check_signature(name: str, role: str, errors: Errors, *, whose: str) -> None:
    if not name:
        add_error(errors, "name", f"Enter {whose} full name.")
    if not role:
        add_error(errors, "role", f"Enter {whose} role (for example, Chief Executive).")


def _locker(expected_version: int | None, *, superseded_field: str = "__all__"):
    """The row lock ``run`` takes, refusing a superseded version with what happened since."""

    def lock(agreement: Agreement) -> Agreement:
        locked = lock_for_update(agreement, expected_version=expected_version)
        if locked.status == AgreementStatus.SUPERSEDED:
            newer = live_agreement(locked.award)
            what = f"version {newer.number}" if newer else "a newer version"
            raise ValidationError(
                {
                    superseded_field: [
                        f"A newer version was issued: version {locked.number} was replaced by {what}. "
                        "Read the new version and accept that one."
                    ]
                }
            )
        return locked

    return lock


def _notify_lead_officer(agreement: Agreement) -> None:
    """Tell the award's lead officer, once the acceptance is committed (no mail for a rollback)."""
    officer = agreement.award.lead_officer
    if officer is None or not officer.email:
        return
    award = agreement.award
    subject = f"{award.reference}: {agreement.get_kind_display().lower()} version {agreement.number} accepted"
    body = (
        f"{accepted_label(agreement)} for {award.provider.name}.\n\n"
        f"{award.reference} {award.title}\n"
        "It is waiting for the OPCC's countersignature. Payments on the award may now be marked paid.\n"
    )

    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [officer.email])
        except (smtplib.SMTPException, OSError):
            logger.warning("Could not tell %s that %s was accepted", officer.email, agreement, exc_info=True)

    transaction.on_commit(send)


@transaction.atomic
def agreement_accept(
    *, actor, agreement: Agreement, name: str, role: str, checksum: str, expected_version: int | None = None
) -> Agreement:
    """The provider's authorised signatory accepts ``agreement`` in the portal, typing their
    name and role; ``checksum`` is the SHA-256 of the document their page showed, and must be
    the agreement's. Records who, when (``clock.now()``) and what, and e-mails the award's
    lead officer."""
    name, role, checksum = clean_text(name), clean_text(role), clean_text(checksum).lower()

    def apply(move: Move) -> None:
        current: Agreement = move.obj
        errors: Errors = {}
        check_award_open(current.award, errors, doing="accepted")
        _check_signature(name, role, errors, whose="your")
        check_lengths(Agreement, {"accepted_name": name, "accepted_role": role}, errors)
        if checksum != current.checksum:
            add_error(
                errors,
                "checksum",
                "The document you read is not the one issued as this version. Open the agreement again, "
                "read it and accept it.",
            )
        raise_if_errors(errors)
        current.accepted_by = actor
        current.accepted_name = name
        current.accepted_role = role
        current.accepted_at = clock.now()
        current.accepted_checksum = checksum
        current.accepted_outside = False

    accepted = run(AGREEMENT_MACHINE, agreement, "accept", actor=actor, lock=_locker(expected_version), apply=apply)
    _notify_lead_officer(accepted)
    return accepted


@transaction.atomic
def agreement_countersign(
    *, actor, agreement: Agreement, name: str, role: str, expected_version: int | None = None
) -> Agreement:
    """The OPCC countersigns an accepted agreement (an officer, ``agreements.edit``)."""
    name, role = clean_text(name), clean_text(role)

    def apply(move: Move) -> None:
        current: Agreement = move.obj
        errors: Errors = {}
        check_award_open(current.award, errors, doing="countersigned")
        _check_signature(name, role, errors, whose="the countersignatory's")
        check_lengths(Agreement, {"countersigned_name": name, "countersigned_role": role}, errors)
        raise_if_errors(errors)
        current.countersigned_by = actor
        current.countersigned_name = name
        current.countersigned_role = role
        current.countersigned_at = clock.now()

    return run(AGREEMENT_MACHINE, agreement, "countersign", actor=actor, lock=_locker(expected_version), apply=apply)


def _check_signed_copy(signed_copy: UploadedFile | None, errors: Errors) -> None:
    """The same checks as every other upload: size, and type by its contents."""
    if signed_copy is None:
        add_error(errors, "signed_copy", "Choose the signed copy to upload.")
        return
    problem, _ = upload_problem(
        name=signed_copy.name or "", stream=signed_copy, size=signed_copy.size, max_bytes=settings.UPLOAD_MAX_BYTES
    )
    if problem:
        add_error(errors, "signed_copy", problem)


def _check_accepted_on(accepted_on, agreement: Agreement, errors: Errors) -> None:
    if not isinstance(accepted_on, datetime.date):
        add_error(errors, "accepted_on", "Enter the date it was signed.")
        return
    if accepted_on > clock.today():
        add_error(errors, "accepted_on", "The date it was signed cannot be in the future.")
    issued_on = clock.localtime(agreement.issued_at).date()
    if accepted_on < issued_on:
        add_error(
            errors,
            "accepted_on",
            f"The date it was signed cannot be before version {agreement.number} was issued ({issued_on:%-d %B %Y}).",
        )


@transaction.atomic
def agreement_record_signed(
    *,
    actor,
    agreement: Agreement,
    signed_copy: UploadedFile,
    name: str,
    role: str,
    accepted_on: datetime.date,
    expected_version: int | None = None,
) -> Agreement:
    """Record that ``agreement`` was accepted outside the service (a signed scan received):
    who signed, in what role, on what day, with the signed copy (checked like every upload).
    For officers (``agreements.edit``); the system may record one too (the demo, imports)."""
    name, role = clean_text(name), clean_text(role)

    def apply(move: Move) -> None:
        current: Agreement = move.obj
        errors: Errors = {}
        check_award_open(current.award, errors, doing="recorded as signed")
        _check_signature(name, role, errors, whose="the signatory's")
        check_lengths(Agreement, {"accepted_name": name, "accepted_role": role}, errors)
        _check_accepted_on(accepted_on, current, errors)
        _check_signed_copy(signed_copy, errors)
        raise_if_errors(errors)
        current.accepted_by = None  # signed on paper: the officer who recorded it is in the history
        current.accepted_name = name
        current.accepted_role = role
        current.accepted_at = clock.start_of(accepted_on)
        # The officer vouches that the copy is of this version: it is the document accepted.
        current.accepted_checksum = current.checksum
        current.accepted_outside = True
        field_length = Agreement._meta.get_field("signed_copy").max_length - 60  # room for the folder
        current.signed_copy.save(safe_upload_name(signed_copy.name or "", field_length), signed_copy, save=False)

    def save(move: Move) -> None:
        try:
            move.obj.save()
        except Exception:
            move.obj.signed_copy.delete(save=False)  # no orphan file
            raise

    return run(
        AGREEMENT_MACHINE,
        agreement,
        "record_signed",
        actor=actor,
        lock=_locker(expected_version),
        apply=apply,
        save=save,
    )
