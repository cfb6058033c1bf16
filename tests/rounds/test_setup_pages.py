"""Every officer page of a round sits in the round's tab bar: the right tab marked, the "Rounds"
entry of the navigation current, breadcrumbs Rounds › round › page, and a title naming the
page and the round."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from rounds.models import RoundStatus
from rounds.setup.pages import round_tabs
from tests.factories.rounds import ApplicationFactory, RoundFactory

pytestmark = pytest.mark.django_db

# URL name -> (the tab marked current, the page's <h1>, its breadcrumbs after Home)
PAGES = {
    "rounds:detail": ("Overview", "Community Safety Fund", ["Rounds"]),
    "rounds:applications": ("Applications", "Applications", ["Rounds", "CSF-2026"]),
    "rounds:application": ("Applications", "Application CSF-1", ["Rounds", "CSF-2026", "Applications"]),
    "rounds:panel": ("Panel", "Assessment panel", ["Rounds", "CSF-2026"]),
    "rounds:progress": ("Progress", "Panel progress", ["Rounds", "CSF-2026"]),
    "rounds:ranking": ("Ranking", "Ranking of CSF-2026", ["Rounds", "CSF-2026"]),
    "rounds:recommendation": ("Ranking", "Recommendation for CSF-1", ["Rounds", "CSF-2026", "Ranking"]),
    "rounds:decision": ("Decision", "Decision on CSF-2026", ["Rounds", "CSF-2026"]),
    "rounds:report": ("Report", "Report on CSF-2026", ["Rounds", "CSF-2026"]),
}


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("name", PAGES)
def test_each_round_page_marks_its_tab_the_section_and_its_place(officer_client, name):
    round = RoundFactory(reference="CSF-2026", name="Community Safety Fund", status=RoundStatus.PUBLISHED)
    ApplicationFactory(round=round, reference="CSF-1")
    args = [round.reference, "CSF-1"] if name in ("rounds:application", "rounds:recommendation") else [round.reference]
    response = officer_client.get(reverse(name, args=args))
    assert response.status_code == 200
    page = response.content.decode()
    tab, heading, crumbs = PAGES[name]
    current = re.findall(r'<a class="moj-sub-navigation__link"[^>]*aria-current="page">([^<]+)</a>', page)
    assert current == [tab]
    active = re.search(r"govuk-service-navigation__item--active\">(.*?)</li>", page, re.S)
    assert active and _text(active.group(1)) == "Rounds"
    h1 = _text(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1))
    assert h1 == heading
    title = _text(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    assert heading in title and "CSF-2026" in title
    links = re.findall(r'<a class="govuk-breadcrumbs__link" href="[^"]*">([^<]+)</a>', page)
    assert links == ["Home", *crumbs]


def test_the_tabs_run_in_the_order_of_a_round_and_link_its_pages():
    round = RoundFactory.build(reference="CSF-2026")
    tabs = round_tabs(round, current="rounds:progress")
    assert [tab["label"] for tab in tabs] == [
        "Overview",
        "Eligibility",
        "Questions",
        "Criteria",
        "Applications",
        "Panel",
        "Progress",
        "Ranking",
        "Decision",
        "Report",
    ]
    assert [tab["label"] for tab in tabs if tab["current"]] == ["Progress"]
    assert tabs[6]["url"] == "/rounds/CSF-2026/progress/"
