"""The demo grants register (``demo.grants.grants_seed``) loaded from the Durham 2019/20 data."""

import datetime
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Sum

from demo.files import read_csv
from demo.grants import PAIRINGS, grants_seed
from demo.grants.loader import _award_dates
from demo.outcomes import plan_seed
from demo.providers import organisations_seed
from grants.decisions.services import delegated_limit
from grants.funding.selectors import funding_summary
from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKPI,
    AwardStatus,
    AwardTransition,
    CoFunding,
    FundingLine,
    FundingStream,
    MonitoringReturn,
    Payment,
    Rag,
    ReturnBreakdown,
    ReturnStatus,
    award_runs_until,
)
from grants.monitoring.importers import award_active_in
from pcc_commissioning.models import User
from pcc_commissioning.periods import fys_between

PUBLISHED_2019 = {
    "Victims services": Decimal("842100.00"),
    "Reducing reoffending": Decimal("634900.00"),
    "Community safety and prevention": Decimal("577100.00"),
}


@pytest.fixture
def delivery_rows():
    return read_csv("delivery_plan.csv")


@pytest.fixture
def organisation_rows():
    return read_csv("organisations.csv")


@pytest.fixture
def plan_and_organisations(db, organisation_rows):
    plan_seed(rows=read_csv("plan.csv"))
    organisations_seed(rows=organisation_rows)


@pytest.fixture
def seeded(plan_and_organisations, officer, delivery_rows, organisation_rows):
    grants_seed(delivery_rows=delivery_rows, organisation_rows=organisation_rows, lead_officer=officer)


def test_2019_20_committed_per_priority_is_the_published_strategic_budget(seeded):
    summary = funding_summary(fy=2019)
    assert {row.priority.name: row.committed for row in summary.priorities} == PUBLISHED_2019
    assert {row.priority.name: row.budget for row in summary.priorities} == PUBLISHED_2019
    assert summary.totals.committed == sum(PUBLISHED_2019.values())


def test_every_delivery_plan_row_is_one_active_award_with_its_spend_in_2019_20(seeded, delivery_rows):
    for row in delivery_rows:
        award = Award.objects.get(title=row["title"])
        assert award.status == AwardStatus.ACTIVE
        committed = FundingLine.objects.filter(award=award, fy=2019).aggregate(t=Sum("amount"))["t"]
        assert committed == Decimal(row["spend"])
        assert sorted(award.kpqs.values_list("number", flat=True)) == sorted(int(n) for n in row["kpqs"].split(";"))
        assert award.approach == row["how"]


def test_pairings_take_provider_kind_and_duration_from_the_organisations_table(seeded):
    harbour = Award.objects.get(provider__name="Harbour")
    assert harbour.kind == "contract"
    assert harbour.duration == "2 years plus extension"
    assert (harbour.start_date, harbour.end_date) == (datetime.date(2019, 4, 1), datetime.date(2021, 3, 31))
    assert harbour.extension_until == datetime.date(2022, 3, 31)
    assert harbour.moj_category.code == "idva"
    # a multi-year contract also holds money in 2020/21
    assert FundingLine.objects.filter(award=harbour, fy=2020).exists()
    # co-commissioned with the county council, which pays its share directly
    assert CoFunding.objects.filter(award=harbour, partner__name="Durham County Council").exists()
    fund = Award.objects.get(title="Supporting community initiatives")
    assert fund.provider.name == "County Durham Community Foundation"
    assert fund.start_date == datetime.date(2017, 4, 1) and fund.end_date == datetime.date(2020, 3, 31)


def test_the_registers_grants_say_why_and_on_what_conditions(seeded):
    harbour = Award.objects.get(provider__name="Harbour")
    assert harbour.reasons == (
        "Police and Crime Plan priority: Victims services. "
        "Specialist support for victims of domestic abuse and their families."
    )
    assert harbour.conditions.startswith("The OPCC's standard terms of grant")
    assert not Award.objects.filter(reference__startswith="AWD-2019", conditions="").exists()


def test_the_ring_fenced_isva_idva_stream_funds_only_isva_and_idva_services(seeded):
    general = FundingStream.objects.get(ring_fenced_for="ISVA and IDVA")
    assert general.moj_reported
    codes = set(Award.objects.filter(lines__stream=general).values_list("moj_category__code", flat=True))
    assert codes == {"isva", "idva"}
    precept = FundingStream.objects.get(name="Police precept")
    assert precept.source.name == "Durham Police, Crime and Victims' Commissioner"
    assert precept.source.kind == "pcc"


def test_lines_lie_within_award_dates_and_payments_within_commitment(seeded):
    for award in Award.objects.all():
        until = award_runs_until(
            end_date=award.end_date, extension_until=award.extension_until, extension_taken=award.extension_taken
        )
        years = {fy.start_year for fy in fys_between(award.start_date, until)}
        assert set(award.lines.values_list("fy", flat=True)) <= years
    committed = defaultdict(Decimal)
    for line in FundingLine.objects.all():
        committed[(line.award_id, line.fy)] += line.amount
    paid = defaultdict(Decimal)
    for payment in Payment.objects.all():
        paid[(payment.award_id, payment.fy)] += payment.amount
        assert payment.award.status in COMMITTED_STATUSES
        assert payment.paid_date is None or payment.paid_date <= datetime.date.today()
    assert paid and all(total <= committed[key] for key, total in paid.items())


def test_payments_are_quarterly_in_2019_20_with_a_refund_and_a_scheduled_2020_21_instalment(seeded):
    restorative = Award.objects.get(title="Restorative justice service")
    paid_2019 = restorative.payments.filter(fy=2019, amount__gt=0)
    assert paid_2019.count() == 4 * restorative.lines.filter(fy=2019).count()
    assert all(payment.paid_date for payment in paid_2019)
    refund = Payment.objects.get(amount__lt=0)
    assert refund.reason and refund.paid_date and refund.fy == 2019
    assert refund.due_date > datetime.date(2020, 3, 31)  # after the year it belongs to
    scheduled = Payment.objects.filter(paid_date__isnull=True)
    assert scheduled.exists() and set(scheduled.values_list("fy", flat=True)) == {2020}


def test_awards_above_the_delegated_limit_have_a_signed_published_decision(seeded):
    above = [
        award
        for award in Award.objects.filter(status__in=COMMITTED_STATUSES).select_related("decision")
        if sum(award.lines.values_list("amount", flat=True)) > delegated_limit()
    ]
    assert len(above) >= 10
    for award in above:
        assert award.decision.is_signed and award.decision.published_on
        assert award.decision.decided_on < award.start_date
        assert award.decision.reference.startswith(f"PCC-{award.decision.decided_on.year}-0")


def test_other_statuses_and_the_lead_officer(seeded, officer):
    statuses = set(Award.objects.values_list("status", flat=True))
    assert {AwardStatus.PLANNED, AwardStatus.PROCURING, AwardStatus.CANCELLED} <= statuses
    cancelled = Award.objects.get(status=AwardStatus.CANCELLED)
    assert AwardTransition.objects.get(award=cancelled, to_status=AwardStatus.CANCELLED).note
    assert funding_summary(fy=2020).totals.planned > 0
    assert set(Award.objects.values_list("lead_officer", flat=True)) == {officer.pk}


def test_a_second_run_creates_nothing(seeded, delivery_rows, organisation_rows):
    counts = (Award.objects.count(), Payment.objects.count(), Award.history.count(), Payment.history.count())
    assert grants_seed(delivery_rows=delivery_rows, organisation_rows=organisation_rows) == 0
    assert (Award.objects.count(), Payment.objects.count(), Award.history.count(), Payment.history.count()) == counts


def test_a_delivery_plan_row_without_a_pairing_is_refused_by_name(plan_and_organisations, organisation_rows):
    rows = [{"priority": "Victims services", "title": "Brand new service", "kpqs": "3", "how": "", "spend": "1000"}]
    with pytest.raises(ValidationError, match="Brand new service"):
        grants_seed(delivery_rows=rows, organisation_rows=organisation_rows)
    assert not Award.objects.exists()


def test_every_pairing_names_an_organisation_row(organisation_rows):
    for pairing in PAIRINGS:
        assert any(
            row["organisation"] == pairing.organisation and row["purpose"] == pairing.purpose
            for row in organisation_rows
        ), pairing.title


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("Annually", (datetime.date(2019, 4, 1), datetime.date(2020, 3, 31), None)),
        ("2 years", (datetime.date(2019, 4, 1), datetime.date(2021, 3, 31), None)),
        ("2 years plus extension", (datetime.date(2019, 4, 1), datetime.date(2021, 3, 31), 12)),
        ("3 years plus extension (ends 2019/20)", (datetime.date(2017, 4, 1), datetime.date(2020, 3, 31), 12)),
    ],
)
def test_award_dates_follow_the_published_duration(duration, expected):
    assert _award_dates(duration) == expected


def test_demo_awards_have_kpis_and_two_years_of_quarterly_returns(seeded):
    made = Award.objects.filter(status__in=COMMITTED_STATUSES, start_date__lte=datetime.date(2021, 3, 31))
    returns = MonitoringReturn.objects.filter(award__in=made)
    assert set(returns.values_list("fy", flat=True)) == {2019, 2020}
    for award in made:
        assert {kpi.name for kpi in award.kpis.all()} == {"Victims supported", "Satisfied with the service"}
        assert all(kpi.target and kpi.target > 0 for kpi in award.kpis.all())
        quarters = set(award.returns.values_list("fy", "quarter"))
        expected = {(fy, q) for fy in (2019, 2020) for q in (1, 2, 3, 4) if award_active_in(award, fy, q)}
        assert quarters == expected, award.reference
    by_status = Counter(returns.values_list("status", flat=True))
    assert by_status[ReturnStatus.ACCEPTED] > len(returns) * 0.7
    assert by_status[ReturnStatus.SUBMITTED] > 0
    late = returns.filter(status=ReturnStatus.DUE, due_date__lt=datetime.date.today())
    assert late.exists()
    rated = Counter(returns.filter(status=ReturnStatus.ACCEPTED).values_list("rag", flat=True))
    assert rated[Rag.GREEN] > rated[Rag.AMBER] > 0 and rated[Rag.RED] > 0
    assert not returns.filter(rag__in=[Rag.AMBER, Rag.RED], rag_comment="").exists()


def test_demo_returns_have_plausible_figures(seeded):
    filled = MonitoringReturn.objects.exclude(status=ReturnStatus.DUE).prefetch_related(
        "breakdowns__code", "outcomes", "kpi_values__kpi"
    )
    assert filled
    adding_up = 0
    for ret in filled:
        assert 0 < ret.supported <= ret.referrals
        totals = Counter()
        for row in ret.breakdowns.all():
            totals[row.code.list] += row.count
        assert set(totals) == {"crime", "age", "sex", "ethnicity", "disability"}
        adding_up += all(total == ret.supported for total in totals.values())
        assert len(ret.outcomes.all()) == 5
        assert all(0 <= o.improved <= o.assessed <= ret.supported for o in ret.outcomes.all())
        values = {v.kpi.name: v.value for v in ret.kpi_values.all()}
        assert values["Victims supported"] == ret.supported
        assert 0 <= values["Satisfied with the service"] <= 100
    assert len(filled) * 0.8 < adding_up < len(filled)  # a few do not add up: the officer sees a warning


def test_a_second_run_writes_no_kpis_returns_or_history(seeded, delivery_rows, organisation_rows):
    counts = (
        AwardKPI.objects.count(),
        MonitoringReturn.objects.count(),
        MonitoringReturn.history.count(),
        ReturnBreakdown.objects.count(),
    )
    assert grants_seed(delivery_rows=delivery_rows, organisation_rows=organisation_rows) == 0
    assert (
        AwardKPI.objects.count(),
        MonitoringReturn.objects.count(),
        MonitoringReturn.history.count(),
        ReturnBreakdown.objects.count(),
    ) == counts


@pytest.mark.django_db
def test_the_demo_provider_has_a_return_to_fill_in():
    call_command("seed_demo", force=True, stdout=io.StringIO())
    provider = User.objects.get(username="provider")
    waiting = MonitoringReturn.objects.filter(
        award__provider_id=provider.provider_membership.organisation_id, status=ReturnStatus.DUE
    )
    assert waiting.exists()
