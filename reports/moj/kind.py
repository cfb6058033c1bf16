"""The MoJ return as a kind of report of the reports engine (``reports.engine.registry``): a Celery job
renders one version of a half's return as PDF, XLSX or JSON."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError

from grants.years import default_year
from pcc_commissioning.periods import FinancialYear, fy_label

from .selectors import moj_index_rows, moj_return_figures_for, moj_return_version

FORMATS = {"pdf": "PDF", "xlsx": "Spreadsheet (XLSX)", "json": "JSON"}


def moj_return_filename(*, fy: int, half: int, version: int, format: str) -> str:
    """ "moj-return-2019-20-H1-v1.pdf"."""
    return f"moj-return-{fy}-{(fy + 1) % 100:02d}-H{half}-v{version}.{format}"


def build_moj_return(
    *,
    fy: int,
    half: int,
    format: str,
    version: int,
    period: str | None = None,
    progress: Callable[[int, str], None] = lambda pct, step: None,
) -> tuple[bytes, str]:
    """One version of the return as ``format``: its frozen figures once signed off, else the
    figures computed now. Refuses a version that does not exist or a half with nothing in scope
    (no empty file)."""
    from . import outputs

    fy, half, version = int(fy), int(half), int(version)
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}: use one of {', '.join(FORMATS)}.")
    progress(10, "Loading the return")
    moj_return = moj_return_version(fy=fy, half=half, number=version)
    if moj_return is None:
        raise ValueError(f"There is no version {version} of the H{half} {fy_label(fy)} MoJ return.")
    progress(20, "Computing the figures" if not moj_return.is_signed_off else "Reading the signed-off figures")
    try:
        figures = moj_return_figures_for(moj_return)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None
    progress(60, f"Writing the {FORMATS[format]}")
    render = {"pdf": outputs.render_pdf, "xlsx": outputs.render_xlsx, "json": outputs.render_json}[format]
    content = render(figures)
    progress(100, "Done")
    return content, moj_return_filename(fy=fy, half=half, version=version, format=format)


def _year_choices() -> list[tuple[int, str]]:
    return [(row.fy, FinancialYear(row.fy).label) for row in moj_index_rows() if row.half == 1]


class MojReturnReportForm(forms.Form):
    """The return's parameters on the request page. ``cleaned_data``: ``fy`` int, ``half`` int,
    ``format`` str, ``version`` int and ``period`` ("H1"/"H2", so the archive shows and filters
    it like the other reports)."""

    # Preselected: the year rule's, the year every page opens on.
    fy = forms.TypedChoiceField(label="Financial year", coerce=int, choices=_year_choices, initial=default_year)
    half = forms.TypedChoiceField(
        label="Half",
        coerce=int,
        choices=[(1, "H1 (April to September)"), (2, "H2 (October to March)")],
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(
        label="Version",
        min_value=1,
        max_value=999,
        initial=1,
        help_text="The version of the return: 1 unless it has been amended.",
    )
    format = forms.ChoiceField(label="Format", choices=list(FORMATS.items()), widget=forms.RadioSelect)

    def clean(self):
        data = super().clean()
        fy, half, version = data.get("fy"), data.get("half"), data.get("version")
        if fy is not None and half is not None and version is not None:
            if moj_return_version(fy=fy, half=half, number=version) is None:
                self.add_error(
                    "version",
                    f"There is no version {version} of the H{half} "
                    f"{fy_label(fy)} return: start it on the MoJ returns page.",
                )
            else:
                data["period"] = f"H{half}"
        return data
