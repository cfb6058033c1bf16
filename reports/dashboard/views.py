"""The dashboard (the home page of every internal role), need versus spend and the KPQ pages.
Thin views: check the capability, call ``reports.dashboard.summary`` or
``reports.dashboard.selectors``, build the links and render."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from grants.years import year_page
from outcomes import selectors as outcomes_selectors
from outcomes.models import KPQ
from pcc_commissioning.charts import RAG_COLOURS, Chart, bar_chart
from pcc_commissioning.money import format_pounds
from pcc_commissioning.periods import fy_label
from pcc_commissioning.roles import Role, capability_required, has_capability, user_roles
from reports.common import report_years, year_choices, years_with_lines
from reports.my_work import selectors as my_work_selectors

from . import selectors
from . import summary as dashboard_selectors

SECTION = "dashboard"
REPORTS_SECTION = "reports"  # need versus spend and the KPQ pages are under Reports


def _url(name: str, *, anchor: str = "", **query) -> str:
    """``reverse(name)`` with a query string (empty values left out) and an anchor."""
    url = reverse(name)
    params = {key: value for key, value in query.items() if value not in (None, "")}
    if params:
        url = f"{url}?{urlencode(params)}"
    return f"{url}#{anchor}" if anchor else url


def _optional_url(name: str, **query) -> str | None:
    """The URL of a page that may not exist yet (another part of the service still being built)."""
    try:
        return _url(name, **query)
    except NoReverseMatch:
        return None


# The dashboard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str
    heading: str
    value: str
    note: str
    url: str
    link_text: str
    warning: bool = False

    @property
    def heading_in_sentence(self) -> str:
        """The heading inside a sentence: "paid at 31 March 2020", the month keeping its capital."""
        return self.heading[:1].lower() + self.heading[1:]


# Which tiles come first for whom: finance looks at payments first, officers at what needs action.
TILE_ORDER = {
    "finance": ("paid", "forecast", "budget", "committed", "active", "late", "red"),
    "officer": ("late", "red", "active", "budget", "committed", "paid", "forecast"),
    "default": ("budget", "committed", "paid", "forecast", "active", "late", "red"),
}


def _audience(user) -> str:
    roles = user_roles(user)
    if user.is_superuser:
        return "default"
    if Role.OFFICER in roles:
        return "officer"
    if Role.FINANCE in roles:
        return "finance"
    return "default"


def _percent(value) -> str:
    return "No figure" if value is None else f"{value}%"


def _tiles(data: dashboard_selectors.Dashboard, audience: str) -> list[Tile]:
    tiles = {**_money_tiles(data), **_award_tiles(data)}
    return [tiles[key] for key in TILE_ORDER[audience]]


def _money_tiles(data: dashboard_selectors.Dashboard) -> dict[str, Tile]:
    """Budget, committed, paid and forecast, each linking to the funding page."""
    fy, totals = data.fy, data.funding.totals
    funding = _url("grants:funding", fy=fy, anchor="priorities")
    return {
        "budget": Tile(
            "budget",
            "Budget",
            format_pounds(totals.budget),
            f"Commissioning priorities' budgets for {data.label}",
            funding,
            "Budgets by priority",
        ),
        "committed": Tile(
            "committed",
            "Committed",
            _percent(data.committed_pct),
            f"{format_pounds(totals.committed)} of the budget committed to awards",
            funding,
            "Committed by priority",
            warning=totals.committed > totals.budget,
        ),
        "paid": Tile(
            "paid",
            data.funding.paid_label,
            _percent(data.paid_pct),
            f"{format_pounds(totals.paid)} of the committed amount paid by {data.funding.as_at_label}",
            _url("grants:funding", fy=fy, anchor="streams"),
            "Paid by funding stream",
        ),
        "forecast": Tile(
            "forecast",
            "Forecast outturn",
            format_pounds(totals.forecast),
            f"{format_pounds(totals.variance)} {'over' if totals.over else 'under'} budget"
            if totals.variance
            else "On budget",
            funding,
            "Forecast by priority",
            warning=totals.over,
        ),
    }


def _award_tiles(data: dashboard_selectors.Dashboard) -> dict[str, Tile]:
    """Awards made or active, returns late and awards rated red."""
    fy = data.fy
    return {
        "active": Tile(
            "active",
            "Awards made",
            f"{data.active_awards:,}",
            f"Awards made (awarded, active or ended) that ran in {data.label}",
            _url("grants:index", fy=fy, status="made"),
            f"Awards made in {data.label}",
        )
        if data.funding.complete
        else Tile(
            "active",
            "Active awards",
            f"{data.active_awards:,}",
            f"Active awards running in {data.label}",
            _url("grants:index", fy=fy, status="active"),
            "Active awards",
        ),
        "late": Tile(
            "late",
            "Returns late",
            f"{data.returns_late:,}",
            "Monitoring returns past their due date today, any year",
            _url("grants:returns_inbox", show="late"),
            "Late returns",
            warning=data.returns_late > 0,
        ),
        "red": Tile(
            "red",
            "Awards rated red",
            f"{data.awards_red:,}",
            f"On their latest rated return of {data.label}",
            _url("grants:portfolio_rag", fy=fy),
            "RAG ratings",
            warning=data.awards_red > 0,
        ),
    }


def _money_chart(
    *, title: str, rows: list, category_label: str, first_label: str, paid_label: str, name, first
) -> Chart:
    """Horizontal bars of ``first`` (budget or allocation), committed and paid for each row."""
    return bar_chart(
        title=title,
        categories=[name(row) for row in rows],
        series={
            first_label: [first(row) for row in rows],
            "Committed": [row.committed for row in rows],
            paid_label: [row.paid for row in rows],
        },
        unit="£",
        horizontal=True,
        category_label=category_label,
        value_label="Pounds",
        decimals=0,
        draw_title=False,
    )


def _charts(data: dashboard_selectors.Dashboard) -> dict[str, Chart | None]:
    funding, label = data.funding, data.label
    charts: dict[str, Chart | None] = {"priority": None, "stream": None, "kpq": None, "rag": None}
    if funding.priorities:
        charts["priority"] = _money_chart(
            title=f"Budget, committed and paid by commissioning priority, {label}",
            rows=funding.priorities,
            category_label="Commissioning priority",
            first_label="Budget",
            paid_label=funding.paid_label,
            name=lambda row: row.priority.name,
            first=lambda row: row.budget,
        )
    if funding.streams:
        streams, other = data.streams_split
        charts["stream"] = _money_chart(
            title=f"Allocation, committed and paid by funding stream, {label}",
            rows=streams + ([other] if other else []),
            category_label="Funding stream",
            first_label="Allocation",
            paid_label=funding.paid_label,
            name=lambda row: f"Other streams ({row.count})" if row is other else row.stream.name,
            first=lambda row: row.allocation,
        )
    if any(row.committed for row in data.kpq_spend):
        charts["kpq"] = bar_chart(
            title=f"Committed spend by key performance question, {label}",
            categories=[row.kpq.label for row in data.kpq_spend],
            series={"Committed": [row.committed for row in data.kpq_spend]},
            unit="£",
            horizontal=True,
            category_label="KPQ",
            value_label="Pounds",
            decimals=0,
            draw_title=False,
        )
    if any(row.total for row in data.rag):
        charts["rag"] = bar_chart(
            title=f"Awards by RAG rating and commissioning priority, {label}",
            categories=[row.priority.name for row in data.rag],
            series={
                "Green": [row.green for row in data.rag],
                "Amber": [row.amber for row in data.rag],
                "Red": [row.red for row in data.rag],
                "Not rated": [row.not_rated for row in data.rag],
            },
            horizontal=True,
            category_label="Commissioning priority",
            value_label="Awards",
            colours=RAG_COLOURS,
            draw_title=False,
        )
    return charts


def _actions(user, data: dashboard_selectors.Dashboard) -> list[dict]:
    """Links to pages that change something, for the roles that may: none for board members."""
    actions = []
    if has_capability(user, "grants.edit"):
        actions.append({"text": "Add an award", "url": reverse("grants:award_create")})
        actions.append({"text": "Review returns waiting for you", "url": _url("grants:returns_inbox", show="review")})
    if has_capability(user, "payments.edit"):
        actions.append(
            {"text": f"Set a priority's budget for {data.label}", "url": _url("grants:budget_set", fy=data.fy)}
        )
    if has_capability(user, "moj.prepare") or has_capability(user, "moj.sign_off"):
        url = _optional_url("reports:moj_index")
        if url:
            actions.append({"text": f"Work on the MoJ returns for {data.label}", "url": url})
    return actions


@require_GET
@capability_required("dashboard.view")
@year_page
def dashboard(request, *, year):
    fy = year.fy
    data = dashboard_selectors.dashboard(fy=fy)
    audience = _audience(request.user)
    return render(
        request,
        "reports/dashboard.html",
        {
            "section": SECTION,
            "data": data,
            "fy": fy,
            "year_shown": year,
            "year_choices": year_choices(years_with_lines(), fy),
            "tiles": _tiles(data, audience),
            "charts": _charts(data),
            "actions": _actions(request.user, data),
            "moj_url": _optional_url("reports:moj_index"),
            "limit": dashboard_selectors.LIST_LIMIT,
            # What waits on this person, counts only (the "My work" page lists the items).
            "my_work": my_work_selectors.my_work(request.user, items=0),
        },
    )


# Need versus spend ----------------------------------------------------------------------------


def _chart(table: selectors.ThemeTable, report: selectors.NeedVersusSpend) -> Chart | None:
    """A bar chart of spend per 1,000 by local authority for one theme, with the force-area
    average as the last bar (the shared chart module; its data table comes with it)."""
    if not table.rows:
        return None
    return bar_chart(
        title=f"{table.theme.name}, {report.label}: committed spend per 1,000 population",
        categories=[*(row.area.name for row in table.rows), "Force area average"],
        series={"Spend per 1,000": [*(row.spend_per_1000 for row in table.rows), table.average_spend_per_1000]},
        unit="£",
        horizontal=True,
        category_label="Local authority",
        value_label="Spend per 1,000 population",
        decimals=2,
    )


@capability_required("reports.view")
@year_page
def need_vs_spend(request, *, year):
    fy = year.fy
    report = selectors.need_versus_spend(fy=fy)
    return render(
        request,
        "reports/need_vs_spend.html",
        {
            "section": REPORTS_SECTION,
            "report": report,
            "sections": [{"table": table, "chart": _chart(table, report)} for table in report.themes],
            "fy": fy,
            "year_shown": year,
            "year_choices": year_choices(report_years(), fy),
        },
    )


# KPQ pages ---------------------------------------------------------------------------------------


@capability_required("reports.view")
@year_page
def kpq_index(request, *, year):
    """The KPQs of the Plan with their spend, awards and latest measures, each linking to its page."""
    fy = year.fy
    return render(
        request,
        "reports/kpq_index.html",
        {
            "section": REPORTS_SECTION,
            "outcomes": selectors.kpq_index(fy=fy),
            "fy": fy,
            "fy_label": fy_label(fy),
            "year_shown": year,
            "year_choices": year_choices(report_years(), fy),
        },
    )


@capability_required("reports.view")
@year_page
def kpq(request, pk: int, *, year):
    try:
        question = outcomes_selectors.kpq_detail(pk)
    except KPQ.DoesNotExist:
        raise Http404("No such KPQ.") from None
    fy = year.fy
    return render(
        request,
        "reports/kpq.html",
        {
            "section": REPORTS_SECTION,
            "page": selectors.kpq_page(question, fy=fy),
            "fy": fy,
            "year_shown": year,
            "year_choices": year_choices(report_years(), fy),
        },
    )
