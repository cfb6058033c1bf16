"""Officers mark who signs for a provider; both users pages say so."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from pcc_commissioning.roles import Role
from providers.models import ProviderMembership
from providers.services import membership_set_signatory
from tests.factories import UserFactory
from tests.factories.agreement_acceptance import provider_user_of


@pytest.fixture
def member(helping_hands):
    user = provider_user_of(helping_hands, "pat", signatory=False, first_name="Pat", last_name="Lee")
    return user.provider_membership


def test_an_officer_marks_and_unmarks_the_signatory(member, officer):
    assert membership_set_signatory(actor=officer, membership=member, is_signatory=True).is_signatory
    assert ProviderMembership.objects.get(pk=member.pk).is_signatory
    with pytest.raises(ValidationError, match="already the organisation's authorised signatory"):
        membership_set_signatory(actor=officer, membership=member, is_signatory=True)
    membership_set_signatory(actor=officer, membership=member, is_signatory=False)
    assert not ProviderMembership.objects.get(pk=member.pk).is_signatory


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD, Role.PROVIDER, Role.ASSESSOR])
def test_only_officers_mark_signatories(member, role):
    with pytest.raises(PermissionDenied):
        membership_set_signatory(actor=UserFactory(role=role), membership=member, is_signatory=True)
    assert not ProviderMembership.objects.get(pk=member.pk).is_signatory


def test_the_officers_users_page_marks_and_shows_the_signatory(member, officer_client):
    organisation = member.organisation
    url = reverse("providers:user_signatory_set", kwargs={"pk": organisation.pk, "user_pk": member.user_id})
    response = officer_client.post(url, follow=True)
    assert "Pat Lee is now an authorised signatory of Helping Hands" in response.content.decode()
    assert "Authorised signatory</strong>" in response.content.decode()
    assert "Remove as signatory" in response.content.decode()
    assert ProviderMembership.objects.get(pk=member.pk).is_signatory


@pytest.mark.parametrize("client_fixture", ["finance_client", "board_client"])
def test_other_internal_roles_cannot_mark_a_signatory(member, client_fixture, request):
    client = request.getfixturevalue(client_fixture)
    url = reverse("providers:user_signatory_set", kwargs={"pk": member.organisation_id, "user_pk": member.user_id})
    assert client.post(url).status_code == 403
    assert not ProviderMembership.objects.get(pk=member.pk).is_signatory


def test_a_provider_cannot_mark_itself(member, login_as):
    url = reverse("providers:user_signatory_set", kwargs={"pk": member.organisation_id, "user_pk": member.user_id})
    assert login_as(member.user).post(url).status_code == 403


def test_the_portal_users_page_shows_the_signatory(helping_hands, login_as):
    lead = provider_user_of(helping_hands, "lead-user", signatory=True, first_name="Lee", last_name="Lead")
    ProviderMembership.objects.filter(user=lead).update(is_lead=True)
    page = login_as(lead).get(reverse("portal:users")).content.decode()
    assert "Authorised signatory</strong>" in page
    assert "Yes: can accept grant agreements" in page
