"""The provider's agreements in the portal: read, download and, for the signatory, accept."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import Agreement, AgreementStatus, AwardStatus
from pcc_commissioning.roles import Role
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.agreement_acceptance import AgreementFactory, agreement_pdf, provider_user_of

pytestmark = [pytest.mark.django_db, pytest.mark.agreement_rule]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def helping_hands():
    return OrganisationFactory(name="Helping Hands")


@pytest.fixture
def agreement(helping_hands):
    return AgreementFactory(
        award__provider=helping_hands,
        award__reference="AWD-2019-0042",
        figures={
            "funder": "The OPCC",
            "provider": {"name": "Helping Hands"},
            "reference": "AWD-2019-0042",
            "title": "Victims' hub",
            "total": "12500.50",
            "start_date": "2019-04-01",
            "end_date": "2020-03-31",
            "lines": [{"stream": "MoJ victims grant", "fy": 2019, "fy_label": "2019/20", "amount": "12500.50"}],
            "conditions": "Quarterly returns within 20 days.",
        },
    )


@pytest.fixture
def signatory(helping_hands):
    return provider_user_of(helping_hands, "jane", signatory=True, first_name="Jane", last_name="Doe")


@pytest.fixture
def colleague(helping_hands):
    return provider_user_of(helping_hands, "colin", signatory=False, first_name="Colin", last_name="Colleague")


def _url(agreement) -> str:
    return reverse("portal:agreement", kwargs={"pk": agreement.pk})


def _post(client, agreement, **overrides):
    data = {
        "name": "Jane Doe",
        "role": "Chief Executive",
        "confirm": "on",
        "checksum": agreement.checksum,
        "version": agreement.version,
    }
    return client.post(_url(agreement), {**data, **overrides})


def test_the_award_page_lists_its_agreements(agreement, signatory, login_as):
    page = login_as(signatory).get(reverse("portal:award", kwargs={"pk": agreement.award_id})).content.decode()
    assert _url(agreement) in page
    assert "Grant agreement, version 1" in page
    assert "Waiting for Helping Hands&#x27; authorised signatory to accept version 1" in page


def test_the_signatory_sees_the_figures_and_the_form_with_name_and_checksum(agreement, signatory, login_as):
    page = login_as(signatory).get(_url(agreement)).content.decode()
    assert "£12,500.50" in page and "MoJ victims grant" in page and "Quarterly returns within 20 days." in page
    assert "1 April 2019 to 31 March 2020" in page
    assert 'value="Jane Doe"' in page
    assert f'value="{agreement.checksum}"' in page
    assert "I have read and accept this agreement" in page
    assert reverse("portal:agreement_download", kwargs={"pk": agreement.pk, "kind": "pdf"}) in page


def test_the_fingerprint_and_its_hint_are_on_lines_of_their_own(agreement, signatory, login_as):
    # The hint is a span after the checksum: shown inline it ran on from it ("…e01aThe SHA-256").
    page = login_as(signatory).get(_url(agreement)).content.decode()
    assert (
        f'{agreement.checksum}</code><span class="govuk-hint govuk-!-display-block govuk-!-margin-bottom-0">The SHA-256'
        in page
    )


def test_the_signatory_accepts_and_it_is_recorded(agreement, signatory, login_as, time_machine):
    time_machine.move_to(datetime.datetime(2019, 5, 5, 13, 2, tzinfo=datetime.UTC), tick=False)
    response = _post(login_as(signatory), agreement)
    assert response.status_code == 302
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.status == AgreementStatus.ACCEPTED
    assert (stored.accepted_by, stored.accepted_name, stored.accepted_role) == (
        signatory,
        "Jane Doe",
        "Chief Executive",
    )
    assert stored.accepted_checksum == hashlib.sha256(agreement_pdf(1)).hexdigest()
    page = login_as(signatory).get(_url(agreement)).content.decode()
    assert "Accepted by Jane Doe (Chief Executive) on 5 May 2019 at 14:02" in page
    assert "Accept the agreement</button>" not in page


def test_the_box_must_be_ticked(agreement, signatory, login_as):
    response = _post(login_as(signatory), agreement, confirm="")
    assert response.status_code == 200
    assert "Confirm that you have read and accept the agreement" in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.ISSUED


def test_a_changed_document_is_refused_on_the_page(agreement, signatory, login_as):
    response = _post(login_as(signatory), agreement, checksum="f" * 64)
    assert response.status_code == 200
    assert "The document you read is not the one issued as this version" in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.ISSUED


def test_a_superseded_version_is_refused_and_points_to_the_new_one(agreement, signatory, login_as):
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.SUPERSEDED)
    newer = AgreementFactory(award=agreement.award, number=2)
    page = login_as(signatory).get(_url(agreement)).content.decode()
    assert _url(newer) in page and "This version has been replaced" in page
    response = _post(login_as(signatory), agreement)
    assert "A newer version was issued" in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).accepted_at is None


def test_a_colleague_sees_who_signs_and_no_form_and_cannot_post(agreement, signatory, colleague, login_as):
    client = login_as(colleague)
    page = client.get(_url(agreement)).content.decode()
    assert "Jane Doe is your authorised signatory." in page
    assert "Accept the agreement</button>" not in page
    assert _post(client, agreement).status_code == 403
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.ISSUED


def test_another_organisations_agreement_is_not_found(agreement, login_as):
    stranger = provider_user_of(OrganisationFactory(name="Other Org"), "stranger", signatory=True)
    client = login_as(stranger)
    assert client.get(_url(agreement)).status_code == 404
    assert _post(client, agreement).status_code == 404
    download = reverse("portal:agreement_download", kwargs={"pk": agreement.pk, "kind": "pdf"})
    assert client.get(download).status_code == 404
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.ISSUED


def test_an_agreement_of_an_award_not_yet_made_is_not_found(helping_hands, signatory, login_as):
    planned = AgreementFactory(award__provider=helping_hands, award__status=AwardStatus.PLANNED)
    assert login_as(signatory).get(_url(planned)).status_code == 404


def test_the_pdf_downloads_for_the_own_organisation_only(agreement, colleague, login_as):
    client = login_as(colleague)
    response = client.get(reverse("portal:agreement_download", kwargs={"pk": agreement.pk, "kind": "pdf"}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == agreement_pdf(1)
    assert response["Cache-Control"] == "private, no-store"
    assert "AWD-2019-0042-agreement-v1.pdf" in response["Content-Disposition"]
    # No DOCX stored, and no such kind of file.
    assert (
        client.get(reverse("portal:agreement_download", kwargs={"pk": agreement.pk, "kind": "docx"})).status_code == 404
    )
    assert (
        client.get(reverse("portal:agreement_download", kwargs={"pk": agreement.pk, "kind": "exe"})).status_code == 404
    )


@pytest.mark.parametrize("role", [Role.OFFICER, Role.FINANCE, Role.BOARD, Role.APPLICANT, Role.ASSESSOR, Role.PARTNER])
def test_other_roles_are_refused(agreement, role, login_as):
    client = login_as(UserFactory(role=role))
    download = reverse("portal:agreement_download", kwargs={"pk": agreement.pk, "kind": "pdf"})
    assert client.get(_url(agreement)).status_code == 403
    assert client.get(download).status_code == 403
    assert _post(client, agreement).status_code == 403
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.ISSUED


def test_anonymous_is_sent_to_sign_in(agreement, client):
    assert client.get(_url(agreement)).status_code == 302


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_cost_the_same_queries_at_two_sizes(agreement, signatory, login_as, helping_hands):
    client = login_as(signatory)
    small_award, small_page = (
        _queries(client, reverse("portal:award", kwargs={"pk": agreement.award_id})),
        _queries(client, _url(agreement)),
    )
    for number in range(2, 6):
        Agreement.objects.filter(award=agreement.award).update(status=AgreementStatus.SUPERSEDED)
        AgreementFactory(award=agreement.award, number=number)
    for index in range(4):
        provider_user_of(helping_hands, f"signer{index}", signatory=True)
    Agreement.objects.filter(pk=agreement.pk).update(
        figures={**agreement.figures, "lines": agreement.figures["lines"] * 20}
    )
    assert _queries(client, reverse("portal:award", kwargs={"pk": agreement.award_id})) == small_award
    assert _queries(client, _url(agreement)) == small_page + 1  # superseded now: it names the newer version
