"""The kinds of report the engine can build.

``REPORT_KINDS`` maps a kind's name to a ``ReportKind``: its label, its ``build`` function
(``build(**parameters, progress=callback) -> (bytes, filename)``, where ``progress(pct, step)``
records how far it has got) and the form that collects its parameters on the request page
(``cleaned_data`` becomes the report's ``parameters``: JSON-serialisable values only).
A kind that is not ``listed`` is a job another page starts and shows (the web import): it is not
offered on the request page, nor shown in the archive to everyone.

The engine knows no kind itself: every kind is registered in one place,
``reports.apps.ReportsConfig.ready``, so the engine stays below the reports it builds.
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
