"""The commissioning report to the Police and Crime Panel: gathered through the selectors,
rendered with Django templates and turned into a tagged A4 PDF with WeasyPrint.

A report is true to its period. Its money stands at the period's last day (or today, while the
period has not ended: ``grants.funding.selectors.funding_summary``): *paid in the period* is payments
counted against the year with a paid date in the period (the period that opens the year also
takes those paid before 1 April), *paid to date* is those paid by the last day, and *committed*
counts each award with the status it had at the end of that day (``status_at``). Outputs come
from the accepted returns of the period's quarters. So generating a past period's report again
after later payments, later returns and later status changes gives the same figures. The MoJ
section shows the returns of the halves that end in the period, by stream, with the same rules;
where a signed-off return's frozen figures differ from the register's, it says so.

The report is published, so victims are protected: counts of people from 1 to
``settings.PUBLISHED_COUNT_THRESHOLD - 1`` are shown as "<5" (zero stays 0), and no case-study
text is ever read, let alone printed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string

from grants.years import default_year
from pcc_commissioning import clock
from pcc_commissioning import pdf as pdf_writer
from pcc_commissioning.periods import Period, day_label, period_long_label

from .delivery import compliance as code_compliance
from .delivery import plan_delivery

PANEL_PERIODS = ("Q1", "Q2", "Q3", "Q4", "H1", "H2", "FY")
ZERO = Decimal("0")


def published_count(value: int | None) -> str:
    """A count of people as it may be published: 1 to threshold-1 become "<threshold"."""
    if value is None:
        return "–"
    threshold = int(getattr(settings, "PUBLISHED_COUNT_THRESHOLD", 5))
    if 0 < value < threshold:
        return f"<{threshold}"
    return f"{value:,}"


def parse_panel_period(fy: int, period: str) -> Period:
    code = str(period).upper()
    if code not in PANEL_PERIODS:
        raise ValueError(f"Unknown period {period!r}: use one of {', '.join(PANEL_PERIODS)}.")
    return Period.parse(int(fy), code)


@dataclass
class OutputRow:
    name: str
    referrals: int = 0
    supported: int = 0

    @property
    def referrals_text(self) -> str:
        return published_count(self.referrals)

    @property
    def supported_text(self) -> str:
        return published_count(self.supported)


@dataclass
class PanelData:
    fy: int
    period: Period
    period_label: str
    funding: object
    budget_chart: object
    awards_made: list
    awards_ending: list
    rag: list
    rag_quarter: int | None
    outputs: list[OutputRow]
    outputs_total: OutputRow
    kpqs: list
    must_do: list
    delivery_plan: list
    organisations: list = field(default_factory=list)
    moj: list = field(default_factory=list)  # MoJ returns of the halves ending in the period (``_moj_returns``)
    moj_pending: Period | None = None  # the half a quarter lies in, when it ends after the period
    rounds: list = field(default_factory=list)  # the year's decided grant rounds (``_grant_rounds``)
    # Plan delivery (``reports.panel.delivery``): each published plan's latest accepted update in
    # the period, the published plans of the year without one, and Victims' Code compliance.
    plans: list = field(default_factory=list)
    plans_missing: list = field(default_factory=list)
    compliance: list = field(default_factory=list)

    @property
    def as_at_label(self) -> str:
        """The day the report's figures stand at: "30 June 2019"."""
        return self.funding.as_at_label

    @property
    def flagged(self) -> list:
        """The red and amber returns, red first, priority by priority."""
        return [ret for row in self.rag for ret in row.flagged]

    @property
    def delivery_plan_total(self) -> Decimal:
        return sum((row["spend"] for row in self.delivery_plan), ZERO)


# One step per section of the report, in the report's order, so the sequence (and the progress
# a requester sees) reads in one place.
# long: a straight run of one short step per section; splitting it would scatter the order.
def gather_panel_data(
    *, fy: int, period: str, progress: Callable[[int, str], None] = lambda pct, step: None
) -> PanelData:
    """Everything the report shows, in a fixed number of queries whatever the size of the data."""
    from grants.awards.selectors import status_at
    from grants.funding.selectors import funding_summary

    fy = int(fy)
    span = parse_panel_period(fy, period)

    progress(10, "Budget summary")
    # Everything below stands at the period's last day (today while the period runs): each
    # award with the status it had then, each payment by its paid date.
    funding = funding_summary(fy=fy, period=span)
    line_status = status_at(funding.as_at)
    award_status = status_at(funding.as_at, award="")
    budget_chart = _budget_chart(funding, span)

    progress(20, "Awards made and ending")
    awards_made, awards_ending = _awards_made_and_ending(span, award_status)

    progress(30, "Performance")
    rag_quarter, rag, outputs = _performance(fy, span)
    outputs_total = OutputRow("Total", sum(row.referrals for row in outputs), sum(row.supported for row in outputs))

    progress(40, "KPQ coverage")
    kpqs = _kpq_coverage(fy, line_status)

    progress(50, "Needs")
    must_do = _must_do()

    progress(60, "Appendices")
    delivery_plan, organisations = _appendices(fy, line_status)

    progress(65, "MoJ return")
    moj = _moj_returns(fy=fy, span=span)
    pending = span.half() if span.kind in ("Q", "M") and not span.contains(span.half().end) else None

    progress(68, "Grant rounds")
    rounds = _grant_rounds(fy)

    progress(69, "Plan delivery")
    plans, plans_missing = plan_delivery(span)
    compliance = code_compliance(span)

    return PanelData(
        fy=fy,
        period=span,
        period_label=period_long_label(span),
        funding=funding,
        budget_chart=budget_chart,
        awards_made=awards_made,
        awards_ending=awards_ending,
        rag=rag,
        rag_quarter=rag_quarter,
        outputs=outputs,
        outputs_total=outputs_total,
        kpqs=kpqs,
        must_do=must_do,
        delivery_plan=delivery_plan,
        organisations=organisations,
        moj=moj,
        moj_pending=pending,
        rounds=rounds,
        plans=plans,
        plans_missing=plans_missing,
        compliance=compliance,
    )


def _budget_chart(funding, span: Period):
    """Budget, committed and paid to date by priority, as a horizontal bar chart."""
    # Imported here: report kinds are registered when Django starts, and the drawing library
    # would otherwise load (seconds on a busy machine) for every command, imports included.
    from pcc_commissioning.charts import bar_chart

    return bar_chart(
        title=f"Budget, committed and paid by priority, {span.label}",
        categories=[row.priority.name for row in funding.priorities],
        series={
            "Budget": [row.budget or ZERO for row in funding.priorities],
            funding.committed_label: [row.committed for row in funding.priorities],
            funding.paid_to_date_label: [row.paid_to_date for row in funding.priorities],
        },
        unit="£",
        horizontal=True,
        category_label="Priority",
        value_label="Pounds",
        decimals=0,
        description=f"Budget, committed and paid to date at {funding.as_at_label} for each commissioning priority.",
    )


def _awards_made_and_ending(span: Period, award_status) -> tuple[list, list]:
    """The awards committed (at the period's end) that were decided or started in the period,
    and the open ones ending in the year after it."""
    from grants.models import COMMITTED_STATUSES, OPEN_STATUSES, Award

    awards_made = list(
        Award.objects.alias(status_then=award_status)
        .filter(status_then__in=COMMITTED_STATUSES)
        .filter(Q(decision__decided_on__range=(span.start, span.end)) | Q(start_date__range=(span.start, span.end)))
        .select_related("provider", "decision", "priority")
        .order_by("start_date", "reference")
    )
    horizon_end = datetime.date(span.end.year + 1, span.end.month, span.end.day)
    awards_ending = list(
        Award.objects.alias(status_then=award_status)
        .filter(status_then__in=OPEN_STATUSES)
        .filter(end_date__gt=span.end, end_date__lte=horizon_end)
        .select_related("provider", "priority")
        .order_by("end_date", "reference")
    )
    return awards_made, awards_ending


def _performance(fy: int, span: Period) -> tuple[int | None, list, list[OutputRow]]:
    """The quarter rated (None for the whole year: the latest rating of each award), the RAG
    ratings, and referrals and victims supported by priority from the quarters' accepted returns."""
    from grants.models import MonitoringReturn, ReturnStatus
    from grants.monitoring.selectors import portfolio_rag
    from outcomes.models import CommissioningPriority

    quarters = [part.number for part in span.quarters()]
    rag_quarter = None if span.kind == "FY" else quarters[-1]
    rag = portfolio_rag(fy=fy, quarter=rag_quarter)
    priorities = list(CommissioningPriority.objects.order_by("sort_order", "name", "pk"))
    sums = {
        row["award__priority_id"]: row
        for row in MonitoringReturn.objects.filter(fy=fy, quarter__in=quarters, status=ReturnStatus.ACCEPTED)
        .order_by()
        .values("award__priority_id")
        .annotate(referrals=Sum("referrals"), supported=Sum("supported"))
    }
    outputs = []
    for priority in priorities:
        found = sums.get(priority.pk, {})
        outputs.append(OutputRow(priority.name, found.get("referrals") or 0, found.get("supported") or 0))
    return rag_quarter, rag, outputs


def _kpq_coverage(fy: int, line_status) -> list[dict]:
    """Each KPQ with the money committed to awards answering it, their KPIs and its measures."""
    from grants.models import COMMITTED_STATUSES, AwardKPI, FundingLine
    from outcomes.models import KPQ, PerformanceMeasure

    spend_by_kpq = dict(
        FundingLine.objects.filter(fy=fy, award__kpqs__isnull=False)
        .alias(status_then=line_status)
        .filter(status_then__in=COMMITTED_STATUSES)
        .order_by()
        .values("award__kpqs")
        .annotate(total=Sum("amount"))
        .values_list("award__kpqs", "total")
    )
    kpis_by_kpq = dict(
        AwardKPI.objects.filter(kpq__isnull=False)
        .order_by()
        .values("kpq")
        .annotate(n=Count("pk"))
        .values_list("kpq", "n")
    )
    measures_by_kpq = defaultdict(list)
    for kpq_id, name in PerformanceMeasure.objects.order_by("name", "pk").values_list("kpq_id", "name"):
        measures_by_kpq[kpq_id].append(name)
    return [
        {
            "kpq": kpq,
            "spend": spend_by_kpq.get(kpq.pk) or ZERO,
            "kpis": kpis_by_kpq.get(kpq.pk, 0),
            "measures": measures_by_kpq.get(kpq.pk, []),
        }
        for kpq in KPQ.objects.select_related("outcome").order_by("number")
    ]


def _must_do() -> list:
    """The must-do intentions, each with its number of awards (``award_count``)."""
    from grants.models import Award
    from needs_assessment.models import IntentionRank
    from needs_assessment.selectors import intention_board

    board = intention_board(fy=None)
    must_do = next((group.intentions for group in board if group.rank == IntentionRank.MUST), [])
    awards_by_intention = dict(
        Award.objects.filter(intention__in=must_do)
        .order_by()
        .values("intention")
        .annotate(n=Count("pk"))
        .values_list("intention", "n")
    )
    for intention in must_do:
        intention.award_count = awards_by_intention.get(intention.pk, 0)
    return must_do


def _appendices(fy: int, line_status) -> tuple[list[dict], list[dict]]:
    """The delivery plan (each award with money committed in the year, by priority) and the
    same awards by organisation."""
    from grants.models import COMMITTED_STATUSES, Award, FundingLine

    spend_by_award = dict(
        FundingLine.objects.filter(fy=fy)
        .alias(status_then=line_status)
        .filter(status_then__in=COMMITTED_STATUSES)
        .order_by()
        .values("award")
        .annotate(total=Sum("amount"))
        .values_list("award", "total")
    )
    plan_awards = list(
        Award.objects.filter(pk__in=list(spend_by_award))
        .select_related("provider", "priority")
        .prefetch_related("kpqs")
        .order_by("priority__sort_order", "reference")
    )
    delivery_plan = [{"award": award, "spend": spend_by_award[award.pk] or ZERO} for award in plan_awards]
    by_organisation = defaultdict(list)
    for award in sorted(plan_awards, key=lambda award: (award.provider.name.lower(), award.reference)):
        by_organisation[award.provider.name].append(award)
    organisations = [{"name": name, "awards": awards} for name, awards in by_organisation.items()]
    return delivery_plan, organisations


def moj_halves(span: Period) -> list[Period]:
    """The halves whose MoJ return a report for ``span`` shows: those ending in the period (H1
    in a Q2, H1 or whole-year report). A Q1 report stops at 30 June, before H1 ends, so showing
    the H1 return there would count payments made after the period."""
    return [half for half in span.fy.halves() if span.contains(half.end)]


# The money figures of a return's stream, in the order the report's table shows them.
MOJ_STREAM_FIGURES = (
    ("allocation", "allocation"),
    ("committed", "committed"),
    ("paid_half", "paid in the half"),
    ("paid_ytd", "paid to date"),
    ("remaining", "unspent"),
)


def moj_differences(frozen: dict, live: dict | None) -> list[str]:
    """How a signed-off return's frozen stream figures differ from the register's figures for
    the same half now, one sentence per figure ("MoJ Core, paid in the half: £32,000.00 signed
    off, £33,000.00 now."). Empty when they agree."""
    from pcc_commissioning.money import format_pence

    if live is None:
        return ["The register no longer has a funding stream reported to the MoJ in scope for this half."]
    before = {row["name"]: row for row in frozen.get("streams", [])}
    after = {row["name"]: row for row in live.get("streams", [])}
    out = []
    for name in sorted(set(before) | set(after), key=str.lower):
        if name not in after:
            out.append(f"{name} was signed off but is no longer in scope.")
            continue
        if name not in before:
            out.append(f"{name} is now in scope but was not in the signed-off return.")
            continue
        for key, what in MOJ_STREAM_FIGURES:
            old, new = Decimal(before[name][key]), Decimal(after[name][key])
            if old != new:
                out.append(f"{name}, {what}: {format_pence(old)} signed off, {format_pence(new)} now.")
    return out


def _moj_returns(*, fy: int, span: Period) -> list[dict]:
    """For each half ending in the period (``moj_halves``) that has an MoJ return: its latest
    version and its figures by stream (frozen once signed off, else computed now as at the
    half's end). For a signed-off version the figures are compared with the register's for the
    same half, and any difference is listed. A fixed number of queries per half."""
    from django.core.exceptions import ValidationError

    from reports.moj.figures import moj_return_figures
    from reports.moj.selectors import moj_return_figures_for, moj_return_latest

    rows = []
    for half in moj_halves(span):
        latest = moj_return_latest(fy=fy, half=half.number)
        if latest is None:
            continue
        try:
            figures = moj_return_figures_for(latest)
        except ValidationError:
            figures = None
        differences: list[str] = []
        if figures is not None and latest.is_signed_off:
            try:
                live = moj_return_figures(fy=fy, half=half.number)
            except ValidationError:
                live = None
            differences = moj_differences(figures, live)
        totals = figures.get("totals", {}) if figures else None
        rows.append(
            {
                "half": half,
                "label": half.label,
                "moj_return": latest,
                "figures": figures,
                "streams": figures.get("streams", []) if figures else [],
                "totals": totals,
                "paid_half_label": f"Paid in {half.label}",
                "paid_ytd_label": f"Paid to date at {day_label(half.end)}",
                "differences": differences,
                "supported_text": published_count(totals["supported"]) if totals else "–",
                "referrals_text": published_count(totals["referrals"]) if totals else "–",
            }
        )
    return rows


def _grant_rounds(fy: int) -> list:
    """The year's grant rounds that are decided (results published or not), each with its
    figures as the round's own report gives them (``rounds.reporting.selectors.round_report``:
    received, eligible, funded, requested, offered, success rate). One query for the rounds and
    a fixed number per round, whatever its number of applications."""
    from rounds.models import Round, RoundStatus
    from rounds.reporting.selectors import round_report

    decided = Round.objects.filter(fy=fy, status__in=(RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED))
    return [round_report(round) for round in decided.order_by("closes_at", "reference")]


def render_panel_html(data: PanelData) -> str:
    return render_to_string(
        "reports/panel/report.html",
        {
            "data": data,
            "opcc_name": settings.OPCC_NAME,
            "title": "Commissioning report to the Police and Crime Panel",
            "generated": clock.today(),
            "version": 1,
            "horizon_end": datetime.date(data.period.end.year + 1, data.period.end.month, data.period.end.day),
            "threshold": int(getattr(settings, "PUBLISHED_COUNT_THRESHOLD", 5)),
        },
    )


def build_panel_report(
    *, fy: int, period: str, progress: Callable[[int, str], None] = lambda pct, step: None
) -> tuple[bytes, str]:
    """The panel report as PDF bytes, with a suggested file name: tagged PDF/UA-1 (WeasyPrint
    renders our content as PDF/UA without complaint), title and language in the metadata."""
    data = gather_panel_data(fy=fy, period=period, progress=progress)
    progress(70, "Rendering the report")
    html = render_panel_html(data)
    progress(90, "Writing the PDF")
    pdf = pdf_writer.tagged_pdf(html, stylesheets=["reports/panel/report.css"])
    progress(100, "Done")
    code = data.period.code if data.period.kind != "FY" else "FY"
    return pdf, f"panel-report-{data.fy}-{str(data.fy + 1)[-2:]}-{code}.pdf"


def _fy_choices() -> list[tuple[int, str]]:
    from pcc_commissioning.periods import FinancialYear
    from reports.common import report_years

    return [(year, FinancialYear(year).label) for year in report_years()]


class PanelReportForm(forms.Form):
    """The panel report's parameters on the request page (cleaned_data: ``fy`` int, ``period`` str)."""

    # Preselected: the year rule's, the year every page opens on.
    fy = forms.TypedChoiceField(label="Financial year", coerce=int, choices=_fy_choices, initial=default_year)
    period = forms.ChoiceField(
        label="Period",
        choices=[(code, "Whole year" if code == "FY" else code) for code in PANEL_PERIODS],
        initial="H1",
        help_text="A quarter, a half year or the whole year.",
    )
