"""After the decision, through the pages: an award's agreement, its variations, its money back and
its close-out, as the clock turns.

The award: AWD-2019-0901 to Harbour Victim Support, £20,000 in 2019/20 from an MoJ-reported
stream, running 1 April to 30 June 2019, with one approved payment of £20,000 due 5 April. The
delegated limit is £25,000 and the rule that money waits for an accepted agreement is on.

    2 Apr 2019   the officer issues the agreement; finance cannot mark the payment paid; the
                 signatory accepts in the portal; finance pays £20,000 (5 April)
    15 May 2019  the provider asks for a no-cost extension to 31 December; the officer approves:
                 returns owed for Q2 and Q3 too, and the 360Giving file ends on 2019-12-31
    1 Jul 2019   a change of value to £30,000: above the £25,000 limit, so held for the PCC's
                 decision; signed, linked, approved; finance pays the other £10,000
    Jan 2020     the award has ended; the final budget return: £28,749.50 spent of £30,000, so
                 £30,000 - £28,749.50 = £1,250.50 to recover (due 28 February)
    20 Feb 2020  the £1,250.50 comes back: paid for 2019/20 is £30,000 - £1,250.50 = £28,749.50
                 (the funding page shows whole pounds: £28,750, half up)
    then         the officer closes the award; it reads as closed, with nothing to edit

The clock: ``time_machine`` moves the server's clock (the live server runs in this process).
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from grants.models import (
    Agreement,
    AgreementStatus,
    Award,
    AwardStatus,
    MonitoringReturn,
    Payment,
    Recovery,
    RecoveryStatus,
    ReturnStatus,
    Variation,
    VariationStatus,
)
from grants.monitoring.return_data import ReturnData
from grants.monitoring.services import return_accept, return_submit
from grants.schedules.returns import award_returns_reconcile
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.agreement_acceptance import provider_user_of
from tests.factories.grants import (
    AwardFactory,
    FundingLineFactory,
    FundingStreamFactory,
    PaymentFactory,
    StreamAllocationFactory,
)
from tests.factories.providers import OrganisationFactory

from .conftest import BROWSER_TEST
from .test_accessibility import _axe
from .test_round_journey import Journey, fill_date, success

pytestmark = [*BROWSER_TEST, pytest.mark.agreement_rule]

REFERENCE = "AWD-2019-0901"
PROVIDER = "Harbour Victim Support"
STREAM = "Victims' services grant (MoJ)"
SHOTS = Path("/tmp/after-shots")


@pytest.fixture
def journey(browser, live_server, time_machine, settings, tmp_path, request):
    from pcc_commissioning.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DELEGATED_LIMIT = Decimal("25000")
    settings.THREESIXTY_GIVING_PREFIX = "pcctest"
    settings.OPCC_ORG_ID = "360G-pcctest-opcc"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the Panel report is made as it is asked for
    journey = Journey(browser, live_server, time_machine)
    yield journey
    app.conf.task_always_eager = eager
    journey.close(failed=getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed)


def pdf_text(data: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})


def set_up():
    """The people and the award, made as the decision left them."""
    people = {
        "officer": UserFactory(role=Role.OFFICER, username="officer", first_name="Olive", last_name="Okafor"),
        "finance": UserFactory(role=Role.FINANCE, username="finance", first_name="Fin", last_name="Hale"),
        "board": UserFactory(role=Role.BOARD, username="board"),
    }
    provider = OrganisationFactory(name=PROVIDER)
    people["signatory"] = provider_user_of(provider, "harbour", signatory=True, first_name="Sam", last_name="Reed")
    stream = FundingStreamFactory(name=STREAM, moj_reported=True)
    StreamAllocationFactory(stream=stream, fy=2019, amount=Decimal("100000.00"))
    award = AwardFactory(
        reference=REFERENCE,
        title="Victim support caseworkers",
        provider=provider,
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2019, 6, 30),
        lead_officer=people["officer"],
    )
    FundingLineFactory(award=award, stream=stream, fy=2019, amount=Decimal("20000.00"))
    payment = PaymentFactory(
        award=award, stream=stream, fy=2019, due_date=datetime.date(2019, 4, 5), amount=Decimal("20000.00")
    )
    award_returns_reconcile(award=award)
    return people, award, stream, payment


def post_form(page: Page, url: str, fields: dict):
    """POST ``fields`` to ``url`` as the signed-in user (with the CSRF token): the response."""
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    response = page.request.post(url, form={"csrfmiddlewaretoken": token, **fields}, headers={"Referer": page.url})
    return response


# 1 to 3: the agreement, and the money waiting for it ------------------------------------------------
def issue_agreement(page: Page, award: Award) -> Agreement:
    page.goto(f"/grants/awards/{award.pk}/agreements/")
    page.get_by_label("Template", exact=True).select_option(label="Standard grant agreement")
    page.get_by_role("button", name="Issue the agreement").click()
    success(page, "Version 1 of the agreement has been issued")
    assert _axe(page) == [], "the award's agreements page"
    return Agreement.objects.get(award=award, number=1)


def payment_waits(page: Page, award: Award, payment: Payment) -> None:
    url = f"/grants/awards/{award.pk}/payments/{payment.pk}/paid/"
    page.goto(url)
    expect(page.locator("#payment-blocked")).to_contain_text(
        f"Payments on {REFERENCE} cannot be marked paid until its grant agreement (version 1) is accepted"
    )
    expect(page.locator("main").get_by_role("button")).to_have_count(0)
    # Sent anyway (as an old tab would), it is refused with the same reason.
    response = post_form(
        page,
        url,
        {"version": str(payment.version), "paid_date_0": "5", "paid_date_1": "4", "paid_date_2": "2019"},
    )
    assert "cannot be marked paid until its grant agreement" in response.text().replace("&#x27;", "'")
    assert Payment.objects.get(pk=payment.pk).paid_date is None


def signatory_accepts(page: Page, award: Award) -> None:
    page.goto(f"/portal/awards/{award.pk}/")
    page.get_by_role("link", name="Grant agreement, version 1").click()
    expect(page.locator("h1")).to_be_visible()
    assert _axe(page) == [], "the portal's agreement page"
    shoot(page, "portal-agreement")
    expect(page.get_by_label("Your full name")).to_have_value("Sam Reed")
    page.get_by_label("Your role").fill("Chief Executive")
    page.get_by_label("I have read and accept this agreement on behalf of my organisation").check()
    page.get_by_role("button", name="Accept the agreement").click()
    success(page, f"You have accepted version 1 of the agreement for {REFERENCE}")
    assert Agreement.objects.get(award=award, number=1).status == AgreementStatus.ACCEPTED


def mark_paid(page: Page, award: Award, payment: Payment, day: datetime.date) -> None:
    page.goto(f"/grants/awards/{award.pk}/payments/{payment.pk}/paid/")
    expect(page.locator("#payment-blocked")).to_have_count(0)
    fill_date(page, "paid_date", day)
    page.get_by_role("button", name="Save").click()
    success(page, "has been marked as paid")
    assert Payment.objects.get(pk=payment.pk).paid_date == day


# 4: a no-cost extension asked for in the portal ---------------------------------------------------
def provider_asks_for_extension(page: Page, award: Award) -> Variation:
    page.goto(f"/portal/awards/{award.pk}/variations/new/")
    page.get_by_label("Time extension (no cost)").check()
    page.get_by_label("Why is the change needed?").fill(
        "Referrals rose after the summer campaign: six more months to see the caseload through, within the grant."
    )
    fill_date(page, "new_end_date", datetime.date(2019, 12, 31))
    page.get_by_role("button", name="Send the request").click()
    success(page, "has been sent to the commissioning team")
    return Variation.objects.get(award=award)


def officer_approves_extension(page: Page, award: Award, variation: Variation) -> None:
    page.goto(f"/grants/variations/{variation.pk}/")
    page.get_by_role("button", name="Approve", exact=True).click()
    success(page, "is now approved")
    page.goto(f"/grants/awards/{award.pk}/")
    expect(page.locator("main")).to_contain_text("31 December 2019")
    owed = set(MonitoringReturn.objects.filter(award=award).values_list("fy", "quarter"))
    assert owed == {(2019, 1), (2019, 2), (2019, 3)}


def threesixty_end_date(page: Page) -> str:
    response = page.request.get("/reports/transparency/360giving/download/?fy=all")
    assert response.status == 200, response.status
    package = json.loads(response.body())
    (grant,) = [grant for grant in package["grants"] if grant["id"].endswith(REFERENCE)]
    return grant["plannedDates"][0]["endDate"]


# 5: a change of value above the delegated limit ----------------------------------------------------
def officer_raises_uplift(page: Page, award: Award, stream) -> Variation:
    page.goto(f"/grants/awards/{award.pk}/variations/")
    page.get_by_label("Change of value").check()
    page.get_by_label("Why is the change needed?").fill("A cost-of-living uplift for the caseworkers' pay.")
    page.locator(f"input[name=line_{stream.pk}_2019]").fill("30,000")
    page.get_by_role("button", name="Raise the variation").click()
    success(page, "has been raised")
    return Variation.objects.filter(award=award).latest("pk")


def approve_step(page: Page, variation: Variation, button: str, status: str) -> None:
    page.goto(f"/grants/variations/{variation.pk}/")
    page.get_by_role("button", name=button, exact=True).click()
    success(page, f"is now {status}")


def sign_decision(page: Page) -> str:
    page.goto("/grants/decisions/new/")
    page.get_by_label("Reference", exact=True).fill("PCC-2019-041")
    page.get_by_label("Subject", exact=True).fill("Uplift of the victim support caseworkers grant")
    page.get_by_label("Amount approved (£)").fill("30,000")
    page.get_by_role("button", name="Add decision").click()
    page.get_by_role("button", name="Record as signed").click()
    success(page, "signed")
    return "PCC-2019-041"


def decide_and_approve(page: Page, award: Award, variation: Variation) -> None:
    reference = sign_decision(page)
    page.goto(f"/grants/variations/{variation.pk}/")
    page.get_by_label("PCC decision").select_option(label=f"{reference} Uplift of the victim support caseworkers grant")
    page.get_by_role("button", name="Link the decision").click()
    success(page, "Variation")
    approve_step(page, variation, "Approve under the PCC decision", "approved")
    page.goto(f"/grants/awards/{award.pk}/")
    expect(page.locator("main")).to_contain_text("£30,000.00")


def record_second_payment(page: Page, award: Award) -> Payment:
    page.goto(f"/grants/awards/{award.pk}/payments/new/")
    page.get_by_label("Funding stream").select_option(label=STREAM)
    page.get_by_label("Financial year it counts against").select_option(label="2019/20")
    fill_date(page, "due_date", datetime.date(2019, 7, 5))
    page.get_by_label("Amount (£)").fill("10,000")
    page.get_by_role("button", name="Record payment").click()
    success(page, "")
    return Payment.objects.get(award=award, amount=Decimal("10000.00"))


# 6 and 7: the year's money, and what comes back -----------------------------------------------------
def accept_returns(award: Award, people: dict) -> None:
    for monitoring_return in MonitoringReturn.objects.filter(award=award).order_by("quarter"):
        submitted, _ = return_submit(
            monitoring_return=monitoring_return,
            actor=people["signatory"],
            data=ReturnData(referrals=12, supported=10),
            expected_version=None,
        )
        return_accept(monitoring_return=submitted, actor=people["officer"], rag="green", expected_version=None)
    assert set(MonitoringReturn.objects.filter(award=award).values_list("status", flat=True)) == {ReturnStatus.ACCEPTED}


def record_final_return(page: Page, award: Award) -> None:
    page.goto(f"/grants/awards/{award.pk}/spend-returns/new/")
    page.get_by_label("Financial year", exact=True).select_option(label="2019/20")
    page.get_by_label("Final budget return").check()
    fill_date(page, "received_on", datetime.date(2020, 1, 10))
    page.locator("input[name=lines-0-cost_line]").fill("Caseworkers")
    page.locator("input[name=lines-0-planned]").fill("30,000")
    page.locator("input[name=lines-0-actual]").fill("28,749.50")
    page.locator("textarea[name=lines-0-variance_reason]").fill("A caseworker's post was vacant for five weeks.")
    page.get_by_role("button", name="Record the return").click()
    success(page, "has been recorded")


def raise_recovery(page: Page, award: Award) -> Recovery:
    page.goto(f"/grants/awards/{award.pk}/recoveries/new/")
    page.get_by_label("Underspend").check()
    page.get_by_label("Funding stream it was paid from").select_option(label=STREAM)
    page.get_by_label("Financial year it was paid for").select_option(label="2019/20")
    page.get_by_label("Amount to recover (£)").fill("1,250.50")
    fill_date(page, "due_date", datetime.date(2020, 2, 28))
    page.get_by_role("button", name="Raise the recovery").click()
    success(page, "")
    recovery = Recovery.objects.get(award=award)
    assert recovery.amount == Decimal("1250.50") and recovery.status == RecoveryStatus.RAISED
    return recovery


def funding_paid(page: Page) -> str:
    """The stream's "paid" for 2019/20 on the funding page."""
    page.goto("/grants/funding/?fy=2019")
    cells = page.get_by_role("row", name=re.compile(re.escape(STREAM))).first.locator("th, td")
    return cells.nth(4).inner_text().strip()


def panel_report_text(page: Page, tmp_path: Path, period: str) -> str:
    page.goto("/reports/request/")
    if page.get_by_label("Police and Crime Panel report").count():
        page.get_by_label("Police and Crime Panel report").check()
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("Financial year").select_option("2019")
    page.get_by_label("Period").select_option(period)
    page.get_by_role("button", name="Request report").click()
    expect(page.locator("#report-status")).to_contain_text("Succeeded", timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (PDF)").click()
    return pdf_text(Path(download.value.path()).read_bytes())


def moj_row(page: Page) -> list[str]:
    """The stream's row of the MoJ return for H2 2019/20: name, ..., committed, paid in the
    half, paid to date, unspent."""
    page.goto("/reports/moj/2019/h2/")
    if page.get_by_role("button", name="Start the return").count():  # a draft's figures are live
        page.get_by_role("button", name="Start the return").click()
        success(page, "has been started")
    streams = page.get_by_role("table", name=re.compile("MoJ-reported funding streams"))
    return [cell.strip() for cell in streams.locator("tbody tr").first.locator("th, td").all_inner_texts()]


def paid_everywhere(page: Page, tmp_path: Path) -> dict:
    return {
        "funding": funding_paid(page),
        "panel": panel_report_text(page, tmp_path, "H2"),
        "moj": moj_row(page),
    }


# 8 and 9: the money back, and the close ------------------------------------------------------------
def record_receipt(page: Page, recovery: Recovery) -> None:
    page.goto(f"/grants/recoveries/{recovery.pk}/receipts/new/")
    page.get_by_label("Amount received (£)").fill("1,250.50")
    fill_date(page, "received_on", datetime.date(2020, 2, 20))
    page.get_by_label("Remittance reference").fill("HVS-UNDERSPEND-1920")
    page.get_by_role("button", name="Record money received").click()
    success(page, "")
    assert Recovery.objects.get(pk=recovery.pk).status == RecoveryStatus.RECOVERED


def close_award(page: Page, award: Award) -> None:
    page.goto(f"/grants/awards/{award.pk}/close/")
    assert _axe(page) == [], "the close page"
    page.get_by_label("What was learned?").fill(
        "Referrals follow the campaigns: plan caseworker cover for the months after each one."
    )
    page.get_by_label("Recommission", exact=True).check()
    page.get_by_role("button", name="Close the award").click()
    success(page, f"Award {REFERENCE} has been closed")
    page.goto(f"/grants/awards/{award.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("closed", ignore_case=True)
    expect(main.get_by_role("link", name=re.compile(r"^(Edit|Change)", re.I))).to_have_count(0)
    expect(main.get_by_role("button", name=re.compile(r"^(Edit|Change)", re.I))).to_have_count(0)
    expect(main.get_by_role("link", name=re.compile("Countersign"))).to_have_count(0)
    expect(page.locator("#agreement-waiting")).to_have_count(0)
    shoot(page, "award-closed")


def agreement_and_first_payment(journey: Journey, award: Award, payment: Payment) -> Agreement:
    journey.on(datetime.date(2019, 4, 2))
    agreement = issue_agreement(journey.as_("officer"), award)
    finance = journey.as_("finance")
    payment_waits(finance, award, payment)
    signatory_accepts(journey.as_("harbour"), award)
    officer = journey.as_("officer")
    officer.goto(f"/grants/awards/{award.pk}/")
    expect(officer.locator("#agreement-waiting")).to_contain_text("Sam Reed")
    expect(officer.locator("#agreement-waiting")).to_contain_text("waiting for the OPCC's countersignature")
    journey.on(datetime.date(2019, 4, 5))
    mark_paid(journey.as_("finance"), award, payment, datetime.date(2019, 4, 5))
    return agreement


def extension(journey: Journey, award: Award) -> None:
    journey.on(datetime.date(2019, 5, 15))
    variation = provider_asks_for_extension(journey.as_("harbour"), award)
    officer = journey.as_("officer")
    officer_approves_extension(officer, award, variation)
    assert threesixty_end_date(officer) == "2019-12-31"


def uplift(journey: Journey, award: Award, stream) -> Variation:
    journey.on(datetime.date(2019, 7, 1))
    officer = journey.as_("officer")
    variation = officer_raises_uplift(officer, award, stream)
    approve_step(officer, variation, "Approve and send to finance", "waiting for finance")
    approve_step(
        journey.as_("finance"),
        variation,
        "Approve for finance and hold for a PCC decision",
        "waiting for a pcc decision",
    )
    officer.goto(f"/grants/variations/{variation.pk}/")
    expect(officer.locator("main")).to_contain_text("Waiting for a PCC decision")
    assert _axe(officer) == [], "a variation's page"
    shoot(officer, "variation")
    board = journey.as_("board")  # reads the held variation, and may do nothing with it
    board.goto(f"/grants/variations/{variation.pk}/")
    expect(board.locator("main")).to_contain_text("Waiting for a PCC decision")
    expect(board.locator("main").get_by_role("button")).to_have_count(0)
    officer.goto(f"/grants/awards/{award.pk}/")
    expect(officer.locator("main")).to_contain_text("£20,000.00")
    expect(officer.locator("main")).not_to_contain_text("£30,000.00")
    decide_and_approve(officer, award, variation)
    assert Variation.objects.get(pk=variation.pk).status == VariationStatus.APPROVED
    journey.on(datetime.date(2019, 7, 5))
    finance = journey.as_("finance")
    second = record_second_payment(finance, award)
    mark_paid(finance, award, second, datetime.date(2019, 7, 5))
    return variation


def test_an_award_after_the_decision(journey, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing (Debian package poppler-utils)")
    journey.on(datetime.date(2019, 4, 1))
    people, award, stream, payment = set_up()
    agreement = agreement_and_first_payment(journey, award, payment)
    extension(journey, award)
    uplift(journey, award, stream)

    # 6. Version 1 of the agreement says what it said when it was issued.
    officer = journey.as_("officer")
    pdf = officer.request.get(f"/grants/agreements/{agreement.pk}/download/?format=pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert "£20,000.00" in text and "£30,000.00" not in text

    # 7. The award ends; the final budget return and the underspend to recover.
    journey.on(datetime.date(2020, 1, 6), hour=6)
    call_command("run_daily_jobs")
    assert Award.objects.get(pk=award.pk).status == AwardStatus.ENDED
    accept_returns(award, people)
    journey.on(datetime.date(2020, 1, 13))
    officer = journey.as_("officer")
    record_final_return(officer, award)
    recovery = raise_recovery(officer, award)
    officer.goto(f"/grants/awards/{award.pk}/recoveries/")
    assert _axe(officer) == [], "the award's spend and recovery page"
    before = paid_everywhere(officer, tmp_path)

    # 8. The money comes back: paid for 2019/20 is £1,250.50 less.
    journey.on(datetime.date(2020, 2, 20))
    record_receipt(journey.as_("finance"), recovery)
    officer = journey.as_("officer")
    after = paid_everywhere(officer, tmp_path)
    check_paid(before, after)

    # 9. Closed.
    close_award(officer, award)


def check_paid(before: dict, after: dict) -> None:
    """Paid for 2019/20 before and after the £1,250.50 came back (paid on 5 April and 5 July, in
    H1; the receipt on 20 February, in H2, counts as a negative payment)."""
    # The MoJ return, in pence: paid in H2 £0.00 then -£1,250.50; paid to date £30,000.00 then
    # £30,000.00 - £1,250.50 = £28,749.50; unspent £100,000 - £28,749.50 = £71,250.50.
    assert before["moj"] == [STREAM, "–", "£100,000.00", "£30,000.00", "£0.00", "£30,000.00", "£70,000.00"]
    assert after["moj"] == [STREAM, "–", "£100,000.00", "£30,000.00", "−£1,250.50", "£28,749.50", "£71,250.50"]
    # The funding page and the Panel report show whole pounds (half up): £28,749.50 is £28,750,
    # and the H2 receipt of -£1,250.50 is -£1,251.
    assert (before["funding"], after["funding"]) == ("£30,000", "£28,750")
    assert "Victims' services grant £100,000 £30,000 £0 £30,000" in before["panel"]
    assert "Victims' services grant £100,000 £30,000 −£1,251 £28,750" in after["panel"]
