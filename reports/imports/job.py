"""The Import page's work as jobs of the report engine: checking a file and importing it.

A file uploaded on the Import page (``reports/imports/views.py``) is kept under
``MEDIA_ROOT/imports/``, named by a random token that only the uploader's session knows, until a
job reads it. Each step is a ``Report`` of kind ``import`` whose parameters name the upload
(token and extension), the kind of import, the user acting and whether it is the check (a dry
run). Its builder runs ``interchange.run_import``, all or nothing as on the command line, and
stores the outcome (the counts, or every row's problem) as a small JSON file that the page reads
back. The import job deletes the file as it reads it, so a file is imported at most once even if
the job is delivered twice.

Rows checked: ``run_import`` checks and writes the rows inside one database transaction. A
write to the report's row from in there would stay invisible to the page until the end (and
hold that row's lock all along), so the count goes to the "progress" cache instead (never the
database), keyed by the upload and step; the web and worker processes share it when
``CACHE_URL`` points at Redis.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches

from pcc_commissioning.interchange.imports import ImporterSpec, importers, run_import
from pcc_commissioning.interchange.rows import ImportFailed, RowError
from pcc_commissioning.roles import CAPABILITIES, has_capability

IMPORT_JOB_KIND = "import"
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
PENDING_SECONDS = 60 * 60  # an upload is kept for an hour
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
NAME_MAX_JSON = 50  # the file's name in the job's parameters, whose JSON form must fit 200 characters


def importable_kinds(user) -> dict[str, ImporterSpec]:
    """The importers whose capability ``user`` holds, by kind. Kinds about one grant round
    (with options, or a JSON document) are offered on the round's own page instead."""
    return {
        kind: spec
        for kind, spec in sorted(importers().items())
        if not spec.options
        and spec.file_format == "table"
        and spec.capability in CAPABILITIES
        and has_capability(user, spec.capability)
    }


# The uploaded file, kept until a job reads it ---------------------------------------------------


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def upload_path(token: str, extension: str) -> Path | None:
    """Where the upload ``token`` is kept; None for a token or extension that is not one of ours
    (the browser sends the token back: it must never become a path of its choosing)."""
    if not TOKEN_RE.match(token or "") or extension not in ALLOWED_EXTENSIONS:
        return None
    return _folder() / f"{token}{extension}"


def _sweep(now: float) -> None:
    """Delete kept uploads older than PENDING_SECONDS (anyone's)."""
    folder = _folder()
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        try:
            if path.is_file() and now - path.stat().st_mtime > PENDING_SECONDS:
                path.unlink()
        except OSError:
            pass


def upload_keep(*, data: bytes, extension: str) -> str:
    """Store an uploaded file (readable by this service only) and return its new token."""
    _sweep(time.time())
    token = secrets.token_hex(16)
    _folder().mkdir(parents=True, exist_ok=True)
    path = upload_path(token, extension)
    with open(path, "xb") as handle:
        handle.write(data)
    path.chmod(0o600)
    return token


def upload_delete(*, token: str, extension: str) -> None:
    path = upload_path(token, extension)
    if path is not None:
        path.unlink(missing_ok=True)


def upload_is_kept(*, token: str, extension: str) -> bool:
    path = upload_path(token, extension)
    try:
        return path is not None and time.time() - path.stat().st_mtime <= PENDING_SECONDS
    except OSError:
        return False


def _upload_read(token: str, extension: str) -> bytes | None:
    if not upload_is_kept(token=token, extension=extension):
        return None
    try:
        return upload_path(token, extension).read_bytes()
    except OSError:
        return None


# The job's parameters, progress and outcome ------------------------------------------------------


def _short_name(name: str) -> str:
    """``name``, cut (with an ellipsis) so that its JSON form fits NAME_MAX_JSON characters."""
    shown = name
    while len(json.dumps(shown)) > NAME_MAX_JSON:
        name = name[:-1]
        shown = f"{name}…"
    return shown


def job_parameters(*, kind: str, token: str, extension: str, name: str, update: bool, dry_run: bool, actor) -> dict:
    """The parameters of the report that checks (``dry_run``) or imports an upload."""
    return {
        "kind": kind,
        "token": token,
        "extension": extension,
        "name": _short_name(name),
        "update": update,
        "dry_run": dry_run,
        "actor": actor.pk,
    }


class ImportJobForm(forms.Form):
    """The shape of an import job's parameters. Import jobs are started by the Import page,
    never from the report request page (the kind is not listed there)."""

    kind = forms.CharField()
    token = forms.RegexField(regex=TOKEN_RE)
    extension = forms.ChoiceField(choices=[(extension, extension) for extension in ALLOWED_EXTENSIONS])
    name = forms.CharField()
    update = forms.BooleanField(required=False)
    dry_run = forms.BooleanField(required=False)
    actor = forms.IntegerField()


def _progress_key(token: str, dry_run: bool) -> str:
    return f"reports:import-job:{token}:{'check' if dry_run else 'import'}"


def rows_checked(parameters: dict) -> tuple[int, int] | None:
    """``(rows checked, rows in the file)`` of a running job, once the file has been read."""
    value = caches["progress"].get(_progress_key(parameters.get("token", ""), bool(parameters.get("dry_run"))))
    return tuple(value) if value else None


@dataclass
class ImportOutcome:
    """What a job found: the counts, or every problem (then nothing was written), or why it
    could not look at the file."""

    kind: str
    name: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    refusal: str = ""  # why the job did not look at the file at all

    def as_file(self) -> tuple[bytes, str]:
        content = json.dumps(asdict(self), indent=1).encode()
        return content, f"import-{self.kind}-{'check' if self.dry_run else 'result'}.json"

    @classmethod
    def from_json(cls, content: bytes) -> ImportOutcome:
        data = json.loads(content)
        data["errors"] = [RowError(**error) for error in data.get("errors", [])]
        return cls(**data)


def outcome_of(report) -> ImportOutcome | None:
    """The outcome a finished import job stored; None if it has no readable file."""
    if not report.file:
        return None
    try:
        with report.file.open("rb") as handle:
            return ImportOutcome.from_json(handle.read())
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _refused(outcome: ImportOutcome, message: str) -> tuple[bytes, str]:
    outcome.refusal = message
    return outcome.as_file()


def build_import_job(
    *, kind: str, token: str, extension: str, name: str, update: bool, dry_run: bool, actor: int, progress
) -> tuple[bytes, str]:
    """The report engine's builder for an import job: check (``dry_run``) or import the upload."""
    outcome = ImportOutcome(kind=kind, name=name, dry_run=dry_run)
    user = get_user_model().objects.filter(pk=actor, is_active=True).first()
    if user is None or kind not in importable_kinds(user):
        upload_delete(token=token, extension=extension)
        return _refused(outcome, "Your role does not allow this import: nothing was imported.")
    progress(0, "Reading the file")
    data = _upload_read(token, extension)
    if not dry_run:
        upload_delete(token=token, extension=extension)  # imported at most once, whatever happens next
    if data is None:
        return _refused(outcome, "The uploaded file has expired: nothing was imported. Upload it again.")

    def told(checked: int, total: int) -> None:
        caches["progress"].set(_progress_key(token, dry_run), (checked, total), timeout=PENDING_SECONDS)
        if checked == 0:  # run_import has not opened its transaction yet: the report's row can say it
            progress(0, f"0 of {total:,} rows checked")

    try:
        result = run_import(
            kind, data, filename=f"{token}{extension}", actor=user, dry_run=dry_run, update=update, progress=told
        )
    except ImportFailed as failure:
        upload_delete(token=token, extension=extension)  # a refused file cannot be confirmed
        outcome.errors = failure.errors
    else:
        outcome.rows, outcome.created = result.rows, result.created
        outcome.updated, outcome.skipped = result.updated, result.skipped
    return outcome.as_file()
