"""The officers' upload page for the interchange imports (docs/formats.md "Imports").

Two steps, each a job of the report engine (``reports/imports/job.py``) that runs
``interchange.run_import``, the service ``manage.py import_data`` uses: the upload is checked
with a dry run and previewed; "Confirm import" imports the same file. A request only stores the
file and queues the job, so no file is too big for a web worker's time limit; the job's page
shows the rows checked so far and then the outcome. Between the steps the file is kept
server-side, named by a random token that only this user's session knows, and deleted once used
or expired. The browser sends back only the token, never a path. Each kind of import needs its
importer's capability, and a job's page shows only to the user who started it.
"""

from __future__ import annotations

import time
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcc_commissioning.interchange.imports import ImporterSpec
from pcc_commissioning.web import form_data, form_files
from reports.engine import services
from reports.models import Report

from .job import (
    ALLOWED_EXTENSIONS,
    IMPORT_JOB_KIND,
    ImportOutcome,
    importable_kinds,
    job_parameters,
    outcome_of,
    rows_checked,
    upload_delete,
    upload_is_kept,
    upload_keep,
)

SESSION_KEY = "pending_imports"
PENDING_PER_SESSION = 5
SUMMARY_LIMIT = 10  # problems listed in the error summary; the table lists them all
SECTION = "imports"  # the navigation's "Import" entry is current on every page of an import


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What does the file contain?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the file contains", "invalid_choice": "Choose what the file contains"},
    )
    file = forms.FileField(
        label="File",
        help_text="A CSV (UTF-8) or Excel (XLSX) file whose first row names the columns",
        error_messages={"required": "Choose a file to import", "empty": "The selected file is empty"},
    )
    update = forms.BooleanField(
        label="Replace awards that already exist",
        required=False,
        help_text="Awards only: an award whose reference is already in the register is replaced by the "
        "file's version. Without this, a file with such a reference is refused.",
    )

    def __init__(self, *args, kinds: dict[str, ImporterSpec], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, kind.capitalize()) for kind in kinds]
        if "awards" not in kinds:
            del self.fields["update"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = PurePath(upload.name or "").suffix.lower()
        if extension not in ALLOWED_EXTENSIONS:
            raise forms.ValidationError("The selected file must be a CSV or XLSX file")
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The selected file must be smaller than {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB"
            )
        return upload


def _kinds_or_refuse(user) -> dict[str, ImporterSpec]:
    kinds = importable_kinds(user)
    if not kinds:
        raise PermissionDenied("Your role does not allow importing files.")
    return kinds


# This session's uploads waiting for "Confirm import" --------------------------------------------


def _remember(request, token: str, *, kind: str, name: str, extension: str, update: bool) -> None:
    pending = dict(request.session.get(SESSION_KEY, {}))
    pending[token] = {"kind": kind, "name": name, "extension": extension, "update": update, "at": time.time()}
    for old in sorted(pending, key=lambda key: pending[key]["at"])[:-PENDING_PER_SESSION]:
        upload_delete(token=old, extension=pending.pop(old).get("extension", ""))
    request.session[SESSION_KEY] = pending


def _claim(request, token: str) -> dict | None:
    """This session's pending upload ``token``, removed from the session (so it is imported at
    most once); None if the token is unknown here, or the upload expired or its file has gone."""
    pending = dict(request.session.get(SESSION_KEY, {}))
    entry = pending.pop(token, None) if isinstance(token, str) else None
    if entry is None:
        return None
    request.session[SESSION_KEY] = pending
    extension = entry.get("extension", "")
    if not upload_is_kept(token=token, extension=extension):
        upload_delete(token=token, extension=extension)
        return None
    return entry


def _start(request, *, kind: str, token: str, name: str, extension: str, update: bool, dry_run: bool) -> Report:
    parameters = job_parameters(
        kind=kind, token=token, extension=extension, name=name, update=update, dry_run=dry_run, actor=request.user
    )
    report, _ = services.report_request(kind=IMPORT_JOB_KIND, parameters=parameters, actor=request.user)
    return report


# Pages ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def upload(request):
    kinds = _kinds_or_refuse(request.user)
    wanted = request.GET.get("kind", "")
    form = UploadForm(
        form_data(request),
        form_files(request),
        kinds=kinds,
        initial={"kind": wanted} if wanted in kinds else {},
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        upload_file = form.cleaned_data["file"]
        update = bool(form.cleaned_data.get("update")) and kind == "awards"
        name = PurePath(upload_file.name).name
        extension = PurePath(name).suffix.lower()
        token = upload_keep(data=upload_file.read(), extension=extension)
        _remember(request, token, kind=kind, name=name, extension=extension, update=update)
        job = _start(request, kind=kind, token=token, name=name, extension=extension, update=update, dry_run=True)
        return redirect("imports:job", pk=job.pk)
    return render(request, "imports/upload.html", {"section": SECTION, "form": form, "kinds": kinds})


@require_POST
def confirm(request):
    kinds = _kinds_or_refuse(request.user)
    token = request.POST.get("token", "")
    if request.POST.get("action") == "cancel":
        entry = _claim(request, token)
        if entry is not None:
            upload_delete(token=token, extension=entry["extension"])
        messages.info(request, "Nothing was imported.")
        return redirect("imports:upload")
    entry = _claim(request, token)
    if entry is None:
        messages.error(
            request,
            "This upload has expired or has already been imported: nothing was imported. Upload the file again.",
        )
        return redirect("imports:upload")
    if entry["kind"] not in kinds:
        raise PermissionDenied("Your role does not allow this import.")
    job = _start(
        request,
        kind=entry["kind"],
        token=token,
        name=entry["name"],
        extension=entry["extension"],
        update=bool(entry.get("update")),
        dry_run=False,
    )
    return redirect("imports:job", pk=job.pk)


def _own_job(request, pk: int) -> Report:
    """Job ``pk`` if this user started it and may still import its kind; else 404 (another
    user's job is not theirs to know of)."""
    kinds = _kinds_or_refuse(request.user)
    report = get_object_or_404(Report, pk=pk, kind=IMPORT_JOB_KIND, requested_by=request.user)
    if report.parameters.get("kind") not in kinds:
        raise PermissionDenied("Your role does not allow this import.")
    return report


def _progress_context(report: Report) -> dict:
    parameters = report.parameters
    checked, total = rows_checked(parameters) or (None, None)
    return {
        "section": SECTION,
        "report": report,
        "kind": parameters.get("kind", ""),
        "name": parameters.get("name", ""),
        "dry_run": bool(parameters.get("dry_run")),
        "checked": checked,
        "total": total,
        "percent": (100 * checked // total) if total else 0,
    }


@require_GET
def job(request, pk: int):
    report = _own_job(request, pk)
    if report.is_active or report.status == Report.Status.FAILED:
        return render(request, "imports/job.html", _progress_context(report))
    outcome = outcome_of(report)
    if outcome is None or outcome.refusal:
        refusal = outcome.refusal if outcome else "The outcome of this job has been lost: nothing was imported."
        return render(request, "imports/job.html", {**_progress_context(report), "refusal": refusal})
    return _show_outcome(request, outcome, report.parameters)


@require_GET
def job_status(request, pk: int):
    """The progress panel alone, which htmx polls every 2 seconds; once the job has finished it
    has the whole page reloaded, to show the outcome."""
    report = _own_job(request, pk)
    if report.is_active:
        return render(request, "imports/job_status.html", _progress_context(report))
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect("imports:job", pk=report.pk)


def _show_outcome(request, outcome: ImportOutcome, parameters: dict):
    errors = outcome.errors
    if outcome.dry_run or errors:
        return render(
            request,
            "imports/preview.html",
            {
                "section": SECTION,
                "kind": outcome.kind,
                "name": outcome.name,
                "result": outcome,
                "errors": errors,
                "summary_errors": errors[:SUMMARY_LIMIT],
                "more_errors": max(0, len(errors) - SUMMARY_LIMIT),
                "token": parameters.get("token", ""),
                "update": bool(parameters.get("update")),
                "confirming": not outcome.dry_run,
            },
        )
    return render(
        request,
        "imports/done.html",
        {"section": SECTION, "kind": outcome.kind, "name": outcome.name, "result": outcome},
    )
