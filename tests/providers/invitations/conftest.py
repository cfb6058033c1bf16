"""Helpers for the invitation tests: reading the link out of the e-mail, inviting quickly."""

from __future__ import annotations

import re

import pytest

from pcc_commissioning.roles import Role
from providers.services import membership_set
from tests.factories import OrganisationFactory, UserFactory

LINK_BASE = "https://commissioning.example.org"
LINK = re.compile(r"https?://[^/\s]+/invitations/(?P<token>[A-Za-z0-9_-]+)/")
GOOD_PASSWORD = "granite lantern orchard 42"


def link_in(message) -> str:
    """The one invitation link in an e-mail (fails if there is none, or more than one)."""
    links = LINK.findall(message.body)
    assert len(links) == 1, message.body
    return LINK.search(message.body).group(0)


def token_in(message) -> str:
    return LINK.search(link_in(message)).group("token")


@pytest.fixture
def invite(officer, organisation):
    """``invite(email=…, as_lead=…, actor=…, organisation=…)`` sends an invitation through the
    service and returns it."""
    from providers.invitations.services import invitation_create

    def _invite(
        email="jo.bloggs@example.org", *, first_name="Jo", last_name="Bloggs", as_lead=False, actor=None, to=None
    ):
        return invitation_create(
            organisation=to or organisation,
            actor=actor or officer,
            email=email,
            first_name=first_name,
            last_name=last_name,
            as_lead=as_lead,
            link_base=LINK_BASE,
        )

    return _invite


@pytest.fixture
def lead(organisation):
    """A provider user who is ``organisation``'s lead."""
    user = UserFactory(username="lead", first_name="Lee", last_name="Lead", role=Role.PROVIDER)
    membership_set(user=user, organisation=organisation, is_lead=True)
    return user


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Zephyr Other Trust")
