"""The tabs of an organisation's page (MOJ sub-navigation).

Higher apps add their own tab without ``providers`` importing them: in their
``AppConfig.ready()`` they call ``register_tab("Awards", "grants:provider_awards")``. The URL
named must take the organisation's ``pk``. A tab whose URL does not reverse is not shown;
one registered with a capability is shown only to users who hold it.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from pcc_commissioning.roles import has_capability

BUILT_IN_TABS: list[tuple[str, str]] = [
    ("Details", "providers:detail"),
    ("Contacts", "providers:contacts"),
    ("Documents", "providers:documents"),
    ("Users", "providers:users"),
    ("History", "providers:history"),
]

# (label, url name) or (label, url name, capability), appended to by higher apps.
EXTRA_TABS: list[tuple] = []


def register_tab(label: str, url_name: str, capability: str | None = None) -> None:
    entry = (label, url_name, capability) if capability else (label, url_name)
    if not any(existing[1] == url_name for existing in EXTRA_TABS):
        EXTRA_TABS.append(entry)


def organisation_tabs(*, user, organisation_pk: int, current: str) -> list[dict]:
    """[{label, url, current}] for the tabs this user can open, in order."""
    tabs = []
    for entry in [*BUILT_IN_TABS, *EXTRA_TABS]:
        label, url_name = entry[0], entry[1]
        capability = entry[2] if len(entry) > 2 else None
        if capability and not has_capability(user, capability):
            continue
        try:
            url = reverse(url_name, kwargs={"pk": organisation_pk})
        except NoReverseMatch:
            continue
        tabs.append({"label": label, "url": url, "current": url_name == current})
    return tabs
