"""The award's agreements page and the downloads: officers issue; finance and board read, with
no form, and are refused a POST; provider users download through the portal only, their own
award's agreements in force or superseded."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from grants.agreements import services
from grants.agreements.selectors import access_agreement
from grants.models import Agreement, AgreementStatus
from pcc_commissioning.roles import Role
from providers.services import membership_set
from tests.factories.agreements import AgreementTemplateFactory, award_to_agree
from tests.factories.providers import OrganisationFactory
from tests.factories.users import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def award(organisation):
    return award_to_agree(provider=organisation)


@pytest.fixture
def template():
    return AgreementTemplateFactory(name="Grant agreement 2019")


@pytest.fixture
def agreement(award, template):
    return services.agreement_issue(actor=None, award=award, template=template)


def _page(award):
    return reverse("grants:award_agreements", args=[award.pk])


def test_officer_issues_an_agreement_from_the_page(officer_client, award, template):
    page = officer_client.get(_page(award)).content.decode()
    assert "No agreement has been issued for this award yet." in page
    assert "Grant agreement 2019" in page and "Issue the agreement" in page
    assert "Variation letter" not in page  # letters are issued from their variation
    response = officer_client.post(_page(award), {"template": template.pk, "special_conditions": "Keep training."})
    assert response.status_code == 302
    agreement = Agreement.objects.get(award=award)
    assert agreement.special_conditions == "Keep training."
    page = officer_client.get(_page(award)).content.decode()
    assert "Version 1 of the agreement has been issued." in page
    assert "Waiting for the provider&#x27;s signatory" in page
    assert reverse("grants:agreement_download", args=[agreement.pk]) + "?format=docx" in page


def test_the_issue_form_shows_its_errors_in_a_summary(officer_client, award):
    response = officer_client.post(_page(award), {"template": "", "special_conditions": "{{ grantee }}"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Choose the template to issue the agreement from" in page


def test_a_refusal_from_the_service_is_shown(officer_client, template):
    award = award_to_agree(status="planned")
    response = officer_client.post(_page(award), {"template": template.pk})
    assert "an agreement follows the decision" in response.content.decode()
    assert not Agreement.objects.exists()


def test_versions_are_listed_newest_first_with_the_superseded_one(officer_client, award, template, agreement):
    services.agreement_issue(actor=None, award=award, template=template)
    page = officer_client.get(_page(award)).content.decode()
    assert page.index("Superseded by version 2.") > page.index("Waiting for the provider")


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD])
def test_finance_and_board_read_without_the_form_and_cannot_post(login_as, role, award, template, agreement):
    client = login_as(UserFactory(role=role))
    page = client.get(_page(award)).content.decode()
    assert "Version" in page and "Issue the agreement" not in page
    assert client.post(_page(award), {"template": template.pk}).status_code == 403
    assert Agreement.objects.count() == 1
    download = client.get(reverse("grants:agreement_download", args=[agreement.pk]) + "?format=pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR, Role.PARTNER])
def test_others_are_refused_the_grants_pages(login_as, role, award, agreement):
    client = login_as(UserFactory(role=role))
    assert client.get(_page(award)).status_code == 403
    assert client.get(reverse("grants:agreement_download", args=[agreement.pk])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, award, agreement):
    assert client.get(_page(award)).status_code == 302
    assert client.get(reverse("grants:agreement_download", args=[agreement.pk])).status_code == 302


def test_downloads_are_the_files_as_issued(officer_client, agreement):
    url = reverse("grants:agreement_download", args=[agreement.pk])
    pdf = officer_client.get(url + "?format=pdf")
    assert pdf.content == agreement.pdf.read()
    assert pdf["Content-Disposition"] == 'attachment; filename="AWD-2019-0042-grant_agreement-v1.pdf"'
    assert pdf["Cache-Control"] == "private, no-store"
    docx = officer_client.get(url + "?format=docx")
    assert docx.content == agreement.docx.read()
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")


def test_a_missing_file_is_rebuilt_from_the_figures(officer_client, agreement):
    agreement.pdf.delete(save=False)
    response = officer_client.get(reverse("grants:agreement_download", args=[agreement.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_provider_users_may_read_their_own_in_force_or_superseded(provider_user, award, template, agreement):
    assert award.provider == provider_user.provider_membership.organisation
    assert access_agreement(provider_user, agreement.pk) == agreement
    services.agreement_issue(actor=None, award=award, template=template)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SUPERSEDED
    assert access_agreement(provider_user, agreement.pk) == agreement
    withdrawn = services.agreement_withdraw(actor=None, agreement=award.agreements.get(number=2), reason="Wrong")
    with pytest.raises(Http404):
        access_agreement(provider_user, withdrawn.pk)


def test_other_providers_and_outsiders_are_refused(agreement):
    stranger = UserFactory(role=Role.PROVIDER)
    membership_set(user=stranger, organisation=OrganisationFactory(name="Another charity"))
    with pytest.raises(Http404):
        access_agreement(stranger, agreement.pk)
    with pytest.raises(PermissionDenied):
        access_agreement(UserFactory(role=Role.APPLICANT), agreement.pk)
