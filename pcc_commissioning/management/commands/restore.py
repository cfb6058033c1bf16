from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pcc_commissioning.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database, which must be "
        "new and empty (not migrated): every table, row and the migration history come from the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file")

    def handle(self, *, file, **options):
        try:
            tables = database_restore(source=Path(file))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {file}: {tables} tables.")
