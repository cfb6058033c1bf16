"""The Django admin for organisations: system administrators look the records up here, and keep
the list of required documents. Organisations, contacts, documents, memberships and invitations
are written by the providers pages and imports (``providers.services``), so are read-only here."""

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from pcc_commissioning.admin import ReadOnlyAdmin

from .models import (
    Contact,
    DueDiligenceDocument,
    Organisation,
    ProviderInvitation,
    ProviderMembership,
    RequiredDocument,
)


class ContactInline(ReadOnlyAdmin, admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("name", "kind", "charity_number", "company_number", "postcode", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "charity_number", "company_number", "supplier_number", "postcode")
    readonly_fields = ("version", "created_at", "updated_at")
    inlines = [ContactInline]
    # The read-only page still builds the form: say which scheme a bare web address means.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("name", "organisation", "job_title", "email", "is_primary")
    search_fields = ("name", "email", "organisation__name")
    list_select_related = ("organisation",)


@admin.register(DueDiligenceDocument)
class DueDiligenceDocumentAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("organisation", "kind", "original_name", "valid_from", "expires_on", "verified_on")
    list_filter = ("kind",)
    search_fields = ("organisation__name", "original_name")
    list_select_related = ("organisation",)


@admin.register(ProviderMembership)
class ProviderMembershipAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("user", "organisation", "is_lead", "created_at")
    list_filter = ("is_lead",)
    search_fields = ("user__username", "user__email", "organisation__name")
    list_select_related = ("user", "organisation")


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(admin.ModelAdmin):
    """Which due-diligence documents each kind of organisation must hold before it is awarded
    or paid: reference data the system administrator keeps, like the code lists."""

    list_display = ("organisation_kind", "document_kind")
    list_filter = ("organisation_kind",)


@admin.register(ProviderInvitation)
class ProviderInvitationAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Invitations are sent, re-sent and withdrawn on the organisation's Users tab, which e-mails
    the link (the admin could not: only the token's hash is stored)."""

    list_display = ("email", "organisation", "status", "as_lead", "sent_at", "expires_at")
    list_filter = ("status", "as_lead")
    search_fields = ("email", "first_name", "last_name", "organisation__name")
    list_select_related = ("organisation",)
    exclude = ("token_hash",)
