"""The demo's awards after the decision, so the agreements, variations, recoveries, closing and
retention pages have something real to show on a first run:

- AWD-2019-0011 (Durham County Council): its grant agreement re-issued in June 2019 on the
  starter template, the signed copy received and countersigned; a six-month no-cost extension
  approved in December 2019, with its variation letter; a recovery of ineligible spend written
  off under a signed PCC decision.
- AWD-2019-0005 (Harbour, the demo provider user's organisation): version 2 of its agreement,
  re-issued in February 2020, waiting for the provider's authorised signatory to accept it in
  the portal; and Harbour's request for more money, declined with the reason.
- AWD-2019-0015: a cost-of-living uplift approved by the officer and waiting for finance.
- AWD-2019-0002 (Darlington Borough Council): its final budget return for 2019/20 with an
  underspend, the recovery raised from it and the money received; closed in July 2020 with its
  lessons, so its personal data is due for deletion now (left for an officer to redact).
- MoJ core grant money carried from 2019/20 into 2020/21 under a signed decision.

Everything goes through the services. They stamp today's date, so the dates are then moved to
the real-looking 2019/20 ones with queryset ``update()`` (as ``demo.delivery.review`` does).
The agreements are issued while the awards are still active (``after_decision_seed``, before
the statuses follow the calendar); the close needs the award ended (``award_closed_seed``,
after). Idempotent: each step is skipped when its record exists, so a second run writes nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from grants.agreements.acceptance import agreement_countersign, agreement_record_signed, live_agreement
from grants.agreements.services import agreement_issue, write_files
from grants.awards.rules import LineInput
from grants.closeout.services import award_close, personal_data_date
from grants.decisions.services import decision_create, decision_sign
from grants.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    AgreementTemplate,
    Award,
    AwardClosure,
    AwardVersion,
    CarryForward,
    Decision,
    FundingLine,
    FundingStream,
    Recommission,
    Recovery,
    RecoveryReason,
    SpendReturn,
    SpendReturnKind,
    Variation,
    VariationKind,
)
from grants.recoveries.services import (
    SpendLineInput,
    carry_forward_record,
    recovery_raise,
    recovery_receipt_record,
    recovery_write_off,
    spend_return_record,
)
from grants.variations.services import variation_approve, variation_decline, variation_request
from pcc_commissioning import clock

from .agreements import _pdf
from .returns import returns_seed
from .streams import MOJ_CORE

COUNTERSIGNED = "AWD-2019-0011"  # also extended, and a recovery written off
WAITING = "AWD-2019-0005"  # Harbour: the demo provider user is its signatory
UPLIFT = "AWD-2019-0015"
CLOSED = "AWD-2019-0002"


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return clock.start_of(day) + datetime.timedelta(hours=hour)


def _award(reference: str) -> Award | None:
    return Award.objects.filter(reference__iexact=reference).select_related("provider").first()


def _starter(kind: str) -> AgreementTemplate:
    return AgreementTemplate.objects.filter(kind=kind, is_active=True).order_by("pk").first()


def _date_agreement(agreement: Agreement, issued_on: datetime.date) -> None:
    """Date an agreement just issued (and the version it superseded) to ``issued_on``, and
    write its documents again so they say that day too."""
    agreement.figures["agreement"]["issued_on"] = issued_on.isoformat()
    agreement.issued_at = _at(issued_on)
    write_files(agreement)
    agreement.save(update_fields=["figures", "issued_at", "pdf", "docx", "checksum"])
    Agreement.objects.filter(award=agreement.award, variation=agreement.variation, number__lt=agreement.number).update(
        ended_at=_at(issued_on)
    )


def _reissue(award: Award, *, officer, issued_on: datetime.date, conditions: str) -> Agreement:
    agreement = agreement_issue(
        actor=officer, award=award, template=_starter(AgreementKind.GRANT_AGREEMENT), special_conditions=conditions
    )
    _date_agreement(agreement, issued_on)
    return agreement


def agreements_seed(*, officer) -> int:
    """AWD-2019-0011's version 2 signed and countersigned; Harbour's version 2 waiting."""
    written = 0
    award = _award(COUNTERSIGNED)
    if award is not None and not Agreement.objects.filter(award=award, variation=None, number=2).exists():
        agreement = _reissue(
            award,
            officer=officer,
            issued_on=datetime.date(2019, 6, 3),
            conditions="Re-issued on the OPCC's standard grant agreement, which replaces the council's own terms.",
        )
        signed = _pdf(f"{agreement.title} - version 2 - signed")
        agreement = agreement_record_signed(
            actor=officer,
            agreement=agreement,
            signed_copy=SimpleUploadedFile(f"{award.reference}-v2-signed.pdf", signed, content_type="application/pdf"),
            name="Jane Robinson",
            role="Corporate Director, Adult and Health Services",
            accepted_on=datetime.date(2019, 6, 11),
        )
        agreement_countersign(
            actor=officer, agreement=agreement, name="Olivia Officer", role="Commissioning and Partnerships Manager"
        )
        Agreement.objects.filter(pk=agreement.pk).update(countersigned_at=_at(datetime.date(2019, 6, 13), 15))
        written += 1
    award = _award(WAITING)
    if award is not None and not Agreement.objects.filter(award=award, variation=None, number=2).exists():
        _reissue(
            award,
            officer=officer,
            issued_on=datetime.date(2020, 2, 10),
            conditions="Quarterly returns to include the number of referrals from the Victim Care and Advice Service.",
        )
        written += 1
    return written


def _extension_seed(award: Award, *, officer) -> int:
    if Variation.objects.filter(award=award, kind=VariationKind.EXTENSION).exists():
        return 0
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.EXTENSION,
        new_end_date=datetime.date(2020, 9, 30),
        reason="Recruitment to the two outreach posts took until October: six more months, within the grant "
        "already paid, lets the service reach the number of families agreed.",
    )
    variation = variation_approve(
        actor=officer,
        variation=variation,
        note="No cost to the OPCC; the outreach posts are funded to September from the grant paid.",
        letter_template=_starter(AgreementKind.VARIATION_LETTER),
    )
    requested, decided = datetime.date(2019, 11, 18), datetime.date(2019, 12, 2)
    Variation.objects.filter(pk=variation.pk).update(
        requested_on=requested, officer_approved_at=_at(decided), decided_on=decided
    )
    # Version 1 is the award as made, in force from its start; version 2 from the approval.
    AwardVersion.objects.filter(award=award, number=1).update(made_at=clock.start_of(award.start_date))
    AwardVersion.objects.filter(award=award, number=2).update(made_at=_at(decided))
    letter = Agreement.objects.filter(variation=variation).first()
    if letter is not None:
        letter.figures["variation"].update(requested_on=requested.isoformat(), decided_on=decided.isoformat())
        _date_agreement(letter, decided)
    return 1


def _uplift_seed(award: Award, *, officer) -> int:
    if Variation.objects.filter(award=award, kind=VariationKind.VALUE).exists():
        return 0
    lines = [
        LineInput(stream=line.stream, fy=line.fy, amount=(line.amount * Decimal("1.02")).quantize(Decimal("0.01")))
        for line in FundingLine.objects.filter(award=award).select_related("stream")
    ]
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.VALUE,
        lines=lines,
        reason="Cost-of-living uplift of 2%: the volunteer coordinator's pay follows the national pay award.",
    )
    variation = variation_approve(actor=officer, variation=variation, note="Agreed in line with the other uplifts.")
    day = datetime.date(2019, 10, 14)
    Variation.objects.filter(pk=variation.pk).update(
        requested_on=day - datetime.timedelta(days=7), officer_approved_at=_at(day)
    )
    return 1


def _declined_seed(award: Award, *, provider_user, officer) -> int:
    if provider_user is None or Variation.objects.filter(award=award, status="declined").exists():
        return 0
    lines = [
        LineInput(stream=line.stream, fy=line.fy, amount=line.amount)
        for line in FundingLine.objects.filter(award=award).select_related("stream").order_by("fy", "pk")
    ]
    lines[0] = LineInput(stream=lines[0].stream, fy=lines[0].fy, amount=lines[0].amount + Decimal(8000))
    variation = variation_request(
        actor=provider_user,
        award=award,
        kind=VariationKind.VALUE,
        lines=lines,
        reason="Referrals are up by a third since the summer: £8,000 more for a part-time caseworker to March.",
    )
    variation_decline(
        actor=officer,
        variation=variation,
        reason="The victims' services budget for 2019/20 is fully committed. Please include the caseworker in "
        "your bid for 2020/21, with the referral figures for the year.",
    )
    day = datetime.date(2019, 12, 16)
    Variation.objects.filter(pk=variation.pk).update(requested_on=day - datetime.timedelta(days=12), decided_on=day)
    return 1


def variations_seed(*, officer, provider_user) -> int:
    written = 0
    for reference, make in (
        (COUNTERSIGNED, lambda award: _extension_seed(award, officer=officer)),
        (UPLIFT, lambda award: _uplift_seed(award, officer=officer)),
        (WAITING, lambda award: _declined_seed(award, provider_user=provider_user, officer=officer)),
    ):
        award = _award(reference)
        if award is not None:
            written += make(award)
    return written


def _signed_decision(reference: str, *, officer, subject: str, text: str, amount: Decimal, day: datetime.date):
    decision = Decision.objects.filter(reference__iexact=reference).first()
    if decision is not None:
        return decision
    decision = decision_create(
        actor=officer,
        reference=reference,
        subject=subject,
        summary=text,
        decision_text=text,
        decided_on=day,
        amount=amount,
        contact_officer="Chief Finance Officer",
    )
    return decision_sign(decision=decision, actor=officer, decided_on=day)


def _due_later() -> datetime.date:
    # The service wants a due date not yet passed: the real one is set straight after.
    return clock.today() + datetime.timedelta(days=30)


def _underspend_seed(award: Award, *, officer, finance) -> int:
    """The final budget return with its underspend, the recovery raised and the money back."""
    if SpendReturn.objects.filter(award=award, fy=2019, kind=SpendReturnKind.FINAL).exists():
        return 0
    spend_return = spend_return_record(
        actor=officer,
        award=award,
        fy=2019,
        kind=SpendReturnKind.FINAL,
        received_on=datetime.date(2020, 4, 24),
        lines=[
            SpendLineInput(
                "Staff",
                Decimal("16500.00"),
                Decimal("15480.00"),
                "The caseworker post was vacant for five weeks in the autumn.",
            ),
            SpendLineInput(
                "Travel",
                Decimal("1500.00"),
                Decimal("1070.00"),
                "Home visits moved to the telephone from the middle of March.",
            ),
            SpendLineInput("Training and materials", Decimal("3000.00"), Decimal("3000.00")),
        ],
        notes="Underspend of £1,450.00 to be returned.",
    )
    line = FundingLine.objects.filter(award=award, fy=2019).select_related("stream").first()
    recovery = recovery_raise(
        actor=officer,
        award=award,
        reason=RecoveryReason.UNDERSPEND,
        amount=Decimal("1450.00"),
        stream=line.stream,
        fy=2019,
        due_date=_due_later(),
        spend_return=spend_return,
        note="The underspend shown by the final budget return for 2019/20.",
    )
    Recovery.objects.filter(pk=recovery.pk).update(
        raised_at=_at(datetime.date(2020, 5, 4)), due_date=datetime.date(2020, 6, 3)
    )
    SpendReturn.objects.filter(pk=spend_return.pk).update(recorded_at=_at(datetime.date(2020, 4, 27)))
    recovery_receipt_record(
        actor=finance,
        recovery=Recovery.objects.get(pk=recovery.pk),
        amount=Decimal("1450.00"),
        received_on=datetime.date(2020, 5, 28),
        reference="BACS DBC 280520",
    )
    return 3


def _write_off_seed(award: Award, *, officer) -> int:
    if Recovery.objects.filter(award=award, reason=RecoveryReason.INELIGIBLE).exists():
        return 0
    line = FundingLine.objects.filter(award=award, fy=2019).select_related("stream").first()
    recovery = recovery_raise(
        actor=officer,
        award=award,
        reason=RecoveryReason.INELIGIBLE,
        amount=Decimal("1250.00"),
        stream=line.stream,
        fy=2019,
        due_date=_due_later(),
        note="Catering for a staff away day was charged to the grant; the agreement does not allow it.",
    )
    day = datetime.date(2021, 1, 18)
    decision = _signed_decision(
        "PCC-2021-002",
        officer=officer,
        subject=f"Write-off of recovery {recovery.reference} from {award.provider.name}",
        text=f"To write off £1,250.00 of ineligible spend on {award.reference}: the council has met the cost of "
        "the extended service's final month itself, worth more than the sum owed.",
        amount=Decimal("1250.00"),
        day=day,
    )
    recovery_write_off(
        actor=officer,
        recovery=recovery,
        decision=decision,
        note="The council met the cost of the final month of the extended service itself.",
    )
    Recovery.objects.filter(pk=recovery.pk).update(
        raised_at=_at(datetime.date(2020, 11, 9)), due_date=datetime.date(2020, 12, 9), written_off_at=_at(day, 14)
    )
    return 3


def _carry_forward_seed(*, officer) -> int:
    stream = FundingStream.objects.filter(name__iexact=MOJ_CORE).first()
    if stream is None or CarryForward.objects.filter(stream=stream, from_fy=2019).exists():
        return 0
    day = datetime.date(2020, 5, 12)
    decision = _signed_decision(
        "PCC-2020-021",
        officer=officer,
        subject="Carry-forward of the MoJ victims' services grant (Core) from 2019/20 to 2020/21",
        text="To carry £12,500.00 of the MoJ core grant for victims' services not spent in 2019/20 into 2020/21, "
        "as the Ministry of Justice has agreed, for the pandemic's extra demand on victims' services.",
        amount=Decimal("12500.00"),
        day=day,
    )
    carry = carry_forward_record(
        actor=officer,
        stream=stream,
        from_fy=2019,
        amount=Decimal("12500.00"),
        decision=decision,
        note="Agreed with the Ministry of Justice by e-mail on 7 May 2020.",
    )
    CarryForward.objects.filter(pk=carry.pk).update(recorded_at=_at(day + datetime.timedelta(days=2)))
    return 2


def money_seed(*, officer, finance) -> int:
    """The underspend recovered, the write-off and the carry-forward."""
    written = _carry_forward_seed(officer=officer)
    closed, extended = _award(CLOSED), _award(COUNTERSIGNED)
    if closed is not None:
        written += _underspend_seed(closed, officer=officer, finance=finance)
    if extended is not None:
        written += _write_off_seed(extended, officer=officer)
    return written


def after_decision_seed(*, officer, finance, provider_user) -> int:
    """Everything but the close (see the module's docstring), while the awards are active."""
    written = agreements_seed(officer=officer)
    written += variations_seed(officer=officer, provider_user=provider_user)
    # The extension added two quarters of returns: the provider sent them in, as for the others.
    written += returns_seed(actor=None)
    return written + money_seed(officer=officer, finance=finance)


def award_closed_seed(*, officer) -> int:
    """AWD-2019-0002 closed on 15 July 2020, once it has ended (its agreement countersigned first)."""
    award = _award(CLOSED)
    if award is None or AwardClosure.objects.filter(award=award).exists():
        return 0
    # The OPCC countersigned its agreement before the award was closed.
    agreement = live_agreement(award)
    if agreement is not None and agreement.status == AgreementStatus.ACCEPTED:
        agreement_countersign(
            actor=officer, agreement=agreement, name="Olivia Officer", role="Commissioning and Partnerships Manager"
        )
        Agreement.objects.filter(pk=agreement.pk).update(countersigned_at=_at(datetime.date(2019, 3, 27), 15))
    closure = award_close(
        actor=officer,
        award=award,
        lessons="Telephone support kept victims in touch through the first lockdown; the council would keep a "
        "mix of home visits and calls. Recruitment delays caused the underspend: start recruiting before the "
        "award begins.",
        recommission=Recommission.CHANGED,
    )
    closed_on = datetime.date(2020, 7, 15)
    AwardClosure.objects.filter(pk=closure.pk).update(
        closed_on=closed_on, personal_data_until=personal_data_date(closed_on)
    )
    return 1
