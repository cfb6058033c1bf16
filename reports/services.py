"""Writes of the reports engine: request a report, run it, sweep the stuck ones."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from .kinds import REPORT_KINDS
from .models import Report

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


def _enqueue(report_id: int) -> bool:
    """Hand the job to Celery. If the broker is down, the report stays queued and says so
    (``reports_requeue_waiting`` sends it once the broker is back). Returns whether it was sent."""
    from .tasks import run_report

    try:
        run_report.delay(report_id)
    except Exception as error:
        broker_error = isinstance(error, TRANSIENT_ERRORS + (OSError,)) or type(error).__module__.startswith(
            ("kombu", "celery", "redis", "amqp")
        )
        if not broker_error:
            raise
        logger.warning("Could not queue report %s: %s", report_id, error)
        Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(step=QUEUE_DOWN_STEP)
        return False
    return True


def report_request(*, kind: str, parameters: dict, actor) -> tuple[Report, bool]:
    """Queue a report, or return the one of the same kind and parameters already queued or running.

    Returns ``(report, created)``. The job is sent to Celery once the request is committed.
    """
    if kind not in REPORT_KINDS:
        raise ValidationError({"kind": f"There is no report of kind {kind!r}."})
    key = parameters_key(parameters)
    if len(key) > Report._meta.get_field("parameters_key").max_length:
        raise ValidationError({"parameters": "The report parameters are too long."})
    active = Report.objects.filter(kind=kind, parameters_key=key, status__in=Report.ACTIVE_STATUSES)
    existing = active.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                kind=kind, parameters=parameters, parameters_key=key, requested_by=actor,
                step="Waiting to start",
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
    Report.objects.filter(pk=report_id).update(progress=pct, step=step[:200])


def _readable(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return f"{type(error).__name__}: {text}"[:2000]


def report_run(*, report_id: int) -> Report:
    """Build the report: mark it running, call its kind's builder (which records progress),
    store the file with its SHA-256 checksum and mark it succeeded.

    On an error the report is marked failed with a readable message; transient errors (database
    or broker unreachable) are re-raised so Celery tries again, others are not.
    """
    report = Report.objects.get(pk=report_id)
    if report.status in (Report.Status.SUCCEEDED, Report.Status.FAILED):
        return report  # delivered twice (acks_late): already finished
    report.status = Report.Status.RUNNING
    report.started_at = timezone.now()
    report.progress = 0
    report.step = "Starting"
    report.error = ""
    report.save(update_fields=["status", "started_at", "progress", "step", "error"])

    try:
        kind = REPORT_KINDS[report.kind]
        content, filename = kind.build(
            **report.parameters, progress=lambda pct, step: _set_progress(report_id, pct, step)
        )
        report.refresh_from_db()
        report.checksum = hashlib.sha256(content).hexdigest()
        report.file.save(filename, ContentFile(content), save=False)
        report.status = Report.Status.SUCCEEDED
        report.progress = 100
        report.step = "Finished"
        report.finished_at = timezone.now()
        report.save(update_fields=["checksum", "file", "status", "progress", "step", "finished_at"])
        return report
    except TRANSIENT_ERRORS as error:
        # Back to queued (still deduplicated) with the attempt's error, for Celery's retry.
        logger.warning("Report %s hit a transient error: %s", report_id, error)
        try:
            Report.objects.filter(pk=report_id).update(
                status=Report.Status.QUEUED, step="Waiting to try again", error=_readable(error)
            )
        except TRANSIENT_ERRORS:
            pass
        raise
    except Exception as error:
        logger.exception("Report %s failed", report_id)
        Report.objects.filter(pk=report_id).update(
            status=Report.Status.FAILED, error=_readable(error), finished_at=timezone.now()
        )
        return Report.objects.get(pk=report_id)


def report_mark_failed(*, report_id: int, error: str) -> None:
    """Used when Celery gives up after its retries."""
    Report.objects.filter(pk=report_id, status__in=Report.ACTIVE_STATUSES).update(
        status=Report.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


@transaction.atomic
def reports_sweep_stuck(*, now: datetime.datetime | None = None) -> int:
    """Mark failed every report running for longer than ``REPORT_STUCK_AFTER_MINUTES``
    (its worker died and the job was not redelivered). Returns how many."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(minutes=settings.REPORT_STUCK_AFTER_MINUTES)
    return Report.objects.filter(status=Report.Status.RUNNING, started_at__lt=limit).update(
        status=Report.Status.FAILED,
        finished_at=now,
        error=f"The report stopped: it was still running after {settings.REPORT_STUCK_AFTER_MINUTES} minutes. "
              "Request it again.",
    )


def reports_requeue_waiting() -> int:
    """Send to Celery again every queued report whose first sending failed (the broker was
    down: its step says so). Run every minute by Celery beat, so such a report starts soon after
    the broker is back. Stops at the first failure (the broker is still down). Returns how many
    were sent."""
    waiting = Report.objects.filter(status=Report.Status.QUEUED, step=QUEUE_DOWN_STEP).order_by("pk")
    sent = 0
    for report_id in waiting.values_list("pk", flat=True):
        # Marked before sending, so a worker that starts it at once is not overwritten.
        if not Report.objects.filter(pk=report_id, status=Report.Status.QUEUED, step=QUEUE_DOWN_STEP).update(
            step="Waiting to start"
        ):
            continue  # started or requeued meanwhile
        if not _enqueue(report_id):
            break
        sent += 1
    return sent
