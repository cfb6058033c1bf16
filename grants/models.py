"""Money in (funding streams, allocations, priority budgets) and money out (awards, their
funding lines, co-funding, forecasts and payments), and the decisions that made the awards.

Amounts are ``Decimal`` in pounds (14 digits, 2 places). Financial years are stored as the
starting year (2019 = 2019/20); ``pcc_commissioning.periods`` owns all period arithmetic.
An award's value per year is the sum of its funding lines: there is no second copy of it.
"""

# long module: Django reads an app's models from one module, and every migration of grants names
# this one; the bounded contexts (grants/awards/, payments/, ...) share these tables, so splitting
# them into a package would only hide the same definitions behind an __init__ that imports them all.

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}


def fy_field(**kwargs) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField("financial year", help_text="Starting year: 2019 means 2019/20.", **kwargs)


# Funding: money in ------------------------------------------------------------------------


class StreamKind(models.TextChoices):
    CENTRAL_GOVERNMENT = "central_government", "Central government grant"
    PRECEPT = "precept", "Precept"
    PARTNER = "partner", "Partner contribution"
    OTHER = "other", "Other"


class FundingStream(models.Model):
    """Where money comes from, e.g. "MoJ victims' services grant (Core)"."""

    name = models.CharField(max_length=200)
    source = models.ForeignKey(
        "providers.Organisation",
        on_delete=models.PROTECT,
        related_name="funding_streams",
        help_text="The organisation the money comes from.",
    )
    kind = models.CharField(max_length=30, choices=StreamKind.choices)
    moj_reported = models.BooleanField(
        "reported to the MoJ", default=False, help_text="Included in the MoJ bi-annual compliance return."
    )
    ring_fenced_for = models.CharField(
        max_length=100, blank=True, help_text="Blank, or what the money may only be spent on (e.g. ISVA)."
    )
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="grants_stream_name_unique_ci",
                violation_error_message="There is already a funding stream with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StreamAllocation(models.Model):
    """The income of a stream in one financial year."""

    stream = models.ForeignKey(FundingStream, on_delete=models.CASCADE, related_name="allocations")
    fy = fy_field()
    amount = models.DecimalField(**MONEY)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["stream", "fy"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "fy"], name="grants_allocation_one_per_stream_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grants_allocation_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.fy}: {self.amount}"


class PriorityBudget(models.Model):
    """The budget of a commissioning priority in one financial year."""

    priority = models.ForeignKey("outcomes.CommissioningPriority", on_delete=models.PROTECT, related_name="budgets")
    fy = fy_field()
    amount = models.DecimalField(**MONEY)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["priority", "fy"]
        constraints = [
            models.UniqueConstraint(fields=["priority", "fy"], name="grants_budget_one_per_priority_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grants_budget_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.priority} {self.fy}: {self.amount}"


# Decisions ----------------------------------------------------------------------------------


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    PUBLISHED = "published", "Published"


class Decision(models.Model):
    """A numbered, published decision record of the PCC, e.g. "PCC-2019-033"."""

    reference = models.CharField(max_length=50, unique=True)
    subject = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    decision_text = models.TextField("decision", blank=True)
    decided_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(
        "amount approved",
        **MONEY,
        null=True,
        blank=True,
        help_text="The most the PCC approved. Awards made under this decision may not be worth more.",
    )
    decision_maker = models.CharField(max_length=200, default="Police and Crime Commissioner")
    declaration_of_interests = models.TextField(blank=True)
    contact_officer = models.CharField(max_length=200, blank=True)
    background_papers = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    published_on = models.DateField(null=True, blank=True)
    # A decision that a delivery plan's update was monitored (plan scrutiny) names the update.
    update_round = models.ForeignKey(
        "delivery.UpdateRound",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name="delivery plan update",
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-decided_on", "-reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=DecisionStatus.DRAFT) | Q(decided_on__isnull=False),
                name="grants_decision_signed_has_date",
                violation_error_message="A signed or published decision needs the date it was decided on.",
            ),
            models.CheckConstraint(
                condition=~Q(status=DecisionStatus.PUBLISHED) | Q(published_on__isnull=False),
                name="grants_decision_published_has_date",
                violation_error_message="A published decision needs its publication date.",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="grants_decision_amount_not_negative",
                violation_error_message="The amount approved cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def is_signed(self) -> bool:
        return self.status in (DecisionStatus.SIGNED, DecisionStatus.PUBLISHED)


# Awards: money out --------------------------------------------------------------------------


class AwardKind(models.TextChoices):
    GRANT = "grant", "Grant"
    CONTRACT = "contract", "Contract"
    SLA = "sla", "Service level agreement"
    CONTRIBUTION = "contribution", "Contribution"


class AwardStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    PROCURING = "procuring", "Procuring"
    AWARDED = "awarded", "Awarded"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    CANCELLED = "cancelled", "Cancelled"


# docs/formats.md "Money": what counts as committed, and what as planned. Cancelled counts for nothing.
COMMITTED_STATUSES = (AwardStatus.AWARDED, AwardStatus.ACTIVE, AwardStatus.ENDED)
PLANNED_STATUSES = (AwardStatus.PLANNED, AwardStatus.PROCURING)
OPEN_STATUSES = (AwardStatus.PLANNED, AwardStatus.PROCURING, AwardStatus.AWARDED, AwardStatus.ACTIVE)


def award_runs_until(*, end_date, extension_until, extension_taken: bool):
    """The last day of an award: the end of its extension once taken, else its end date (also
    for values not saved yet, as the award services check them)."""
    if extension_taken and extension_until and end_date and extension_until > end_date:
        return extension_until
    return end_date


class Award(models.Model):
    """A grant, contract, SLA or contribution to a provider."""

    reference = models.CharField(max_length=50, unique=True, help_text="e.g. AWD-2019-0042")
    title = models.CharField(max_length=300)
    provider = models.ForeignKey("providers.Organisation", on_delete=models.PROTECT, related_name="awards")
    kind = models.CharField(max_length=20, choices=AwardKind.choices)
    priority = models.ForeignKey("outcomes.CommissioningPriority", on_delete=models.PROTECT, related_name="awards")
    kpqs = models.ManyToManyField("outcomes.KPQ", blank=True, related_name="awards", verbose_name="KPQs")
    purpose = models.TextField(blank=True, help_text="What we want to achieve and why.")
    approach = models.TextField(blank=True, help_text="How we do it.")
    conditions = models.TextField("grant conditions", blank=True)
    reasons = models.TextField(blank=True, help_text="Why it serves the Police and Crime Plan (published for grants).")
    status = models.CharField(max_length=20, choices=AwardStatus.choices, default=AwardStatus.PLANNED)
    start_date = models.DateField()
    end_date = models.DateField()
    extension_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Length of the extension option."
    )
    extension_until = models.DateField(null=True, blank=True, help_text="End date if the extension is taken.")
    extension_taken = models.BooleanField(default=False)
    duration = models.CharField(max_length=100, blank=True, help_text='As described, e.g. "2 years plus extension".')
    key_activity = models.TextField("key activity for the year", blank=True)
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_awards"
    )
    finance_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="finance_awards",
        help_text="The finance officer who approves the award's payments.",
    )
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="awards")
    cost_centre = models.CharField(max_length=50, blank=True)
    intention = models.ForeignKey(
        "needs_assessment.CommissioningIntention",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="awards",
        help_text="The commissioning intention this award fulfils.",
    )
    areas = models.ManyToManyField(
        "needs_assessment.Area",
        blank=True,
        related_name="awards",
        help_text="Where the service is delivered. None: the whole force area.",
    )
    moj_category = models.ForeignKey(
        "outcomes.CodeListEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"list": "moj_category"},
        verbose_name="MoJ service category",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version", "created_at", "updated_at"], m2m_fields=[kpqs, areas])

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="grants_award_end_after_start",
                violation_error_message="The end date must be on or after the start date.",
            ),
            models.CheckConstraint(
                condition=Q(extension_until__isnull=True) | Q(extension_until__gt=F("end_date")),
                name="grants_award_extension_after_end",
                violation_error_message="An extension must end after the award's end date.",
            ),
            models.CheckConstraint(
                condition=Q(extension_taken=False) | Q(extension_until__isnull=False),
                name="grants_award_taken_extension_has_date",
                violation_error_message="Say until when the extension runs before marking it taken.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "end_date"]),
            models.Index(fields=["provider", "status"]),
            # The register's default order (selectors.SORT_FIELDS "reference"): a page of it is
            # read from the index instead of sorting every award.
            models.Index(Lower("reference"), "id", name="grants_award_reference_order"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_committed(self) -> bool:
        return self.status in COMMITTED_STATUSES

    @property
    def last_day(self):
        """The award's last day: the end of its extension once taken, else its end date."""
        return award_runs_until(
            end_date=self.end_date, extension_until=self.extension_until, extension_taken=self.extension_taken
        )


class AwardTransition(models.Model):
    """One status change of an award: what, when, by whom and why (the award's timeline)."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=AwardStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=AwardStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    automatic = models.BooleanField(
        default=False, help_text="Made by the system (the daily job) because of the calendar, not by a person."
    )
    due_diligence_note = models.TextField(
        blank=True,
        help_text="Why the award went ahead although due-diligence documents were missing or expired.",
    )

    class Meta:
        ordering = ["award", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.award.reference}: {self.from_status or 'new'} → {self.to_status}"


class FundingLine(models.Model):
    """How much one stream puts into one award in one financial year."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="lines")
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="lines")
    fy = fy_field()
    amount = models.DecimalField(**MONEY)

    history = HistoricalRecords()

    class Meta:
        ordering = ["award", "fy", "stream"]
        constraints = [
            models.UniqueConstraint(fields=["award", "stream", "fy"], name="grants_line_one_per_award_stream_year"),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="grants_line_amount_not_negative",
                violation_error_message="A funding line's amount cannot be negative.",
            ),
        ]
        indexes = [models.Index(fields=["fy", "stream"])]

    def __str__(self) -> str:
        return f"{self.award.reference} {self.stream} {self.fy}: {self.amount}"


class CoFunding(models.Model):
    """A co-commissioning partner's contribution to an award (money not paid through us)."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="co_funding")
    partner = models.ForeignKey("providers.Organisation", on_delete=models.PROTECT, related_name="co_funded_awards")
    fy = fy_field(null=True, blank=True)
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["award", "partner"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="grants_cofunding_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.award.reference}"


class ForecastOutturn(models.Model):
    """The officer's forecast of what an award will cost in a financial year."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="forecasts")
    fy = fy_field()
    amount = models.DecimalField(**MONEY)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["award", "fy"]
        constraints = [
            models.UniqueConstraint(fields=["award", "fy"], name="grants_forecast_one_per_award_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grants_forecast_amount_not_negative"),
        ]

    def __str__(self):
        return f"Forecast for {self.award_id} in {self.fy}: {self.amount}"


class AwardDocumentKind(models.TextChoices):
    GRANT_AGREEMENT = "grant_agreement", "Grant agreement"
    CONTRACT = "contract", "Contract"
    VARIATION = "variation", "Variation"
    OTHER = "other", "Other"


def award_document_upload_to(instance: AwardDocument, filename: str) -> str:
    # A random folder name: uploads are served only through a permission-checked view.
    return f"awards/{uuid.uuid4().hex}/{PurePath(filename).name}"


class AwardDocument(models.Model):
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=AwardDocumentKind.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=award_document_upload_to, max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["award", "-uploaded_at"]

    def __str__(self) -> str:
        return self.title


class PlanFrequency(models.TextChoices):
    QUARTERLY = "quarterly", "Quarterly"
    MONTHLY = "monthly", "Monthly"


class PlanTiming(models.TextChoices):
    ADVANCE = "advance", "In advance (due on the first day of each period)"
    ARREARS = "arrears", "In arrears (due the day after each period ends)"
    ON_RETURN = "on_return", "On acceptance of the quarter's monitoring return"


class PaymentPlan(models.Model):
    """How an award is paid: instalments per quarter or month, in advance, in arrears or once
    the quarter's monitoring return is accepted. ``grants.schedules.instalments`` turns it
    into scheduled payments (one per funding line and period) for finance to approve and pay."""

    award = models.OneToOneField(Award, on_delete=models.CASCADE, related_name="payment_plan")
    frequency = models.CharField(max_length=20, choices=PlanFrequency.choices)
    timing = models.CharField(max_length=20, choices=PlanTiming.choices)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(timing=PlanTiming.ON_RETURN) | Q(frequency=PlanFrequency.QUARTERLY),
                name="grants_plan_on_return_is_quarterly",
                violation_error_message="Instalments paid on acceptance of a return must be quarterly.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference}: {self.get_frequency_display().lower()}, {self.timing}"


class CountedPaymentManager(models.Manager):
    """Payments that count: a cancelled payment is kept (with who cancelled it and why) but
    counts for nothing, so every sum, list and check reads through this manager by default."""

    def get_queryset(self):
        return super().get_queryset().filter(cancelled_at__isnull=True)


class Payment(models.Model):
    """A scheduled or actual payment of an award from a stream. Paid = has a paid date.

    It counts against financial year ``fy`` (the year of the funding line it pays), which
    defaults to the year of its due date. Refunds and credit notes are negative, with a reason.
    A payment is approved by finance before it is paid (one recorded by a finance officer is
    approved as it is recorded); an unpaid one may be cancelled, after which it counts for
    nothing (``Payment.objects`` leaves it out; ``Payment.all_objects`` keeps it).
    """

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="payments")
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="payments")
    fy = fy_field()
    due_date = models.DateField()
    paid_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=300, blank=True, help_text="Required for a refund or credit note.")
    invoice_reference = models.CharField(max_length=100, blank=True)
    po_number = models.CharField("PO number", max_length=50, blank=True)
    override_reason = models.TextField(
        blank=True, help_text="Why finance allowed payment beyond the award's funding for the year or stream."
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_diligence_note = models.TextField(
        blank=True,
        help_text="Why the payment went ahead although due-diligence documents were missing or expired.",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.TextField(blank=True)
    plan = models.ForeignKey(
        PaymentPlan,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instalments",
        help_text="The payment plan this instalment was scheduled from.",
    )
    plan_period = models.CharField(
        max_length=10, blank=True, help_text='The period an instalment pays for, e.g. "2019-Q1" or "2019-M01".'
    )
    awaits_return = models.ForeignKey(
        "MonitoringReturn",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instalments",
        help_text="An instalment paid on acceptance of this return: it cannot be approved before.",
    )
    recovery = models.ForeignKey(
        "Recovery",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
        help_text="Money that came back for this recovery (a negative amount).",
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version", "created_at"])

    objects = CountedPaymentManager()
    # The counted manager must stay the default (first declared), so this one comes second.
    all_objects = models.Manager()  # noqa: DJ012

    class Meta:
        ordering = ["due_date", "pk"]
        base_manager_name = "all_objects"
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0),
                name="grants_payment_not_zero",
                violation_error_message="A payment's amount cannot be zero.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | ~Q(reason=""),
                name="grants_payment_refund_has_reason",
                violation_error_message="A refund or credit note (a negative amount) needs a reason.",
            ),
            models.CheckConstraint(
                condition=Q(override_reason="") | Q(override_by__isnull=False),
                name="grants_payment_override_attributed",
                violation_error_message="An override must say who allowed it.",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(paid_date__isnull=True),
                name="grants_payment_paid_not_cancelled",
                violation_error_message="A paid payment cannot be cancelled: record a refund or credit note.",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | ~Q(cancel_reason=""),
                name="grants_payment_cancel_has_reason",
                violation_error_message="Say why the payment is cancelled.",
            ),
            models.CheckConstraint(
                condition=Q(paid_date__isnull=True) | Q(approved_at__isnull=False),
                name="grants_payment_paid_was_approved",
                violation_error_message="A payment must be approved before it is paid.",
            ),
            models.CheckConstraint(
                condition=Q(recovery__isnull=True) | Q(amount__lt=0),
                name="grants_payment_recovery_is_negative",
                violation_error_message="Money recovered is recorded as a negative amount.",
            ),
            # One instalment per plan, stream, year and period: the reconciler may run twice at once.
            models.UniqueConstraint(
                fields=["plan", "stream", "fy", "plan_period"],
                condition=Q(plan__isnull=False, cancelled_at__isnull=True),
                name="grants_payment_one_instalment_per_period",
            ),
        ]
        indexes = [
            models.Index(fields=["fy", "stream"]),
            models.Index(fields=["paid_date"]),
            models.Index(fields=["award", "stream", "fy"]),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference} {self.due_date} {self.amount}"

    @property
    def is_paid(self) -> bool:
        return self.paid_date is not None

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def state(self) -> str:
        """ "paid", "approved", "awaiting return", "scheduled" or "cancelled" (what the pages show)."""
        if self.is_cancelled:
            return "cancelled"
        if self.is_paid:
            return "paid"
        if self.is_approved:
            return "approved"
        if self.awaits_return_id is not None:
            return "awaiting return"
        return "scheduled"


# Monitoring ----------------------------------------------------------------------------------


class KPIPeriod(models.TextChoices):
    QUARTER = "quarter", "Per quarter"
    YEAR = "year", "Per year"


class AwardKPI(models.Model):
    """A key performance indicator of an award, with its target and the KPQ it evidences."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=50, blank=True, help_text='e.g. "people", "%".')
    target = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target_period = models.CharField(max_length=10, choices=KPIPeriod.choices, default=KPIPeriod.QUARTER)
    kpq = models.ForeignKey(
        "outcomes.KPQ", null=True, blank=True, on_delete=models.PROTECT, related_name="award_kpis", verbose_name="KPQ"
    )
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["award", "name"]
        verbose_name = "award KPI"
        constraints = [
            models.UniqueConstraint(
                "award",
                Lower("name"),
                name="grants_kpi_name_unique_per_award",
                violation_error_message="This award already has a KPI with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference} {self.name}"


class ReturnStatus(models.TextChoices):
    DUE = "due", "Due"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned for changes"


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class MonitoringReturn(models.Model):
    """A provider's quarterly monitoring return for an award (quarter 1–4 of financial year ``fy``).

    Late = past ``due_date`` and neither submitted nor accepted (worked out, not stored).
    """

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="returns")
    fy = fy_field()
    quarter = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.DUE)
    referrals = models.PositiveIntegerField("referrals received", null=True, blank=True)
    supported = models.PositiveIntegerField("victims supported (new in the quarter)", null=True, blank=True)
    narrative = models.TextField(blank=True)
    breakdown_explanation = models.TextField(
        "why the breakdowns do not add up",
        blank=True,
        help_text="The provider's explanation when a breakdown's total differs from the victims supported.",
    )
    case_study = models.TextField(blank=True, help_text="No names or other details that could identify a person.")
    case_study_consent = models.BooleanField(default=False, help_text="The person agreed to the case study being used.")
    feedback = models.TextField("service-user feedback", blank=True)
    rag = models.CharField("RAG rating", max_length=10, choices=Rag.choices, blank=True)
    rag_comment = models.TextField("officer's comment", blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_reason = models.TextField(blank=True, help_text="Why the officer returned it for changes.")
    # Its case study, feedback and narrative removed once its award's retention date passed.
    personal_data_redacted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["award", "fy", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["award", "fy", "quarter"], name="grants_return_one_per_award_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="grants_return_quarter_1_to_4"),
            models.CheckConstraint(
                condition=~Q(status=ReturnStatus.ACCEPTED) | ~Q(rag=""),
                name="grants_accepted_return_is_rated",
                violation_error_message="An accepted return needs a RAG rating.",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"]), models.Index(fields=["fy", "quarter"])]

    def __str__(self) -> str:
        return f"{self.award.reference} Q{self.quarter} {self.fy}"


class ReturnBreakdown(models.Model):
    """How many of those supported fall in one code (crime type, age band, sex, ethnicity, disability)."""

    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE, related_name="breakdowns")
    code = models.ForeignKey("outcomes.CodeListEntry", on_delete=models.PROTECT, related_name="+")
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["monitoring_return", "code"]
        constraints = [
            models.UniqueConstraint(fields=["monitoring_return", "code"], name="grants_breakdown_one_per_code"),
        ]

    def __str__(self):
        return f"{self.code_id}: {self.count}"


class ReturnOutcome(models.Model):
    """A victims' outcome measure in a return: how many were assessed and how many improved."""

    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE, related_name="outcomes")
    code = models.ForeignKey("outcomes.CodeListEntry", on_delete=models.PROTECT, related_name="+")
    assessed = models.PositiveIntegerField()
    improved = models.PositiveIntegerField()

    class Meta:
        ordering = ["monitoring_return", "code"]
        constraints = [
            models.UniqueConstraint(fields=["monitoring_return", "code"], name="grants_outcome_one_per_code"),
            models.CheckConstraint(
                condition=Q(improved__lte=F("assessed")),
                name="grants_outcome_improved_within_assessed",
                violation_error_message="The number improved cannot be more than the number assessed.",
            ),
        ]

    def __str__(self):
        return f"{self.code_id}: {self.improved} of {self.assessed} improved"


class ReturnKPIValue(models.Model):
    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE, related_name="kpi_values")
    kpi = models.ForeignKey(AwardKPI, on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(max_digits=16, decimal_places=4)

    class Meta:
        ordering = ["monitoring_return", "kpi"]
        constraints = [
            models.UniqueConstraint(fields=["monitoring_return", "kpi"], name="grants_kpi_value_one_per_return"),
        ]

    def __str__(self):
        return f"{self.kpi_id}: {self.value}"


class ReminderKind(models.TextChoices):
    RETURN_DUE = "return_due", "Return due in 7 days"
    RETURN_LATE = "return_late", "Return late"
    DOCUMENT_EXPIRING = "document_expiring", "Due-diligence document expiring"
    CONTRACT_ENDING = "contract_ending", "Contract ending within 90 days"


class ReminderSent(models.Model):
    """A reminder e-mail that was sent, so the daily job sends each one once per item and stage."""

    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    item = models.CharField(max_length=100, help_text='What it was about, e.g. "return:123" or "document:45".')
    stage = models.CharField(max_length=50, blank=True, help_text="e.g. the due date it was about.")
    recipients = models.TextField(blank=True)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "item", "stage"], name="grants_reminder_once_per_item_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item} {self.stage}"


# After the decision: agreements, variations, spend and recovery, close-out -----------------------


class AgreementKind(models.TextChoices):
    GRANT_AGREEMENT = "grant_agreement", "Grant agreement"
    CONTRACT_AWARD_LETTER = "contract_award_letter", "Contract award letter"
    SLA = "sla", "Service level agreement"
    VARIATION_LETTER = "variation_letter", "Variation letter"
    OFFER_LETTER = "offer_letter", "Offer letter (grant round)"


class AgreementTemplate(models.Model):
    """An agreement's standard wording, with merge fields (``grants.agreements.merge``) that
    are filled from the award when an agreement is issued."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=AgreementKind.choices)
    terms = models.TextField(
        "standard terms", help_text="The agreement's wording. Merge fields in double braces, e.g. {{ provider }}."
    )
    special_conditions = models.TextField(
        blank=True, help_text="Conditions added to every agreement from this template (each award may add its own)."
    )
    is_active = models.BooleanField("in use", default=True, help_text="Only templates in use are offered.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version", "created_at", "updated_at"])

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="grants_agreement_template_name_unique_ci",
                violation_error_message="There is already an agreement template with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgreementStatus(models.TextChoices):
    ISSUED = "issued", "Waiting for the provider's signatory"
    ACCEPTED = "accepted", "Accepted, waiting for the OPCC's countersignature"
    COUNTERSIGNED = "countersigned", "Signed by both"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"


# An agreement in one of these is the award's agreement in force (or on its way to it).
LIVE_AGREEMENT_STATUSES = (AgreementStatus.ISSUED, AgreementStatus.ACCEPTED, AgreementStatus.COUNTERSIGNED)
# Accepted by the provider: payments on the award may be marked paid.
ACCEPTED_AGREEMENT_STATUSES = (AgreementStatus.ACCEPTED, AgreementStatus.COUNTERSIGNED)


def agreement_upload_to(instance: Agreement, filename: str) -> str:
    # A random folder name: agreements are served only through permission-checked views.
    return f"agreements/{uuid.uuid4().hex}/{PurePath(filename).name}"


class Agreement(models.Model):
    """One issued version of an award's agreement (or of a variation's letter), with the exact
    figures it was made from (``figures``), its PDF and DOCX, and who accepted and countersigned it.

    The award's agreements are numbered 1, 2, …; issuing a new one supersedes the live one. A
    variation letter belongs to its variation (``variation``) and is numbered within it."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="agreements")
    variation = models.ForeignKey("Variation", null=True, blank=True, on_delete=models.PROTECT, related_name="letters")
    template = models.ForeignKey(
        AgreementTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="agreements"
    )
    kind = models.CharField(max_length=30, choices=AgreementKind.choices)
    number = models.PositiveSmallIntegerField("version")
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.ISSUED)
    special_conditions = models.TextField(blank=True)
    figures = models.JSONField(default=dict, help_text="The award's figures when the agreement was issued.")
    pdf = models.FileField(upload_to=agreement_upload_to, max_length=300, blank=True)
    docx = models.FileField("DOCX", upload_to=agreement_upload_to, max_length=300, blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the PDF as issued.")
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_name = models.CharField("signatory's name", max_length=200, blank=True)
    accepted_role = models.CharField("signatory's role", max_length=200, blank=True)
    accepted_checksum = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the exact document the signatory accepted."
    )
    accepted_outside = models.BooleanField(
        "accepted outside the service", default=False, help_text="A signed copy was received (e.g. a scan)."
    )
    signed_copy = models.FileField(upload_to=agreement_upload_to, max_length=300, blank=True)
    countersigned_at = models.DateTimeField(null=True, blank=True)
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    countersigned_name = models.CharField(max_length=200, blank=True)
    countersigned_role = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it was superseded or withdrawn.")
    ended_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["award", "variation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "number"],
                condition=Q(variation__isnull=True),
                name="grants_agreement_number_unique_per_award",
            ),
            models.UniqueConstraint(
                fields=["variation", "number"],
                condition=Q(variation__isnull=False),
                name="grants_agreement_number_unique_per_variation",
            ),
            # One live agreement per award (and one live letter per variation).
            models.UniqueConstraint(
                fields=["award"],
                condition=Q(variation__isnull=True, status__in=LIVE_AGREEMENT_STATUSES),
                name="grants_agreement_one_live_per_award",
                violation_error_message="This award already has a live agreement: supersede it first.",
            ),
            models.UniqueConstraint(
                fields=["variation"],
                condition=Q(variation__isnull=False, status__in=LIVE_AGREEMENT_STATUSES),
                name="grants_agreement_one_live_per_variation",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=ACCEPTED_AGREEMENT_STATUSES)
                | (Q(accepted_at__isnull=False) & ~Q(accepted_name="")),
                name="grants_agreement_accepted_is_attributed",
                violation_error_message="An accepted agreement needs who accepted it and when.",
            ),
            models.CheckConstraint(
                condition=Q(accepted_outside=False) | ~Q(signed_copy=""),
                name="grants_agreement_outside_has_signed_copy",
                violation_error_message="An agreement accepted outside the service needs the signed copy.",
            ),
            models.CheckConstraint(
                condition=~Q(status=AgreementStatus.COUNTERSIGNED) | Q(countersigned_at__isnull=False),
                name="grants_agreement_countersigned_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference} {self.get_kind_display().lower()} v{self.number}"

    @property
    def is_accepted(self) -> bool:
        return self.status in ACCEPTED_AGREEMENT_STATUSES


class VariationKind(models.TextChoices):
    EXTENSION = "extension", "Time extension (no cost)"
    EXTENSION_WITH_COST = "extension_with_cost", "Time extension with cost"
    VALUE = "value", "Change of value"
    VIREMENT = "virement", "Virement between years or streams"
    SCOPE = "scope", "Change of scope"
    KPIS = "kpis", "Change of KPIs or targets"
    TRANSFER = "transfer", "Transfer to another provider"
    LEAD_CONTACT = "lead_contact", "Change of lead contact"


# Kinds that move money (finance approves them as well as an officer).
MONEY_VARIATION_KINDS = (VariationKind.EXTENSION_WITH_COST, VariationKind.VALUE, VariationKind.VIREMENT)


class VariationStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    AWAITING_FINANCE = "awaiting_finance", "Waiting for finance"
    AWAITING_DECISION = "awaiting_decision", "Waiting for a PCC decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_VARIATION_STATUSES = (
    VariationStatus.REQUESTED,
    VariationStatus.AWAITING_FINANCE,
    VariationStatus.AWAITING_DECISION,
)


class Variation(models.Model):
    """A request to change an award after the decision, and what became of it.

    What is proposed: a new end date (``new_end_date``; ``takes_extension`` when it is the
    extension offered in the award), a complete new set of funding lines (``lines``, none: the
    lines stay), KPI targets (``kpis``), a new provider, lead contact or scope. Approval follows
    ``grants.variations.transitions``. Approving applies it to the award, which keeps a
    snapshot of each version's figures (``AwardVersion``)."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="variations")
    reference = models.CharField(max_length=60, unique=True, help_text="e.g. AWD-2019-0042-V1")
    kind = models.CharField(max_length=30, choices=VariationKind.choices)
    status = models.CharField(max_length=20, choices=VariationStatus.choices, default=VariationStatus.REQUESTED)
    reason = models.TextField(help_text="Why the change is needed.")
    requested_on = models.DateField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_by_provider = models.BooleanField(default=False, help_text="Raised by the provider in the portal.")
    new_end_date = models.DateField(null=True, blank=True)
    takes_extension = models.BooleanField(
        default=False, help_text="Takes up the extension offered in the award (its end date is the new end date)."
    )
    new_provider = models.ForeignKey(
        "providers.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_lead_contact = models.CharField(max_length=300, blank=True, help_text="Name, role and e-mail address.")
    new_scope = models.TextField(blank=True, help_text="The award's purpose as it would read after the change.")
    # Filled when decided: the award as it was, for the register and the export.
    old_end_date = models.DateField(null=True, blank=True)
    old_value = models.DecimalField(**MONEY, null=True, blank=True)
    new_value = models.DecimalField(**MONEY, null=True, blank=True)
    officer_approved_at = models.DateTimeField(null=True, blank=True)
    officer_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finance_approved_at = models.DateTimeField(null=True, blank=True)
    finance_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.ForeignKey(
        Decision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="variations",
        help_text="The PCC decision that approved it (needed above the delegated limit).",
    )
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.TextField(blank=True, help_text="Why it was declined or withdrawn, or a note on approval.")
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["award", "requested_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=[VariationStatus.APPROVED, VariationStatus.DECLINED, VariationStatus.WITHDRAWN])
                | Q(decided_on__isnull=False),
                name="grants_variation_decided_has_date",
                violation_error_message="A decided variation needs the date it was decided.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[VariationStatus.DECLINED, VariationStatus.WITHDRAWN]) | ~Q(decision_note=""),
                name="grants_variation_declined_has_reason",
                violation_error_message="Say why the variation was declined or withdrawn.",
            ),
            models.CheckConstraint(
                condition=Q(takes_extension=False) | Q(new_end_date__isnull=False),
                name="grants_variation_extension_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_on"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display().lower()}"

    @property
    def moves_money(self) -> bool:
        return self.kind in MONEY_VARIATION_KINDS or self.lines.exists()

    @property
    def value_change(self):
        if self.old_value is None or self.new_value is None:
            return None
        return self.new_value - self.old_value


class VariationLine(models.Model):
    """One funding line of the award as a variation proposes it (stream × year × amount)."""

    variation = models.ForeignKey(Variation, on_delete=models.CASCADE, related_name="lines")
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="+")
    fy = fy_field()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["variation", "fy", "stream"]
        constraints = [
            models.UniqueConstraint(
                fields=["variation", "stream", "fy"], name="grants_variation_line_one_per_stream_year"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grants_variation_line_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.variation.reference} {self.stream} {self.fy}: {self.amount}"


class VariationKPI(models.Model):
    """A KPI as a variation proposes it: a new target for an existing KPI (``kpi``), a new KPI
    (``kpi`` empty) or an existing one removed (``remove``)."""

    variation = models.ForeignKey(Variation, on_delete=models.CASCADE, related_name="kpis")
    kpi = models.ForeignKey(AwardKPI, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=50, blank=True)
    target = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target_period = models.CharField(max_length=10, choices=KPIPeriod.choices, default=KPIPeriod.QUARTER)
    remove = models.BooleanField(default=False)

    class Meta:
        ordering = ["variation", "name"]

    def __str__(self) -> str:
        return f"{self.variation.reference} {self.name}"


class AwardVersion(models.Model):
    """The award's figures as they stood (1: as awarded; each approved variation adds one):
    funding lines, total, dates, provider and KPI targets, as plain data."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    variation = models.OneToOneField(
        Variation, null=True, blank=True, on_delete=models.PROTECT, related_name="award_version"
    )
    figures = models.JSONField(default=dict)
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["award", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="grants_award_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference} version {self.number}"


class SpendReturnKind(models.TextChoices):
    MID_YEAR = "mid_year", "Mid-year budget return"
    FINAL = "final", "Final budget return"


class SpendReturn(models.Model):
    """What a provider spent against what it planned (and was paid) in one financial year, by
    cost line: from its mid-year or final budget return."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="spend_returns")
    fy = fy_field()
    kind = models.CharField(max_length=20, choices=SpendReturnKind.choices)
    received_on = models.DateField()
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["award", "fy", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["award", "fy", "kind"], name="grants_spend_return_one_per_year_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.award.reference} {self.get_kind_display().lower()} {self.fy}"


class SpendLine(models.Model):
    """One cost line of a spend return: planned against actual, and why they differ."""

    spend_return = models.ForeignKey(SpendReturn, on_delete=models.CASCADE, related_name="lines")
    cost_line = models.CharField(max_length=200, help_text='e.g. "Staff", "Premises", "Volunteer expenses".')
    planned = models.DecimalField(**MONEY)
    actual = models.DecimalField(**MONEY)
    variance_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["spend_return", "pk"]
        constraints = [
            models.UniqueConstraint(
                "spend_return",
                Lower("cost_line"),
                name="grants_spend_line_unique_per_return",
                violation_error_message="This return already has this cost line.",
            ),
            models.CheckConstraint(
                condition=Q(planned__gte=0) & Q(actual__gte=0), name="grants_spend_line_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cost_line}: {self.actual} of {self.planned}"


class RecoveryReason(models.TextChoices):
    UNDERSPEND = "underspend", "Underspend"
    INELIGIBLE = "ineligible", "Ineligible spend"
    BREACH = "breach", "Breach of conditions"


class RecoveryStatus(models.TextChoices):
    RAISED = "raised", "Raised"
    PART_RECOVERED = "part_recovered", "Part recovered"
    RECOVERED = "recovered", "Recovered"
    WRITTEN_OFF = "written_off", "Written off"


SETTLED_RECOVERY_STATUSES = (RecoveryStatus.RECOVERED, RecoveryStatus.WRITTEN_OFF)


class Recovery(models.Model):
    """Money to come back from a provider. What has come back is the recovery's receipts:
    negative payments (``Payment.recovery``) against the stream and year it was paid from, so
    every report of "paid" sees them."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="recoveries")
    reference = models.CharField(max_length=60, unique=True, help_text="e.g. REC-2019-0003")
    reason = models.CharField(max_length=20, choices=RecoveryReason.choices)
    amount = models.DecimalField(**MONEY)
    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="recoveries")
    fy = fy_field()
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=RecoveryStatus.choices, default=RecoveryStatus.RAISED)
    spend_return = models.ForeignKey(
        SpendReturn, null=True, blank=True, on_delete=models.PROTECT, related_name="recoveries"
    )
    note = models.TextField(blank=True)
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    write_off_decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="written_off_recoveries"
    )
    written_off_at = models.DateTimeField(null=True, blank=True)
    written_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["award", "due_date", "pk"]
        verbose_name_plural = "recoveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="grants_recovery_amount_positive",
                violation_error_message="The amount to recover must be more than zero.",
            ),
            models.CheckConstraint(
                condition=~Q(status=RecoveryStatus.WRITTEN_OFF) | Q(write_off_decision__isnull=False),
                name="grants_recovery_written_off_has_decision",
                violation_error_message="Writing a recovery off needs the decision that allowed it.",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"]), models.Index(fields=["fy", "stream"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount}"


class CarryForward(models.Model):
    """Money a stream allows to carry into the next year, added to that year's allocation, with
    the decision that allowed it."""

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="carry_forwards")
    from_fy = fy_field()
    amount = models.DecimalField(**MONEY)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="carry_forwards")
    award = models.ForeignKey(
        Award,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carry_forwards",
        help_text="The award whose underspend it is, if any.",
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["stream", "from_fy", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grants_carry_forward_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.from_fy} → {self.from_fy + 1}: {self.amount}"

    @property
    def to_fy(self) -> int:
        return self.from_fy + 1


class Recommission(models.TextChoices):
    YES = "yes", "Recommission"
    CHANGED = "changed", "Recommission, changed"
    NO = "no", "Do not recommission"
    UNDECIDED = "undecided", "Not decided yet"


class AwardClosure(models.Model):
    """An award closed: final figures checked, recoveries settled, lessons noted. A closed award
    is read-only. ``personal_data_until``: after it, the personal data of the award and its
    returns (case studies, feedback, named contacts) may be redacted (``redacted_at``)."""

    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="closure")
    closed_on = models.DateField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    final_return = models.ForeignKey(
        MonitoringReturn, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    final_spend = models.ForeignKey(SpendReturn, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lessons = models.TextField("what was learned")
    recommission = models.CharField(max_length=20, choices=Recommission.choices)
    personal_data_until = models.DateField(help_text="After this date its personal data may be deleted.")
    redacted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-closed_on", "award"]
        indexes = [models.Index(fields=["personal_data_until"])]

    def __str__(self) -> str:
        return f"{self.award.reference} closed {self.closed_on}"
