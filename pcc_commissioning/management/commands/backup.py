from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pcc_commissioning.backup import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Back up the whole database to one file: pg_dump --format=custom on PostgreSQL, the SQLite "
        "backup API on SQLite. Restore it with `manage.py restore FILE` into an empty database. "
        "Uploaded files (MEDIA_ROOT) are not in it: copy that folder too."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="the file to write")

    def handle(self, *, output, **options):
        path = Path(output)
        if path.is_dir() or not (path.parent if str(path.parent) else Path(".")).is_dir():
            raise CommandError(f"Cannot write {output}: no such folder.")
        try:
            vendor = database_backup(output=path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backed up the {vendor} database to {output} ({path.stat().st_size:,} bytes).")
