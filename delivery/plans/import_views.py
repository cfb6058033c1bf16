"""Importing a delivery plan from the spreadsheet a force keeps (the ``delivery_plan`` format),
on a page: the same import as ``manage.py import_data delivery_plan``, all or nothing, with
every problem listed by row and column. A plan's file is a few dozen rows, so it runs at once
rather than as a background job; "check only" runs every check and writes nothing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data, form_files
from providers.models import Organisation

from ..models import DeliveryPlan

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class UploadField(forms.FileField):
    def __init__(self, **kwargs):
        super().__init__(
            label="The spreadsheet (CSV or XLSX)",
            error_messages={"required": "Choose the CSV or XLSX file to import"},
            **kwargs,
        )

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is not None:
            if not upload.name.lower().endswith((".csv", ".xlsx")):
                raise forms.ValidationError("The file must be a CSV or XLSX file")
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError("The file must be smaller than 5 MB")
        return upload


class PlanImportForm(forms.Form):
    file = UploadField()
    plan = forms.CharField(
        label="Plan reference",
        max_length=50,
        help_text="An existing plan's reference adds and changes its rows; a new one creates the plan.",
        error_messages={"required": "Enter the plan's reference, e.g. FDP-2019"},
    )
    title = forms.CharField(label="Title (for a new plan)", max_length=200, required=False)
    owner = forms.ModelChoiceField(label="Owner (for a new plan)", queryset=Organisation.objects.none(), required=False)
    fy = forms.CharField(label="Financial year (for a new plan)", max_length=7, required=False, help_text="e.g. 2019")
    check_only = forms.BooleanField(label="Check the file only: import nothing", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Organisation.objects.filter(active=True).order_by("name")


def import_problems(failure: ImportFailed) -> list:
    return list(failure.errors)


@capability_required("delivery.import")
@require_http_methods(["GET", "POST"])
def plan_import(request):
    form = PlanImportForm(form_data(request), form_files(request), initial={"plan": request.GET.get("plan", "")})
    problems: list = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = {"plan": data["plan"].strip(), "title": data["title"].strip(), "fy": data["fy"].strip()}
        if data["owner"] is not None:
            options["owner"] = data["owner"].name
        try:
            result = run_import(
                "delivery_plan",
                data["file"].read(),
                filename=data["file"].name,
                actor=request.user,
                dry_run=data["check_only"],
                options={name: value for name, value in options.items() if value},
            )
        except ImportFailed as failure:
            problems = import_problems(failure)
            form.add_error("file", "The file was not imported: see the problems listed")
        else:
            if data["check_only"]:
                messages.success(request, f"The file has no problems: {result.summary()} Nothing was imported.")
                return redirect(f"{reverse('delivery:plan_import')}?plan={options['plan']}")
            messages.success(request, result.summary())
            plan = DeliveryPlan.objects.filter(reference__iexact=options["plan"]).first()
            return redirect("delivery:plan", reference=plan.reference) if plan else redirect("delivery:plan_list")
    return render(
        request, "delivery/imports/plan_import.html", {"form": form, "problems": problems, "section": "delivery"}
    )
