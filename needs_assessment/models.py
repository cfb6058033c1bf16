"""Evidence of need: areas, needs assessments, indicators and their values, the findings (gaps)
an assessment makes, and the commissioning intentions that answer them.

Periods follow the needs format of docs/formats.md: a financial year ``2019`` or a quarter of one
``2019-Q1`` (``pcc_commissioning.periods.parse_period_code``). What fulfils an intention is
recorded by the apps above, which hold the link: nothing here reads it.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}


class Theme(models.Model):
    """A theme of need shared by indicators, findings and intentions, e.g. "Domestic abuse".
    Need-versus-spend compares an indicator's rate with the spend on intentions of its theme."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="needs_theme_name_unique_ci",
                violation_error_message="There is already a theme with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AreaType(models.TextChoices):
    FORCE_AREA = "force_area", "Police force area"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    CSP = "csp", "Community safety partnership"


class Area(models.Model):
    """A place with an ONS GSS code: the force area, its local authorities and CSPs."""

    code = models.CharField("GSS code", max_length=9, unique=True, help_text="e.g. E06000047")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=AreaType.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    history = HistoricalRecords()

    class Meta:
        ordering = ["type", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=AreaType.values), name="needs_area_type_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AreaPopulation(models.Model):
    """An area's population in a year (ONS mid-year estimate for that calendar year)."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField()
    population = models.PositiveIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["area", "year"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="needs_population_one_per_area_year"),
            models.CheckConstraint(condition=Q(population__gt=0), name="needs_population_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.area.name} {self.year}: {self.population:,}"


class AssessmentScope(models.TextChoices):
    UNIFIED = "unified", "Unified (all needs)"
    THEMATIC = "thematic", "Thematic"


def assessment_upload_to(instance: NeedsAssessment, filename: str) -> str:
    # A random folder: documents are served only through a permission-checked view.
    return f"needs/{uuid.uuid4().hex}/{PurePath(filename).name}"


class NeedsAssessment(models.Model):
    """A published needs assessment, e.g. "Unified needs assessment 2019" or a thematic one."""

    title = models.CharField(max_length=300)
    scope = models.CharField(max_length=20, choices=AssessmentScope.choices, default=AssessmentScope.UNIFIED)
    theme = models.ForeignKey(
        Theme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        help_text='For a thematic assessment, e.g. "Domestic abuse".',
    )
    fy = models.PositiveSmallIntegerField("financial year", help_text="Starting year: 2019 means 2019/20.")
    author = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    summary = models.TextField(blank=True)
    document = models.FileField(upload_to=assessment_upload_to, max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-fy", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope=AssessmentScope.UNIFIED) | Q(theme__isnull=False),
                name="needs_thematic_assessment_has_theme",
                violation_error_message="A thematic assessment needs its theme.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Polarity(models.TextChoices):
    HIGHER_IS_WORSE = "higher_is_worse", "Higher is worse"
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"


class Indicator(models.Model):
    """A measure of need, e.g. "Domestic abuse-related crimes" (a count) or "Repeat victims (%)"."""

    name = models.CharField(max_length=200)
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators")
    unit = models.CharField(max_length=50, blank=True, help_text='e.g. "crimes", "%", "people".')
    source = models.CharField(max_length=300, blank=True)
    definition = models.TextField(blank=True)
    polarity = models.CharField(max_length=20, choices=Polarity.choices, default=Polarity.HIGHER_IS_WORSE)
    is_count = models.BooleanField(
        default=True, help_text="A count of people or events: shown also as a rate per 1,000 population."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="needs_indicator_name_unique_ci",
                violation_error_message="There is already an indicator with this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorValue(models.Model):
    """One indicator's value for one area in one period (a financial year or a quarter of one)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="indicator_values")
    period = models.CharField(max_length=7, help_text='"2019" for 2019/20, or "2019-Q1".')
    fy = models.PositiveSmallIntegerField("financial year")
    quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.DecimalField(max_digits=16, decimal_places=4)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "area", "fy", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period"],
                name="needs_value_one_per_indicator_area_period",
                violation_error_message="There is already a value for this indicator, area and period.",
            ),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4), name="needs_value_quarter_1_to_4"
            ),
        ]
        indexes = [models.Index(fields=["indicator", "fy"])]

    def __str__(self) -> str:
        return f"{self.indicator} {self.area.code} {self.period}: {self.value}"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class Finding(models.Model):
    """What an assessment found: a gap or unmet need, with the evidence behind it."""

    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="findings")
    areas = models.ManyToManyField(Area, blank=True, related_name="findings")
    kpqs = models.ManyToManyField("outcomes.KPQ", blank=True, related_name="findings", verbose_name="KPQs")
    priority = models.ForeignKey(
        "outcomes.CommissioningPriority", null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    evidence = models.ManyToManyField(
        IndicatorValue, blank=True, related_name="findings", help_text="The indicator values behind the finding."
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"], m2m_fields=[areas, kpqs, evidence])

    class Meta:
        ordering = ["assessment", "title"]

    def __str__(self) -> str:
        return self.title


class IntentionRank(models.TextChoices):
    MUST = "must", "Must"
    SHOULD = "should", "Should"
    COULD = "could", "Could"


class IntentionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    IN_PROCUREMENT = "in_procurement", "In procurement"
    COMMISSIONED = "commissioned", "Commissioned"
    DROPPED = "dropped", "Dropped"


class CommissioningIntention(models.Model):
    """What the OPCC means to commission in answer to findings: Must / Should / Could, with a
    When and a Lead. Records of the apps above name the intention they fulfil; this app never reads them."""

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    findings = models.ManyToManyField(Finding, blank=True, related_name="intentions")
    theme = models.ForeignKey(
        Theme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intentions",
        help_text="The need it answers: spend on awards that fulfil it counts against this theme.",
    )
    rank = models.CharField("priority", max_length=10, choices=IntentionRank.choices)
    when_date = models.DateField("when (date)", null=True, blank=True)
    when_fy = models.PositiveSmallIntegerField("when (financial year)", null=True, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_intentions"
    )
    status = models.CharField(max_length=20, choices=IntentionStatus.choices, default=IntentionStatus.PROPOSED)
    estimated_annual_cost = models.DecimalField(**MONEY, null=True, blank=True)
    priority = models.ForeignKey(
        "outcomes.CommissioningPriority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intentions",
        verbose_name="commissioning priority",
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"], m2m_fields=[findings])

    class Meta:
        ordering = ["title"]  # lists order Must, Should, Could explicitly (selectors)
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_annual_cost__isnull=True) | Q(estimated_annual_cost__gte=0),
                name="needs_intention_cost_not_negative",
            ),
            models.CheckConstraint(condition=Q(rank__in=IntentionRank.values), name="needs_intention_rank_known"),
            models.CheckConstraint(condition=Q(status__in=IntentionStatus.values), name="needs_intention_status_known"),
            models.CheckConstraint(
                condition=Q(when_date__isnull=True) | Q(when_fy__isnull=True),
                name="needs_intention_when_date_or_fy",
                violation_error_message="Give the date or the financial year it is due, not both.",
            ),
        ]

    def __str__(self) -> str:
        return self.title
