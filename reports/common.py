"""What several report contexts share: the years their pages offer, and small helpers of
their views (the year choices, the download format, private responses). The year a page opens
on is not chosen here but by the year rule, ``grants/years.py``."""

from __future__ import annotations

import datetime

from grants.models import FundingLine
from needs_assessment.models import IndicatorValue
from pcc_commissioning.periods import FinancialYear

# The years a report offers ------------------------------------------------------------------------


def report_years() -> list[int]:
    """Financial years with funding lines or indicator values, newest first (two queries)."""
    spend = set(FundingLine.objects.order_by().values_list("fy", flat=True).distinct())
    need = set(IndicatorValue.objects.order_by().values_list("fy", flat=True).distinct())
    return sorted(spend | need, reverse=True)


def years_with_lines(today: datetime.date | None = None) -> list[int]:
    """The years with funding lines, and the current one, newest first. One query. (Which of
    them a page opens on is the year rule's to say: ``grants/years.py``.)"""
    current = FinancialYear.current(today).start_year
    with_data = set(FundingLine.objects.order_by().values_list("fy", flat=True).distinct())
    return sorted(with_data | {current}, reverse=True)


# Views -----------------------------------------------------------------------------------------------


def year_choices(years: list[int], fy: int | None) -> list[tuple[int, str]]:
    """The years to choose from, with ``fy`` added if it is not among them, as (year, "2019/20")."""
    if fy is not None and fy not in years:
        years = sorted({*years, fy}, reverse=True)
    return [(year, FinancialYear(year).label) for year in years]


def download_format(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


def private(response):
    """A download of figures is not kept by a shared cache."""
    response["Cache-Control"] = "private, no-store"
    return response
