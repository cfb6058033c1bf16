"""An award from plan to payment, as the officer and the finance officer would do it in a
browser: the officer adds an award with two funding lines above the delegated limit, records
its decision as signed, links it and moves the award to awarded then active; finance records
a payment; the funding page for that year shows what is committed and paid."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from pcc_commissioning import clock
from pcc_commissioning.periods import FinancialYear
from tests.factories import (
    CommissioningPriorityFactory,
    FundingStreamFactory,
    OrganisationFactory,
    StreamAllocationFactory,
)
from tests.factories.users import TEST_PASSWORD

from .conftest import BROWSER_TEST, sign_in
from .test_accessibility import _axe

pytestmark = BROWSER_TEST

TITLE = "Independent sexual violence advisers"


def _fill_date(page, name: str, day: int, month: int, year: int) -> None:
    page.locator(f"input[name={name}_0]").fill(str(day))
    page.locator(f"input[name={name}_1]").fill(str(month))
    page.locator(f"input[name={name}_2]").fill(str(year))


def _stream_row(page, name: str):
    return page.locator("#stream-table tbody tr").filter(has=page.get_by_role("link", name=name))


def test_award_from_plan_to_payment(logged_in_page, officer, finance_officer):
    # The current year: the award is planned, awarded and made active today, so the funding page
    # (which stands at today for the current year) counts it as committed. In a year already over
    # it would count as planned: its timeline says it was planned until after that year ended.
    year = FinancialYear.current()
    fy, label = year.start_year, year.label
    today = clock.today()  # in the current year, and not in the future: a date a payment may be paid on
    OrganisationFactory(name="Rape Crisis Tyneside")
    CommissioningPriorityFactory(name="Victims services")
    core = FundingStreamFactory(name="MoJ victims' grant (Core)")
    precept = FundingStreamFactory(name="Police precept")
    StreamAllocationFactory(stream=core, fy=fy, amount=Decimal("500000"))
    StreamAllocationFactory(stream=precept, fy=fy, amount=Decimal("100000"))

    # The officer adds the award with two funding lines: £32,000 in all, above the £25,000 limit.
    page = logged_in_page(officer)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Grants and contracts").click()
    page.get_by_role("button", name="Add an award").click()
    # One step at a time, then the answers are checked before anything is added.
    expect(page.get_by_role("heading", level=1)).to_have_text("About the award")
    page.get_by_role("button", name="Continue").click()  # nothing entered: refused on this step
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the title of the award")
    assert _axe(page) == []
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Provider").select_option(label="Rape Crisis Tyneside")
    page.get_by_label("Kind of award").select_option(label="Grant")
    page.get_by_label("Commissioning priority").select_option(label="Victims services")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dates")
    _fill_date(page, "start_date", 1, 4, fy)
    _fill_date(page, "end_date", 31, 3, fy + 1)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding")
    assert _axe(page) == []
    page.locator("select[name=lines-0-stream]").select_option(label="MoJ victims' grant (Core)")
    page.locator("select[name=lines-0-fy]").select_option(label=label)
    page.locator("input[name=lines-0-amount]").fill("20,000")
    page.locator("select[name=lines-1-stream]").select_option(label="Police precept")
    page.locator("select[name=lines-1-fy]").select_option(label=label)
    page.locator("input[name=lines-1-amount]").fill("12000")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # plan, places and people: all optional
    page.get_by_role("button", name="Continue").click()  # description: all optional
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before adding the award")
    expect(page.locator("main")).to_contain_text("£32,000.00")
    assert _axe(page) == []
    # A change goes back to its step and returns here.
    page.get_by_role("link", name="Change title").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before adding the award")
    page.get_by_role("button", name="Add award").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been added")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    award_url = page.url
    assert re.search(r"/grants/awards/\d+/$", award_url), award_url

    # Without a signed decision it cannot be marked awarded.
    page.get_by_role("button", name="Mark as awarded").click()
    expect(page.get_by_role("alert").filter(has_text="delegated limit")).to_be_visible()

    # The officer records the decision and its signature.
    page.get_by_role("link", name="Grants and contracts", exact=True).first.click()
    page.get_by_role("link", name="Decisions").click()
    page.get_by_role("button", name="Add a decision").click()
    page.get_by_label("Reference", exact=True).fill("PCC-2019-033")  # a reference as the OPCC writes it
    page.get_by_label("Subject").fill("Sexual violence support")
    page.get_by_label("Amount approved (£)").fill("32,000")
    page.get_by_role("button", name="Add decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("PCC-2019-033")
    page.get_by_role("button", name="Record as signed").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("signed")

    # … links it to the award, and moves the award on.
    page.goto(award_url)
    page.get_by_role("button", name="Edit the award and its funding lines").click()
    page.get_by_label("Decision of the PCC").select_option(label="PCC-2019-033 Sexual violence support")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been updated")
    page.get_by_role("button", name="Mark as awarded").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is now awarded")
    page.get_by_role("button", name="Mark as active").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is now active")
    page.get_by_role("button", name="Sign out").click()

    # Finance records a payment from the MoJ grant.
    sign_in(page, finance_officer.username, TEST_PASSWORD)
    page.goto(award_url)
    page.get_by_role("button", name="Record a payment").click()
    page.get_by_label("Funding stream").select_option(label="MoJ victims' grant (Core)")
    _fill_date(page, "due_date", 30, 6, fy)
    _fill_date(page, "paid_date", today.day, today.month, today.year)
    page.get_by_label("Amount (£)").fill("5000")
    page.get_by_label("Invoice reference").fill("RCT-0042")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("£5,000.00")

    # The funding page for that year shows the commitment and the payment.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Grants and contracts").click()
    page.get_by_role("link", name="Funding", exact=True).click()
    page.get_by_label("Financial year").select_option(label=label)
    page.get_by_role("button", name="Show year").click()
    expect(page.get_by_role("heading", name=f"Funding in {label}")).to_be_visible()
    core_row = _stream_row(page, "MoJ victims' grant (Core)")
    expect(core_row.locator("td").nth(1)).to_have_text("£20,000")  # committed
    expect(core_row.locator("td").nth(3)).to_have_text("£5,000")  # paid
    precept_row = _stream_row(page, "Police precept")
    expect(precept_row.locator("td").nth(1)).to_have_text("£12,000")
    expect(precept_row.locator("td").nth(3)).to_have_text("£0")


def test_adding_an_award_in_steps_works_without_javascript(browser, live_server, officer):
    """Every step, "More funding line rows", a change from the check-answers page and the
    confirmation are plain forms and links: the journey is the same with scripts off."""
    fy = FinancialYear.current().start_year
    OrganisationFactory(name="Rape Crisis Tyneside")
    CommissioningPriorityFactory(name="Victims services")
    FundingStreamFactory(name="Police precept")
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, officer.username, TEST_PASSWORD)
        page.goto("/grants/awards/new/")
        page.get_by_label("Title").fill("Refuge places")
        page.get_by_label("Provider").select_option(label="Rape Crisis Tyneside")
        page.get_by_label("Kind of award").select_option(label="Grant")
        page.get_by_label("Commissioning priority").select_option(label="Victims services")
        page.get_by_role("button", name="Continue").click()
        _fill_date(page, "start_date", 1, 4, fy)
        _fill_date(page, "end_date", 31, 3, fy + 1)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="More funding line rows").click()
        expect(page.locator("select[name=lines-5-stream]")).to_be_visible()
        page.locator("select[name=lines-4-stream]").select_option(label="Police precept")
        page.locator("select[name=lines-4-fy]").select_option(label=FinancialYear(fy).label)
        page.locator("input[name=lines-4-amount]").fill("9,000")
        for _step in ("funding", "plan", "description"):
            page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before adding the award")
        expect(page.locator("main")).to_contain_text("£9,000.00")
        page.get_by_role("link", name="Change kind of award").click()
        page.get_by_label("Kind of award").select_option(label="Contract")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator("main")).to_contain_text("Contract")
        page.get_by_role("button", name="Add award").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been added")
    finally:
        context.close()
