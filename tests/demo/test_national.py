"""The national stress dataset (``demo.national``), generated small: the full size is
measured by hand (see the module), never in the test suite."""

import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F, Sum

from demo.files import read_csv
from demo.national import AS_OF, FORCES, NationalDataPresent, national_digest, national_seed
from demo.outcomes import plan_seed
from grants.decisions.services import delegated_limit
from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardStatus,
    AwardTransition,
    FundingLine,
    FundingStream,
    MonitoringReturn,
    Payment,
    PriorityBudget,
    Rag,
    ReturnBreakdown,
    ReturnOutcome,
    ReturnStatus,
    StreamAllocation,
    award_runs_until,
)
from pcc_commissioning.periods import FinancialYear, Period, due_date, fys_between, quarter_of
from providers import identifiers
from providers.models import Organisation, OrganisationKind

SMALL = 0.02  # 200 awards


class _Rollback(Exception):
    pass


@pytest.fixture
def plan(db):
    plan_seed(rows=read_csv("plan.csv"))


def digest_of(seed: int, scale_factor: float = SMALL) -> str:
    """Load the dataset, fingerprint it and undo the load."""
    result = {}
    try:
        with transaction.atomic():
            national_seed(seed=seed, scale_factor=scale_factor)
            result["digest"] = national_digest()
            raise _Rollback
    except _Rollback:
        pass
    assert not Award.objects.exists()
    return result["digest"]


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(plan):
    first = digest_of(7)
    assert digest_of(7) == first
    assert digest_of(8) != first


def test_counts_follow_the_scale_factor(plan):
    counts = national_seed(seed=1, scale_factor=SMALL)
    assert counts["forces"] == len(FORCES) == 43
    assert counts["providers"] == 43  # 2% of 2,000 is 40, but never fewer than one per force
    assert counts["awards"] == 200
    assert counts["streams"] == 43 * 5
    assert counts["funding_lines"] == FundingLine.objects.count() > counts["awards"]
    assert counts["payments"] == Payment.objects.count() > 0
    assert counts["monitoring_returns"] == MonitoringReturn.objects.count() > counts["awards"]
    assert counts["return_breakdowns"] == ReturnBreakdown.objects.count() > 0
    assert Organisation.objects.filter(kind=OrganisationKind.PCC).count() == 43


@pytest.fixture
def national(plan):
    national_seed(seed=11, scale_factor=0.05)


def test_lines_lie_within_the_award_dates(national):
    awards = Award.objects.prefetch_related("lines")
    assert awards.count() == 500
    for award in awards:
        until = award_runs_until(
            end_date=award.end_date, extension_until=award.extension_until, extension_taken=award.extension_taken
        )
        years = {fy.start_year for fy in fys_between(award.start_date, until)}
        assert award.lines.all() and {line.fy for line in award.lines.all()} <= years, award.reference


def test_payments_never_exceed_the_commitment_of_their_award_and_year(national):
    committed = defaultdict(Decimal)
    line_keys = set()
    for line in FundingLine.objects.all():
        committed[(line.award_id, line.fy)] += line.amount
        line_keys.add((line.award_id, line.stream_id, line.fy))
    paid = defaultdict(Decimal)
    statuses = dict(Award.objects.values_list("pk", "status"))
    for payment in Payment.objects.all():
        paid[(payment.award_id, payment.fy)] += payment.amount
        assert (payment.award_id, payment.stream_id, payment.fy) in line_keys
        assert statuses[payment.award_id] in COMMITTED_STATUSES
        assert payment.amount != 0
        assert payment.amount > 0 or payment.reason
        assert payment.paid_date is None or payment.due_date <= payment.paid_date <= AS_OF
    assert all(total <= committed[key] for key, total in paid.items())
    assert Payment.objects.filter(paid_date__isnull=True).exists()
    assert Payment.objects.filter(amount__lt=0).exists()


def test_committed_awards_above_the_delegated_limit_have_signed_decisions(national):
    totals = dict(Award.objects.annotate(total=Sum("lines__amount")).values_list("pk", "total"))
    above = Award.objects.filter(status__in=COMMITTED_STATUSES).select_related("decision")
    checked = 0
    for award in above:
        if totals[award.pk] > delegated_limit():
            checked += 1
            assert award.decision is not None and award.decision.is_signed, award.reference
            assert award.decision.decided_on <= AS_OF
            assert award.decision.published_on is None or award.decision.published_on >= award.decision.decided_on
    assert checked > 50


def test_statuses_follow_the_dates_and_each_award_has_a_timeline_entry(national):
    assert set(Award.objects.values_list("status", flat=True)) >= {
        AwardStatus.ACTIVE,
        AwardStatus.ENDED,
        AwardStatus.CANCELLED,
    }
    assert not Award.objects.filter(status=AwardStatus.ENDED, end_date__gte=AS_OF).exists()
    assert not Award.objects.filter(status=AwardStatus.ACTIVE, start_date__gt=AS_OF).exists()
    mostly = Award.objects.filter(status__in=(AwardStatus.ACTIVE, AwardStatus.ENDED)).count()
    assert mostly > 0.8 * Award.objects.count()
    assert AwardTransition.objects.count() == Award.objects.count()
    assert not AwardTransition.objects.filter(to_status=AwardStatus.CANCELLED, note="").exists()


def test_providers_have_valid_numbers_and_derived_org_ids(national):
    providers = Organisation.objects.exclude(kind=OrganisationKind.PCC).exclude(
        kind=OrganisationKind.CENTRAL_GOVERNMENT
    )
    assert providers.exclude(charity_number="").exists() and providers.exclude(company_number="").exists()
    for provider in providers:
        assert identifiers.normalise_charity_number(provider.charity_number) == provider.charity_number
        assert identifiers.normalise_company_number(provider.company_number) == provider.company_number
        assert provider.org_id == identifiers.derive_org_id(
            charity_number=provider.charity_number, company_number=provider.company_number
        )
    assert len({kind for kind in providers.values_list("kind", flat=True)}) >= 6


def test_ring_fenced_money_pays_only_isva_and_idva_and_allocations_cover_commitments(national):
    general = FundingStream.objects.filter(ring_fenced_for="ISVA and IDVA")
    assert general.count() == 43 and all(stream.moj_reported for stream in general)
    codes = set(Award.objects.filter(lines__stream__in=general).values_list("moj_category__code", flat=True))
    assert codes and codes <= {"isva", "idva"}
    used = defaultdict(Decimal)
    for line in FundingLine.objects.exclude(award__status=AwardStatus.CANCELLED):
        used[(line.stream_id, line.fy)] += line.amount
    allocations = {(a.stream_id, a.fy): a.amount for a in StreamAllocation.objects.all()}
    assert all(allocations[key] >= amount for key, amount in used.items())
    assert PriorityBudget.objects.count() == 3 * 5


def test_returns_follow_the_awards_quarters_and_what_had_happened_by_the_dataset_date(national, settings):
    awards = {award.pk: award for award in Award.objects.all()}
    expected = set()
    for award in awards.values():
        if award.status not in COMMITTED_STATUSES:
            continue
        until = min(
            AS_OF,
            award_runs_until(
                end_date=award.end_date, extension_until=award.extension_until, extension_taken=award.extension_taken
            ),
        )
        quarter = quarter_of(max(award.start_date, settings.MONITORING_START))
        while quarter.start <= until:
            expected.add((award.pk, quarter.fy.start_year, quarter.number))
            quarter = quarter.next()
    returns = list(MonitoringReturn.objects.all())
    assert {(r.award_id, r.fy, r.quarter) for r in returns} == expected
    statuses = {r.status for r in returns}
    assert statuses >= {ReturnStatus.DUE, ReturnStatus.DRAFT, ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED}
    assert {r.rag for r in returns if r.status == ReturnStatus.ACCEPTED} == {Rag.GREEN, Rag.AMBER, Rag.RED}
    late = [r for r in returns if r.status == ReturnStatus.DUE and r.due_date < AS_OF]
    assert late, "some returns are late"
    for r in returns:
        assert r.due_date == due_date(Period(FinancialYear(r.fy), f"Q{r.quarter}"), settings.RETURN_DUE_DAYS)
        if r.status == ReturnStatus.DUE:
            assert r.supported is None and r.submitted_at is None
        else:
            assert 0 <= r.supported <= r.referrals
        if r.submitted_at:
            assert r.submitted_at.date() <= AS_OF
        if r.status == ReturnStatus.ACCEPTED:
            assert r.due_date <= AS_OF and r.submitted_at <= r.reviewed_at and r.reviewed_at.date() <= AS_OF
    supported = {r.pk: r.supported for r in returns}
    totals = defaultdict(int)
    for row in ReturnBreakdown.objects.select_related("code"):
        totals[(row.monitoring_return_id, row.code.list)] += row.count
    matching = sum(1 for (pk, _list), total in totals.items() if total == supported[pk])
    assert matching / len(totals) > 0.9  # most add up; a few are left not adding up, as in life
    assert all(o.improved <= o.assessed for o in ReturnOutcome.objects.all())


def test_a_second_load_is_refused(national):
    awards = Award.objects.count()
    with pytest.raises(NationalDataPresent):
        national_seed(seed=11, scale_factor=0.05)
    assert Award.objects.count() == awards


def test_the_command_loads_the_demo_then_the_national_data_and_reports_counts_and_time(db):
    out = io.StringIO()
    call_command("seed_demo", scale="national", seed=3, scale_factor=0.01, force=True, stdout=out)
    output = out.getvalue()
    assert "Grants register:" in output
    assert "awards" in output and "payments" in output and "elapsed" in output
    assert Award.objects.filter(reference__startswith="NAT-").count() == 100
    assert Award.objects.filter(reference__startswith="AWD-").count() == 20
    # the demo's budgets now carry the national load too
    victims_2019 = PriorityBudget.objects.get(priority__name="Victims services", fy=2019).amount
    committed = FundingLine.objects.filter(
        fy=2019, award__priority__name="Victims services", award__status__in=COMMITTED_STATUSES
    ).aggregate(t=Sum("amount"))["t"]
    assert victims_2019 > Decimal("842100") and victims_2019 >= committed
    with pytest.raises(CommandError, match="already holds the national dataset"):
        call_command("seed_demo", scale="national", seed=3, scale_factor=0.01, force=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="more than zero"):
        call_command("seed_demo", scale="national", scale_factor=0, force=True, stdout=io.StringIO())


def test_grant_rounds_follow_the_scale_factor_and_every_eligible_application_is_scored(national):
    from rounds.models import Application, Assignment, Criterion, Eligibility, PanelMember, Round, Score

    # 5% of 200 rounds and 20,000 applications.
    rounds = Round.objects.filter(reference__startswith="NAT-")
    assert rounds.count() == 10
    applications = Application.objects.filter(round__in=rounds)
    assert applications.count() == 1000
    eligible = applications.filter(eligibility=Eligibility.ELIGIBLE)
    assert 900 < eligible.count() < 1000 and applications.filter(eligibility=Eligibility.INELIGIBLE).exists()
    assert not applications.filter(status="submitted", submitted_at__isnull=True).exists()
    for round in rounds.prefetch_related("criteria"):
        assert sum(criterion.weight for criterion in round.criteria.all()) == 100
        assert round.closes_at.date() <= AS_OF and round.opens_at < round.closes_at
        assert round.min_amount <= round.max_amount and round.budget > 0
        assert PanelMember.objects.filter(round=round).count() == 3
    # One assessor each, every one submitted with a score per criterion.
    assignments = Assignment.objects.filter(application__round__in=rounds)
    assert assignments.count() == eligible.count()
    assert set(assignments.values_list("status", flat=True)) == {"submitted"}
    assert not assignments.exclude(member__round=F("application__round")).exists()
    assert Score.objects.filter(assignment__in=assignments).count() == 3 * eligible.count()
    assert Criterion.objects.filter(round__in=rounds).count() == 30
    sizes = [round.applications.count() for round in rounds]
    assert max(sizes) > 2 * min(sizes)  # one round clearly the largest, for the bench
