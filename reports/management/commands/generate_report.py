"""``manage.py generate_report panel --fy 2019 --period H1 --output panel.pdf``: build a report
without the web or a worker, straight to a file.

Exit status 0 when the file is written. Bad arguments (an unknown kind or period, a year that
is not a number) end with status 1 and a one-line reason on stderr (argparse's own errors end
with 2). A year with no data still gives a report: every section says there is nothing to show,
which is what the Panel should read for that year.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.panel.report import PANEL_PERIODS, build_panel_report

BUILDERS = {"panel": build_panel_report}


class Command(BaseCommand):
    help = "Build a report as a PDF file (e.g. the Police and Crime Panel report)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help=f"The report: {', '.join(BUILDERS)}.")
        parser.add_argument(
            "--fy", required=True, help="The financial year by its starting year, e.g. 2019 for 2019/20."
        )
        parser.add_argument("--period", default="FY", help=f"One of {', '.join(PANEL_PERIODS)} (default FY).")
        parser.add_argument("--output", required=True, help="The PDF file to write.")

    def handle(self, *args, kind: str, fy: str, period: str, output: str, **options) -> None:
        builder = BUILDERS.get(kind)
        if builder is None:
            raise CommandError(f"Unknown report {kind!r}: use one of {', '.join(BUILDERS)}.")
        try:
            year = int(fy)
        except ValueError:
            raise CommandError(f"--fy must be a year such as 2019, not {fy!r}.") from None
        if not 2000 <= year <= 2099:
            raise CommandError(f"--fy {year} is out of range (2000 to 2099).")
        code = period.upper()
        if code not in PANEL_PERIODS:
            raise CommandError(f"Unknown period {period!r}: use one of {', '.join(PANEL_PERIODS)}.")
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"The folder for --output does not exist: {target.parent}")

        def progress(pct: int, step: str) -> None:
            if options["verbosity"] > 1:
                self.stderr.write(f"{pct:3d}% {step}")

        pdf, _name = builder(fy=year, period=code, progress=progress)
        target.write_bytes(pdf)
        if options["verbosity"] > 0:
            self.stdout.write(f"Wrote {target} ({len(pdf):,} bytes).")
