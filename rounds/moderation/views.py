"""The panel's pages: the ranking with the starting and the panel's recommendation, a change to
one application's recommendation (with its history), and the ranking as CSV or XLSX."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.interchange.exports import Sheet, export_response
from pcc_commissioning.roles import has_capability, require
from pcc_commissioning.web import form_data

from ..applying.selectors import access_round_application
from ..setup.pages import round_context
from ..setup.selectors import access_round
from .exporters import round_results_table
from .forms import RecommendationForm
from .ranking import one_place
from .selectors import DECIDED_STATES, criteria_of, round_ranking
from .services import recommendation_change


def link(name: str, *args) -> str | None:
    """The page of another stage, when that stage's pages exist on this build."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


RANKING_PAGE_SIZE = 100


def ranking(request, reference: str):
    round = access_round(request.user, reference)
    result, applications = round_ranking(round)
    criteria = criteria_of(round)
    # The whole round is ranked (the running total needs every row above); a page shows 100.
    page = Paginator(result.rows, RANKING_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "row": row,
            "app": applications[row.application.id],
            "criteria": [
                (criterion.key, one_place(c.mean), c.spread)
                for criterion, c in zip(criteria, row.criteria, strict=False)
            ],
        }
        for row in page.object_list
    ]
    can_change = has_capability(request.user, "rounds.panel") and round.status not in DECIDED_STATES
    context = round_context(
        request,
        round,
        current="rounds:ranking",
        ranking=result,
        rows=rows,
        page_obj=page,
        criteria=criteria,
        can_change=can_change,
        decision_url=link("rounds:decision", round.reference),
    )
    return render(request, "rounds/ranking.html", context)


def ranking_export(request, reference: str):
    round = access_round(request.user, reference)
    export_format = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    sheet = Sheet(f"Results {round.reference}", *round_results_table(round))
    return export_response(sheet, format=export_format, filename=f"round-results-{round.reference}")


@require_http_methods(["GET", "POST"])
def recommendation(request, reference: str, app_reference: str):
    round = access_round(request.user, reference)
    application = access_round_application(request.user, round, app_reference)
    can_change = has_capability(request.user, "rounds.panel") and round.status not in DECIDED_STATES
    initial = {
        "recommended": {None: "starting", True: "yes", False: "no"}[application.recommended_override],
        "amount_offered": application.amount_offered_override,
        "feedback": application.feedback,
        "version": application.version,
    }
    form = RecommendationForm(form_data(request), initial=initial)
    if request.method == "POST":
        require(request.user, "rounds.panel")
        if form.is_valid():
            try:
                recommendation_change(
                    actor=request.user,
                    application=application,
                    recommended=form.recommended_value(),
                    amount_offered=form.cleaned_data["amount_offered"],
                    reason=form.cleaned_data["reason"],
                    feedback=form.cleaned_data["feedback"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, name_fields=True)
            else:
                messages.success(request, f"The panel's recommendation for {application.reference} has been saved.")
                return redirect("rounds:ranking", round.reference)
    context = round_context(
        request,
        round,
        current="rounds:ranking",
        application=application,
        form=form,
        can_change=can_change,
        changes=application.recommendation_changes.select_related("by"),
    )
    return render(request, "rounds/recommendation.html", context)
