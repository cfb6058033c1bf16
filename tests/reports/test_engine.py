"""The reports engine: requesting, running and sweeping reports, and its pages."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from reports.engine import services
from reports.engine.forms import FinancialYearPeriodForm
from reports.engine.registry import REPORT_KINDS, ReportKind
from reports.engine.tasks import run_report
from reports.models import Report
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
        Report.objects.create(
            kind="test", parameters=PARAMS, parameters_key=first.parameters_key, status=Report.Status.RUNNING
        )


def test_an_unknown_kind_is_refused(kinds, officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="kind"):
        services.report_request(kind="nope", parameters=PARAMS, actor=officer)


def test_the_job_is_queued_only_once_the_request_is_committed(
    kinds, officer, no_enqueue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
        assert no_enqueue == []
    assert len(callbacks) == 1
    assert no_enqueue == [report.pk]


def test_running_a_report_records_progress_and_stores_the_file_with_its_checksum(
    kinds, officer, no_enqueue, monkeypatch
):
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
    """A builder that hangs keeps its heartbeat (the timer thread beats on): the time cap ends it."""
    settings.REPORT_STUCK_AFTER_MINUTES = 30
    now = timezone.now()
    stuck = Report.objects.create(
        kind="test",
        parameters_key="a",
        status=Report.Status.RUNNING,
        started_at=now - datetime.timedelta(minutes=31),
        heartbeat_at=now,
    )
    busy = Report.objects.create(
        kind="test",
        parameters_key="b",
        status=Report.Status.RUNNING,
        started_at=now - datetime.timedelta(minutes=29),
        heartbeat_at=now,
    )
    queued = Report.objects.create(kind="test", parameters_key="c", status=Report.Status.QUEUED)

    assert services.reports_sweep_stuck(now=now) == 1

    stuck.refresh_from_db()
    busy.refresh_from_db()
    queued.refresh_from_db()
    assert stuck.status == Report.Status.FAILED and "30 minutes" in stuck.error
    assert busy.status == Report.Status.RUNNING
    assert queued.status == Report.Status.QUEUED


def _running(key: str, *, heartbeat_seconds_ago: int, attempts: int, now) -> Report:
    return Report.objects.create(
        kind="test",
        parameters=PARAMS,
        parameters_key=key,
        status=Report.Status.RUNNING,
        attempts=attempts,
        started_at=now - datetime.timedelta(minutes=5),
        sent_at=now - datetime.timedelta(minutes=5),
        heartbeat_at=now - datetime.timedelta(seconds=heartbeat_seconds_ago),
        progress=60,
        step="Rendering",
    )


def test_the_sweep_runs_a_report_whose_worker_stopped_again_once_then_fails_it(db, kinds, settings, no_enqueue):
    settings.REPORT_WORKER_LOST_AFTER_SECONDS = 150
    settings.REPORT_MAX_ATTEMPTS = 2
    now = timezone.now()
    alive = _running("alive", heartbeat_seconds_ago=140, attempts=1, now=now)
    lost_once = _running("lost-once", heartbeat_seconds_ago=160, attempts=1, now=now)
    lost_twice = _running("lost-twice", heartbeat_seconds_ago=160, attempts=2, now=now)

    assert services.reports_sweep_stuck(now=now) == 2

    alive.refresh_from_db()
    lost_once.refresh_from_db()
    lost_twice.refresh_from_db()
    assert (alive.status, alive.progress) == (Report.Status.RUNNING, 60)
    assert (lost_once.status, lost_once.sent_at, lost_once.progress) == (Report.Status.QUEUED, None, 0)
    assert lost_once.step == services.WORKER_LOST_STEP
    assert lost_twice.status == Report.Status.FAILED
    assert lost_twice.error.startswith("The worker building this report stopped before finishing it")
    assert lost_twice.finished_at == now


def test_the_sweep_task_sends_the_report_it_queued_again_at_once(db, kinds, settings, monkeypatch):
    from reports.engine.tasks import sweep_stuck_reports

    sent = []
    monkeypatch.setattr(run_report, "delay", sent.append)
    lost = _running(
        "lost", heartbeat_seconds_ago=settings.REPORT_WORKER_LOST_AFTER_SECONDS + 10, attempts=1, now=timezone.now()
    )

    assert sweep_stuck_reports() == 1

    lost.refresh_from_db()
    assert sent == [lost.pk]
    assert (lost.status, lost.attempts, lost.step) == (Report.Status.QUEUED, 2, services.WAITING_STEP)
    assert lost.sent_at is not None


def test_a_report_sent_but_never_started_is_sent_again_then_failed(db, kinds, settings, no_enqueue):
    settings.REPORT_START_TIMEOUT_MINUTES = 10
    settings.REPORT_MAX_ATTEMPTS = 2
    now = timezone.now()

    def sent(key, minutes_ago, attempts):
        return Report.objects.create(
            kind="test",
            parameters_key=key,
            status=Report.Status.QUEUED,
            sent_at=now - datetime.timedelta(minutes=minutes_ago),
            attempts=attempts,
        )

    recent, lost_once, lost_twice = sent("a", 9, 1), sent("b", 11, 1), sent("c", 11, 2)

    assert services.reports_sweep_stuck(now=now) == 2

    recent.refresh_from_db()
    lost_once.refresh_from_db()
    lost_twice.refresh_from_db()
    assert recent.sent_at == now - datetime.timedelta(minutes=9)
    assert (lost_once.status, lost_once.sent_at) == (Report.Status.QUEUED, None)  # the requeue sends it
    assert lost_twice.status == Report.Status.FAILED
    assert lost_twice.error.startswith("No report worker started this report within 10 minutes")


def test_progress_and_the_timer_record_the_heartbeat(kinds, officer, no_enqueue, time_machine):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)
    moment = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)
    time_machine.move_to(moment, tick=False)

    services._set_progress(report.pk, 30, "Gathering")

    report.refresh_from_db()
    assert (report.progress, report.step, report.heartbeat_at) == (30, "Gathering", moment)


# Real commits, so the timer thread's own connection sees the report (and the roles the data
# migrations made are put back afterwards, as in test_celery_worker).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_builder_busy_between_progress_steps_keeps_a_heartbeat(kinds, settings, monkeypatch):
    import time

    settings.REPORT_HEARTBEAT_SECONDS = 0.05
    beats = []

    def slow(*, fy, period, progress):
        started = Report.objects.get(kind="slow").heartbeat_at
        time.sleep(0.5)  # no progress call meanwhile
        beats.append(Report.objects.get(kind="slow").heartbeat_at - started)
        return PDF, "slow.pdf"

    monkeypatch.setitem(REPORT_KINDS, "slow", ReportKind("slow", "Slow report", slow, FinancialYearPeriodForm))
    report = Report.objects.create(kind="slow", parameters=PARAMS, parameters_key="slow")

    services.report_run(report_id=report.pk)

    assert datetime.timedelta(seconds=0.3) < beats[0] < datetime.timedelta(seconds=0.6)
    assert Report.objects.get(pk=report.pk).status == Report.Status.SUCCEEDED


def test_a_job_delivered_again_while_its_report_runs_elsewhere_does_nothing(db, kinds, monkeypatch, no_enqueue):
    now = timezone.now()
    busy = _running("busy", heartbeat_seconds_ago=5, attempts=1, now=now)
    monkeypatch.setitem(REPORT_KINDS, "test", ReportKind("test", "Test", pytest.fail, FinancialYearPeriodForm))

    services.report_run(report_id=busy.pk)

    again = Report.objects.get(pk=busy.pk)
    assert (again.status, again.progress, again.started_at, again.attempts) == ("running", 60, busy.started_at, 1)


def test_a_job_handed_on_from_a_worker_that_stopped_finishes_the_report(db, kinds, settings, no_enqueue):
    """The broker redelivers a dead worker's job (acks_late) before the sweep has seen it."""
    lost = _running(
        "lost", heartbeat_seconds_ago=settings.REPORT_WORKER_LOST_AFTER_SECONDS + 1, attempts=1, now=timezone.now()
    )

    services.report_run(report_id=lost.pk)

    done = Report.objects.get(pk=lost.pk)
    assert (done.status, done.attempts, done.file.read()) == (Report.Status.SUCCEEDED, 2, PDF)


def test_a_run_failed_by_the_sweep_meanwhile_keeps_the_failure_not_its_file(
    kinds, officer, settings, no_enqueue, monkeypatch
):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    def overtaken(*, fy, period, progress):
        Report.objects.filter(pk=report.pk).update(status=Report.Status.FAILED, error="Swept")
        return PDF, "late.pdf"

    monkeypatch.setitem(REPORT_KINDS, "test", ReportKind("test", "Test", overtaken, FinancialYearPeriodForm))

    services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert (report.status, report.error, report.file.name) == (Report.Status.FAILED, "Swept", "")
    assert not list((settings.MEDIA_ROOT / "reports").glob("*"))


def test_a_builder_stopped_by_the_soft_time_limit_fails_with_a_reason(
    kinds, officer, settings, monkeypatch, no_enqueue
):
    from celery.exceptions import SoftTimeLimitExceeded

    settings.REPORT_SOFT_TIME_LIMIT_SECONDS = 540

    def overrun(*, fy, period, progress):
        raise SoftTimeLimitExceeded()

    monkeypatch.setitem(REPORT_KINDS, "test", ReportKind("test", "Test", overrun, FinancialYearPeriodForm))
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    services.report_run(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == (
        "The report took longer than 540 seconds to build, so it was stopped. Ask your system administrator."
    )


# Requests never return a stuck report ------------------------------------------------------------


def test_a_request_fails_a_stale_report_out_of_attempts_and_makes_a_new_one(
    kinds, officer, settings, no_enqueue, django_capture_on_commit_callbacks
):
    settings.REPORT_MAX_ATTEMPTS = 2
    stale = _running(
        services.parameters_key(PARAMS),
        heartbeat_seconds_ago=settings.REPORT_WORKER_LOST_AFTER_SECONDS + 1,
        attempts=2,
        now=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        report, created = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    stale.refresh_from_db()
    assert created and report.pk != stale.pk
    assert stale.status == Report.Status.FAILED and "worker building this report stopped" in stale.error
    assert no_enqueue == [report.pk]


def test_a_request_for_a_stale_report_with_attempts_left_sends_it_again(
    kinds, officer, settings, no_enqueue, django_capture_on_commit_callbacks
):
    stale = _running(
        services.parameters_key(PARAMS),
        heartbeat_seconds_ago=settings.REPORT_WORKER_LOST_AFTER_SECONDS + 1,
        attempts=1,
        now=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        report, created = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    assert not created and report.pk == stale.pk
    assert (report.status, report.sent_at) == (Report.Status.QUEUED, None)
    assert no_enqueue == [stale.pk]  # sent now, not at the next requeue


def test_a_request_returns_a_report_whose_worker_is_alive(kinds, officer, settings, no_enqueue):
    alive = _running(
        services.parameters_key(PARAMS),
        heartbeat_seconds_ago=settings.REPORT_WORKER_LOST_AFTER_SECONDS - 10,
        attempts=1,
        now=timezone.now(),
    )

    report, created = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    assert not created and report.pk == alive.pk and report.status == Report.Status.RUNNING
    assert no_enqueue == []


def test_the_task_runs_the_report_eagerly_in_the_embedded_setup(kinds, officer, no_enqueue):
    report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    assert run_report.delay(report.pk).get() == "succeeded"


def test_the_services_send_the_job_by_the_tasks_registered_name(settings):
    """The services do not import the tasks (which call them): they send by name, the name the
    task has kept since it lived in ``reports/tasks.py``, and the beat schedule uses the same."""
    from celery import current_app

    assert run_report.name == services.RUN_REPORT_TASK == "reports.tasks.run_report"
    assert current_app.tasks[services.RUN_REPORT_TASK] is run_report._get_current_object()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    beat = {"reports.tasks.sweep_stuck_reports", "reports.tasks.requeue_waiting_reports"}
    assert beat <= scheduled and beat <= set(current_app.tasks)


def test_every_kind_is_registered_by_the_app_in_one_list():
    from reports.apps import register_report_kinds

    assert list(REPORT_KINDS)[:3] == ["panel", "moj_return", "import"]
    before = dict(REPORT_KINDS)
    register_report_kinds()  # registering again changes nothing
    assert before == REPORT_KINDS


def test_the_task_is_acked_late_and_retries_transient_errors():
    assert run_report.acks_late is True
    assert OperationalError in run_report.autoretry_for
    assert run_report.max_retries == 3


def test_the_task_has_the_time_limits_of_the_settings_and_keeps_no_result(settings):
    assert (run_report.soft_time_limit, run_report.time_limit) == (
        settings.REPORT_SOFT_TIME_LIMIT_SECONDS,
        settings.REPORT_TIME_LIMIT_SECONDS,
    )
    assert run_report.soft_time_limit < run_report.time_limit
    assert run_report.ignore_result is True  # sending never asks the result store


def test_a_broker_that_is_down_leaves_the_report_queued_with_a_note(
    kinds, officer, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as KombuOperationalError

    def down(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_report, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert "queue could not be reached" in report.step
    assert report.sent_at is None


RESULT_STORE_DOWN = RuntimeError(
    "Retry limit exceeded while trying to reconnect to the Celery redis result store backend. "
    "The Celery application must be restarted."
)


def test_any_error_while_sending_leaves_the_report_waiting_not_a_server_error(
    kinds, officer_client, monkeypatch, django_capture_on_commit_callbacks
):
    def result_store_down(*args, **kwargs):
        raise RESULT_STORE_DOWN

    monkeypatch.setattr(run_report, "delay", result_store_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("reports:report_request"), {"kind": "test", "fy": "2019", "period": "H1"}
        )

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.status, report.sent_at, report.step) == (Report.Status.QUEUED, None, services.QUEUE_DOWN_STEP)


def test_the_requeue_sends_a_report_whose_sending_failed_with_any_error_exactly_once(
    kinds, officer, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    failing = [RESULT_STORE_DOWN, ValueError("anything else")]

    def delay(report_id):
        if failing:
            raise failing.pop(0)
        # Another requeue running at this moment (beat and a request) finds nothing to send.
        assert services.reports_requeue_waiting() == 0
        sent.append(report_id)

    monkeypatch.setattr(run_report, "delay", delay)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_request(kind="test", parameters=PARAMS, actor=officer)

    assert services.reports_requeue_waiting() == 0  # the second error: still waiting
    assert Report.objects.get(pk=report.pk).sent_at is None
    assert services.reports_requeue_waiting() == 1
    assert services.reports_requeue_waiting() == 0
    assert sent == [report.pk]
    report.refresh_from_db()
    assert (report.attempts, report.step) == (1, services.WAITING_STEP)
    assert report.sent_at is not None


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
def test_officers_finance_and_board_request_a_report_and_download_it(
    db, kinds, role_client, request, django_capture_on_commit_callbacks
):
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
    assert download["Cache-Control"] == "private, no-store"
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
    second = officer_client.post(
        reverse("reports:report_request"), {"kind": "test", "fy": "2019", "period": "H1"}, follow=True
    )
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


def test_the_archive_takes_the_same_number_of_queries_for_more_reports(
    kinds, officer_client, django_assert_max_num_queries
):
    users = [UserFactory() for _ in range(3)]
    for index in range(30):
        Report.objects.create(
            kind="test",
            parameters={"fy": 2019, "period": "Q1"},
            parameters_key=str(index),
            status=Report.Status.SUCCEEDED,
            requested_by=users[index % 3],
        )
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


def test_requesting_while_the_queue_is_down_shows_the_report_waiting_not_an_error(
    kinds, officer_client, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as KombuOperationalError

    def down(*args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(run_report, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("reports:report_request"), {"kind": "test", "fy": "2019", "period": "H1"}
        )

    assert response.status_code == 302
    page = officer_client.get(response["Location"])
    assert "Queued" in page.text
    assert "the report queue could not be reached" in page.text
