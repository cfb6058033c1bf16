from django.core.management.base import BaseCommand

from grants.closeout.services import personal_data_redact_due


class Command(BaseCommand):
    help = (
        "Remove the personal data (case studies, service-user feedback, narratives, named lead "
        "contacts) of every closed award whose retention date has passed, keeping the figures. "
        "One line per award. --dry-run says what would be removed and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="say what would be removed; change nothing")

    def handle(self, *, dry_run, **options):
        done = personal_data_redact_due(actor=None, dry_run=dry_run)
        for result in done:
            self.stdout.write(("Would remove: " if dry_run else "") + result.line())
        if not done:
            self.stdout.write("No closed award's personal data is due for deletion.")
