"""Reads about a provider's users: who counts as a lead, who may invite, the lists on the Users
tab, and whether an invitation link works now."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pcc_commissioning.roles import Role
from providers.invitations import selectors
from providers.invitations.selectors import LinkProblem
from providers.models import InvitationStatus, ProviderInvitation
from providers.services import membership_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


def _invitation(organisation, email="jo@example.org", *, expires_in=datetime.timedelta(days=14), **fields):
    return ProviderInvitation.objects.create(
        organisation=organisation,
        email=email,
        first_name="Jo",
        last_name="Bloggs",
        token_hash=hashlib.sha256(email.encode()).hexdigest(),
        sent_at=NOW - datetime.timedelta(days=1),
        expires_at=NOW + expires_in,
        **fields,
    )


def test_the_token_hash_is_its_sha256():
    assert selectors.token_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    assert selectors.token_hash("abc") != selectors.token_hash("abd")


def test_a_lead_is_an_active_provider_user_marked_lead(lead, provider_user, officer):
    assert selectors.is_lead(lead) is True
    assert selectors.is_lead(provider_user) is False
    assert selectors.is_lead(officer) is False
    lead.is_active = False
    assert selectors.is_lead(lead) is False


def test_who_may_invite(
    lead, provider_user, officer, finance_officer, board_member, organisation, other_organisation, superuser
):
    assert selectors.may_invite(officer, organisation, as_lead=True)
    assert selectors.may_invite(superuser, other_organisation, as_lead=True)
    assert selectors.may_invite(lead, organisation)
    assert not selectors.may_invite(lead, organisation, as_lead=True)
    assert not selectors.may_invite(lead, other_organisation)
    for user in (provider_user, finance_officer, board_member):
        assert not selectors.may_invite(user, organisation)


def test_access_lead_organisation_gives_a_lead_their_own_and_refuses_everyone_else(
    lead, provider_user, officer, superuser, organisation
):
    assert selectors.access_lead_organisation(lead) == organisation
    for user in (provider_user, officer, superuser):
        with pytest.raises(PermissionDenied):
            selectors.access_lead_organisation(user)
    unlinked = UserFactory(role=Role.PROVIDER)
    with pytest.raises(Http404):
        selectors.access_lead_organisation(unlinked)


def test_records_of_another_organisation_are_not_found(organisation, other_organisation, provider_user):
    theirs = _invitation(other_organisation)
    with pytest.raises(Http404):
        selectors.invitation_for(organisation, theirs.pk)
    assert selectors.invitation_for(other_organisation, theirs.pk) == theirs
    with pytest.raises(Http404):
        selectors.membership_for(other_organisation, provider_user.pk)
    assert selectors.membership_for(organisation, provider_user.pk).user == provider_user


def test_the_users_list_is_by_name_and_keeps_switched_off_users(organisation, other_organisation):
    for first, last, active in (("Zoe", "Adams", True), ("amy", "Young", False), ("Amy", "Baker", True)):
        membership_set(user=UserFactory(first_name=first, last_name=last, is_active=active), organisation=organisation)
    membership_set(user=UserFactory(first_name="Other", last_name="Person"), organisation=other_organisation)
    names = [m.user.get_full_name() for m in selectors.organisation_memberships(organisation)]
    assert names == ["Amy Baker", "amy Young", "Zoe Adams"]


def test_pending_invitations_are_the_waiting_ones_newest_first_flagged_when_expired(organisation, other_organisation):
    old = _invitation(organisation, "old@example.org", expires_in=-datetime.timedelta(seconds=1))
    new = _invitation(organisation, "new@example.org")
    new.sent_at = NOW
    new.save()
    _invitation(organisation, "done@example.org", status=InvitationStatus.ACCEPTED, closed_at=NOW)
    _invitation(organisation, "gone@example.org", status=InvitationStatus.WITHDRAWN, closed_at=NOW)
    _invitation(other_organisation, "theirs@example.org")
    rows = [(i.email, i.expired) for i in selectors.pending_invitations(organisation, now=NOW)]
    assert rows == [("new@example.org", False), ("old@example.org", True)]
    assert old.pk != new.pk


@pytest.mark.parametrize(
    "status, moment, problem",
    [
        (InvitationStatus.PENDING, NOW + datetime.timedelta(days=14), None),  # its last moment
        (InvitationStatus.PENDING, NOW + datetime.timedelta(days=14, microseconds=1), LinkProblem.EXPIRED),
        (InvitationStatus.ACCEPTED, NOW, LinkProblem.USED),
        (InvitationStatus.WITHDRAWN, NOW, LinkProblem.WITHDRAWN),
    ],
)
def test_whether_a_link_works(organisation, status, moment, problem):
    closed = {"closed_at": NOW} if status != InvitationStatus.PENDING else {}
    invitation = _invitation(organisation, status=status, **closed)
    assert selectors.link_problem(invitation, now=moment) == problem
    with time_machine.travel(moment, tick=False):
        assert selectors.link_problem(invitation) == problem  # "now" is the clock's


def test_an_unknown_token_finds_nothing(organisation):
    _invitation(organisation)
    assert selectors.invitation_for_token("jo@example.org") is not None  # the test's own hash
    assert selectors.invitation_for_token("something else") is None
    assert selectors.link_problem(None) == LinkProblem.UNKNOWN


def test_an_existing_account_is_found_by_username_or_email_ignoring_capitals():
    assert selectors.existing_account("nobody@example.org") is None
    by_name = UserFactory(username="jo@example.org", email="")
    assert selectors.existing_account("JO@example.org") == by_name
    by_email = UserFactory(username="someone", email="Sam@Example.org")
    assert selectors.existing_account("sam@example.org") == by_email
    assert selectors.existing_account("  ") is None


def test_the_new_account_takes_the_invitations_names_and_lower_cased_address(organisation):
    invitation = _invitation(organisation, "Jo.Bloggs@Example.org")
    user = selectors.new_account_for(invitation)
    assert user.pk is None
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "jo.bloggs@example.org",
        "jo.bloggs@example.org",
        "Jo",
        "Bloggs",
    )
