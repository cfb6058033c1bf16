"""System administrators manage organisations, contacts, documents and memberships in the admin."""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, DueDiligenceDocumentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_admin_pages_open_including_history(login_as, superuser):
    client = login_as(superuser)
    organisation = OrganisationFactory()
    ContactFactory(organisation=organisation)
    document = DueDiligenceDocumentFactory(organisation=organisation)
    urls = [
        reverse("admin:providers_organisation_changelist"),
        reverse("admin:providers_organisation_change", args=[organisation.pk]),
        reverse("admin:providers_organisation_history", args=[organisation.pk]),
        reverse("admin:providers_contact_changelist"),
        reverse("admin:providers_duediligencedocument_change", args=[document.pk]),
        reverse("admin:providers_providermembership_add"),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_documents_cannot_be_added_in_the_admin_where_uploads_are_not_checked(login_as, superuser):
    client = login_as(superuser)
    assert client.get(reverse("admin:providers_duediligencedocument_add")).status_code == 403


def test_invitations_can_be_looked_at_but_not_made_or_changed_in_the_admin(login_as, superuser, officer, organisation):
    from providers.invitations.services import invitation_create

    invitation = invitation_create(
        organisation=organisation,
        actor=officer,
        email="jo@example.org",
        first_name="Jo",
        last_name="Bloggs",
        link_base="https://commissioning.example.org",
    )
    client = login_as(superuser)
    listing = client.get(reverse("admin:providers_providerinvitation_changelist"))
    assert listing.status_code == 200 and "jo@example.org" in listing.content.decode()
    page = client.get(reverse("admin:providers_providerinvitation_change", args=[invitation.pk]))
    assert page.status_code == 200
    assert invitation.token_hash not in page.content.decode()
    assert client.get(reverse("admin:providers_providerinvitation_add")).status_code == 403
    assert client.get(reverse("admin:providers_providerinvitation_history", args=[invitation.pk])).status_code == 200
