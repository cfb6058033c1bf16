from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CodeEdition, CodeRight, ComplianceMeasure, DeliveryPlan


@admin.register(DeliveryPlan)
class DeliveryPlanAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "title", "owner", "fy", "status")
    search_fields = ("reference", "title")


admin.site.register(CodeEdition)
admin.site.register(CodeRight)
admin.site.register(ComplianceMeasure)
