"""Partner contributors: the people outside the OPCC (usually in the Force) who lead activities
of a delivery plan and write their progress updates.

An officer invites one by name, e-mail address and organisation: the account is made at once
(active, in the "Partner contributor" group, with no usable password, so it can be chosen as an
activity's lead straight away) and the person is e-mailed a link to choose their password
(Django's password-reset confirmation page, with its default token generator: the link stops
working once used, or once the password changes). The organisation they act for is kept as a
``providers.ProviderMembership``, the one record of which organisation a user belongs to; it
gives no access to the provider portal, which needs the provider role. An officer may switch a
contributor's account off (and on again); their activities keep them as lead."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import Role, require_capability, user_roles
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors
from providers.models import Organisation, ProviderMembership

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 150  # the address is the username too
SEND_FAILED = (
    "The email with the link to choose a password could not be sent, so no account was made. "
    "Try again later; if it keeps failing, tell the system administrator."
)


def contributors_list() -> QuerySet:
    """Every Partner contributor, with their organisation and how many activities they lead."""
    User = get_user_model()
    return (
        User.objects.filter(groups__name=Role.PARTNER.value)
        .select_related("provider_membership__organisation")
        .annotate(activity_count=Count("led_activities", distinct=True))
        .order_by("last_name", "first_name", "pk")
    )


def contributor_choices() -> QuerySet:
    """The active contributors, for choosing an activity's lead."""
    return contributors_list().filter(is_active=True)


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (last, "")


def _clean(*, name: str, email: str, organisation) -> dict:
    errors: Errors = {}
    values = {"name": " ".join(clean_text(name).split()), "email": clean_text(email).lower()}
    if not values["name"]:
        add_error(errors, "name", "Enter their full name.")
    elif len(values["name"]) > NAME_MAX_LENGTH * 2 or any(
        len(part) > NAME_MAX_LENGTH for part in _split_name(values["name"])
    ):
        add_error(errors, "name", f"Their name must be {NAME_MAX_LENGTH} characters or fewer.")
    address = values["email"]
    if not address:
        add_error(errors, "email", "Enter their email address.")
    elif len(address) > EMAIL_MAX_LENGTH:
        add_error(errors, "email", f"The email address must be {EMAIL_MAX_LENGTH} characters or fewer.")
    else:
        try:
            validate_email(address)
        except ValidationError:
            add_error(errors, "email", "Enter an email address in the correct format, like name@example.org.")
        else:
            problem = _account_problem(address)
            if problem:
                add_error(errors, "email", problem)
    if not isinstance(organisation, Organisation):
        add_error(errors, "organisation", "Choose the organisation they work for.")
    raise_if_errors(errors)
    return values


def _account_problem(email: str) -> str | None:
    User = get_user_model()
    account = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()
    if account is None:
        return None
    if Role.PARTNER in user_roles(account):
        if account.is_active:
            return f"{account.display_name} ({email}) is already a partner contributor."
        return f"{email} belongs to {account.display_name}, whose account is switched off. Switch it back on instead."
    return (
        f"{email} already belongs to a user of the service, so it cannot be invited. Each person has one "
        "account: ask a system administrator if it should change."
    )


def password_link(user, link_base: str) -> str:
    """A one-time link to choose a password (Django's password-reset confirmation page)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return link_base.rstrip("/") + path if link_base else path


@transaction.atomic
def contributor_invite(*, actor, name: str, email: str, organisation: Organisation, link_base: str = ""):
    """Make a Partner contributor's account and e-mail them a link to choose a password. If the
    e-mail cannot be sent, no account is made (``ValidationError``)."""
    require_capability(actor, "delivery.edit")
    values = _clean(name=name, email=email, organisation=organisation)
    first_name, last_name = _split_name(values["name"])
    User = get_user_model()
    user = User(username=values["email"], email=values["email"], first_name=first_name, last_name=last_name)
    user.is_active = True
    user.set_unusable_password()
    attribute_to(user, actor)
    user.save()
    user.groups.add(Group.objects.get(name=Role.PARTNER.value))
    membership = ProviderMembership(user=user, organisation=organisation)
    attribute_to(membership, actor)
    membership.save()
    _send_link(user, organisation=organisation, actor=actor, link_base=link_base)
    return user


def _send_link(user, *, organisation, actor, link_base: str) -> None:
    context = {
        "user": user,
        "organisation": organisation,
        "invited_by": actor.display_name if actor is not None else "The commissioning team",
        "link": password_link(user, link_base),
        "service_name": settings.SERVICE_NAME,
    }
    body = render_to_string("delivery/updates/email/contributor_invited.txt", context)
    try:
        send_mail(f"Your account on {settings.SERVICE_NAME}", body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not send a partner contributor's invitation", exc_info=True)
        raise ValidationError({"email": [SEND_FAILED]}) from None


@transaction.atomic
def contributor_invite_resend(*, actor, user, link_base: str = ""):
    """Send a new link to choose a password to a contributor who has not chosen one yet (the
    sign-in page's "forgotten password" sends nothing to an account that never had one)."""
    require_capability(actor, "delivery.edit")
    locked = _contributor(user)
    if not locked.is_active:
        raise ValidationError(f"{locked.display_name}'s account is switched off: switch it on first.")
    if locked.has_usable_password():
        raise ValidationError(
            f'{locked.display_name} has chosen a password already: they can use "Forgotten your password?".'
        )
    membership = getattr(locked, "provider_membership", None)
    _send_link(locked, organisation=membership.organisation if membership else None, actor=actor, link_base=link_base)
    return locked


def _contributor(user):
    User = get_user_model()
    locked = User.objects.select_for_update().get(pk=user.pk)
    if Role.PARTNER not in user_roles(locked):
        raise ValidationError(f"{locked.display_name} is not a partner contributor.")
    return locked


@transaction.atomic
def contributor_deactivate(*, actor, user):
    """Switch a contributor's account off: they can no longer sign in. Their activities keep
    them as lead (the record of who led), and no e-mail goes to a switched-off account."""
    require_capability(actor, "delivery.edit")
    locked = _contributor(user)
    locked.is_active = False
    attribute_to(locked, actor)
    locked.save(update_fields=["is_active"])
    return locked


@transaction.atomic
def contributor_reactivate(*, actor, user):
    require_capability(actor, "delivery.edit")
    locked = _contributor(user)
    locked.is_active = True
    attribute_to(locked, actor)
    locked.save(update_fields=["is_active"])
    return locked


def contributors_with_activities() -> QuerySet:
    """The contributors with the activities they lead (for the list page)."""
    from ..models import Activity

    return contributors_list().prefetch_related(
        Prefetch("led_activities", queryset=Activity.objects.select_related("plan").order_by("plan", "sort_key"))
    )
