"""What every officer page of a round shows around its own content: the round's tab bar.

The later stages' pages are linked by URL name only (a stage never imports a higher one); a
tab whose page is not built on this branch is left out. Their pages can extend
``rounds/round_base.html`` with ``round_context``."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from pcc_commissioning.roles import has_capability

from .selectors import phase, phase_label

TABS = (
    ("Overview", "rounds:detail"),
    ("Eligibility", "rounds:eligibility"),
    ("Questions", "rounds:questions"),
    ("Criteria", "rounds:criteria"),
    ("Applications", "rounds:applications"),
    ("Panel", "rounds:panel"),
    ("Progress", "rounds:progress"),
    ("Ranking", "rounds:ranking"),
    ("Decision", "rounds:decision"),
    ("Report", "rounds:report"),
)


def round_tabs(round, *, current: str) -> list[dict]:
    tabs = []
    for label, url_name in TABS:
        try:
            url = reverse(url_name, kwargs={"reference": round.reference})
        except NoReverseMatch:  # that stage's pages are not built here
            continue
        tabs.append({"label": label, "url": url, "current": url_name == current})
    return tabs


def round_context(request, round, *, current: str, **extra) -> dict:
    """What ``rounds/round_base.html`` needs: the round, where it is, its tabs with ``current``
    (a tab's URL name) marked, and the section that marks "Rounds" current in the navigation."""
    name = phase(round)
    tabs = round_tabs(round, current=current)
    return {
        "section": "rounds",
        "round": round,
        "phase": name,
        "phase_label": phase_label(name),
        "tabs": tabs,
        "current_tab": next((tab for tab in tabs if tab["current"]), None),
        "overview_url": reverse("rounds:detail", kwargs={"reference": round.reference}),
        "can_edit": has_capability(request.user, "rounds.edit"),
        **extra,
    }
