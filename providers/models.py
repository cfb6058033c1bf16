"""Organisations (providers, funders and partners alike), their contacts and due-diligence
documents, and the link between a provider user and their organisation."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords


class OrganisationKind(models.TextChoices):
    VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary or community sector"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    HEALTH = "health", "Health body"
    POLICE = "police", "Police force"
    PROBATION = "probation", "Probation service"
    PCC = "pcc", "Police and crime commissioner"
    CENTRAL_GOVERNMENT = "central_government", "Central government"
    PRIVATE = "private", "Private company"
    SOCIAL_ENTERPRISE = "social_enterprise", "Social enterprise"
    HOUSING = "housing", "Housing provider"
    OTHER = "other", "Other"


class Organisation(models.Model):
    """Any organisation the OPCC deals with: a provider, a funder (e.g. the Ministry of
    Justice) or a co-commissioning partner."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices, default=OrganisationKind.OTHER)
    charity_number = models.CharField(max_length=12, blank=True)
    company_number = models.CharField(max_length=8, blank=True)
    org_id = models.CharField(
        "360Giving org-id",
        max_length=100,
        blank=True,
        help_text="Worked out from the charity or company number when left blank.",
    )
    supplier_number = models.CharField(max_length=50, blank=True, help_text="The finance system's id.")
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    website = models.URLField(max_length=300, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["version", "created_at", "updated_at"])

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="providers_organisation_name_unique_ci",
                violation_error_message="An organisation with this name already exists.",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="providers_organisation_name_not_blank"),
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values), name="providers_organisation_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_primary = models.BooleanField("Main contact", default=False)

    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-is_primary", Lower("name")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_primary=True),
                name="providers_contact_one_primary_per_organisation",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="providers_contact_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentKind(models.TextChoices):
    SAFEGUARDING = "safeguarding", "Safeguarding policy"
    INSURANCE = "insurance", "Insurance certificate"
    ACCOUNTS = "accounts", "Annual accounts"
    DATA_PROTECTION = "data_protection", "Data protection (GDPR) policy"
    EQUALITY = "equality", "Equality and diversity policy"
    DBS = "dbs", "DBS checks policy"
    OTHER = "other", "Other"


def document_upload_to(instance: DueDiligenceDocument, filename: str) -> str:
    """A random, non-guessable path; the name people see is kept in ``original_name``."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"due-diligence/{uuid.uuid4().hex}{suffix}"


class DueDiligenceDocument(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    valid_from = models.DateField()
    expires_on = models.DateField(null=True, blank=True, help_text="Leave blank if it does not expire.")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["uploaded_at"])

    class Meta:
        ordering = ["kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("valid_from")),
                name="providers_document_expires_after_valid_from",
                violation_error_message="The expiry date must be on or after the valid-from date.",
            ),
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="providers_document_kind_valid"),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(verified_on__isnull=False),
                name="providers_document_verified_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class MembershipEvent(models.TextChoices):
    """Why a membership was saved, kept as the history row's change reason: switching a user
    off or on changes the user (``is_active``), not the membership, so without a reason the
    organisation's history could not tell these saves apart."""

    ACCEPTED = "invitation-accepted", "Invitation accepted"
    SWITCHED_OFF = "switched-off", "Access switched off"
    SWITCHED_ON = "switched-on", "Access switched back on"


class ProviderMembership(models.Model):
    """Which organisation a provider user acts for (``roles.provider_organisation_id``)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(
        "Organisation's lead", default=False, help_text="A lead may invite colleagues to the portal."
    )
    is_signatory = models.BooleanField(
        "Authorised signatory", default=False, help_text="May accept grant agreements for the organisation."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be accepted"
    ACCEPTED = "accepted", "Accepted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ProviderInvitation(models.Model):
    """An invitation for a person to use the provider portal for an organisation.

    The e-mail carries a one-time link; only a hash of its token is stored (``token_hash``),
    so a copy of the database gives nobody a working link. The account is created when the
    link is followed, with the names and e-mail address given here.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    # It becomes the username, which is at most 150 characters long.
    email = models.EmailField("Email address", max_length=150)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    as_lead = models.BooleanField("Invited as the organisation's lead", default=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The account created when the invitation was accepted.",
    )
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was accepted or withdrawn.")

    # The token's hash is left out: history needs to say that a link was replaced, not keep
    # every hash there ever was.
    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(status="pending"),
                name="providers_invitation_one_pending_per_email",
                violation_error_message="An invitation to this email address is already waiting to be accepted.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values), name="providers_invitation_status_valid"
            ),
            models.CheckConstraint(condition=~Q(email=""), name="providers_invitation_email_not_blank"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("sent_at")), name="providers_invitation_expires_after_sending"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", closed_at__isnull=True)
                | (~Q(status="pending") & Q(closed_at__isnull=False)),
                name="providers_invitation_closed_when_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}> – {self.organisation}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RequiredDocument(models.Model):
    """A due-diligence document an organisation of a kind must hold, current, before it is
    awarded or paid (data, edited in the admin; seeded with safeguarding, insurance and accounts
    for voluntary, community, private and housing organisations)."""

    organisation_kind = models.CharField(max_length=30, choices=OrganisationKind.choices)
    document_kind = models.CharField(max_length=30, choices=DocumentKind.choices)

    class Meta:
        ordering = ["organisation_kind", "document_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_kind", "document_kind"],
                name="providers_required_document_once",
                violation_error_message="This document is already required of this kind of organisation.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_organisation_kind_display()}: {self.get_document_kind_display()}"
