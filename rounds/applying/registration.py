"""Registering an organisation to apply, confirming the address, and a lead inviting colleagues.

Registering is public: the person has no account yet, so there is no actor to check; the
account made is switched off until the link e-mailed to its address is followed (the token is
the proof of the address). Like a provider's invitation, only the token's hash is stored and
the e-mail is sent inside the transaction, last: if it cannot be sent nothing is kept."""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pcc_commissioning import clock
from pcc_commissioning.records import save_unique
from pcc_commissioning.roles import Role, require_capability
from pcc_commissioning.validation import Errors, add_error, raise_if_errors
from providers.identifiers import normalise_charity_number, normalise_company_number
from providers.invitations.selectors import LinkProblem, token_hash
from providers.models import Organisation, OrganisationKind

from ..models import ApplicantMembership, ApplicantOrganisation, ApplicantToken, ApplicantTokenPurpose
from .access import is_lead

logger = logging.getLogger(__name__)

SEND_FAILED = "The email could not be sent, so nothing was saved. Try again later."
ADDRESS_TAKEN = (
    "This email address already has an account. Sign in with it, or reset its password if you have forgotten it."
)


# The providers' invitation links' problems (an applicant's link is never withdrawn), worded for
# any of the applicants' links.
LINK_MESSAGES = {
    LinkProblem.UNKNOWN: "This link does not work. It may have been copied wrongly.",
    LinkProblem.USED: "This link has already been used.",
    LinkProblem.EXPIRED: "This link has expired.",
}


def token_for(token: str, purpose: str, *, lock: bool = False) -> ApplicantToken | None:
    rows = ApplicantToken.objects.select_related("organisation", "user", "sent_by")
    if lock:
        # Lock the token's row only: its user and sender may be empty (outer joins), and
        # PostgreSQL refuses to lock the nullable side of an outer join.
        rows = rows.select_for_update(of=("self",))
    return rows.filter(token_hash=token_hash(token or ""), purpose=purpose).first()


def link_problem(record: ApplicantToken | None) -> LinkProblem | None:
    if record is None:
        return LinkProblem.UNKNOWN
    if record.used_at is not None:
        return LinkProblem.USED
    if clock.now() > record.expires_at:
        return LinkProblem.EXPIRED
    return None


def _account_exists(email: str) -> bool:
    return get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()


def _clean_person(errors: Errors, *, first_name: str, last_name: str) -> tuple[str, str]:
    first, last = " ".join((first_name or "").split()), " ".join((last_name or "").split())
    for field, value, label in (("first_name", first, "first name"), ("last_name", last, "last name")):
        if not value:
            add_error(errors, field, f"Enter your {label}.")
        elif len(value) > 150:
            add_error(errors, field, f"Your {label} must be 150 characters or fewer.")
    return first, last


def _clean_email(errors: Errors, email: str, *, whose: str = "your") -> str:
    address = (email or "").strip().lower()
    if not address:
        add_error(errors, "email", f"Enter {whose} email address.")
    elif len(address) > 150:
        add_error(errors, "email", "The email address must be 150 characters or fewer.")
    else:
        try:
            validate_email(address)
        except ValidationError:
            add_error(errors, "email", "Enter an email address in the correct format, like name@example.com.")
        else:
            if _account_exists(address):
                add_error(errors, "email", ADDRESS_TAKEN)
    return address


def _clean_numbers(errors: Errors, *, charity_number: str, company_number: str) -> tuple[str, str]:
    numbers = {}
    for field, value, normalise in (
        ("charity_number", charity_number, normalise_charity_number),
        ("company_number", company_number, normalise_company_number),
    ):
        try:
            numbers[field] = normalise(value)
        except ValueError as exc:
            numbers[field] = ""
            add_error(errors, field, str(exc))
    for field, label in (("charity_number", "charity"), ("company_number", "company")):
        if numbers[field]:
            taken = ApplicantOrganisation.objects.filter(**{field: numbers[field]}).first()
            if taken is not None:
                add_error(
                    errors,
                    field,
                    f"An organisation with this {label} number is already registered: {taken.name}. "
                    f"Ask {taken.name}'s lead to add you.",
                )
    return numbers["charity_number"], numbers["company_number"]


def _clean_organisation(errors: Errors, *, name: str, kind: str, address: str, postcode: str) -> tuple[str, str, str]:
    name = " ".join((name or "").split())
    if not name:
        add_error(errors, "name", "Enter your organisation's name.")
    elif len(name) > 200:
        add_error(errors, "name", "The organisation's name must be 200 characters or fewer.")
    if kind not in OrganisationKind.values:
        add_error(errors, "kind", "Choose what kind of organisation it is.")
    postcode_text = " ".join((postcode or "").upper().split())
    if len(postcode_text) > 10:
        add_error(errors, "postcode", "Enter a real postcode, like SW1A 1AA.")
    return name, (address or "").strip(), postcode_text


def _known_provider(charity_number: str, company_number: str) -> Organisation | None:
    if not (charity_number or company_number):
        return None
    numbers = Q(pk__in=[])
    if charity_number:
        numbers |= Q(charity_number=charity_number)
    if company_number:
        numbers |= Q(company_number=company_number)
    provider = Organisation.objects.filter(numbers).order_by("pk").first()
    # A provider already applying through its portal users has its applicant record.
    if provider is not None and ApplicantOrganisation.objects.filter(provider=provider).exists():
        return None
    return provider


def _password(errors: Errors, password: str, user) -> None:
    if not password:
        add_error(errors, "password", "Enter a password.")
        return
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        for message in exc.messages:
            add_error(errors, "password", message)


def _issue(*, purpose: str, organisation, email: str, user=None, sent_by=None, **names) -> tuple[ApplicantToken, str]:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    record = ApplicantToken.objects.create(
        purpose=purpose,
        organisation=organisation,
        user=user,
        email=email,
        token_hash=token_hash(token),
        sent_by=sent_by,
        sent_at=now,
        expires_at=timezone.localtime(now) + datetime.timedelta(days=settings.INVITATION_DAYS),
        **names,
    )
    return record, token


def _send(record: ApplicantToken, *, token: str, link_base: str, url_name: str, template: str, subject: str) -> None:
    context = {
        "record": record,
        "organisation": record.organisation,
        "link": link_base.rstrip("/") + reverse(url_name, kwargs={"token": token}),
        "service_name": settings.SERVICE_NAME,
        "opcc_name": settings.OPCC_NAME,
        "days": settings.INVITATION_DAYS,
    }
    body = render_to_string(template, context)
    try:
        send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [record.email])
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not send the applicant e-mail for token %s", record.pk, exc_info=True)
        raise ValidationError({"__all__": [SEND_FAILED]}) from None


@transaction.atomic
def registration_create(
    *,
    name: str,
    kind: str,
    charity_number: str = "",
    company_number: str = "",
    address: str = "",
    postcode: str = "",
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    link_base: str,
) -> tuple[ApplicantOrganisation, Organisation | None]:
    """Register an organisation and its lead's (switched off) account, and e-mail the link
    that confirms the address. Returns the organisation and the provider it was matched with
    by its charity or company number (None if none). No actor: the person has no account."""
    errors: Errors = {}
    name, address_text, postcode_text = _clean_organisation(
        errors, name=name, kind=kind, address=address, postcode=postcode
    )
    charity, company = _clean_numbers(errors, charity_number=charity_number, company_number=company_number)
    first, last = _clean_person(errors, first_name=first_name, last_name=last_name)
    email = _clean_email(errors, email)
    user = get_user_model()(username=email, email=email, first_name=first, last_name=last, is_active=False)
    _password(errors, password, user)
    raise_if_errors(errors)

    provider = _known_provider(charity, company)
    organisation = ApplicantOrganisation(
        name=name,
        kind=kind,
        charity_number=charity,
        company_number=company,
        address=address_text,
        postcode=postcode_text,
        provider=provider,
    )
    save_unique(organisation, field="name", message="An organisation with these numbers has just been registered.")
    user.set_password(password)
    save_unique(user, field="email", message=ADDRESS_TAKEN)
    user.groups.add(Group.objects.get(name=Role.APPLICANT.value))
    ApplicantMembership.objects.create(user=user, organisation=organisation, is_lead=True)
    record, token = _issue(
        purpose=ApplicantTokenPurpose.CONFIRM_EMAIL, organisation=organisation, email=email, user=user
    )
    _send(
        record,
        token=token,
        link_base=link_base,
        url_name="apply:confirm",
        template="rounds/applying/email/confirm.txt",
        subject=f"Confirm your email address for {settings.SERVICE_NAME}",
    )
    return organisation, provider


def _usable(token: str, purpose: str) -> ApplicantToken:
    record = token_for(token, purpose, lock=True)
    problem = link_problem(record)
    if problem is not None:
        raise ValidationError({"token": [ValidationError(LINK_MESSAGES[problem], code=problem.value)]})
    return record


@transaction.atomic
def registration_confirm(*, token: str):
    """Follow the confirmation link: the account is switched on. Returns the user."""
    record = _usable(token, ApplicantTokenPurpose.CONFIRM_EMAIL)
    user = record.user
    user.is_active = True
    user.save(update_fields=["is_active"])
    record.used_at = clock.now()
    record.save(update_fields=["used_at"])
    return user


@transaction.atomic
def colleague_invite(*, actor, email: str, link_base: str) -> ApplicantToken:
    """A lead invites a colleague to work on their organisation's applications."""
    require_capability(actor, "rounds.apply")
    if not is_lead(actor):
        raise PermissionDenied("Only your organisation's lead can invite colleagues.")
    organisation = actor.applicant_membership.organisation
    errors: Errors = {}
    address = _clean_email(errors, email, whose="their")
    pending = ApplicantToken.objects.filter(
        purpose=ApplicantTokenPurpose.INVITE, email__iexact=address, used_at__isnull=True, expires_at__gte=clock.now()
    )
    if address and "email" not in errors and pending.exists():
        add_error(errors, "email", "An invitation to this address is already waiting to be accepted.")
    raise_if_errors(errors)
    record, token = _issue(
        purpose=ApplicantTokenPurpose.INVITE, organisation=organisation, email=address, sent_by=actor
    )
    _send(
        record,
        token=token,
        link_base=link_base,
        url_name="apply:join",
        template="rounds/applying/email/invite.txt",
        subject=f"Join {organisation.name} on {settings.SERVICE_NAME}",
    )
    return record


@transaction.atomic
def colleague_join(*, token: str, first_name: str, last_name: str, password: str):
    """The invited colleague names themself and chooses a password: their account is made and
    joins the organisation. Returns the user (the view signs them in)."""
    record = _usable(token, ApplicantTokenPurpose.INVITE)
    errors: Errors = {}
    first, last = _clean_person(errors, first_name=first_name, last_name=last_name)
    if _account_exists(record.email):
        add_error(errors, "email", ADDRESS_TAKEN)
    user = get_user_model()(username=record.email, email=record.email, first_name=first, last_name=last)
    _password(errors, password, user)
    raise_if_errors(errors)
    user.set_password(password)
    save_unique(user, field="email", message=ADDRESS_TAKEN)
    user.groups.add(Group.objects.get(name=Role.APPLICANT.value))
    ApplicantMembership.objects.create(user=user, organisation=record.organisation, is_lead=False)
    record.used_at = clock.now()
    record.user = user
    record.save(update_fields=["used_at", "user"])
    return user


def organisation_members(organisation: ApplicantOrganisation) -> list[ApplicantMembership]:
    return list(
        ApplicantMembership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_lead", "user__first_name", "user__last_name", "pk")
    )


def pending_invitations(organisation: ApplicantOrganisation) -> list[ApplicantToken]:
    return list(
        ApplicantToken.objects.filter(
            organisation=organisation,
            purpose=ApplicantTokenPurpose.INVITE,
            used_at__isnull=True,
            expires_at__gte=clock.now(),
        ).order_by("-sent_at")
    )
