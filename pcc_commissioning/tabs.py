"""The tabs of a record's page (MOJ sub-navigation), one registry for every app.

A page is named by a string (``"organisation"``, ``"intention"``). The app that owns the page
registers its own tabs, and an app above it adds its tab to the same page, each from its
``AppConfig.ready()`` — so the owning app links to a higher app's page by URL name only and never
imports it:

    register_tab("intention", "Awards", "grants:intention_awards", capability="grants.view")

Every URL named must take the record's ``pk``. Tabs are shown in the order they were registered
(apps are ready in ``INSTALLED_APPS`` order, lowest layer first, so an owning app's tabs come
before those added from above). A tab whose URL does not reverse is not shown; one registered
with a capability is shown only to users who hold it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from pcc_commissioning.roles import has_capability


@dataclass(frozen=True)
class Tab:
    label: str
    url_name: str
    capability: str | None = None


# page name -> its tabs, in the order registered.
REGISTRY: dict[str, list[Tab]] = {}


def register_tab(page: str, label: str, url_name: str, *, capability: str | None = None) -> None:
    """Add a tab to ``page``; registering the same URL name twice (``ready()`` run again) adds it once."""
    tabs = REGISTRY.setdefault(page, [])
    if not any(tab.url_name == url_name for tab in tabs):
        tabs.append(Tab(label, url_name, capability))


def page_tabs(page: str, *, user, pk: int, current: str) -> list[dict]:
    """[{label, url, current}] for the tabs of record ``pk``'s ``page`` this user can open, in order."""
    shown = []
    for tab in REGISTRY.get(page, []):
        if tab.capability and not has_capability(user, tab.capability):
            continue
        try:
            url = reverse(tab.url_name, kwargs={"pk": pk})
        except NoReverseMatch:
            continue
        shown.append({"label": tab.label, "url": url, "current": tab.url_name == current})
    return shown
