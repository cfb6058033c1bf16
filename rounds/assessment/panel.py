"""Officers' writes about a round's panel: its members (officers and board members chosen,
external assessors invited by e-mail), assigning the assessable applications, and chasing.

Nothing about the panel changes once the round is decided. E-mails are sent inside the
transaction, last: if one cannot be sent, nothing is kept."""

from __future__ import annotations

import datetime
import logging
import secrets
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pcc_commissioning import clock
from pcc_commissioning.roles import Role, require_capability, user_roles
from providers.invitations.selectors import LINK_PROBLEM_MESSAGES, LinkProblem, token_hash

from ..models import AssessorInvitation, Assignment, AssignmentStatus, PanelMember, Round
from . import selectors
from .services import DECIDED

logger = logging.getLogger(__name__)

PANEL_ROLES = frozenset({Role.OFFICER, Role.BOARD, Role.ASSESSOR})
SEND_FAILED = "The email could not be sent, so nothing was changed. Try again later."


def _require_panel_open(round: Round) -> None:
    if round.status in DECIDED:
        raise ValidationError(
            f"Round {round.reference} is {round.get_status_display().lower()}: its panel can no longer change."
        )


def _mail(subject: str, body: str, to: list[str]) -> None:
    try:
        send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, to)
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not send a panel email", exc_info=True)
        raise ValidationError({"__all__": [SEND_FAILED]}) from None


# Members --------------------------------------------------------------------------------------


def add_member(round: Round, user, *, actor) -> PanelMember:
    """Put ``user`` on the panel (no checks of the actor: callers check)."""
    if not user.is_superuser and not (user_roles(user) & PANEL_ROLES):
        raise ValidationError({"user": [f"{user.display_name} is not an officer, board member or assessor."]})
    if PanelMember.objects.filter(round=round, user=user).exists():
        raise ValidationError({"user": [f"{user.display_name} is already on the panel."]})
    return PanelMember.objects.create(round=round, user=user, added_by=actor, added_at=clock.now())


@transaction.atomic
def panel_member_add(*, actor, round: Round, user) -> PanelMember:
    """Add an active officer or board member (or an assessor account) to the panel."""
    require_capability(actor, "rounds.panel")
    _require_panel_open(round)
    if not user.is_active:
        raise ValidationError({"user": [f"{user.display_name}'s account is switched off."]})
    return add_member(round, user, actor=actor)


@transaction.atomic
def panel_member_remove(*, actor, member: PanelMember) -> None:
    """Take a member off the panel, with their assignments, unless they have scored."""
    require_capability(actor, "rounds.panel")
    locked = PanelMember.objects.select_for_update().select_related("round", "user").get(pk=member.pk)
    _require_panel_open(locked.round)
    if (
        Assignment.objects.filter(member=locked).filter(scores__isnull=False).exists()
        or locked.assignments.filter(status=AssignmentStatus.SUBMITTED).exists()
    ):
        raise ValidationError(f"{locked.user.display_name} has scored applications, so they stay on the panel.")
    locked.delete()


# Invitations ----------------------------------------------------------------------------------


def _link(link_base: str, token: str) -> str:
    return link_base.rstrip("/") + reverse("assess:accept", kwargs={"token": token})


def send_invitation(invitation: AssessorInvitation, *, token: str, link_base: str) -> None:
    body = render_to_string(
        "rounds/assessment/invitation_email.txt",
        {
            "invitation": invitation,
            "round": invitation.round,
            "link": _link(link_base, token),
            "service_name": settings.SERVICE_NAME,
            "opcc_name": settings.OPCC_NAME,
        },
    )
    _mail(f"Your invitation to assess applications to {invitation.round.name}", body, [invitation.email])


def new_invitation(
    *, round: Round, email: str, first_name: str, last_name: str, actor
) -> tuple[AssessorInvitation, str]:
    """The invitation row (saved) and its token; the caller e-mails it."""
    token = secrets.token_urlsafe(32)
    sent_at = clock.now()
    invitation = AssessorInvitation(
        round=round,
        email=email,
        first_name=first_name,
        last_name=last_name,
        token_hash=token_hash(token),
        sent_by=actor,
        sent_at=sent_at,
        expires_at=timezone.localtime(sent_at) + datetime.timedelta(days=settings.INVITATION_DAYS),
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError({"email": ["An invitation to this address for this round is already waiting."]}) from None
    return invitation, token


@transaction.atomic
def assessor_invite(
    *, actor, round: Round, email: str, first_name: str, last_name: str, link_base: str
) -> AssessorInvitation:
    """Invite someone outside the office to assess the round's applications."""
    require_capability(actor, "rounds.panel")
    _require_panel_open(round)
    email = (email or "").strip().lower()
    first_name, last_name = " ".join((first_name or "").split()), " ".join((last_name or "").split())
    errors: dict[str, list[str]] = {}
    if not first_name:
        errors["first_name"] = ["Enter their first name."]
    if not last_name:
        errors["last_name"] = ["Enter their last name."]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter an email address in the correct format, like name@example.com."]
    if errors:
        raise ValidationError(errors)
    invitation, token = new_invitation(
        round=round, email=email, first_name=first_name, last_name=last_name, actor=actor
    )
    send_invitation(invitation, token=token, link_base=link_base)
    return invitation


def invitation_for_token(token: str) -> AssessorInvitation | None:
    return AssessorInvitation.objects.select_related("round").filter(token_hash=token_hash(token or "")).first()


def link_problem(invitation: AssessorInvitation | None) -> LinkProblem | None:
    if invitation is None:
        return LinkProblem.UNKNOWN
    if invitation.status == "accepted":
        return LinkProblem.USED
    if invitation.status == "withdrawn":
        return LinkProblem.WITHDRAWN
    if clock.now() > invitation.expires_at:
        return LinkProblem.EXPIRED
    return None


def existing_account(email: str):
    User = get_user_model()
    return User.objects.filter(email__iexact=email).order_by("-is_active", "pk").first() or (
        User.objects.filter(username__iexact=email).first()
    )


def needs_password(invitation: AssessorInvitation) -> bool:
    """Whether accepting sets a password: a new account, or one the panel import made that
    has never been used. An active account only joins the panel."""
    account = existing_account(invitation.email)
    return account is None or not account.is_active


@transaction.atomic
def invitation_accept(*, token: str, password: str | None = None):
    """Accept the invitation: create the Assessor account (or activate the one an import made,
    or use the person's existing panel-role account) and put it on the panel. Returns the user."""
    invitation = (
        AssessorInvitation.objects.select_for_update()
        .select_related("round")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    problem = link_problem(invitation)
    if problem is not None:
        raise ValidationError({"token": [ValidationError(LINK_PROBLEM_MESSAGES[problem], code=problem.value)]})
    _require_panel_open(invitation.round)
    user = _account_for(invitation, password)
    if not PanelMember.objects.filter(round=invitation.round, user=user).exists():
        add_member(invitation.round, user, actor=invitation.sent_by)
    invitation.status = "accepted"
    invitation.accepted_by = user
    invitation.closed_at = clock.now()
    invitation.save(update_fields=["status", "accepted_by", "closed_at"])
    return user


def _account_for(invitation: AssessorInvitation, password: str | None):
    User = get_user_model()
    account = existing_account(invitation.email)
    if account is not None and account.is_active:
        if not (user_roles(account) & PANEL_ROLES):
            raise ValidationError({"email": ["This email address belongs to an account that cannot sit on a panel."]})
        return account
    user = account or User(
        username=invitation.email,
        email=invitation.email,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
    )
    try:
        password_validation.validate_password(password or "", user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.is_active = True
    user.save()
    user.groups.add(Group.objects.get(name=Role.ASSESSOR.value))
    return user


@transaction.atomic
def assessor_invitation_withdraw(*, actor, invitation: AssessorInvitation) -> AssessorInvitation:
    require_capability(actor, "rounds.panel")
    locked = AssessorInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != "pending":
        raise ValidationError("Only an invitation waiting to be accepted can be withdrawn.")
    locked.status = "withdrawn"
    locked.closed_at = clock.now()
    locked.save(update_fields=["status", "closed_at"])
    return locked


# Assignments and chasing ----------------------------------------------------------------------


@transaction.atomic
def assign_all(*, actor, round: Round) -> int:
    """Assign every assessable application to every panel member; returns how many assignments
    were made (those that exist are kept as they are)."""
    require_capability(actor, "rounds.panel")
    _require_panel_open(round)
    apps = list(selectors.assessable_applications(round).values_list("pk", flat=True))
    members = list(PanelMember.objects.filter(round=round).values_list("pk", flat=True))
    have = set(Assignment.objects.filter(member__round=round).values_list("member_id", "application_id"))
    new = [
        Assignment(member_id=member, application_id=app)
        for member in members
        for app in apps
        if (member, app) not in have
    ]
    Assignment.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def assignment_remove(*, actor, assignment: Assignment) -> None:
    """Unassign an application from a member, unless they have scored it."""
    require_capability(actor, "rounds.panel")
    locked = Assignment.objects.select_for_update().select_related("member__round").get(pk=assignment.pk)
    _require_panel_open(locked.member.round)
    if locked.status == AssignmentStatus.SUBMITTED or locked.scores.exists():
        raise ValidationError("This panel member has scored the application, so it stays assigned.")
    locked.delete()


@transaction.atomic
def member_chase(*, actor, member: PanelMember, link_base: str) -> PanelMember:
    """E-mail the member a reminder of what is outstanding, and note when."""
    require_capability(actor, "rounds.panel")
    locked = PanelMember.objects.select_for_update().select_related("round", "user").get(pk=member.pk)
    _require_panel_open(locked.round)
    todo = selectors.outstanding(locked)
    if not todo:
        raise ValidationError(f"{locked.user.display_name} has nothing outstanding.")
    if not locked.user.email:
        raise ValidationError(f"{locked.user.display_name} has no email address.")
    lines = "\n".join(
        f"- {a.application.reference} {a.application.title}: {a.get_status_display().lower()}" for a in todo
    )
    body = (
        f"Dear {locked.user.first_name or locked.user.username},\n\nThese applications to {locked.round.name} "
        f"are waiting for your assessment:\n{lines}\n\nSign in to {settings.SERVICE_NAME} to assess them: "
        f"{link_base.rstrip('/')}{reverse('assess:home')}\n\n{settings.OPCC_NAME}\n"
    )
    locked.last_chased_at = clock.now()
    locked.save(update_fields=["last_chased_at"])
    _mail(f"Reminder: your assessments for {locked.round.name}", body, [locked.user.email])
    return locked
