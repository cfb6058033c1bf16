"""Plan delivery and scrutiny: delivery plans, their metrics, the update cycle, board meetings,
the plan's versions and Victims' Code compliance.

A delivery plan (the Force's, the OPCC's own, a partnership's) is a tree: priorities (each with
its outcome and strategy) → numbered objectives ("1.2") → numbered activities ("1.2.3") with a
lead. Metrics hang off an objective or an activity and keep dated values, each with an optional
comparison (an earlier value, a baseline or a target). An update round asks each activity's lead
for a progress update for a period; the officer accepts them; a board meeting considers the
accepted update and its agreed amendments become a new ``PlanVersion`` (a snapshot of the tree,
so the differences between versions can be shown). The Commissioner's decision that the update
was monitored is a ``grants.Decision`` pointing at the update round (grants sits above this app).

Victims' Code compliance: a versioned set of Code rights (``CodeEdition`` → ``CodeRight``), the
measures criminal justice bodies report against them, one figure per body, measure and quarter,
and the joint review meetings with their actions.
"""

# long module: Django reads an app's models from one module; the subpackages (plans, updates,
# scrutiny, public, compliance) share these tables.

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

VALUE = {"max_digits": 16, "decimal_places": 4}
OBJECTIVE_NUMBER = r"^[1-9][0-9]*\.[1-9][0-9]*$"  # "1.2"
ACTIVITY_NUMBER = r"^[1-9][0-9]*\.[1-9][0-9]*\.[1-9][0-9]*$"  # "1.2.3"


# Plans ---------------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class DeliveryPlan(models.Model):
    """A plan for a period, owned by an organisation (the Force, the OPCC, a partnership), that
    says how the Police and Crime Plan's priorities will be delivered. Only a published plan is
    ever shown to the public."""

    reference = models.CharField(max_length=50, unique=True, help_text="e.g. FDP-2019")
    title = models.CharField(max_length=200, help_text='e.g. "Force Delivery Plan 2019/20"')
    owner = models.ForeignKey(
        "providers.Organisation",
        on_delete=models.PROTECT,
        related_name="delivery_plans",
        help_text="The organisation that delivers the plan: the Force, the OPCC or a partnership.",
    )
    fy = models.PositiveSmallIntegerField("financial year", help_text="Starting year: 2019 means 2019/20.")
    summary = models.TextField(blank=True, help_text="Shown at the top of the published page.")
    priorities = models.ManyToManyField(
        "outcomes.CommissioningPriority",
        blank=True,
        related_name="delivery_plans",
        verbose_name="Police and Crime Plan priorities",
    )
    kpqs = models.ManyToManyField("outcomes.KPQ", blank=True, related_name="delivery_plans", verbose_name="KPQs")
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    published_on = models.DateField(null=True, blank=True)
    # The number of the latest PlanVersion (1 once the plan is first versioned; 0 before).
    edition = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking (concurrency)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-fy", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="delivery_plan_status_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="delivery_plan_title_not_blank"),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.PUBLISHED) | Q(published_on__isnull=False),
                name="delivery_plan_published_has_date",
                violation_error_message="A published plan needs the date it was published.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class PlanPriority(models.Model):
    """A priority of the plan with the outcome it seeks and its strategy."""

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="plan_priorities")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=300)
    outcome = models.TextField(blank=True, help_text="The outcome sought.")
    strategy = models.TextField(blank=True)
    priority = models.ForeignKey(
        "outcomes.CommissioningPriority",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_priorities",
        verbose_name="Police and Crime Plan priority",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position", "id"]
        verbose_name_plural = "plan priorities"
        constraints = [
            models.UniqueConstraint(
                "plan",
                Lower("title"),
                name="delivery_priority_title_unique_per_plan",
                violation_error_message="The plan already has a priority with this title.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="delivery_priority_title_not_blank"),
        ]

    def __str__(self) -> str:
        return self.title


class Objective(models.Model):
    """A numbered objective ("1.2") under a priority."""

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="objectives")
    plan_priority = models.ForeignKey(PlanPriority, on_delete=models.CASCADE, related_name="objectives")
    number = models.CharField(max_length=20, help_text="e.g. 1.2")
    title = models.TextField()
    kpqs = models.ManyToManyField("outcomes.KPQ", blank=True, related_name="objectives", verbose_name="KPQs")
    # Sorts "1.10" after "1.9": the number's parts, zero-padded ("0001.0010").
    sort_key = models.CharField(max_length=40, editable=False, default="")

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="delivery_objective_number_unique_per_plan",
                violation_error_message="The plan already has an objective with this number.",
            ),
            models.CheckConstraint(
                condition=Q(number__regex=OBJECTIVE_NUMBER),
                name="delivery_objective_number_format",
                violation_error_message="An objective's number looks like 1.2.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="delivery_objective_title_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Activity(models.Model):
    """A numbered activity ("1.2.3") under an objective, with the person and organisation that
    lead it. ``lead_user`` is the account asked for its updates (often a Partner contributor in
    the Force); ``lead`` is the name shown, kept even when nobody has an account."""

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="activities")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="activities")
    number = models.CharField(max_length=30, help_text="e.g. 1.2.3")
    title = models.TextField()
    lead = models.CharField("lead person", max_length=200, blank=True)
    lead_organisation = models.ForeignKey(
        "providers.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="led_activities"
    )
    lead_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_activities",
        verbose_name="lead's account",
        help_text="Who is asked for the activity's updates.",
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    sort_key = models.CharField(max_length=60, editable=False, default="")

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "sort_key"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="delivery_activity_number_unique_per_plan",
                violation_error_message="The plan already has an activity with this number.",
            ),
            models.CheckConstraint(
                condition=Q(number__regex=ACTIVITY_NUMBER),
                name="delivery_activity_number_format",
                violation_error_message="An activity's number looks like 1.2.3.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="delivery_activity_title_not_blank"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="delivery_activity_dates_order",
                violation_error_message="An activity cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


def number_sort_key(number: str) -> str:
    """ "1.10.2" → "0001.0010.0002", so numbers sort as people read them."""
    return ".".join(part.zfill(4) for part in number.split("."))


# Metrics -------------------------------------------------------------------------------------


class MetricUnit(models.TextChoices):
    PERCENT = "percent", "Percentage"
    COUNT = "count", "Count"
    RATE = "rate", "Rate"
    MONEY = "money", "Money (£)"


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"
    HIGHER_IS_WORSE = "higher_is_worse", "Higher is worse"


class Metric(models.Model):
    """A measure of an objective or an activity (exactly one of them). A metric may say it is
    still being defined ("Performance measures are currently being considered") and then has
    no values yet. ``kpq``: the Police and Crime Plan question it helps answer."""

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="metrics")
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="metrics")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=300)
    unit = models.CharField(max_length=10, choices=MetricUnit.choices, default=MetricUnit.PERCENT)
    source = models.CharField(max_length=300, blank=True)
    direction = models.CharField(max_length=20, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER)
    being_defined = models.BooleanField(
        "still being defined", default=False, help_text="The measure is still being considered: no values yet."
    )
    definition = models.TextField(blank=True)
    kpq = models.ForeignKey(
        "outcomes.KPQ", null=True, blank=True, on_delete=models.SET_NULL, related_name="delivery_metrics"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(objective__isnull=False) & Q(activity__isnull=True))
                | (Q(objective__isnull=True) & Q(activity__isnull=False)),
                name="delivery_metric_objective_or_activity",
                violation_error_message="A metric measures an objective or an activity (one of them).",
            ),
            models.UniqueConstraint(
                "objective",
                Lower("name"),
                condition=Q(activity__isnull=True),
                name="delivery_metric_name_unique_per_objective",
                violation_error_message="The objective already has a metric with this name.",
            ),
            models.UniqueConstraint(
                "activity",
                Lower("name"),
                condition=Q(activity__isnull=False),
                name="delivery_metric_name_unique_per_activity",
                violation_error_message="The activity already has a metric with this name.",
            ),
            models.CheckConstraint(condition=Q(unit__in=MetricUnit.values), name="delivery_metric_unit_valid"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="delivery_metric_direction_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="delivery_metric_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class ComparisonKind(models.TextChoices):
    EARLIER = "earlier", "Earlier value"
    BASELINE = "baseline", "Baseline"
    TARGET = "target", "Target"


class MetricValue(models.Model):
    """A metric's value as at a date ("66.3% as at Dec 2013"), or for the period ending then
    (``period_label``: "12 months to Sep 2013"), with an optional comparison ("compared to 53%
    in Sept 2012"). ``update_round``: the update round that reported it, if any."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="values")
    as_at = models.DateField()
    period_label = models.CharField(max_length=100, blank=True, help_text='e.g. "12 months to Sep 2013"')
    value = models.DecimalField(**VALUE)
    comparison_value = models.DecimalField(**VALUE, null=True, blank=True)
    comparison_as_at = models.DateField(null=True, blank=True)
    comparison_kind = models.CharField(max_length=10, choices=ComparisonKind.choices, default=ComparisonKind.EARLIER)
    update_round = models.ForeignKey(
        "UpdateRound", null=True, blank=True, on_delete=models.SET_NULL, related_name="metric_values"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["metric", "as_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "as_at"],
                name="delivery_metric_value_one_per_date",
                violation_error_message="The metric already has a value as at this date.",
            ),
            models.CheckConstraint(
                condition=Q(comparison_value__isnull=False) | Q(comparison_as_at__isnull=True),
                name="delivery_metric_value_comparison_date_needs_value",
                violation_error_message="A comparison date needs the comparison value.",
            ),
            models.CheckConstraint(
                condition=Q(comparison_kind__in=ComparisonKind.values),
                name="delivery_metric_value_comparison_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.as_at}: {self.value}"


# The update cycle ----------------------------------------------------------------------------


class UpdateRoundStatus(models.TextChoices):
    OPEN = "open", "Collecting updates"
    ACCEPTED = "accepted", "Accepted"  # every update accepted; ready for the board
    CONSIDERED = "considered", "Considered by the board"
    CANCELLED = "cancelled", "Cancelled"


# The rounds whose accepted updates are a plan's reported progress (its pages, the public page,
# the Panel report).
REPORTED_ROUNDS = (UpdateRoundStatus.ACCEPTED, UpdateRoundStatus.CONSIDERED)


class UpdateRound(models.Model):
    """A call for progress updates on a plan for a period (six-monthly by default; any period
    code the periods module knows: "2019-H1", "2019-Q3", "2019")."""

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="update_rounds")
    period = models.CharField(max_length=10, help_text='A period code, e.g. "2019-H1".')
    period_start = models.DateField()
    period_end = models.DateField()
    deadline = models.DateField(help_text="When the leads' updates are due.")
    reminder_days = models.PositiveSmallIntegerField(
        default=7, help_text="How many days before the deadline a reminder goes to leads who have not submitted."
    )
    status = models.CharField(max_length=20, choices=UpdateRoundStatus.choices, default=UpdateRoundStatus.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    reminded_on = models.DateField(null=True, blank=True, help_text="When the reminder went out (once a round).")
    accepted_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True, help_text="The officer's summary of the update, for the board and public.")
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["plan", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "period"],
                name="delivery_update_round_one_per_period",
                violation_error_message="The plan already has an update round for this period.",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="delivery_update_round_period_order"
            ),
            models.CheckConstraint(
                condition=Q(status__in=UpdateRoundStatus.values), name="delivery_update_round_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} {self.period}"


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    SOME_SLIPPAGE = "some_slippage", "Some slippage"
    OFF_TRACK = "off_track", "Off track"
    COMPLETE = "complete", "Complete"


class UpdateState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    ACCEPTED = "accepted", "Accepted"


class ProgressUpdate(models.Model):
    """One activity's (or objective's) progress in an update round: a narrative, a status and
    evidence, written by the lead and accepted by the officer. Objective-level updates come
    from officers or imports; activities' from their leads."""

    update_round = models.ForeignKey(UpdateRound, on_delete=models.CASCADE, related_name="updates")
    objective = models.ForeignKey(Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="updates")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="updates")
    state = models.CharField(max_length=20, choices=UpdateState.choices, default=UpdateState.REQUESTED)
    progress = models.CharField(max_length=20, choices=ProgressStatus.choices, blank=True)
    narrative = models.TextField("update", blank=True)
    officer_comment = models.TextField(blank=True, help_text="What the officer asks to be changed.")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["update_round", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(objective__isnull=False) & Q(activity__isnull=True))
                | (Q(objective__isnull=True) & Q(activity__isnull=False)),
                name="delivery_update_objective_or_activity",
            ),
            models.UniqueConstraint(
                fields=["update_round", "activity"],
                condition=Q(activity__isnull=False),
                name="delivery_update_one_per_activity",
                violation_error_message="This activity already has an update in this round.",
            ),
            models.UniqueConstraint(
                fields=["update_round", "objective"],
                condition=Q(activity__isnull=True),
                name="delivery_update_one_per_objective",
                violation_error_message="This objective already has an update in this round.",
            ),
            models.CheckConstraint(condition=Q(state__in=UpdateState.values), name="delivery_update_state_valid"),
            models.CheckConstraint(
                condition=Q(progress="") | Q(progress__in=ProgressStatus.values),
                name="delivery_update_progress_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[UpdateState.REQUESTED, UpdateState.DRAFT]) | ~Q(progress=""),
                name="delivery_update_submitted_has_status",
                violation_error_message="A submitted update needs its status.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.update_round} {self.activity or self.objective}"


def evidence_path(instance: UpdateEvidence, filename: str) -> str:
    return f"delivery/evidence/{instance.update_id}/{PurePath(filename).name}"


class UpdateEvidence(models.Model):
    """A file a lead attaches to an update as evidence."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path)
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["update", "uploaded_at"]
        verbose_name_plural = "update evidence"

    def __str__(self) -> str:
        return self.original_name


# Boards and versions -------------------------------------------------------------------------


class BoardKind(models.TextChoices):
    STRATEGY_AND_PERFORMANCE = "strategy_performance", "Strategy and Performance Board"
    COMMISSIONING = "commissioning", "Commissioning Board"
    OTHER = "other", "Other board"


class BoardMeeting(models.Model):
    """A board's consideration of an accepted update: its comments and the amendments it agreed
    (made to the plan afterwards and recorded as a new ``PlanVersion``)."""

    update_round = models.ForeignKey(UpdateRound, on_delete=models.PROTECT, related_name="meetings")
    board = models.CharField(max_length=30, choices=BoardKind.choices, default=BoardKind.STRATEGY_AND_PERFORMANCE)
    board_name = models.CharField(max_length=200, blank=True, help_text="For another board: its name.")
    held_on = models.DateField()
    attendees = models.TextField(blank=True)
    comments = models.TextField("the board's comments", blank=True)
    amendments = models.TextField("amendments agreed", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(board__in=BoardKind.values), name="delivery_meeting_board_valid"),
            models.CheckConstraint(
                condition=~Q(board=BoardKind.OTHER) | ~Q(board_name=""),
                name="delivery_meeting_other_board_named",
                violation_error_message="Name the board.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.board_label} {self.held_on:%d %B %Y}"

    @property
    def board_label(self) -> str:
        return self.board_name if self.board == BoardKind.OTHER else self.get_board_display()


class PlanVersion(models.Model):
    """The plan as it stood at a version: version 1 when first published or versioned, then one
    per set of amendments (usually a board meeting's). ``snapshot`` is the whole tree as plain
    data (delivery.plans.versions), so any two versions can be compared."""

    plan = models.ForeignKey(DeliveryPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    meeting = models.ForeignKey(
        BoardMeeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_versions"
    )
    note = models.TextField(blank=True, help_text="What changed and why.")
    snapshot = models.JSONField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="delivery_plan_version_unique",
                violation_error_message="The plan already has this version.",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="delivery_plan_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.reference} version {self.number}"


# Victims' Code compliance --------------------------------------------------------------------


class CodeEdition(models.Model):
    """An edition of the Code of Practice for Victims of Crime (its rights change between
    editions: 12 in the 2020 Code; a new Code was consulted on in 2026)."""

    name = models.CharField(max_length=200, unique=True)
    in_force_from = models.DateField()
    in_force_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-in_force_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_force_to__isnull=True) | Q(in_force_to__gte=F("in_force_from")),
                name="delivery_code_edition_dates_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CodeRight(models.Model):
    edition = models.ForeignKey(CodeEdition, on_delete=models.CASCADE, related_name="rights")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["edition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "number"], name="delivery_code_right_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Right {self.number}: {self.title}"


class ComplianceMeasure(models.Model):
    """What a criminal justice body reports against a right, e.g. "Victims offered the chance to
    make a Victim Personal Statement" (right 7). ``key`` names it in files."""

    edition = models.ForeignKey(CodeEdition, on_delete=models.CASCADE, related_name="measures")
    right = models.ForeignKey(CodeRight, null=True, blank=True, on_delete=models.SET_NULL, related_name="measures")
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["edition", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "key"], name="delivery_compliance_measure_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ComplianceFigure(models.Model):
    """A body's compliance with a measure in a quarter: ``numerator`` of ``denominator`` victims
    (e.g. 412 of 500 acknowledged in writing), with a breakdown by crime type and protected
    characteristics where the body supplies one ({"crime_type": {"Burglary": [40, 52]}, ...}:
    each part's numerator and denominator)."""

    body = models.ForeignKey("providers.Organisation", on_delete=models.PROTECT, related_name="compliance_figures")
    measure = models.ForeignKey(ComplianceMeasure, on_delete=models.PROTECT, related_name="figures")
    fy = models.PositiveSmallIntegerField("financial year")
    quarter = models.PositiveSmallIntegerField()
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    breakdown = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["fy", "quarter", "body", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "measure", "fy", "quarter"],
                name="delivery_compliance_one_per_body_measure_quarter",
                violation_error_message="This body already has a figure for this measure and quarter.",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="delivery_compliance_quarter_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(numerator__lte=F("denominator")),
                name="delivery_compliance_numerator_within_denominator",
                violation_error_message="The number meeting the measure cannot exceed the number of victims.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.measure.key} {self.fy} Q{self.quarter}: {self.numerator}/{self.denominator}"


class ReviewMeeting(models.Model):
    """A joint review of compliance with the criminal justice bodies for a quarter."""

    fy = models.PositiveSmallIntegerField("financial year")
    quarter = models.PositiveSmallIntegerField()
    held_on = models.DateField()
    bodies = models.ManyToManyField("providers.Organisation", blank=True, related_name="compliance_reviews")
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-held_on"]
        constraints = [
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="delivery_review_quarter_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"Compliance review {self.held_on:%d %B %Y}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ReviewAction(models.Model):
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="actions")
    action = models.TextField()
    body = models.ForeignKey(
        "providers.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="compliance_actions"
    )
    owner = models.CharField(max_length=200, blank=True, help_text="Who will do it.")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    outcome = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["meeting", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActionStatus.values), name="delivery_action_status_valid"),
            models.CheckConstraint(condition=~Q(action=""), name="delivery_action_not_blank"),
        ]

    def __str__(self) -> str:
        return self.action[:80]
