"""Raising a variation and the machine its approval follows (the money decides the route)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.awards.rules import LineInput
from grants.models import AwardStatus, VariationKind, VariationStatus
from grants.variations.rules import KPIInput
from grants.variations.services import (
    variation_approve,
    variation_decline,
    variation_link_decision,
    variation_request,
    variation_withdraw,
)
from pcc_commissioning.roles import Role

from ...factories import AwardFactory, AwardKPIFactory, DecisionFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _lines(stream, *amounts, first=2019):
    return [LineInput(stream=stream, fy=first + n, amount=Decimal(amount)) for n, amount in enumerate(amounts)]


def _errors(excinfo) -> str:
    return " ".join(message for messages in excinfo.value.message_dict.values() for message in messages)


def test_no_cost_extension_is_approved_by_the_officer_alone(award, officer):
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.EXTENSION,
        reason="Referrals came late.",
        new_end_date=datetime.date(2021, 9, 30),
    )
    assert variation.reference == "AWD-2019-0042-V1"
    assert (variation.status, variation.requested_on) == (VariationStatus.REQUESTED, datetime.date(2019, 10, 1))
    done = variation_approve(actor=officer, variation=variation)
    assert done.status == VariationStatus.APPROVED
    assert done.officer_approved_by == officer and done.finance_approved_at is None
    assert (done.old_end_date, done.old_value, done.new_value) == (
        datetime.date(2021, 3, 31),
        Decimal("20000.00"),
        Decimal("20000.00"),
    )
    assert done.decided_on == datetime.date(2019, 10, 1)


def test_a_value_change_goes_to_finance_after_the_officer(award, officer, finance_officer):
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.VALUE,
        reason="Cost-of-living uplift.",
        lines=_lines(award.lines.first().stream, "10000", "14000"),
    )
    variation = variation_approve(actor=officer, variation=variation)
    assert variation.status == VariationStatus.AWAITING_FINANCE
    award.refresh_from_db()
    assert sum(line.amount for line in award.lines.all()) == Decimal("20000.00")  # nothing changed yet
    with pytest.raises(PermissionDenied):
        variation_approve(actor=officer, variation=variation)  # finance's step
    variation = variation_approve(actor=finance_officer, variation=variation)
    assert variation.status == VariationStatus.APPROVED
    assert variation.finance_approved_by == finance_officer
    assert variation.new_value == Decimal("24000.00")
    assert sum(line.amount for line in award.lines.all()) == Decimal("24000.00")


def test_above_the_limit_is_held_until_a_signed_decision_is_linked(award, officer, finance_officer):
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.VALUE,
        reason="A second caseworker.",
        lines=_lines(award.lines.first().stream, "10000", "22000"),
    )
    variation = variation_approve(actor=officer, variation=variation)
    variation = variation_approve(actor=finance_officer, variation=variation)
    assert variation.status == VariationStatus.AWAITING_DECISION
    with pytest.raises(ValidationError) as refused:
        variation_approve(actor=officer, variation=variation)
    assert _errors(refused) == (
        "Waiting for a signed PCC decision: the award's value after the change, £32,000.00, "
        "is above the delegated limit of £25,000.00."
    )
    draft = DecisionFactory(amount=Decimal("32000.00"))
    variation = variation_link_decision(actor=officer, variation=variation, decision=draft)
    with pytest.raises(ValidationError):
        variation_approve(actor=officer, variation=variation)  # linked, but not signed
    signed = DecisionFactory(signed=True, amount=Decimal("32000.00"))
    variation = variation_link_decision(actor=officer, variation=variation, decision=signed)
    variation = variation_approve(actor=officer, variation=variation)
    assert variation.status == VariationStatus.APPROVED
    award.refresh_from_db()
    assert award.decision == signed
    assert sum(line.amount for line in award.lines.all()) == Decimal("32000.00")


def test_declined_and_withdrawn_requests_are_kept_with_the_reason(award, officer, provider_user):
    first = variation_request(actor=officer, award=award, kind=VariationKind.SCOPE, reason="r", new_scope="Wider.")
    declined = variation_decline(actor=officer, variation=first, reason="Outside the commissioning intention.")
    assert (declined.status, declined.decision_note) == (
        VariationStatus.DECLINED,
        "Outside the commissioning intention.",
    )
    second = variation_request(
        actor=provider_user, award=award, kind=VariationKind.LEAD_CONTACT, reason="r", new_lead_contact="Ann Lee"
    )
    assert second.reference == "AWD-2019-0042-V2" and second.raised_by_provider
    with pytest.raises(ValidationError):
        variation_withdraw(actor=provider_user, variation=second, reason="")
    withdrawn = variation_withdraw(actor=provider_user, variation=second, reason="Ann stays.")
    assert withdrawn.status == VariationStatus.WITHDRAWN
    with pytest.raises(ValidationError) as refused:
        variation_approve(actor=officer, variation=withdrawn)
    assert "is withdrawn, so it cannot be approved" in _errors(refused)


def test_the_proposal_must_fit_its_kind(award, officer):
    stream = award.lines.first().stream
    with pytest.raises(ValidationError) as refused:
        variation_request(
            actor=officer,
            award=award,
            kind=VariationKind.EXTENSION,
            reason="Late start.",
            new_end_date=datetime.date(2021, 3, 31),
            lines=_lines(stream, "10000", "9000"),
        )
    errors = refused.value.message_dict
    assert errors["new_end_date"] == ["The new end date must be after the award's current last day, 31 March 2021."]
    assert errors["lines"] == [
        "A no-cost extension keeps the total the same: the lines add up to £19,000.00, the award is worth £20,000.00."
    ]
    with pytest.raises(ValidationError) as refused:
        variation_request(
            actor=officer, award=award, kind=VariationKind.TRANSFER, reason="Merger.", new_provider=award.provider
        )
    assert "already with" in refused.value.message_dict["new_provider"][0]
    with pytest.raises(ValidationError) as refused:
        variation_request(actor=officer, award=award, kind=VariationKind.EXTENSION, reason="x", takes_extension=True)
    assert refused.value.message_dict["takes_extension"] == [
        "Award AWD-2019-0042 has no extension offered that is not taken."
    ]
    with pytest.raises(ValidationError) as refused:
        variation_request(
            actor=officer,
            award=award,
            kind=VariationKind.KPIS,
            reason="x",
            kpis=[KPIInput(kpi=AwardKPIFactory(), target=Decimal(5))],
        )
    assert refused.value.message_dict["kpis"] == ["KPI 1: choose one of this award's KPIs."]


def test_who_may_raise_and_approve(award, officer, finance_officer, board_member, provider_user):
    other = UserFactory(role=Role.PROVIDER)
    from providers.services import membership_set

    membership_set(user=other, organisation=OrganisationFactory())
    kwargs = {"award": award, "kind": VariationKind.SCOPE, "reason": "r", "new_scope": "Wider."}
    for refused in (finance_officer, board_member):
        with pytest.raises(PermissionDenied):
            variation_request(actor=refused, **kwargs)
    with pytest.raises(PermissionDenied):
        variation_request(actor=other, **kwargs)
    variation = variation_request(actor=provider_user, **kwargs)
    for refused in (finance_officer, board_member, provider_user):
        with pytest.raises(PermissionDenied):
            variation_approve(actor=refused, variation=variation)
    with pytest.raises(PermissionDenied):
        variation_decline(actor=board_member, variation=variation, reason="no")
    with pytest.raises(PermissionDenied):
        variation_withdraw(actor=other, variation=variation, reason="no")


def test_a_planned_award_is_edited_not_varied(officer):
    planned = AwardFactory(status=AwardStatus.PLANNED)
    with pytest.raises(ValidationError) as refused:
        variation_request(actor=officer, award=planned, kind=VariationKind.SCOPE, reason="r", new_scope="x")
    assert "change it by editing the award" in _errors(refused)


def test_a_kpi_with_reported_values_is_kept(award, officer):
    from ...factories import MonitoringReturnFactory, ReturnKPIValueFactory

    kpi = AwardKPIFactory(award=award, name="Referrals")
    ReturnKPIValueFactory(kpi=kpi, monitoring_return=MonitoringReturnFactory(award=award, fy=2018, quarter=1))
    with pytest.raises(ValidationError) as refused:
        variation_request(
            actor=officer,
            award=award,
            kind=VariationKind.KPIS,
            reason="x",
            kpis=[KPIInput(kpi=kpi, remove=True), KPIInput(name="referrals", target=Decimal(1))],
        )
    assert refused.value.message_dict["kpis"] == [
        "KPI 1: “Referrals” has values in monitoring returns, so it cannot be removed; change its target instead.",
        "KPI 2: the award already has a KPI called “referrals”.",
    ]
