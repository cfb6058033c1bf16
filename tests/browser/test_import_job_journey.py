"""The Import page in a browser: the upload answers with the check's job page, which follows the
rows checked by itself and, when the job ends, shows the preview; confirming does the same for
the import. Each state passes axe; screenshots at 320 px and desktop widths go to test-artifacts/
for a look."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pcc_commissioning.celery import app as celery_app
from reports.engine.tasks import run_report
from reports.imports import job as import_job
from reports.models import Report

from .conftest import ARTIFACTS, BROWSER_TEST
from .test_accessibility import _axe

pytestmark = BROWSER_TEST

WIDTHS = {"mobile": 320, "desktop": 1200}


@pytest.fixture
def jobs_held(settings, tmp_path, monkeypatch):
    """Jobs are queued but not sent, so the test decides when the worker runs them."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(run_report, "apply_async", lambda *args, **kwargs: None)
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def _shoot(page, name: str) -> None:
    assert _axe(page) == [], name
    ARTIFACTS.mkdir(exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"import-{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 900})


def test_an_officer_follows_the_check_and_the_import_of_a_file(jobs_held, logged_in_page, officer, tmp_path):
    csv = tmp_path / "providers.csv"
    csv.write_text("name,kind\n" + "".join(f"Provider {n},voluntary_sector\n" for n in range(1, 4)))
    page = logged_in_page(officer)

    page.goto("/imports/")
    page.get_by_label("Providers").check()
    page.get_by_label("File").set_input_files(str(csv))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Checking providers.csv")).to_be_visible()
    expect(page.locator("#import-step")).to_have_text("Waiting to start")
    job = Report.objects.get()
    # Half-way through (as a worker would record it), the page shows the rows checked.
    Report.objects.filter(pk=job.pk).update(status=Report.Status.RUNNING)
    from django.core.cache import caches

    caches["progress"].set(import_job._progress_key(job.parameters["token"], True), (1200, 5000))
    expect(page.locator("#import-step")).to_contain_text("1,200 of 5,000 rows checked (24%)", timeout=10_000)
    _shoot(page, "checking")

    Report.objects.filter(pk=job.pk).update(status=Report.Status.QUEUED)
    run_report(job.pk)
    # The page notices the job has ended and shows the preview by itself.
    expect(page.get_by_role("heading", name="Check the import of providers.csv")).to_be_visible(timeout=10_000)
    expect(page.locator("#import-summary")).to_contain_text("3 rows: 3 to create, 0 to update, 0 unchanged")
    _shoot(page, "preview")

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_role("heading", name="Importing providers.csv")).to_be_visible()
    run_report(Report.objects.get(parameters__dry_run=False).pk)
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible(timeout=10_000)
    expect(page.locator("#import-summary")).to_have_text(
        "Imported providers.csv: 3 rows, 3 created, 0 updated, 0 unchanged."
    )
    _shoot(page, "done")
