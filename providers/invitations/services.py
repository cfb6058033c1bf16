"""Every write about a provider's users: invitations sent, re-sent, withdrawn and accepted;
leads made and unmade; access switched off and on.

Each service checks that the actor may do it (raising ``PermissionDenied``), refuses bad input
with ``ValidationError({field: [message]})`` having changed nothing, and records who did it in
the history (the organisation's History tab reads it). The invitation e-mail is sent inside the
transaction, last: if it cannot be sent the invitation is not kept, so an officer never sees an
invitation listed that nobody received.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pcc_commissioning import clock
from pcc_commissioning.records import attribute_to, save_unique
from pcc_commissioning.roles import Role, has_capability, require

from ..models import InvitationStatus, MembershipEvent, Organisation, ProviderInvitation, ProviderMembership
from . import selectors

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 150  # the user model's first and last names
EMAIL_MAX_LENGTH = 150  # the address becomes the username, at most 150 characters
SEND_FAILED = (
    "The invitation email could not be sent, so no invitation was made. Try again later; if it "
    "keeps failing, tell the system administrator."
)
ACCOUNT_CREATED_MEANWHILE = (
    "An account with this email address was created after the invitation was sent, so the "
    "invitation cannot be used. Sign in with that account, or ask the commissioning team for help."
)


# Invitations ----------------------------------------------------------------------------------


def _new_token() -> tuple[str, str]:
    """A fresh token (for the e-mail only) and its hash (the only thing stored)."""
    token = secrets.token_urlsafe(32)
    return token, selectors.token_hash(token)


def _expiry(sent_at: datetime.datetime) -> datetime.datetime:
    """``INVITATION_DAYS`` days later at the same time of day, UK time: across the change to or
    from summer time that is an hour more or less than so many times 24 hours, but it is what
    the e-mail's reader expects."""
    return timezone.localtime(sent_at) + datetime.timedelta(days=settings.INVITATION_DAYS)


def _is_officer(actor) -> bool:
    return has_capability(actor, "providers.edit")


def _account_problem(email: str, organisation: Organisation, *, officer: bool) -> str | None:
    """Why ``email`` cannot be invited because an account has it already (None if none has).

    Only an officer is told which organisation's account it is; a lead learns no more than
    that the address is taken."""
    account = selectors.existing_account(email)
    if account is None:
        return None
    membership = getattr(account, "provider_membership", None)
    ours = membership is not None and membership.organisation_id == organisation.pk
    if ours and account.is_active:
        return f"{account.display_name} ({email}) already has access to {organisation.name}."
    if ours:
        switch_on = "Switch their access back on" if officer else "Ask the commissioning team to switch it back on"
        return (
            f"{email} belongs to {account.display_name}, whose access to {organisation.name} is "
            f"switched off. {switch_on} instead of inviting them again."
        )
    if officer and account.is_active:
        whose = f"an account of {membership.organisation.name}" if membership is not None else "an internal account"
        return (
            f"{email} already belongs to a user of the service ({whose}), so it cannot be invited. "
            "Each person has one account: ask a system administrator if it should move."
        )
    if officer:
        return (
            f"{email} belongs to an account that is switched off, so it cannot be invited. "
            "Ask a system administrator to switch that account back on or change its address."
        )
    return (
        "This email address already belongs to a user of the service, so it cannot be invited. "
        "Ask the commissioning team if they need access."
    )


def _pending_problem(email: str, organisation: Organisation, *, officer: bool) -> str | None:
    invitation = (
        ProviderInvitation.objects.filter(email__iexact=email, status=InvitationStatus.PENDING)
        .select_related("organisation")
        .first()
    )
    if invitation is None:
        return None
    if invitation.organisation_id == organisation.pk:
        then = "Re-send it instead" if officer else "Ask the commissioning team to re-send it if it has been lost"
        return f"An invitation to {email} is already waiting to be accepted (sent {_day(invitation.sent_at)}). {then}."
    return "This email address already has an invitation waiting to be accepted, so it cannot be invited again."


def _day(moment: datetime.datetime) -> str:
    """ "3 March 2026", in UK time."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}"


def _clean_invitation(
    *, organisation: Organisation, email: str, first_name: str, last_name: str, officer: bool
) -> dict:
    """The invitation's names and address, tidied; every problem as ``{field: [message]}``."""
    values = {
        "email": (email or "").strip().lower(),
        "first_name": " ".join((first_name or "").split()),
        "last_name": " ".join((last_name or "").split()),
    }
    errors: dict[str, list[str]] = {}
    for field, label in (("first_name", "first name"), ("last_name", "last name")):
        if not values[field]:
            errors[field] = [f"Enter their {label}."]
        elif len(values[field]) > NAME_MAX_LENGTH:
            errors[field] = [f"Their {label} must be {NAME_MAX_LENGTH} characters or fewer."]
    address = values["email"]
    if not address:
        errors["email"] = ["Enter their email address."]
    elif len(address) > EMAIL_MAX_LENGTH:
        errors["email"] = [f"The email address must be {EMAIL_MAX_LENGTH} characters or fewer."]
    else:
        try:
            validate_email(address)
        except ValidationError:
            errors["email"] = ["Enter an email address in the correct format, like name@example.com."]
        else:
            problem = _account_problem(address, organisation, officer=officer) or _pending_problem(
                address, organisation, officer=officer
            )
            if problem:
                errors["email"] = [problem]
    if errors:
        raise ValidationError(errors)
    return values


def _link(link_base: str, token: str) -> str:
    return link_base.rstrip("/") + reverse("invitations:accept", kwargs={"token": token})


def _send(invitation: ProviderInvitation, *, token: str, link_base: str, actor) -> None:
    """E-mail the invitation's link. Raises ``ValidationError`` (rolling the caller back) if
    the mail server refuses it."""
    organisation = invitation.organisation
    officer = _is_officer(actor)
    context = {
        "invitation": invitation,
        "organisation": organisation,
        "inviter": actor.display_name,
        "inviter_from": settings.OPCC_NAME if officer else organisation.name,
        "link": _link(link_base, token),
        "service_name": settings.SERVICE_NAME,
        "opcc_name": settings.OPCC_NAME,
        "days": settings.INVITATION_DAYS,
    }
    # Header values must be one line: names typed into a form could hold a line break.
    subject = " ".join(f"Your invitation to {settings.SERVICE_NAME} for {organisation.name}".split())
    body = render_to_string("providers/invitations/email.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not send the invitation email for invitation %s", invitation.pk, exc_info=True)
        raise ValidationError({"__all__": [SEND_FAILED]}) from None


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    actor,
    email: str,
    first_name: str,
    last_name: str,
    as_lead: bool = False,
    link_base: str,
) -> ProviderInvitation:
    """Invite a person to use the portal for ``organisation``, and e-mail them the link.

    ``link_base`` is the scheme and host the link starts with (``https://example.org``).
    Officers may invite anyone, as lead or not; an organisation's lead may invite colleagues
    to their own organisation, not as lead.
    """
    as_lead = bool(as_lead)
    if not selectors.may_invite(actor, organisation, as_lead=as_lead):
        if as_lead and selectors.is_lead(actor):
            raise PermissionDenied("Only the commissioning team can invite someone as the organisation's lead.")
        raise PermissionDenied("You cannot invite users to this organisation.")
    values = _clean_invitation(
        organisation=organisation, officer=_is_officer(actor), email=email, first_name=first_name, last_name=last_name
    )
    token, hashed = _new_token()
    now = clock.now()
    invitation = ProviderInvitation(
        organisation=organisation,
        as_lead=as_lead,
        token_hash=hashed,
        sent_by=actor,
        sent_at=now,
        expires_at=_expiry(now),
        **values,
    )
    attribute_to(invitation, actor)
    # Two officers inviting the same address at once: the second is refused by the constraint.
    save_unique(
        invitation, field="email", message=f"An invitation to {values['email']} is already waiting to be accepted."
    )
    _send(invitation, token=token, link_base=link_base, actor=actor)
    return invitation


def _locked_invitation(invitation: ProviderInvitation) -> ProviderInvitation:
    return ProviderInvitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)


def _require_pending(invitation: ProviderInvitation, doing: str) -> None:
    if invitation.status != InvitationStatus.PENDING:
        state = "accepted" if invitation.status == InvitationStatus.ACCEPTED else "withdrawn"
        raise ValidationError(
            {"status": [f"The invitation to {invitation.email} has been {state}, so it cannot be {doing}."]}
        )


@transaction.atomic
def invitation_resend(*, invitation: ProviderInvitation, actor, link_base: str) -> ProviderInvitation:
    """Send a pending (or expired) invitation again with a new link and a new expiry; the
    old link stops working at once. Officers only."""
    require(actor, "providers.edit")
    locked = _locked_invitation(invitation)
    _require_pending(locked, "re-sent")
    problem = _account_problem(locked.email, locked.organisation, officer=True)
    if problem:
        raise ValidationError({"email": [problem + " Withdraw the invitation."]})
    token, hashed = _new_token()
    now = clock.now()
    locked.token_hash = hashed
    locked.sent_at = now
    locked.expires_at = _expiry(now)
    locked.sent_by = actor
    attribute_to(locked, actor)
    locked.save(update_fields=["token_hash", "sent_at", "expires_at", "sent_by"])
    _send(locked, token=token, link_base=link_base, actor=actor)
    return locked


@transaction.atomic
def invitation_withdraw(*, invitation: ProviderInvitation, actor) -> ProviderInvitation:
    """Cancel a pending invitation: its link stops working. Officers only."""
    require(actor, "providers.edit")
    locked = _locked_invitation(invitation)
    _require_pending(locked, "withdrawn")
    locked.status = InvitationStatus.WITHDRAWN
    locked.closed_at = clock.now()
    attribute_to(locked, actor)
    locked.save(update_fields=["status", "closed_at"])
    return locked


@transaction.atomic
def invitation_accept(*, token: str, password: str):
    """Create the invited person's account with ``password`` and link it to the organisation.

    Refused, changing nothing, with ``{"token": [...]}`` (code ``unknown``, ``used``,
    ``withdrawn`` or ``expired``) when the link does not work now, ``{"email": [...]}`` when an
    account with the address exists, and ``{"password": [...]}`` when a password rule is
    broken. Returns the new user (the view signs them in).
    """
    invitation = (
        ProviderInvitation.objects.select_for_update()
        .select_related("organisation")
        .filter(token_hash=selectors.token_hash(token or ""))
        .first()
    )
    problem = selectors.link_problem(invitation, now=clock.now())
    if problem is not None:
        message = selectors.LINK_PROBLEM_MESSAGES[problem]
        raise ValidationError({"token": [ValidationError(message, code=problem.value)]})
    if selectors.existing_account(invitation.email) is not None:
        raise ValidationError({"email": [ACCOUNT_CREATED_MEANWHILE]})
    user = selectors.new_account_for(invitation)
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    save_unique(user, field="email", message=ACCOUNT_CREATED_MEANWHILE)
    user.groups.add(Group.objects.get(name=Role.PROVIDER.value))

    membership = ProviderMembership(user=user, organisation=invitation.organisation, is_lead=invitation.as_lead)
    _save_membership(membership, actor=user, event=MembershipEvent.ACCEPTED)

    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_by = user
    invitation.closed_at = clock.now()
    attribute_to(invitation, user)
    invitation.save(update_fields=["status", "accepted_by", "closed_at"])
    return user


# Users: leads, switching off and on -----------------------------------------------------------


def _save_membership(membership: ProviderMembership, *, actor, event: MembershipEvent | None = None) -> None:
    attribute_to(membership, actor)
    if event is not None:
        membership._change_reason = event.value  # kept as the history row's change reason
    membership.save()


def _locked_membership(membership: ProviderMembership) -> ProviderMembership:
    return ProviderMembership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)


@transaction.atomic
def membership_set_lead(*, membership: ProviderMembership, actor, is_lead: bool) -> ProviderMembership:
    """Make the user their organisation's lead (``is_lead=True``) or not. Officers only. An
    organisation may have several leads."""
    require(actor, "providers.edit")
    locked = _locked_membership(membership)
    is_lead = bool(is_lead)
    name = locked.user.display_name
    if locked.is_lead == is_lead:
        state = "already" if is_lead else "not"
        raise ValidationError({"is_lead": [f"{name} is {state} the organisation's lead."]})
    locked.is_lead = is_lead
    _save_membership(locked, actor=actor)
    return locked


def _switch(membership: ProviderMembership, *, actor, on: bool) -> ProviderMembership:
    require(actor, "providers.edit")
    locked = _locked_membership(membership)
    User = type(locked.user)
    user = User.objects.select_for_update().get(pk=locked.user_id)
    if user.is_superuser or user.is_staff:
        raise ValidationError(
            {"is_active": [f"{user.display_name} is a system administrator: change their account in the Django admin."]}
        )
    if user.is_active == on:
        raise ValidationError(
            {"is_active": [f"{user.display_name}'s access is already switched {'on' if on else 'off'}."]}
        )
    user.is_active = on
    user.save(update_fields=["is_active"])
    _save_membership(locked, actor=actor, event=MembershipEvent.SWITCHED_ON if on else MembershipEvent.SWITCHED_OFF)
    locked.user = user
    return locked


@transaction.atomic
def membership_switch_off(*, membership: ProviderMembership, actor) -> ProviderMembership:
    """Stop the user signing in (``is_active`` off; a session they have open ends at their
    next request). Nothing else about them changes, so switching back on restores them."""
    return _switch(membership, actor=actor, on=False)


@transaction.atomic
def membership_switch_on(*, membership: ProviderMembership, actor) -> ProviderMembership:
    """Let a switched-off user sign in again."""
    return _switch(membership, actor=actor, on=True)
