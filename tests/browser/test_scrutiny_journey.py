"""The board's scrutiny in a browser: an officer records the board meeting that considered an
accepted update, makes the plan's next version from it once the amendments are in the plan,
and prepares the Commissioner's decision; every page passes axe (WCAG 2.0-2.2 A/AA) and none
needs JavaScript to work (the forms are plain POSTs)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from delivery.models import PlanVersion, UpdateRoundStatus
from delivery.plans.versions import plan_snapshot
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.delivery import (
    ActivityFactory,
    DeliveryPlanFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    UpdateRoundFactory,
)

from .conftest import BROWSER_TEST
from .test_accessibility import AXE_SOURCE, _axe

pytestmark = BROWSER_TEST


@pytest.fixture
def accepted_update():
    plan = DeliveryPlanFactory(reference="FDP-2019", title="Force Delivery Plan 2019/20")
    objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=plan, title="Victims"), number="1.2")
    activity = ActivityFactory(objective=objective, number="1.2.3", title="Survey victims", lead="Ch Insp Smith")
    PlanVersion.objects.create(plan=plan, number=1, snapshot=plan_snapshot(plan))
    plan.edition = 1
    plan.save()
    return UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.ACCEPTED), activity


def _fill_date(page: Page, name: str, day: int, month: int, year: int) -> None:
    page.locator(f"input[name={name}_0]").fill(str(day))
    page.locator(f"input[name={name}_1]").fill(str(month))
    page.locator(f"input[name={name}_2]").fill(str(year))


def test_an_officer_takes_an_update_through_the_board_to_the_decision(page: Page, logged_in_page, accepted_update):
    update_round, activity = accepted_update
    page.context.add_init_script(script=AXE_SOURCE)
    logged_in_page(UserFactory(role=Role.OFFICER))
    failures: dict[str, list[str]] = {}

    page.goto(f"/delivery/update-rounds/{update_round.pk}/meeting/")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date of the meeting")
    failures["meeting form with errors"] = _axe(page)

    page.get_by_label("Board", exact=True).select_option("strategy_performance")
    _fill_date(page, "held_on", 20, 11, 2019)
    page.get_by_label("Amendments agreed").fill("Give 1.2.3 to Supt Jones.")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.locator("h1")).to_have_text("Strategy and Performance Board, 20 November 2019")
    failures["meeting"] = _axe(page)

    activity.lead = "Supt Jones"  # the officer makes the amendment to the plan
    activity.save()
    page.reload()
    expect(page.locator("main")).to_contain_text("Changes to the plan since its latest version")
    page.get_by_label("What changed and why (optional)").fill("As the board agreed.")
    page.get_by_role("button", name="Make version 2 of the plan from this meeting").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Version 2 of plan FDP-2019")
    expect(page.get_by_role("table")).to_contain_text("Supt Jones")
    failures["meeting with its version"] = _axe(page)

    page.get_by_role("link", name="version 2 of the plan").click()
    expect(page.locator("h1")).to_have_text("Version 2")
    failures["version"] = _axe(page)
    page.get_by_role("link", name="FDP-2019 versions").click()
    failures["versions"] = _axe(page)

    page.get_by_role("link", name="Strategy and Performance Board, 20 November 2019").click()
    page.get_by_role("button", name="Prepare the Commissioner's decision").click()
    failures["decision form"] = _axe(page)
    page.get_by_role("button", name="Prepare the draft decision").click()
    expect(page.locator("h1")).to_contain_text("Monitoring of the Force Delivery Plan 2019/20")
    expect(page.locator("main")).to_contain_text("Records the monitoring of Force Delivery Plan 2019/20 2019-H1")

    page.goto("/delivery/meetings/")
    failures["meetings"] = _axe(page)
    assert not {label: found for label, found in failures.items() if found}
