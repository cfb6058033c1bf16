from decimal import Decimal

import pytest

from demo.needs import INDICATORS, needs_seed
from needs_assessment import selectors
from needs_assessment.models import (
    Area,
    AreaPopulation,
    AreaType,
    CommissioningIntention,
    Finding,
    Indicator,
    IndicatorValue,
    NeedsAssessment,
)

pytestmark = pytest.mark.django_db


def history_rows() -> int:
    return sum(
        model.history.count()
        for model in (Area, AreaPopulation, Indicator, IndicatorValue, NeedsAssessment, Finding, CommissioningIntention)
    )


def test_needs_seed_loads_the_durham_areas_with_real_codes_and_populations(officer):
    needs_seed(lead=officer)
    force = Area.objects.get(code="E23000008", type=AreaType.FORCE_AREA)
    county, darlington = Area.objects.get(code="E06000047"), Area.objects.get(code="E06000005")
    assert (county.name, county.parent, darlington.name, darlington.parent) == (
        "County Durham",
        force,
        "Darlington",
        force,
    )
    assert selectors.population_for(county, 2018) == 526_980
    assert selectors.population_for(darlington, 2018) == 106_566
    assert selectors.population_for(force, 2019) == selectors.population_for(county, 2019) + selectors.population_for(
        darlington, 2019
    )
    assert Area.objects.filter(type=AreaType.CSP, parent__in=[county, darlington]).count() == 2


def test_needs_seed_gives_a_dozen_indicators_over_three_years_per_local_authority(officer):
    needs_seed(lead=officer)
    assert Indicator.objects.count() == len(INDICATORS) == 12
    for indicator in Indicator.objects.all():
        years = set(indicator.values.filter(area__type=AreaType.LOCAL_AUTHORITY).values_list("area__code", "fy"))
        assert years == {(code, fy) for code in ("E06000047", "E06000005") for fy in (2017, 2018, 2019)}
    assert not Indicator.objects.get(name="Proven reoffending rate (%)").is_count
    # The force area's count is the sum of its local authorities'.
    crimes = Indicator.objects.get(name="Domestic abuse-related crimes")
    by_area = dict(crimes.values.filter(fy=2019).values_list("area__code", "value"))
    assert by_area["E23000008"] == by_area["E06000047"] + by_area["E06000005"]


def test_needs_seed_makes_findings_with_evidence_and_intentions_with_a_must_not_yet_commissioned(officer):
    needs_seed(lead=officer)
    assessment = NeedsAssessment.objects.get()
    assert (assessment.scope, assessment.fy) == ("unified", 2019)
    findings = Finding.objects.filter(assessment=assessment)
    assert 6 <= findings.count() <= 8
    assert all(finding.evidence.exists() for finding in findings)
    intentions = CommissioningIntention.objects.all()
    assert {i.rank for i in intentions} == {"must", "should", "could"}
    assert len({i.status for i in intentions}) >= 4
    assert all(i.lead == officer for i in intentions)
    assert intentions.filter(rank="must").exclude(status="commissioned").exists()


def test_without_link_awards_no_award_is_touched_and_a_second_run_writes_nothing(officer):
    created = needs_seed(lead=officer)
    assert created > 0
    before = history_rows()
    assert needs_seed(lead=officer) == 0
    assert history_rows() == before


def test_a_changed_record_is_left_as_it_is(officer):
    needs_seed(lead=officer)
    value = IndicatorValue.objects.filter(area__code="E06000005").first()
    value.value = Decimal("1")
    value.save()
    needs_seed(lead=officer)
    value.refresh_from_db()
    assert value.value == Decimal("1")
