"""An officer traces, on screen, a Must-do intention to the finding behind it, the indicator
evidence for the finding, and the award that now meets it, and back again."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from needs_assessment.models import AreaType, IntentionRank, IntentionStatus, Severity
from tests.factories import (
    AreaFactory,
    AreaPopulationFactory,
    AwardFactory,
    CommissioningIntentionFactory,
    FindingFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    NeedsAssessmentFactory,
    ThemeFactory,
)

from .conftest import BROWSER_TEST

pytestmark = BROWSER_TEST

INTENTION = "Commission more IDVA capacity"
FINDING = "Too few IDVAs for the demand"
INDICATOR = "Domestic abuse-related crimes"


def _trail(officer):
    theme = ThemeFactory(name="Domestic abuse")
    force = AreaFactory(code="E23000008", name="Durham force area", type=AreaType.FORCE_AREA)
    darlington = AreaFactory(code="E06000005", name="Darlington", parent=force)
    for area, population in ((force, 640_000), (darlington, 110_000)):
        AreaPopulationFactory(area=area, year=2019, population=population)
    indicator = IndicatorFactory(name=INDICATOR, theme=theme, unit="crimes")
    evidence = []
    for area, before, now in ((force, 9000, 9800), (darlington, 1600, 1800)):
        IndicatorValueFactory(indicator=indicator, area=area, fy=2018, value=Decimal(before))
        evidence.append(IndicatorValueFactory(indicator=indicator, area=area, fy=2019, value=Decimal(now)))
    assessment = NeedsAssessmentFactory(title="Unified needs assessment 2019", fy=2019)
    finding = FindingFactory(assessment=assessment, title=FINDING, severity=Severity.HIGH, theme=theme)
    finding.evidence.set(evidence)
    CommissioningIntentionFactory(title="Perpetrator programme pilot", rank=IntentionRank.SHOULD)
    intention = CommissioningIntentionFactory(
        title=INTENTION,
        rank=IntentionRank.MUST,
        status=IntentionStatus.AGREED,
        when_fy=2020,
        lead=officer,
        estimated_annual_cost=Decimal("120000"),
        theme=theme,
    )
    intention.findings.set([finding])
    return AwardFactory(reference="PCC-2020-001", title="IDVA service", intention=intention)


def _heading(page):
    return page.get_by_role("heading", level=1)


def test_officer_traces_a_must_do_intention_to_its_evidence_and_award_and_back(logged_in_page, officer):
    award = _trail(officer)
    page = logged_in_page(officer)

    # The intentions board, from the Needs section
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Needs").click()
    page.get_by_role("navigation", name="Needs sections").get_by_role("link", name="Commissioning intentions").click()
    expect(_heading(page)).to_have_text("Commissioning intentions")
    must = page.locator("section", has=page.get_by_role("heading", name=re.compile(r"^Must")))
    expect(must.get_by_role("link", name="Perpetrator programme pilot")).to_have_count(0)  # a Should
    must.get_by_role("link", name=INTENTION).click()

    # The intention -> its finding
    expect(_heading(page)).to_contain_text(INTENTION)
    expect(page.get_by_text("Must-do commissioning intention")).to_be_visible()
    intention_url = page.url
    page.get_by_role("link", name=FINDING).click()

    # The finding -> its evidence on the indicator page
    expect(_heading(page)).to_contain_text(FINDING)
    page.locator("#evidence ~ .app-table-region table").get_by_role("link", name=INDICATOR).first.click()
    expect(_heading(page)).to_have_text(INDICATOR)
    expect(page.get_by_role("heading", name="Areas compared, 2019/20")).to_be_visible()
    comparison = page.locator("#areas + .app-table-region table")
    darlington = comparison.get_by_role("row", name=re.compile(r"^Darlington"))
    expect(darlington).to_contain_text("16.36")  # rate per 1,000
    expect(darlington).to_contain_text("Worse")  # higher is worse, in words
    expect(page.get_by_role("img", name=re.compile(r"rate per 1,000 people by area"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"trend in"))).to_be_visible()

    # ... and back to the intention the finding leads to
    page.locator("#findings ~ ul").get_by_role("link", name=INTENTION).click()
    expect(_heading(page)).to_contain_text(INTENTION)
    assert page.url == intention_url

    # The Awards tab -> the award that meets it
    page.get_by_role("navigation", name="Intention sections").get_by_role("link", name="Awards").click()
    expect(page.get_by_role("link", name="Awards")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name=award.reference).click()
    expect(_heading(page)).to_contain_text(award.title)

    # ... and back from the award to its intention
    page.get_by_role("link", name=INTENTION).click()
    expect(_heading(page)).to_contain_text(INTENTION)
    assert page.url == intention_url
