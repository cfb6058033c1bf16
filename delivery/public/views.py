"""The public pages of delivery plans: no sign-in, published plans only (a draft or archived
plan is 404, as if it did not exist), and no signed-in navigation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import selectors
from .pdf import build_plan_pdf, pdf_file_name


def _public(**context) -> dict:
    # The view's context wins over the context processors': no signed-in menu on public pages.
    return {"navigation": [], "section": "plans", **context}


def _period(request) -> str | None:
    return request.GET.get("period", "").strip() or None


@login_not_required
@require_GET
def index(request):
    return render(request, "delivery/public/index.html", _public(plans=selectors.published_plans()))


@login_not_required
@require_GET
def plan(request, reference: str):
    published = selectors.public_plan(reference)
    try:
        report = selectors.plan_report(published, period=_period(request))
    except selectors.UnknownPeriod:
        raise Http404("No accepted update for that period.") from None
    return render(request, "delivery/public/plan.html", _public(report=report, plan=published))


@login_not_required
@require_GET
def plan_pdf(request, reference: str):
    published = selectors.public_plan(reference)
    period = _period(request)
    try:
        pdf = build_plan_pdf(published, period=period)
    except selectors.UnknownPeriod:
        raise Http404("No accepted update for that period.") from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_file_name(published, period=period)}"'
    return response
