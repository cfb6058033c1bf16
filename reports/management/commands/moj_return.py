"""``manage.py moj_return --fy 2019 --half 1 --format json --output return.json [--version N]``:
the MoJ bi-annual return of a year and half written to a file, without the web or a worker.

What is written: the latest version of the half's return (or version N): its frozen figures
once signed off, else the figures computed now with that version's status and number; when
nobody has started the return, the live figures as draft version 1.

Exit status 0 when the file is written. Bad arguments, a version that does not exist or a half
with no MoJ-reported stream in scope end with status 1 and a one-line reason on stderr, and no
file is written.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pcc_commissioning.periods import fy_label
from reports.moj import outputs
from reports.moj.figures import moj_return_figures
from reports.moj.selectors import moj_return_figures_for, moj_return_version

RENDERERS = {"json": outputs.render_json, "xlsx": outputs.render_xlsx, "pdf": outputs.render_pdf}


def _whole_number(value: str, option: str, example: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise CommandError(f"{option} must be a whole number such as {example}, not {value!r}.") from None


class Command(BaseCommand):
    help = "Write the MoJ bi-annual return of a year and half as JSON, XLSX or PDF."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version (of the return) replaces Django's --version (of Django).
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fy", required=True, help="The financial year by its starting year, e.g. 2019 for 2019/20."
        )
        parser.add_argument("--half", required=True, help="1 (April to September) or 2 (October to March).")
        parser.add_argument("--format", required=True, help="json, xlsx or pdf.")
        parser.add_argument("--output", required=True, help="The file to write.")
        parser.add_argument(
            "--version", dest="return_version", default=None, help="The version of the return (default: the latest)."
        )

    def handle(
        self, *args, fy: str, half: str, format: str, output: str, return_version: str | None, **options
    ) -> None:
        year = _whole_number(fy, "--fy", "2019")
        if not 2000 <= year <= 2099:
            raise CommandError(f"--fy {year} is out of range (2000 to 2099).")
        if str(half).strip() not in ("1", "2"):
            raise CommandError(f"--half must be 1 (April to September) or 2 (October to March), not {half!r}.")
        half_number = int(half)
        kind = str(format).strip().lower()
        if kind not in RENDERERS:
            raise CommandError(f"Unknown format {format!r}: use json, xlsx or pdf.")
        number = None
        if return_version is not None:
            number = _whole_number(return_version, "--version", "1")
            if number < 1:
                raise CommandError(f"--version must be 1 or more, not {number}.")
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"The folder for --output does not exist: {target.parent}")

        moj_return = moj_return_version(fy=year, half=half_number, number=number)
        label = f"H{half_number} {fy_label(year)}"
        if moj_return is None and number is not None:
            raise CommandError(f"There is no version {number} of the {label} MoJ return.")
        try:
            figures = (
                moj_return_figures(fy=year, half=half_number)
                if moj_return is None
                else moj_return_figures_for(moj_return)
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

        content = RENDERERS[kind](figures)
        target.write_bytes(content)
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Wrote {target} ({len(content):,} bytes): the {label} MoJ return, version {figures['version']}, "
                f"{figures['status'].replace('_', ' ')}."
            )
