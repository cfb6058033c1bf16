"""Officers' monitoring pages: the returns inbox, a return's review, an award's KPIs and
performance, and the portfolio RAG view.

Thin views: permission through ``pcc_commissioning.roles`` (``grants.view`` to read: officers,
finance officers and board members; ``grants.edit`` to change: commissioning officers; provider
users hold neither and get 403), reads through ``grants.monitoring.selectors``, writes through
``grants.monitoring.services``.
"""

from __future__ import annotations

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from grants.awards import selectors as awards_selectors
from grants.models import AwardKPI, KPIPeriod, Rag, ReturnStatus
from grants.monitoring import kpis as monitoring_kpis
from grants.monitoring import return_data as monitoring_return_data
from grants.monitoring import selectors as monitoring_selectors
from grants.monitoring import services as monitoring_services
from grants.schedules.returns import return_schedule_table
from grants.years import year_page
from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning import clock
from pcc_commissioning.charts import RAG_COLOURS, bar_chart, line_chart
from pcc_commissioning.concurrency import VersionedForm
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.interchange.exports import Sheet, export_response
from pcc_commissioning.periods import FinancialYear, quarter_label
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import form_data

SECTION = "grants"


VIEW = "grants.view"


EDIT = "grants.edit"


PAGE_SIZE = 25


# Forms -------------------------------------------------------------------------------------------
def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # POST forms put their own token; GET filters must not carry one
    helper.layout = Layout(*fields)
    return helper


class InboxFilterForm(forms.Form):
    """GET filter of the returns inbox."""

    priority = forms.ModelChoiceField(
        label="Commissioning priority",
        queryset=CommissioningPriority.objects.none(),
        required=False,
        empty_label="All priorities",
    )
    provider = forms.CharField(label="Provider name contains", max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].queryset = CommissioningPriority.objects.order_by("sort_order", "name")
        self.helper = _helper(Field.select("priority"), Field.text("provider", field_width=20))


class AcceptForm(VersionedForm):
    rag = forms.ChoiceField(
        label="RAG rating",
        choices=Rag.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a RAG rating: green, amber or red."},
        help_text="Green: on track. Amber: some concerns. Red: serious concerns that need action.",
    )
    rag_comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the award's RAG history and in the portfolio view.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="accept", **kwargs)
        self.helper = _helper(Field.radios("rag", legend_size="s", inline=True), "rag_comment", "version")


class SendBackForm(VersionedForm):
    reason = forms.CharField(
        label="What needs changing?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for returning it, so the provider knows what to change."},
        help_text="The provider sees this when they open the return.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="send_back", **kwargs)
        self.helper = _helper("reason", "version")


class KPIForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, help_text='For example "Victims supported to cope and recover".'
    )
    unit = forms.CharField(label="Unit", max_length=50, required=False, help_text='For example "people" or "%".')
    target = forms.DecimalField(label="Target (optional)", max_digits=16, decimal_places=4, required=False)
    target_period = forms.ChoiceField(label="The target is", choices=KPIPeriod.choices, widget=forms.RadioSelect)
    kpq = forms.ModelChoiceField(
        label="Key performance question it evidences (optional)",
        queryset=KPQ.objects.none(),
        required=False,
        empty_label="None",
    )
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpq"].queryset = KPQ.objects.order_by("number")
        self.fields["kpq"].label_from_instance = lambda kpq: f"{kpq.label}: {kpq.question}"
        self.helper = _helper(
            "name",
            Field.text("unit", field_width=10),
            Field.text("target", field_width=10),
            Field.radios("target_period", legend_size="s", inline=True),
            Field.select("kpq"),
            "description",
        )


class KPIEditForm(VersionedForm, KPIForm):
    pass


class PortfolioForm(forms.Form):
    fy = forms.TypedChoiceField(label="Financial year", coerce=int, choices=())
    quarter = forms.TypedChoiceField(
        label="Quarter",
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "Latest rated in the year"), (1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")],
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fy"].choices = [(year, FinancialYear(year).label) for year in years]
        self.helper = _helper(Field.select("fy"), Field.select("quarter"))


# Returns inbox -----------------------------------------------------------------------------------
INBOX_SECTIONS = (
    ("review", "Awaiting review"),
    ("late", "Late"),
    ("due", "Due"),
)


def _filtered(queryset, form: InboxFilterForm):
    if not form.is_valid():
        return queryset
    if form.cleaned_data.get("priority"):
        queryset = queryset.filter(award__priority=form.cleaned_data["priority"])
    if form.cleaned_data.get("provider"):
        queryset = queryset.filter(award__provider__name__icontains=form.cleaned_data["provider"].strip())
    return queryset


@require_GET
@capability_required(VIEW)
def returns_inbox(request):
    """Returns due, late and submitted awaiting review, with counts; filtered and paginated."""
    form = InboxFilterForm(request.GET or None)
    inbox = monitoring_selectors.returns_inbox()
    lists = {
        "review": _filtered(inbox.awaiting_review, form),
        "late": _filtered(inbox.late, form),
        "due": _filtered(inbox.due, form),
    }
    current = request.GET.get("show", "review")
    if current not in lists:
        current = "review"
    tabs = [
        {"key": key, "label": label, "count": lists[key].count(), "current": key == current}
        for key, label in INBOX_SECTIONS
    ]
    page = Paginator(lists[current], PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grants/monitoring/returns_inbox.html",
        {
            "section": SECTION,
            "form": form,
            "tabs": tabs,
            "current": current,
            "current_label": dict(INBOX_SECTIONS)[current],
            "page_obj": page,
            "today": inbox.today,
        },
    )


@require_GET
@capability_required(VIEW)
@year_page(all_years=True)
def return_schedule_export(request, *, year):
    """The scheduled returns of a year (``?fy=2026``; the year rule's without one) or of every
    year (``?fy=all``), as CSV or XLSX: the same table as ``manage.py export_data return_schedule``."""
    fy = year.fy
    sheet = Sheet("Return schedule", *return_schedule_table(fy=fy))
    response = export_response(
        sheet,
        format="xlsx" if request.GET.get("format") == "xlsx" else "csv",
        filename=f"return-schedule-{fy}" if fy else "return-schedule",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# Return review -----------------------------------------------------------------------------------
def _answers(ret, data: monitoring_return_data.ReturnData) -> dict:
    """The return's answers laid out as the form lays them out: every code valid in its year
    (with its definition) beside the count given, and each KPI's value beside its target."""
    codes = monitoring_selectors.return_form_codes(ret.fy)
    breakdowns = []
    for name, label, entries in codes.breakdown_lists:
        given = data.breakdowns.get(name) or {}
        rows = [{"entry": entry, "count": given.get(entry.code)} for entry in entries]
        answered = [row["count"] for row in rows if row["count"] is not None]
        breakdowns.append(
            {
                "name": name,
                "label": label,
                "rows": rows,
                "total": sum(answered) if answered else None,
                "differs": bool(answered) and data.supported is not None and sum(answered) != data.supported,
            }
        )
    outcomes = [
        {
            "entry": entry,
            "assessed": data.outcomes.get(entry.code, (None, None))[0],
            "improved": data.outcomes.get(entry.code, (None, None))[1],
        }
        for entry in codes.outcome_measures
    ]
    kpis = [{"kpi": kpi, "value": data.kpi_values.get(kpi.pk)} for kpi in ret.award.kpis.order_by("name")]
    return {"codes": codes, "breakdowns": breakdowns, "outcomes": outcomes, "kpis": kpis}


def _review_context(request, ret, *, accept_form=None, send_back_form=None) -> dict:
    can_review = has_capability(request.user, EDIT) and ret.status == ReturnStatus.SUBMITTED
    if can_review:
        accept_form = accept_form or AcceptForm(initial={"version": ret.version})
        send_back_form = send_back_form or SendBackForm(initial={"version": ret.version})
    data = monitoring_return_data.ReturnData.from_return(ret)
    return {
        "section": SECTION,
        "ret": ret,
        "award": ret.award,
        "answers": _answers(ret, data),
        "warnings": monitoring_return_data.breakdown_warnings(data),
        "is_late": monitoring_selectors.is_late(ret),
        "can_review": can_review,
        "accept_form": accept_form,
        "send_back_form": send_back_form,
        "chasing": monitoring_selectors.return_chasing(ret)
        if ret.status in monitoring_services.OUTSTANDING_STATUSES
        else None,
        "due_soon_days": settings.REMINDER_DUE_SOON_DAYS,
    }


@require_http_methods(["GET", "POST"])
@capability_required(VIEW)
def return_review(request, pk: int):
    """A return read-only, with the counting definitions and warnings; officers accept it with a
    RAG rating or return it for changes with a reason."""
    ret = monitoring_selectors.access_return(request.user, pk)
    if request.method == "GET":
        return render(request, "grants/monitoring/return_review.html", _review_context(request, ret))
    if not has_capability(request.user, EDIT):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only commissioning officers review monitoring returns.")
    action = request.POST.get("action")
    if action == "accept":
        form = AcceptForm(request.POST)
        if form.is_valid():
            try:
                monitoring_services.return_accept(
                    monitoring_return=ret,
                    actor=request.user,
                    rag=form.cleaned_data["rag"],
                    rag_comment=form.cleaned_data["rag_comment"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, name_fields=True)
            else:
                messages.success(request, f"The return for {ret} has been accepted.")
                return redirect("grants:returns_inbox")
        context = _review_context(request, ret, accept_form=form)
    elif action == "send_back":
        form = SendBackForm(request.POST)
        if form.is_valid():
            try:
                monitoring_services.return_send_back(
                    monitoring_return=ret,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, name_fields=True)
            else:
                messages.success(request, f"The return for {ret} has been returned to the provider for changes.")
                return redirect("grants:returns_inbox")
        context = _review_context(request, ret, send_back_form=form)
    else:
        raise Http404("Unknown action.")
    if not context["can_review"]:
        # Someone else reviewed it meanwhile: say so above the read-only return.
        messages.error(request, f"This return is now {ret.get_status_display().lower()}; nothing was changed.")
    return render(request, "grants/monitoring/return_review.html", context, status=400)


# Award KPIs and performance ------------------------------------------------------------------------
def _kpi_charts(performance) -> list[dict]:
    sections = []
    for item in performance.kpis:
        chart = None
        if item.points:
            if item.yearly:
                title = f"{item.kpi.name}: year to date against the yearly target"
                series = {
                    "Year to date": [point.year_to_date for point in item.points],
                    "Target for the year": [point.target for point in item.points],
                }
            else:
                title = f"{item.kpi.name}: actual against target by quarter"
                series = {
                    "Actual": [point.actual for point in item.points],
                    "Target": [point.target for point in item.points],
                }
            chart = line_chart(
                title=title,
                x_labels=[point.label for point in item.points],
                series=series,
                unit=item.kpi.unit,
                x_label="Quarter",
                value_label=item.kpi.name,
            )
        sections.append({"item": item, "chart": chart})
    return sections


@require_GET
@capability_required(VIEW)
def award_performance(request, pk: int):
    """An award's KPIs (officers add, change and delete them), each KPI's actual against target
    by quarter as a chart with its table, its returns and its RAG history."""
    award = awards_selectors.access_award(request.user, pk)
    performance = monitoring_selectors.award_performance(award)
    return render(
        request,
        "grants/monitoring/award_performance.html",
        {
            "section": SECTION,
            "award": award,
            "performance": performance,
            "sections": _kpi_charts(performance),
            "returns": monitoring_selectors.award_returns(award),
            "today": clock.today(),
            "can_edit": has_capability(request.user, EDIT),
        },
    )


def _award_kpi(award, kpi_pk: int) -> AwardKPI:
    try:
        return AwardKPI.objects.select_related("kpq").get(award=award, pk=kpi_pk)
    except AwardKPI.DoesNotExist:
        raise Http404("No such KPI on this award.") from None


def _performance_url(award) -> str:
    return reverse("grants:award_performance", kwargs={"pk": award.pk}) + "#kpis"


@require_http_methods(["GET", "POST"])
@capability_required(EDIT)
@create_once
def kpi_create(request, pk: int):
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    form = KPIForm(form_data(request), initial={"target_period": KPIPeriod.QUARTER})
    if request.method == "POST" and form.is_valid():
        try:
            kpi = monitoring_kpis.kpi_create(award=award, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, kpi, f"The KPI “{kpi.name}” has been added.")
            return redirect(_performance_url(award))
    return render(request, "grants/monitoring/kpi_form.html", {"section": SECTION, "award": award, "form": form})


@require_http_methods(["GET", "POST"])
@capability_required(EDIT)
def kpi_edit(request, pk: int, kpi_pk: int):
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    kpi = _award_kpi(award, kpi_pk)
    names = ("name", "unit", "target", "target_period", "kpq", "description", "version")
    form = KPIEditForm(form_data(request), initial={name: getattr(kpi, name) for name in names})
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            monitoring_kpis.kpi_update(kpi=kpi, actor=request.user, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"The KPI “{fields.get('name') or kpi.name}” has been updated.")
            return redirect(_performance_url(award))
    return render(
        request, "grants/monitoring/kpi_form.html", {"section": SECTION, "award": award, "kpi": kpi, "form": form}
    )


@require_http_methods(["GET", "POST"])
@capability_required(EDIT)
def kpi_delete(request, pk: int, kpi_pk: int):
    award = awards_selectors.access_award(request.user, pk, for_edit=True)
    kpi = _award_kpi(award, kpi_pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            monitoring_kpis.kpi_delete(kpi=kpi, actor=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"The KPI “{kpi.name}” has been deleted.")
            return redirect(_performance_url(award))
    return render(
        request,
        "grants/monitoring/kpi_delete.html",
        {"section": SECTION, "award": award, "kpi": kpi, "errors": errors},
        status=400 if errors else 200,
    )


# Portfolio RAG -----------------------------------------------------------------------------------
@require_GET
@capability_required(VIEW)
@year_page
def portfolio_rag(request, *, year):
    """RAG ratings by commissioning priority for a year (and quarter), with the red and amber
    awards and the officers' comments."""
    fy = year.fy
    data = request.GET.copy()
    data["fy"] = str(fy)  # the year rule's, or the valid year asked for
    form = PortfolioForm(data, years=sorted({*awards_selectors.award_years(), fy}, reverse=True))
    form.fields["fy"].help_text = year.note
    quarter = form.cleaned_data["quarter"] if form.is_valid() else None
    rows = monitoring_selectors.portfolio_rag(fy=fy, quarter=quarter, with_flagged=False)
    flagged = page_of(
        monitoring_selectors.portfolio_flagged(fy=fy, quarter=quarter),
        number=request.GET.get("page"),
        per_page=PAGE_SIZE,
    )
    label = quarter_label(fy, quarter) if quarter else FinancialYear(fy).label
    chart = None
    if any(row.total for row in rows):
        chart = bar_chart(
            title=f"Awards by RAG rating and commissioning priority, {label}",
            categories=[row.priority.name for row in rows],
            series={
                "Green": [row.green for row in rows],
                "Amber": [row.amber for row in rows],
                "Red": [row.red for row in rows],
                "Not rated": [row.not_rated for row in rows],
            },
            unit="",
            horizontal=True,
            category_label="Commissioning priority",
            value_label="Awards",
            colours=RAG_COLOURS,
        )
    return render(
        request,
        "grants/monitoring/portfolio_rag.html",
        {
            "section": SECTION,
            "form": form,
            "year_shown": year,
            "rows": rows,
            "chart": chart,
            "label": label,
            "page_obj": flagged,
            "totals": {
                "green": sum(row.green for row in rows),
                "amber": sum(row.amber for row in rows),
                "red": sum(row.red for row in rows),
                "not_rated": sum(row.not_rated for row in rows),
            },
        },
    )
