"""Factories for agreements: templates, and an award with everything an agreement states.
They save rows directly (no service rules); issue agreements through
``grants.agreements.services``."""

import datetime
from decimal import Decimal

import factory

from grants.models import (
    AgreementKind,
    AgreementTemplate,
    AwardStatus,
    Decision,
    FundingStream,
    PaymentPlan,
    PlanFrequency,
    PlanTiming,
)
from pcc_commissioning.roles import Role
from providers.models import Organisation

from .grants import AwardFactory, DecisionFactory, FundingLineFactory, FundingStreamFactory, PaymentFactory
from .monitoring import AwardKPIFactory, MonitoringReturnFactory
from .providers import OrganisationFactory, ProviderMembershipFactory
from .users import UserFactory

TERMS = (
    "This agreement is between {{ funder }} and {{ provider }} for {{ award_reference }}.\n\n"
    "We will pay up to {{ total_value }} from {{ start_date }} to {{ end_date }}."
)


class AgreementTemplateFactory(factory.django.DjangoModelFactory):
    """A grant agreement template in use."""

    class Meta:
        model = AgreementTemplate

    name = factory.Sequence(lambda n: f"Test template {n + 1}")
    kind = AgreementKind.GRANT_AGREEMENT
    terms = TERMS


def _stream(name: str) -> FundingStream:
    return FundingStream.objects.filter(name=name).first() or FundingStreamFactory(name=name)


def award_to_agree(**fields):
    """An active grant AWD-2019-0042 to Harbour Support Services worth £62,500.00: 2019/20
    £30,000.00 (Victims grant £25,000.00, Core grant £5,000.00) and 2020/21 £32,500.00 (Victims
    grant), so £57,500.00 from the Victims grant. A quarterly plan in arrears, two payments of
    £6,250.00, returns for Q1 and Q2 2019/20, a KPI (40 people a quarter) and one signatory."""
    provider = (
        fields.pop("provider", None)
        or Organisation.objects.filter(name="Harbour Support Services").first()
        or OrganisationFactory(name="Harbour Support Services")
    )
    provider.address, provider.postcode = "1 Quay Street\nSunderland", "SR1 1AA"
    provider.save()
    reference = fields.pop("reference", "AWD-2019-0042")
    decision = Decision.objects.filter(reference="PCC-2019-007").first()
    award = AwardFactory(
        reference=reference,
        title="Independent sexual violence advisers",
        provider=provider,
        status=fields.pop("status", AwardStatus.ACTIVE),
        purpose="Two ISVAs for victims of sexual violence across the county.",
        decision=decision or DecisionFactory(reference="PCC-2019-007", signed=True),
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2021, 3, 31),
        lead_officer=UserFactory(username="lead", first_name="Alex", last_name="Lead", role=Role.OFFICER),
        **fields,
    )
    victims = _stream("Victims grant")
    core = _stream("Core grant")
    FundingLineFactory(award=award, stream=victims, fy=2019, amount=Decimal("25000.00"))
    FundingLineFactory(award=award, stream=core, fy=2019, amount=Decimal("5000.00"))
    FundingLineFactory(award=award, stream=victims, fy=2020, amount=Decimal("32500.00"))
    PaymentPlan.objects.create(award=award, frequency=PlanFrequency.QUARTERLY, timing=PlanTiming.ARREARS)
    PaymentFactory(award=award, stream=victims, fy=2019, due_date=datetime.date(2019, 7, 1), amount=Decimal("6250.00"))
    PaymentFactory(award=award, stream=victims, fy=2019, due_date=datetime.date(2019, 10, 1), amount=Decimal("6250.00"))
    MonitoringReturnFactory(award=award, fy=2019, quarter=1)
    MonitoringReturnFactory(award=award, fy=2019, quarter=2)
    AwardKPIFactory(award=award, name="Victims supported", unit="people", target=Decimal("40"))
    if not provider.memberships.filter(is_signatory=True).exists():
        signatory = UserFactory(username="signatory", first_name="Sam", last_name="Signer", role=Role.PROVIDER)
        ProviderMembershipFactory(user=signatory, organisation=provider, is_signatory=True)
    return award
