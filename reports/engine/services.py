"""Writes of the reports engine: request a report, run it, sweep the stuck ones."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import threading

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q

from pcc_commissioning import clock
from reports.models import Report

from .registry import REPORT_KINDS

logger = logging.getLogger(__name__)

try:  # the Redis client is installed with Celery's Redis transport
    from redis.exceptions import ConnectionError as RedisConnectionError
except ImportError:  # pragma: no cover
    RedisConnectionError = ConnectionError  # type: ignore[assignment,misc]

# Errors worth another try: the database or the broker was briefly unreachable.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, RedisConnectionError)


def parameters_key(parameters: dict) -> str:
    return json.dumps(parameters, sort_keys=True, separators=(",", ":"), default=str)


QUEUE_DOWN_STEP = (
    "Waiting: the report queue could not be reached. The report will start when the queue is back; "
    "if it has not started in a few minutes, ask your system administrator."
)
WAITING_STEP = "Waiting to start"
WORKER_LOST_STEP = "Waiting: the worker building this report stopped, so it will start again shortly."
# The Celery task that builds a report (``reports.engine.tasks.run_report``), sent by its name:
# the tasks call these services, so the services do not import the tasks. The name is older than
# the module's path and stays, as queued jobs carry it.
RUN_REPORT_TASK = "reports.tasks.run_report"


def _send(report_id: int) -> None:
    """Send the job by its registered task, so the task's own options apply (no result kept,
    run at once when Celery is eager, as in tests and without a broker)."""
    current_app.tasks[RUN_REPORT_TASK].delay(report_id)


def _enqueue(report_id: int) -> bool | None:
    """Hand the job to Celery, at most once per wait: the report is marked sent (``sent_at``)
    before sending, so two requeues (or a request and a requeue) never both send it.

    Never raises: a request must not fail because the broker or the result store is down (or
    anything else goes wrong while sending). If sending fails the mark is taken back and the
    step says the queue is down; ``reports_requeue_waiting`` sends it once the queue is back.
    Returns True when sent, False when sending failed, None when there was nothing to send (it
    was sent, started or finished meanwhile)."""
    try:
        marked_at = clock.now()
        waiting = Report.objects.filter(pk=report_id, status=Report.Status.QUEUED, sent_at__isnull=True)
        if not waiting.update(sent_at=marked_at, step=WAITING_STEP):
            return None
    except Exception:
        logger.exception("Could not mark report %s as sent; the requeue will send it", report_id)
        return False
    try:
        _send(report_id)
    except Exception as error:
        logger.warning("Could not queue report %s: %s: %s", report_id, type(error).__name__, error)
        _mark_unsent(report_id, marked_at)
        return False
    try:
        Report.objects.filter(pk=report_id).update(attempts=F("attempts") + 1)
    except Exception:  # the job is on its way; only the count is lost
        logger.exception("Could not count the sending of report %s", report_id)
    return True


def _mark_unsent(report_id: int, marked_at: datetime.datetime) -> None:
    try:
        Report.objects.filter(pk=report_id, status=Report.Status.QUEUED, sent_at=marked_at).update(
            sent_at=None, step=QUEUE_DOWN_STEP
        )
    except Exception:
        # The database is unreachable too: the report keeps its mark, and the sweep sends it
        # again when it has not started within REPORT_START_TIMEOUT_MINUTES.
        logger.exception("Could not mark report %s as waiting for the queue", report_id)


def report_request(*, kind: str, parameters: dict, actor) -> tuple[Report, bool]:
    """Queue a report, or return the one of the same kind and parameters already queued or running.

    Returns ``(report, created)``. A queued or running one that has stopped (its worker died, or
    no worker took it) is dealt with first, as the sweep would: sent again or failed, so a
    request never returns a stuck report. The job is sent to Celery once the request is committed.
    """
    if kind not in REPORT_KINDS:
        raise ValidationError({"kind": f"There is no report of kind {kind!r}."})
    key = parameters_key(parameters)
    if len(key) > Report._meta.get_field("parameters_key").max_length:
        raise ValidationError({"parameters": "The report parameters are too long."})
    same = Report.objects.filter(kind=kind, parameters_key=key)
    _recover_stopped(same, now=clock.now())
    active = same.filter(status__in=Report.ACTIVE_STATUSES)
    existing = active.first()
    if existing is not None:
        if existing.status == Report.Status.QUEUED and existing.sent_at is None:
            # Waiting for the queue: try now rather than wait for the next requeue.
            transaction.on_commit(lambda: _enqueue(existing.pk))
        return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                kind=kind,
                parameters=parameters,
                parameters_key=key,
                requested_by=actor,
                step=WAITING_STEP,
            )
    except IntegrityError:
        # Another request for the same report won the race: return that one.
        existing = active.first()
        if existing is None:
            raise
        return existing, False
    transaction.on_commit(lambda: _enqueue(report.pk))
    return report, True


def _set_progress(report_id: int, pct: int, step: str) -> None:
    pct = max(0, min(100, int(pct)))
    Report.objects.filter(pk=report_id).update(progress=pct, step=step[:200], heartbeat_at=clock.now())


class _Heartbeat:
    """While a report is built, a timer thread records a sign of life every
    ``REPORT_HEARTBEAT_SECONDS``, so a builder that is busy between progress steps is not taken
    for a dead worker. The thread dies with the worker's process, which is the point."""

    def __init__(self, report_id: int):
        self.report_id = report_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"report-{report_id}-heartbeat", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopped.wait(settings.REPORT_HEARTBEAT_SECONDS):
                try:
                    Report.objects.filter(pk=self.report_id, status=Report.Status.RUNNING).update(
                        heartbeat_at=clock.now()
                    )
                except Exception:  # the database may be back at the next beat
                    logger.warning("Could not record report %s's heartbeat", self.report_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def _readable(error: BaseException) -> str:
    if isinstance(error, SoftTimeLimitExceeded):
        return (
            f"The report took longer than {settings.REPORT_SOFT_TIME_LIMIT_SECONDS} seconds to build, "
            "so it was stopped. Ask your system administrator."
        )
    text = str(error).strip() or type(error).__name__
    return f"{type(error).__name__}: {text}"[:2000]


def _claim(report_id: int) -> datetime.datetime | None:
    """Mark the report running for this delivery of the job and return its start (which names
    this run), or None when there is nothing to run: it finished, or it is running elsewhere
    with a fresh heartbeat (the broker delivered the job twice)."""
    now = clock.now()
    running = {
        "status": Report.Status.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "progress": 0,
        "step": "Starting",
        "error": "",
    }
    if Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(**running):
        return now
    # Running, but its worker stopped: this is the broker handing the job on (acks_late).
    lost = Report.objects.filter(_worker_lost(now), pk=report_id, attempts__lt=settings.REPORT_MAX_ATTEMPTS)
    if lost.update(attempts=F("attempts") + 1, **running):
        return now
    _recover_stopped(Report.objects.filter(pk=report_id), now=now)  # out of attempts: failed, with why
    return None


def _this_run(report_id: int, started_at: datetime.datetime):
    """The report, if it is still this run's: not failed by the sweep, nor taken over."""
    return Report.objects.filter(pk=report_id, status=Report.Status.RUNNING, started_at=started_at)


def report_run(*, report_id: int) -> Report:
    """Build the report: mark it running, call its kind's builder (which records progress) with
    a heartbeat, store the file with its SHA-256 checksum and mark it succeeded.

    A job delivered again for a report that finished or is running elsewhere does nothing. On an
    error the report is marked failed with a readable message; transient errors (database or
    broker unreachable) are re-raised so Celery tries again, others are not.
    """
    started_at = _claim(report_id)
    if started_at is None:
        return Report.objects.get(pk=report_id)
    report = Report.objects.get(pk=report_id)
    try:
        kind = REPORT_KINDS[report.kind]
        with _Heartbeat(report_id):
            content, filename = kind.build(
                **report.parameters, progress=lambda pct, step: _set_progress(report_id, pct, step)
            )
        _store(report, started_at, content, filename)
    except TRANSIENT_ERRORS as error:
        # Back to queued (still deduplicated) with the attempt's error, for Celery's retry.
        logger.warning("Report %s hit a transient error: %s", report_id, error)
        with contextlib.suppress(TRANSIENT_ERRORS):
            _this_run(report_id, started_at).update(
                status=Report.Status.QUEUED, step="Waiting to try again", error=_readable(error), sent_at=clock.now()
            )
        raise
    except Exception as error:
        logger.exception("Report %s failed", report_id)
        _this_run(report_id, started_at).update(
            status=Report.Status.FAILED, error=_readable(error), finished_at=clock.now()
        )
    return Report.objects.get(pk=report_id)


def _store(report: Report, started_at: datetime.datetime, content: bytes, filename: str) -> None:
    report.file.save(filename, ContentFile(content), save=False)
    stored = _this_run(report.pk, started_at).update(
        file=report.file.name,
        checksum=hashlib.sha256(content).hexdigest(),
        status=Report.Status.SUCCEEDED,
        progress=100,
        step="Finished",
        finished_at=clock.now(),
    )
    if not stored:  # failed by the sweep or taken over meanwhile: that outcome stands
        logger.warning("Report %s was no longer this run's; its file is discarded", report.pk)
        report.file.delete(save=False)


def report_mark_failed(*, report_id: int, error: str) -> None:
    """Used when Celery gives up after its retries."""
    Report.objects.filter(pk=report_id, status__in=Report.ACTIVE_STATUSES).update(
        status=Report.Status.FAILED, error=error[:2000], finished_at=clock.now()
    )


def _worker_lost(now: datetime.datetime) -> Q:
    """Running reports whose worker has shown no sign of life for REPORT_WORKER_LOST_AFTER_SECONDS."""
    limit = now - datetime.timedelta(seconds=settings.REPORT_WORKER_LOST_AFTER_SECONDS)
    return Q(status=Report.Status.RUNNING) & (
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )


def _recover_stopped(reports, *, now: datetime.datetime) -> int:
    """Deal with the reports among ``reports`` that stopped moving; returns how many:

    - running, but the worker has shown no sign of life: queued again (the requeue sends it) if
      it has been handed out fewer than REPORT_MAX_ATTEMPTS times, else failed saying so;
    - sent to the queue but not started within REPORT_START_TIMEOUT_MINUTES (the job was lost,
      say with a restarted Redis): sent again, on the same terms, else failed saying so;
    - running for longer than REPORT_STUCK_AFTER_MINUTES although alive (a builder that hangs):
      failed.
    """
    attempts_left = Q(attempts__lt=settings.REPORT_MAX_ATTEMPTS)
    lost = reports.filter(_worker_lost(now))
    start_limit = now - datetime.timedelta(minutes=settings.REPORT_START_TIMEOUT_MINUTES)
    unstarted = reports.filter(status=Report.Status.QUEUED, sent_at__lt=start_limit)
    stuck_limit = now - datetime.timedelta(minutes=settings.REPORT_STUCK_AFTER_MINUTES)
    failed = {"status": Report.Status.FAILED, "finished_at": now}
    return sum(
        (
            lost.filter(attempts_left).update(
                status=Report.Status.QUEUED, sent_at=None, progress=0, step=WORKER_LOST_STEP
            ),
            lost.update(
                **failed,
                error=(
                    "The worker building this report stopped before finishing it, and the report has been tried as "
                    "many times as allowed. Request it again; if it stops again, ask your system administrator."
                ),
            ),
            unstarted.filter(attempts_left).update(sent_at=None),
            unstarted.update(
                **failed,
                error=(
                    f"No report worker started this report within {settings.REPORT_START_TIMEOUT_MINUTES} minutes, "
                    "even after sending it again. Ask your system administrator to check the report workers, "
                    "then request it again."
                ),
            ),
            reports.filter(status=Report.Status.RUNNING, started_at__lt=stuck_limit).update(
                **failed,
                error=(
                    f"The report stopped: it was still running after {settings.REPORT_STUCK_AFTER_MINUTES} minutes. "
                    "Request it again."
                ),
            ),
        )
    )


@transaction.atomic
def reports_sweep_stuck(*, now: datetime.datetime | None = None) -> int:
    """Recover every report that stopped moving (see ``_recover_stopped``): run every minute
    by Celery beat, followed by ``reports_requeue_waiting``. Returns how many."""
    return _recover_stopped(Report.objects.all(), now=now or clock.now())


def reports_requeue_waiting() -> int:
    """Send to Celery every queued report not yet sent: its sending failed (the broker or the
    result store was down, or anything else went wrong), or the sweep queued it again. Run
    every minute by Celery beat, so such a report starts soon after the broker is back. Stops at
    the first failure (the broker is still down). Returns how many were sent."""
    waiting = Report.objects.filter(status=Report.Status.QUEUED, sent_at__isnull=True).order_by("pk")
    sent = 0
    for report_id in list(waiting.values_list("pk", flat=True)):
        outcome = _enqueue(report_id)  # marks it sent first, so it is sent once however many run this
        if outcome is False:
            break
        sent += bool(outcome)
    return sent
