"""The dashboard: the home page of every internal role (reports/dashboard/summary.py, reports/dashboard/views.py)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from grants.models import AwardStatus, Rag, ReturnStatus
from needs_assessment.models import IntentionRank, IntentionStatus
from pcc_commissioning.periods import FinancialYear, half_of
from reports.dashboard import summary as dashboard_selectors
from reports.models import MojReturn
from reports.panel.report import gather_panel_data, render_panel_html
from tests.factories import (
    AwardFactory,
    CommissioningIntentionFactory,
    CommissioningPriorityFactory,
    ForecastOutturnFactory,
    FundingLineFactory,
    FundingStreamFactory,
    KPQFactory,
    MonitoringReturnFactory,
    OrganisationFactory,
    PaymentFactory,
    PriorityBudgetFactory,
    StreamAllocationFactory,
)

pytestmark = pytest.mark.django_db

FY = 2019


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _dashboard(client, **query):
    response = client.get(reverse("reports:dashboard"), query)
    assert response.status_code == 200
    return response


@pytest.fixture
def portfolio(db):
    """Two priorities with budgets, two streams with allocations; awards committed, planned and
    cancelled, with payments, returns (one late, one rated red, one green) and a forecast.

    2019/20: budget 150,000 (100,000 + 50,000); committed 60,000 (A1 40,000 + A2 20,000; A3 is
    planned, A4 cancelled); paid 24,000 (A1 15,000 + A2 9,000; A1's 5,000 is scheduled, not paid).
    """
    victims = CommissioningPriorityFactory(code="V", name="Victims services", sort_order=1)
    reoffending = CommissioningPriorityFactory(code="R", name="Reducing reoffending", sort_order=2)
    PriorityBudgetFactory(priority=victims, fy=FY, amount=D("100000"))
    PriorityBudgetFactory(priority=reoffending, fy=FY, amount=D("50000"))
    core = FundingStreamFactory(name="MoJ core grant")
    precept = FundingStreamFactory(name="Precept")
    StreamAllocationFactory(stream=core, fy=FY, amount=D("80000"))
    StreamAllocationFactory(stream=precept, fy=FY, amount=D("40000"))
    kpq = KPQFactory(number=1, question="How safe are our communities?")

    a1 = AwardFactory(
        reference="VS-001",
        title="Victim care hub",
        status=AwardStatus.ACTIVE,
        priority=victims,
        provider=OrganisationFactory(name="Harbour Support Services", charity_number="1122334"),
    )
    a1.kpqs.add(kpq)
    a2 = AwardFactory(reference="RR-001", title="Mentoring", status=AwardStatus.AWARDED, priority=reoffending)
    a3 = AwardFactory(reference="VS-002", title="Planned helpline", status=AwardStatus.PLANNED, priority=victims)
    a4 = AwardFactory(reference="VS-003", title="Cancelled service", status=AwardStatus.CANCELLED, priority=victims)
    FundingLineFactory(award=a1, stream=core, fy=FY, amount=D("40000"))
    FundingLineFactory(award=a2, stream=precept, fy=FY, amount=D("20000"))
    FundingLineFactory(award=a3, stream=core, fy=FY, amount=D("7000"))
    FundingLineFactory(award=a4, stream=core, fy=FY, amount=D("9999"))
    PaymentFactory(award=a1, stream=core, fy=FY, paid_date=datetime.date(2019, 7, 1), amount=D("15000"))
    PaymentFactory(award=a1, stream=core, fy=FY, amount=D("5000"))
    PaymentFactory(award=a2, stream=precept, fy=FY, paid_date=datetime.date(2019, 8, 1), amount=D("9000"))
    ForecastOutturnFactory(award=a1, fy=FY, amount=D("42000"))
    MonitoringReturnFactory(award=a1, fy=FY, quarter=1, accepted=True, rag=Rag.RED)
    MonitoringReturnFactory(award=a2, fy=FY, quarter=1, accepted=True, rag=Rag.GREEN)
    MonitoringReturnFactory(award=a1, fy=FY, quarter=2)  # due 20 October 2019: late now
    return {
        "victims": victims,
        "reoffending": reoffending,
        "core": core,
        "kpq": kpq,
        "awards": {"a1": a1, "a2": a2, "a3": a3, "a4": a4},
    }


# Who reaches it ------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_fixture", ["officer_client", "finance_client", "board_client"])
def test_internal_roles_land_on_the_dashboard(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("reports:dashboard")
    assert client.get(response["Location"]).status_code == 200


def test_a_superuser_lands_on_the_dashboard(login_as, superuser):
    response = login_as(superuser).get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:dashboard")
    assert response.status_code == 200


def test_provider_users_never_reach_it(provider_client):
    assert urlsplit(provider_client.get(reverse("home"))["Location"]).path == reverse("portal:home")
    assert provider_client.get(reverse("reports:dashboard")).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("login")


def test_a_user_with_no_role_sees_the_no_role_page(login_as):
    from tests.factories import UserFactory

    response = login_as(UserFactory(username="nobody")).get(reverse("home"))
    assert response.status_code == 200
    assert "no role yet" in _text(response)


# The same totals as the funding page and the panel report --------------------------------------------


def test_dashboard_funding_page_and_panel_report_show_the_same_totals(portfolio, board_client, officer_client):
    dashboard = _dashboard(board_client, fy=FY)
    funding = officer_client.get(reverse("grants:funding"), {"fy": FY})
    panel_html = re.sub(r"\s+", " ", render_panel_html(gather_panel_data(fy=FY, period="FY")))

    totals = dashboard.context["data"].funding.totals
    assert funding.context["summary"].totals == totals
    assert (totals.budget, totals.committed, totals.paid) == (D("150000.00"), D("60000.00"), D("24000.00"))
    for html in (_text(dashboard), _text(funding), panel_html):
        for figure in ("£150,000", "£60,000", "£24,000"):
            assert figure in html


# Tiles --------------------------------------------------------------------------------------------------


def _tiles(response) -> dict:
    return {tile.key: tile for tile in response.context["tiles"]}


def test_tiles_show_the_headline_figures(portfolio, board_client):
    tiles = _tiles(_dashboard(board_client, fy=FY))
    assert tiles["budget"].value == "£150,000"
    assert tiles["committed"].value == "40.0%"  # 60,000 of 150,000
    assert tiles["paid"].value == "40.0%"  # 24,000 of 60,000
    # Forecast: A1's forecast 42,000 + A2's committed 20,000 (no forecast).
    assert tiles["forecast"].value == "£62,000"
    # 2019/20 is over: the tile counts the awards made that ran in it, A1 (active) and A2
    # (awarded); not the planned or the cancelled one.
    assert (tiles["active"].heading, tiles["active"].value) == ("Awards made", "2")
    assert tiles["late"].value == "1"
    assert tiles["red"].value == "1"


def test_each_tile_links_to_the_list_behind_it(portfolio, officer_client):
    tiles = _tiles(_dashboard(officer_client, fy=FY))
    made = officer_client.get(tiles["active"].url)
    assert [award.reference for award in made.context["awards"]] == ["RR-001", "VS-001"]
    late = officer_client.get(tiles["late"].url)
    assert late.context["current"] == "late"
    assert [ret.award.reference for ret in late.context["page_obj"]] == ["VS-001"]
    red = officer_client.get(tiles["red"].url)
    assert red.context["totals"]["red"] == 1
    for key in ("budget", "committed", "paid", "forecast"):
        page = officer_client.get(tiles[key].url)
        assert page.status_code == 200
        assert page.context["summary"].totals.budget == D("150000.00")


@pytest.mark.parametrize(
    "client_fixture, first",
    [
        ("finance_client", ["paid", "forecast"]),
        ("officer_client", ["late", "red"]),
        ("board_client", ["budget", "committed"]),
    ],
)
def test_what_each_role_sees_first(request, portfolio, client_fixture, first):
    client = request.getfixturevalue(client_fixture)
    keys = [tile.key for tile in _dashboard(client, fy=FY).context["tiles"]]
    assert keys[:2] == first
    assert sorted(keys) == sorted(["budget", "committed", "paid", "forecast", "active", "late", "red"])


def test_board_members_get_no_action_links(portfolio, board_client, officer_client, finance_client):
    board = _text(_dashboard(board_client, fy=FY))
    assert "Things to do" not in board
    assert reverse("grants:award_create") not in board
    assert reverse("grants:budget_set") not in board
    assert reverse("grants:award_create") in _text(_dashboard(officer_client, fy=FY))
    assert reverse("grants:budget_set") in _text(_dashboard(finance_client, fy=FY))


# The year -------------------------------------------------------------------------------------------------


def test_the_year_can_be_chosen(portfolio, board_client):
    FundingLineFactory(award=portfolio["awards"]["a1"], stream=portfolio["core"], fy=2020, amount=D("30000"))
    response = _dashboard(board_client, fy="2020")
    assert response.context["data"].fy == 2020
    assert "Dashboard, 2020/21" in _text(response)
    assert response.context["data"].funding.totals.committed == D("30000.00")
    assert '<option value="2019">2019/20</option>' in _text(response)


def test_without_a_year_it_shows_the_latest_year_with_data(portfolio, board_client):
    """The current year has no funding lines here (the data is 2019/20), so 2019/20 is shown."""
    assert FinancialYear.current().start_year != FY
    assert _dashboard(board_client).context["data"].fy == FY


def test_the_current_year_is_the_default_when_it_has_data(portfolio, board_client):
    current = FinancialYear.current().start_year
    FundingLineFactory(award=portfolio["awards"]["a1"], stream=portfolio["core"], fy=current, amount=D("1000"))
    assert _dashboard(board_client).context["data"].fy == current


@pytest.mark.parametrize("value", ["nonsense", "99999", "-1", "2019/2", "", "1" * 400])
def test_a_bad_year_falls_back_to_the_default(portfolio, board_client, value):
    assert _dashboard(board_client, fy=value).context["data"].fy == FY


# The sections ---------------------------------------------------------------------------------------------


def test_must_do_intentions_without_an_award_are_listed(portfolio, board_client):
    waiting = CommissioningIntentionFactory(title="ISVA for children", rank=IntentionRank.MUST)
    only_cancelled = CommissioningIntentionFactory(title="Stalking advocacy", rank=IntentionRank.MUST)
    portfolio["awards"]["a4"].intention = only_cancelled
    portfolio["awards"]["a4"].save()
    met = CommissioningIntentionFactory(title="Victim care", rank=IntentionRank.MUST)
    portfolio["awards"]["a1"].intention = met
    portfolio["awards"]["a1"].save()
    CommissioningIntentionFactory(title="Dropped idea", rank=IntentionRank.MUST, status=IntentionStatus.DROPPED)
    CommissioningIntentionFactory(title="A nice-to-have", rank=IntentionRank.COULD)

    response = _dashboard(board_client, fy=FY)
    data = response.context["data"]
    assert [intention.title for intention in data.must_do] == ["ISVA for children", "Stalking advocacy"]
    assert data.must_do_count == 2
    html = _text(response)
    assert reverse("needs_assessment:intention_detail", args=[waiting.pk]) in html
    assert "Dropped idea" not in html and "A nice-to-have" not in html


def test_awards_ending_in_the_next_6_and_12_months(board_client):
    today = timezone.localdate()
    for months, reference in ((2, "SOON"), (9, "LATER"), (18, "FAR")):
        AwardFactory(
            reference=reference,
            status=AwardStatus.ACTIVE,
            start_date=today - relativedelta(years=1),
            end_date=today + relativedelta(months=months),
        )
    AwardFactory(
        reference="GONE",
        status=AwardStatus.ENDED,
        start_date=today - relativedelta(years=1),
        end_date=today + relativedelta(months=1),
    )
    response = _dashboard(board_client)
    data = response.context["data"]
    assert [(item.months, item.count) for item in data.ending] == [(6, 1), (12, 2)]
    assert [award.reference for award in data.ending_soonest] == ["SOON", "LATER"]
    html = _text(response)
    # Ending soon is counted over every year, so the link asks the register for all years.
    assert f"{reverse('grants:index')}?fy=all&amp;ending=6" in html
    assert "1 award ending in the next 6 months" in html
    assert "2 awards ending in the next 12 months" in html
    # The link gives the same awards.
    listed = board_client.get(reverse("grants:index"), {"fy": "all", "ending": 12}).context["awards"]
    assert sorted(award.reference for award in listed) == ["LATER", "SOON"]


def test_spend_by_kpq(portfolio, board_client):
    response = _dashboard(board_client, fy=FY)
    rows = {row.kpq.number: row.committed for row in response.context["data"].kpq_spend}
    assert rows == {1: D("40000.00")}
    assert response.context["charts"]["kpq"] is not None
    assert f"{reverse('grants:index')}?fy={FY}&amp;kpq={portfolio['kpq'].pk}" in _text(response)


def test_the_detail_is_in_tabs_whose_charts_do_not_repeat_their_headings(portfolio, board_client):
    response = _dashboard(board_client, fy=FY)
    html = _text(response)
    tabs = re.findall(r'<a class="govuk-tabs__tab" href="#([a-z-]+)">', html)
    assert tabs == ["priorities", "streams", "kpqs", "rag-ratings", "awards-ending", "intentions", "need-spend", "moj"]
    panels = re.findall(r'<div class="govuk-tabs__panel( govuk-tabs__panel--hidden)?" id="([a-z-]+)">', html)
    assert [panel for _, panel in panels] == tabs
    assert [hidden for hidden, _ in panels] == [""] + [" govuk-tabs__panel--hidden"] * 7  # the first shown
    # Each panel keeps its heading and table: the tables stay in the order of the tabs.
    order = [html.index(f'id="{anchor}"') for anchor in ("priority-table", "stream-table", "kpq-table", "rag-table")]
    assert order == sorted(order) and html.index('id="priorities"') < order[0]
    for chart in response.context["charts"].values():
        assert chart.title not in chart.svg.split("</desc>", 1)[1]  # not drawn: the heading says it


def test_rag_by_priority(portfolio, board_client):
    rag = {
        row.priority.code: (row.green, row.amber, row.red, row.not_rated)
        for row in _dashboard(board_client, fy=FY).context["data"].rag
    }
    assert rag == {"V": (0, 0, 1, 0), "R": (1, 0, 0, 0)}


def test_charts_come_with_captions_and_data_tables(portfolio, board_client):
    response = _dashboard(board_client, fy=FY)
    html = _text(response)
    for key in ("priority", "stream", "kpq", "rag"):
        chart = response.context["charts"][key]
        assert chart is not None
        assert f'alt="{chart.title}"' in html
    for table_id in ("priority-table", "stream-table", "kpq-table", "rag-table"):
        assert re.search(rf'<table class="govuk-table govuk-!-font-size-16" id="{table_id}"> <caption', html)
    # Rows link to the filtered awards list.
    assert f"{reverse('grants:index')}?fy={FY}&amp;priority={portfolio['victims'].pk}" in html
    assert f"{reverse('grants:index')}?fy={FY}&amp;stream={portfolio['core'].pk}" in html


def test_need_versus_spend_highlights(board_client):
    from needs_assessment.models import AreaType
    from tests.factories import (
        AreaFactory,
        AreaPopulationFactory,
        IndicatorFactory,
        IndicatorValueFactory,
        ThemeFactory,
    )

    force = AreaFactory(code="E23000008", name="Durham force area", type=AreaType.FORCE_AREA)
    high = AreaFactory(code="E06000047", name="County Durham", parent=force)
    low = AreaFactory(code="E06000005", name="Darlington", parent=force)
    for area in (high, low):
        AreaPopulationFactory(area=area, year=FY, population=100_000)
    theme = ThemeFactory(name="Domestic abuse")
    indicator = IndicatorFactory(name="Domestic abuse crimes", theme=theme)
    IndicatorValueFactory(indicator=indicator, area=high, fy=FY, value=D("900"))
    IndicatorValueFactory(indicator=indicator, area=low, fy=FY, value=D("100"))
    intention = CommissioningIntentionFactory(title="DA support", theme=theme, status=IntentionStatus.COMMISSIONED)
    award = AwardFactory(status=AwardStatus.ACTIVE, intention=intention)
    award.areas.add(low)
    FundingLineFactory(award=award, fy=FY, amount=D("10000"))

    response = _dashboard(board_client, fy=FY)
    assert response.context["data"].need_flagged_count == 1
    html = _text(response)
    assert "<strong>County Durham</strong>, Domestic abuse" in html
    assert f"{reverse('reports:need_vs_spend')}?fy={FY}" in html


def test_moj_returns_of_the_years_two_halves_link_to_their_pages(board_client):
    html = _text(_dashboard(board_client, fy=FY))
    assert f"MoJ bi-annual returns, {FinancialYear(FY).label}" in html
    assert html.count("Not started") == 2
    MojReturn.objects.create(fy=FY, half=2, status="draft")
    MojReturn.objects.create(fy=FY + 1, half=1, status="draft")  # another year: not shown
    html = _text(_dashboard(board_client, fy=FY))
    assert html.count("Not started") == 1 and "Draft" in html
    for half in (1, 2):
        assert reverse("reports:moj_return", kwargs={"fy": FY, "half": half}) in html


def test_the_current_half_is_marked(board_client):
    half = half_of(timezone.localdate())
    html = _text(_dashboard(board_client, fy=half.fy.start_year))
    assert f"{half.label} (the current half)" in html


def test_no_inline_scripts_or_styles(portfolio, board_client):
    html = _dashboard(board_client, fy=FY).content.decode()

    class Parser(HTMLParser):
        problems: list = []

        def handle_starttag(self, tag, attrs):
            names = dict(attrs)
            if "style" in names or tag == "style" or (tag == "script" and "src" not in names):
                self.problems.append((tag, attrs))

    parser = Parser()
    parser.feed(html)
    assert parser.problems == []


def test_tiles_are_a_list_with_headings(portfolio, board_client):
    html = _text(_dashboard(board_client, fy=FY))
    assert re.search(r'<ul class="govuk-list govuk-grid-row app-card-grid" aria-labelledby="headline">', html)
    assert html.count('<h3 class="app-card__heading">') == 7


# Query count ----------------------------------------------------------------------------------------------


def _plan() -> dict:
    priorities = [CommissioningPriorityFactory(code=f"Q{index}") for index in range(3)]
    for priority in priorities:
        PriorityBudgetFactory(priority=priority, fy=FY, amount=D("100000"))
    streams = [FundingStreamFactory() for _ in range(2)]
    for stream in streams:
        StreamAllocationFactory(stream=stream, fy=FY)
    return {"priorities": priorities, "streams": streams, "kpqs": [KPQFactory(number=number) for number in (1, 2)]}


def _grow(size: int, plan: dict) -> None:
    """``size`` awards over three priorities and two streams, each with a line, a paid and a
    scheduled payment, a forecast, an accepted (red or green) and a late return, a KPQ, a Must-do
    intention (half of them without an award) and an end date within the year ahead."""
    today = timezone.localdate()
    priorities, streams, kpqs = plan["priorities"], plan["streams"], plan["kpqs"]
    for index in range(size):
        award = AwardFactory(
            status=AwardStatus.ACTIVE,
            priority=priorities[index % 3],
            start_date=datetime.date(FY, 4, 1),
            end_date=today + relativedelta(months=index % 12 + 1),
        )
        award.kpqs.add(kpqs[index % 2])
        stream = streams[index % 2]
        FundingLineFactory(award=award, stream=stream, fy=FY)
        PaymentFactory(award=award, stream=stream, fy=FY, paid_date=datetime.date(2019, 9, 1))
        PaymentFactory(award=award, stream=stream, fy=FY)
        ForecastOutturnFactory(award=award, fy=FY)
        MonitoringReturnFactory(award=award, fy=FY, quarter=1, accepted=True, rag=Rag.RED if index % 2 else Rag.GREEN)
        MonitoringReturnFactory(award=award, fy=FY, quarter=2, status=ReturnStatus.DUE)
        intention = CommissioningIntentionFactory(rank=IntentionRank.MUST)
        if index % 2:
            award.intention = intention
            award.save()


def _count_queries(client) -> tuple[int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = _dashboard(client, fy=FY)
    return len(captured), response


def test_query_count_is_flat(board_client, django_assert_max_num_queries):
    """The same number of queries with 3 awards as with 30 (with returns, payments, intentions)."""
    plan = _plan()
    _grow(3, plan)
    small, response = _count_queries(board_client)
    assert response.context["data"].active_awards == 3
    _grow(27, plan)
    large, response = _count_queries(board_client)
    assert response.context["data"].active_awards == 30
    assert len(response.context["data"].ending_soonest) == dashboard_selectors.LIST_LIMIT
    assert small == large
    # A board member sees every "My work" section's count: one query each.
    with django_assert_max_num_queries(39):
        _dashboard(board_client, fy=FY)


def test_percentages_without_a_budget_say_so(board_client):
    assert dashboard_selectors.percentage(D("10"), D("0")) is None
    tiles = _tiles(_dashboard(board_client))
    assert tiles["committed"].value == "No figure"
    assert tiles["paid"].value == "No figure"


def test_many_streams_show_the_largest_and_the_rest_together(board_client):
    # A shared service can hold hundreds of streams: the chart and its table show the largest
    # eight and one row for the others, and the totals still cover every stream.
    award = AwardFactory(status=AwardStatus.ACTIVE)
    for number in range(12):
        stream = FundingStreamFactory(name=f"Stream {number:02d}")
        StreamAllocationFactory(stream=stream, fy=FY, amount=D(1000 * (number + 1)))
        FundingLineFactory(award=award, stream=stream, fy=FY, amount=D(100))
    response = _dashboard(board_client, fy=FY)
    html = _text(response)
    table = html[html.index('id="stream-table"') : html.index("</table>", html.index('id="stream-table"'))]
    shown = [f"Stream {number:02d}" for number in range(4, 12)]
    assert all(name in table for name in shown)
    assert "Stream 03" not in table and "Other streams (4)" in table
    assert "£10,000" in table  # the four smallest allocations: 1,000 + 2,000 + 3,000 + 4,000
    assert response.context["data"].funding.totals.allocation == D(78000)
    assert "£78,000" in table
    assert "Other streams (4)" in response.context["charts"]["stream"].rows[-1][0]


# "Paid at": a past year stands at its last day, the current year at today ---------------------------


def test_paid_is_labelled_with_the_day_the_figures_stand_at(portfolio, board_client, officer_client, time_machine):
    awards, core = portfolio["awards"], portfolio["core"]
    # 10 August 2020: 2020/21 is the current year, 2019/20 is past.
    time_machine.move_to(datetime.datetime(2020, 8, 10, 12, 0, tzinfo=datetime.UTC))
    # Arrears: 1,000 counted against 2019/20 but paid on 15 April 2020, after its last day.
    PaymentFactory(
        award=awards["a1"],
        stream=core,
        fy=FY,
        due_date=datetime.date(2020, 3, 31),
        paid_date=datetime.date(2020, 4, 15),
        amount=D("1000"),
    )
    # 2020/21: a 10,000 line; 1,500 paid in advance on 20 March 2020, 2,000 on 1 July 2020.
    FundingLineFactory(award=awards["a1"], stream=core, fy=FY + 1, amount=D("10000"))
    for day, amount in ((datetime.date(2020, 3, 20), "1500"), (datetime.date(2020, 7, 1), "2000")):
        PaymentFactory(award=awards["a1"], stream=core, fy=FY + 1, due_date=day, paid_date=day, amount=D(amount))

    past = _dashboard(board_client, fy=FY)
    tiles = _tiles(past)
    # Paid at 31 March 2020: A1 15,000 + A2 9,000 = 24,000 (not the 1,000 of 15 April).
    assert tiles["paid"].heading == "Paid at 31 March 2020"
    assert tiles["paid"].note == "£24,000 of the committed amount paid by 31 March 2020"
    html = _text(past)
    assert html.count(">Paid at 31 March 2020</th>") == 2  # the priority and the stream tables
    assert "The money stands at 31 March 2020, the last day of 2019/20" in html
    funding = officer_client.get(reverse("grants:funding"), {"fy": FY})
    assert funding.context["summary"].totals.paid == D("24000.00")
    page = _text(funding)
    assert page.count(">Paid at 31 March 2020</th>") == 2
    assert "Uncommitted" in page and "remaining" not in page.lower()

    current = _dashboard(board_client, fy=FY + 1)
    tiles = _tiles(current)
    # Paid at today, 10 August 2020: 1,500 in advance + 2,000 = 3,500.
    assert tiles["paid"].heading == "Paid at 10 August 2020"
    assert current.context["data"].funding.totals.paid == D("3500.00")
    assert "The money stands at today, 10 August 2020" in _text(current)
    funding = officer_client.get(reverse("grants:funding"), {"fy": FY + 1})
    assert ">Paid at 10 August 2020</th>" in _text(funding)
    assert "These figures stand at today, 10 August 2020" in _text(funding)


def test_the_dashboard_counts_each_awards_status_at_the_years_end(portfolio, board_client, officer):
    from grants.awards.services import award_transition
    from tests.factories import AwardTransitionFactory

    a1 = portfolio["awards"]["a1"]
    AwardTransitionFactory(
        award=a1, to_status=AwardStatus.ACTIVE, at=datetime.datetime(2019, 4, 1, 9, tzinfo=datetime.UTC)
    )
    award_transition(award=a1, actor=officer, to_status=AwardStatus.CANCELLED, note="Closed")  # today
    # 2019/20 stands at 31 March 2020, when A1 was active: still 60,000 committed.
    assert _dashboard(board_client, fy=FY).context["data"].funding.totals.committed == D("60000.00")
    # KPQ 1 is answered by A1 alone: its 40,000 still counts in 2019/20.
    kpq = next(row for row in _dashboard(board_client, fy=FY).context["data"].kpq_spend if row.kpq.number == 1)
    assert kpq.committed == D("40000.00")


def test_the_current_year_counts_awards_active_today(portfolio, board_client, officer_client, time_machine):
    # On 1 December 2019, 2019/20 is the current year: only A1 is active.
    time_machine.move_to(datetime.datetime(2019, 12, 1, 12, 0, tzinfo=datetime.UTC))
    tiles = _tiles(_dashboard(board_client, fy=FY))
    assert (tiles["active"].heading, tiles["active"].value) == ("Active awards", "1")
    active = officer_client.get(tiles["active"].url)
    assert [award.reference for award in active.context["awards"]] == ["VS-001"]
