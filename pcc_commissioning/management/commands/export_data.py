import io
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pcc_commissioning.interchange.exports import DOCUMENT_FORMATS, EXPORT_FORMATS, ExportError, exporters, run_export
from pcc_commissioning.periods import FinancialYear


class Command(BaseCommand):
    help = (
        "Export a table as CSV or XLSX, in one of the formats described in docs/formats.md "
        "(text that a spreadsheet would run as a formula is written with a leading apostrophe)."
    )

    def add_arguments(self, parser):
        # Checked in handle(), so a bad argument gives one line on stderr rather than a usage text.
        parser.add_argument("kind", help="what to export: " + ", ".join(sorted(exporters())))
        parser.add_argument("--fy", help="financial year, the year it starts (2019 for 2019/20)")
        parser.add_argument("--round", help="the grant round's reference, for the exports about one round")
        parser.add_argument("--plan", help="the delivery plan's reference, for the exports about one plan")
        parser.add_argument(
            "--format", help="csv, xlsx or json (default: from the output file's extension, else the export's first)"
        )
        parser.add_argument("--output", help="the file to write")

    def handle(self, *, kind, fy, format, output, round=None, plan=None, **options):
        specs = exporters()
        if kind not in specs:
            raise CommandError(f"Unknown export '{kind}': choose one of {', '.join(sorted(specs))}.")
        if not output:
            raise CommandError("Give the file to write with --output FILE.")
        path = Path(output)
        # The file's extension says the format when it names one (so "pack.csv" for an
        # XLSX-only export is refused, not silently written as XLSX); otherwise the export's first.
        suffix = path.suffix.lower().lstrip(".")
        default = suffix if suffix in (*EXPORT_FORMATS, *DOCUMENT_FORMATS) else specs[kind].formats[0]
        format = (format or default).lower()
        if format not in (*EXPORT_FORMATS, *DOCUMENT_FORMATS):
            raise CommandError(f"Unknown format '{format}': choose csv, xlsx or json.")
        year = None
        if fy:
            try:
                year = FinancialYear.parse(fy).start_year
            except (TypeError, ValueError) as exc:
                raise CommandError(str(exc)) from None
        directory = path.parent if str(path.parent) else Path(".")
        if path.is_dir() or not directory.is_dir() or not os.access(directory, os.W_OK):
            raise CommandError(f"Cannot write {output}: no such folder, or not writable.")
        buffer = io.BytesIO()
        try:
            given = {name: value for name, value in (("round", round), ("plan", plan)) if value}
            run_export(kind, format=format, output=buffer, fy=year, options=given or None)
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        try:
            path.write_bytes(buffer.getvalue())
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from None
        self.stdout.write(f"Wrote the {kind} export ({format}) to {output}.")
