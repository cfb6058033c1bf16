"""An approved variation changes the award: dates, lines, KPIs, provider, and the schedules of
returns and instalments follow; each version's figures are kept."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from grants.awards.rules import LineInput
from grants.awards.services import award_update
from grants.models import AwardVersion, MonitoringReturn, Payment, VariationKind
from grants.variations.apply import lead_contact
from grants.variations.rules import KPIInput
from grants.variations.services import variation_approve, variation_request

from ...factories import AwardKPIFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _instalments(award) -> list[tuple[str, str]]:
    return [
        (f"{payment.due_date:%Y-%m-%d}", f"{payment.amount}")
        for payment in Payment.objects.filter(award=award).order_by("due_date")
    ]


def test_a_no_cost_extension_without_new_lines_moves_the_schedule(award, officer):
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.EXTENSION,
        reason="Late start.",
        new_end_date=datetime.date(2021, 9, 30),
    )
    variation_approve(actor=officer, variation=variation)
    award.refresh_from_db()
    assert award.end_date == datetime.date(2021, 9, 30)
    returns = list(MonitoringReturn.objects.filter(award=award).order_by("fy", "quarter").values_list("fy", "quarter"))
    assert len(returns) == 10 and returns[-2:] == [(2021, 1), (2021, 2)]  # the new quarters' returns
    # 1 July 2020 and 1 April 2021: the year's last instalment is due the day after its quarter.
    assert _instalments(award)[-1] == ("2021-04-01", "2500.00")
    versions = list(AwardVersion.objects.filter(award=award).order_by("number"))
    assert [(v.number, v.variation_id, v.figures["last_day"]) for v in versions] == [
        (1, None, "2021-03-31"),
        (2, variation.pk, "2021-09-30"),
    ]


def test_reprofiled_extension_via_finance_moves_the_instalments(award, officer, finance_officer, stream):
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.EXTENSION,
        reason="Late start.",
        new_end_date=datetime.date(2021, 9, 30),
        lines=[
            LineInput(stream=stream, fy=2019, amount=Decimal("10000.00")),
            LineInput(stream=stream, fy=2020, amount=Decimal("6000.00")),
            LineInput(stream=stream, fy=2021, amount=Decimal("4000.00")),
        ],
    )
    variation_approve(actor=finance_officer, variation=variation_approve(actor=officer, variation=variation))
    # 2019/20: 4 × £2,500; 2020/21: 4 × £1,500; 2021/22 (to 30 September): 2 × £2,000.
    assert _instalments(award) == [
        ("2019-07-01", "2500.00"),
        ("2019-10-01", "2500.00"),
        ("2020-01-01", "2500.00"),
        ("2020-04-01", "2500.00"),
        ("2020-07-01", "1500.00"),
        ("2020-10-01", "1500.00"),
        ("2021-01-01", "1500.00"),
        ("2021-04-01", "1500.00"),
        ("2021-07-01", "2000.00"),
        ("2021-10-01", "2000.00"),
    ]


def test_taking_the_offered_extension(award, officer):
    award_update(
        award=award, actor=None, expected_version=None, extension_months=12, extension_until=datetime.date(2022, 3, 31)
    )
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.EXTENSION,
        reason="Taking the year offered.",
        takes_extension=True,
    )
    assert variation.new_end_date == datetime.date(2022, 3, 31)
    variation_approve(actor=officer, variation=variation)
    award.refresh_from_db()
    assert (award.end_date, award.extension_taken, award.last_day) == (
        datetime.date(2021, 3, 31),
        True,
        datetime.date(2022, 3, 31),
    )
    assert MonitoringReturn.objects.filter(award=award).count() == 12


def test_kpi_targets_change_new_ones_are_added_and_removed_ones_go(award, officer):
    referrals = AwardKPIFactory(award=award, name="Referrals", target=Decimal("40"))
    AwardKPIFactory(award=award, name="Leaflets", target=Decimal("100"))
    leaflets = award.kpis.get(name="Leaflets")
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.KPIS,
        reason="Demand doubled.",
        kpis=[
            KPIInput(kpi=referrals, target=Decimal("80")),
            KPIInput(kpi=leaflets, remove=True),
            KPIInput(name="Cases closed", unit="cases", target=Decimal("30")),
        ],
    )
    variation_approve(actor=officer, variation=variation)
    assert list(award.kpis.order_by("name").values_list("name", "target")) == [
        ("Cases closed", Decimal("30")),
        ("Referrals", Decimal("80")),
    ]


def test_transfer_scope_and_lead_contact(award, officer):
    heir = OrganisationFactory(name="Harbour Trust")
    for kind, extra in (
        (VariationKind.TRANSFER, {"new_provider": heir}),
        (VariationKind.SCOPE, {"new_scope": "Support for victims of fraud too."}),
        (VariationKind.LEAD_CONTACT, {"new_lead_contact": "Ann Lee, manager, ann@harbour.example"}),
    ):
        variation_approve(
            actor=officer,
            variation=variation_request(actor=officer, award=award, kind=kind, reason="Agreed at the review.", **extra),
        )
    award.refresh_from_db()
    assert award.provider == heir and award.purpose == "Support for victims of fraud too."
    assert lead_contact(award) == "Ann Lee, manager, ann@harbour.example"
    assert list(AwardVersion.objects.filter(award=award).values_list("number", flat=True)) == [1, 2, 3, 4]
    assert AwardVersion.objects.get(award=award, number=4).figures["lead_contact"].startswith("Ann Lee")
