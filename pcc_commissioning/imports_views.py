"""The officers' upload page for the interchange imports (docs/formats.md "Imports").

Two steps, both through ``interchange.run_import`` (the service ``manage.py import_data`` uses):
the upload is checked with a dry run and previewed; "Confirm import" imports the same file.
Between the steps the file is kept server-side, under ``MEDIA_ROOT/imports/`` named by a random
token that only this user's session knows, and deleted once used or expired. The browser
sends back only the token, never a path. Each kind of import needs its importer's capability.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path, PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .interchange import ImporterSpec, ImportFailed, ImportResult, importers, run_import
from .roles import CAPABILITIES, has_capability
from .web import form_data, form_files

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
SESSION_KEY = "pending_imports"
PENDING_SECONDS = 60 * 60  # an unconfirmed upload is kept for an hour
PENDING_PER_SESSION = 5
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
SUMMARY_LIMIT = 10  # problems listed in the error summary; the table lists them all


def importable_kinds(user) -> dict[str, ImporterSpec]:
    """The importers whose capability ``user`` holds, by kind."""
    return {
        kind: spec
        for kind, spec in sorted(importers().items())
        if spec.capability in CAPABILITIES and has_capability(user, spec.capability)
    }


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


# Keeping the file between the two steps -------------------------------------------------------


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _path(token: str, extension: str) -> Path:
    return _folder() / f"{token}{extension}"


def _sweep(now: float) -> None:
    """Delete stored uploads nobody confirmed in time (any session's)."""
    folder = _folder()
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        try:
            if path.is_file() and now - path.stat().st_mtime > PENDING_SECONDS:
                path.unlink()
        except OSError:
            pass


def _keep(request, *, kind: str, name: str, extension: str, update: bool, data: bytes) -> str:
    now = time.time()
    _sweep(now)
    token = secrets.token_hex(16)
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = _path(token, extension)
    with open(path, "xb") as handle:
        handle.write(data)
    path.chmod(0o600)
    pending = dict(request.session.get(SESSION_KEY, {}))
    pending[token] = {"kind": kind, "name": name, "extension": extension, "update": update, "at": now}
    for old in sorted(pending, key=lambda key: pending[key]["at"])[:-PENDING_PER_SESSION]:
        _forget_file(old, pending.pop(old))
    request.session[SESSION_KEY] = pending
    return token


def _forget_file(token: str, entry: dict) -> None:
    extension = entry.get("extension")
    if TOKEN_RE.match(token) and extension in ALLOWED_EXTENSIONS:
        _path(token, extension).unlink(missing_ok=True)


def _take(request, token: str) -> tuple[dict, bytes] | None:
    """The pending upload ``token`` of this session and its bytes, removed from the session and
    the disk; None if the token is unknown here, expired or its file has gone."""
    pending = dict(request.session.get(SESSION_KEY, {}))
    entry = pending.pop(token, None) if TOKEN_RE.match(token or "") else None
    if entry is None:
        return None
    request.session[SESSION_KEY] = pending
    path = _path(token, entry.get("extension", ""))
    try:
        if entry.get("extension") not in ALLOWED_EXTENSIONS or time.time() - entry["at"] > PENDING_SECONDS:
            return None
        data = path.read_bytes()
    except (OSError, KeyError, TypeError):
        return None
    finally:
        _forget_file(token, entry)
    return entry, data


def _discard(request, token: str) -> None:
    pending = dict(request.session.get(SESSION_KEY, {}))
    entry = pending.pop(token, None)
    if entry is not None:
        _forget_file(token, entry)
        request.session[SESSION_KEY] = pending


# Pages ------------------------------------------------------------------------------------------


def _preview(request, *, kind: str, name: str, result: ImportResult | None = None, failure: ImportFailed | None = None,
             token: str = "", update: bool = False, confirming: bool = False):
    errors = failure.errors if failure else []
    return render(
        request,
        "imports/preview.html",
        {
            "kind": kind,
            "name": name,
            "result": result,
            "errors": errors,
            "summary_errors": errors[:SUMMARY_LIMIT],
            "more_errors": max(0, len(errors) - SUMMARY_LIMIT),
            "token": token,
            "update": update,
            "confirming": confirming,
        },
    )


@require_http_methods(["GET", "POST"])
def upload(request):
    kinds = importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied("Your role does not allow importing files.")
    wanted = request.GET.get("kind", "")
    form = UploadForm(
        form_data(request), form_files(request), kinds=kinds,
        initial={"kind": wanted} if wanted in kinds else {},
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        upload_file = form.cleaned_data["file"]
        update = bool(form.cleaned_data.get("update")) and kind == "awards"
        name = PurePath(upload_file.name).name
        data = upload_file.read()
        try:
            result = run_import(kind, data, filename=name, actor=request.user, dry_run=True, update=update)
        except ImportFailed as failure:
            return _preview(request, kind=kind, name=name, failure=failure, update=update)
        token = _keep(request, kind=kind, name=name, extension=PurePath(name).suffix.lower(), update=update, data=data)
        return _preview(request, kind=kind, name=name, result=result, token=token, update=update)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "kinds": kinds},
    )


@require_POST
def confirm(request):
    kinds = importable_kinds(request.user)
    if not kinds:
        raise PermissionDenied("Your role does not allow importing files.")
    token = request.POST.get("token", "")
    if request.POST.get("action") == "cancel":
        _discard(request, token)
        messages.info(request, "Nothing was imported.")
        return redirect("imports:upload")
    taken = _take(request, token)
    if taken is None:
        messages.error(request, "This upload has expired or has already been imported: nothing was imported. "
                                "Upload the file again.")
        return redirect("imports:upload")
    entry, data = taken
    kind, name, update = entry["kind"], entry["name"], bool(entry.get("update"))
    if kind not in kinds:
        raise PermissionDenied("Your role does not allow this import.")
    try:
        result = run_import(kind, data, filename=name, actor=request.user, update=update)
    except ImportFailed as failure:  # the register changed since the preview
        return _preview(request, kind=kind, name=name, failure=failure, update=update, confirming=True)
    messages.success(
        request,
        f"Imported {name}: {result.rows} rows, {result.created} created, {result.updated} updated, "
        f"{result.skipped} unchanged.",
    )
    return redirect(f"{reverse('imports:upload')}?kind={kind}")
