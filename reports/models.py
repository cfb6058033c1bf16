"""The report archive: one ``Report`` per request, built by a Celery job (``reports.tasks``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Report(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=40)
    parameters = models.JSONField(default=dict, blank=True)
    # A stable text form of the parameters (sorted JSON), so the partial unique constraint and
    # the archive's period filter work the same on SQLite and PostgreSQL.
    parameters_key = models.CharField(max_length=200, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to="reports/", blank=True)
    checksum = models.CharField("SHA-256 checksum", max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    requested_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "parameters_key"],
                condition=Q(status__in=["queued", "running"]),
                name="report_one_active_per_kind_and_parameters",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_at_most_100"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "succeeded", "failed"]), name="report_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.parameters_key} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def period_label(self) -> str:
        fy = self.parameters.get("fy")
        period = self.parameters.get("period", "")
        if fy:
            return f"{int(fy)}/{(int(fy) + 1) % 100:02d} {period}".strip()
        return period
