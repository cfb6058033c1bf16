"""The year rule: which financial year a page or export shows when the address names none, and
reading the year the address names (``?fy=``).

Every page and export that takes a financial year is decorated with ``@year_page``, which
reads ``?fy=`` here and passes the view a ``YearChoice``: no view parses the year or picks its
own default, so going from one page to another never changes the year under the reader. The
rule (``default_year``) is the current financial year if it has funding lines, else the latest
earlier year that has; with none, the current year. A year whose only lines lie in the future is
never chosen: a page opens on a year that has begun, not on next year's plans.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import wraps

from django.db.models import Max

from grants.models import FundingLine
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.web import ALL_YEARS, fy_param


def default_year(today: datetime.date | None = None) -> int:
    """The starting year of the financial year a page shows when none is asked for. One query,
    answered from the index on the funding lines' year."""
    current = FinancialYear.current(today).start_year
    latest = FundingLine.objects.filter(fy__lte=current).aggregate(latest=Max("fy"))["latest"]
    return current if latest is None else latest


@dataclass(frozen=True)
class YearChoice:
    """The year a page shows. ``fy`` None is every year (only where the page offers "All
    years"); ``chosen`` says the address named the year, rather than the rule choosing it."""

    fy: int | None
    chosen: bool
    current: int  # the current financial year, to say why the rule chose ``fy``
    offers_all: bool = False

    @property
    def label(self) -> str:
        return FinancialYear(self.fy).label if self.fy is not None else "All years"

    @property
    def query(self) -> str:
        """The value of ``?fy=`` that asks for this choice again: ``2019`` or ``all``."""
        return str(self.fy) if self.fy is not None else ALL_YEARS

    @property
    def note(self) -> str:
        """Why the page shows this year when the reader chose none; "" once they chose."""
        if self.chosen or self.fy is None:
            return ""
        reason = "the current financial year" if self.fy == self.current else "the latest year with funding lines"
        every = " Choose “All years” to see every year." if self.offers_all else ""
        return f"Showing {self.label}, {reason}.{every}"


def year_choice(request, *, all_years: bool = False, today: datetime.date | None = None) -> YearChoice:
    """The year ``request`` asks for with ``?fy=`` ("2019", "2019/20", or ``all`` where the page
    offers every year), else the rule's year. An unreadable year, or one outside the accepted
    years, counts as none asked: the page shows the rule's year, never an error."""
    current = FinancialYear.current(today).start_year
    if all_years and request.GET.get("fy", "").strip().lower() == ALL_YEARS:
        return YearChoice(fy=None, chosen=True, current=current, offers_all=True)
    asked = fy_param(request, default=None)
    if asked is not None:
        return YearChoice(fy=asked, chosen=True, current=current, offers_all=all_years)
    return YearChoice(fy=default_year(today), chosen=False, current=current, offers_all=all_years)


def asked_year(request) -> int | None:
    """The year ``?fy=`` names, or None: for forms that only preselect a year from a link (setting
    an allocation or a budget), where a guessed year would be written by mistake."""
    return fy_param(request, default=None)


def year_page(view=None, *, all_years: bool = False):
    """Decorator of a view that takes a financial year: it is called with ``year``, the
    ``YearChoice`` of the request. ``all_years`` lets ``?fy=all`` ask for every year. The mark
    it leaves (``view.year_page``) lets the tests find every such page from the URL conf."""

    def decorator(function):
        @wraps(function)
        def wrapped(request, *args, **kwargs):
            return function(request, *args, year=year_choice(request, all_years=all_years), **kwargs)

        wrapped.year_page = {"all_years": all_years}
        return wrapped

    return decorator(view) if view is not None else decorator
