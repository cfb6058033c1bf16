"""Reads about a provider's users and invitations, and the permission-checked fetches."""

from __future__ import annotations

import datetime
import hashlib
from enum import StrEnum

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from pcc_commissioning import clock
from pcc_commissioning.roles import Role, has_capability, is_provider_user, provider_organisation_id

from ..models import InvitationStatus, Organisation, ProviderInvitation, ProviderMembership


def token_hash(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256, in hex. The token itself is
    random (256 bits), so a plain hash is enough: there is nothing to guess from it."""
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


# Who may do what ------------------------------------------------------------------------------


def is_lead(user) -> bool:
    """True for a provider user marked as their organisation's lead."""
    if not user.is_authenticated or not user.is_active or not is_provider_user(user):
        return False
    membership = getattr(user, "provider_membership", None)
    return bool(membership and membership.is_lead)


def may_invite(user, organisation: Organisation, *, as_lead: bool = False) -> bool:
    """Officers (``providers.edit``) invite anyone to any organisation, as lead or not; a
    lead invites colleagues to their own organisation only, never as lead."""
    if has_capability(user, "providers.edit"):
        return True
    return not as_lead and is_lead(user) and provider_organisation_id(user) == organisation.pk


def access_lead_organisation(user) -> Organisation:
    """The organisation whose users ``user`` manages in the portal: a lead's own.

    A provider user with no organisation gets 404 (as on every portal page); anyone who is not
    a lead is refused (403), internal roles and system administrators included: they manage
    users on the organisation's Users tab."""
    if not user.is_authenticated or not is_provider_user(user):
        raise PermissionDenied("Only an organisation's lead can see and invite its users here.")
    organisation_id = provider_organisation_id(user)
    if organisation_id is None:
        raise Http404("Your account is not linked to an organisation.")
    if not is_lead(user):
        raise PermissionDenied("Only your organisation's lead can see and invite its users.")
    try:
        return Organisation.objects.get(pk=organisation_id)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation.") from None


def membership_for(organisation: Organisation, user_pk: int) -> ProviderMembership:
    """The membership of user ``user_pk`` in ``organisation`` (404 for anyone else's)."""
    try:
        return ProviderMembership.objects.select_related("user").get(organisation=organisation, user_id=user_pk)
    except ProviderMembership.DoesNotExist:
        raise Http404("No such user of this organisation.") from None


def invitation_for(organisation: Organisation, invitation_pk: int) -> ProviderInvitation:
    """One of ``organisation``'s invitations (404 for another organisation's)."""
    try:
        return ProviderInvitation.objects.select_related("organisation").get(
            organisation=organisation, pk=invitation_pk
        )
    except ProviderInvitation.DoesNotExist:
        raise Http404("No such invitation.") from None


# Lists ----------------------------------------------------------------------------------------


def organisation_memberships(organisation: Organisation) -> list[ProviderMembership]:
    """The organisation's provider users (switched off ones too), by name. Partner
    contributors (plan delivery) are kept with their organisation too, but are not portal
    users: they are listed with the delivery pages instead."""
    return list(
        ProviderMembership.objects.filter(organisation=organisation)
        .exclude(user__groups__name=Role.PARTNER.value)
        .select_related("user")
        .order_by(Lower("user__first_name"), Lower("user__last_name"), Lower("user__username"), "pk")
    )


def pending_invitations(
    organisation: Organisation, *, now: datetime.datetime | None = None
) -> QuerySet[ProviderInvitation]:
    """Invitations not yet accepted or withdrawn, newest first, each with ``expired`` (its
    link no longer works; an officer can re-send it or withdraw it)."""
    now = now or clock.now()
    return (
        ProviderInvitation.objects.filter(organisation=organisation, status=InvitationStatus.PENDING)
        .select_related("sent_by")
        .annotate(expired=ExpressionWrapper(Q(expires_at__lt=now), output_field=BooleanField()))
        .order_by("-sent_at", "-pk")
    )


def existing_account(email: str):
    """The user whose username or e-mail address is ``email`` (ignoring capitals), if any;
    an active one before a switched-off one."""
    User = get_user_model()
    email = (email or "").strip()
    if not email:
        return None
    return (
        User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
        .select_related("provider_membership")
        .order_by("-is_active", "pk")
        .first()
    )


# Following a link -----------------------------------------------------------------------------


class LinkProblem(StrEnum):
    """Why an invitation link does not work (the page says so, and what to do)."""

    UNKNOWN = "unknown"  # never issued, mistyped, or replaced by a re-sent invitation
    USED = "used"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


LINK_PROBLEM_MESSAGES = {
    LinkProblem.UNKNOWN: "This invitation link does not work. It may have been copied wrongly, or replaced by a newer invitation.",
    LinkProblem.USED: "This invitation has already been used to create an account.",
    LinkProblem.WITHDRAWN: "This invitation has been withdrawn.",
    LinkProblem.EXPIRED: "This invitation has expired.",
}


def invitation_for_token(token: str) -> ProviderInvitation | None:
    return (
        ProviderInvitation.objects.select_related("organisation", "sent_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def link_problem(invitation: ProviderInvitation | None, *, now: datetime.datetime | None = None) -> LinkProblem | None:
    """None when the link may be used now: a pending invitation up to and including its
    ``expires_at`` moment."""
    if invitation is None:
        return LinkProblem.UNKNOWN
    if invitation.status == InvitationStatus.ACCEPTED:
        return LinkProblem.USED
    if invitation.status == InvitationStatus.WITHDRAWN:
        return LinkProblem.WITHDRAWN
    if (now or clock.now()) > invitation.expires_at:
        return LinkProblem.EXPIRED
    return None


def new_account_for(invitation: ProviderInvitation):
    """The account accepting ``invitation`` creates, unsaved: the password validators compare
    the chosen password with these names and this address."""
    User = get_user_model()
    email = invitation.email.lower()
    return User(username=email, email=email, first_name=invitation.first_name, last_name=invitation.last_name)
