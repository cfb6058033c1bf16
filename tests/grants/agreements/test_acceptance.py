"""Accepting, countersigning and recording a signed copy of an agreement."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grants.agreements.acceptance import (
    accepted_label,
    agreement_accept,
    agreement_countersign,
    agreement_record_signed,
    waiting_on,
)
from grants.models import Agreement, AgreementStatus, AwardClosure
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.agreement_acceptance import AgreementFactory
from tests.factories.providers import PDF_BYTES

ACCEPTED_AT = datetime.datetime(2019, 5, 5, 14, 2, tzinfo=datetime.UTC)  # 15:02 UK summer time


def _accept(agreement, actor, **overrides):
    values = {"name": "Jane Doe", "role": "Chief Executive", "checksum": agreement.checksum}
    return agreement_accept(actor=actor, agreement=agreement, **{**values, **overrides})


@time_machine.travel(ACCEPTED_AT, tick=False)
def test_the_signatory_accepts_and_who_what_and_when_are_recorded(agreement, signatory):
    accepted = _accept(agreement, signatory, name="  Jane Doe ")
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.status == AgreementStatus.ACCEPTED == accepted.status
    assert stored.accepted_by == signatory
    assert (stored.accepted_name, stored.accepted_role) == ("Jane Doe", "Chief Executive")
    assert stored.accepted_at == ACCEPTED_AT
    assert stored.accepted_checksum == agreement.checksum
    assert not stored.accepted_outside
    assert accepted_label(stored) == "Accepted by Jane Doe (Chief Executive) on 5 May 2019 at 15:02"
    assert stored.history.order_by("-history_id").first().history_user == signatory


def test_a_colleague_who_is_not_the_signatory_is_refused(agreement, colleague):
    with pytest.raises(PermissionDenied, match="authorised signatory"):
        _accept(agreement, colleague)
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.ISSUED


def test_another_organisations_signatory_is_refused(agreement, stranger):
    with pytest.raises(PermissionDenied, match="own users"):
        _accept(agreement, stranger)


def test_an_officer_and_the_system_cannot_accept_for_the_provider(agreement, officer):
    with pytest.raises(PermissionDenied):
        _accept(agreement, officer)
    with pytest.raises(PermissionDenied):
        _accept(agreement, None)


def test_a_superseded_version_is_refused_naming_the_newer_one(agreement, signatory):
    checksum = agreement.checksum
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.SUPERSEDED)
    newer = AgreementFactory(award=agreement.award, number=2)
    with pytest.raises(ValidationError) as refused:
        _accept(agreement, signatory, checksum=checksum)
    assert "A newer version was issued: version 1 was replaced by version 2." in str(refused.value)
    assert Agreement.objects.get(pk=newer.pk).status == AgreementStatus.ISSUED


def test_a_checksum_that_differs_from_the_issued_document_is_refused(agreement, signatory):
    with pytest.raises(ValidationError) as refused:
        _accept(agreement, signatory, checksum="0" * 64)
    assert refused.value.message_dict["checksum"] == [
        "The document you read is not the one issued as this version. Open the agreement again, read it and accept it."
    ]
    assert Agreement.objects.get(pk=agreement.pk).accepted_at is None


def test_name_and_role_are_needed(agreement, signatory):
    with pytest.raises(ValidationError) as refused:
        _accept(agreement, signatory, name=" ", role="")
    assert set(refused.value.message_dict) == {"name", "role"}


def test_accepting_twice_is_refused(agreement, signatory):
    _accept(agreement, signatory)
    with pytest.raises(ValidationError, match="cannot be accepted"):
        _accept(agreement, signatory)


def test_a_closed_award_cannot_be_accepted(agreement, signatory, officer):
    AwardClosure.objects.create(
        award=agreement.award,
        closed_on=datetime.date(2020, 4, 30),
        closed_by=officer,
        lessons="Worked well.",
        recommission="yes",
        personal_data_until=datetime.date(2026, 4, 30),
    )
    with pytest.raises(ValidationError, match="was closed on 30 April 2020"):
        _accept(agreement, signatory)


def test_the_lead_officer_is_emailed_once_on_commit(
    agreement, signatory, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _accept(agreement, signatory)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["lead@opcc.example"]
    assert "AWD-2019-0042" in mail.subject and "accepted" in mail.subject
    assert "Accepted by Jane Doe (Chief Executive)" in mail.body


def test_a_refused_acceptance_sends_no_email(agreement, colleague, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        _accept(agreement, colleague)
    assert mailoutbox == []


# Countersigning ---------------------------------------------------------------------------------


@time_machine.travel(ACCEPTED_AT, tick=False)
def test_an_officer_countersigns_an_accepted_agreement(agreement, signatory, officer):
    _accept(agreement, signatory)
    signed = agreement_countersign(actor=officer, agreement=agreement, name="Pat Smith", role="Chief Executive, OPCC")
    assert signed.status == AgreementStatus.COUNTERSIGNED
    assert (signed.countersigned_by, signed.countersigned_at) == (officer, ACCEPTED_AT)
    assert signed.countersigned_name == "Pat Smith"


def test_countersigning_waits_for_acceptance(agreement, officer):
    with pytest.raises(ValidationError, match="cannot be countersigned"):
        agreement_countersign(actor=officer, agreement=agreement, name="Pat Smith", role="Chief Executive")


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD, Role.PROVIDER])
def test_only_officers_countersign(agreement, signatory, role):
    _accept(agreement, signatory)
    with pytest.raises(PermissionDenied):
        agreement_countersign(actor=UserFactory(role=role), agreement=agreement, name="X", role="Y")


# A signed copy received ---------------------------------------------------------------------------


def _signed_copy(content: bytes = PDF_BYTES, name: str = "signed.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@time_machine.travel(datetime.datetime(2019, 6, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_an_officer_records_a_signed_copy(agreement, officer):
    recorded = agreement_record_signed(
        actor=officer,
        agreement=agreement,
        signed_copy=_signed_copy(),
        name="Jane Doe",
        role="Chair of trustees",
        accepted_on=datetime.date(2019, 5, 20),
    )
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.status == AgreementStatus.ACCEPTED == recorded.status
    assert stored.accepted_outside and stored.accepted_by is None
    assert timezone.localtime(stored.accepted_at).date() == datetime.date(2019, 5, 20)
    assert stored.signed_copy.read() == PDF_BYTES
    assert accepted_label(stored) == "Signed copy received: signed by Jane Doe (Chair of trustees) on 20 May 2019"
    assert stored.history.order_by("-history_id").first().history_user == officer


@time_machine.travel(datetime.datetime(2019, 6, 1, 9, tzinfo=datetime.UTC), tick=False)
def test_a_signed_copy_is_checked_like_every_upload_and_its_date(agreement, officer):
    with pytest.raises(ValidationError) as refused:
        agreement_record_signed(
            actor=officer,
            agreement=agreement,
            signed_copy=_signed_copy(b"not a pdf", "signed.pdf"),
            name="Jane Doe",
            role="Chair",
            accepted_on=datetime.date(2019, 6, 2),
        )
    errors = refused.value.message_dict
    assert errors["signed_copy"] == [
        "The selected file must be a PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT), PNG or JPEG file."
    ]
    assert errors["accepted_on"] == ["The date it was signed cannot be in the future."]
    with pytest.raises(ValidationError, match="before version 1 was issued"):
        agreement_record_signed(
            actor=officer,
            agreement=agreement,
            signed_copy=_signed_copy(),
            name="Jane Doe",
            role="Chair",
            accepted_on=datetime.date(2019, 5, 2),
        )
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.ISSUED


def test_a_provider_cannot_record_a_signed_copy(agreement, signatory):
    with pytest.raises(PermissionDenied):
        agreement_record_signed(
            actor=signatory,
            agreement=agreement,
            signed_copy=_signed_copy(),
            name="Jane Doe",
            role="Chair",
            accepted_on=datetime.date(2019, 5, 20),
        )


# What the award waits for -------------------------------------------------------------------------


@pytest.mark.agreement_rule
def test_waiting_on_says_what_waits_on_whom(agreement, signatory):
    award = agreement.award
    assert waiting_on(award, [agreement]) == (
        "Waiting for Helping Hands' authorised signatory to accept version 1 of the grant agreement, issued 3 May 2019."
    )
    with time_machine.travel(ACCEPTED_AT, tick=False):
        accepted = _accept(agreement, signatory)
    assert waiting_on(award, [accepted]) == (
        "Accepted by Jane Doe (Chief Executive) on 5 May 2019 at 15:02; waiting for the OPCC's countersignature."
    )
    assert waiting_on(award, []) == "No agreement issued yet: payments cannot be marked paid until one is accepted."
