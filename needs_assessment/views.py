"""Needs pages: thin views that check permission, call a selector or service, render.

Who may do what (``pcc_commissioning.roles``): ``needs.view`` (officers, finance, board) reads
every page here; ``needs.edit`` (officers) adds and changes assessments, findings, intentions
and themes. Provider users hold neither.

The trail an officer follows: intentions board -> intention -> the finding behind it -> its
evidence on the indicator page -> the findings citing the indicator -> back to the intention,
whose further tabs (added by higher apps through ``pcc_commissioning.tabs``) lead on from there.
"""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F
from django.db.models.functions import Lower
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from needs_assessment import assessments, intentions, selectors, services
from pcc_commissioning.charts import bar_chart, line_chart
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.periods import FinancialYear, parse_period_code, period_code
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.tabs import page_tabs
from pcc_commissioning.web import form_data, form_files, show_errors

from .filters import IntentionFilter
from .forms import (
    AssessmentEditForm,
    AssessmentForm,
    FindingEditForm,
    FindingForm,
    IntentionEditForm,
    IntentionForm,
    IntentionStatusForm,
    ThemeEditForm,
    ThemeForm,
)
from .models import AreaType, Theme

PAGE_SIZE = 25
SECTION = "needs"


def _context(request, **extra) -> dict:
    return {"section": SECTION, "can_edit": has_capability(request.user, "needs.edit"), **extra}


# Needs assessments ---------------------------------------------------------------------------------

_ASSESSMENT_SORTS = {
    "title": Lower("title"),
    "fy": F("fy"),
    "scope": F("scope"),
    "findings": F("finding_count"),
    "published": F("published_on"),
}


@capability_required("needs.view")
def assessment_list(request):
    """The needs section's first page: every needs assessment, latest year first."""
    sort = request.GET.get("sort", "") or "-fy"
    key = sort.removeprefix("-")
    queryset = selectors.assessment_list()
    if key in _ASSESSMENT_SORTS:
        expression = _ASSESSMENT_SORTS[key]
        first = expression.desc(nulls_last=True) if sort.startswith("-") else expression.asc(nulls_last=True)
        queryset = queryset.order_by(first, Lower("title"), "pk")
    page_obj = page_of(queryset, number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "needs_assessment/assessment_list.html",
        _context(request, page_obj=page_obj, assessments=page_obj.object_list, sort=sort, current="assessments"),
    )


@capability_required("needs.view")
def assessment_detail(request, pk: int):
    detail = selectors.assessment_detail(pk)
    return render(
        request,
        "needs_assessment/assessment_detail.html",
        _context(request, assessment=detail.assessment, findings=detail.findings, indicators=detail.indicators),
    )


@capability_required("needs.view")
def assessment_document(request, pk: int):
    """The published document: only ever served here, after the permission check, as an attachment."""
    assessment = selectors.access_assessment(request.user, pk)
    if not assessment.document:
        raise Http404("This assessment has no document.")
    try:
        handle = assessment.document.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing.") from None
    name = assessment.document.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _assessment_fields(form) -> dict:
    fields = dict(form.cleaned_data)
    fields.pop("version", None)
    return fields


@capability_required("needs.edit")
@require_http_methods(["GET", "POST"])
@create_once
def assessment_create(request):
    form = AssessmentForm(form_data(request), form_files(request), initial={"fy": FinancialYear.current().start_year})
    if request.method == "POST" and form.is_valid():
        fields = _assessment_fields(form)
        try:
            assessment = assessments.assessment_create(actor=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, assessment, f"{assessment.title} has been added.")
            return redirect("needs_assessment:assessment_detail", pk=assessment.pk)
    return render(request, "needs_assessment/assessment_form.html", _context(request, form=form))


@capability_required("needs.edit")
@require_http_methods(["GET", "POST"])
def assessment_edit(request, pk: int):
    assessment = selectors.access_assessment(request.user, pk, for_edit=True)
    initial = {name: getattr(assessment, name) for name in assessments.ASSESSMENT_FIELDS}
    initial["version"] = assessment.version
    form = AssessmentEditForm(form_data(request), form_files(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = _assessment_fields(form)
        try:
            assessments.assessment_update(
                assessment=assessment, actor=request.user, expected_version=form.cleaned_data["version"], **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"{fields['title']} has been updated.")
            return redirect("needs_assessment:assessment_detail", pk=assessment.pk)
    return render(request, "needs_assessment/assessment_form.html", _context(request, form=form, assessment=assessment))


# Findings -----------------------------------------------------------------------------------------


@capability_required("needs.view")
def finding_detail(request, pk: int):
    finding = selectors.finding_detail(pk)
    return render(request, "needs_assessment/finding_detail.html", _context(request, finding=finding))


@capability_required("needs.edit")
@require_http_methods(["GET", "POST"])
@create_once
def finding_create(request, pk: int):
    assessment = selectors.access_assessment(request.user, pk, for_edit=True)
    form = FindingForm(form_data(request), fy=assessment.fy)
    if request.method == "POST" and form.is_valid():
        try:
            finding = assessments.finding_create(actor=request.user, assessment=assessment, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, finding, f"The finding “{finding.title}” has been added.")
            return redirect("needs_assessment:finding_detail", pk=finding.pk)
    return render(request, "needs_assessment/finding_form.html", _context(request, form=form, assessment=assessment))


@capability_required("needs.edit")
@require_http_methods(["GET", "POST"])
def finding_edit(request, pk: int):
    finding = selectors.access_finding(request.user, pk, for_edit=True)
    initial = {name: getattr(finding, name) for name in ("title", "description", "severity", "theme", "priority")}
    initial.update(
        areas=list(finding.areas.all()),
        kpqs=list(finding.kpqs.all()),
        evidence=list(finding.evidence.all()),
        version=finding.version,
    )
    form = FindingEditForm(form_data(request), initial=initial, fy=finding.assessment.fy)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            assessments.finding_update(finding=finding, actor=request.user, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"The finding “{form.cleaned_data['title']}” has been updated.")
            return redirect("needs_assessment:finding_detail", pk=finding.pk)
    return render(
        request,
        "needs_assessment/finding_form.html",
        _context(request, form=form, assessment=finding.assessment, finding=finding),
    )


# Indicators ---------------------------------------------------------------------------------------


@capability_required("needs.view")
def indicator_list(request):
    return render(
        request,
        "needs_assessment/indicator_list.html",
        _context(request, indicators=selectors.indicator_list(), current="indicators"),
    )


def _period_choices(periods) -> list[tuple[str, str]]:
    return [(period_code(period), period.label) for period in periods]


@capability_required("needs.view")
def indicator_detail(request, pk: int):
    """The indicator compared across areas in one period (value, population, rate, previous
    period, change), with a bar chart by area and a line chart of the trend, each with its data."""
    indicator = selectors.access_indicator(request.user, pk)
    periods = selectors.indicator_periods(indicator)
    wanted = None
    with contextlib.suppress(ValueError):
        wanted = parse_period_code(request.GET.get("period", ""), kinds=("FY", "Q"))
    if wanted not in periods:
        wanted = None
    comparison = selectors.indicator_comparison(indicator, period=wanted)
    rows = comparison.rows
    areas = [row.area for row in rows]
    area = next((a for a in areas if str(a.pk) == request.GET.get("area", "")), None)
    force_area = next((a for a in areas if a.type == AreaType.FORCE_AREA), None)
    area = area or force_area or (areas[0] if areas else None)
    bars = _area_bar_chart(indicator, comparison) if rows else None
    trend_chart, trend_rows = None, []
    if area is not None:
        kind = comparison.period.kind if comparison.period else "FY"
        trend_chart, trend_rows = _trend(indicator, area, force_area, kind=kind)
    return render(
        request,
        "needs_assessment/indicator_detail.html",
        _context(
            request,
            indicator=indicator,
            comparison=comparison,
            rows=rows,
            period_choices=_period_choices(periods),
            period_code=comparison.period_code,
            area=area,
            areas=areas,
            bar_chart=bars,
            trend_chart=trend_chart,
            trend_rows=trend_rows,
            findings=selectors.indicator_findings(indicator),
        ),
    )


def _measure_and_unit(indicator) -> tuple[str, str]:
    """A count is compared as a rate per 1,000 people; anything else by its value."""
    return ("rate", "per 1,000 people") if indicator.is_count else ("value", indicator.unit)


def _area_bar_chart(indicator, comparison):
    """The indicator by area in the period compared."""
    measure, unit = _measure_and_unit(indicator)
    period_label = comparison.period.label if comparison.period else ""
    return bar_chart(
        title=f"{indicator.name}: {'rate per 1,000 people' if indicator.is_count else 'value'} by area, {period_label}",
        categories=[row.area.name for row in comparison.rows],
        series={period_label: [getattr(row, measure) for row in comparison.rows]},
        unit=unit,
        horizontal=True,
        category_label="Area",
        decimals=2 if indicator.is_count else None,
    )


def _trend(indicator, area, force_area, *, kind: str):
    """(the line chart of the indicator over time in the area, and in the force area beside it;
    the area's points)."""
    measure, unit = _measure_and_unit(indicator)
    trends = {area.name: selectors.indicator_trend(indicator, area, kind=kind)}
    if force_area is not None and force_area.pk != area.pk:
        trends[force_area.name] = selectors.indicator_trend(indicator, force_area, kind=kind)
    labels = sorted({point.period for points in trends.values() for point in points})
    trend_chart = None
    if labels:
        series = {
            name: [next((getattr(p, measure) for p in points if p.period == label), None) for label in labels]
            for name, points in trends.items()
        }
        trend_chart = line_chart(
            title=f"{indicator.name}: trend in {' and '.join(trends)}",
            x_labels=[label.label for label in labels],
            series=series,
            unit=unit,
            decimals=2 if indicator.is_count else None,
        )
    return trend_chart, trends[area.name]


# Commissioning intentions -------------------------------------------------------------------------


@capability_required("needs.view")
def intention_board(request):
    """Intentions grouped Must / Should / Could, filtered by status, lead, priority and year."""
    filterset = IntentionFilter(request.GET or None)
    groups = selectors.intention_board(**filterset.selector_arguments())
    for group in groups:
        for intention in group.intentions:
            intention.when_text = selectors.intention_when(intention)
    return render(
        request,
        "needs_assessment/intention_board.html",
        _context(
            request,
            groups=groups,
            filter_form=filterset.form,
            filtered=filterset.is_filtered,
            total=sum(len(group.intentions) for group in groups),
            current="intentions",
        ),
    )


def _intention_context(request, intention, *, current: str, **extra) -> dict:
    return _context(
        request,
        intention=intention,
        when=selectors.intention_when(intention),
        tabs=page_tabs("intention", user=request.user, pk=intention.pk, current=current),
        **extra,
    )


@capability_required("needs.view")
def intention_detail(request, pk: int):
    intention = selectors.intention_detail(pk)
    status_form = IntentionStatusForm(initial={"version": intention.version, "status": intention.status})
    return render(
        request,
        "needs_assessment/intention_detail.html",
        _intention_context(request, intention, current="needs_assessment:intention_detail", status_form=status_form),
    )


def _intention_fields(form) -> dict:
    fields = dict(form.cleaned_data)
    fields.pop("version", None)
    return fields


@capability_required("needs.edit")
@require_http_methods(["GET", "POST"])
@create_once
def intention_create(request):
    initial = {}
    finding_pk = request.GET.get("finding", "")
    if finding_pk.isdigit():
        initial["findings"] = [int(finding_pk)]
    form = IntentionForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            intention = intentions.intention_create(actor=request.user, **_intention_fields(form))
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, intention, f"The intention “{intention.title}” has been added.")
            return redirect("needs_assessment:intention_detail", pk=intention.pk)
    return render(request, "needs_assessment/intention_form.html", _context(request, form=form))


@capability_required("needs.edit")
@require_http_methods(["GET", "POST"])
def intention_edit(request, pk: int):
    intention = selectors.access_intention(request.user, pk, for_edit=True)
    initial = {name: getattr(intention, name) for name in intentions.INTENTION_FIELDS}
    initial.update(findings=list(intention.findings.all()), version=intention.version)
    form = IntentionEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = _intention_fields(form)
        try:
            intentions.intention_update(
                intention=intention, actor=request.user, expected_version=form.cleaned_data["version"], **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"The intention “{fields['title']}” has been updated.")
            return redirect("needs_assessment:intention_detail", pk=intention.pk)
    return render(request, "needs_assessment/intention_form.html", _context(request, form=form, intention=intention))


@capability_required("needs.edit")
@require_POST
def intention_status(request, pk: int):
    intention = selectors.access_intention(request.user, pk, for_edit=True)
    form = IntentionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the new status (reload the page if this keeps happening).")
        return redirect("needs_assessment:intention_detail", pk=intention.pk)
    try:
        intention = intentions.intention_set_status(
            intention=intention,
            actor=request.user,
            status=form.cleaned_data["status"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        show_errors(request, exc)  # a stale version says so: nothing was changed
    else:
        messages.success(request, f"“{intention.title}” is now {intention.get_status_display().lower()}.")
    return redirect("needs_assessment:intention_detail", pk=intention.pk)


# Themes --------------------------------------------------------------------------------------------


@capability_required("needs.view")
def theme_list(request):
    themes = Theme.objects.annotate(
        indicator_count=Count("indicators", distinct=True),
        finding_count=Count("findings", distinct=True),
        intention_count=Count("intentions", distinct=True),
    )
    return render(request, "needs_assessment/theme_list.html", _context(request, themes=themes, current="themes"))


@capability_required("needs.edit")
@require_http_methods(["GET", "POST"])
@create_once
def theme_create(request):
    form = ThemeForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            theme = services.theme_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, theme, f"The theme “{theme.name}” has been added.")
            return redirect("needs_assessment:theme_list")
    return render(request, "needs_assessment/theme_form.html", _context(request, form=form))


@capability_required("needs.edit")
@require_http_methods(["GET", "POST"])
def theme_edit(request, pk: int):
    theme = selectors.access_theme(request.user, pk, for_edit=True)
    initial = {"name": theme.name, "description": theme.description, "version": theme.version}
    form = ThemeEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version = fields.pop("version")
        try:
            services.theme_update(theme=theme, actor=request.user, expected_version=expected_version, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"The theme “{form.cleaned_data['name']}” has been updated.")
            return redirect("needs_assessment:theme_list")
    return render(request, "needs_assessment/theme_form.html", _context(request, form=form, theme=theme))
