"""Who acts for which organisation, and who may open which application."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from pcc_commissioning.roles import Role
from rounds.applying.access import access_own_application, applicant_organisation, organisation_applications
from rounds.models import ApplicantOrganisation
from tests.factories import (
    ApplicantMembershipFactory,
    ApplicantOrganisationFactory,
    ApplicationFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_an_applicant_acts_for_their_membership_organisation():
    membership = ApplicantMembershipFactory()
    assert applicant_organisation(membership.user) == membership.organisation


def test_a_provider_user_gets_an_applicant_record_copied_from_their_provider_once(provider_user, organisation):
    organisation.charity_number = "1234567"
    organisation.company_number = "01234567"
    organisation.save()
    first = applicant_organisation(provider_user)
    assert (first.provider, first.name, first.kind, first.charity_number, first.company_number) == (
        organisation,
        "Harbour Support Services",
        organisation.kind,
        "1234567",
        "01234567",
    )
    assert applicant_organisation(provider_user) == first
    assert ApplicantOrganisation.objects.filter(provider=organisation).count() == 1


def test_a_provider_registered_as_an_applicant_before_is_matched_by_its_number(provider_user, organisation):
    organisation.charity_number = "1234567"
    organisation.save()
    registered = ApplicantOrganisationFactory(charity_number="1234567")
    assert applicant_organisation(provider_user) == registered
    registered.refresh_from_db()
    assert registered.provider == organisation


def test_officers_apply_for_no_organisation(officer):
    assert applicant_organisation(officer) is None
    assert list(organisation_applications(None)) == []


def test_an_application_is_only_reachable_by_its_organisations_users():
    ours = ApplicantMembershipFactory()
    theirs = ApplicantMembershipFactory()
    application = ApplicationFactory(organisation=ours.organisation)
    assert access_own_application(ours.user, application.pk) == application
    with pytest.raises(PermissionDenied):
        access_own_application(theirs.user, application.pk)
    with pytest.raises(PermissionDenied):
        access_own_application(UserFactory(role=Role.OFFICER), application.pk)
    with pytest.raises(Http404):
        access_own_application(ours.user, application.pk + 1000)


def test_a_provider_users_applications_are_their_providers():
    provider = OrganisationFactory()
    from providers.services import membership_set

    user = UserFactory(role=Role.PROVIDER)
    membership_set(user=user, organisation=provider)
    application = ApplicationFactory(organisation=applicant_organisation(user))
    other = ApplicationFactory()
    assert list(organisation_applications(applicant_organisation(user))) == [application]
    with pytest.raises(PermissionDenied):
        access_own_application(user, other.pk)
