"""What several report contexts share: the years their pages offer, and small helpers of
their views (the year choices, the download format, private responses)."""

from __future__ import annotations

import datetime

from grants.models import FundingLine
from needs_assessment.models import IndicatorValue
from pcc_commissioning.periods import FinancialYear

# The years a report offers ------------------------------------------------------------------------


def _spend_and_need_years() -> tuple[set[int], set[int]]:
    spend = set(FundingLine.objects.order_by().values_list("fy", flat=True).distinct())
    need = set(IndicatorValue.objects.order_by().values_list("fy", flat=True).distinct())
    return spend, need


def report_years() -> list[int]:
    """Financial years with funding lines or indicator values, newest first (two queries)."""
    spend, need = _spend_and_need_years()
    return sorted(spend | need, reverse=True)


def default_report_year(years: list[int]) -> int:
    """The year a reader most likely wants: the latest that has begun and has both spend and
    need to compare; else the latest that has begun; else the current financial year."""
    current = FinancialYear.current().start_year
    spend, need = _spend_and_need_years()
    for candidates in (
        [y for y in years if y <= current and y in spend and y in need],
        [y for y in years if y <= current],
    ):
        if candidates:
            return max(candidates)
    return current


def funding_years(today: datetime.date | None = None) -> tuple[list[int], int]:
    """The years to choose from (those with funding lines, and the current one), newest first,
    and the default: the current financial year if it has funding lines, else the latest earlier
    year that has them, else the earliest (all in the future), else the current year. One query."""
    current = FinancialYear.current(today).start_year
    with_data = set(FundingLine.objects.order_by().values_list("fy", flat=True).distinct())
    years = sorted(with_data | {current}, reverse=True)
    if current in with_data or not with_data:
        return years, current
    earlier = [year for year in with_data if year < current]
    return years, max(earlier) if earlier else min(with_data)


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
