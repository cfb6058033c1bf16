"""The "My work" page (``my_work:index``): what waits on the signed-in person, each item linking to
where it is done; ``?show=<section>`` lists one section in full, paged; ``?who=everyone`` the
whole team's. Board members see the whole team's work with links to pages that only show it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from pcc_commissioning.roles import capability_required

from . import selectors
from .selectors import Item

SECTION = "my_work"
PAGE_SIZE = 25

# What the person does on the linked page, for the link's words (board members only look).
ACTION_WORDS = {
    "review": "Review",
    "payments": "Approve",
    "late": "Chase",
    "documents": "Ask for a new one",
    "ending": "Decide what next",
    "invitations": "Resend or withdraw",
    "variations": "Decide",
    "variations_finance": "Approve",
    "countersign": "Countersign",
    "recoveries": "Record what came back",
    "moj_prepare": "Prepare",
    "moj_sign_off": "Sign off",
}


def item_url(item: Item, *, can_act: bool) -> str:
    """Where an item is done, or (``can_act`` False) where it is shown without any action."""
    section = item.section
    if section == "review":
        return reverse("grants:return_review", args=[item.record_id])
    if section == "late":  # chased from the award's performance tab, which lists its returns
        return reverse("grants:award_performance", args=[item.award_id])
    if section == "payments":
        if can_act:
            return reverse("grants:payment_approve", args=[item.award_id, item.record_id])
        return reverse("grants:award_detail", args=[item.award_id]) + "#payments"
    if section == "documents":
        return reverse("providers:documents", args=[item.organisation_id])
    if section == "ending":
        return reverse("grants:award_detail", args=[item.award_id])
    if section == "invitations":
        return reverse("providers:users", args=[item.organisation_id])
    if section in ("variations", "variations_finance"):
        return reverse("grants:variation_detail", args=[item.record_id])
    if section == "countersign":
        if can_act:
            return reverse("grants:agreement_countersign", args=[item.record_id])
        return reverse("grants:award_agreements", args=[item.award_id])
    if section == "recoveries":
        return reverse("grants:recovery_detail", args=[item.record_id])
    return reverse("reports:moj_return", args=[item.fy, item.half])


def _links(items: list[Item], *, can_act: bool) -> list[dict]:
    return [
        {"item": item, "url": item_url(item, can_act=can_act), "action": ACTION_WORDS[item.section] if can_act else ""}
        for item in items
    ]


def _page_url(**query) -> str:
    params = {key: value for key, value in query.items() if value}
    url = reverse("my_work:index")
    return f"{url}?{urlencode(params)}" if params else url


def _section_page(request, work: selectors.MyWork, key: str, everyone: bool) -> dict:
    """One section in full, paged."""
    section = next((each for each in work.sections if each.key == key), None)
    if section is None:
        raise Http404("There is no such list of work for you.")
    rows = selectors.section_rows(request.user, key, everyone=everyone, today=work.today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = selectors.section_items(key, page.object_list, today=work.today)
    return {"shown": section, "page_obj": page, "links": _links(items, can_act=section.can_act)}


@require_GET
@capability_required("dashboard.view")
def my_work(request):
    everyone = request.GET.get("who") == "everyone"
    key = request.GET.get("show", "")
    work = selectors.my_work(request.user, everyone=everyone, items=0 if key else selectors.SUMMARY_ITEMS)
    who = "everyone" if work.everyone and not work.read_only else ""
    context = {
        "section": SECTION,
        "work": work,
        "sections": [
            {
                "work": section,
                "links": _links(section.items, can_act=section.can_act),
                "all_url": _page_url(show=section.key, who=who),
            }
            for section in work.sections
        ],
        "mine_url": _page_url(show=key),
        "everyone_url": _page_url(show=key, who="everyone"),
        "summary_url": _page_url(who=who),
    }
    if key:
        context.update(_section_page(request, work, key, work.everyone))
    return render(request, "reports/my_work.html", context)
