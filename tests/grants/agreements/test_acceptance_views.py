"""The officers' countersign and record-signed pages, and the award page's agreements section."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants.agreements.acceptance import agreement_accept
from grants.models import Agreement, AgreementStatus
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.providers import PDF_BYTES

pytestmark = pytest.mark.agreement_rule


@pytest.fixture
def accepted(agreement, signatory):
    return agreement_accept(
        actor=signatory, agreement=agreement, name="Jane Doe", role="Chief Executive", checksum=agreement.checksum
    )


def _countersign_url(agreement):
    return reverse("grants:agreement_countersign", kwargs={"pk": agreement.pk})


def _record_url(agreement):
    return reverse("grants:agreement_record_signed", kwargs={"pk": agreement.pk})


def test_an_officer_countersigns_from_the_page(accepted, officer_client):
    page = officer_client.get(_countersign_url(accepted)).content.decode()
    assert "Countersign for the OPCC" in page
    response = officer_client.post(
        _countersign_url(accepted), {"name": "Pat Smith", "role": "Chief Executive, OPCC", "version": accepted.version}
    )
    assert response.status_code == 302
    stored = Agreement.objects.get(pk=accepted.pk)
    assert stored.status == AgreementStatus.COUNTERSIGNED and stored.countersigned_name == "Pat Smith"


def test_countersigning_an_agreement_not_accepted_says_why(agreement, officer_client):
    response = officer_client.post(
        _countersign_url(agreement), {"name": "Pat Smith", "role": "CEO", "version": agreement.version}
    )
    assert response.status_code == 200
    assert "cannot be countersigned" in response.content.decode()


def test_a_stale_form_is_refused(accepted, officer_client):
    response = officer_client.post(
        _countersign_url(accepted), {"name": "Pat Smith", "role": "CEO", "version": accepted.version - 1}
    )
    assert response.status_code == 200
    assert Agreement.objects.get(pk=accepted.pk).status == AgreementStatus.ACCEPTED


def test_an_officer_records_a_signed_copy_from_the_page(agreement, officer_client, time_machine):
    time_machine.move_to(datetime.datetime(2019, 6, 1, 9, tzinfo=datetime.UTC), tick=False)
    response = officer_client.post(
        _record_url(agreement),
        {
            "signed_copy": SimpleUploadedFile("signed.pdf", PDF_BYTES, content_type="application/pdf"),
            "name": "Jane Doe",
            "role": "Chair of trustees",
            "accepted_on_0": "20",
            "accepted_on_1": "5",
            "accepted_on_2": "2019",
            "version": agreement.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.accepted_outside and stored.status == AgreementStatus.ACCEPTED
    download = officer_client.get(reverse("grants:agreement_signed_copy", kwargs={"pk": agreement.pk}))
    assert b"".join(download.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD, Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR, Role.PARTNER])
def test_only_officers_reach_the_signature_pages(agreement, role, login_as):
    client = login_as(UserFactory(role=role))
    for url in (_countersign_url(agreement), _record_url(agreement)):
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "X", "role": "Y", "version": agreement.version}).status_code == 403
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.ISSUED


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD])
def test_finance_and_board_may_download_the_signed_copy_but_providers_may_not(agreement, role, login_as):
    url = reverse("grants:agreement_signed_copy", kwargs={"pk": agreement.pk})
    assert login_as(UserFactory(role=role)).get(url).status_code == 404  # none recorded yet
    assert login_as(UserFactory(role=Role.PROVIDER)).get(url).status_code == 403


def test_anonymous_is_sent_to_sign_in(agreement, client):
    assert client.get(_countersign_url(agreement)).status_code == 302


def test_the_award_page_says_what_waits_on_whom_and_lists_versions(agreement, officer_client):
    page = officer_client.get(reverse("grants:award_detail", kwargs={"pk": agreement.award_id})).content.decode()
    assert (
        "Waiting for Helping Hands&#x27; authorised signatory to accept version 1 of the grant agreement, issued 3 May 2019."
        in page
    )
    assert f">{agreement.checksum[:12]}</code>" in page
    assert _record_url(agreement) in page and _countersign_url(agreement) not in page


def test_the_award_page_after_acceptance(accepted, officer_client, board_client):
    page = officer_client.get(reverse("grants:award_detail", kwargs={"pk": accepted.award_id})).content.decode()
    assert "waiting for the OPCC&#x27;s countersignature" in page
    assert _countersign_url(accepted) in page
    board_page = board_client.get(reverse("grants:award_detail", kwargs={"pk": accepted.award_id})).content.decode()
    assert "waiting for the OPCC&#x27;s countersignature" in board_page
    assert _countersign_url(accepted) not in board_page


def test_an_active_award_without_an_agreement_says_payments_wait(officer_client, settings):
    from tests.factories import AwardFactory

    award = AwardFactory(status="active")
    url = reverse("grants:award_detail", kwargs={"pk": award.pk})
    message = "No agreement issued yet: payments cannot be marked paid until one is accepted."
    assert message in officer_client.get(url).content.decode()
    settings.PAYMENT_NEEDS_ACCEPTED_AGREEMENT = False
    assert message not in officer_client.get(url).content.decode()


def test_a_planned_award_has_no_banner(officer_client):
    from tests.factories import AwardFactory

    award = AwardFactory(status="planned")
    page = officer_client.get(reverse("grants:award_detail", kwargs={"pk": award.pk})).content.decode()
    assert "No agreement issued yet" not in page
    assert "No agreement has been issued for this award." in page


def test_a_closed_award_offers_nothing_to_sign_and_waits_on_no_one(accepted, officer_client):
    from tests.factories.closeout import AwardClosureFactory

    AwardClosureFactory(award=accepted.award)
    page = officer_client.get(reverse("grants:award_detail", kwargs={"pk": accepted.award_id})).content.decode()
    assert "Accepted by Jane Doe" in page  # the agreement is still listed, as it stands
    assert _countersign_url(accepted) not in page and 'id="agreement-waiting"' not in page
    # Nothing new is offered either: the agreements and variations are there to read.
    assert "Issue and manage the award's agreements" not in page and "The award's agreements" in page
    assert "raise one, or see them all" not in page
