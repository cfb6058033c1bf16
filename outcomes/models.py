"""The Police and Crime Plan (outcomes, KPQs, commissioning priorities) and the code lists."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

CODE_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9_]*$",
    "Use lower-case letters, digits and underscores only, starting with a letter or digit.",
)


class PlanOutcome(models.Model):
    """An outcome of the Police and Crime Plan, e.g. "Victims and the vulnerable feel supported"."""

    number = models.PositiveSmallIntegerField(unique=True, validators=[MinValueValidator(1)])
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="outcomes_planoutcome_number_positive",
                violation_error_message="The outcome number must be 1 or more.",
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome {self.number}: {self.title}"


class KPQ(models.Model):
    """A Key Performance Question answering a plan outcome, e.g. KPQ3."""

    number = models.PositiveSmallIntegerField(unique=True, validators=[MinValueValidator(1)])
    question = models.CharField(max_length=500)
    outcome = models.ForeignKey(PlanOutcome, on_delete=models.PROTECT, related_name="kpqs")

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = "key performance question"
        verbose_name_plural = "key performance questions"
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="outcomes_kpq_number_positive",
                violation_error_message="The KPQ number must be 1 or more.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.question}"

    @property
    def label(self) -> str:
        return f"KPQ{self.number}"


class CommissioningPriority(models.Model):
    """A priority the commissioning budget is split into, e.g. "V" Victims services."""

    code = models.CharField(max_length=10, unique=True, help_text="A short code, e.g. V.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "commissioning priorities"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="outcomes_priority_name_unique_ci",
                violation_error_message="There is already a commissioning priority with this name.",
            ),
            models.CheckConstraint(
                condition=~Q(code=""),
                name="outcomes_priority_code_not_blank",
                violation_error_message="Enter a code for the commissioning priority.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CodeList(models.TextChoices):
    """The code lists of docs/formats.md; the value is the list name used in import columns."""

    CRIME = "crime", "Crime type"
    AGE = "age", "Age band"
    SEX = "sex", "Sex"
    ETHNICITY = "ethnicity", "Ethnicity"
    DISABILITY = "disability", "Disability"
    OUTCOME = "outcome", "Victims' outcome measure"
    MOJ_CATEGORY = "moj_category", "MoJ service category"


class CodeListEntry(models.Model):
    """One code of one code list, valid for a range of financial years (null = open-ended).

    Years are the starting year of a financial year: 2019 means 2019/20.
    """

    list = models.CharField(max_length=20, choices=CodeList.choices)
    code = models.CharField(max_length=50, validators=[CODE_VALIDATOR])
    label = models.CharField(max_length=200)
    definition = models.TextField(blank=True, help_text="Shown beside the field on return forms.")
    valid_from_fy = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="First financial year it applies to (2019 = 2019/20). Blank: no start.",
    )
    valid_to_fy = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Last financial year it applies to. Blank: no end.",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["list", "sort_order", "code", "valid_from_fy"]
        verbose_name = "code list entry"
        verbose_name_plural = "code list entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from_fy__isnull=True)
                | Q(valid_to_fy__isnull=True)
                | Q(valid_to_fy__gte=models.F("valid_from_fy")),
                name="outcomes_codelistentry_valid_to_after_from",
                violation_error_message="The last valid year cannot be before the first valid year.",
            ),
            models.CheckConstraint(
                condition=Q(code=Lower("code")) & ~Q(code=""),
                name="outcomes_codelistentry_code_lower_case",
                violation_error_message="The code must be lower case and not blank.",
            ),
            models.CheckConstraint(
                condition=Q(list__in=CodeList.values),
                name="outcomes_codelistentry_list_known",
                violation_error_message="Choose one of the known code lists.",
            ),
            # NULL is distinct from NULL in a plain unique index, so the open-start case gets its
            # own partial index: two entries for one list and code with no start year are refused
            # on SQLite and PostgreSQL alike.
            models.UniqueConstraint(
                fields=["list", "code", "valid_from_fy"],
                condition=Q(valid_from_fy__isnull=False),
                name="outcomes_codelistentry_unique_from",
                violation_error_message="This code already has an entry starting in that year.",
            ),
            models.UniqueConstraint(
                fields=["list", "code"],
                condition=Q(valid_from_fy__isnull=True),
                name="outcomes_codelistentry_unique_open_start",
                violation_error_message="This code already has an entry with no start year.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list}:{self.code} {self.label}"

    def is_valid_in(self, fy: int) -> bool:
        starts = self.valid_from_fy is None or self.valid_from_fy <= fy
        ends = self.valid_to_fy is None or self.valid_to_fy >= fy
        return starts and ends


class CountingTerm(models.TextChoices):
    REFERRAL = "referral", "Referral"
    SUPPORTED = "supported", "Victim supported"


class CountingDefinition(models.Model):
    """How this OPCC counts a "referral" or a "victim supported": PCCs count them differently,
    so the definition is stated once and shown beside the field on every return form."""

    term = models.CharField(max_length=20, choices=CountingTerm.choices, unique=True)
    label = models.CharField(max_length=100)
    definition = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return self.label


class Polarity(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", "Higher is better"
    HIGHER_IS_WORSE = "higher_is_worse", "Higher is worse"


class PerformanceMeasure(models.Model):
    """A measure that answers a KPQ, e.g. "Victim satisfaction (%)" for KPQ3."""

    kpq = models.ForeignKey(KPQ, on_delete=models.PROTECT, related_name="measures")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=50, blank=True, help_text='e.g. "%", "people".')
    polarity = models.CharField(max_length=20, choices=Polarity.choices, default=Polarity.HIGHER_IS_BETTER)
    source = models.CharField(max_length=300, blank=True)
    definition = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["kpq", "name"]
        constraints = [
            models.UniqueConstraint(
                "kpq",
                Lower("name"),
                name="outcomes_measure_name_unique_per_kpq",
                violation_error_message="This KPQ already has a measure with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpq.label} {self.name}"


class PerformanceValue(models.Model):
    """A measure's value (and target) in a period: a financial year "2019" or a quarter "2019-Q1"."""

    measure = models.ForeignKey(PerformanceMeasure, on_delete=models.CASCADE, related_name="values")
    period = models.CharField(max_length=7)
    fy = models.PositiveSmallIntegerField("financial year")
    quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.DecimalField(max_digits=16, decimal_places=4)
    target = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "fy", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "period"], name="outcomes_value_one_per_measure_period"),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="outcomes_value_quarter_1_to_4",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.period}: {self.value}"
