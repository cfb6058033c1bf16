import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pcc_commissioning.periods import FinancialYear
from reports.transparency.threesixty import threesixty_giving


class Command(BaseCommand):
    help = (
        "Write the grants and contributions made as a 360Giving data package (JSON), each grant "
        "checked against the official 360Giving schema. An award that cannot be exported validly is "
        "reported on standard error by reference with the reason; then nothing is written and the exit "
        "status is 1, unless --skip-invalid is given (the file then has the valid grants only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fy", help="only awards with a funding line in this financial year (2019 for 2019/20)")
        parser.add_argument("--output", help="the JSON file to write")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="write the grants that are valid even if some awards cannot be exported (they are still reported)",
        )

    def handle(self, *, fy, output, skip_invalid, **options):
        if not output:
            raise CommandError("Give the file to write with --output FILE.json.")
        year = None
        if fy:
            try:
                year = FinancialYear.parse(fy).start_year
            except (TypeError, ValueError) as exc:
                raise CommandError(str(exc)) from None
        path = Path(output)
        directory = path.parent if str(path.parent) else Path(".")
        if path.is_dir() or not directory.is_dir() or not os.access(directory, os.W_OK):
            raise CommandError(f"Cannot write {output}: no such folder, or not writable.")

        export = threesixty_giving(fy=year)
        for problem in export.problems:
            self.stderr.write(f"Cannot export {problem}")
        scope = f" with a funding line in {FinancialYear(year).label}" if year is not None else ""
        if export.problems and not skip_invalid:
            raise CommandError(
                f"{len(export.problems)} award(s) cannot be exported (listed above); nothing was written. "
                "Correct them, or give --skip-invalid to write the others."
            )
        if not export.grants:
            raise CommandError(f"There are no grants or contributions made{scope} to export; nothing was written.")
        errors = export.package_errors()
        if errors:  # every grant passed on its own, so this would be a fault in the package itself
            raise CommandError("The package does not validate: " + "; ".join(errors))
        try:
            path.write_text(export.to_json(), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from None
        left_out = f"; {len(export.problems)} award(s) left out (listed above)" if export.problems else ""
        self.stdout.write(f"Wrote {len(export.grants)} grant(s){scope} to {output}{left_out}.")
