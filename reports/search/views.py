"""The header's search results page (``search:index``)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from pcc_commissioning.roles import is_provider_user

from . import selectors as search_selectors


@require_GET
def search(request):
    """The results of the header's search box. Every signed-in user may search; each group of
    results is shown only to those who may read it, and a provider user finds only their own
    organisation's awards."""
    text = request.GET.get("q", "")
    results = search_selectors.site_search(user=request.user, text=text)
    provider = is_provider_user(request.user)
    return render(
        request,
        "reports/search.html",
        {
            "section": "search",
            "results": results,
            "provider": provider,
            "limit": search_selectors.GROUP_LIMIT,
        },
    )
