import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from needs_assessment import selectors
from needs_assessment.models import AreaType, Polarity
from pcc_commissioning.periods import parse_period_code

from ..factories import (
    AreaFactory,
    AreaPopulationFactory,
    CommissioningIntentionFactory,
    CommissioningPriorityFactory,
    FindingFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    KPQFactory,
    NeedsAssessmentFactory,
    ThemeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


@pytest.fixture
def two_areas():
    """A with 100,000 people known for 2018 only; B with 40,000 in 2018 and 50,000 in 2019."""
    force = AreaFactory(code="E23000001", name="Force", type=AreaType.FORCE_AREA)
    a = AreaFactory(code="E06000001", name="Aville", parent=force)
    b = AreaFactory(code="E06000002", name="Beeton", parent=force)
    AreaPopulationFactory(area=a, year=2018, population=100_000)
    AreaPopulationFactory(area=b, year=2018, population=40_000)
    AreaPopulationFactory(area=b, year=2019, population=50_000)
    return a, b


# Arithmetic ---------------------------------------------------------------------------------------


def test_rate_per_1000_rounds_half_up_to_two_places():
    assert selectors.rate_per_1000(Decimal("1"), 3) == Decimal("333.33")
    assert selectors.rate_per_1000(Decimal("1"), 8000) == Decimal("0.13")  # 0.125 -> 0.13
    assert selectors.rate_per_1000(Decimal("5"), None) is None


def test_percent_change_has_no_percentage_of_nothing():
    assert selectors.percent_change(Decimal("5"), Decimal("0")) is None
    assert selectors.percent_change(Decimal("80"), Decimal("75")) == Decimal("6.7")


# Comparison ---------------------------------------------------------------------------------------


def test_indicator_comparison_on_hand_computed_numbers(two_areas):
    a, b = two_areas
    crimes = IndicatorFactory(name="Crimes", polarity=Polarity.HIGHER_IS_WORSE, is_count=True)
    for area, v2018, v2019 in ((a, "1000", "1234"), (b, "520", "500")):
        IndicatorValueFactory(indicator=crimes, area=area, fy=2018, value=Decimal(v2018))
        IndicatorValueFactory(indicator=crimes, area=area, fy=2019, value=Decimal(v2019))
    IndicatorValueFactory(indicator=crimes, area=a, fy=2019, quarter=1, value=Decimal("999"))  # not the year

    comparison = selectors.indicator_comparison(crimes)  # the latest financial year

    assert comparison.period_code == "2019"
    assert comparison.previous_period == parse_period_code("2018")
    row_a, row_b = comparison.rows
    # A: 2019 population unknown, so 2018's 100,000: 1234 / 100,000 x 1,000 = 12.34
    assert (row_a.area, row_a.value, row_a.population, row_a.rate) == (a, Decimal("1234"), 100_000, Decimal("12.34"))
    assert (row_a.previous_value, row_a.previous_rate) == (Decimal("1000"), Decimal("10.00"))
    assert (row_a.change, row_a.change_percent, row_a.direction) == (Decimal("234"), Decimal("23.4"), "worse")
    # B: 500 / 50,000 x 1,000 = 10.00; 2018: 520 / 40,000 x 1,000 = 13.00; -20 is -3.846...%
    assert (row_b.population, row_b.rate, row_b.previous_rate) == (50_000, Decimal("10.00"), Decimal("13.00"))
    assert (row_b.change, row_b.change_percent, row_b.direction) == (Decimal("-20"), Decimal("-3.8"), "better")
    assert row_b.is_better and not row_b.is_worse


def test_a_rise_is_better_when_higher_is_better_and_percentages_have_no_rate(two_areas):
    a, _ = two_areas
    satisfaction = IndicatorFactory(name="Satisfied (%)", polarity=Polarity.HIGHER_IS_BETTER, is_count=False, unit="%")
    IndicatorValueFactory(indicator=satisfaction, area=a, fy=2018, value=Decimal("75"))
    IndicatorValueFactory(indicator=satisfaction, area=a, fy=2019, value=Decimal("80"))
    (row,) = selectors.indicator_comparison(satisfaction, period="2019").rows
    assert (row.population, row.rate) == (None, None)
    assert (row.change, row.change_percent, row.direction) == (Decimal("5"), Decimal("6.7"), "better")


def test_a_quarter_is_compared_with_the_quarter_before_it(two_areas):
    a, _ = two_areas
    crimes = IndicatorFactory()
    IndicatorValueFactory(indicator=crimes, area=a, fy=2018, quarter=4, value=Decimal("300"))
    IndicatorValueFactory(indicator=crimes, area=a, fy=2019, quarter=1, value=Decimal("300"))
    comparison = selectors.indicator_comparison(crimes, period="2019-Q1")
    assert comparison.previous_period == parse_period_code("2018-Q4")
    (row,) = comparison.rows
    assert (row.change, row.change_percent, row.direction) == (Decimal("0"), Decimal("0.0"), "same")
    assert row.rate == Decimal("3.00")


def test_an_area_without_a_previous_value_has_no_change(two_areas):
    a, _ = two_areas
    crimes = IndicatorFactory()
    IndicatorValueFactory(indicator=crimes, area=a, fy=2019, value=Decimal("10"))
    (row,) = selectors.indicator_comparison(crimes).rows
    assert (row.previous_value, row.change, row.change_percent, row.direction) == (None, None, None, "")


def test_an_indicator_without_values_compares_nothing():
    comparison = selectors.indicator_comparison(IndicatorFactory())
    assert (comparison.period, comparison.rows) == (None, [])


def test_areas_are_listed_force_area_first_then_local_authorities_then_csps(two_areas):
    a, b = two_areas
    force = a.parent
    csp = AreaFactory(code="E22000001", name="Aaa CSP", type=AreaType.CSP, parent=a)
    crimes = IndicatorFactory()
    for area in (csp, b, force, a):
        IndicatorValueFactory(indicator=crimes, area=area, fy=2019)
    assert [row.area for row in selectors.indicator_comparison(crimes).rows] == [force, a, b, csp]


def _areas_with_values(indicator, count: int, start: int) -> None:
    for number in range(start, start + count):
        area = AreaFactory(code=f"E07{number:06d}")
        AreaPopulationFactory(area=area, year=2018)
        IndicatorValueFactory(indicator=indicator, area=area, fy=2018)
        IndicatorValueFactory(indicator=indicator, area=area, fy=2019)


def test_indicator_comparison_query_count_is_flat():
    crimes = IndicatorFactory()
    _areas_with_values(crimes, 3, 0)
    small = queries(lambda: selectors.indicator_comparison(crimes))
    _areas_with_values(crimes, 27, 100)
    assert len(selectors.indicator_comparison(crimes).rows) == 30
    assert queries(lambda: selectors.indicator_comparison(crimes)) == small


# Trend, populations, theme rates ------------------------------------------------------------------


def test_indicator_trend_lists_years_in_order_with_rates(two_areas):
    _, b = two_areas
    crimes = IndicatorFactory()
    IndicatorValueFactory(indicator=crimes, area=b, fy=2019, value=Decimal("500"))
    IndicatorValueFactory(indicator=crimes, area=b, fy=2018, value=Decimal("520"))
    IndicatorValueFactory(indicator=crimes, area=b, fy=2019, quarter=2, value=Decimal("130"))
    trend = selectors.indicator_trend(crimes, b)
    assert [(p.code, p.value, p.rate) for p in trend] == [
        ("2018", Decimal("520"), Decimal("13.00")),
        ("2019", Decimal("500"), Decimal("10.00")),
    ]
    assert [p.code for p in selectors.indicator_trend(crimes, b, kind=None)] == ["2018", "2019", "2019-Q2"]


def test_population_for_falls_back_to_the_latest_earlier_year(two_areas):
    a, b = two_areas
    assert selectors.population_for(a, 2019) == 100_000
    assert selectors.population_for(b, 2019) == 50_000
    assert selectors.population_for(b, 2017) is None
    assert selectors.area_populations(year=2019) == {a.pk: 100_000, b.pk: 50_000}
    assert selectors.area_populations(year=2018, areas=[b]) == {b.pk: 40_000}


def test_theme_indicator_rates_give_each_local_authority_rate_of_count_indicators(two_areas):
    a, b = two_areas
    theme = ThemeFactory(name="Domestic abuse")
    crimes = IndicatorFactory(name="DA crimes", theme=theme)
    percent = IndicatorFactory(name="Repeat victims (%)", theme=theme, is_count=False)
    for area, value in ((a, "1234"), (b, "500"), (a.parent, "1734")):
        IndicatorValueFactory(indicator=crimes, area=area, fy=2019, value=Decimal(value))
    IndicatorValueFactory(indicator=percent, area=a, fy=2019, value=Decimal("30"))
    IndicatorValueFactory(indicator=crimes, area=a, fy=2018, value=Decimal("1"))
    rates = selectors.theme_indicator_rates(fy=2019)
    assert [(r.theme_name, r.indicator_name, r.area_id, r.population, r.rate) for r in rates] == [
        ("Domestic abuse", "DA crimes", a.pk, 100_000, Decimal("12.34")),
        ("Domestic abuse", "DA crimes", b.pk, 50_000, Decimal("10.00")),
    ]


# Assessment detail and the intentions board -------------------------------------------------------


def _findings(assessment, count: int) -> None:
    for _ in range(count):
        finding = FindingFactory(assessment=assessment, theme=ThemeFactory(), priority=CommissioningPriorityFactory())
        finding.areas.add(AreaFactory())
        finding.kpqs.add(KPQFactory())
        finding.evidence.add(IndicatorValueFactory(), IndicatorValueFactory())
        intention = CommissioningIntentionFactory(theme=ThemeFactory(), lead=UserFactory())
        intention.findings.add(finding)


def test_assessment_detail_puts_high_severity_first_and_lists_evidence_indicators():
    assessment = NeedsAssessmentFactory()
    low = FindingFactory(assessment=assessment, title="A minor gap", severity="low")
    high = FindingFactory(assessment=assessment, title="Z major gap", severity="high")
    value = IndicatorValueFactory()
    high.evidence.add(value)
    intention = CommissioningIntentionFactory()
    intention.findings.add(high)
    detail = selectors.assessment_detail(assessment.pk)
    assert detail.findings == [high, low]
    assert detail.indicators == [value.indicator]
    assert list(detail.findings[0].intentions.all()) == [intention]


def test_assessment_detail_query_count_is_flat():
    assessment = NeedsAssessmentFactory()
    _findings(assessment, 3)

    def read():
        detail = selectors.assessment_detail(assessment.pk)
        for finding in detail.findings:
            _ = (finding.theme, finding.priority, list(finding.areas.all()), list(finding.kpqs.all()))
            _ = [(v.indicator.name, v.area.code) for v in finding.evidence.all()]
            _ = [(i.theme, i.lead) for i in finding.intentions.all()]

    small = queries(read)
    _findings(assessment, 27)
    assert len(selectors.assessment_detail(assessment.pk).findings) == 30
    assert queries(read) == small


def test_assessment_detail_of_a_missing_assessment_is_404():
    with pytest.raises(Http404):
        selectors.assessment_detail(999_999)


def test_intention_board_groups_must_should_could(officer):
    must = CommissioningIntentionFactory(title="Must do", rank="must", lead=officer)
    could = CommissioningIntentionFactory(title="Could do", rank="could")
    groups = selectors.intention_board()
    assert [(g.rank, g.label) for g in groups] == [("must", "Must"), ("should", "Should"), ("could", "Could")]
    assert groups[0].intentions == [must] and groups[1].intentions == [] and groups[2].intentions == [could]


def test_intention_board_filters(officer):
    priority = CommissioningPriorityFactory()
    by_fy = CommissioningIntentionFactory(when_fy=2020, status="agreed", lead=officer, priority=priority)
    by_date = CommissioningIntentionFactory(when_date=datetime.date(2021, 3, 31), status="proposed")
    later = CommissioningIntentionFactory(when_date=datetime.date(2021, 4, 1), status="dropped")

    def listed(**filters):
        return {i for group in selectors.intention_board(**filters) for i in group.intentions}

    assert listed(fy=2020) == {by_fy, by_date}
    assert listed(fy=2021) == {later}
    assert listed(status="agreed") == {by_fy}
    assert listed(status=["proposed", "dropped"]) == {by_date, later}
    assert listed(lead=officer) == {by_fy}
    assert listed(priority=priority) == {by_fy}


def test_intention_board_query_count_is_flat():
    def make(count: int) -> None:
        for number in range(count):
            intention = CommissioningIntentionFactory(
                rank=("must", "should", "could")[number % 3],
                theme=ThemeFactory(),
                lead=UserFactory(),
                priority=CommissioningPriorityFactory(),
            )
            intention.findings.add(FindingFactory())

    def read():
        for group in selectors.intention_board():
            for intention in group.intentions:
                _ = (intention.theme, intention.lead, intention.priority)
                _ = [(f.title, f.assessment.title) for f in intention.findings.all()]

    make(3)
    small = queries(read)
    make(27)
    assert sum(len(g.intentions) for g in selectors.intention_board()) == 30
    assert queries(read) == small


# Access -------------------------------------------------------------------------------------------


def test_needs_records_are_internal(officer, board_member, provider_user):
    assessment = NeedsAssessmentFactory()
    assert selectors.access_assessment(board_member, assessment.pk) == assessment
    assert selectors.access_assessment(officer, assessment.pk, for_edit=True) == assessment
    with pytest.raises(PermissionDenied):
        selectors.access_assessment(board_member, assessment.pk, for_edit=True)
    with pytest.raises(PermissionDenied):
        selectors.access_assessment(provider_user, assessment.pk)
    with pytest.raises(Http404):
        selectors.access_intention(officer, 999_999)


def test_intention_detail_brings_findings_with_their_evidence():
    intention = CommissioningIntentionFactory()
    finding = FindingFactory()
    value = IndicatorValueFactory()
    finding.evidence.add(value)
    intention.findings.add(finding)
    detail = selectors.intention_detail(intention.pk)

    def read():
        return [list(f.evidence.all()) for f in detail.findings.all()]

    assert queries(read) == 0  # all prefetched
    assert read() == [[value]]


def test_intention_when_in_words():
    assert selectors.intention_when(CommissioningIntentionFactory(when_fy=2020)) == "2020/21"
    assert selectors.intention_when(CommissioningIntentionFactory(when_date=datetime.date(2020, 7, 1))) == "1 July 2020"
    assert selectors.intention_when(CommissioningIntentionFactory()) == ""
