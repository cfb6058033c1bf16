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
