"""A year in the life of a commissioning team, through the pages alone, as the clock turns.

Nothing is seeded, imported or made in the admin except what only a system administrator keeps
(the staff accounts and the Police and Crime Plan's priority, which has no pages): the officer
registers the funders and a provider and invites its user, records a signed decision with its
amount and makes an award split across the MoJ grant and the precept, paid quarterly in arrears;
finance approves and pays the instalments; the provider submits its returns (one with a breakdown
that does not add up, explained) and the officer accepts them; a quarter left unsubmitted turns
late and is reminded; the award turns active and later ended by itself; the Panel reports for Q1
and H1 and the MoJ return for H1 carry the figures worked out by hand below, and stay the same
after a later payment.

The clock is moved with time-machine (the live server runs in this process, so it moves too) and
the daily run is what beat would run each morning (``manage.py run_daily_jobs``).

The money, worked out by hand. The award: £30,000 from the MoJ grant and £10,000 from the
precept in 2026/27, paid quarterly in arrears: instalments of £7,500 (MoJ) and £2,500 (precept),
due 1 July, 1 October, 1 January and 1 April.

    paid on       stream    amount   quarter of its paid date   half
    30 Jun 2026   MoJ       7,500    Q1 (last day)              H1
     1 Jul 2026   precept   2,500    Q2 (first day)             H1
    30 Sep 2026   MoJ       7,500    Q2 (last day of H1)        H1
     1 Oct 2026   precept   2,500    Q3 (first day of H2)       H2
    12 Apr 2027   MoJ       7,500    after the year (arrears)   –  (the "later payment")

    Q1: paid in Q1 — MoJ £7,500, precept £0; paid to date at 30 June — the same.
    H1: paid in H1 — MoJ £15,000, precept £2,500; paid to date at 30 September — the same.
    The MoJ return for H1: MoJ grant spend in the half £15,000.00 against £30,000.00 committed.
"""

from __future__ import annotations

import datetime
import re
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from grants.models import Award, AwardStatus, MonitoringReturn, Payment
from tests.factories import CommissioningPriorityFactory, KPQFactory
from tests.factories.users import TEST_PASSWORD

from .conftest import BROWSER_TEST, TIMEOUT_MS, sign_in

pytestmark = [*BROWSER_TEST, pytest.mark.due_diligence]

PROVIDER = "Harbour Women's Aid"
TITLE = "Independent domestic violence advisers"
MOJ = "MoJ victims' grant (Core)"
PRECEPT = "Police precept"
PASSWORD = "granite lantern orchard 42"
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def eager_celery(settings, tmp_path):
    from pcc_commissioning.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


class Year:
    """The test's people and clock: ``on(day)`` moves the clock; ``as_(user)`` opens a fresh
    browser signed in as that user (a session ends when months pass, as it would)."""

    def __init__(self, browser, live_server, time_machine, tmp_path):
        self.browser, self.live_server, self.time_machine, self.tmp_path = browser, live_server, time_machine, tmp_path
        self.context = None

    def on(self, day: datetime.date, hour: int = 9) -> None:
        self.time_machine.move_to(datetime.datetime(day.year, day.month, day.day, hour, 0), tick=True)

    def daily_run(self, day: datetime.date) -> None:
        self.on(day, hour=6)
        call_command("run_daily_jobs")

    def as_(self, username: str, password: str = TEST_PASSWORD) -> Page:
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(base_url=self.live_server.url, locale="en-GB")
        self.context.set_default_timeout(TIMEOUT_MS)
        page = self.context.new_page()
        sign_in(page, username, password)
        assert "/accounts/login/" not in page.url, f"could not sign in as {username}"
        return page

    def close(self) -> None:
        if self.context is not None:
            self.context.close()


@pytest.fixture
def year(browser, live_server, time_machine, tmp_path):
    year = Year(browser, live_server, time_machine, tmp_path)
    yield year
    year.close()


def fill_date(page: Page, name: str, day: datetime.date) -> None:
    page.locator(f"input[name={name}_0]").fill(str(day.day))
    page.locator(f"input[name={name}_1]").fill(str(day.month))
    page.locator(f"input[name={name}_2]").fill(str(day.year))


def success(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def add_organisation(page: Page, name: str, kind: str, email: str = "") -> None:
    page.goto("/providers/new/")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Kind of organisation").select_option(label=kind)
    if email:
        page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name=re.compile("^(Add|Save)")).click()
    success(page, f"{name} has been added")


def upload_document(page: Page, tmp_path: Path, kind: str, expires: datetime.date | None = None) -> None:
    page.get_by_role("button", name=re.compile("Upload a document")).click()
    page.get_by_label("Kind of document").select_option(label=kind)
    path = tmp_path / f"{kind.split()[0].lower()}.pdf"
    path.write_bytes(PDF_BYTES)
    page.get_by_label("File").set_input_files(str(path))
    fill_date(page, "valid_from", datetime.date(2026, 1, 1))
    if expires:
        fill_date(page, "expires_on", expires)
    page.get_by_role("button", name=re.compile("^Upload")).click()
    success(page, "has been uploaded")


def instalment_row(page: Page, stream: str, period: str):
    return (
        page.locator("#payments ~ table tbody tr, table:has(caption:text-matches('Payments of')) tbody tr")
        .filter(has_text=stream)
        .filter(has_text=f"Instalment {period}")
    )


def approve_and_pay(
    page: Page, award_url: str, stream: str, period: str, paid: datetime.date, due_diligence_reason: str = ""
) -> None:
    page.goto(award_url)
    row = instalment_row(page, stream, period)
    row.get_by_role("link", name=re.compile("^Approve")).click()
    if due_diligence_reason:
        page.get_by_label("Why go ahead although the due diligence is not in order?").fill(due_diligence_reason)
    page.get_by_role("button", name="Approve for paying").click()
    success(page, "has been approved for paying")
    row = instalment_row(page, stream, period)
    row.get_by_role("link", name=re.compile("^Mark paid")).click()
    fill_date(page, "paid_date", paid)
    page.get_by_role("button", name="Save").click()
    success(page, "has been marked as paid on")


def submit_return(
    page: Page, quarter: str, *, referrals: int, supported: int, female: int, male: int, explanation: str = ""
) -> None:
    page.goto("/portal/")
    page.get_by_role(
        "link", name=re.compile("Fill in the return for .* " + re.escape(quarter).replace("/", r"\/"))
    ).click()
    page.get_by_label("Referrals received").fill(str(referrals))
    page.get_by_label("Victims supported (new in the quarter)").fill(str(supported))
    page.get_by_role("button", name="Save and continue").click()
    page.locator("#id_crime__domestic_abuse").fill(str(supported))
    page.locator("#id_sex__female").fill(str(female))
    page.locator("#id_sex__male").fill(str(male))
    if explanation:
        page.get_by_label("Why do the breakdowns not add up?").fill(explanation)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Check your answers and submit").click()
    page.get_by_role("button", name="Submit return").click()
    success(page, "has been submitted")


def accept_return(page: Page, award: Award, fy: int, quarter: int, rag: str) -> None:
    ret = MonitoringReturn.objects.get(award=award, fy=fy, quarter=quarter)
    page.goto(f"/grants/monitoring/returns/{ret.pk}/")
    page.get_by_label(rag).check()
    page.get_by_role("button", name="Accept the return").click()
    success(page, "accepted")


def panel_report_text(page: Page, tmp_path: Path, period: str) -> str:
    """Request the Panel report for 2026/27 ``period``, download the PDF and return its text."""
    page.goto("/reports/request/")
    if page.get_by_label("Police and Crime Panel report").count():
        page.get_by_label("Police and Crime Panel report").check()
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("Financial year").select_option("2026")
    page.get_by_label("Period").select_option(period)
    page.get_by_role("button", name="Request report").click()
    expect(page.locator("#report-status")).to_contain_text("Succeeded", timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    pdf = tmp_path / f"panel-{period}-{datetime.datetime.now():%Y%m%d%H%M%S%f}.pdf"
    Path(download.value.path()).replace(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    return re.sub(r"[ \t]+", " ", text)


def test_a_year_in_the_life(year, officer, finance_officer, eager_celery, tmp_path):
    # What only the system administrator keeps: the Plan's priority and a KPQ it answers.
    kpq = KPQFactory(number=3, question="How well are victims supported?")
    CommissioningPriorityFactory(name="Victims services")

    # 2 March 2026. The officer registers the funders, the streams and the provider ---------------
    year.on(datetime.date(2026, 3, 2))
    page = year.as_(officer.username)
    add_organisation(page, "Ministry of Justice", "Central government")
    add_organisation(page, "Office of the Police and Crime Commissioner", "Police and crime commissioner")
    add_organisation(page, PROVIDER, "Voluntary or community sector", email="office@harbour.example")
    provider_url = page.url
    for name, source, kind, moj in (
        (MOJ, "Ministry of Justice", "Central government grant", True),
        (PRECEPT, "Office of the Police and Crime Commissioner", "Precept", False),
    ):
        page.goto("/grants/streams/new/")
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Where the money comes from").select_option(label=source)
        page.get_by_label("Kind of stream").select_option(label=kind)
        if moj:
            page.get_by_label(re.compile("Reported to the MoJ")).check()
        page.get_by_role("button", name=re.compile("^(Add|Save)")).click()
        success(page, name)

    # Its due diligence: the three documents a voluntary organisation must hold.
    page.goto(provider_url + "documents/")
    upload_document(page, tmp_path, "Safeguarding policy")
    upload_document(page, tmp_path, "Insurance certificate", expires=datetime.date(2027, 3, 31))
    upload_document(page, tmp_path, "Annual accounts")

    # … and invites its user, who sets a password and lands in the portal.
    page.goto(provider_url)
    page.get_by_role("navigation", name="Organisation sections").get_by_role("link", name="Users").click()
    page.get_by_role("button", name="Invite a user").click()
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Rahman")
    page.get_by_label("Email address").fill("sam@harbour.example")
    page.get_by_role("button", name="Send invitation").click()
    success(page, "An invitation has been sent to Sam Rahman")
    link = re.search(r"https?://\S+/invitations/[\w-]+/", mail.outbox[-1].body).group(0)
    invitee = year.browser.new_context(base_url=year.live_server.url, locale="en-GB").new_page()
    invitee.goto(link)
    invitee.get_by_label("Create a password").fill(PASSWORD)
    invitee.get_by_label("Type the password again").fill(PASSWORD)
    invitee.get_by_role("button", name="Create account and sign in").click()
    expect(invitee.locator(".govuk-caption-l")).to_have_text(PROVIDER)
    invitee.context.close()

    # Finance sets the year's allocations.
    page = year.as_(finance_officer.username)
    for name, amount in ((MOJ, "500,000"), (PRECEPT, "200,000")):
        page.goto("/grants/streams/")
        page.get_by_role("link", name=name).click()
        page.get_by_role("button", name=re.compile("allocation", re.I)).click()
        page.get_by_label("Financial year").select_option(label="2026/27")
        page.get_by_label("Amount (£)").fill(amount)
        page.get_by_role("button", name=re.compile("^Save")).click()
        success(page, "")

    # The officer records the decision with the amount the PCC approved, signed on 2 March.
    page = year.as_(officer.username)
    page.goto("/grants/decisions/new/")
    page.get_by_label("Reference", exact=True).fill("PCC-2026-014")
    page.get_by_label("Subject").fill("Independent domestic violence advisers 2026/27")
    fill_date(page, "decided_on", datetime.date(2026, 3, 2))
    page.get_by_label("Amount approved (£)").fill("40,000")
    page.get_by_role("button", name="Add decision").click()
    success(page, "PCC-2026-014")
    decision_url = page.url
    page.get_by_role("button", name="Record as signed").click()
    success(page, "is recorded as signed")

    # … and the award: £30,000 from the MoJ grant and £10,000 from the precept.
    page.goto("/grants/awards/new/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Provider").select_option(label=PROVIDER)
    page.get_by_label("Kind of award").select_option(label="Grant")
    page.get_by_label("Commissioning priority").select_option(label="Victims services")
    page.get_by_role("button", name="Continue").click()
    fill_date(page, "start_date", datetime.date(2026, 4, 1))
    fill_date(page, "end_date", datetime.date(2027, 3, 31))
    page.get_by_role("button", name="Continue").click()
    page.locator("select[name=lines-0-stream]").select_option(label=MOJ)
    page.locator("select[name=lines-0-fy]").select_option(label="2026/27")
    page.locator("input[name=lines-0-amount]").fill("30,000")
    page.locator("select[name=lines-1-stream]").select_option(label=PRECEPT)
    page.locator("select[name=lines-1-fy]").select_option(label="2026/27")
    page.locator("input[name=lines-1-amount]").fill("10000")
    page.get_by_label("Decision of the PCC").select_option(
        label="PCC-2026-014 Independent domestic violence advisers 2026/27"
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("MoJ service category").select_option(label="Independent Domestic Violence Adviser (IDVA)")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # the description: nothing to add
    page.get_by_role("button", name="Add award").click()
    success(page, "has been added")
    award_url = page.url
    award = Award.objects.get(title=TITLE)
    award.kpqs.add(kpq)

    page.get_by_role("link", name="Set up a payment plan").click()
    page.get_by_label("Quarterly").check()
    page.get_by_label("In arrears (due the day after each period ends)").check()
    page.get_by_role("button", name="Save the plan").click()
    success(page, "The payment plan is saved")
    page.get_by_role("button", name="Mark as awarded").click()
    success(page, "is now awarded")
    # Made, it owes a return for each quarter; the plan has scheduled eight instalments.
    assert MonitoringReturn.objects.filter(award=award).count() == 4
    assert Payment.objects.filter(award=award).count() == 8

    # 10 March: the decision went on the website on 9 March.
    year.on(datetime.date(2026, 3, 10))
    page = year.as_(officer.username)
    page.goto(decision_url)
    page.get_by_role("button", name="Record as published").click()
    fill_date(page, "published_on", datetime.date(2026, 3, 9))
    page.get_by_role("button", name="Record as published").click()
    success(page, "published on 9 March 2026")

    # 1 April 2026: the daily run makes the award active by itself --------------------------------
    year.daily_run(datetime.date(2026, 3, 31))
    award.refresh_from_db()
    assert award.status == AwardStatus.AWARDED
    year.daily_run(datetime.date(2026, 4, 1))
    award.refresh_from_db()
    assert award.status == AwardStatus.ACTIVE
    year.on(datetime.date(2026, 4, 1))
    page = year.as_(officer.username)
    page.goto(award_url)
    expect(page.locator("#history ~ .moj-timeline").first).to_contain_text("by the daily run")

    # 30 June (the last day of Q1): finance approves and pays the MoJ Q1 instalment early.
    year.on(datetime.date(2026, 6, 30))
    page = year.as_(finance_officer.username)
    approve_and_pay(page, award_url, MOJ, "Q1 2026/27", datetime.date(2026, 6, 30))
    # 1 July: the precept's, on the first day of Q2.
    year.on(datetime.date(2026, 7, 1))
    page = year.as_(finance_officer.username)
    approve_and_pay(page, award_url, PRECEPT, "Q1 2026/27", datetime.date(2026, 7, 1))

    # 10 July: the provider submits Q1; 15 July the officer accepts it.
    year.on(datetime.date(2026, 7, 10))
    page = year.as_("sam@harbour.example", PASSWORD)
    submit_return(page, "Q1 2026/27", referrals=30, supported=24, female=20, male=4)
    year.on(datetime.date(2026, 7, 15))
    page = year.as_(officer.username)
    accept_return(page, award, 2026, 1, "Green")

    # 20 July: the Panel report for Q1, generated as soon as its return is in.
    year.on(datetime.date(2026, 7, 20))
    page = year.as_(officer.username)
    q1_first = panel_report_text(page, tmp_path, "Q1")

    # 30 September (the last day of H1) and 1 October (the first of H2).
    year.on(datetime.date(2026, 9, 30))
    page = year.as_(finance_officer.username)
    approve_and_pay(page, award_url, MOJ, "Q2 2026/27", datetime.date(2026, 9, 30))
    year.on(datetime.date(2026, 10, 1))
    page = year.as_(finance_officer.username)
    approve_and_pay(page, award_url, PRECEPT, "Q2 2026/27", datetime.date(2026, 10, 1))

    # 12 October: Q2 is submitted with a sex breakdown that does not add up, explained.
    year.on(datetime.date(2026, 10, 12))
    page = year.as_("sam@harbour.example", PASSWORD)
    submit_return(
        page,
        "Q2 2026/27",
        referrals=35,
        supported=28,
        female=20,
        male=5,
        explanation="Three people did not want to say.",
    )
    year.on(datetime.date(2026, 10, 14))
    page = year.as_(officer.username)
    ret = MonitoringReturn.objects.get(award=award, fy=2026, quarter=2)
    page.goto(f"/grants/monitoring/returns/{ret.pk}/")
    expect(page.locator("main")).to_contain_text("Three people did not want to say.")
    accept_return(page, award, 2026, 2, "Amber")

    # Q3 is never submitted: reminded as due on 13 January, late on 21 January.
    mail.outbox.clear()
    year.daily_run(datetime.date(2027, 1, 13))
    assert [m.subject for m in mail.outbox if "Q3 2026/27" in m.subject][0].startswith("Due 20 January 2027")
    year.daily_run(datetime.date(2027, 1, 21))
    late = [m for m in mail.outbox if m.subject.startswith("Late:")]
    assert len(late) == 1 and late[0].to == ["office@harbour.example"]
    year.daily_run(datetime.date(2027, 1, 21))  # the same day again: nothing more
    assert len([m for m in mail.outbox if m.subject.startswith("Late:")]) == 1
    year.on(datetime.date(2027, 1, 21))
    page = year.as_(officer.username)
    page.goto("/grants/monitoring/returns/?show=late")
    expect(page.locator("main table")).to_contain_text(award.reference)

    # 1 April 2027: the award has ended, by itself.
    year.daily_run(datetime.date(2027, 4, 1))
    award.refresh_from_db()
    assert award.status == AwardStatus.ENDED

    # 10 April 2027: the Panel reports for Q1 and H1, and the MoJ return for H1 ------------------
    year.on(datetime.date(2027, 4, 10))
    page = year.as_(officer.username)
    page.goto("/reports/moj/2026/h1/")
    check_moj_h1(page)  # the officer starts the H1 return
    q1 = panel_report_text(page, tmp_path, "Q1")
    h1 = panel_report_text(page, tmp_path, "H1")
    check_q1(q1)
    check_h1(h1)
    assert figures(q1) == figures(q1_first)  # months later, after more payments and returns

    # 12 April 2027: a later payment (the Q3 MoJ instalment, in arrears) changes neither report.
    # The provider's insurance certificate expired on 31 March: approving warns, and needs a reason.
    year.on(datetime.date(2027, 4, 12))
    page = year.as_(finance_officer.username)
    page.goto(award_url)
    instalment_row(page, MOJ, "Q3 2026/27").get_by_role("link", name=re.compile("^Approve")).click()
    page.get_by_role("button", name="Approve for paying").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        f"{PROVIDER}'s due diligence is not in order: the insurance certificate expired on 31 March 2027."
    )
    approve_and_pay(
        page,
        award_url,
        MOJ,
        "Q3 2026/27",
        datetime.date(2027, 4, 12),
        due_diligence_reason="Renewal certificate seen by e-mail on 9 April",
    )
    page = year.as_(officer.username)
    assert figures(panel_report_text(page, tmp_path, "Q1")) == figures(q1)
    assert figures(panel_report_text(page, tmp_path, "H1")) == figures(h1)
    page.goto("/reports/moj/2026/h1/")
    check_moj_h1(page)


def figures(text: str) -> list[str]:
    """Every sum of money in a report's text, in order (what must not change)."""
    return re.findall(r"£[\d,]+(?:\.\d\d)?", text)


def row(text: str, label: str) -> str:
    """The line of a report's text that starts with ``label`` (one table row)."""
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith(label)]
    assert lines, f"no line starting {label!r}"
    return lines[0]


def check_q1(text: str) -> None:
    # Each figure's label says which it is (the header wraps over two lines in the PDF).
    flat = " ".join(text.split())
    assert (
        "Funding stream Allocation Committed at 30 Paid in Q1 Paid to date at June 2026 2026/27 30 June 2026"
    ) in flat
    # Allocation, committed at 30 June, paid in Q1, paid to date at 30 June (worked out above):
    # the MoJ Q1 instalment paid on 30 June counts; the precept's, paid on 1 July, does not.
    assert row(text, "MoJ victims' grant (Core)").endswith("£500,000 £30,000 £7,500 £7,500")
    assert row(text, "Police precept").endswith("£200,000 £10,000 £0 £0")
    assert row(text, "Victims services").endswith("£40,000 £7,500 £7,500")
    assert "Independent domestic violence advisers" in text and "RAG ratings by priority" in text


def check_h1(text: str) -> None:
    flat = " ".join(text.split())
    assert (
        "Funding stream Allocation Committed at 30 Paid in H1 Paid to date at September 2026 2026/27 30 September 2026"
    ) in flat
    # H1: both MoJ instalments (30 June, 30 September) and the precept's of 1 July; not the
    # precept's of 1 October (H2).
    assert row(text, "MoJ victims' grant (Core)").endswith("£500,000 £30,000 £15,000 £15,000")
    assert row(text, "Police precept").endswith("£200,000 £10,000 £2,500 £2,500")
    assert row(text, "Total £700,000").endswith("£40,000 £17,500 £17,500")
    # Q1's 24 and Q2's 28 victims supported, both returns accepted: 52.
    assert re.search(r"Total 65 52", text)
    # The same stream and half give the same figures in every section: the funding table and
    # the MoJ section (committed £30,000, paid in H1 £15,000, paid to date £15,000).
    moj_rows = [line.strip() for line in text.splitlines() if line.strip().startswith("MoJ victims' grant (Core)")]
    assert len(moj_rows) == 2 and all("£30,000 £15,000 £15,000" in line for line in moj_rows), moj_rows


def check_moj_h1(page: Page) -> None:
    if page.get_by_role("button", name="Start the return").count():
        page.get_by_role("button", name="Start the return").click()
    streams = page.get_by_role("table", name=re.compile("MoJ-reported funding streams"))
    # Allocation, committed, paid in the half, paid to date, unspent: the same £15,000 as the
    # Panel report's H1 funding table for this stream.
    expect(streams.locator("tbody tr").first.locator("th, td")).to_have_text(
        ["MoJ victims' grant (Core)", "–", "£500,000.00", "£30,000.00", "£15,000.00", "£15,000.00", "£485,000.00"]
    )
    issues = page.locator("#issues ~ *, main").first
    expect(issues).to_contain_text(
        "the sex breakdown for Q2 2026/27 adds up to 25, not the 28 victims supported. "
        "The provider's explanation: “Three people did not want to say.”"
    )
    expect(page.locator("main")).not_to_contain_text("has no MoJ service category")
