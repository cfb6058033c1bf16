"""Reflow (WCAG 2.2, 1.4.10): every role's main pages at 320, 390 and 768 CSS px, in headless
Chromium, never scroll the page sideways; the list filter (templates/includes/filter_panel.html,
started by static/js/app.js) opens and closes with its button, and without JavaScript is simply
part of the page and still filters; and axe finds nothing wrong at 390 px.

The pages come from the demo data (ids from 1, as in test_accessibility.py), one seeding for
the whole sweep: a few of each role's main pages (lists, a record of each kind, dashboard,
reports, the provider's portal), three widths each.
"""

from __future__ import annotations

import io

from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from grants.models import Award, MonitoringReturn
from pcc_commissioning.models import User
from tests.factories.providers import OrganisationFactory
from tests.factories.users import TEST_PASSWORD
from tests.ids import restart_ids

from .conftest import BROWSER_TEST, sign_in
from .test_accessibility import AXE_SOURCE, DEMO_PASSWORD, _axe, _html_pages

pytestmark = BROWSER_TEST

WIDTHS = (320, 390, 768)
AXE_WIDTH = 390
HEIGHT = 800
# The main pages of each role, by URL name (the URL walk of test_url_access.py gives each one
# with the demo's records); every name must give the role a page, or the test says which not.
MAIN_PAGES = {
    "officer": {
        "reports:index",
        "reports:dashboard",
        "grants:index",
        "grants:award_detail",
        "grants:funding",
        "grants:decision_list",
        "grants:returns_inbox",
        "grants:return_review",
        "providers:list",
        "providers:detail",
        "providers:contacts",
        "needs_assessment:intentions",
        "needs_assessment:theme_list",
        "outcomes:code_lists",
        "reports:finance",
        "reports:moj_return",
        "reports:need_vs_spend",
    },
    "finance": {
        "reports:dashboard",
        "grants:index",
        "grants:award_detail",
        "grants:funding",
        "grants:stream_detail",
        "grants:stream_list",
        "reports:finance",
    },
    "board": {
        "reports:dashboard",
        "grants:index",
        "grants:award_detail",
        "providers:list",
        "needs_assessment:intentions",
        "reports:kpq_index",
        "reports:kpq",
        "reports:moj_index",
    },
    # And the provider's own award and return (ids 1 are another organisation's): see below.
    "provider": {"portal:home", "portal:organisation", "portal:documents", "portal:users"},
    # The system administrator: the service's pages (as a superuser), and the Django admin's.
    "admin": {"grants:index", "providers:list"},
}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_main_pages_of_every_role_fit_320_390_and_768_px_and_pass_axe(page):
    restart_ids()
    call_command("seed_demo", force=True, stdout=io.StringIO())
    plan = {}
    for role, names in MAIN_PAGES.items():
        pages = _html_pages(User.objects.get(username=role), names)
        assert {name for name, _ in pages} == names, f"{role} cannot open {names - {n for n, _ in pages}}"
        plan[role] = pages
    own_award = Award.objects.filter(provider__memberships__user__username="provider").order_by("pk").first()
    own_return = MonitoringReturn.objects.filter(award=own_award).order_by("pk").first()
    plan["provider"] += [
        ("portal:award", reverse("portal:award", args=[own_award.pk])),
        ("portal:return", reverse("portal:return", args=[own_return.pk])),
    ]
    plan["admin"] += [(name, reverse(name)) for name in ("admin:index", "admin:grants_award_changelist")]

    page.context.add_init_script(script=AXE_SOURCE)
    too_wide: dict[str, int] = {}
    violations: dict[str, list[str]] = {}
    for role, pages in plan.items():
        page.context.clear_cookies()
        sign_in(page, role, DEMO_PASSWORD)
        assert "/accounts/login/" not in page.url, f"could not sign in as {role}"
        for name, url in pages:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": HEIGHT})
                page.goto(url)
                if (overflow := page.evaluate(OVERFLOW)) > 0:
                    too_wide[f"{role} {url} ({name}) at {width}px"] = overflow
                if width == AXE_WIDTH and not name.startswith("admin:") and (found := _axe(page)):
                    violations[f"{role} {url} ({name})"] = found

    assert sum(len(pages) for pages in plan.values()) == sum(len(names) for names in MAIN_PAGES.values()) + 4
    assert too_wide == {}, "pages wider than the screen (px too wide): " + repr(too_wide)
    assert violations == {}, "\n".join(f"{label}:\n  " + "\n  ".join(found) for label, found in violations.items())


def _toggle(page):
    return page.locator("#filter-toggle").get_by_role("button")


def test_filter_starts_closed_on_a_phone_and_its_button_opens_and_closes_it(logged_in_page, officer):
    OrganisationFactory(name="Wearside Women in Need")
    page = logged_in_page(officer)
    page.context.add_init_script(script=AXE_SOURCE)
    page.set_viewport_size({"width": AXE_WIDTH, "height": HEIGHT})
    page.goto("/providers/")
    panel = page.locator("#filter-panel")
    button = _toggle(page)

    expect(button).to_have_text("Show filter")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "filter-panel")
    expect(panel).to_be_hidden()

    button.click()
    expect(button).to_have_text("Hide filter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("button", name="Apply filters")).to_be_visible()
    # In the page flow, inside the screen: not an overlay wider than the phone.
    assert page.evaluate("getComputedStyle(document.getElementById('filter-panel')).position") == "static"
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= AXE_WIDTH
    assert page.evaluate(OVERFLOW) <= 0
    assert _axe(page) == []

    button.click()
    expect(button).to_have_text("Show filter")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()

    # The panel's own Close button closes it too, and puts focus back on the toggle.
    button.click()
    panel.get_by_role("button", name="Close").click()
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()
    expect(button).to_have_attribute("aria-expanded", "false")


def test_filter_starts_open_on_a_wide_screen(logged_in_page, officer):
    page = logged_in_page(officer)
    page.set_viewport_size({"width": 1280, "height": HEIGHT})
    for url in ("/grants/", "/grants/decisions/", "/providers/", "/needs/intentions/"):
        page.goto(url)
        button = _toggle(page)
        expect(button).to_have_text("Hide filter")
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#filter-panel")).to_be_visible()
        # Beside the results, not above them.
        panel, results = page.locator("#filter-panel").bounding_box(), page.locator("#result-count").bounding_box()
        assert results["x"] >= panel["x"] + panel["width"], url

        button.click()
        expect(page.locator("#filter-panel")).to_be_hidden()
        expect(button).to_have_text("Show filter")


def test_without_javascript_the_filter_is_in_the_page_above_the_results_and_filters(browser, live_server, officer):
    OrganisationFactory(name="Wearside Women in Need")
    OrganisationFactory(name="Tees Valley Refuge")
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        java_script_enabled=False,
        viewport={"width": 320, "height": HEIGHT},
    )
    try:
        page = context.new_page()
        sign_in(page, officer.username, TEST_PASSWORD)
        page.goto("/providers/")
        panel = page.locator("#filter-panel")
        expect(panel).to_be_visible()
        expect(page.locator("#filter-toggle").get_by_role("button")).to_have_count(0)
        assert panel.bounding_box()["y"] < page.locator("#result-count").bounding_box()["y"]
        assert page.evaluate(OVERFLOW) <= 0
        expect(page.get_by_role("link", name="Tees Valley Refuge")).to_be_visible()

        panel.get_by_label("Search", exact=True).fill("Wearside")
        with page.expect_navigation():
            panel.get_by_role("button", name="Apply filters").click()

        assert "Wearside" in page.url, page.url  # a plain GET form: the filter is in the address
        expect(page.locator("#result-count")).to_contain_text("1 organisation")
        expect(page.get_by_role("link", name="Wearside Women in Need")).to_be_visible()
        expect(page.get_by_role("link", name="Tees Valley Refuge")).to_have_count(0)
        assert page.evaluate(OVERFLOW) <= 0
    finally:
        context.close()


def test_a_wide_table_scrolls_in_its_own_labelled_box_not_the_page(logged_in_page, officer):
    OrganisationFactory(name="Wearside Women in Need")
    page = logged_in_page(officer)
    page.set_viewport_size({"width": 320, "height": HEIGHT})
    page.goto("/providers/")

    region = page.get_by_role("region", name="Organisations", exact=False).first
    expect(region).to_have_class("app-table-region")
    expect(region).to_have_attribute("tabindex", "0")
    assert page.evaluate(OVERFLOW) <= 0
    # The table is wider than the box, so the box scrolls: by keyboard, once it has focus.
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")

    # Wide enough for the table: nothing to scroll, so no extra tab stop.
    page.set_viewport_size({"width": 1280, "height": HEIGHT})
    page.wait_for_function("() => !document.querySelector('.app-table-region').hasAttribute('tabindex')")
