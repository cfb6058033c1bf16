"""Import kinds (``@importer``) and ``run_import``: one transaction for the whole file, so a file
with any bad row changes nothing, with progress reported as rows are checked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from typing import IO, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from pcc_commissioning.interchange.rows import CellError, ImportFailed, Row, RowError
from pcc_commissioning.interchange.tables import read_table


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.kind}: {self.rows} row(s) read, {self.created} created, "
            f"{self.updated} updated, {self.skipped} unchanged."
        )


@dataclass
class RowContext:
    """Collects the errors of one import, row by row.

    ``dry_run``: the file is only being checked, and ``run_import`` rolls back whatever is
    written. An importer that checks every row before its first write may stop there instead
    of writing (the result and messages are the same; only the time saved differs).
    """

    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    # What the command line or page gave besides the file (``--round REF``): the kind's
    # declared ``options``, all present, and those of its ``optional_options`` given, as text.
    options: dict[str, str] = field(default_factory=dict)

    def add(self, row: Row | int, column: str, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        self.errors.append(RowError(number, column, message))

    def add_validation_error(self, row: Row, error: ValidationError, columns: dict[str, str] | None = None) -> None:
        """Report a service's ValidationError, mapping model field names to file columns."""
        columns = columns or {}
        if hasattr(error, "error_dict"):
            for field_name, messages in error.message_dict.items():
                column = "" if field_name == "__all__" else columns.get(field_name, field_name)
                for message in messages:
                    self.add(row, column, message)
        else:
            for message in error.messages:
                self.add(row, "", message)


# ---------------------------------------------------------------------------------------------
# Importers and the runner
ImporterFunction = Callable[..., ImportResult]


@dataclass(frozen=True)
class ImporterSpec:
    kind: str
    function: ImporterFunction
    columns: tuple[str, ...]
    required: tuple[str, ...]
    capability: str
    description: str = ""
    # Besides the file, what the import needs (e.g. ("round",): ``import_data ... --round REF``).
    options: tuple[str, ...] = ()
    # "table": a CSV or XLSX file read into rows; "json": one JSON document, given to the
    # function as ``document`` instead of rows (row numbers in its errors count from 1 for the
    # document as a whole).
    file_format: str = "table"
    # Options the import may be given but does not always need (e.g. a new delivery plan's
    # ``--title``, needed only when the plan does not exist yet); the kind checks them itself.
    optional_options: tuple[str, ...] = ()


_IMPORTERS: dict[str, ImporterSpec] = {}


def importer(
    kind: str,
    *,
    columns: Sequence[str],
    required: Sequence[str],
    capability: str,
    description: str = "",
    options: Sequence[str] = (),
    file_format: str = "table",
    optional_options: Sequence[str] = (),
):
    """Register ``function(rows, *, actor, update, context) -> ImportResult`` for ``kind``
    (``context``: a ``RowContext`` for the rows' errors, which also tells a dry run, and holds
    the ``options`` and whichever ``optional_options`` were given). A ``file_format="json"`` kind is given the parsed document instead of rows."""
    if file_format not in ("table", "json"):
        raise ValueError(f"Unknown import file format {file_format!r}")

    def register(function: ImporterFunction) -> ImporterFunction:
        _IMPORTERS[kind] = ImporterSpec(
            kind,
            function,
            tuple(columns),
            tuple(required),
            capability,
            description,
            tuple(options),
            file_format,
            tuple(optional_options),
        )
        return function

    return register


def _load_declared(attribute: str) -> None:
    """Import every module the installed apps list under ``attribute`` in their AppConfig."""
    for config in apps.get_app_configs():
        for module in getattr(config, attribute, ()):
            import_module(module)


def importers() -> dict[str, ImporterSpec]:
    _load_declared("importer_modules")
    return dict(_IMPORTERS)


ImportProgress = Callable[[int, int], None]  # progress(rows_checked, total_rows)


PROGRESS_EVERY = 500  # rows between two calls of an import's progress callback


class _RowsTellingProgress(list):
    """The table's rows, calling ``progress(checked, total)`` as an importer works through them:
    every PROGRESS_EVERY rows and after the last. A row counts as checked once the importer
    asks for the next one. Counting in the iteration means no importer has to know about it;
    a second pass over the rows never counts a row twice."""

    def __init__(self, rows: list[Row], progress: ImportProgress):
        super().__init__(rows)
        self._progress = progress
        self._checked = 0

    def __iter__(self):
        total = len(self)
        for number, row in enumerate(super().__iter__(), start=1):
            yield row
            if number > self._checked and (number % PROGRESS_EVERY == 0 or number == total):
                self._checked = number
                self._progress(number, total)


def run_import(
    kind: str,
    file: IO[bytes] | bytes,
    *,
    filename: str = "",
    actor=None,
    dry_run: bool = False,
    update: bool = False,
    progress: ImportProgress | None = None,
    options: dict[str, str] | None = None,
) -> ImportResult:
    """Import a whole file or nothing. Raises ImportFailed listing every bad row.

    ``progress(rows_checked, total_rows)``, if given, is called once the file is read (with 0,
    before the database transaction starts) and then as the rows are checked (inside it)."""
    spec = importers().get(kind)
    if spec is None:
        raise ImportFailed([RowError(1, "", f"Unknown kind of import '{kind}'.")])
    given = {name: str(value).strip() for name, value in (options or {}).items() if str(value or "").strip()}
    lacking = [name for name in spec.options if name not in given]
    if lacking:
        raise ImportFailed([RowError(1, "", f"The {kind} import needs --{name}.") for name in lacking])
    accepted = (*spec.options, *spec.optional_options)
    context = RowContext(dry_run=dry_run, options={name: given[name] for name in accepted if name in given})
    if spec.file_format == "json":
        return _run_json_import(spec, file, actor=actor, update=update, context=context)
    table = read_table(file, filename=filename)
    missing = [column for column in spec.required if column not in table.headers]
    if missing:
        raise ImportFailed([RowError(1, column, "This required column is missing.") for column in missing])
    rows = table.rows
    if progress is not None:
        progress(0, len(rows))
        rows = _RowsTellingProgress(rows, progress)
    with transaction.atomic():
        result = spec.function(rows, actor=actor, update=update, context=context)
        result.rows = len(table.rows)
        result.dry_run = dry_run
        if context.errors:
            transaction.set_rollback(True)
            raise ImportFailed(sorted(context.errors, key=lambda e: (e.row, e.column)))
        if dry_run:
            transaction.set_rollback(True)
    return result


MAX_JSON_BYTES = 5 * 1024 * 1024  # a round's definition is a few kilobytes


def _run_json_import(spec: ImporterSpec, file: IO[bytes] | bytes, *, actor, update: bool, context: RowContext):
    """A JSON kind: parse the document (refusing what is not JSON, or too big) and run the
    function on it in one transaction, like a table."""
    import json

    data = file if isinstance(file, bytes) else file.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ImportFailed([RowError(1, "", f"The file is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB.")])
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFailed([RowError(1, "", "The file is not UTF-8 text.")]) from None
    except json.JSONDecodeError as exc:
        raise ImportFailed([RowError(1, "", f"The file is not valid JSON: {exc.msg} (line {exc.lineno}).")]) from None
    with transaction.atomic():
        result = spec.function(document, actor=actor, update=update, context=context)
        result.rows = 1
        result.dry_run = context.dry_run
        if context.errors:
            transaction.set_rollback(True)
            raise ImportFailed(sorted(context.errors, key=lambda e: (e.row, e.column)))
        if context.dry_run:
            transaction.set_rollback(True)
    return result


class RowReader:
    """Parses one row's cells, recording every bad cell (not just the first) in the context."""

    def __init__(self, row: Row, context: RowContext):
        self.row = row
        self.context = context
        self.ok = True

    def value(
        self, column: str, parser: Callable[[str], Any] | None = None, *, required: bool = False, default: Any = None
    ) -> Any:
        text = self.row.get(column)
        if not text:
            if required:
                self.error(column, "A value is required.")
            return default
        if parser is None:
            return text
        try:
            return parser(text)
        except CellError as exc:
            self.error(column, str(exc))
            return default

    def error(self, column: str, message: str) -> None:
        self.ok = False
        self.context.add(self.row, column, message)


@contextmanager
def row_savepoint(row: Row, context: RowContext, columns: dict[str, str] | None = None):
    """Run one row's writes in a savepoint: a ValidationError from a service is recorded
    against the row (fields mapped to file columns) and the row's partial writes undone."""
    savepoint = transaction.savepoint()
    try:
        yield
    except ValidationError as exc:
        transaction.savepoint_rollback(savepoint)
        context.add_validation_error(row, exc, columns)
    else:
        transaction.savepoint_commit(savepoint)
