"""An officer adds a provider and finds it in the list, as a user would, in a browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import BROWSER_TEST

pytestmark = BROWSER_TEST

NAME = "Wearside Women in Need"


def _open_providers_from_the_navigation(page) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Providers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Providers")


def test_officer_creates_a_provider_and_sees_it_in_the_list(logged_in_page, officer):
    page = logged_in_page(officer)

    _open_providers_from_the_navigation(page)
    expect(page.get_by_role("link", name=NAME)).to_have_count(0)

    page.get_by_role("button", name=re.compile(r"^Add (a provider|an organisation)$")).click()
    page.get_by_label("Name", exact=True).fill(NAME)
    page.locator("select[name=kind]").select_option("voluntary_sector")
    page.get_by_role("button", name=re.compile(r"^(Save|Add (an )?organisation|Add (a )?provider)")).click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(NAME)
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    assert re.search(r"/providers/\d+/$", page.url), page.url

    _open_providers_from_the_navigation(page)
    expect(page.locator("table").get_by_role("link", name=NAME)).to_be_visible()
