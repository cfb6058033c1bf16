"""The Django admin for the Plan. Code lists, counting definitions and the Plan itself (outcomes,
KPQs, commissioning priorities) are reference data a system administrator keeps here; performance
measures and their values are written by the Plan's measure pages, so are read-only here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from pcc_commissioning.admin import ReadOnlyAdmin

from .models import (
    KPQ,
    CodeListEntry,
    CommissioningPriority,
    CountingDefinition,
    PerformanceMeasure,
    PerformanceValue,
    PlanOutcome,
)
from .services import code_list_entry_check


class KPQInline(admin.TabularInline):
    model = KPQ
    extra = 0
    fields = ("number", "question")


@admin.register(PlanOutcome)
class PlanOutcomeAdmin(SimpleHistoryAdmin):
    list_display = ("number", "title")
    list_display_links = ("number", "title")
    search_fields = ("title", "description")
    inlines = [KPQInline]


@admin.register(KPQ)
class KPQAdmin(SimpleHistoryAdmin):
    list_display = ("label", "question", "outcome")
    list_filter = ("outcome",)
    list_select_related = ("outcome",)
    search_fields = ("question",)
    ordering = ("number",)


@admin.register(CommissioningPriority)
class CommissioningPriorityAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "sort_order")
    list_display_links = ("code", "name")
    list_editable = ("sort_order",)
    search_fields = ("code", "name", "description")


class CodeListEntryAdminForm(forms.ModelForm):
    """Adds the service's rule that one code's entries do not overlap in years."""

    class Meta:
        model = CodeListEntry
        fields = "__all__"  # noqa: DJ007 (the admin edits every field of a code list entry)

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip().lower()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            code_list_entry_check(
                list_name=cleaned["list"],
                code=cleaned["code"],
                valid_from_fy=cleaned.get("valid_from_fy"),
                valid_to_fy=cleaned.get("valid_to_fy"),
                exclude_pk=self.instance.pk,
            )
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


@admin.register(CodeListEntry)
class CodeListEntryAdmin(SimpleHistoryAdmin):
    form = CodeListEntryAdminForm
    list_display = ("list", "code", "label", "valid_from_fy", "valid_to_fy", "sort_order")
    list_display_links = ("code", "label")
    list_filter = ("list",)
    search_fields = ("code", "label", "definition")
    ordering = ("list", "sort_order", "code", "valid_from_fy")


@admin.register(CountingDefinition)
class CountingDefinitionAdmin(SimpleHistoryAdmin):
    """How this OPCC counts a "referral" and a "victim supported" (shown on every return form).
    Both are seeded; they are edited here, not added or removed."""

    list_display = ("term", "label", "definition")
    list_display_links = ("term", "label")
    readonly_fields = ("term",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PerformanceValueInline(ReadOnlyAdmin, admin.TabularInline):
    model = PerformanceValue
    extra = 0
    fields = ("period", "fy", "quarter", "value", "target")


@admin.register(PerformanceMeasure)
class PerformanceMeasureAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Measures and their values are written by the Plan's measure pages (``outcomes.services``)."""

    list_display = ("name", "kpq", "unit", "polarity", "source")
    list_filter = ("kpq", "polarity")
    list_select_related = ("kpq",)
    search_fields = ("name", "source", "definition")
    inlines = [PerformanceValueInline]


@admin.register(PerformanceValue)
class PerformanceValueAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ("measure", "period", "value", "target")
    list_filter = ("fy", "measure__kpq")
    list_select_related = ("measure", "measure__kpq")
    search_fields = ("measure__name", "period")
    ordering = ("measure", "fy", "quarter")
