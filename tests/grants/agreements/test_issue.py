"""Issuing an award's agreement: numbered per award (letters per variation), the live one
superseded, the award's figures kept as they were on the day, and the refusals."""

import datetime
import hashlib
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from grants.agreements import services
from grants.agreements.figures import award_figures
from grants.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AwardClosure,
    AwardStatus,
    FundingLine,
    Recommission,
    Variation,
    VariationKind,
)
from tests.factories.agreements import AgreementTemplateFactory, award_to_agree

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


def _variation(award, number=1):
    return Variation.objects.create(
        award=award,
        reference=f"{award.reference}-V{number}",
        kind=VariationKind.EXTENSION,
        reason="The service started late.",
        requested_on=datetime.date(2019, 9, 1),
        new_end_date=datetime.date(2021, 9, 30),
    )


@time_machine.travel(datetime.datetime(2019, 5, 7, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_first_agreement_is_version_1_with_the_awards_figures_and_its_files(officer, award, template):
    expected = award_figures(award)
    agreement = services.agreement_issue(
        actor=officer, award=award, template=template, special_conditions="Keep ISVA training up to date."
    )
    agreement.refresh_from_db()
    assert agreement.number == 1
    assert agreement.status == AgreementStatus.ISSUED
    assert agreement.kind == AgreementKind.GRANT_AGREEMENT
    assert agreement.issued_by == officer
    assert agreement.issued_at == datetime.datetime(2019, 5, 7, 10, 0, tzinfo=datetime.UTC)
    assert {key: agreement.figures[key] for key in expected} == expected
    assert agreement.figures["total"] == "62500.00"
    assert agreement.figures["agreement"]["issued_on"] == "2019-05-07"
    assert agreement.figures["terms"] == (
        "This agreement is between Office of the Police and Crime Commissioner and Harbour Support Services "
        "for AWD-2019-0042.\n\nWe will pay up to £62,500.00 from 1 April 2019 to 31 March 2021."
    )
    assert agreement.figures["special_conditions"] == "Keep ISVA training up to date."
    pdf = agreement.pdf.read()
    assert pdf.startswith(b"%PDF-")
    assert agreement.checksum == hashlib.sha256(pdf).hexdigest()
    assert agreement.docx.read().startswith(b"PK")
    assert agreement.pdf.name.endswith("AWD-2019-0042-grant_agreement-v1.pdf")


def test_a_new_version_supersedes_the_live_one(officer, award, template):
    first = services.agreement_issue(actor=officer, award=award, template=template)
    second = services.agreement_issue(actor=officer, award=award, template=template)
    first.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.status == AgreementStatus.SUPERSEDED
    assert first.ended_reason == "Superseded by version 2."
    assert first.ended_at is not None
    assert second.status == AgreementStatus.ISSUED
    third = services.agreement_issue(actor=officer, award=award, template=template)
    assert third.number == 3
    assert list(Agreement.objects.filter(award=award).values_list("number", "status")) == [
        (1, AgreementStatus.SUPERSEDED),
        (2, AgreementStatus.SUPERSEDED),
        (3, AgreementStatus.ISSUED),
    ]


def test_numbers_are_per_award(officer, award, template):
    other = award_to_agree(reference="AWD-2019-0043", provider=award.provider)
    services.agreement_issue(actor=officer, award=award, template=template)
    assert services.agreement_issue(actor=officer, award=other, template=template).number == 1


def test_figures_and_files_are_unchanged_after_the_awards_lines_change(officer, award, template):
    agreement = services.agreement_issue(actor=officer, award=award, template=template)
    figures_then = award_figures(award)
    pdf_then = agreement.pdf.read()
    FundingLine.objects.filter(award=award, fy=2020).update(amount=Decimal("40000.00"))
    award.title = "Renamed"
    award.save()
    agreement.refresh_from_db()
    assert award_figures(award)["total"] == "70000.00"  # the award has moved on
    assert {key: agreement.figures[key] for key in figures_then} == figures_then
    assert agreement.figures["total"] == "62500.00"
    assert agreement.figures["years"][1] == {"fy": 2020, "fy_label": "2020/21", "amount": "32500.00"}
    with agreement.pdf.open("rb") as handle:
        assert handle.read() == pdf_then


@pytest.mark.parametrize(
    "status", [AwardStatus.PLANNED, AwardStatus.PROCURING, AwardStatus.CANCELLED, AwardStatus.ENDED]
)
def test_refused_before_the_decision_or_once_cancelled(officer, template, status):
    award = award_to_agree(status=status)
    with pytest.raises(ValidationError) as refusal:
        services.agreement_issue(actor=officer, award=award, template=template)
    assert "an agreement follows the decision" in str(refusal.value.message_dict["award"])
    assert not Agreement.objects.exists()


def test_awarded_award_may_be_given_one(officer, template):
    award = award_to_agree(status=AwardStatus.AWARDED)
    assert services.agreement_issue(actor=officer, award=award, template=template).number == 1


def test_refused_for_a_closed_award(officer, award, template):
    AwardClosure.objects.create(
        award=award,
        closed_on=datetime.date(2021, 5, 1),
        lessons="Done.",
        recommission=Recommission.values[0],
        personal_data_until=datetime.date(2027, 5, 1),
    )
    with pytest.raises(ValidationError) as refusal:
        services.agreement_issue(actor=officer, award=award, template=template)
    assert "was closed on 1 May 2021, so it cannot be given a new agreement" in str(refusal.value)


def test_refused_from_a_retired_template(officer, award):
    template = AgreementTemplateFactory(name="Old wording", is_active=False)
    with pytest.raises(ValidationError) as refusal:
        services.agreement_issue(actor=officer, award=award, template=template)
    assert refusal.value.message_dict["template"] == ["The template “Old wording” is retired: choose one in use."]


def test_refused_with_an_unknown_field_in_the_special_conditions(officer, award, template):
    with pytest.raises(ValidationError) as refusal:
        services.agreement_issue(actor=officer, award=award, template=template, special_conditions="{{ grantee }}")
    assert refusal.value.message_dict["special_conditions"][0].startswith("{{ grantee }} is not a merge field.")


def test_a_variation_letter_only_with_a_variation_and_the_reverse(officer, award, template):
    letter = AgreementTemplateFactory(name="Letter", kind=AgreementKind.VARIATION_LETTER)
    with pytest.raises(ValidationError, match="A variation letter is issued from its variation"):
        services.agreement_issue(actor=officer, award=award, template=letter)
    with pytest.raises(ValidationError, match="A variation is confirmed by a variation letter"):
        services.agreement_issue(actor=officer, award=award, template=template, variation=_variation(award))


def test_variation_letters_are_numbered_per_variation_and_leave_the_agreement_alone(officer, award, template):
    letter = AgreementTemplateFactory(
        name="Letter", kind=AgreementKind.VARIATION_LETTER, terms="{{ variation_reference }}: {{ new_end_date }}"
    )
    agreement = services.agreement_issue(actor=officer, award=award, template=template)
    first, second = _variation(award, 1), _variation(award, 2)
    one = services.agreement_issue(actor=None, award=award, template=letter, variation=first)
    again = services.agreement_issue(actor=None, award=award, template=letter, variation=first)
    other = services.agreement_issue(actor=None, award=award, template=letter, variation=second)
    one.refresh_from_db()
    agreement.refresh_from_db()
    assert (one.number, again.number, other.number) == (1, 2, 1)
    assert one.status == AgreementStatus.SUPERSEDED
    assert agreement.status == AgreementStatus.ISSUED
    assert again.figures["terms"] == "AWD-2019-0042-V1: 30 September 2021"
    assert again.figures["variation"]["reason"] == "The service started late."
    assert services.agreement_issue(actor=officer, award=award, template=template).number == 2


def test_a_variation_of_another_award_is_refused(officer, award):
    letter = AgreementTemplateFactory(name="Letter", kind=AgreementKind.VARIATION_LETTER)
    other = award_to_agree(reference="AWD-2019-0043", provider=award.provider)
    with pytest.raises(ValidationError, match="is not of award AWD-2019-0042"):
        services.agreement_issue(actor=officer, award=award, template=letter, variation=_variation(other))


@pytest.mark.parametrize("who", ["finance_officer", "board_member", "provider_user"])
def test_only_officers_issue_and_withdraw(request, award, template, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.agreement_issue(actor=actor, award=award, template=template)
    agreement = services.agreement_issue(actor=None, award=award, template=template)
    with pytest.raises(PermissionDenied):
        services.agreement_withdraw(actor=actor, agreement=agreement, reason="Wrong")


def test_withdraw_needs_a_reason_and_leaves_no_live_agreement(officer, award, template):
    agreement = services.agreement_issue(actor=officer, award=award, template=template)
    with pytest.raises(ValidationError, match="Say why the agreement is withdrawn."):
        services.agreement_withdraw(actor=officer, agreement=agreement, reason="  ")
    withdrawn = services.agreement_withdraw(actor=officer, agreement=agreement, reason="Issued to the wrong provider.")
    assert withdrawn.status == AgreementStatus.WITHDRAWN
    assert withdrawn.ended_reason == "Issued to the wrong provider."
    with pytest.raises(ValidationError, match="Version 1 is withdrawn, so it cannot be withdrawn."):
        services.agreement_withdraw(actor=officer, agreement=withdrawn, reason="Again")
    nxt = services.agreement_issue(actor=officer, award=award, template=template)
    withdrawn.refresh_from_db()
    assert nxt.number == 2
    assert withdrawn.status == AgreementStatus.WITHDRAWN
