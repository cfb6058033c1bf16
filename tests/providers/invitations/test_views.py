"""The Users tab and its actions for each role, the invite form's bad input, and the public page
an invitation link opens (including links that no longer work)."""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from pcc_commissioning.models import User
from pcc_commissioning.roles import Role
from providers.invitations import services
from providers.models import InvitationStatus, ProviderInvitation, ProviderMembership
from providers.services import membership_set
from tests.factories import UserFactory
from tests.submissions import assert_saved_once, post_twice

from .conftest import GOOD_PASSWORD, LINK_BASE, token_in

pytestmark = pytest.mark.django_db

ROLES = ("officer", "finance", "board", "provider", "anonymous")


@pytest.fixture
def clients(officer_client, finance_client, board_client, provider_client) -> dict[str, Client]:
    return {
        "officer": officer_client,
        "finance": finance_client,
        "board": board_client,
        "provider": provider_client,
        "anonymous": Client(),
    }


@pytest.fixture
def colleague(organisation):
    """A provider user of ``organisation`` (not its lead) whom the actions act on."""
    user = UserFactory(username="sam", first_name="Sam", last_name="Smith", email="sam@example.org", role=Role.PROVIDER)
    membership_set(user=user, organisation=organisation)
    return user


def _text(response) -> str:
    """The page's HTML with entities decoded and white space squeezed."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def _to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == reverse("login")


# The tab ---------------------------------------------------------------------------------------


def test_the_users_tab_lists_who_has_access_and_the_invitations_waiting(
    officer_client, organisation, colleague, invite, officer
):
    colleague.last_login = datetime.datetime(2026, 2, 3, 14, 5, tzinfo=datetime.UTC)
    colleague.save()
    membership_set(user=colleague, organisation=organisation, is_lead=True)
    switched_off = UserFactory(first_name="Olly", last_name="Off", email="olly@example.org", is_active=False)
    membership_set(user=switched_off, organisation=organisation)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC), tick=False):
        invite("new.person@example.org", first_name="New", last_name="Person")

    response = officer_client.get(reverse("providers:users", args=[organisation.pk]))

    assert response.status_code == 200
    page = _text(response)
    tabs = [tab["label"] for tab in response.context["tabs"]]
    assert "Users" in tabs and next(tab for tab in response.context["tabs"] if tab["current"])["label"] == "Users"
    assert "Sam Smith" in page and "sam@example.org" in page
    assert "3 February 2026 at 14:05" in page  # last sign-in (UK winter time is UTC)
    assert "Olly Off" in page and "Switched off" in page and "Never" in page
    assert "New Person" in page and "new.person@example.org" in page
    assert "2 March 2026 at 09:30</time> by " + officer.display_name in page
    assert "16 March 2026 at 09:30" in page
    assert "Invite a user" in page
    for name in ("user_lead_unset", "user_switch_off"):
        assert reverse(f"providers:{name}", args=[organisation.pk, colleague.pk]) in page
    assert reverse("providers:user_switch_on", args=[organisation.pk, switched_off.pk]) in page
    assert reverse("providers:user_lead_set", args=[organisation.pk, switched_off.pk]) in page
    invitation = ProviderInvitation.objects.get()
    assert reverse("providers:invitation_resend", args=[organisation.pk, invitation.pk]) in page


def test_another_organisations_users_are_not_on_the_tab(officer_client, organisation, other_organisation, invite):
    membership_set(user=UserFactory(first_name="Zed", last_name="Elsewhere"), organisation=other_organisation)
    invite("theirs@example.org", to=other_organisation)
    page = _text(officer_client.get(reverse("providers:users", args=[organisation.pk])))
    assert "Zed Elsewhere" not in page and "theirs@example.org" not in page
    assert "Nobody at Harbour Support Services has access yet." in page


@pytest.mark.parametrize(
    "role, expected",
    [
        ("officer", 200),
        ("finance", 200),
        ("board", 200),
        ("provider", 403),
        ("anonymous", "login"),
    ],
)
def test_who_can_open_the_users_tab(clients, organisation, colleague, role, expected):
    response = clients[role].get(reverse("providers:users", args=[organisation.pk]))
    if expected == "login":
        assert _to_login(response)
        return
    assert response.status_code == expected
    if role in ("finance", "board"):  # read only: the list, without any action
        page = _text(response)
        assert "Sam Smith" in page
        assert "<form" not in page.split('id="main-content"')[1]
        assert "Invite a user" not in page


def test_a_missing_organisation_is_not_found(officer_client):
    assert officer_client.get(reverse("providers:users", args=[999999])).status_code == 404


# Inviting -------------------------------------------------------------------------------------


def test_an_officer_invites_from_the_form(officer_client, organisation):
    url = reverse("providers:invitation_create", args=[organisation.pk])
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(
        url, {"first_name": "Jo", "last_name": "Bloggs", "email": "Jo@Example.org", "as_lead": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("providers:users", args=[organisation.pk])
    assert "An invitation has been sent to Jo Bloggs at jo@example.org." in _text(response)
    invitation = ProviderInvitation.objects.get()
    assert (invitation.email, invitation.as_lead, invitation.organisation) == ("jo@example.org", True, organisation)
    assert mail.outbox[0].to == ["jo@example.org"]
    # The link points at this site (the test client's host).
    assert re.search(r"http://testserver/invitations/[\w-]+/", mail.outbox[0].body)


@pytest.mark.parametrize(
    "data, summary",
    [
        (
            {"first_name": "Jo", "last_name": "Bloggs", "email": "not-an-email"},
            "Email address: Enter an email address in the correct format, like name@example.com",
        ),
        ({"first_name": "", "last_name": "Bloggs", "email": "jo@example.org"}, "First name: Enter their first name"),
        ({"first_name": "Jo", "last_name": "Bloggs", "email": ""}, "Email address: Enter their email address"),
        ({}, "Last name: Enter their last name"),
    ],
)
def test_bad_input_shows_an_error_summary_naming_the_field_and_changes_nothing(
    officer_client, organisation, data, summary
):
    response = officer_client.post(reverse("providers:invitation_create", args=[organisation.pk]), data)
    assert response.status_code == 200
    page = _text(response)
    assert "govuk-error-summary" in page
    assert summary in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    assert ProviderInvitation.objects.count() == 0
    assert mail.outbox == []


def test_a_service_refusal_comes_back_on_the_email_field(officer_client, organisation, colleague):
    response = officer_client.post(
        reverse("providers:invitation_create", args=[organisation.pk]),
        {"first_name": "Sam", "last_name": "Smith", "email": "SAM@example.org"},
    )
    assert response.status_code == 200
    assert "Email address: Sam Smith (sam@example.org) already has access to Harbour Support Services." in _text(
        response
    )
    assert ProviderInvitation.objects.count() == 0


@pytest.mark.parametrize("role", ["finance", "board", "provider"])
def test_only_officers_may_invite(clients, organisation, role):
    url = reverse("providers:invitation_create", args=[organisation.pk])
    assert clients[role].get(url).status_code == 403
    response = clients[role].post(url, {"first_name": "Jo", "last_name": "Bloggs", "email": "jo@example.org"})
    assert response.status_code == 403
    assert ProviderInvitation.objects.count() == 0
    assert mail.outbox == []


def test_anonymous_visitors_are_sent_to_sign_in(organisation):
    response = Client().post(
        reverse("providers:invitation_create", args=[organisation.pk]),
        {"first_name": "Jo", "last_name": "Bloggs", "email": "jo@example.org"},
    )
    assert _to_login(response)
    assert ProviderInvitation.objects.count() == 0


# Actions --------------------------------------------------------------------------------------


def test_an_officer_resends_an_invitation(officer_client, organisation, invite):
    invitation = invite()
    old = token_in(mail.outbox[0])
    response = officer_client.post(
        reverse("providers:invitation_resend", args=[organisation.pk, invitation.pk]), follow=True
    )
    assert "has been sent again with a new link" in _text(response)
    assert len(mail.outbox) == 2 and token_in(mail.outbox[1]) != old
    assert Client().get(reverse("invitations:accept", args=[old])).status_code == 404


def test_an_officer_withdraws_an_invitation_and_a_second_withdrawal_is_explained(officer_client, organisation, invite):
    invitation = invite()
    url = reverse("providers:invitation_withdraw", args=[organisation.pk, invitation.pk])
    response = officer_client.post(url, follow=True)
    assert "The invitation to jo.bloggs@example.org has been withdrawn." in _text(response)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    response = officer_client.post(url, follow=True)
    assert "has been withdrawn, so it cannot be withdrawn" in _text(response)
    assert response.redirect_chain[-1][0] == reverse("providers:users", args=[organisation.pk])


def test_an_officer_switches_a_user_off_and_on_and_makes_them_lead(officer_client, organisation, colleague):
    def post(name):
        return _text(
            officer_client.post(reverse(f"providers:{name}", args=[organisation.pk, colleague.pk]), follow=True)
        )

    assert "Sam Smith's access has been switched off" in post("user_switch_off")
    colleague.refresh_from_db()
    assert colleague.is_active is False
    assert "already switched off" in post("user_switch_off")
    assert "switched back on" in post("user_switch_on")
    colleague.refresh_from_db()
    assert colleague.is_active is True
    assert "Sam Smith is now a lead of Harbour Support Services" in post("user_lead_set")
    assert ProviderMembership.objects.get(user=colleague).is_lead is True
    assert "no longer a lead" in post("user_lead_unset")
    assert ProviderMembership.objects.get(user=colleague).is_lead is False


ACTIONS = ("user_switch_off", "user_switch_on", "user_lead_set", "user_lead_unset")


@pytest.mark.parametrize("role", ["finance", "board", "provider", "anonymous"])
def test_nobody_but_officers_can_use_the_actions(clients, organisation, colleague, invite, role):
    invitation = invite()
    urls = [reverse(f"providers:{name}", args=[organisation.pk, colleague.pk]) for name in ACTIONS]
    urls += [
        reverse(f"providers:invitation_{name}", args=[organisation.pk, invitation.pk])
        for name in ("resend", "withdraw")
    ]
    for url in urls:
        response = clients[role].post(url)
        assert response.status_code == 403 or (role == "anonymous" and _to_login(response)), url
    colleague.refresh_from_db()
    invitation.refresh_from_db()
    assert colleague.is_active and not colleague.provider_membership.is_lead
    assert invitation.status == InvitationStatus.PENDING
    assert len(mail.outbox) == 1


def test_actions_take_only_posts(officer_client, organisation, colleague):
    url = reverse("providers:user_switch_off", args=[organisation.pk, colleague.pk])
    assert officer_client.get(url).status_code == 405
    colleague.refresh_from_db()
    assert colleague.is_active


def test_actions_on_another_organisations_records_are_not_found(
    officer_client, organisation, other_organisation, colleague, invite
):
    invitation = invite()
    assert (
        officer_client.post(
            reverse("providers:user_switch_off", args=[other_organisation.pk, colleague.pk])
        ).status_code
        == 404
    )
    assert (
        officer_client.post(
            reverse("providers:invitation_withdraw", args=[other_organisation.pk, invitation.pk])
        ).status_code
        == 404
    )
    colleague.refresh_from_db()
    invitation.refresh_from_db()
    assert colleague.is_active and invitation.status == InvitationStatus.PENDING


# Accepting ------------------------------------------------------------------------------------


def _accept_url(invite, **kwargs) -> str:
    invite(**kwargs)
    return reverse("invitations:accept", args=[token_in(mail.outbox[-1])])


def test_the_accept_page_shows_whose_account_it_will_be(invite):
    response = Client().get(_accept_url(invite))
    page = _text(response)
    assert response.status_code == 200
    assert "Create your account" in page and "Harbour Support Services" in page
    assert "Jo Bloggs" in page and "jo.bloggs@example.org" in page
    assert 'autocomplete="new-password"' in page
    assert "no-store" in response["Cache-Control"]


def test_accepting_signs_the_person_in_and_lands_them_in_the_portal(invite, organisation):
    client = Client()
    response = client.post(
        _accept_url(invite), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert response.status_code == 200
    page = _text(response)
    assert "Harbour Support Services" in page
    assert "Welcome, Jo. Your account has been created and you are signed in." in page
    user = User.objects.get(username="jo.bloggs@example.org")
    assert response.wsgi_request.user == user
    assert user.last_login is not None


@pytest.mark.parametrize(
    "data, summary",
    [
        (
            {"new_password1": "short", "new_password2": "short"},
            "Type the password again: This password is too short. It must contain at least 12 characters.",
        ),
        (
            {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD + "x"},
            "Type the password again: The passwords are not the same",
        ),
        (
            {"new_password1": "jo.bloggs@example.org", "new_password2": "jo.bloggs@example.org"},
            "The password is too similar to the",
        ),
        ({}, "Create a password: Enter a password"),
    ],
)
def test_a_bad_password_shows_an_error_summary_and_creates_nothing(invite, data, summary):
    url = _accept_url(invite)
    response = Client().post(url, data)
    assert response.status_code == 200
    page = _text(response)
    assert "govuk-error-summary" in page and summary in page
    assert not User.objects.filter(username="jo.bloggs@example.org").exists()
    assert ProviderInvitation.objects.get().status == InvitationStatus.PENDING
    assert GOOD_PASSWORD not in page  # passwords are never sent back


def _state_page(url, *, data=None):
    client = Client()
    return client.post(url, data) if data is not None else client.get(url)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_used_link_says_so_and_changes_nothing(invite, method):
    url = _accept_url(invite)
    Client().post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    response = _state_page(
        url,
        data={"new_password1": "other good password 9", "new_password2": "other good password 9"}
        if method == "post"
        else None,
    )
    assert response.status_code == 410
    page = _text(response)
    assert "This invitation has been used" in page and reverse("login") in page
    assert User.objects.filter(username="jo.bloggs@example.org").count() == 1
    assert Client().login(username="jo.bloggs@example.org", password=GOOD_PASSWORD)


def test_a_withdrawn_link_says_so_and_what_to_do(invite, officer):
    url = _accept_url(invite)
    services.invitation_withdraw(invitation=ProviderInvitation.objects.get(), actor=officer)
    for response in (
        _state_page(url),
        _state_page(url, data={"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}),
    ):
        assert response.status_code == 410
        page = _text(response)
        assert "This invitation has been withdrawn" in page
        assert "ask the commissioning team at Office of the Police and Crime Commissioner for a new invitation" in page
    assert not User.objects.filter(username="jo.bloggs@example.org").exists()


def test_an_expired_link_says_when_it_stopped_working_and_what_to_do(invite):
    sent = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    with time_machine.travel(sent, tick=False):
        url = _accept_url(invite)
    with time_machine.travel(sent + datetime.timedelta(days=14, seconds=1), tick=False):
        for response in (
            _state_page(url),
            _state_page(url, data={"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}),
        ):
            assert response.status_code == 410
            page = _text(response)
            assert "This invitation has expired" in page
            assert "The link stopped working on 16 March 2026 at 09:30." in page
            assert "to send you a new invitation" in page
    assert not User.objects.filter(username="jo.bloggs@example.org").exists()


def test_a_link_that_expires_while_the_page_is_open_is_refused_when_sent(invite):
    sent = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    with time_machine.travel(sent, tick=False):
        url = _accept_url(invite)
    with time_machine.travel(sent + datetime.timedelta(days=14), tick=False):
        assert Client().get(url).status_code == 200  # its last moment: the page opens
    with time_machine.travel(sent + datetime.timedelta(days=14, seconds=1), tick=False):
        response = Client().post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response.status_code == 410
    assert not User.objects.filter(username="jo.bloggs@example.org").exists()


@pytest.mark.parametrize("token", ["made-up", "x" * 500, "-"])
def test_a_made_up_link_is_not_found_with_a_clear_page(db, token):
    response = Client().get(reverse("invitations:accept", args=[token]))
    assert response.status_code == 404
    assert "This invitation link does not work" in _text(response)


def test_a_signed_in_officer_following_a_link_becomes_the_new_user(officer_client, invite):
    # Someone testing the link on a shared machine: the new account replaces the session.
    response = officer_client.post(
        _accept_url(invite), {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD}, follow=True
    )
    assert response.wsgi_request.user.username == "jo.bloggs@example.org"
    assert response.redirect_chain[-1][0] == reverse("portal:home")


def test_the_link_in_the_email_uses_the_link_base_given(invite):
    invite()
    assert LINK_BASE in mail.outbox[0].body


def test_the_invitation_form_sent_twice_sends_one_invitation(officer_client, organisation):
    first, second = post_twice(
        officer_client,
        reverse("providers:invitation_create", args=[organisation.pk]),
        {"first_name": "Jo", "last_name": "Bloggs", "email": "jo@example.org"},
    )
    assert ProviderInvitation.objects.count() == 1 and len(mail.outbox) == 1
    assert_saved_once(first, second, "An invitation has been sent to Jo Bloggs at jo@example.org.")
