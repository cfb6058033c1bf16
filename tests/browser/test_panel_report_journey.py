"""An officer requests the Police and Crime Panel report for 2019/20 H1, sees it finish and
downloads the PDF. Celery runs eagerly here (the embedded set-up): the job runs in-process once
the request is committed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reports.models import Report
from tests.factories.grants import FundingLineFactory

from .conftest import BROWSER_TEST

pytestmark = BROWSER_TEST


@pytest.fixture
def eager_celery(settings, tmp_path):
    from pcc_commissioning.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def test_an_officer_requests_the_panel_report_and_downloads_the_pdf(eager_celery, logged_in_page, officer, tmp_path):
    FundingLineFactory(fy=2019, amount=Decimal("42100.00"), award__title="Victim care hub")  # 2019/20 has spend
    page = logged_in_page(officer)

    page.goto("/reports/")
    # The Panel report is an entry of its own under Reports, opening its request form directly.
    page.get_by_role("link", name="Police and Crime Panel report", exact=True).click()
    expect(page.get_by_role("heading", name="Police and Crime Panel report")).to_be_visible()
    page.get_by_label("Financial year").select_option("2019")
    page.get_by_label("Period").select_option("H1")
    page.get_by_role("button", name="Request report").click()

    expect(page.get_by_role("heading", name="Police and Crime Panel report, 2019/20 H1")).to_be_visible()
    expect(page.locator("#report-status")).to_contain_text("Succeeded", timeout=60_000)
    report = Report.objects.get()
    assert (report.kind, report.parameters) == ("panel", {"fy": 2019, "period": "H1"})
    assert report.requested_by == officer

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    saved = Path(download_info.value.path())
    assert saved.read_bytes().startswith(b"%PDF")
    assert download_info.value.suggested_filename.endswith(".pdf")

    page.goto("/reports/archive/?status=succeeded")
    expect(page.get_by_role("table")).to_contain_text("Police and Crime Panel report")
    expect(page.get_by_role("table")).to_contain_text("2019/20 H1")


def test_the_report_page_follows_progress_by_itself(logged_in_page, officer):
    report = Report.objects.create(
        kind="panel",
        parameters={"fy": 2019, "period": "H1"},
        parameters_key='{"fy":2019,"period":"H1"}',
        status=Report.Status.RUNNING,
        progress=30,
        step="Gathering the awards",
        requested_by=officer,
    )
    page = logged_in_page(officer)
    page.goto(f"/reports/archive/{report.pk}/")
    expect(page.locator("#report-status")).to_contain_text("30%: Gathering the awards")

    Report.objects.filter(pk=report.pk).update(progress=70, step="Drawing the charts")
    expect(page.locator("#report-status")).to_contain_text("70%: Drawing the charts", timeout=10_000)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.FAILED, error="ValueError: no data")
    expect(page.locator("#report-status")).to_contain_text("ValueError: no data", timeout=10_000)
    assert page.locator("#report-status[hx-trigger]").count() == 0  # polling stops once it has ended
