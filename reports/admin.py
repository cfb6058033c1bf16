from django.contrib import admin

from pcc_commissioning.admin import ReadOnlyAdmin

from .models import Report


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Reports are requested, run and sent by the reports pages and the worker."""

    list_display = ("pk", "kind", "parameters_key", "status", "progress", "requested_by", "requested_at", "finished_at")
    list_filter = ("kind", "status")
    readonly_fields = ("checksum", "requested_at", "sent_at", "attempts", "started_at", "heartbeat_at", "finished_at")
    search_fields = ("kind", "parameters_key", "error")
