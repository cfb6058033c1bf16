"""The admin lists plan delivery's records for system administrators, read-only: they are
written through their services (the plans' and the Victims' Code's pages)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pcc_commissioning.admin import ReadOnlyAdmin

from .models import CodeEdition, CodeRight, ComplianceMeasure, DeliveryPlan


@admin.register(DeliveryPlan)
class DeliveryPlanAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("reference", "title", "owner", "fy", "status")
    search_fields = ("reference", "title")


@admin.register(CodeEdition, CodeRight, ComplianceMeasure)
class VictimsCodeAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    pass
