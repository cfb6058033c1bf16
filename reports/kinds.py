"""The kinds of report the engine can build.

``REPORT_KINDS`` maps a kind's name to a ``ReportKind``: its label, its ``build`` function
(``build(**parameters, progress=callback) -> (bytes, filename)``, where ``progress(pct, step)``
records how far it has got) and the form that collects its parameters on the request page
(``cleaned_data`` becomes the report's ``parameters``: JSON-serialisable values only).
A kind that is not ``listed`` is a job another page starts and shows (the web import): it is not
offered on the request page, nor shown in the archive to everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class ReportKind:
    name: str
    label: str
    build: Callable[..., tuple[bytes, str]]
    parameters_form: type[forms.Form]
    listed: bool = True


REPORT_KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> None:
    REPORT_KINDS[kind.name] = kind


# --- panel report (engineer P) -----------------------------------------------------------------
from .panel import PanelReportForm, build_panel_report  # noqa: E402

register(
    ReportKind(
        name="panel", label="Police and Crime Panel report", build=build_panel_report, parameters_form=PanelReportForm
    )
)
# --- end panel report ----------------------------------------------------------------------------

# --- MoJ bi-annual return (issue 7) ---------------------------------------------------------------
from .moj.kind import MojReturnReportForm, build_moj_return  # noqa: E402

register(
    ReportKind(
        name="moj_return", label="MoJ bi-annual return", build=build_moj_return, parameters_form=MojReturnReportForm
    )
)
# --- end MoJ return --------------------------------------------------------------------------------

# --- the Import page's check and import (reports/import_job.py) ----------------------------------
from .import_job import IMPORT_JOB_KIND, ImportJobForm, build_import_job  # noqa: E402

register(
    ReportKind(
        name=IMPORT_JOB_KIND, label="Import", build=build_import_job, parameters_form=ImportJobForm, listed=False
    )
)
# --- end import job -------------------------------------------------------------------------------
