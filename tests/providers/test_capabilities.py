"""The providers services check who may write themselves: a board member (read-only) calling
one directly is refused with PermissionDenied and nothing changes; a provider user may change
its own organisation only (the portal)."""

import pytest
from django.core.exceptions import PermissionDenied

from providers import services
from providers.models import Contact, Organisation
from tests.factories.providers import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    return {
        "organisations": list(Organisation.objects.values_list("pk", "name", "version").order_by("pk")),
        "contacts": list(Contact.objects.values_list("pk", "name").order_by("pk")),
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda actor, contact: services.organisation_create(actor=actor, name="New charity", kind="voluntary_sector"),
        lambda actor, contact: services.organisation_update(
            organisation=contact.organisation, actor=actor, expected_version=None, name="Renamed"
        ),
        lambda actor, contact: services.contact_create(organisation=contact.organisation, actor=actor, name="Ann"),
        lambda actor, contact: services.contact_update(contact=contact, actor=actor, name="Bob"),
        lambda actor, contact: services.contact_delete(contact=contact, actor=actor),
    ],
    ids=["organisation_create", "organisation_update", "contact_create", "contact_update", "contact_delete"],
)
def test_a_board_member_calling_a_service_directly_is_refused_and_nothing_changes(call, board_member):
    contact = ContactFactory()
    before = _snapshot()
    with pytest.raises(PermissionDenied, match=r"Your role does not allow this \(providers.edit\)\."):
        call(board_member, contact)
    assert _snapshot() == before


def test_a_provider_user_changes_its_own_organisation_only(provider_user, organisation):
    services.organisation_update(organisation=organisation, actor=provider_user, expected_version=None, notes="Ours")
    other = OrganisationFactory()
    before = _snapshot()
    with pytest.raises(PermissionDenied, match="your own organisation"):
        services.organisation_update(organisation=other, actor=provider_user, expected_version=None, notes="Theirs")
    with pytest.raises(PermissionDenied, match="your own organisation"):
        services.contact_create(organisation=other, actor=provider_user, name="Ann")
    assert _snapshot() == before
