"""A delivery plan's page in a browser: it fits a phone (390 px) and a desktop (1280 px) without
the page scrolling sideways, and a metric's page shows its chart beside its table.

With ``PLANS_SCREENSHOTS=<folder>`` the pages are also saved as pictures there, to look at."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from delivery.models import UpdateRoundStatus, UpdateState
from pcc_commissioning.roles import Role
from tests.factories import KPQFactory, UserFactory
from tests.factories.delivery import (
    ActivityFactory,
    DeliveryPlanFactory,
    MetricFactory,
    MetricValueFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    ProgressUpdateFactory,
    UpdateRoundFactory,
)
from tests.factories.providers import OrganisationFactory

from .conftest import BROWSER_TEST

pytestmark = BROWSER_TEST

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _plan():
    force = OrganisationFactory(name="Durham Constabulary")
    plan = DeliveryPlanFactory(reference="FDP-2019", title="Force Delivery Plan 2019/20", owner=force)
    update_round = UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.ACCEPTED)
    priority = PlanPriorityFactory(
        plan=plan,
        position=1,
        title="Put victims first",
        outcome="People of Durham are satisfied that the police meet their needs.",
        strategy="Listen to victims, act on what they say and report back.",
    )
    kpq = KPQFactory(number=3)
    objective = ObjectiveFactory(
        plan_priority=priority,
        number="1.1",
        title="Increase the proportion of victims satisfied with being kept informed",
    )
    objective.kpqs.add(kpq)
    metric = MetricFactory(objective=objective, name="Victim satisfaction with being kept informed", kpq=kpq)
    for as_at, value, comparison in (
        (datetime.date(2018, 12, 31), "67.2", None),
        (datetime.date(2019, 6, 30), "64.1", "67.2"),
        (datetime.date(2019, 12, 31), "66.3", "67.2"),
    ):
        MetricValueFactory(
            metric=metric,
            as_at=as_at,
            value=Decimal(value),
            comparison_value=Decimal(comparison) if comparison else None,
            period_label=f"12 months to {as_at:%b %Y}",
        )
    for n, progress in ((1, "on_track"), (2, "some_slippage")):
        activity = ActivityFactory(
            objective=objective,
            number=f"1.1.{n}",
            title="Call every victim of burglary back within 48 hours of the report",
            lead="Chief Inspector Jane Smith",
            lead_organisation=force,
        )
        ProgressUpdateFactory(
            update_round=update_round, activity=activity, state=UpdateState.ACCEPTED, progress=progress
        )
    MetricFactory(
        objective=None, activity=activity, name="Call-backs within 48 hours", unit="count", being_defined=True
    )
    return plan, metric


def _shoot(page, name: str) -> None:
    folder = os.environ.get("PLANS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_plan_page_fits_the_screen(logged_in_page, width):
    plan, metric = _plan()
    page = logged_in_page(UserFactory(role=Role.OFFICER))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/delivery/{plan.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Force Delivery Plan 2019/20")
    expect(page.get_by_text("Some slippage").first).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    _shoot(page, f"plan-{width}")

    page.goto(f"/delivery/{plan.reference}/metrics/{metric.pk}/")
    expect(page.get_by_role("img", name="Victim satisfaction with being kept informed over time")).to_be_visible()
    expect(page.get_by_role("region", name="Victim satisfaction with being kept informed over time")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    _shoot(page, f"metric-{width}")
