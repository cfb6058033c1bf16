"""``manage.py generate_report panel --fy 2019 --period H1 --output panel.pdf`` and
``manage.py generate_report delivery_plan --plan FDP-2019 [--period 2019-H1] --output plan.pdf``:
build a report without the web or a worker, straight to a file.

Exit status 0 when the file is written. Bad arguments (an unknown kind, plan or period, a year
that is not a number) end with status 1 and a one-line reason on stderr; a missing option the
kind needs (``--fy`` for the panel, ``--plan`` for a delivery plan) ends with status 2, as
argparse's own errors do. A year with no data still gives a Panel report: every section says
there is nothing to show, which is what the Panel should read for that year.

A delivery plan is built whatever its status, so officers can preview a draft before it is
published; its PDF then says "Draft: not published" on every page. The public pages serve only
published plans.

``manage.py generate_report agreement --award AWD-2019-0042 --output agreement.pdf [--format docx]``
writes the award's latest agreement as it was issued (the stored file, or the same document
rebuilt from the figures it was issued with if the file is missing). An unknown award, or one
with no agreement issued, ends with status 1.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from delivery.models import DeliveryPlan
from delivery.public.pdf import build_plan_pdf
from delivery.public.selectors import UnknownPeriod
from grants.agreements.documents import stored_or_rebuilt
from grants.agreements.selectors import latest_agreement
from grants.models import Award
from reports.panel.report import PANEL_PERIODS, build_panel_report

KINDS = ("panel", "delivery_plan", "agreement")
FORMATS = ("pdf", "docx")


class Command(BaseCommand):
    help = (
        "Build a report as a PDF file (the Police and Crime Panel report, a delivery plan) or write an award's "
        "agreement as issued (PDF or DOCX)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help=f"The report: {', '.join(KINDS)}.")
        parser.add_argument(
            "--fy", help="panel: the financial year by its starting year, e.g. 2019 for 2019/20 (required)."
        )
        parser.add_argument(
            "--period",
            help=f"panel: one of {', '.join(PANEL_PERIODS)} (default FY). delivery_plan: the period of an "
            "accepted update, e.g. 2019-H1 (default: the latest).",
        )
        parser.add_argument("--plan", help="delivery_plan: the plan's reference (required).")
        parser.add_argument("--award", help="agreement: the award's reference (required).")
        parser.add_argument("--format", default="pdf", help="agreement: pdf (default) or docx.")
        parser.add_argument("--output", required=True, help="The file to write.")

    def handle(self, *args, kind: str, fy: str | None, period: str | None, plan: str | None, output: str, **options):
        if kind not in KINDS:
            raise CommandError(f"Unknown report {kind!r}: use one of {', '.join(KINDS)}.")
        target = Path(output)
        if kind == "panel":
            pdf = self._panel(fy=fy, period=period, target=target, verbosity=options["verbosity"])
        elif kind == "agreement":
            pdf = self._agreement(reference=options["award"], fmt=options["format"], target=target)
        else:
            pdf = self._delivery_plan(reference=plan, period=period, target=target)
        target.write_bytes(pdf)
        if options["verbosity"] > 0:
            self.stdout.write(f"Wrote {target} ({len(pdf):,} bytes).")

    @staticmethod
    def _check_folder(target: Path) -> None:
        if not target.parent.is_dir():
            raise CommandError(f"The folder for --output does not exist: {target.parent}")

    def _panel(self, *, fy: str | None, period: str | None, target: Path, verbosity: int) -> bytes:
        if fy is None:
            raise CommandError("The panel report needs --fy, the year the financial year starts.", returncode=2)
        try:
            year = int(fy)
        except ValueError:
            raise CommandError(f"--fy must be a year such as 2019, not {fy!r}.") from None
        if not 2000 <= year <= 2099:
            raise CommandError(f"--fy {year} is out of range (2000 to 2099).")
        code = (period or "FY").upper()
        if code not in PANEL_PERIODS:
            raise CommandError(f"Unknown period {period!r}: use one of {', '.join(PANEL_PERIODS)}.")
        self._check_folder(target)

        def progress(pct: int, step: str) -> None:
            if verbosity > 1:
                self.stderr.write(f"{pct:3d}% {step}")

        pdf, _name = build_panel_report(fy=year, period=code, progress=progress)
        return pdf

    def _delivery_plan(self, *, reference: str | None, period: str | None, target: Path) -> bytes:
        if not reference:
            raise CommandError("The delivery_plan report needs --plan, the plan's reference.", returncode=2)
        plan = DeliveryPlan.objects.select_related("owner").filter(reference=reference).first()
        if plan is None:
            raise CommandError(f"Unknown plan {reference!r}: no delivery plan has this reference.")
        self._check_folder(target)
        try:
            return build_plan_pdf(plan, period=period)
        except UnknownPeriod as error:
            raise CommandError(str(error)) from None

    def _agreement(self, *, reference: str | None, fmt: str, target: Path) -> bytes:
        if not reference:
            raise CommandError("The agreement needs --award, the award's reference.", returncode=2)
        fmt = (fmt or "pdf").lower()
        if fmt not in FORMATS:
            raise CommandError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
        award = Award.objects.filter(reference=reference).first()
        if award is None:
            raise CommandError(f"Unknown award {reference!r}: no award has this reference.")
        agreement = latest_agreement(award)
        if agreement is None:
            raise CommandError(f"Award {reference} has no agreement issued.")
        self._check_folder(target)
        return stored_or_rebuilt(agreement, fmt)
