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
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring return: Q1 2019/20")

    page.get_by_label("Referrals received").fill("30")
    page.get_by_label("Victims supported (new in the quarter)").fill("24")
    page.locator("#id_crime__domestic_abuse").fill("20")
    page.locator("#id_crime__sexual_violence").fill("4")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("saved as a draft")
    expect(page.get_by_label("Referrals received")).to_have_value("30")

    page.locator("#id_outcome__feel_safer__assessed").fill("18")
    page.locator("#id_outcome__feel_safer__improved").fill("15")
    page.get_by_label("Victims supported to cope").fill("22")
    page.get_by_label("Case study", exact=True).fill("A woman in her thirties was helped to stay safely in her home.")
    page.get_by_label("The person agreed to this case study being used").check()
    page.get_by_role("button", name="Submit return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("has been submitted")
    expect(page.get_by_role("table", name=re.compile("Your monitoring returns"))).to_contain_text("Submitted")

    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED and (ret.referrals, ret.supported) == (30, 24)

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
