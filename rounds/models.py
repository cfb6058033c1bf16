"""Grant rounds: the public call, the applications made to it, screening, the assessment panel's
scores, the panel's recommendation and the one decision that makes the round's awards.

The round's questions and criteria are rows (edited on pages, exported as JSON); once the round
opens they are frozen, and a change after that saves the previous definition as a
``RoundVersion`` with the reason. Answers are kept by question key, so an application keeps its
answers whatever version it was written under. Money is ``Decimal`` in pounds; scores are small
integers and the weighted score is worked out exactly (``rounds.moderation.ranking``), never
stored.
"""

# long module: Django reads an app's models from one module; the subpackages (setup, applying,
# screening, assessment, moderation, decision) share these tables.

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2}
KEY_HELP = "Short and unique in the round: letters, digits and underscores (used in files)."


# Rounds --------------------------------------------------------------------------------------


class RoundKind(models.TextChoices):
    OPEN_CALL = "open_call", "Open call"
    INVITATION = "invitation", "Invitation only"
    INTERNAL = "internal", "Internal funding requests"


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    DECIDED = "decided", "Decided"
    RESULTS_PUBLISHED = "results_published", "Results published"
    CANCELLED = "cancelled", "Cancelled"


class Round(models.Model):
    """A funding round: what it funds, its money, its dates and its questions.

    Whether it is open is not stored: a published round is open from ``opens_at`` to
    ``closes_at`` by the server's clock (``rounds.setup.selectors.phase``)."""

    reference = models.CharField(max_length=50, unique=True, help_text="e.g. CSF-2026")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=RoundKind.choices, default=RoundKind.OPEN_CALL)
    status = models.CharField(max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    summary = models.TextField("what it funds", blank=True, help_text="Shown on the public page.")
    who_can_apply = models.TextField(blank=True, help_text="Shown on the public page.")
    how_to_apply = models.TextField(blank=True, help_text="Shown on the public page.")
    priority = models.ForeignKey("outcomes.CommissioningPriority", on_delete=models.PROTECT, related_name="rounds")
    kpqs = models.ManyToManyField("outcomes.KPQ", blank=True, related_name="rounds", verbose_name="KPQs")
    areas = models.ManyToManyField("needs_assessment.Area", blank=True, related_name="rounds")
    funding_stream = models.ForeignKey("grants.FundingStream", on_delete=models.PROTECT, related_name="rounds")
    fy = models.PositiveSmallIntegerField("financial year", help_text="Starting year: 2026 means 2026/27.")
    budget = models.DecimalField(**MONEY)
    overallocation_percent = models.DecimalField(
        "over-allocation allowed (%)",
        **PERCENT,
        default=0,
        help_text="How far the Treasurer allows the panel to go over the budget.",
    )
    min_amount = models.DecimalField("smallest request", **MONEY)
    max_amount = models.DecimalField("largest request", **MONEY)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    panel_date = models.DateField(null=True, blank=True)
    pass_mark = models.DecimalField(
        **PERCENT, default=0, help_text="The weighted score out of 100 an application must reach."
    )
    award_start = models.DateField("grants start", null=True, blank=True, help_text="When the round's awards begin.")
    award_end = models.DateField("grants end", null=True, blank=True, help_text="When the round's awards end.")
    definition_version = models.PositiveIntegerField(default=1, help_text="Bumped by each change after opening.")
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.ForeignKey(
        "grants.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="rounds"
    )
    awards_made_at = models.DateTimeField(null=True, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-fy", "-opens_at", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="rounds_round_closes_after_opening",
                violation_error_message="The closing time must be after the opening time.",
            ),
            models.CheckConstraint(
                condition=Q(min_amount__gte=0) & Q(min_amount__lte=F("max_amount")),
                name="rounds_round_amount_range",
                violation_error_message="The smallest request must be between £0 and the largest.",
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="rounds_round_budget_not_negative",
                violation_error_message="The budget cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(overallocation_percent__gte=0) & Q(overallocation_percent__lte=100),
                name="rounds_round_overallocation_percent",
                violation_error_message="The over-allocation is a percentage from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0) & Q(pass_mark__lte=100),
                name="rounds_round_pass_mark_percent",
                violation_error_message="The pass mark is a score from 0 to 100.",
            ),
            models.CheckConstraint(condition=Q(status__in=RoundStatus.values), name="rounds_round_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=RoundKind.values), name="rounds_round_kind_valid"),
            models.CheckConstraint(
                condition=Q(award_start__isnull=True) | Q(award_end__isnull=True) | Q(award_end__gte=F("award_start")),
                name="rounds_round_award_dates_order",
                violation_error_message="The grants cannot end before they start.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class EligibilityKind(models.TextChoices):
    YES_NO = "yes_no", "Yes or no"
    NUMBER = "number", "Number"


class EligibilityQuestion(models.Model):
    """A question an applicant answers before anything else; a wrong answer makes them
    ineligible (a yes/no with its required answer, or a number with its limits)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="eligibility_questions")
    key = models.CharField(max_length=40, help_text=KEY_HELP)
    question = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, choices=EligibilityKind.choices)
    required_answer = models.BooleanField(null=True, blank=True, help_text="Yes or no questions: the answer needed.")
    min_value = models.DecimalField("at least", max_digits=16, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField("at most", max_digits=16, decimal_places=2, null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "key"],
                name="rounds_eligibility_key_unique",
                violation_error_message="Another eligibility question of this round has this key.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=EligibilityKind.YES_NO)
                    & Q(required_answer__isnull=False)
                    & Q(min_value__isnull=True)
                    & Q(max_value__isnull=True)
                )
                | (
                    Q(kind=EligibilityKind.NUMBER)
                    & Q(required_answer__isnull=True)
                    & (Q(min_value__isnull=False) | Q(max_value__isnull=False))
                ),
                name="rounds_eligibility_rule_fits_kind",
                violation_error_message="A yes or no question needs the answer required; a number needs a limit.",
            ),
        ]

    def __str__(self) -> str:
        return self.question


class QuestionKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    CHOICE = "choice", "Choice"
    DATE = "date", "Date"
    FILE = "file", "File upload"
    BUDGET = "budget", "Budget table"


class ApplicationQuestion(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(max_length=40, help_text=KEY_HELP)
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    hint = models.TextField(blank=True)
    word_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Text questions only.")
    choices = models.TextField(blank=True, help_text="Choice questions: one option per line.")
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "key"],
                name="rounds_question_key_unique",
                violation_error_message="Another question of this round has this key.",
            ),
            models.CheckConstraint(
                condition=Q(word_limit__isnull=True) | Q(kind=QuestionKind.TEXT),
                name="rounds_question_word_limit_text_only",
                violation_error_message="Only text questions have a word limit.",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Criterion(models.Model):
    """An assessment criterion: its weight (the round's add up to 100) and maximum score."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="criteria")
    key = models.CharField(max_length=40, help_text=KEY_HELP)
    text = models.CharField(max_length=500)
    guidance = models.TextField(blank=True, help_text="What a high or low score looks like.")
    weight = models.DecimalField(max_digits=5, decimal_places=2)
    max_score = models.PositiveSmallIntegerField("maximum score")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["round", "position", "pk"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "key"],
                name="rounds_criterion_key_unique",
                violation_error_message="Another criterion of this round has this key.",
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(weight__lte=100),
                name="rounds_criterion_weight_range",
                violation_error_message="A weight is more than 0 and at most 100.",
            ),
            models.CheckConstraint(
                condition=Q(max_score__gte=1),
                name="rounds_criterion_max_score_positive",
                violation_error_message="The maximum score is at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class RoundVersion(models.Model):
    """The round's definition as it was before a change made after it opened, and why."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(help_text="The version this definition was.")
    definition = models.JSONField(help_text="The round_definition document (docs/formats.md).")
    reason = models.TextField(help_text="Why the round was changed after it opened.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["round", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="rounds_version_number_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="rounds_version_reason_given"),
        ]

    # Applicants ----------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.round.reference} version {self.number}"


class ApplicantOrganisation(models.Model):
    """An organisation that applies. Registering does not put it on the provider register: a
    provider is matched or created when the round makes it an award (``provider``)."""

    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=30, default="other", help_text="As on the provider register (providers.OrganisationKind)."
    )
    charity_number = models.CharField(max_length=12, blank=True)
    company_number = models.CharField(max_length=8, blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    provider = models.ForeignKey(
        "providers.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applicant_records",
        help_text="The provider this organisation is, once matched.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["charity_number"],
                condition=~Q(charity_number=""),
                name="rounds_applicant_charity_number_unique",
                violation_error_message="An organisation with this charity number is already registered.",
            ),
            models.UniqueConstraint(
                fields=["company_number"],
                condition=~Q(company_number=""),
                name="rounds_applicant_company_number_unique",
                violation_error_message="An organisation with this company number is already registered.",
            ),
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(provider__isnull=False),
                name="rounds_applicant_one_per_provider",
                violation_error_message="This provider already has an applicant record.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApplicantMembership(models.Model):
    """A registered applicant's user and the organisation they apply for. (A provider's users
    apply through their provider's applicant record and need no membership.)"""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applicant_membership")
    organisation = models.ForeignKey(ApplicantOrganisation, on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(default=False, help_text="Registered the organisation, or was made its lead.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "pk"]

    def __str__(self) -> str:
        return f"{self.user} for {self.organisation}"


class ApplicantTokenPurpose(models.TextChoices):
    CONFIRM_EMAIL = "confirm", "Confirm an e-mail address"
    INVITE = "invite", "Join an organisation"


class ApplicantToken(models.Model):
    """A one-time link e-mailed to an applicant: confirming the address they registered with, or
    joining their organisation as a colleague. Only the token's hash is stored."""

    purpose = models.CharField(max_length=10, choices=ApplicantTokenPurpose.choices)
    organisation = models.ForeignKey(ApplicantOrganisation, on_delete=models.CASCADE, related_name="tokens")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Confirmations: the account waiting to be confirmed.",
    )
    email = models.EmailField(max_length=150)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=ApplicantTokenPurpose.values), name="rounds_token_purpose_valid"
            )
        ]

    # Applications -------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.email}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    INFO_REQUESTED = "info_requested", "More information asked for"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUCCESSFUL = "successful", "Successful"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"


class Eligibility(models.TextChoices):
    """The officer's screening. Until screened, the answers' verdict stands (``answers_eligible``)."""

    UNSCREENED = "unscreened", "Not screened yet"
    ELIGIBLE = "eligible", "Eligible"
    INELIGIBLE = "ineligible", "Not eligible"


class ApplicationSource(models.TextChoices):
    PORTAL = "portal", "Applied online"
    IMPORT = "import", "Imported"


class Application(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")
    reference = models.CharField(max_length=60, unique=True, help_text="e.g. CSF-2026-0007")
    organisation = models.ForeignKey(ApplicantOrganisation, on_delete=models.PROTECT, related_name="applications")
    title = models.CharField("project title", max_length=300, blank=True)
    amount_requested = models.DecimalField(**MONEY, null=True, blank=True)
    contact_email = models.EmailField(max_length=254, blank=True)
    areas = models.ManyToManyField("needs_assessment.Area", blank=True, related_name="round_applications")
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT)
    source = models.CharField(max_length=10, choices=ApplicationSource.choices, default=ApplicationSource.PORTAL)
    # Answers by key: {"constituted": true, "income": "250000"} and {"need": "text", ...}.
    eligibility_answers = models.JSONField(default=dict, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    answers_eligible = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether the eligibility answers meet every requirement (None: not all answered).",
    )
    definition_version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)
    # Screening
    eligibility = models.CharField(max_length=12, choices=Eligibility.choices, default=Eligibility.UNSCREENED)
    screening_reason = models.TextField(blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    info_request = models.TextField("information asked for", blank=True)
    info_until = models.DateTimeField("reopened until", null=True, blank=True)
    # Moderation: the panel's changes to the starting recommendation (each kept in RecommendationChange).
    recommended_override = models.BooleanField(null=True, blank=True)
    amount_offered_override = models.DecimalField(**MONEY, null=True, blank=True)
    feedback = models.TextField("panel's feedback", blank=True, help_text="Sent to the applicant with the outcome.")
    # Decision
    award = models.OneToOneField(
        "grants.Award", null=True, blank=True, on_delete=models.SET_NULL, related_name="round_application"
    )
    outcome_sent_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version", "answers", "eligibility_answers"])

    class Meta:
        ordering = ["round", "reference"]
        indexes = [models.Index(fields=["round", "status"]), models.Index(fields=["organisation", "round"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values), name="rounds_application_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(eligibility__in=Eligibility.values), name="rounds_application_eligibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount_requested__isnull=True) | Q(amount_requested__gte=0),
                name="rounds_application_amount_not_negative",
                violation_error_message="The amount requested cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(amount_offered_override__isnull=True) | Q(amount_offered_override__gte=0),
                name="rounds_application_offer_not_negative",
                violation_error_message="The amount offered cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(status=ApplicationStatus.DRAFT)
                | Q(status=ApplicationStatus.WITHDRAWN, submitted_at__isnull=True)
                | Q(submitted_at__isnull=False),
                name="rounds_application_submitted_has_time",
                violation_error_message="A submitted application needs the time it was submitted.",
            ),
            models.CheckConstraint(
                condition=Q(eligibility=Eligibility.UNSCREENED) | ~Q(screening_reason=""),
                name="rounds_application_screening_has_reason",
                violation_error_message="Give the reason for the screening decision.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class BudgetLine(models.Model):
    """A cost line of an application's budget table."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    question_key = models.CharField(max_length=40)
    item = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)
    notes = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["application", "question_key", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="rounds_budget_line_not_negative",
                violation_error_message="A cost cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~Q(item=""),
                name="rounds_budget_line_item_named",
                violation_error_message="Say what the cost is for.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: £{self.amount}"


def application_file_upload_to(instance: ApplicationFile, filename: str) -> str:
    # Only the extension of the name given is kept: the stored name is ours, not the uploader's.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"applications/{instance.application.round_id}/{instance.application_id}/{instance.question_key}{suffix}"


class ApplicationFile(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    question_key = models.CharField(max_length=40)
    file = models.FileField(upload_to=application_file_upload_to, max_length=300)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "question_key", "-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationEvent(models.Model):
    """What happened to an application, for its timeline (submitted, screened, info asked for…)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["application", "at", "pk"]

    # Panel ----------------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.from_status} → {self.to_status}"


class PanelMember(models.Model):
    """A person on a round's assessment panel: an officer, a board member or an assessor."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_places")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()
    last_chased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "user__last_name", "user__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user"],
                name="rounds_panel_member_once",
                violation_error_message="This person is already on the round's panel.",
            )
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class AssessorInvitation(models.Model):
    """An invitation for someone outside the office to join a round's panel as an assessor
    (like a provider invitation: a one-time link, only its hash stored)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assessor_invitations")
    email = models.EmailField("Email address", max_length=150)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        max_length=10,
        default="pending",
        choices=[("pending", "Waiting to be accepted"), ("accepted", "Accepted"), ("withdrawn", "Withdrawn")],
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "round",
                condition=Q(status="pending"),
                name="rounds_assessor_invitation_one_pending",
                violation_error_message="An invitation to this address for this round is already waiting.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} for {self.round.reference}"


class AssignmentStatus(models.TextChoices):
    UNDECLARED = "undeclared", "Conflict of interest not declared yet"
    CONFLICTED = "conflicted", "Conflict of interest declared"
    IN_PROGRESS = "in_progress", "Scoring"
    SUBMITTED = "submitted", "Scores submitted"


class Assignment(models.Model):
    """One panel member's assessment of one application: the conflict declaration comes first;
    a conflicted member can neither open nor score the application."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.UNDECLARED)
    conflict_note = models.TextField("the conflict", blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["application", "member"]
        indexes = [models.Index(fields=["member", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "application"],
                name="rounds_assignment_once",
                violation_error_message="This panel member is already assigned this application.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="rounds_assignment_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=AssignmentStatus.CONFLICTED) | ~Q(conflict_note=""),
                name="rounds_assignment_conflict_described",
                violation_error_message="Say what the conflict of interest is.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.application.reference}"


class Score(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment", "criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="rounds_score_once_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion.key}: {self.score}"


class RecommendationChange(models.Model):
    """A change the panel made to an application's recommendation or amount offered, and why.
    Every change is kept; the application holds the latest."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="recommendation_changes")
    recommended = models.BooleanField(null=True, blank=True, help_text="None: back to the starting recommendation.")
    amount_offered = models.DecimalField(**MONEY, null=True, blank=True)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["application", "-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="rounds_recommendation_change_reason_given")
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} changed: {self.reason}"
