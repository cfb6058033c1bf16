"""The public pages of delivery plans: no sign-in, published plans only, the period switch."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from delivery.models import PlanStatus
from tests.factories.delivery import DeliveryPlanFactory

from .published_plan import build_plan

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_anyone_sees_the_published_plans_newest_year_first(client):
    build_plan()
    DeliveryPlanFactory(
        title="Later plan", fy=2014, status=PlanStatus.PUBLISHED, published_on=datetime.date(2014, 5, 1)
    )
    DeliveryPlanFactory(title="Draft plan", fy=2015)
    DeliveryPlanFactory(
        title="Archived plan", fy=2012, status=PlanStatus.ARCHIVED, published_on=datetime.date(2012, 5, 1)
    )
    response = client.get("/plans/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Later plan") < page.index("Force Delivery Plan 2013/14")
    assert "Draft plan" not in page and "Archived plan" not in page
    assert "To 31 March 2014" in _text(page)
    # No signed-in navigation on a public page.
    assert "govuk-service-navigation__list" not in page


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.ARCHIVED])
def test_a_draft_or_archived_plan_is_not_found_even_for_an_officer(client, officer_client, status):
    built = build_plan(status=status)
    for name in ("plans_public:plan", "plans_public:pdf", "plans_public:pdf_page"):
        url = reverse(name, args=[built.plan.reference])
        assert client.get(url).status_code == 404
        assert officer_client.get(url).status_code == 404


def test_an_unknown_plan_is_not_found(client):
    assert client.get("/plans/NOPE/").status_code == 404
    assert client.get("/plans/NOPE.pdf").status_code == 404


def test_the_plan_page_shows_the_latest_accepted_update(client):
    build_plan()
    response = client.get("/plans/FDP-2013/")
    assert response.status_code == 200
    page = response.content.decode()
    text = _text(page)
    assert "H2 2013/14 (October 2013 to March 2014)" in text
    assert "People of Gwent are satisfied" in text
    assert "Activity 1.1.1: Hold PACT meetings in every ward" in text
    assert "Insp Ann Lee" in text
    assert "Meetings held in every ward." in text
    assert "Meetings are being arranged." not in text  # the H1 update
    assert "Submitted but not yet accepted text." not in text
    # Statuses are tags with words.
    assert '<strong class="govuk-tag govuk-tag--yellow">Some slippage</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--red">Off track</strong>' in page
    # Each metric: its latest value, the change, better or worse, a chart and a table.
    assert "56.7%" in text and "Up 3.7 percentage points on the earlier value 53% (30 September 2012)" in text
    assert "Down 0.9 percentage points on the previous value 67.2% (31 December 2012)" in text
    assert 'govuk-tag--green">Better</strong>' in page and 'govuk-tag--red">Worse</strong>' in page
    assert page.count('<img class="app-chart__image" src="data:image/svg+xml;base64,') == 2
    assert "Police deal with community issues: the values" in text
    assert "Performance measures are currently being considered for this activity." in text
    assert "PCCG-2014-033: Force Delivery Plan: update monitored" in text
    assert "PCCG-2014-040" not in text


def test_the_period_switch_shows_an_earlier_accepted_update(client):
    build_plan()
    page = client.get("/plans/FDP-2013/").content.decode()
    assert 'href="/plans/FDP-2013/?period=2013-H1"' in page
    earlier = _text(client.get("/plans/FDP-2013/?period=2013-H1").content.decode())
    assert "H1 2013/14 (April to September 2013)" in earlier
    assert "Meetings are being arranged." in earlier
    assert "Meetings held in every ward." not in earlier
    assert "Strategy and Performance Board, 20 November 2013" in earlier


@pytest.mark.parametrize("period", ["2014-H1", "rubbish", "2013-Q9"])
def test_a_period_without_an_accepted_update_is_not_found(client, period):
    build_plan()
    assert client.get(f"/plans/FDP-2013/?period={period}").status_code == 404
    assert client.get(f"/plans/FDP-2013.pdf?period={period}").status_code == 404


def test_the_pdf_at_both_addresses(client):
    build_plan()
    for url in ("/plans/FDP-2013.pdf", "/plans/FDP-2013/pdf/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
    response = client.get("/plans/FDP-2013.pdf?period=2013-h1")
    assert response["Content-Disposition"] == 'inline; filename="FDP-2013-2013-H1.pdf"'


def test_posting_is_refused(client):
    build_plan()
    assert client.post("/plans/FDP-2013/").status_code == 405
