"""System administrators look up organisations, contacts, documents, memberships and invitations
in the admin, and keep the list of required documents there; the records themselves are written
only by the providers pages and imports."""

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
        reverse("admin:providers_providermembership_changelist"),
        reverse("admin:providers_requireddocument_add"),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_an_organisation_and_its_contacts_can_be_viewed_but_not_changed_added_or_deleted(login_as, superuser):
    organisation = OrganisationFactory(name="Harbour Support Services", postcode="DL1 1AA")
    contact = ContactFactory(organisation=organisation, job_title="Manager")
    client = login_as(superuser)
    url = reverse("admin:providers_organisation_change", args=[organisation.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Harbour Support Services" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()

    response = client.post(
        url,
        {
            "name": "Renamed in the admin",
            "postcode": "DL9 9ZZ",
            "contacts-TOTAL_FORMS": "1",
            "contacts-INITIAL_FORMS": "1",
            "contacts-0-id": str(contact.pk),
            "contacts-0-job_title": "Changed",
        },
    )
    assert response.status_code == 403
    organisation.refresh_from_db()
    contact.refresh_from_db()
    assert (organisation.name, organisation.postcode, organisation.version) == (
        "Harbour Support Services",
        "DL1 1AA",
        1,
    )
    assert contact.job_title == "Manager"
    assert client.get(reverse("admin:providers_organisation_add")).status_code == 403
    assert (
        client.post(reverse("admin:providers_organisation_delete", args=[organisation.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(reverse("admin:providers_providermembership_add")).status_code == 403


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
