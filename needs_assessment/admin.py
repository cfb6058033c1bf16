"""The Django admin for needs data: a system administrator's view of the records, read-only.
Officers write them through the needs pages and imports, which go through
``needs_assessment.services``."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from pcc_commissioning.admin import ReadOnlyAdmin

from .models import (
    Area,
    AreaPopulation,
    CommissioningIntention,
    Finding,
    Indicator,
    IndicatorValue,
    NeedsAssessment,
    Theme,
)


@admin.register(Theme)
class ThemeAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class AreaPopulationInline(ReadOnlyAdmin, admin.TabularInline):
    model = AreaPopulation
    extra = 0


@admin.register(Area)
class AreaAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("name", "code", "type", "parent")
    list_filter = ("type",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    inlines = [AreaPopulationInline]


@admin.register(NeedsAssessment)
class NeedsAssessmentAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("title", "scope", "theme", "fy", "published_on")
    list_filter = ("scope", "fy")
    search_fields = ("title", "author")
    list_select_related = ("theme",)
    readonly_fields = ("version",)


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("name", "theme", "unit", "polarity", "is_count")
    list_filter = ("theme", "polarity", "is_count")
    search_fields = ("name", "source")
    list_select_related = ("theme",)


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("indicator", "area", "period", "value")
    list_filter = ("fy", "indicator")
    search_fields = ("indicator__name", "area__name", "area__code", "period")
    list_select_related = ("indicator", "area")


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("title", "assessment", "severity", "theme")
    list_filter = ("severity", "theme")
    search_fields = ("title", "description")
    list_select_related = ("assessment", "theme")
    filter_horizontal = ("areas", "kpqs")


@admin.register(CommissioningIntention)
class CommissioningIntentionAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("title", "rank", "status", "when_fy", "when_date", "lead", "estimated_annual_cost")
    list_filter = ("rank", "status", "theme")
    search_fields = ("title", "description")
    list_select_related = ("lead", "theme")
    filter_horizontal = ("findings",)
    readonly_fields = ("version",)
