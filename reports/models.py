"""The report archive: one ``Report`` per request, built by a Celery job (``reports.engine.tasks``)."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q

from pcc_commissioning.periods import fy_label


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
    # When the job was last handed to the queue; empty while it waits to be sent (the queue was
    # down, or its worker stopped and it is to run again): ``reports_requeue_waiting`` sends those.
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # How many times the job has been handed out (sent, or taken over from a worker that stopped),
    # so a report that keeps losing its worker is failed rather than tried for ever.
    attempts = models.PositiveSmallIntegerField(default=0)
    # The worker's last sign of life while building (progress, and a timer): a running report
    # whose heartbeat is older than REPORT_WORKER_LOST_AFTER_SECONDS lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

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
    def file_format(self) -> str:
        """ "PDF", "XLSX", "JSON"…: the built file's type, from its name."""
        suffix = PurePath(self.file.name or "").suffix
        return suffix.lstrip(".").upper()

    @property
    def period_label(self) -> str:
        fy = self.parameters.get("fy")
        period = self.parameters.get("period", "")
        if fy:
            return f"{fy_label(int(fy))} {period}".strip()
        return period


class MojReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for sign-off"
    SIGNED_OFF = "signed_off", "Signed off"


class MojReturn(models.Model):
    """One version of the MoJ bi-annual compliance return for a financial year and half.

    While draft or submitted the figures are computed live from funding lines, payments and
    accepted monitoring returns (``reports.moj.figures``). Signing off stores them in
    ``figures`` (the JSON shape docs/formats.md documents) and they never change again; an amendment
    is a new version, computed live, compared with the one before.
    """

    fy = models.PositiveSmallIntegerField("financial year", help_text="Starting year: 2019 means 2019/20.")
    half = models.PositiveSmallIntegerField(help_text="1 = April to September, 2 = October to March.")
    number = models.PositiveSmallIntegerField("version", default=1)
    status = models.CharField(max_length=20, choices=MojReturnStatus.choices, default=MojReturnStatus.DRAFT)
    amends = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amended_by",
        help_text="The signed-off version this one amends.",
    )
    amendment_reason = models.TextField(blank=True)
    figures = models.JSONField(null=True, blank=True, help_text="The frozen figures; set when signed off.")
    figures_checksum = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text as well: the record must still say who signed if the account is removed.
    signed_off_name = models.CharField(max_length=200, blank=True)
    signed_off_role = models.CharField(max_length=200, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Row version, against lost updates.")

    class Meta:
        ordering = ["-fy", "-half", "-number"]
        verbose_name = "MoJ return"
        constraints = [
            models.UniqueConstraint(fields=["fy", "half", "number"], name="reports_moj_return_one_per_version"),
            # Only one version of a half may be open (draft or submitted) at a time.
            models.UniqueConstraint(
                fields=["fy", "half"],
                condition=~Q(status="signed_off"),
                name="reports_moj_return_one_open_per_half",
            ),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="reports_moj_return_half_1_or_2"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "signed_off"]), name="reports_moj_return_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="signed_off")
                | (Q(figures__isnull=False) & Q(signed_off_at__isnull=False) & ~Q(signed_off_name="")),
                name="reports_moj_return_signed_off_is_frozen",
                violation_error_message="A signed-off return needs its frozen figures, signatory and date.",
            ),
        ]

    def __str__(self) -> str:
        return f"MoJ return {fy_label(self.fy)} H{self.half} v{self.number}"

    @property
    def is_signed_off(self) -> bool:
        return self.status == MojReturnStatus.SIGNED_OFF


class MojReturnExplanation(models.Model):
    """A finance officer's explanation of a blocking validation issue, recorded at sign-off."""

    moj_return = models.ForeignKey(MojReturn, on_delete=models.CASCADE, related_name="explanations")
    issue_key = models.CharField(max_length=200, help_text="The issue's stable key, e.g. missing_return:AWD-1:2019-Q1.")
    issue_message = models.TextField()
    explanation = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["moj_return", "issue_key"]
        constraints = [
            models.UniqueConstraint(fields=["moj_return", "issue_key"], name="reports_moj_explanation_one_per_issue"),
            models.CheckConstraint(condition=~Q(explanation=""), name="reports_moj_explanation_not_blank"),
        ]

    def __str__(self):
        return f"{self.issue_key}: {self.explanation}"


class MojReturnEvent(models.Model):
    """The return's history: created, submitted, returned to draft, signed off, amended."""

    moj_return = models.ForeignKey(MojReturn, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=MojReturnStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=MojReturnStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["moj_return", "at", "pk"]

    def __str__(self):
        return f"{self.from_status or 'new'} → {self.to_status} at {self.at:%Y-%m-%d %H:%M}"
