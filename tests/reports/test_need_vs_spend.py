"""Need versus spend (reports.dashboard.selectors.need_versus_spend): a small case worked out by hand,
and a query count that stays flat as the data grows.

The case (FY 2019/20):
- Force area F; local authorities A (population 100,000 in 2019) and B (300,000 in 2018, the
  latest year before 2019 — a 2020 figure must not be used); a partnership P inside B
  (50,000 in 2019).
- Theme "Domestic abuse": count indicator "DA crimes" — A 1,000 (10.00 per 1,000),
  B 6,000 (20.00); force-area average 7,000 / 400,000 × 1,000 = 17.50. A non-count indicator
  of the theme is ignored.
- Theme "Sexual violence": count indicator "Sexual offences" — A 300 (3.00), B 300 (1.00);
  average 600 / 400,000 × 1,000 = 1.50.
- Awards with lines in 2019/20:
  1. active, DA intention, serves A: £10,000 (its 2020/21 line is another year) → A £10,000.
  2. awarded, DA intention, no areas (whole force area), two lines £40,000.01: split 1 : 3 by
     population → A £10,000.00, B £30,000.01 (the odd penny to the larger remainder).
  3. ended, intention with no theme: £7,000 → not linked.
  4. active, no intention: £3,000 → not linked.
  5. planned, SV intention, serves B: £50,000 → planned, not counted.
  6. cancelled, DA intention: £90,000 → counts for nothing.
  7. active, SV intention, serves the force area F: £8,000 → A £2,000, B £6,000.
  8. active, SV intention, serves P and A: £3,000 split 50,000 : 100,000 → P £1,000 (shown
     under B), A £2,000.
- DA spend: A £20,000.00 → £200.00 per 1,000; B £30,000.01 → £100.00 per 1,000; average
  £50,000.01 / 400,000 × 1,000 = £125.00. B: rate 20.00 above 17.50 and spend below average:
  high need, low spend. A: spend above average: not flagged.
- SV spend: A £4,000 → £40.00; B £7,000 → £23.33; average £11,000 / 400,000 × 1,000 =
  £27.50. A's rate is above average but its spend is not low; B's rate is below: none flagged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants.models import AwardStatus
from needs_assessment.models import (
    Area,
    AreaPopulation,
    AreaType,
    CommissioningIntention,
    Indicator,
    IndicatorValue,
    Theme,
)
from reports.dashboard.selectors import need_versus_spend
from tests.factories import AwardFactory, FundingLineFactory, FundingStreamFactory, IndicatorValueFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _area(code: str, name: str, type_: str, parent: Area | None = None, **populations: int) -> Area:
    area = Area.objects.create(code=code, name=name, type=type_, parent=parent)
    for year, population in populations.items():
        AreaPopulation.objects.create(area=area, year=int(year.removeprefix("y")), population=population)
    return area


def _indicator(name: str, theme: Theme, values: dict[Area, str], *, is_count: bool = True, fy: int = 2019) -> Indicator:
    indicator = Indicator.objects.create(name=name, theme=theme, is_count=is_count)
    for area, value in values.items():
        IndicatorValue.objects.create(indicator=indicator, area=area, period=str(fy), fy=fy, value=D(value))
    return indicator


def _intention(title: str, theme: Theme | None) -> CommissioningIntention:
    return CommissioningIntention.objects.create(title=title, theme=theme, rank="must")


def _award(status: str, intention, amounts: list[str], *, areas=(), fy: int = 2019, **extra):
    award = AwardFactory(status=status, intention=intention, **extra)
    for amount in amounts:
        FundingLineFactory(award=award, fy=fy, amount=D(amount))
    if areas:
        award.areas.set(areas)
    return award


@pytest.fixture
def case():
    force = _area("E23000099", "Force", AreaType.FORCE_AREA, y2019=400_000)
    a = _area("E06000001", "Aldbury", AreaType.LOCAL_AUTHORITY, force, y2017=90_000, y2019=100_000, y2020=1)
    b = _area("E06000002", "Brampton", AreaType.LOCAL_AUTHORITY, force, y2018=300_000, y2020=1)
    p = _area("E22000001", "Brampton North CSP", AreaType.CSP, b, y2019=50_000)
    da = Theme.objects.create(name="Domestic abuse")
    sv = Theme.objects.create(name="Sexual violence")
    _indicator("DA crimes", da, {a: "1000", b: "6000", force: "7000"})
    _indicator("DA crimes last year", da, {a: "5000", b: "5"}, fy=2018)
    _indicator("Repeat victims (%)", da, {a: "30", b: "40"}, is_count=False)
    _indicator("Sexual offences", sv, {a: "300", b: "300"})
    da_intention, sv_intention = _intention("Refuge places", da), _intention("ISVA service", sv)
    no_theme = _intention("General support", None)

    first = _award(AwardStatus.ACTIVE, da_intention, ["10000.00"], areas=[a], end_date=datetime.date(2021, 3, 31))
    FundingLineFactory(award=first, fy=2020, amount=D("5000.00"))
    _award(AwardStatus.AWARDED, da_intention, ["40000.00", "0.01"])
    _award(AwardStatus.ENDED, no_theme, ["7000.00"])
    _award(AwardStatus.ACTIVE, None, ["3000.00"])
    _award(AwardStatus.PLANNED, sv_intention, ["50000.00"], areas=[b])
    _award(AwardStatus.CANCELLED, da_intention, ["90000.00"])
    _award(AwardStatus.ACTIVE, sv_intention, ["8000.00"], areas=[force])
    _award(AwardStatus.ACTIVE, sv_intention, ["3000.00"], areas=[p, a])
    return {"force": force, "a": a, "b": b, "p": p, "da": da, "sv": sv}


def _row(table, area):
    return next(row for row in table.rows if row.area == area)


def test_hand_computed_case(case):
    report = need_versus_spend(fy=2019)
    a, b = case["a"], case["b"]

    assert report.label == "2019/20"
    assert report.areas == [a, b]  # local authorities only, by name
    assert report.linked == D("61000.01")
    assert report.not_linked == D("10000.00")
    assert report.not_linked_awards == 2
    assert report.committed == D("71000.01")
    assert [table.theme for table in report.themes] == [case["da"], case["sv"]]

    da, sv = report.themes
    assert [(column.name, column.average) for column in da.indicators] == [("DA crimes", D("17.50"))]
    assert (da.spend, da.population, da.average_spend_per_1000) == (D("50000.01"), 400_000, D("125.00"))
    row_a, row_b = _row(da, a), _row(da, b)
    assert (row_a.population, row_a.spend, row_a.spend_per_1000) == (100_000, D("20000.00"), D("200.00"))
    assert (row_b.population, row_b.spend, row_b.spend_per_1000) == (300_000, D("30000.01"), D("100.00"))
    assert [(rate.value, rate.rate, rate.above_average) for rate in row_a.rates] == [(D("1000"), D("10.00"), False)]
    assert [(rate.value, rate.rate, rate.above_average) for rate in row_b.rates] == [(D("6000"), D("20.00"), True)]
    assert not row_a.high_need_low_spend
    assert row_b.high_need_low_spend
    assert row_b.reasons == [
        "DA crimes: 20.00 per 1,000, above the force-area average of 17.50",
        "spend £100.00 per 1,000, below the average of £125.00",
    ]

    assert [(column.name, column.average) for column in sv.indicators] == [("Sexual offences", D("1.50"))]
    assert (sv.spend, sv.average_spend_per_1000) == (D("11000.00"), D("27.50"))
    row_a, row_b = _row(sv, a), _row(sv, b)
    assert (row_a.spend, row_a.spend_per_1000) == (D("4000.00"), D("40.00"))
    assert (row_b.spend, row_b.spend_per_1000) == (D("7000.00"), D("23.33"))
    assert [(rate.rate, rate.above_average) for rate in row_a.rates] == [(D("3.00"), True)]
    assert [(rate.rate, rate.above_average) for rate in row_b.rates] == [(D("1.00"), False)]
    assert not row_a.high_need_low_spend and not row_b.high_need_low_spend

    assert [(table.theme.name, row.area.name) for table, row in report.flagged] == [("Domestic abuse", "Brampton")]


def test_parts_add_up_to_the_committed_value(case):
    report = need_versus_spend(fy=2019)
    assert sum((table.total for table in report.themes), D(0)) == report.linked
    assert all(table.not_attributed == 0 for table in report.themes)


def test_another_year_counts_only_its_own_lines(case):
    report = need_versus_spend(fy=2020)
    da = next(table for table in report.themes if table.theme == case["da"])
    # Award 1's 2020/21 line serves A only; no indicator values for 2020: no need columns.
    assert da.indicators == []
    assert (_row(da, case["a"]).spend, _row(da, case["b"]).spend) == (D("5000.00"), D("0.00"))
    # 2020 populations (1 each) are used for 2020/21.
    assert _row(da, case["a"]).spend_per_1000 == D("5000000.00")
    assert report.not_linked == 0


def test_a_partnership_in_no_local_authority_is_shown_apart(case):
    loose = _area("E22000009", "Cross-border CSP", AreaType.CSP, case["force"], y2019=10_000)
    _award(AwardStatus.ACTIVE, _intention("Outreach", case["da"]), ["500.00"], areas=[loose])
    report = need_versus_spend(fy=2019)
    da = next(table for table in report.themes if table.theme == case["da"])
    assert da.not_attributed == D("500.00")
    assert da.spend == D("50000.01")


def test_no_populations_split_equally():
    force = _area("E23000098", "Force", AreaType.FORCE_AREA)
    a = _area("E06000011", "Anywhere", AreaType.LOCAL_AUTHORITY, force)
    b = _area("E06000012", "Bywhere", AreaType.LOCAL_AUTHORITY, force)
    theme = Theme.objects.create(name="Hate crime")
    _award(AwardStatus.ACTIVE, _intention("Hate crime advocacy", theme), ["100.01"])
    (table,) = need_versus_spend(fy=2019).themes
    assert [(row.area, row.spend, row.spend_per_1000) for row in table.rows] == [
        (a, D("50.01"), None),
        (b, D("50.00"), None),
    ]
    assert table.average_spend_per_1000 is None
    assert not table.flagged


def _grow(scale: int, force: Area, areas: list[Area], themes: list[Theme]) -> None:
    stream = FundingStreamFactory()
    for n in range(scale):
        theme = themes[n % len(themes)]
        intention = _intention(f"Intention {scale}-{n}", theme if n % 3 else None)
        award = AwardFactory(status=AwardStatus.ACTIVE, intention=intention)
        FundingLineFactory(award=award, stream=stream, fy=2019, amount=D("1000.00") + n)
        award.areas.set(areas[: n % (len(areas) + 1)] if n % 4 else [force])
        indicator = Indicator.objects.create(name=f"Indicator {scale}-{n}", theme=theme)
        for area in areas:
            IndicatorValue.objects.create(indicator=indicator, area=area, period="2019", fy=2019, value=D(n + 1))


def test_query_count_is_flat(case):
    areas, themes = [case["a"], case["b"], case["p"]], [case["da"], case["sv"]]
    _grow(3, case["force"], areas, themes)
    with CaptureQueriesContext(connection) as small:
        need_versus_spend(fy=2019)
    extra = [
        _area(f"E060001{n:02d}", f"Extra {n}", AreaType.LOCAL_AUTHORITY, case["force"], y2019=1000 + n)
        for n in range(5)
    ]
    themes += [Theme.objects.create(name=f"Theme {n}") for n in range(5)]
    _grow(30, case["force"], areas + extra, themes)
    with CaptureQueriesContext(connection) as large:
        report = need_versus_spend(fy=2019)
    assert len(report.themes) == 7 and len(report.areas) == 7
    assert len(large) == len(small)


@pytest.mark.django_db
def test_the_page_opens_on_the_year_rules_year_like_every_page(officer_client):
    """The page opens where every other page does (the latest year with funding lines, as the
    current year has none), even though its need figures stop a year earlier: that year is
    still offered."""
    award = AwardFactory(start_date=datetime.date(2019, 4, 1), end_date=datetime.date(2021, 3, 31))
    FundingLineFactory(award=award, fy=2019)
    FundingLineFactory(award=award, fy=2020)
    IndicatorValueFactory(fy=2019)
    response = officer_client.get("/reports/need-versus-spend/")
    assert response.context["fy"] == 2020
    assert "2019/20" in [label for _, label in response.context["year_choices"]]  # still offered
