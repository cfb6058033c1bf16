"""Back up the database to one file and restore it into an empty database.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore`` (the client programs must be on the
PATH, of the server's major version or newer). SQLite: the SQLite online backup API, a
consistent copy of the whole database taken while the site runs. Either way the file holds
every table of every app (and the migration history); uploaded files and generated reports live
under ``MEDIA_ROOT`` and are backed up by copying that folder (README "Backup and restore").
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """The backup or the restore could not be made; the message says why."""


def _postgres_environment() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _run(command: list[str], *, env: dict[str, str] | None = None) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (it comes with the PostgreSQL client).") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def database_backup(*, output: Path) -> str:
    """Write the whole database to ``output``. Returns the database engine's vendor name."""
    if connection.vendor == "postgresql":
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(output)],
            env=_postgres_environment(),
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(output)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:  # pragma: no cover - the project runs on PostgreSQL or SQLite only
        raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
    return connection.vendor


def _file_vendor(source: Path) -> str:
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(f"{source} is not a backup made by manage.py backup (nor pg_dump --format=custom).")


def database_restore(*, source: Path) -> int:
    """Load the backup ``source`` into the configured database, which must be empty (no tables:
    a database just created, never migrated). Returns how many tables it now has."""
    if not source.is_file():
        raise BackupError(f"There is no file {source}.")
    vendor = _file_vendor(source)
    if vendor != connection.vendor:
        raise BackupError(
            f"{source} is a {vendor} backup but the database is {connection.vendor}: restore it into a "
            f"{vendor} database (moving between engines: dumpdata/loaddata, see the README)."
        )
    if connection.introspection.table_names():
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty: restore into a new, empty "
            "database (and do not migrate it first)."
        )
    if vendor == "postgresql":
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                connection.settings_dict["NAME"],
                str(source),
            ],
            env=_postgres_environment(),
        )
    else:
        connection.ensure_connection()
        backup = sqlite3.connect(source)
        try:
            backup.backup(connection.connection)
        finally:
            backup.close()
        connection.close()
    return len(connection.introspection.table_names())
