"""Celery tasks of the reports engine: they only look up the id and call a service.

Registered by ``reports.apps.ReportsConfig.ready`` (Celery's autodiscovery looks for
``reports.tasks``). Their names are those of the module's old path, ``reports.tasks.*``: the
beat schedule (settings ``CELERY_BEAT_SCHEDULE``) and jobs already queued refer to them.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .services import TRANSIENT_ERRORS, report_mark_failed, report_run, reports_requeue_waiting, reports_sweep_stuck


@shared_task(
    bind=True,
    name="reports.tasks.run_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
    # Nothing reads the job's result (the report row is the result), and asking the result
    # store about it on sending made a request hang, then fail, while Redis was down.
    ignore_result=True,
    # A builder that overruns is stopped (the soft limit raises inside it, so the report is
    # marked failed with a reason); the hard limit ends the worker process if that is ignored.
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT_SECONDS,
    time_limit=settings.REPORT_TIME_LIMIT_SECONDS,
)
def run_report(self, report_id: int) -> str:
    try:
        report = report_run(report_id=report_id)
    except TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            report_mark_failed(report_id=report_id, error=f"Gave up after {self.max_retries} retries: {error}")
        raise
    return report.status


@shared_task(name="reports.tasks.sweep_stuck_reports", ignore_result=True)
def sweep_stuck_reports() -> int:
    """Every minute: reports whose worker stopped are queued again (or failed), then sent."""
    recovered = reports_sweep_stuck()
    reports_requeue_waiting()
    return recovered


@shared_task(name="reports.tasks.requeue_waiting_reports", ignore_result=True)
def requeue_waiting_reports() -> int:
    return reports_requeue_waiting()
