"""Due diligence at the moment it matters: marking an award awarded, recording or approving a
payment. Missing or expired required documents warn; going ahead needs a reason (kept in the
history), or, with DUE_DILIGENCE_BLOCKS, is refused."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from grants.awards import services as awards_services
from grants.models import AwardStatus, AwardTransition, Payment, PlanFrequency, PlanTiming
from grants.payments import services as payments_services
from grants.schedules.instalments import payment_plan_set
from providers.models import DocumentKind, OrganisationKind, RequiredDocument
from providers.selectors import due_diligence_gaps

from ..factories import AwardFactory, DueDiligenceDocumentFactory, FundingLineFactory, OrganisationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.due_diligence]
TODAY = datetime.date(2026, 12, 6)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 6, 10, 0))


def charity(**documents):
    """A voluntary organisation holding the given documents: kind -> expiry date (None: no expiry)."""
    organisation = OrganisationFactory(name="Harbour", kind=OrganisationKind.VOLUNTARY_SECTOR)
    for kind, expires in documents.items():
        DueDiligenceDocumentFactory(
            organisation=organisation, kind=kind, valid_from=datetime.date(2026, 1, 1), expires_on=expires
        )
    return organisation


def test_the_seeded_requirements_are_safeguarding_insurance_and_accounts_for_charities():
    assert set(
        RequiredDocument.objects.filter(organisation_kind="voluntary_sector").values_list("document_kind", flat=True)
    ) == {"safeguarding", "insurance", "accounts"}
    assert not RequiredDocument.objects.filter(organisation_kind="local_authority").exists()


def test_gaps_name_what_is_missing_and_what_has_expired_and_a_document_expiring_today_is_still_valid():
    organisation = charity(safeguarding=None, insurance=TODAY - datetime.timedelta(days=1), accounts=TODAY)
    assert due_diligence_gaps(organisation, today=TODAY) == ["the insurance certificate expired on 5 December 2026"]


def test_gaps_when_nothing_is_on_file_and_none_for_a_council():
    bare = OrganisationFactory(kind=OrganisationKind.VOLUNTARY_SECTOR)
    assert due_diligence_gaps(bare, today=TODAY) == [
        "no safeguarding policy on file",
        "no insurance certificate on file",
        "no annual accounts on file",
    ]
    council = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    assert due_diligence_gaps(council, today=TODAY) == []


def test_marking_awarded_warns_then_goes_ahead_with_a_reason_kept_on_the_timeline(officer):
    award = AwardFactory(provider=charity(safeguarding=None, accounts=None), status=AwardStatus.PLANNED)
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_transition(award=award, actor=officer, to_status=AwardStatus.AWARDED)
    message = excinfo.value.message_dict["due_diligence_reason"][0]
    assert "no insurance certificate on file" in message and "give your reason" in message
    award.refresh_from_db()
    assert award.status == AwardStatus.PLANNED
    awards_services.award_transition(
        award=award,
        actor=officer,
        to_status=AwardStatus.AWARDED,
        due_diligence_reason="Insurance renewal seen by e-mail; certificate to follow",
    )
    step = AwardTransition.objects.get(award=award)
    assert "no insurance certificate on file" in step.due_diligence_note
    assert "Insurance renewal seen by e-mail" in step.due_diligence_note


def test_with_every_document_current_there_is_no_warning(officer):
    award = AwardFactory(
        provider=charity(safeguarding=None, insurance=TODAY, accounts=None), status=AwardStatus.PLANNED
    )
    awards_services.award_transition(award=award, actor=officer, to_status=AwardStatus.AWARDED)
    assert AwardTransition.objects.get(award=award).due_diligence_note == ""


def test_the_setting_makes_it_a_block(officer, settings):
    settings.DUE_DILIGENCE_BLOCKS = True
    award = AwardFactory(provider=charity(), status=AwardStatus.PLANNED)
    with pytest.raises(ValidationError) as excinfo:
        awards_services.award_transition(
            award=award, actor=officer, to_status=AwardStatus.AWARDED, due_diligence_reason="Please"
        )
    assert "Record current documents on its page before" in excinfo.value.message_dict["due_diligence_reason"][0]


def test_recording_a_payment_warns_and_keeps_the_reason(finance_officer):
    award = AwardFactory(
        provider=charity(safeguarding=None, insurance=datetime.date(2026, 3, 31), accounts=None),
        status=AwardStatus.ACTIVE,
    )
    line = FundingLineFactory(award=award, fy=2026, amount=Decimal("4000"))
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_record(
            actor=finance_officer,
            award=award,
            stream=line.stream,
            amount=Decimal("500"),
            due_date=datetime.date(2026, 12, 10),
        )
    assert "expired on 31 March 2026" in excinfo.value.message_dict["due_diligence_reason"][0]
    assert not Payment.objects.exists()
    payment = payments_services.payment_record(
        actor=finance_officer,
        award=award,
        stream=line.stream,
        amount=Decimal("500"),
        due_date=datetime.date(2026, 12, 10),
        due_diligence_reason="Renewal in hand",
    )
    assert "Renewal in hand" in payment.due_diligence_note


def test_approving_an_instalment_warns_too(finance_officer, officer):
    provider = charity(safeguarding=None, insurance=None, accounts=None)
    award = AwardFactory(
        provider=provider,
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2026, 4, 1),
        end_date=datetime.date(2027, 3, 31),
    )
    FundingLineFactory(award=award, fy=2026, amount=Decimal("4000"))
    payment_plan_set(actor=officer, award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    instalment = Payment.objects.filter(award=award).first()
    # The insurance lapses before finance approves the instalment.
    provider.documents.filter(kind=DocumentKind.INSURANCE).update(expires_on=datetime.date(2026, 12, 1))
    with pytest.raises(ValidationError) as excinfo:
        payments_services.payment_approve(payment=instalment, actor=finance_officer)
    assert "insurance certificate expired on 1 December 2026" in excinfo.value.message_dict["due_diligence_reason"][0]
    approved = payments_services.payment_approve(
        payment=instalment, actor=finance_officer, due_diligence_reason="Director agreed"
    )
    assert approved.is_approved and "Director agreed" in approved.due_diligence_note


def test_imports_and_the_system_are_not_held_up():
    award = AwardFactory(provider=charity(), status=AwardStatus.PLANNED)
    awards_services.award_transition(award=award, actor=None, to_status=AwardStatus.AWARDED)
    award.refresh_from_db()
    assert award.status == AwardStatus.AWARDED
