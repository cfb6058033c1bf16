"""A board member signs in, lands on the dashboard, changes the year, follows a tile to the
filtered list behind it, and finds an award with the header's search box."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from playwright.sync_api import expect

from grants.models import AwardStatus
from tests.factories import AwardFactory, FundingLineFactory, PriorityBudgetFactory

from .conftest import BROWSER_TEST

pytestmark = BROWSER_TEST


def test_a_board_member_reads_the_dashboard_and_searches(logged_in_page, board_member):
    hub = AwardFactory(
        reference="VS-HUB-01",
        title="Victim care hub",
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2021, 3, 31),
    )
    FundingLineFactory(award=hub, fy=2019, amount=Decimal("42100.00"))
    FundingLineFactory(award=hub, fy=2020, amount=Decimal("30000.00"))
    PriorityBudgetFactory(priority=hub.priority, fy=2020, amount=Decimal("60000.00"))
    AwardFactory(reference="RR-OLD-01", title="Old mentoring", status=AwardStatus.ENDED)

    page = logged_in_page(board_member)
    assert urlsplit(page.url).path == reverse("reports:dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard, 2020/21")  # the latest year with data
    expect(page.get_by_role("heading", name="Headline figures")).to_be_visible()
    expect(page.locator("#tile-committed")).to_contain_text("50.0%")  # 30,000 of 60,000
    expect(page.locator("#actions")).to_have_count(0)  # a board member changes nothing

    page.get_by_label("Financial year").select_option("2019")
    page.get_by_role("button", name="Show year").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard, 2019/20")
    expect(page.locator("#priority-totals")).to_contain_text("£42,100")

    # 2019/20 is over: the tile counts the awards made that ran in it, ended ones included.
    expect(page.locator("#tile-active")).to_contain_text("Awards made")
    page.locator("#tile-active").get_by_role("link").click()
    assert urlsplit(page.url).path == reverse("grants:index")
    assert parse_qs(urlsplit(page.url).query) == {"fy": ["2019"], "status": ["made"]}
    expect(page.get_by_role("link", name="VS-HUB-01")).to_be_visible()
    expect(page.get_by_role("link", name="RR-OLD-01")).to_be_visible()

    search = page.get_by_role("search", name="Search the service")
    search.get_by_label("Search by name or reference").fill("vs-hub")
    search.get_by_role("button", name="Search").click()
    assert urlsplit(page.url).path == reverse("search:index")
    expect(page.get_by_role("heading", name="Awards (1)")).to_be_visible()
    page.get_by_role("link", name="VS-HUB-01: Victim care hub").click()
    assert urlsplit(page.url).path == reverse("grants:award_detail", args=[hub.pk])
