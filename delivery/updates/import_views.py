"""Importing a period's progress updates and metric values from a spreadsheet (the
``plan_updates`` format), on the plan's own page: the same import as ``manage.py import_data
plan_updates``, all or nothing, with every problem listed. The updates arrive submitted, for the
officer to accept on the round's page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data, form_files

from ..models import UpdateRoundStatus
from ..plans.import_views import UploadField, import_problems
from ..plans.selectors import access_plan


class ProgressImportForm(forms.Form):
    file = UploadField()
    period = forms.CharField(
        label="Period",
        max_length=10,
        help_text="The update round's period code, e.g. 2019-H1 (a half), 2019-Q3 (a quarter) or 2019 (a year).",
        error_messages={"required": "Enter the period, e.g. 2019-H1"},
    )
    check_only = forms.BooleanField(label="Check the file only: import nothing", required=False)


@capability_required("delivery.import")
@require_http_methods(["GET", "POST"])
def progress_import(request, reference: str):
    plan = access_plan(reference)
    collecting = plan.update_rounds.filter(status=UpdateRoundStatus.OPEN).order_by("-period_start").first()
    form = ProgressImportForm(
        form_data(request), form_files(request), initial={"period": collecting.period if collecting else ""}
    )
    problems: list = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = run_import(
                "plan_updates",
                data["file"].read(),
                filename=data["file"].name,
                actor=request.user,
                dry_run=data["check_only"],
                options={"plan": plan.reference, "period": data["period"].strip()},
            )
        except ImportFailed as failure:
            problems = import_problems(failure)
            form.add_error("file", "The file was not imported: see the problems listed")
        else:
            suffix = " Nothing was imported." if data["check_only"] else ""
            messages.success(request, f"{result.summary()}{suffix}")
            return redirect("delivery:plan", reference=plan.reference)
    return render(
        request,
        "delivery/imports/progress_import.html",
        {"form": form, "problems": problems, "plan": plan, "section": "delivery"},
    )
