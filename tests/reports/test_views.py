"""The reports pages: who may open them, what the need-versus-spend page shows (in words, with
pounds), the year selector, and flat query counts at two sizes."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
from pcc_commissioning.roles import Role
from tests.factories import AwardFactory, FundingLineFactory, UserFactory

pytestmark = pytest.mark.django_db

READ = {"anonymous": "login", "officer": 200, "finance": 200, "board": 200, "provider": 403}


def _client(role: str, organisation=None) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    roles = {"officer": Role.OFFICER, "finance": Role.FINANCE, "board": Role.BOARD, "provider": Role.PROVIDER}
    user = UserFactory(username=f"{role}-user", role=roles[role])
    if role == "provider":
        from providers.services import membership_set
        from tests.factories import OrganisationFactory

        membership_set(user=user, organisation=organisation or OrganisationFactory())
    client.force_login(user)
    return client


@pytest.mark.parametrize("url_name", ["reports:index", "reports:need_vs_spend"])
@pytest.mark.parametrize("role", list(READ))
def test_permissions(url_name, role):
    response = _client(role).get(reverse(url_name))
    expected = READ[role]
    if expected == "login":
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")
    else:
        assert response.status_code == expected


def test_index_lists_need_versus_spend(officer_client):
    page = officer_client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:need_vs_spend") in page
    assert "Need versus spend" in page


def _entries(page: str) -> list[tuple[str, str]]:
    """(title, address) of each report listed on the Reports page, in order."""
    return re.findall(r'<h2 class="govuk-heading-m[^"]*"><a class="govuk-link" href="([^"]+)">([^<]+)</a></h2>', page)


def test_the_panel_report_and_the_moj_return_are_first_class_entries_with_the_archive_last(officer_client):
    entries = _entries(officer_client.get(reverse("reports:index")).content.decode())
    assert entries[:2] == [
        ("/reports/request/?kind=panel", "Police and Crime Panel report"),
        ("/reports/moj/", "MoJ bi-annual returns"),
    ]
    assert entries[-1] == ("/reports/archive/", "Report archive")
    assert not any("request a report" in title for _url, title in entries)


def test_the_panel_reports_entry_opens_its_request_form(officer_client):
    page = officer_client.get("/reports/request/?kind=panel").content.decode()
    assert '<span class="govuk-caption-l">Request a report</span>Police and Crime Panel report</h1>' in page
    assert 'name="fy"' in page and 'name="period"' in page


def test_reports_nav_item_is_current(board_client):
    page = board_client.get(reverse("reports:need_vs_spend")).content.decode()
    assert "govuk-service-navigation__item--active" in page
    assert f'href="{reverse("reports:index")}"' in page


def _case():
    force = Area.objects.create(code="E23000099", name="Force", type=AreaType.FORCE_AREA)
    a = Area.objects.create(code="E06000001", name="Aldbury", type=AreaType.LOCAL_AUTHORITY, parent=force)
    b = Area.objects.create(code="E06000002", name="Brampton", type=AreaType.LOCAL_AUTHORITY, parent=force)
    AreaPopulation.objects.create(area=a, year=2019, population=100_000)
    AreaPopulation.objects.create(area=b, year=2019, population=300_000)
    theme = Theme.objects.create(name="Domestic abuse")
    indicator = Indicator.objects.create(name="DA crimes", theme=theme)
    IndicatorValue.objects.create(indicator=indicator, area=a, period="2019", fy=2019, value=Decimal("1000"))
    IndicatorValue.objects.create(indicator=indicator, area=b, period="2019", fy=2019, value=Decimal("6000"))
    intention = CommissioningIntention.objects.create(title="Refuge", theme=theme, rank="must")
    award = AwardFactory(status=AwardStatus.ACTIVE, intention=intention)
    FundingLineFactory(award=award, fy=2019, amount=Decimal("40000.00"))
    award.areas.set([a])
    FundingLineFactory(award=AwardFactory(status=AwardStatus.ACTIVE), fy=2019, amount=Decimal("1234567.00"))
    return {"a": a, "b": b, "theme": theme}


def test_need_vs_spend_page(officer_client):
    _case()
    response = officer_client.get(reverse("reports:need_vs_spend"), {"fy": "2019"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Need versus spend, 2019/20" in page
    assert "<caption" in page and "Domestic abuse, 2019/20: need and committed spend by local authority" in page
    assert "£40,000" in page  # committed spend, whole pounds
    assert "£400.00" in page  # A: 40,000 / 100,000 × 1,000
    assert "£100.00" in page  # the force-area average spend per 1,000
    assert "20.00" in page and "17.50" in page  # B's rate and the average
    # B: rate above average, spend (nothing) below: said in words, not colour alone.
    assert "High need, low spend" in page
    assert "DA crimes: 20.00 per 1,000, above the force-area average of 17.50" in page
    assert "Not linked to a need" in page and "£1,234,567" in page
    # The rule is written on the page.
    assert "in proportion to their population" in page
    assert 'style="' not in page and "<script>" not in page
    # The chart (server-drawn SVG) with its data as a table.
    assert 'class="app-chart__image" src="data:image/svg+xml;base64,' in page
    assert "Domestic abuse, 2019/20: committed spend per 1,000 population: the data" in page
    assert "Force area average" in page


def test_year_selector(officer_client):
    _case()
    page = officer_client.get(reverse("reports:need_vs_spend"), {"fy": "2019"}).content.decode()
    assert '<option value="2019" selected>2019/20</option>' in page
    page = officer_client.get(reverse("reports:need_vs_spend"), {"fy": "2018/19"}).content.decode()
    assert "Need versus spend, 2018/19" in page
    assert "£40,000" not in page
    # Nonsense falls back to the latest year with data that has begun.
    page = officer_client.get(reverse("reports:need_vs_spend"), {"fy": "soon"}).content.decode()
    assert "Need versus spend, 2019/20" in page


def test_query_count_is_flat(officer_client):
    case = _case()

    def grow(count: int) -> None:
        for n in range(count):
            area = Area.objects.create(
                code=f"E0700{count:02d}{n:02d}", name=f"Area {count}-{n}", type=AreaType.LOCAL_AUTHORITY
            )
            AreaPopulation.objects.create(area=area, year=2019, population=1000 + n)
            theme = Theme.objects.create(name=f"Theme {count}-{n}")
            indicator = Indicator.objects.create(name=f"Indicator {count}-{n}", theme=theme)
            IndicatorValue.objects.create(indicator=indicator, area=case["a"], period="2019", fy=2019, value=n + 1)
            intention = CommissioningIntention.objects.create(title=f"I {count}-{n}", theme=theme, rank="should")
            award = AwardFactory(status=AwardStatus.AWARDED, intention=intention)
            FundingLineFactory(award=award, fy=2019, amount=Decimal(500 + n))
            award.areas.set([area])

    url = reverse("reports:need_vs_spend") + "?fy=2019"
    grow(3)
    officer_client.get(url)
    with CaptureQueriesContext(connection) as small:
        officer_client.get(url)
    grow(30)
    with CaptureQueriesContext(connection) as large:
        response = officer_client.get(url)
    assert response.content.decode().count("<caption") >= 34
    assert len(large) == len(small)
