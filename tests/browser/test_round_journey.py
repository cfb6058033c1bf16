"""A grant round from start to finish, through the pages.

An officer sets the round up and publishes it; the public page shows it; two organisations
register (one is told it is not eligible before writing anything, the other applies and gets a
receipt); a provider's user is refused after the closing time; the officer screens; a board
member and an invited external assessor score (the assessor declares a conflict on one
application and cannot open it); the ranking's order, weighted scores and recommendations are
checked against numbers worked out by hand; the panel changes one amount, with a reason; the
decision is prepared, signed on the decision register and the awards made; the outcome e-mails
go; the results are published; and the awards appear in the awards list, the grants register and
the 360Giving file (``fromOpenCall`` "Yes").

The clock: ``time_machine`` moves the server's clock (the live server runs in this process), to
days after the real date so the browser keeps the session cookies the server sets.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from grants.models import Award, AwardStatus
from rounds.models import (
    Application,
    ApplicationStatus,
    Assignment,
    BudgetLine,
    Criterion,
    Eligibility,
    Round,
    RoundStatus,
)
from tests.factories import ApplicantOrganisationFactory, CommissioningPriorityFactory, FundingStreamFactory
from tests.factories.rounds import ApplicationFactory
from tests.factories.users import TEST_PASSWORD

from .conftest import ARTIFACTS, BROWSER_TEST, TIMEOUT_MS, sign_in

pytestmark = BROWSER_TEST

ROUND = "CSF-2027"
NAME = "Community Safety Fund 2027"
PASSWORD = "violet harbour lantern 42"
LINK = re.compile(r"https?://\S+")


class Journey:
    """The test's clock and people: ``on(day, hour)`` moves the server's clock (ticking);
    ``as_(user)`` opens a fresh browser context signed in as that user."""

    def __init__(self, browser, live_server, time_machine):
        self.browser, self.live_server, self.time_machine = browser, live_server, time_machine
        self.contexts = []

    def on(self, day: datetime.date, hour: int = 9, minute: int = 0) -> None:
        self.time_machine.move_to(datetime.datetime(day.year, day.month, day.day, hour, minute), tick=True)

    def new_page(self) -> Page:
        context = self.browser.new_context(base_url=self.live_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return context.new_page()

    def as_(self, username: str, password: str = TEST_PASSWORD) -> Page:
        page = self.new_page()
        sign_in(page, username, password)
        assert "/accounts/login/" not in page.url, f"could not sign in as {username}"
        return page

    def close(self, failed: bool) -> None:
        if failed:  # what each person saw last
            ARTIFACTS.mkdir(exist_ok=True)
            for number, context in enumerate(self.contexts):
                for page in context.pages:
                    (ARTIFACTS / f"round_journey_{number}.html").write_text(page.content())
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(browser, live_server, time_machine, settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.THREESIXTY_GIVING_PREFIX = "pcctest"
    settings.OPCC_ORG_ID = "360G-pcctest-opcc"
    journey = Journey(browser, live_server, time_machine)
    yield journey
    journey.close(failed=getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed)


def fill_date(page: Page, name: str, day: datetime.date) -> None:
    page.locator(f"input[name={name}_0]").fill(str(day.day))
    page.locator(f"input[name={name}_1]").fill(str(day.month))
    page.locator(f"input[name={name}_2]").fill(str(day.year))


def success(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def link_in(message) -> str:
    return LINK.search(message.body).group(0)


# Set-up ------------------------------------------------------------------------------------------


def set_up_round(page: Page) -> None:
    page.goto("/rounds/new/")
    page.get_by_label("Reference", exact=True).fill(ROUND)
    page.get_by_label("Name", exact=True).fill(NAME)
    page.get_by_label("What it funds").fill("Projects that make neighbourhoods safer.")
    page.get_by_label("Commissioning priority").select_option(label="Safer neighbourhoods")
    page.get_by_label("Funding stream").select_option(label="Community safety precept")
    page.get_by_label("Financial year").fill("2027")
    page.get_by_label("Budget (£)").fill("20,000")
    page.get_by_label("Over-allocation allowed (%)").fill("0")
    page.get_by_label("Smallest request (£)").fill("1,000")
    page.get_by_label("Largest request (£)").fill("15,000")
    fill_date(page, "opens_on", datetime.date(2027, 3, 2))
    page.get_by_label("Opening time").fill("09:00")
    fill_date(page, "closes_on", datetime.date(2027, 3, 20))
    page.get_by_label("Closing time").fill("12:00")
    page.get_by_label("Pass mark").fill("50")
    fill_date(page, "award_start", datetime.date(2027, 4, 1))
    fill_date(page, "award_end", datetime.date(2028, 3, 31))
    page.get_by_role("button", name="Set up the round").click()
    success(page, "")


def add_part(page: Page, segment: str, fields: dict[str, str], selects: dict[str, str], button: str) -> None:
    page.goto(f"/rounds/{ROUND}/{segment}/new/")
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    for label, value in selects.items():
        page.get_by_label(label, exact=True).select_option(label=value)
    page.get_by_role("button", name=button).click()
    success(page, "")


def define_round(page: Page) -> None:
    add_part(
        page,
        "eligibility",
        {"Key": "constituted", "Question": "Is your organisation a constituted body?"},
        {"Kind of answer": "Yes or no", "Answer needed (yes or no questions)": "Yes"},
        "Add eligibility question",
    )
    add_part(
        page,
        "questions",
        {"Key": "need", "Question": "What need will the project meet?", "Word limit": "50"},
        {"Kind of answer": "Text"},
        "Add question",
    )
    add_part(
        page,
        "questions",
        {"Key": "budget", "Question": "How will you spend the grant?"},
        {"Kind of answer": "Budget table"},
        "Add question",
    )
    add_part(
        page,
        "criteria",
        {"Key": "need", "Criterion": "Meets a local need", "Weight": "60", "Maximum score": "5"},
        {},
        "Add criterion",
    )
    add_part(
        page,
        "criteria",
        {"Key": "delivery", "Criterion": "Can be delivered", "Weight": "40", "Maximum score": "5"},
        {},
        "Add criterion",
    )


def publish_round(page: Page) -> None:
    page.goto(f"/rounds/{ROUND}/")
    page.get_by_role("button", name="Publish the round").click()
    page.get_by_role("button", name="Publish the round").click()
    success(page, "")
    assert Round.objects.get(reference=ROUND).status == RoundStatus.PUBLISHED


# Applying ----------------------------------------------------------------------------------------


def register(page: Page, organisation: str, charity_number: str, first_name: str, email: str) -> None:
    """Register through apply:register and confirm the e-mail address by its link."""
    page.goto("/apply/register/")
    page.get_by_label("Organisation's name").fill(organisation)
    page.get_by_label("Kind of organisation").select_option(label="Voluntary or community sector")
    page.get_by_label("Charity number").fill(charity_number)
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill("Applicant")
    page.get_by_label("Your email address").fill(email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    sent = [message for message in mail.outbox if message.to == [email]]
    assert len(sent) == 1, [message.subject for message in mail.outbox]
    page.goto(link_in(sent[0]))
    page.get_by_role("button", name="Confirm and sign in").click()
    success(page, f"Thank you, {first_name}")


def start_application(page: Page) -> None:
    page.goto("/apply/")
    page.get_by_role("link", name=f"Apply to {NAME}").click()
    page.get_by_role("button", name="Start an application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Eligibility")


def answer_eligibility(page: Page, answer: str) -> None:
    page.get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Save and continue").click()


def write_application(page: Page, title: str, amount: str, need: str, costs: list[tuple[str, str]]) -> None:
    """From the project's details to the check-answers page."""
    page.get_by_label("Project title").fill(title)
    page.get_by_label("Amount you are asking for").fill(amount)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("What need will the project meet?").fill(need)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("How will you spend the grant?")
    for item, cost in costs:
        page.get_by_label("Cost item").fill(item)
        page.get_by_label("Cost", exact=True).fill(cost)
        page.get_by_role("button", name="Add this cost").click()
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")


# Screening and assessment ------------------------------------------------------------------------


def screen_eligible(page: Page, reference: str) -> None:
    page.goto(f"/rounds/{ROUND}/applications/{reference}/")
    page.get_by_label("Eligible", exact=True).check()
    page.get_by_label("Reason").first.fill("Constituted charity; the request is within the round's range.")
    page.get_by_role("button", name="Save screening").click()
    success(page, f"Application {reference} has been screened")


def open_assignment(page: Page, organisation: str) -> None:
    page.goto("/assess/")
    page.locator("table tr").filter(has_text=organisation).get_by_role("link").click()


def declare(page: Page, conflict: bool) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Conflict of interest")
    page.get_by_label("Yes" if conflict else "No", exact=True).check()
    if conflict:
        page.get_by_label("What is the conflict?").fill("I am a trustee of this charity.")
    page.get_by_role("button", name="Continue").click()


def score(page: Page, scores: dict[str, int]) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Score")
    for key, value in scores.items():
        criterion = Criterion.objects.get(round__reference=ROUND, key=key)
        page.locator(f"input[name=score_{criterion.pk}][value='{value}']").check()
    page.get_by_role("button", name="Submit scores").click()
    success(page, "Your scores have been submitted")


def ranking_rows(page: Page) -> list[list[str]]:
    page.goto(f"/rounds/{ROUND}/ranking/")
    rows = page.locator("main table tbody tr")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]


# The journey -------------------------------------------------------------------------------------


def test_a_round_from_set_up_to_awards_through_the_pages(journey, officer, board_member, provider_user, tmp_path):
    CommissioningPriorityFactory(code="SN", name="Safer neighbourhoods")
    FundingStreamFactory(name="Community safety precept")

    # 1 March 2027: the officer sets the round up and publishes it ---------------------------------
    journey.on(datetime.date(2027, 3, 1))
    page = journey.as_(officer.username)
    set_up_round(page)
    define_round(page)
    publish_round(page)

    # Anyone can see it on the public pages.
    public = journey.new_page()
    public.goto("/funding/")
    public.get_by_role("link", name=NAME).click()
    expect(public.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(public.locator("main")).to_contain_text("This round opens at 9am on 2 March 2027")
    expect(public.locator("main")).to_contain_text("Is your organisation a constituted body? (you must answer yes)")

    # 5 March: two organisations register; the first is not constituted ------------------------
    journey.on(datetime.date(2027, 3, 5))
    alder = journey.new_page()
    register(alder, "Alder Street Residents", "1190001", "Ada", "ada@alder.example")
    start_application(alder)
    answer_eligibility(alder, "No")
    banner = alder.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("You cannot apply to this round")
    expect(banner).to_contain_text("constituted body")
    # Told before writing anything: the project's page sends it back to eligibility.
    alder_app = Application.objects.get(organisation__name="Alder Street Residents")
    alder.goto(f"/apply/applications/{alder_app.pk}/project/")
    expect(alder.get_by_role("heading", level=1)).to_contain_text("Eligibility")

    birch = journey.new_page()
    register(birch, "Birch Youth Trust", "1190002", "Bea", "bea@birch.example")
    start_application(birch)
    answer_eligibility(birch, "Yes")
    write_application(
        birch,
        "Safer streets after dark",
        "8,000",
        "Young people have nowhere safe to go in the evenings.",
        [("Youth workers", "6,500"), ("Equipment", "1,500")],
    )
    birch.get_by_role("button", name="Submit the application").click()
    success(birch, "has been sent")
    birch_app = Application.objects.get(organisation__name="Birch Youth Trust")
    assert birch_app.status == ApplicationStatus.SUBMITTED
    receipts = [m for m in mail.outbox if m.to == ["bea@birch.example"] and "received your application" in m.body]
    assert len(receipts) == 1, [m.subject for m in mail.outbox]
    assert f"Reference: {birch_app.reference}" in receipts[0].body
    assert "Amount asked for: £8,000.00" in receipts[0].body

    # The other applications (made through the services, to keep the test short: the pages
    # have just been walked once). Oak asks £10,000, Pine £6,000.
    the_round = Round.objects.get(reference=ROUND)
    others = {}
    for name, title, amount in (
        ("Oak Community Hub", "Evening youth club", "10000"),
        ("Pine Neighbours", "Night bus patrol", "6000"),
    ):
        organisation = ApplicantOrganisationFactory(name=name)
        application = ApplicationFactory(
            round=the_round,
            organisation=organisation,
            title=title,
            amount_requested=Decimal(amount),
            contact_email=f"contact@{name.split()[0].lower()}.example",
            eligibility_answers={"constituted": True},
            answers={"need": "A real need."},
            submitted_at=datetime.datetime(2027, 3, 6, 10, 0, tzinfo=datetime.UTC),
        )
        BudgetLine.objects.create(application=application, question_key="budget", item="Staff", amount=Decimal(amount))
        others[name] = application

    # 20 March, 11:30: a provider's user writes an application, but sends it at 12:05, after the
    # round closed at noon: it is refused ----------------------------------------------------------
    journey.on(datetime.date(2027, 3, 20), 11, 30)
    late = journey.as_(provider_user.username)
    start_application(late)
    answer_eligibility(late, "Yes")
    write_application(late, "Late project", "5,000", "Something worth doing.", [("Staff", "5,000")])
    journey.on(datetime.date(2027, 3, 20), 12, 5)
    late.get_by_role("button", name="Submit the application").click()
    expect(late.locator(".govuk-error-summary")).to_contain_text(
        "The round closed at midday on 20 March 2027: applications can no longer be submitted."
    )
    late_app = Application.objects.get(title="Late project")
    assert late_app.status == ApplicationStatus.DRAFT

    # 22 March: the officer screens and sets up the panel --------------------------------------
    journey.on(datetime.date(2027, 3, 22))
    page = journey.as_(officer.username)
    references = [birch_app.reference, others["Oak Community Hub"].reference, others["Pine Neighbours"].reference]
    for reference in references:
        screen_eligible(page, reference)
    assert set(Application.objects.filter(reference__in=references).values_list("eligibility", flat=True)) == {
        Eligibility.ELIGIBLE
    }
    page.goto(f"/rounds/{ROUND}/panel/")
    page.get_by_label("Officer or board member").select_option(label=board_member.get_full_name())
    page.get_by_role("button", name="Add to the panel").click()
    success(page, "is on the panel")
    page.get_by_label("First name").fill("Eve")
    page.get_by_label("Last name").fill("External")
    page.get_by_label("Email address").fill("eve@assessors.example")
    page.get_by_role("button", name="Send the invitation").click()
    success(page, "eve@assessors.example")

    # The external assessor accepts by the link and chooses a password.
    invitation = [m for m in mail.outbox if m.to == ["eve@assessors.example"]]
    assert len(invitation) == 1
    eve = journey.new_page()
    eve.goto(link_in(invitation[0]))
    eve.get_by_label("Create a password").fill(PASSWORD)
    eve.get_by_label("Type the password again").fill(PASSWORD)
    eve.get_by_role("button", name="Create account and sign in").click()
    expect(eve.get_by_role("heading", level=1)).to_have_text("Your assessments")

    # Everyone on the panel assesses every eligible application.
    page.goto(f"/rounds/{ROUND}/panel/")
    page.get_by_role("button", name="Assign every eligible application to every panel member").click()
    success(page, "assigned")

    # Eve has a conflict with Pine and then cannot open it; she scores Birch and Oak.
    pine = others["Pine Neighbours"].reference
    oak = others["Oak Community Hub"].reference
    open_assignment(eve, "Pine Neighbours")
    declare(eve, conflict=True)
    success(eve, "you will not assess this application")
    conflicted = Assignment.objects.get(member__user__email="eve@assessors.example", application__reference=pine)
    response = eve.goto(f"/assess/assignments/{conflicted.pk}/")
    assert response.status == 403
    eve.goto("/assess/")
    expect(eve.locator("table tr").filter(has_text="Pine Neighbours").get_by_role("link")).to_have_count(0)
    for organisation, scores in (
        ("Birch Youth Trust", {"need": 5, "delivery": 4}),
        ("Oak Community Hub", {"need": 4, "delivery": 3}),
    ):
        open_assignment(eve, organisation)
        declare(eve, conflict=False)
        score(eve, scores)

    # The board member scores all three.
    board = journey.as_(board_member.username)
    for organisation, scores in (
        ("Birch Youth Trust", {"need": 4, "delivery": 3}),
        ("Oak Community Hub", {"need": 3, "delivery": 4}),
        ("Pine Neighbours", {"need": 2, "delivery": 3}),
    ):
        open_assignment(board, organisation)
        declare(board, conflict=False)
        score(board, scores)

    # The ranking, worked out by hand (weights 60 and 40, maximum score 5; weighted score =
    # 60 × mean need ÷ 5 + 40 × mean delivery ÷ 5; Eve's conflicted Pine counts only the board's):
    #   Birch: need (5 + 4) ÷ 2 = 4.5, delivery (4 + 3) ÷ 2 = 3.5 → 54 + 28 = 82.0
    #   Oak:   need (4 + 3) ÷ 2 = 3.5, delivery (3 + 4) ÷ 2 = 3.5 → 42 + 28 = 70.0
    #   Pine:  need 2, delivery 3                               → 24 + 24 = 48.0
    # Starting recommendation (pass mark 50, limit £20,000 with no over-allocation): Birch yes
    # (£8,000, running £8,000), Oak yes (£10,000, running £18,000), Pine no (below the pass mark;
    # offered £0, the running total stays £18,000).
    page = journey.as_(officer.username)
    rows = ranking_rows(page)
    assert [row[1].split("\n")[0] for row in rows] == [birch_app.reference, oak, pine]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert [row[4] for row in rows] == ["82.0", "70.0", "48.0"]
    # each criterion's mean (spread), one line each in one column
    assert [row[5].replace("\xa0", " ").split("\n") for row in rows] == [
        ["need: 4.5 (1)", "delivery: 3.5 (1)"],
        ["need: 3.5 (1)", "delivery: 3.5 (1)"],
        ["need: 2.0 (0)", "delivery: 3.0 (0)"],
    ]
    assert [row[6] for row in rows] == ["Yes, £8,000.00", "Yes, £10,000.00", "No"]
    assert [row[8:] for row in rows] == [
        ["£8,000.00", "£8,000.00"],
        ["£10,000.00", "£18,000.00"],
        ["£0.00", "£18,000.00"],
    ]

    # The panel offers Oak £9,000: running total £8,000 + £9,000 = £17,000, and Pine's stays there.
    page.get_by_role("link", name=oak).click()
    page.get_by_label("Recommended", exact=True).check()
    page.get_by_label("Amount offered (£)").fill("9000")
    page.get_by_label("Why the panel changed it").fill("The equipment can be borrowed from the council.")
    page.get_by_role("button", name=re.compile("^Save")).click()
    success(page, f"The panel's recommendation for {oak} has been saved")
    rows = ranking_rows(page)
    assert rows[1][7].startswith("Yes") and "Changed" in rows[1][7]
    assert [row[8:] for row in rows] == [
        ["£8,000.00", "£8,000.00"],
        ["£9,000.00", "£17,000.00"],
        ["£0.00", "£17,000.00"],
    ]
    expect(page.locator("main")).to_contain_text("Total offered: £17,000.00 of a limit of £20,000.00")

    # 25 March: the decision, signed on the decision register, and the awards ------------------
    journey.on(datetime.date(2027, 3, 25))
    page = journey.as_(officer.username)
    page.goto(f"/rounds/{ROUND}/decision/")
    page.get_by_role("button", name="Prepare the decision").click()
    success(page, f"Draft decision {ROUND}-DEC has been prepared")
    # £8,000 for Birch + £9,000 for Oak = £17,000, under the delegated limit.
    expect(page.locator("main")).to_contain_text("£17,000.00 approved")
    expect(page.locator("main table caption")).to_contain_text(
        "Applications the panel recommends: 2, £17,000.00 in all"
    )
    page.get_by_role("link", name=f"{ROUND}-DEC").click()
    page.get_by_role("button", name="Record as signed").click()
    success(page, "is recorded as signed")
    page.goto(f"/rounds/{ROUND}/decision/")
    mail.outbox.clear()
    page.get_by_role("button", name="Make the awards").click()
    success(page, f"The awards of round {ROUND} have been made")
    awards = {award.title: award for award in Award.objects.filter(round_application__round__reference=ROUND)}
    assert sorted(awards) == ["Evening youth club", "Safer streets after dark"]
    assert {award.status for award in awards.values()} == {AwardStatus.AWARDED}
    outcomes = {message.to[0]: message for message in mail.outbox}
    assert sorted(outcomes) == ["bea@birch.example", "contact@oak.example", "contact@pine.example"]
    assert "has awarded Birch Youth Trust a grant of £8,000.00" in outcomes["bea@birch.example"].body
    assert "has awarded Oak Community Hub a grant of £9,000.00" in outcomes["contact@oak.example"].body
    assert "it has not been successful this time" in outcomes["contact@pine.example"].body
    assert all(reference in outcomes[to].subject for reference, to in zip(references, sorted(outcomes), strict=True))
    statuses = dict(Application.objects.filter(round__reference=ROUND).values_list("reference", "status"))
    assert statuses[birch_app.reference] == statuses[oak] == ApplicationStatus.SUCCESSFUL
    assert statuses[pine] == ApplicationStatus.UNSUCCESSFUL

    # The results are published and shown on the public page.
    page.get_by_role("link", name="Publish the results").click()
    page.get_by_role("button", name="Publish the results").click()
    success(page, "")
    public.goto(f"/funding/{ROUND}/")
    results = public.locator("main table tbody tr")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("Birch Youth Trust")
    expect(results.nth(0)).to_contain_text("£8,000.00")
    expect(results.nth(1)).to_contain_text("Oak Community Hub")
    expect(results.nth(1)).to_contain_text("£9,000.00")

    # The awards list, the grants register and the 360Giving file.
    page.goto("/grants/?fy=2027")
    for award in awards.values():
        expect(page.locator("main")).to_contain_text(award.reference)
    page.goto("/reports/transparency/grants_register/?fy=all")
    for award in awards.values():
        expect(page.locator("main")).to_contain_text(award.reference)
    page.goto("/reports/transparency/360giving/?fy=all")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("JSON|Download", re.I)).first.click()
    package = json.loads(Path(download.value.path()).read_text())
    grants = {grant["title"]: grant for grant in package["grants"]}
    for title, award in awards.items():
        assert grants[title]["fromOpenCall"] == "Yes"
        assert grants[title]["id"].endswith(award.reference)
    assert grants["Evening youth club"]["amountAwarded"] == 9000
