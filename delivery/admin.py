"""The admin lists plans for system administrators, read-only (plans are versioned: they are
written through their services). The Victims' Code's editions, rights and measures are
reference data an administrator may correct here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pcc_commissioning.admin import ReadOnlyAdmin

from .models import CodeEdition, CodeRight, ComplianceMeasure, DeliveryPlan


@admin.register(DeliveryPlan)
class DeliveryPlanAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("reference", "title", "owner", "fy", "status")
    search_fields = ("reference", "title")


admin.site.register(CodeEdition)
admin.site.register(CodeRight)
admin.site.register(ComplianceMeasure)
