"""A provider completes and submits a monitoring return in a browser; an officer accepts it
with a RAG rating; the award's performance tab shows it."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.urls import reverse
from playwright.sync_api import expect

from grants.models import AwardKPI, AwardStatus, MonitoringReturn, ReturnStatus
from pcc_commissioning.roles import Role
from providers.services import membership_set
from tests.factories import AwardFactory, OrganisationFactory, UserFactory

from .conftest import BROWSER_TEST, sign_in
from .test_accessibility import _axe

pytestmark = BROWSER_TEST


def _setup():
    organisation = OrganisationFactory(name="Wearside Victim Care")
    provider = UserFactory(username="wearside", role=Role.PROVIDER)
    membership_set(user=provider, organisation=organisation)
    award = AwardFactory(
        provider=organisation, status=AwardStatus.ACTIVE, reference="AWD-2019-0101", title="Victim care hub"
    )
    kpi = AwardKPI.objects.create(award=award, name="Victims supported to cope", unit="people", target=Decimal("20"))
    ret = MonitoringReturn.objects.create(award=award, fy=2019, quarter=1, due_date=datetime.date(2019, 7, 20))
    officer = UserFactory(username="officer-journey", role=Role.OFFICER)
    return provider, officer, award, kpi, ret


def test_provider_submits_a_return_and_an_officer_accepts_it(page):
    provider, officer, award, kpi, ret = _setup()

    sign_in(page, provider.username, "correct-horse-battery-staple")
    expect(page.get_by_role("heading", level=1)).to_have_text("Awards and monitoring returns")
    page.get_by_role("link", name=re.compile(r"^Fill in")).click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Monitoring return: Q1 2019/20")
    expect(heading).to_contain_text("Referrals and victims supported")

    # One part at a time, each saved as a draft.
    page.get_by_label("Referrals received").fill("30")
    page.get_by_label("Victims supported (new in the quarter)").fill("24")
    page.get_by_role("button", name="Save and continue").click()
    expect(heading).to_contain_text("Who was supported")
    page.locator("#id_crime__domestic_abuse").fill("20")
    page.locator("#id_crime__sexual_violence").fill("4")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved as a draft")
    expect(page.locator("#id_crime__sexual_violence")).to_have_value("4")
    page.get_by_role("button", name="Save and continue").click()

    expect(heading).to_contain_text("Victims' outcomes")
    assert _axe(page) == []
    page.locator("#id_outcome__feel_safer__assessed").fill("18")
    page.locator("#id_outcome__feel_safer__improved").fill("15")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Victims supported to cope").fill("22")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Case study", exact=True).fill("A woman in her thirties was helped to stay safely in her home.")
    page.get_by_label("The person agreed to this case study being used").check()
    page.get_by_role("button", name="Save and continue").click()

    # Check your answers, change one, then submit.
    expect(heading).to_contain_text("Check your answers before submitting")
    main = page.locator("main")
    expect(main).to_contain_text("Domestic abuse: 20")
    expect(main).to_contain_text("18 assessed, 15 improved")
    assert _axe(page) == []
    page.get_by_role("link", name="Change referrals received").click()
    expect(page.get_by_label("Referrals received")).to_have_value("30")
    page.get_by_label("Referrals received").fill("31")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Check your answers and submit").click()
    expect(main).to_contain_text("31")
    page.get_by_role("button", name="Submit return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been submitted")
    expect(page.get_by_role("table", name=re.compile("Your monitoring returns"))).to_contain_text("Submitted")

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED and (ret.referrals, ret.supported) == (31, 24)
    assert ret.kpi_values.get().value == Decimal("22") and ret.case_study_consent

    review_url = reverse("grants:return_review", args=[ret.pk])
    performance_url = reverse("grants:award_performance", args=[award.pk])
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, officer.username, "correct-horse-battery-staple")
    page.goto(review_url)
    page.get_by_label("Green").check()
    page.get_by_role("button", name="Accept the return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("accepted")
    ret.refresh_from_db()
    assert (ret.status, ret.rag) == (ReturnStatus.ACCEPTED, "green")

    page.goto(performance_url)
    kpis = page.locator("table").filter(has_text="Victims supported to cope").first
    expect(kpis).to_be_visible()
    expect(page.locator("main")).to_contain_text("22")
    rag_history = page.locator("table").filter(has_text="RAG ratings given")
    expect(rag_history).to_contain_text("Q1 2019/20")
    expect(rag_history).to_contain_text("Green")


# A warning's text as the page holds it: the "!" icon, then "Warning: " for screen readers.
WARNING = "!Warning: "


def test_running_totals_update_while_typing_and_a_mismatch_needs_an_explanation(page):
    provider, _officer, _award, _kpi, ret = _setup()
    sign_in(page, provider.username, "correct-horse-battery-staple")
    page.goto(reverse("portal:return", args=[ret.pk]))
    page.get_by_label("Referrals received").fill("45")
    page.get_by_label("Victims supported (new in the quarter)").fill("40")
    page.get_by_role("button", name="Save and continue").click()

    # The breakdowns are counted against the 40 supported, entered on the part before.
    crime_total = page.locator("#crime-total")
    sex_total = page.locator("#sex-total")
    explanation = page.get_by_label("Why do the breakdowns not add up?")
    expect(crime_total).to_have_text("Total entered: none")
    expect(explanation).to_be_hidden()

    # Typed key by key, as a provider would: the total follows each box.
    page.locator("#id_crime__domestic_abuse").press_sequentially("3")
    expect(crime_total).to_have_text(WARNING + "Total entered: 3 of 40 supported — 37 short")
    page.locator("#id_crime__domestic_abuse").press_sequentially("0")
    expect(crime_total).to_have_text(WARNING + "Total entered: 30 of 40 supported — 10 short")
    page.locator("#id_crime__sexual_violence").press_sequentially("7")
    expect(crime_total).to_have_text(WARNING + "Total entered: 37 of 40 supported — 3 short")
    expect(crime_total).to_have_class(re.compile("govuk-warning-text"))
    expect(explanation).to_be_visible()
    # Once typing pauses, the live region says it once.
    expect(page.locator("[data-return-live]")).to_have_text(
        "Crime type: Total entered: 37 of 40 supported — 3 short. "
        "The box “Why do the breakdowns not add up?” has appeared after the breakdowns."
    )

    page.locator("#id_crime__sexual_violence").fill("10")
    expect(crime_total).to_have_text("Total entered: 40 of 40 supported — adds up")
    expect(crime_total).not_to_have_class(re.compile("govuk-warning-text"))
    expect(explanation).to_be_hidden()
    page.locator("#id_sex__female").fill("35")
    expect(sex_total).to_have_text(WARNING + "Total entered: 35 of 40 supported — 5 short")
    expect(explanation).to_be_visible()
    page.get_by_role("button", name="Save and continue").click()

    # Outcome measures: more improved than assessed is pointed out at once.
    check = page.locator("#outcome-feel_safer-check")
    page.locator("#id_outcome__feel_safer__assessed").fill("12")
    page.locator("#id_outcome__feel_safer__improved").fill("15")
    expect(check).to_have_text(WARNING + "Check: 15 improved is more than the 12 assessed")
    page.locator("#id_outcome__feel_safer__improved").fill("9")
    expect(check).to_be_hidden()
    page.get_by_role("button", name="Save and continue").click()

    # Submitting with the sex breakdown 5 short: refused by the server, shown on the breakdowns'
    # part with the error summary.
    page.get_by_role("link", name="Check your answers and submit").click()
    page.get_by_role("button", name="Submit return").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who was supported")
    expect(sex_total).to_have_text(WARNING + "Total entered: 35 of 40 supported — 5 short")
    assert _axe(page) == []  # warnings and the explanation box shown
    expect(summary).to_contain_text("The sex breakdown adds up to 35, not the 40 victims supported (5 short).")
    link = summary.get_by_role("link", name=re.compile("correct the numbers, or explain why"))
    link.click()
    expect(explanation).to_be_focused()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.DRAFT

    # Fewer supported on the first part: the server's totals on the breakdowns' part follow.
    page.get_by_role("link", name="Referrals and victims supported").click()
    page.get_by_label("Victims supported (new in the quarter)").fill("35")
    page.get_by_role("button", name="Save and continue").click()
    expect(sex_total).to_have_text("Total entered: 35 of 35 supported — adds up")
    expect(crime_total).to_have_text(WARNING + "Total entered: 40 of 35 supported — 5 over")
    explanation.fill("Five people were counted under two crime types.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Check your answers and submit").click()
    page.get_by_role("button", name="Submit return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been submitted")
    ret.refresh_from_db()
    assert (ret.status, ret.supported, ret.breakdown_explanation) == (
        ReturnStatus.SUBMITTED,
        35,
        "Five people were counted under two crime types.",
    )
