"""Django admin for the grants register: for system administrators to look things up. The rules
(status transitions, the delegated limit, payment limits, funding lines within the award's
dates, the monitoring returns' steps) live in the grants services (``grants.awards.services``, ``grants.monitoring.services``, …),
which the admin does not call, so every record is read-only here: use the pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pcc_commissioning.admin import ReadOnlyAdmin

from .models import (
    Award,
    AwardDocument,
    AwardKPI,
    AwardTransition,
    CoFunding,
    Decision,
    ForecastOutturn,
    FundingLine,
    FundingStream,
    MonitoringReturn,
    Payment,
    PriorityBudget,
    ReminderSent,
    ReturnBreakdown,
    ReturnKPIValue,
    ReturnOutcome,
    StreamAllocation,
)


class ReadOnlyInline(ReadOnlyAdmin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class StreamAllocationInline(ReadOnlyInline):
    model = StreamAllocation
    extra = 0
    fields = ("fy", "amount", "notes")


@admin.register(FundingStream)
class FundingStreamAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("name", "source", "kind", "moj_reported", "ring_fenced_for")
    list_filter = ("kind", "moj_reported")
    search_fields = ("name", "source__name", "ring_fenced_for")
    list_select_related = ("source",)
    autocomplete_fields = ("source",)
    readonly_fields = ("version",)
    inlines = [StreamAllocationInline]


@admin.register(PriorityBudget)
class PriorityBudgetAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("priority", "fy", "amount")
    list_filter = ("fy", "priority")
    list_select_related = ("priority",)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("reference", "subject", "decided_on", "status", "published_on")
    list_filter = ("status",)
    search_fields = ("reference", "subject", "summary")
    date_hierarchy = "decided_on"
    # Signing and publishing are recorded by the decision pages (grants.decisions.services).
    readonly_fields = ("status", "signed_by", "signed_at", "published_on", "version")


class FundingLineInline(ReadOnlyInline):
    model = FundingLine
    fields = ("stream", "fy", "amount")


class AwardTransitionInline(ReadOnlyInline):
    model = AwardTransition
    fields = ("at", "from_status", "to_status", "by", "note")


class CoFundingInline(ReadOnlyInline):
    model = CoFunding
    fields = ("partner", "fy", "amount", "notes")


class ForecastInline(ReadOnlyInline):
    model = ForecastOutturn
    fields = ("fy", "amount", "updated_by", "updated_at")


class AwardDocumentInline(ReadOnlyInline):
    model = AwardDocument
    fields = ("kind", "title", "uploaded_by", "uploaded_at")


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("reference", "title", "provider", "kind", "priority", "status", "start_date", "end_date")
    list_filter = ("status", "kind", "priority")
    search_fields = ("reference", "title", "provider__name")
    list_select_related = ("provider", "priority")
    autocomplete_fields = ("provider", "decision")
    filter_horizontal = ("kpqs",)
    readonly_fields = ("reference", "status", "version", "created_at", "updated_at")
    inlines = [FundingLineInline, CoFundingInline, ForecastInline, AwardDocumentInline, AwardTransitionInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("award", "stream", "fy", "due_date", "paid_date", "amount", "invoice_reference")
    list_filter = ("fy", "stream")
    search_fields = ("award__reference", "invoice_reference", "po_number")
    list_select_related = ("award", "stream")
    date_hierarchy = "due_date"


# Monitoring: KPIs, returns (status transitions, validation, accepted returns final: the rules
# of ``grants.monitoring``) and the record of reminders sent.


@admin.register(AwardKPI)
class AwardKPIAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("award", "name", "unit", "target", "target_period", "kpq")
    list_filter = ("target_period", "kpq")
    search_fields = ("award__reference", "name")
    list_select_related = ("award", "kpq")
    autocomplete_fields = ("award",)


class ReturnBreakdownInline(ReadOnlyInline):
    model = ReturnBreakdown
    fields = ("code", "count")


class ReturnOutcomeInline(ReadOnlyInline):
    model = ReturnOutcome
    fields = ("code", "assessed", "improved")


class ReturnKPIValueInline(ReadOnlyInline):
    model = ReturnKPIValue
    fields = ("kpi", "value")


@admin.register(MonitoringReturn)
class MonitoringReturnAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("award", "fy", "quarter", "status", "due_date", "rag", "submitted_at", "reviewed_at")
    list_filter = ("status", "rag", "fy", "quarter")
    search_fields = ("award__reference", "award__title", "award__provider__name")
    list_select_related = ("award",)
    date_hierarchy = "due_date"
    inlines = [ReturnBreakdownInline, ReturnOutcomeInline, ReturnKPIValueInline]


@admin.register(ReminderSent)
class ReminderSentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("kind", "item", "stage", "sent_at", "recipients")
    list_filter = ("kind",)
    search_fields = ("item", "recipients")
    date_hierarchy = "sent_at"
