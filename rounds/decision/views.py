"""The round's decision page: prepare the draft decision, sign it on the decision register,
then make the awards."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pcc_commissioning.roles import has_capability, require

from ..models import RoundStatus
from ..moderation.views import link
from ..setup.pages import round_context
from ..setup.selectors import access_round
from .services import recommended_rows, round_decision_prepare, round_make_awards


@require_http_methods(["GET", "POST"])
def decision(request, reference: str):
    round = access_round(request.user, reference)
    errors: list[str] = []
    if request.method == "POST":
        require(request.user, "rounds.panel")
        action = request.POST.get("action")
        try:
            if action == "prepare":
                made = round_decision_prepare(
                    actor=request.user, round=round, reference=request.POST.get("reference", "")
                )
                messages.success(request, f"Draft decision {made.reference} has been prepared: sign it next.")
            elif action == "awards":
                round_make_awards(actor=request.user, round=round)
                messages.success(request, f"The awards of round {round.reference} have been made.")
            return redirect("rounds:decision", round.reference)
        except ValidationError as exc:
            errors = exc.messages
    rows = recommended_rows(round)
    context = round_context(
        request,
        round,
        current="rounds:decision",
        rows=rows,
        total=sum((row.amount_offered for row, _app in rows), start=0),
        errors=errors,
        can_act=has_capability(request.user, "rounds.panel"),
        signed=round.decision is not None and round.decision.is_signed,
        published=round.status == RoundStatus.PUBLISHED,
        publish_url=link("rounds:publish_results", round.reference),
        report_url=link("rounds:report", round.reference),
    )
    return render(request, "rounds/decision.html", context)
