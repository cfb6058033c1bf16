"""A delivery plan's update from the force's spreadsheet to the public page, through the pages.

An officer imports the plan (``import_data delivery_plan``: the Import page does not offer the
kind, as it needs the plan's reference), gives activity 1.1.1 a measure, makes a Partner
contributor the lead of two activities and publishes the plan (its version 1). The officer opens
the six-monthly update round and the contributor is e-mailed; the contributor sees only their
two activities (the third activity's update and the officers' pages are refused), writes both
updates, one with the measure's value and its comparison, and submits them. The officer writes
the third, accepts all three and the round, records the board meeting with an amendment, makes
the amendment on the activity's page, makes version 2 from the meeting (the difference listed),
and prepares, signs and publishes the Commissioner's decision. An anonymous visitor then reads
the update, the measure (56.7% against 53%: up 3.7 points, better) and the decision's reference
on /plans/FDP-2027/, and the PDF says the same.

The clock: ``time_machine`` moves the server's clock (the live server runs in this process), to
days after the real date so the browser keeps the session cookies the server sets.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from delivery.models import Activity, DeliveryPlan, PlanStatus, ProgressUpdate, UpdateRound, UpdateRoundStatus
from grants.models import Decision, DecisionStatus
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.providers import OrganisationFactory

from .conftest import BROWSER_TEST
from .test_accessibility import _axe
from .test_round_journey import Journey, fill_date, success

pytestmark = BROWSER_TEST

PLAN = "FDP-2027"
TITLE = "Force Delivery Plan 2027/28"
COLUMNS = (
    "priority,outcome,strategy,objective_number,objective,activity_number,activity,lead,"
    "lead_organisation,start_date,end_date"
)
ROWS = (
    "Victims,Victims are satisfied,Call them back,1.1,Raise satisfaction,1.1.1,Call victims back,"
    "Ch Insp Smith,,2027-04-01,2028-03-31",
    "Victims,,,1.1,Raise satisfaction,1.1.2,Train call handlers,Ch Insp Smith,,2027-04-01,2028-03-31",
    "Victims,,,1.1,Raise satisfaction,1.1.3,Survey victims,Insp Brown,,2027-04-01,2028-03-31",
)
NARRATIVE = "Every victim was called back within two days."


@pytest.fixture
def journey(browser, live_server, time_machine, settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path / "media"
    journey = Journey(browser, live_server, time_machine)
    yield journey
    journey.close(failed=getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed)


def import_plan(tmp_path) -> None:
    OrganisationFactory(name="Durham Constabulary")
    source = tmp_path / "plan.csv"
    source.write_text("\n".join((COLUMNS, *ROWS)) + "\n")
    call_command(
        "import_data",
        "delivery_plan",
        str(source),
        "--plan",
        PLAN,
        "--title",
        TITLE,
        "--owner",
        "Durham Constabulary",
        "--fy",
        "2027",
    )


def activity(number: str) -> Activity:
    return Activity.objects.get(plan__reference=PLAN, number=number)


def update_of(number: str) -> ProgressUpdate:
    return ProgressUpdate.objects.get(activity__number=number, update_round__plan__reference=PLAN)


def set_up_plan(page: Page, contributor) -> None:
    """The measure on 1.1.1, the contributor as the lead of 1.1.1 and 1.1.2, then publish."""
    page.goto(f"/delivery/{PLAN}/activities/{activity('1.1.1').pk}/metrics/new/")
    page.get_by_label("Name", exact=True).fill("Victims satisfied with the service")
    page.get_by_label("Unit", exact=True).select_option("percent")
    page.get_by_label("Higher is better").check()
    page.get_by_role("button", name="Save").click()
    success(page, "")
    for number in ("1.1.1", "1.1.2"):
        page.goto(f"/delivery/{PLAN}/activities/{activity(number).pk}/edit/")
        page.get_by_label("Lead's account").select_option(str(contributor.pk))
        page.get_by_role("button", name="Save").click()
        success(page, "")
    page.goto(f"/delivery/{PLAN}/")
    page.get_by_role("button", name="Publish the plan").click()
    page.get_by_role("button", name="Publish the plan").click()
    success(page, "published")
    assert DeliveryPlan.objects.get(reference=PLAN).status == PlanStatus.PUBLISHED


def open_round(page: Page) -> None:
    page.goto(f"/delivery/{PLAN}/")
    page.get_by_role("button", name="Open an update round").click()
    page.get_by_label("Period", exact=True).fill("2027-H1")
    fill_date(page, "deadline", datetime.date(2027, 10, 31))
    page.get_by_role("button", name="Open the round and ask the leads").click()
    success(page, "update round is open")


def write_update(page: Page, status: str, narrative: str, metric_values: dict | None = None) -> None:
    page.get_by_label(status, exact=True).check()
    page.get_by_label("Progress update", exact=True).fill(narrative)
    for name, day in (metric_values or {}).items():
        if isinstance(day, datetime.date):
            fill_date(page, name, day)
        else:
            page.locator(f"input[name={name}]").fill(day)
    page.get_by_role("button", name="Submit the update").click()


def contributor_writes(journey: Journey, contributor) -> None:
    page = journey.as_(contributor.username)
    expect(page).to_have_url(f"{journey.live_server.url}/contribute/")
    main = page.locator("main")
    expect(main).to_contain_text("Call victims back")
    expect(main).to_contain_text("Train call handlers")
    expect(main).not_to_contain_text("Survey victims")
    # Another activity's update and the officers' pages are refused.
    assert page.request.get(f"/contribute/updates/{update_of('1.1.3').pk}/").status in (403, 404)
    assert page.request.get("/delivery/").status == 403
    metric = activity("1.1.1").metrics.get()
    prefix = f"metric_{metric.pk}_"
    page.goto(f"/contribute/updates/{update_of('1.1.1').pk}/")
    write_update(
        page,
        "On track",
        NARRATIVE,
        {
            f"{prefix}value": "56.7",
            f"{prefix}as_at": datetime.date(2027, 9, 30),
            f"{prefix}comparison_value": "53",
            f"{prefix}comparison_as_at": datetime.date(2026, 9, 30),
        },
    )
    success(page, "")
    page.goto(f"/contribute/updates/{update_of('1.1.2').pk}/")
    write_update(page, "Some slippage", "Two of the three courses have run.")
    success(page, "")
    assert update_of("1.1.1").state == update_of("1.1.2").state == "submitted"


def officer_accepts(page: Page, round_pk: int) -> None:
    # From the plans' list to the plan and its round, by the pages' links.
    page.goto("/delivery/")
    page.get_by_role("link", name=TITLE).click()
    page.locator("#rounds").locator("xpath=following-sibling::table[1]").get_by_role("link", name="H1 2027/28").click()
    expect(page.locator("h1")).to_have_text("Update round 2027-H1")
    page.get_by_role("link", name="Write the update on 1.1.3").click()
    write_update(page, "On track", "The survey went out in July.")
    for number in ("1.1.1", "1.1.2", "1.1.3"):
        page.goto(f"/delivery/rounds/{round_pk}/")
        page.get_by_role("button", name=f"Accept {number}").click()
    page.goto(f"/delivery/rounds/{round_pk}/")
    page.get_by_role("button", name="Accept the update").click()
    assert UpdateRound.objects.get(pk=round_pk).status == UpdateRoundStatus.ACCEPTED


def board_and_version(page: Page, round_pk: int) -> None:
    page.goto(f"/delivery/rounds/{round_pk}/")
    page.get_by_role("button", name="Record the board meeting").click()
    page.get_by_label("Board", exact=True).select_option("strategy_performance")
    fill_date(page, "held_on", datetime.date(2027, 11, 18))
    page.get_by_label("Amendments agreed").fill("Give 1.1.3 to Supt Jones.")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.locator("h1")).to_have_text("Strategy and Performance Board, 18 November 2027")
    meeting_url = page.url

    page.goto(f"/delivery/{PLAN}/activities/{activity('1.1.3').pk}/edit/")
    page.get_by_label("Lead person", exact=True).fill("Supt Jones")
    page.get_by_role("button", name="Save").click()
    success(page, "")

    page.goto(meeting_url)
    page.get_by_role("button", name="Make version 2 of the plan from this meeting").click()
    success(page, "Version 2 of plan FDP-2027")
    page.get_by_role("link", name="version 2 of the plan").click()
    expect(page.locator("h1")).to_have_text("Version 2")
    differences = page.locator("main table")
    expect(differences).to_contain_text("Insp Brown")
    expect(differences).to_contain_text("Supt Jones")


def decide(page: Page, round_pk: int) -> str:
    page.goto(f"/delivery/rounds/{round_pk}/")
    page.get_by_role("button", name="Prepare the Commissioner's decision").click()
    page.get_by_role("button", name="Prepare the draft decision").click()
    success(page, "prepared as a draft")
    page.get_by_role("button", name="Record as signed").click()
    success(page, "signed")
    page.get_by_role("button", name="Record as published").click()
    page.get_by_role("button", name="Record as published").click()
    success(page, "published")
    decision = Decision.objects.get(update_round_id=round_pk)
    assert decision.status == DecisionStatus.PUBLISHED
    # Back on the round's page, the decision is listed and not offered again.
    page.goto(f"/delivery/rounds/{round_pk}/")
    expect(page.locator("main")).to_contain_text(decision.reference)
    expect(page.get_by_role("button", name="Prepare the Commissioner's decision")).to_have_count(0)
    assert _axe(page) == [], "the round's page"
    page.get_by_role("link", name=PLAN, exact=True).click()  # the breadcrumb back to the plan
    expect(page.locator("main")).to_contain_text("Considered by the board")
    assert _axe(page) == [], "the plan's page"
    return decision.reference


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def test_a_plan_update_goes_from_the_contributor_to_the_public_page(journey, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing (Debian package poppler-utils)")
    officer = UserFactory(role=Role.OFFICER, username="officer")
    contributor = UserFactory(
        role=Role.PARTNER, username="jsmith", first_name="Jane", last_name="Smith", email="jane.smith@force.example"
    )

    journey.on(datetime.date(2027, 4, 12))
    import_plan(tmp_path)
    assert list(Activity.objects.filter(plan__reference=PLAN).values_list("number", flat=True)) == [
        "1.1.1",
        "1.1.2",
        "1.1.3",
    ]
    officer_page = journey.as_(officer.username)
    set_up_plan(officer_page, contributor)

    journey.on(datetime.date(2027, 10, 1))
    mail.outbox.clear()
    officer_page = journey.as_(officer.username)  # signed in again: the clock moved weeks on
    open_round(officer_page)
    round_pk = UpdateRound.objects.get(plan__reference=PLAN, period="2027-H1").pk
    to_contributor = [message for message in mail.outbox if message.to == ["jane.smith@force.example"]]
    assert len(to_contributor) == 1
    assert "Call victims back" in to_contributor[0].body and "Survey victims" not in to_contributor[0].body

    journey.on(datetime.date(2027, 10, 20))
    contributor_writes(journey, contributor)

    journey.on(datetime.date(2027, 11, 1))
    officer_page = journey.as_(officer.username)
    officer_accepts(officer_page, round_pk)

    journey.on(datetime.date(2027, 11, 18), hour=15)
    officer_page = journey.as_(officer.username)
    board_and_version(officer_page, round_pk)

    journey.on(datetime.date(2027, 11, 25))
    officer_page = journey.as_(officer.username)
    reference = decide(officer_page, round_pk)

    # Anyone: the published plan with the accepted update, its measure and the decision.
    public = journey.new_page()
    public.goto(f"/plans/{PLAN}/")
    main = public.locator("main")
    expect(main).to_contain_text(NARRATIVE)
    expect(main).to_contain_text("56.7%")
    # 56.7 against 53: 56.7 - 53 = 3.7 points, higher is better, so better.
    expect(main).to_contain_text("Up 3.7 percentage points")
    expect(main).to_contain_text("Better")
    expect(main).to_contain_text(reference)
    pdf = public.request.get(f"/plans/{PLAN}.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert NARRATIVE in text and "56.7%" in text and "up 3.7 percentage points" in text.lower()
    assert "Better" in text and reference in text
