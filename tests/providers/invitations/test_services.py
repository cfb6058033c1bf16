"""Inviting a provider's users, accepting, re-sending, withdrawing, leads and switching access
off and on: the rules, who may do what, and that a refusal changes nothing."""

from __future__ import annotations

import datetime
import hashlib
import smtplib
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import authenticate
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from pcc_commissioning.models import User
from pcc_commissioning.roles import Role, provider_organisation_id
from providers.invitations import services
from providers.models import InvitationStatus, ProviderInvitation, ProviderMembership
from providers.services import membership_set
from tests.factories import UserFactory

from .conftest import GOOD_PASSWORD, LINK_BASE, link_in, token_in

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# A Monday morning in March, UK time (GMT, so UTC too).
SENT = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=LONDON)


def _codes(error: ValidationError, field: str) -> list[str]:
    return [e.code for e in error.error_dict[field]]


# Inviting -------------------------------------------------------------------------------------


def test_an_officer_invites_by_email_and_the_email_carries_a_one_time_link(invite, organisation, officer):
    with time_machine.travel(SENT, tick=False):
        invitation = invite(" Jo.Bloggs@Example.org ", first_name=" Jo ", last_name="Bloggs")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jo.bloggs@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Harbour Support Services" in message.subject
    link = link_in(message)
    assert link.startswith(f"{LINK_BASE}/invitations/")
    # 14 days (the default INVITATION_DAYS) from 09:30 on 2 March is 09:30 on 16 March.
    assert "16 March 2026 at 09:30" in message.body
    assert officer.display_name in message.body

    invitation.refresh_from_db()
    assert (invitation.email, invitation.first_name, invitation.last_name) == ("jo.bloggs@example.org", "Jo", "Bloggs")
    assert invitation.organisation == organisation
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.sent_by == officer
    assert invitation.sent_at == SENT
    assert invitation.expires_at == datetime.datetime(2026, 3, 16, 9, 30, tzinfo=LONDON)
    # Only a hash of the token is kept: the token itself is in no column.
    token = token_in(message)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    row = ProviderInvitation.objects.filter(pk=invitation.pk).values().get()
    assert not any(token in str(value) for value in row.values())


def test_the_number_of_days_a_link_works_is_a_setting(invite, settings):
    settings.INVITATION_DAYS = 3
    with time_machine.travel(SENT, tick=False):
        invitation = invite()
    assert invitation.expires_at == SENT + datetime.timedelta(days=3)


def test_each_invitation_gets_its_own_link(invite):
    invite("one@example.org")
    invite("two@example.org")
    assert token_in(mail.outbox[0]) != token_in(mail.outbox[1])


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"email": "not-an-email"}, "email", "Enter an email address in the correct format"),
        ({"email": "jo@example"}, "email", "Enter an email address in the correct format"),
        ({"email": "   "}, "email", "Enter their email address"),
        ({"email": "a" * 140 + "@example.org"}, "email", "150 characters or fewer"),
        ({"first_name": ""}, "first_name", "Enter their first name"),
        ({"last_name": "  "}, "last_name", "Enter their last name"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved_or_sent(invite, fields, field, message):
    values = {"email": "jo@example.org", "first_name": "Jo", "last_name": "Bloggs", **fields}
    email = values.pop("email")
    with pytest.raises(ValidationError) as caught:
        invite(email, **values)
    assert list(caught.value.error_dict) == [field]
    assert message in caught.value.message_dict[field][0]
    assert ProviderInvitation.objects.count() == 0
    assert mail.outbox == []


def test_an_address_that_belongs_to_an_active_user_is_refused(invite, officer):
    UserFactory(username="someone", email="Jo.Bloggs@example.org", role=Role.FINANCE)
    with pytest.raises(ValidationError) as caught:
        invite("jo.bloggs@example.org")
    assert caught.value.message_dict["email"][0].startswith(
        "jo.bloggs@example.org already belongs to a user of the service (an internal account)"
    )
    assert ProviderInvitation.objects.count() == 0
    assert mail.outbox == []


def test_only_an_officer_is_told_which_organisation_an_address_belongs_to(invite, lead, other_organisation):
    user = UserFactory(username="zed", email="zed@example.org", role=Role.PROVIDER)
    membership_set(user=user, organisation=other_organisation)
    with pytest.raises(ValidationError) as caught:
        invite("zed@example.org")
    assert "(an account of Zephyr Other Trust)" in caught.value.message_dict["email"][0]
    with pytest.raises(ValidationError) as caught:
        invite("zed@example.org", actor=lead)
    assert caught.value.message_dict["email"] == [
        "This email address already belongs to a user of the service, so it cannot be invited. "
        "Ask the commissioning team if they need access."
    ]


def test_an_address_of_a_user_who_already_has_access_says_so(invite, provider_user):
    with pytest.raises(ValidationError) as caught:
        invite(provider_user.email.upper())
    assert caught.value.message_dict["email"] == [
        f"{provider_user.display_name} ({provider_user.email}) already has access to Harbour Support Services."
    ]


def test_an_address_of_a_switched_off_user_of_the_organisation_says_to_switch_them_back_on(invite, provider_user):
    provider_user.is_active = False
    provider_user.save()
    with pytest.raises(ValidationError) as caught:
        invite(provider_user.email)
    assert "switched off. Switch their access back on instead" in caught.value.message_dict["email"][0]


def test_an_address_with_an_invitation_waiting_is_refused(invite, other_organisation):
    invite("jo@example.org")
    with pytest.raises(ValidationError) as caught:
        invite("JO@example.org")
    assert "already waiting to be accepted" in caught.value.message_dict["email"][0]
    with pytest.raises(ValidationError):
        invite("jo@example.org", to=other_organisation)
    assert ProviderInvitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_if_the_email_cannot_be_sent_no_invitation_is_kept(invite, monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr(services, "send_mail", refuse)
    with pytest.raises(ValidationError) as caught:
        invite()
    assert caught.value.message_dict["__all__"] == [services.SEND_FAILED]
    assert ProviderInvitation.objects.count() == 0


# Accepting ------------------------------------------------------------------------------------


def test_accepting_with_a_good_password_creates_the_account_in_the_group_and_organisation(invite, organisation):
    invitation = invite("Jo.Bloggs@Example.org")
    user = services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)

    user = User.objects.get(pk=user.pk)
    assert user.username == "jo.bloggs@example.org"
    assert user.email == "jo.bloggs@example.org"
    assert (user.first_name, user.last_name) == ("Jo", "Bloggs")
    assert user.is_active and not user.is_staff and not user.is_superuser
    assert [group.name for group in user.groups.all()] == [Role.PROVIDER.value]
    assert provider_organisation_id(user) == organisation.pk
    assert user.provider_membership.is_lead is False
    assert authenticate(username="jo.bloggs@example.org", password=GOOD_PASSWORD) == user
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.accepted_by == user


def test_an_invitation_as_lead_makes_a_lead(invite):
    invite(as_lead=True)
    user = services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)
    assert ProviderMembership.objects.get(user=user).is_lead is True


def test_the_link_works_once(invite):
    invite()
    token = token_in(mail.outbox[0])
    services.invitation_accept(token=token, password=GOOD_PASSWORD)
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token, password="another good password 7")
    assert _codes(caught.value, "token") == ["used"]
    assert User.objects.filter(username="jo.bloggs@example.org").count() == 1
    assert authenticate(username="jo.bloggs@example.org", password=GOOD_PASSWORD) is not None


@pytest.mark.parametrize(
    "after_expiry, works",
    [
        (datetime.timedelta(0), True),  # the very moment it expires: still works
        (datetime.timedelta(seconds=1), False),  # one second later: expired
        (datetime.timedelta(days=1), False),
    ],
)
def test_a_link_works_up_to_and_including_its_expiry_moment(invite, after_expiry, works):
    with time_machine.travel(SENT, tick=False):
        invitation = invite()
    expires = SENT + datetime.timedelta(days=14)
    assert invitation.expires_at == expires
    with time_machine.travel(expires + after_expiry, tick=False):
        if works:
            services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)
        else:
            with pytest.raises(ValidationError) as caught:
                services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)
            assert _codes(caught.value, "token") == ["expired"]
    assert User.objects.filter(username="jo.bloggs@example.org").exists() is works
    invitation.refresh_from_db()
    assert invitation.status == (InvitationStatus.ACCEPTED if works else InvitationStatus.PENDING)


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "This password is too short. It must contain at least 12 characters."),
        ("123456789012345", "This password is entirely numeric."),
        ("jo.bloggs@example.org", "The password is too similar to the username."),
        ("", "This password is too short. It must contain at least 12 characters."),
    ],
)
def test_a_password_breaking_a_rule_is_refused_and_nothing_is_created(invite, password, message):
    invitation = invite()
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token_in(mail.outbox[0]), password=password)
    assert message in caught.value.message_dict["password"]
    assert not User.objects.filter(username="jo.bloggs@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_a_made_up_token_is_refused(invite):
    invite()
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token="made-up-token", password=GOOD_PASSWORD)
    assert _codes(caught.value, "token") == ["unknown"]


def test_an_account_created_after_the_invitation_was_sent_blocks_it(invite):
    invite()
    UserFactory(username="jo.bloggs@example.org")
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)
    assert caught.value.message_dict["email"] == [services.ACCOUNT_CREATED_MEANWHILE]
    assert ProviderMembership.objects.count() == 0


# Re-sending and withdrawing -------------------------------------------------------------------


def test_resending_sends_a_new_link_with_a_new_expiry_and_the_old_link_stops_working(invite, officer):
    with time_machine.travel(SENT, tick=False):
        invitation = invite()
    old_token = token_in(mail.outbox[0])
    resent_at = SENT + datetime.timedelta(days=20)  # after the first link expired
    with time_machine.travel(resent_at, tick=False):
        services.invitation_resend(invitation=invitation, actor=officer, link_base=LINK_BASE)
        new_token = token_in(mail.outbox[1])
        assert new_token != old_token
        invitation.refresh_from_db()
        assert invitation.sent_at == resent_at
        assert invitation.expires_at == resent_at + datetime.timedelta(days=14)

        with pytest.raises(ValidationError) as caught:
            services.invitation_accept(token=old_token, password=GOOD_PASSWORD)
        assert _codes(caught.value, "token") == ["unknown"]
        services.invitation_accept(token=new_token, password=GOOD_PASSWORD)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["jo.bloggs@example.org"]


def test_withdrawing_stops_the_link_and_cannot_be_undone_by_resending(invite, officer):
    invitation = invite()
    services.invitation_withdraw(invitation=invitation, actor=officer)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    with pytest.raises(ValidationError) as caught:
        services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)
    assert _codes(caught.value, "token") == ["withdrawn"]
    with pytest.raises(ValidationError) as caught:
        services.invitation_resend(invitation=invitation, actor=officer, link_base=LINK_BASE)
    assert "has been withdrawn, so it cannot be re-sent" in caught.value.message_dict["status"][0]
    with pytest.raises(ValidationError):
        services.invitation_withdraw(invitation=invitation, actor=officer)
    assert len(mail.outbox) == 1
    assert not User.objects.filter(username="jo.bloggs@example.org").exists()


def test_an_accepted_invitation_cannot_be_withdrawn(invite, officer):
    invitation = invite()
    services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)
    with pytest.raises(ValidationError) as caught:
        services.invitation_withdraw(invitation=invitation, actor=officer)
    assert "has been accepted" in caught.value.message_dict["status"][0]


# Switching access off and on, leads -----------------------------------------------------------


def test_a_switched_off_user_cannot_sign_in_until_switched_back_on(invite, officer):
    invite()
    user = services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)
    session = Client()
    session.force_login(user)

    services.membership_switch_off(membership=user.provider_membership, actor=officer)

    assert Client().login(username=user.username, password=GOOD_PASSWORD) is False
    assert session.get("/portal/").status_code == 302  # the open session has ended
    with pytest.raises(ValidationError) as caught:
        services.membership_switch_off(membership=user.provider_membership, actor=officer)
    assert "already switched off" in caught.value.message_dict["is_active"][0]

    services.membership_switch_on(membership=user.provider_membership, actor=officer)
    assert Client().login(username=user.username, password=GOOD_PASSWORD) is True
    user.refresh_from_db()
    assert provider_organisation_id(user) is not None  # nothing else changed


def test_officers_make_and_unmake_leads(provider_user, officer):
    membership = provider_user.provider_membership
    services.membership_set_lead(membership=membership, actor=officer, is_lead=True)
    assert ProviderMembership.objects.get(pk=membership.pk).is_lead is True
    with pytest.raises(ValidationError) as caught:
        services.membership_set_lead(membership=membership, actor=officer, is_lead=True)
    assert "is already the organisation's lead" in caught.value.message_dict["is_lead"][0]
    services.membership_set_lead(membership=membership, actor=officer, is_lead=False)
    assert ProviderMembership.objects.get(pk=membership.pk).is_lead is False


# Who may do what ------------------------------------------------------------------------------


def test_a_lead_invites_a_colleague_to_their_own_organisation(invite, lead, organisation):
    invitation = invite("colleague@example.org", actor=lead)
    assert invitation.organisation == organisation
    assert invitation.sent_by == lead
    assert "Lee Lead (Harbour Support Services) has invited you" in mail.outbox[0].body
    user = services.invitation_accept(token=token_in(mail.outbox[0]), password=GOOD_PASSWORD)
    assert provider_organisation_id(user) == organisation.pk
    assert user.provider_membership.is_lead is False


def test_a_lead_cannot_invite_as_lead(invite, lead):
    with pytest.raises(PermissionDenied):
        invite("colleague@example.org", actor=lead, as_lead=True)
    assert ProviderInvitation.objects.count() == 0


def test_a_lead_of_one_organisation_cannot_invite_to_another(invite, lead, other_organisation):
    with pytest.raises(PermissionDenied):
        invite("colleague@example.org", actor=lead, to=other_organisation)
    assert ProviderInvitation.objects.count() == 0
    assert mail.outbox == []


def test_a_provider_user_who_is_not_a_lead_cannot_invite(invite, provider_user):
    with pytest.raises(PermissionDenied):
        invite("colleague@example.org", actor=provider_user)
    assert ProviderInvitation.objects.count() == 0


def test_a_switched_off_lead_cannot_invite(invite, lead):
    lead.is_active = False
    lead.save()
    with pytest.raises(PermissionDenied):
        invite("colleague@example.org", actor=lead)


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD])
def test_finance_and_board_cannot_invite_or_manage_users(invite, officer, provider_user, role):
    actor = UserFactory(role=role)
    invitation = invite()
    membership = provider_user.provider_membership
    with pytest.raises(PermissionDenied):
        invite("another@example.org", actor=actor)
    with pytest.raises(PermissionDenied):
        services.invitation_resend(invitation=invitation, actor=actor, link_base=LINK_BASE)
    with pytest.raises(PermissionDenied):
        services.invitation_withdraw(invitation=invitation, actor=actor)
    with pytest.raises(PermissionDenied):
        services.membership_switch_off(membership=membership, actor=actor)
    with pytest.raises(PermissionDenied):
        services.membership_set_lead(membership=membership, actor=actor, is_lead=True)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert len(mail.outbox) == 1
    provider_user.refresh_from_db()
    assert provider_user.is_active


def test_a_lead_cannot_resend_withdraw_switch_off_or_make_leads(invite, lead, provider_user):
    invitation = invite("colleague@example.org", actor=lead)
    membership = provider_user.provider_membership
    with pytest.raises(PermissionDenied):
        services.invitation_resend(invitation=invitation, actor=lead, link_base=LINK_BASE)
    with pytest.raises(PermissionDenied):
        services.invitation_withdraw(invitation=invitation, actor=lead)
    with pytest.raises(PermissionDenied):
        services.membership_switch_off(membership=membership, actor=lead)
    with pytest.raises(PermissionDenied):
        services.membership_set_lead(membership=membership, actor=lead, is_lead=True)


# History --------------------------------------------------------------------------------------


def test_every_step_is_recorded_with_who_did_it(invite, officer, provider_user):
    invitation = invite()
    services.invitation_resend(invitation=invitation, actor=officer, link_base=LINK_BASE)
    user = services.invitation_accept(token=token_in(mail.outbox[1]), password=GOOD_PASSWORD)
    membership = provider_user.provider_membership
    services.membership_set_lead(membership=membership, actor=officer, is_lead=True)
    services.membership_switch_off(membership=membership, actor=officer)

    steps = [(row.history_type, row.status, row.history_user) for row in invitation.history.order_by("history_id")]
    assert steps == [("+", "pending", officer), ("~", "pending", officer), ("~", "accepted", user)]
    reasons = [
        (row.history_change_reason, row.is_lead, row.history_user)
        for row in ProviderMembership.history.filter(id=membership.pk).order_by("history_id")
    ]
    # The membership's first row is membership_set's (the fixture), by nobody.
    assert reasons == [(None, False, None), (None, True, officer), ("switched-off", True, officer)]
    assert ProviderMembership.history.get(id=user.provider_membership.pk).history_change_reason == "invitation-accepted"


def test_across_the_change_to_summer_time_a_link_expires_at_the_same_uk_time_of_day(invite):
    # Sent at 09:30 GMT on 22 March; the clocks go forward on 29 March, so 14 days later at
    # 09:30 is 09:30 BST on 5 April (08:30 UTC), 13 days and 23 hours after sending.
    sent = datetime.datetime(2026, 3, 22, 9, 30, tzinfo=LONDON)
    with time_machine.travel(sent, tick=False):
        invitation = invite()
    assert invitation.expires_at == datetime.datetime(2026, 4, 5, 8, 30, tzinfo=datetime.UTC)
    assert "5 April 2026 at 09:30" in mail.outbox[0].body
