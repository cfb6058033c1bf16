"""The reports engine: requesting, running and sweeping reports, and its pages."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from reports import services
from reports.forms import FinancialYearPeriodForm
from reports.kinds import REPORT_KINDS, ReportKind
from reports.models import Report
from reports.tasks import run_report
from tests.factories import UserFactory

PDF = b"%PDF-1.7\n% a tiny test document\n%%EOF\n"
PARAMS = {"fy": 2019, "period": "H1"}


def _build_ok(*, fy, period, progress):
    progress(40, "Gathering the figures")
    progress(80, "Rendering")
    return PDF, f"test-{fy}-{period}.pdf"


def _build_broken(*, fy, period, progress):
    progress(10, "Gathering the figures")
    raise ValueError("No funding streams for 2019/20")


@pytest.fixture
def kinds(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setitem(REPORT_KINDS, "test", ReportKind("test", "Test report", _build_ok, FinancialYearPeriodForm))
    monkeypatch.setitem(
        REPORT_KINDS, "broken", ReportKind("broken", "Broken report", _build_broken, FinancialYearPeriodForm)
    )
    return REPORT_KINDS


@pytest.fixture
def no_enqueue(monkeypatch):
    """Requests are saved but not sent to Celery (so tests can look at a queued report)."""
    sent = []
    monkeypatch.setattr(services, "_enqueue", sent.append)
    return sent


# Services ------------------------------------------------------------------------------------


def test_requesting_a_running_report_again_returns_the_running_one(kinds, officer, board_member, no_enqueue):
    first, created = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    again, created_again = services.report_request(kind="test", parameters=dict(PARAMS), actor=board_member)

    assert created and not created_again
    assert again.pk == first.pk
    assert Report.objects.count() == 1


def test_other_parameters_or_a_finished_report_give_a_new_request(kinds, officer, no_enqueue):
    first, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    other, created_other = services.report_request(kind="test", parameters={"fy": 2019, "period": "H2"}, actor=officer)
    Report.objects.filter(pk=first.pk).update(status=Report.Status.SUCCEEDED)
    fresh, created_fresh = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    assert created_other and other.pk != first.pk
    assert created_fresh and fresh.pk != first.pk


def test_the_database_refuses_two_active_reports_with_the_same_parameters(kinds, officer, no_enqueue):
    from django.db import IntegrityError, transaction

    first, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(kind="test", parameters=PARAMS, parameters_key=first.parameters_key,
                              status=Report.Status.RUNNING)


def test_an_unknown_kind_is_refused(kinds, officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="kind"):
        services.report_request(kind="nope", parameters=PARAMS, actor=officer)


def test_the_job_is_queued_only_once_the_request_is_committed(kinds, officer, no_enqueue,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
        assert no_enqueue == []
    assert len(callbacks) == 1
    assert no_enqueue == [report.pk]


def test_running_a_report_records_progress_and_stores_the_file_with_its_checksum(kinds, officer, no_enqueue,
                                                                                monkeypatch):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    seen = []
    original = services._set_progress

    def spy(report_id, pct, step):
        original(report_id, pct, step)
        saved = Report.objects.get(pk=report_id)
        seen.append((saved.status, saved.progress, saved.step))

    monkeypatch.setattr(services, "_set_progress", spy)

    services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert seen == [("running", 40, "Gathering the figures"), ("running", 80, "Rendering")]
    assert report.status == Report.Status.SUCCEEDED
    assert report.progress == 100
    assert report.started_at <= report.finished_at
    assert report.file.name.startswith("reports/test-2019-H1")
    assert report.file.read() == PDF
    assert report.checksum == hashlib.sha256(PDF).hexdigest()


def test_a_failing_builder_marks_the_report_failed_with_the_error(kinds, officer, no_enqueue):
    report, _ = services.report_request(kind="broken", parameters=PARAMS, actor=officer)

    services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == "ValueError: No funding streams for 2019/20"
    assert report.finished_at is not None
    assert not report.file


def test_a_transient_error_is_raised_again_for_celery_to_retry(kinds, officer, no_enqueue, monkeypatch):
    def flaky(*, fy, period, progress):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setitem(REPORT_KINDS, "test", ReportKind("test", "Test report", flaky, FinancialYearPeriodForm))
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    with pytest.raises(OperationalError):
        services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED  # waiting for the retry, still deduplicated
    assert "server closed the connection" in report.error


def test_a_finished_report_delivered_again_is_not_rebuilt(kinds, officer, no_enqueue):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    services.report_run(report_id=report.pk)
    finished = Report.objects.get(pk=report.pk)

    services.report_run(report_id=report.pk)

    again = Report.objects.get(pk=report.pk)
    assert (again.file.name, again.finished_at) == (finished.file.name, finished.finished_at)


def test_the_sweep_fails_reports_running_past_the_limit_only(kinds, officer, settings, no_enqueue):
    settings.REPORT_STUCK_AFTER_MINUTES = 30
    now = timezone.now()
    stuck = Report.objects.create(kind="test", parameters_key="a", status=Report.Status.RUNNING,
                                  started_at=now - datetime.timedelta(minutes=31))
    busy = Report.objects.create(kind="test", parameters_key="b", status=Report.Status.RUNNING,
                                 started_at=now - datetime.timedelta(minutes=29))
    queued = Report.objects.create(kind="test", parameters_key="c", status=Report.Status.QUEUED)

    assert services.reports_sweep_stuck(now=now) == 1

    stuck.refresh_from_db(); busy.refresh_from_db(); queued.refresh_from_db()  # noqa: E702
    assert stuck.status == Report.Status.FAILED and "30 minutes" in stuck.error
    assert busy.status == Report.Status.RUNNING
    assert queued.status == Report.Status.QUEUED


def test_the_task_runs_the_report_eagerly_in_the_embedded_setup(kinds, officer, no_enqueue):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    assert run_report.delay(report.pk).get() == "succeeded"


def test_the_task_is_acked_late_and_retries_transient_errors():
    assert run_report.acks_late is True
    assert OperationalError in run_report.autoretry_for
    assert run_report.max_retries == 3


def test_a_broker_that_is_down_leaves_the_report_queued_with_a_note(kinds, officer, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError as KombuOperationalError

    def down(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_report, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert "queue could not be reached" in report.step


# Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["reports:report_archive", "reports:report_request"])
def test_provider_users_may_not_see_the_pages(kinds, provider_client, url_name):
    assert provider_client.get(reverse(url_name)).status_code == 403


def test_provider_users_may_not_see_or_download_a_report(kinds, provider_client, officer, no_enqueue):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    services.report_run(report_id=report.pk)
    for name in ("report_detail", "report_status", "report_download"):
        assert provider_client.get(reverse(f"reports:{name}", args=[report.pk])).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(kinds, client):
    response = client.get(reverse("reports:report_archive"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "login" in response["Location"]


@pytest.mark.parametrize("role_client", ["officer_client", "finance_client", "board_client"])
def test_officers_finance_and_board_request_a_report_and_download_it(db, kinds, role_client, request,
                                                                     django_capture_on_commit_callbacks):
    client = request.getfixturevalue(role_client)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:report_request"), {"kind": "test", "fy": "2019", "period": "H1"})

    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report_detail", args=[report.pk])
    page = client.get(response["Location"])
    assert "Download the report (PDF)" in page.text
    download = client.get(reverse("reports:report_download", args=[report.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF


def test_the_request_page_asks_for_the_kind_then_its_parameters(kinds, officer_client):
    choose = officer_client.get(reverse("reports:report_request"))
    assert "Which report?" in choose.text and "Broken report" in choose.text

    parameters = officer_client.get(reverse("reports:report_request"), {"kind": "test"})
    assert "Financial year" in parameters.text and 'value="H1"' in parameters.text
    assert '<option value="2019"' in parameters.text


def test_a_request_without_a_period_shows_the_error(kinds, officer_client):
    response = officer_client.post(reverse("reports:report_request"), {"kind": "test", "fy": "2019"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert not Report.objects.exists()


def test_requesting_the_same_report_twice_shows_the_running_one(kinds, officer_client, no_enqueue):
    first = officer_client.post(reverse("reports:report_request"), {"kind": "test", "fy": "2019", "period": "H1"})
    second = officer_client.post(reverse("reports:report_request"), {"kind": "test", "fy": "2019", "period": "H1"},
                                 follow=True)
    assert second.redirect_chain[0][0] == first["Location"]
    assert "already being prepared" in second.text
    assert Report.objects.count() == 1


def test_a_running_report_polls_with_htmx_and_offers_a_plain_refresh(kinds, officer, officer_client, no_enqueue):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, progress=40, step="Gathering the figures")
    status_url = reverse("reports:report_status", args=[report.pk])

    page = officer_client.get(reverse("reports:report_detail", args=[report.pk]))
    fragment = officer_client.get(status_url, headers={"HX-Request": "true"})

    assert f'hx-get="{status_url}"' in page.text and 'hx-trigger="every 2s"' in page.text
    assert "Refresh the page" in page.text
    assert 'http-equiv="refresh"' not in page.text
    assert "40%: Gathering the figures" in re.sub(r"<[^>]+>", "", page.text)
    assert 'value="40"' in page.text  # the <progress> bar
    assert "<html" not in fragment.text
    assert 'hx-trigger="every 2s"' in fragment.text and "40%" in fragment.text


def test_a_finished_report_stops_polling(kinds, officer, officer_client, no_enqueue):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    services.report_run(report_id=report.pk)

    fragment = officer_client.get(reverse("reports:report_status", args=[report.pk]))
    assert "hx-trigger" not in fragment.text
    assert "Download the report (PDF)" in fragment.text


def test_a_failed_report_shows_its_error(kinds, officer, officer_client, no_enqueue):
    report, _ = services.report_request(kind="broken", parameters=PARAMS, actor=officer)
    services.report_run(report_id=report.pk)

    page = officer_client.get(reverse("reports:report_detail", args=[report.pk]))
    assert "The report could not be prepared" in page.text
    assert "ValueError: No funding streams for 2019/20" in page.text
    assert officer_client.get(reverse("reports:report_download", args=[report.pk])).status_code == 404


def test_the_archive_filters_by_kind_period_and_status(kinds, officer, officer_client, no_enqueue):
    services.report_request(kind="test", parameters=PARAMS, actor=officer)
    done, _ = services.report_request(kind="test", parameters={"fy": 2018, "period": "FY"}, actor=officer)
    services.report_run(report_id=done.pk)
    services.report_request(kind="broken", parameters={"fy": 2019, "period": "Q1"}, actor=officer)

    def listed(**filters):
        response = officer_client.get(reverse("reports:report_archive"), filters)
        return sorted(row["report"].parameters_key for row in response.context["rows"])

    assert len(listed()) == 3
    assert listed(kind="broken") == ['{"fy":2019,"period":"Q1"}']
    assert listed(fy="2019", period="H1") == ['{"fy":2019,"period":"H1"}']
    assert listed(status="succeeded") == ['{"fy":2018,"period":"FY"}']
    page = officer_client.get(reverse("reports:report_archive"))
    assert "everyone who may see reports sees all of them" in page.text
    assert "2018/19 FY" in page.text


def test_the_archive_takes_the_same_number_of_queries_for_more_reports(kinds, officer_client,
                                                                      django_assert_max_num_queries):
    users = [UserFactory() for _ in range(3)]
    for index in range(30):
        Report.objects.create(kind="test", parameters={"fy": 2019, "period": "Q1"}, parameters_key=str(index),
                              status=Report.Status.SUCCEEDED, requested_by=users[index % 3])
    officer_client.get(reverse("reports:report_archive"))  # warm the session and role caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as many:
        officer_client.get(reverse("reports:report_archive"))
    Report.objects.filter(parameters_key__in=[str(i) for i in range(1, 30)]).delete()
    with CaptureQueriesContext(connection) as one:
        officer_client.get(reverse("reports:report_archive"))
    assert len(many) == len(one)


def test_the_task_marks_the_report_failed_when_the_retries_are_used_up(kinds, officer, no_enqueue, monkeypatch):
    def flaky(*, fy, period, progress):
        raise OperationalError("could not connect to server")

    monkeypatch.setitem(REPORT_KINDS, "test", ReportKind("test", "Test report", flaky, FinancialYearPeriodForm))
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    with pytest.raises(OperationalError):  # eager tasks propagate their errors in this set-up
        run_report.apply(args=[report.pk], retries=run_report.max_retries)

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error.startswith("Gave up after 3 retries") and "could not connect" in report.error


def test_requesting_while_the_queue_is_down_shows_the_report_waiting_not_an_error(kinds, officer_client, monkeypatch,
                                                                                  django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError as KombuOperationalError

    def down(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_report, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("reports:report_request"),
                                       {"kind": "test", "fy": "2019", "period": "H1"})

    assert response.status_code == 302
    page = officer_client.get(response["Location"])
    assert "Queued" in page.text
    assert "the report queue could not be reached" in page.text
