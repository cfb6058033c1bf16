from pathlib import Path

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError

from pcc_commissioning.interchange.imports import importers, run_import
from pcc_commissioning.interchange.rows import ImportFailed

# The options a kind may declare (``@importer(..., options=..., optional_options=...)``), passed
# to every import; each kind reads only those it declares.
KIND_OPTIONS = ("round", "plan", "period", "title", "owner", "fy", "quarter")


class Command(BaseCommand):
    help = (
        "Import a CSV or XLSX file in one of the formats described in docs/formats.md. "
        "All or nothing: a file with any bad row changes nothing and every bad row is reported."
    )
    # The model checks only: the template checks load every tag library, the charts' drawing
    # library among them, which costs a second or more of start-up and an import never uses.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(importers()))
        parser.add_argument("file", help="a .csv or .xlsx file with a header row (a .json document for JSON kinds)")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--update", action="store_true", help="replace records whose reference already exists")
        parser.add_argument("--round", help="the grant round's reference, for the kinds about one round")
        parser.add_argument("--plan", help="the delivery plan's reference, for the kinds about one plan")
        parser.add_argument("--period", help="the period's code (2019-H1, 2019-Q3, 2019), for plan updates")
        parser.add_argument("--title", help="a new delivery plan's title (delivery_plan)")
        parser.add_argument("--owner", help="the organisation that owns a new delivery plan, by name (delivery_plan)")
        parser.add_argument(
            "--fy", help="the financial year, the year it starts (2019 for 2019/20), for the kinds about one"
        )
        parser.add_argument("--quarter", help="the quarter of --fy, 1 to 4, for the kinds about one quarter")

    def handle(self, *, kind, file, dry_run, update, **arguments):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            # Command-line imports act as a commissioning officer (docs/formats.md); no user is recorded.
            result = run_import(
                kind,
                path.read_bytes(),
                filename=path.name,
                actor=None,
                dry_run=dry_run,
                update=update,
                options={name: arguments[name] for name in KIND_OPTIONS if arguments.get(name)},
            )
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(failure.errors)} problem(s) in {path.name}; nothing was imported.") from failure
        self.stdout.write(result.summary())
