"""The public pages of grant rounds: no sign-in, and nothing of a round that is a draft or was
cancelled (404, as if it did not exist). The signed-in navigation is not shown here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from pcc_commissioning.records import page_of

from ..setup import selectors

PAGE_SIZE = 25


def _url_or_blank(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # the applicants' pages are not built here
        return ""


def _public(**context) -> dict:
    # The view's context wins over the context processors': no signed-in menu on public pages.
    return {"navigation": [], "section": "funding", **context}


@login_not_required
@require_GET
def round_list(request):
    page_obj = page_of(selectors.published_rounds(), number=request.GET.get("page"), per_page=PAGE_SIZE)
    for round in page_obj.object_list:
        round.phase = selectors.phase(round)
    return render(request, "rounds/public/round_list.html", _public(page_obj=page_obj, rounds=page_obj.object_list))


@login_not_required
@require_GET
def round_detail(request, reference: str):
    round = selectors.public_round(reference)
    phase = selectors.phase(round)
    return render(
        request,
        "rounds/public/round_detail.html",
        _public(
            round=round,
            phase=phase,
            phase_label=selectors.phase_label(phase),
            eligibility=round.eligibility_questions.all(),
            results=selectors.round_results(round),
            apply_url=_url_or_blank("apply:home"),
            register_url=_url_or_blank("apply:register"),
        ),
    )
