"""The MoJ return, end to end on the demo data: an officer starts the 2019/20 H1 return, sees its
issues and submits it; a finance officer signs it off, explaining the blocking issue; the PDF
and the XLSX are prepared by the reports engine (Celery runs in-process here) and downloaded;
then a monitoring return changes and the signed-off figures on the page do not."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from demo.users import DEMO_PASSWORD
from grants.models import MonitoringReturn
from reports.models import MojReturn, Report

from .conftest import ARTIFACTS, BROWSER_TEST, sign_in

pytestmark = BROWSER_TEST

MISSING = "AWD-2019-0005 (Harbour): no monitoring return for Q2 2019/20."


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", force=True, stdout=io.StringIO())
    # Harbour's Q2 return has gone missing: a blocking issue for the finance officer to explain.
    MonitoringReturn.objects.filter(award__reference="AWD-2019-0005", fy=2019, quarter=2).delete()


def _download(page: Page, button: str, tmp_path: Path) -> bytes:
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_role("heading", name="MoJ bi-annual return, 2019/20 H1")).to_be_visible()
    expect(page.locator("#report-status")).to_contain_text("Succeeded", timeout=60_000)
    with page.expect_download() as download_info:
        page.locator("#report-status a[href$='/download/']").click()
    return Path(download_info.value.path()).read_bytes(), download_info.value.suggested_filename


def _services_row(page: Page, reference: str):
    return page.locator("#services ~ .app-table-region table tbody tr").filter(has_text=reference).first


def test_officer_prepares_finance_signs_off_files_download_and_the_figures_stay_frozen(demo, page, tmp_path):
    # The officer starts the return from the reports page and sees its issues.
    sign_in(page, "officer", DEMO_PASSWORD)
    page.goto("/reports/")
    page.get_by_role("link", name="MoJ bi-annual returns").click()
    expect(page.get_by_role("heading", name="MoJ bi-annual returns")).to_be_visible()
    page.get_by_role("button", name="Start the H1 2019/20 return").click()
    expect(page.get_by_role("heading", name="MoJ return H1 2019/20")).to_be_visible()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been started")
    issues = page.locator("#issues + p + ul")
    expect(issues).to_contain_text(MISSING)
    expect(issues.locator("li").filter(has_text=MISSING).locator(".govuk-tag")).to_have_text("Blocking")
    # The issue is shown beside the service it concerns, and links to the award behind it.
    expect(_services_row(page, "AWD-2019-0005").locator(".govuk-tag--red")).to_have_count(1)
    issues.locator("li").filter(has_text=MISSING).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/grants/awards/\d+/$"))
    expect(page.locator(".govuk-caption-l")).to_contain_text("AWD-2019-0005")
    page.go_back()
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("submitted to a finance officer")

    # The finance officer signs it off: refused until the blocking issue is explained.
    page.context.clear_cookies()
    sign_in(page, "finance", DEMO_PASSWORD)
    page.goto("/reports/moj/2019/h1/")
    page.get_by_label("Your role").fill("Chief Finance Officer")
    page.get_by_role("button", name="Sign off the return").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        f"Explain: {MISSING}: Write an explanation of this blocking issue before signing off."
    )
    page.get_by_label(f"Explain: {MISSING}").fill("Harbour's Q2 return was received by e-mail; figures checked.")
    page.get_by_role("button", name="Sign off the return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("signed off")
    expect(page.locator("h1 .govuk-tag")).to_have_text("Signed off")
    expect(page.locator("main")).to_contain_text("Frank Finance, Chief Finance Officer")
    expect(page.locator("main")).to_contain_text("figures checked")
    moj_return = MojReturn.objects.get(fy=2019, half=1)
    assert moj_return.status == "signed_off"
    frozen_supported = moj_return.figures["totals"]["overall"]["supported"]
    row_before = _services_row(page, "AWD-2019-0001").inner_text()

    # The PDF and the spreadsheet, prepared by the reports engine.
    page_url = page.url
    pdf, pdf_name = _download(page, "PDF", tmp_path)
    assert pdf.startswith(b"%PDF") and pdf_name == "moj-return-2019-20-H1-v1.pdf"
    page.goto(page_url)
    xlsx, xlsx_name = _download(page, "Spreadsheet (XLSX)", tmp_path)
    assert xlsx.startswith(b"PK") and xlsx_name == "moj-return-2019-20-H1-v1.xlsx"
    assert set(Report.objects.values_list("kind", "status")) == {("moj_return", "succeeded")}

    # A monitoring return changes afterwards: the signed-off figures on the page do not.
    changed = MonitoringReturn.objects.get(award__reference="AWD-2019-0001", fy=2019, quarter=1)
    MonitoringReturn.objects.filter(pk=changed.pk).update(
        supported=changed.supported + 500, referrals=changed.referrals + 500
    )
    page.goto(page_url)
    assert _services_row(page, "AWD-2019-0001").inner_text() == row_before
    expect(page.locator("#totals ~ .app-table-region table").nth(1)).to_contain_text(f"{frozen_supported}")
    assert MojReturn.objects.get(pk=moj_return.pk).figures["totals"]["overall"]["supported"] == frozen_supported

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moj-return-signed-off.png"), full_page=True)
